//! A long string that more than one JSON document carries (an article's body for copies is in
//! its ninjs and twice in its republish document), escaped for JSON once.

use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A string and its JSON form, made once, when first needed. `serde_json` writes it from that
/// form; templates (minijinja's values) get the string itself, and a page that only shows it
/// never escapes it.
#[derive(Debug, Clone)]
pub struct JsonText {
    text: String,
    json: OnceLock<Box<RawValue>>,
}

impl JsonText {
    /// Escaped when it is first written as JSON.
    pub fn new(text: String) -> JsonText {
        JsonText { text, json: OnceLock::new() }
    }

    /// Escaped at once, so that its clones share the escaped form (documents made from one
    /// body, each owning its copy).
    pub fn escaped(text: String) -> JsonText {
        let text = JsonText::new(text);
        text.json();
        text
    }

    fn json(&self) -> &RawValue {
        self.json.get_or_init(|| {
            let mut json = String::with_capacity(self.text.len() + self.text.len() / 8 + 2);
            json.push('"');
            escape_into(&mut json, &self.text);
            json.push('"');
            RawValue::from_string(json).expect("an escaped string is a JSON string")
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The JSON form (a quoted string) of `within`, a string that contains this one (or not:
    /// then it is escaped whole), with this one's part taken from its form made already.
    pub fn json_within(&self, within: &str) -> String {
        // Found by its first bytes, then compared whole: a finder for the whole text would cost
        // more to build than the escaping it saves.
        let text = self.text.as_bytes();
        let found = match text.get(..text.len().min(32)) {
            Some(start) if !start.is_empty() => memchr::memmem::find_iter(within.as_bytes(), start)
                .find(|&at| within.as_bytes()[at..].starts_with(text)),
            _ => None,
        };
        let Some(at) = found else {
            return serde_json::to_string(within).expect("a string always serializes");
        };
        // JSON escapes character by character, so the escaped parts joined are the whole
        // escaped; a match of a whole string starts and ends on character boundaries.
        let json = self.json().get();
        let inner = &json[1..json.len() - 1];
        let mut json = String::with_capacity(within.len() - self.text.len() + inner.len() + 64);
        json.push('"');
        escape_into(&mut json, &within[..at]);
        json.push_str(inner);
        escape_into(&mut json, &within[at + self.text.len()..]);
        json.push('"');
        json
    }
}

/// Writes `text` escaped for a JSON string into `json`, as `serde_json` writes it (its tests
/// compare the two). HTML, what this escapes, has a quotation mark or a line end every few
/// dozen bytes: they are found by `memchr`, many bytes at a time, where `serde_json` looks at
/// each byte. Text with any other control character is left to `serde_json`.
fn escape_into(json: &mut String, text: &str) {
    let bytes = text.as_bytes();
    if crate::any_byte(bytes, |b| b < 0x20 && b != b'\n') {
        let quoted = serde_json::to_string(text).expect("a string always serializes");
        json.push_str(&quoted[1..quoted.len() - 1]);
        return;
    }
    let mut from = 0;
    for at in memchr::memchr3_iter(b'"', b'\\', b'\n', bytes) {
        json.push_str(&text[from..at]);
        json.push_str(match bytes[at] {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            _ => "\\n",
        });
        from = at + 1;
    }
    json.push_str(&text[from..]);
}

impl PartialEq for JsonText {
    fn eq(&self, other: &JsonText) -> bool {
        self.text == other.text
    }
}

impl Serialize for JsonText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if minijinja::value::serializing_for_value() {
            serializer.serialize_str(&self.text)
        } else {
            self.json().serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonText, D::Error> {
        String::deserialize(deserializer).map(JsonText::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_the_string_would() {
        for s in ["", "plain", "<p class=\"x\">a\\b\n\t\u{1}é — \u{2028}</p>"] {
            let text = JsonText::new(s.to_owned());
            let value = minijinja::Value::from_serialize(&text);
            assert_eq!(value.as_str(), Some(s), "templates read the string");
            assert!(text.json.get().is_none(), "a template alone does not escape it");
            assert_eq!(serde_json::to_string(&text).unwrap(), serde_json::to_string(s).unwrap());
            assert_eq!(
                serde_json::to_string_pretty(&vec![&text]).unwrap(),
                serde_json::to_string_pretty(&vec![s]).unwrap()
            );
            let back: JsonText = serde_json::from_str(&serde_json::to_string(&text).unwrap()).unwrap();
            assert_eq!(back.as_str(), s);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_string_escapes_as_serde_json_escapes_it(s in "(\\PC|[\u{0}-\u{1f}\"\\\\\u{7f}\u{2028}])*", cut in 0usize..64) {
            let text = JsonText::new(s.clone());
            proptest::prop_assert_eq!(text.json().get(), serde_json::to_string(&s).unwrap());
            let at = s.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(s.len());
            let part = JsonText::new(s[at..].to_owned());
            proptest::prop_assert_eq!(part.json_within(&s), serde_json::to_string(&s).unwrap());
        }
    }

    #[test]
    fn a_string_within_another_escapes_as_the_whole_would() {
        let body = JsonText::new("<p>\"quoted\"\nline é</p>".to_owned());
        for within in [
            "<article>\n<h1>\"T\"</h1><p>\"quoted\"\nline é</p>\n<img src=\"b\">\u{7}</article>".to_owned(),
            body.as_str().to_owned(),
            "no body here\n".to_owned(),
            String::new(),
        ] {
            assert_eq!(body.json_within(&within), serde_json::to_string(&within).unwrap(), "{within:?}");
        }
        let empty = JsonText::new(String::new());
        assert_eq!(empty.json_within("a\"b"), serde_json::to_string("a\"b").unwrap());
    }
}
