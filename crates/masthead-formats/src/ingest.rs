//! Reading partners' feeds: RSS 2.0, Atom and JSON Feed through feed-rs, IPTC ninjs through
//! serde types, into one [`IncomingItem`] per article. What feed-rs does not give is read around
//! it: with quick-xml, where in the file a document breaks or stops being a feed (line and
//! column), and the provenance an item declares itself (RSS `<source>`, Atom `<source>`), so
//! that a chain of republication survives ("originally published on A, via B"); with serde,
//! where a JSON Feed goes wrong.
//!
//! A feed comes in whole, or says exactly what it could not take: feed-rs refuses a whole
//! document for one odd item, so what it would refuse is repaired first where a lenient reader
//! would read it (`normalize_xml`), and otherwise each item is read alone and the one feed-rs
//! cannot read is left out, with its position and reason ([`ItemProblem`]).
//!
//! Nothing here fetches, stores or sanitises: the bytes come in, plain data goes out, and every
//! problem says what and where.

use std::fmt;

use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use jiff::Timestamp;
use masthead_core::FeedFormat;
use quick_xml::events::Event;
use serde::Deserialize;
use url::Url;

/// The largest body accepted for one item.
pub const MAX_ITEM_BODY_BYTES: usize = 512 * 1024;

/// An outlet that had the article before the partner: from the item's own source element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    pub name: String,
    /// The article there, or the outlet's feed or home page when that is all the item says.
    pub url: Option<Url>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingImage {
    pub url: Url,
    pub alt: String,
    /// "Photo: Ana Petrović / Danube Dispatch", when the feed names one (Media RSS `credit`,
    /// ninjs `by`); empty otherwise.
    pub credit: String,
}

/// One article as a partner's feed describes it. The body is the partner's HTML as given:
/// unsanitised, links possibly relative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingItem {
    /// The item's identity in the feed: RSS guid, Atom id, JSON Feed id, ninjs uri.
    pub id: String,
    /// The article at the partner.
    pub url: Url,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    /// `None` when the item gives no date: it is dated when it is taken in.
    pub published: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub byline: Vec<String>,
    pub image: Option<IncomingImage>,
    /// Earlier outlets, oldest first; empty when the partner wrote it.
    pub chain: Vec<ChainLink>,
    pub categories: Vec<String>,
    /// What the relative links in `body_html` are read against: the `xml:base` over the item's
    /// text when the feed declares one (on the feed, channel, item or text), else the article's
    /// own address, never the feed's.
    pub base: Url,
}

/// An item that was left out, or taken in without something it gave, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemProblem {
    /// 1-based position of the item in the feed.
    pub position: usize,
    /// Its id or headline, when it has one.
    pub item: String,
    pub message: String,
}

impl fmt::Display for ItemProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.item.is_empty() {
            write!(f, "item {}: {}", self.position, self.message)
        } else {
            write!(f, "item {} ({}): {}", self.position, self.item, self.message)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedFeed {
    pub items: Vec<IncomingItem>,
    pub problems: Vec<ItemProblem>,
}

/// Why a whole document could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FeedError {
    pub message: String,
    /// 1-based line and column, when the problem is at a place in the file.
    pub at: Option<(u64, u64)>,
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, column)) => write!(f, "line {line}, column {column}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl FeedError {
    fn new(message: impl Into<String>) -> FeedError {
        FeedError { message: message.into(), at: None }
    }

    fn at(bytes: &[u8], offset: u64, message: impl Into<String>) -> FeedError {
        FeedError { message: message.into(), at: Some(line_and_column(bytes, offset)) }
    }
}

fn line_and_column(bytes: &[u8], offset: u64) -> (u64, u64) {
    let before = &bytes[..(offset as usize).min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() as u64 + 1;
    (line, column)
}

/// Reads a feed document. `format` may be [`FeedFormat::Auto`]; `base` is where it was fetched
/// from, against which relative addresses in it are read.
pub fn parse_feed(bytes: &[u8], format: FeedFormat, base: &Url) -> Result<ParsedFeed, FeedError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let format = match format {
        FeedFormat::Auto => match first {
            Some(b'<') => FeedFormat::Rss,
            Some(b'{' | b'[') if looks_like_ninjs(bytes) => FeedFormat::Ninjs,
            Some(b'{' | b'[') => FeedFormat::JsonFeed,
            Some(_) => {
                return Err(FeedError::at(
                    bytes,
                    start_of(bytes),
                    "this is neither XML (RSS, Atom) nor JSON (JSON Feed, ninjs)",
                ));
            }
            // Nothing to point at: the only refusal without a place.
            None => return Err(FeedError::new("the document is empty")),
        },
        f => f,
    };
    match format {
        FeedFormat::Ninjs => parse_ninjs(bytes, base),
        FeedFormat::JsonFeed => parse_json_feed(bytes, base),
        _ => parse_xml_feed(bytes, base),
    }
}

/// Where the document's first character is: the start of a JSON document's value.
fn start_of(bytes: &[u8]) -> u64 {
    bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0) as u64
}

const ATOM_03: &[u8] = b"http://purl.org/atom/ns#";
const ATOM_10: &[u8] = b"http://www.w3.org/2005/Atom";

const MEDIA_RSS: &[u8] = b"http://search.yahoo.com/mrss/";

/// The document in the shape feed-rs reads, where a lenient reader takes what it says:
/// - RSS without a `version`, or of a version feed-rs does not know (0.93, 0.94 …), is RSS 2.0;
/// - Atom 0.3 is read as Atom 1.0 (its namespace, `issued` as `published`, `modified` as
///   `updated`, `tagline` as `subtitle`, `copyright` as `rights`, and MIME types on text as
///   Atom's `text`/`html`/`xhtml`);
/// - a text's empty or unknown `type` is left out (Media RSS's own: `plain`/`html`); Atom
///   content of `application/xhtml+xml` is `xhtml`, and content elsewhere (`src`) typed `html`
///   is `text/html`;
/// - an `xml:base` that is no address is left out (the item says so, see [`check_xml`]), and
///   a character reference to no character reads as U+FFFD, as in HTML.
///
/// Each of these would otherwise have feed-rs refuse the whole feed for one odd entry.
/// Rewritten event by event with quick-xml, everything else as it was; `None` when nothing
/// needs it or the rewrite fails.
fn normalize_xml(bytes: &[u8]) -> Option<Vec<u8>> {
    use quick_xml::events::{BytesEnd, BytesText};
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(bytes.len() + 64));
    let mut buf = Vec::new();
    let mut state = Normalizing::default();
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        match event {
            Event::Start(e) => {
                match normal_start(&e, &mut state) {
                    Some(start) => writer.write_event(Event::Start(start)).ok()?,
                    None => writer.write_event(Event::Start(e)).ok()?,
                }
                state.depth += 1;
            }
            Event::Empty(e) => match normal_start(&e, &mut state) {
                Some(start) => writer.write_event(Event::Empty(start)).ok()?,
                None => writer.write_event(Event::Empty(e)).ok()?,
            },
            Event::End(e) => {
                state.depth = state.depth.saturating_sub(1);
                let full = e.name().as_ref().to_vec();
                let local = full.rsplit(|b| *b == b':').next().unwrap_or(&full).to_vec();
                match atom03_name(&local, state.atom03) {
                    Some(new_local) => {
                        let mut name = full[..full.len() - local.len()].to_vec();
                        name.extend_from_slice(new_local);
                        writer
                            .write_event(Event::End(BytesEnd::new(
                                String::from_utf8_lossy(&name).into_owned(),
                            )))
                            .ok()?;
                    }
                    None => writer.write_event(Event::End(e)).ok()?,
                }
            }
            Event::GeneralRef(r) if r.is_char_ref() && !matches!(r.resolve_char_ref(), Ok(Some(_))) => {
                writer.write_event(Event::Text(BytesText::new("\u{FFFD}"))).ok()?;
                state.changed = true;
            }
            Event::Eof => break,
            other => writer.write_event(other).ok()?,
        }
        buf.clear();
    }
    state.changed.then(|| writer.into_inner())
}

/// Where [`normalize_xml`] is: the depth, whether the feed is Atom 0.3, the prefixes bound to
/// Media RSS, and whether anything was rewritten.
#[derive(Debug, Default)]
struct Normalizing {
    depth: usize,
    atom03: bool,
    media_prefixes: Vec<Vec<u8>>,
    changed: bool,
}

/// An Atom 0.3 element's Atom 1.0 name, when it has another.
fn atom03_name(local: &[u8], atom03: bool) -> Option<&'static [u8]> {
    if !atom03 {
        return None;
    }
    match local {
        b"issued" => Some(b"published"),
        b"modified" => Some(b"updated"),
        b"tagline" => Some(b"subtitle"),
        b"copyright" => Some(b"rights"),
        _ => None,
    }
}

/// The start tag as feed-rs reads it, or `None` when it needs nothing.
fn normal_start(
    e: &quick_xml::events::BytesStart,
    state: &mut Normalizing,
) -> Option<quick_xml::events::BytesStart<'static>> {
    use quick_xml::events::BytesStart;
    let qname = e.name();
    let full = qname.as_ref();
    let local = full.rsplit(|b| *b == b':').next().unwrap_or(full);
    let prefix = &full[..full.len() - local.len()];
    let attrs: Vec<(Vec<u8>, Vec<u8>)> =
        e.attributes().flatten().map(|a| (a.key.as_ref().to_vec(), a.value.to_vec())).collect();
    let depth = state.depth;
    if depth == 0 && local == b"feed" && attrs.iter().any(|(k, v)| k.starts_with(b"xmlns") && v == ATOM_03) {
        state.atom03 = true;
    }
    for (k, v) in &attrs {
        if v == MEDIA_RSS
            && let Some(bound) = k.strip_prefix(b"xmlns:")
        {
            state.media_prefixes.push(bound.to_vec());
        }
    }
    let atom03 = state.atom03;
    let media = prefix.strip_suffix(b":").is_some_and(|p| state.media_prefixes.iter().any(|m| m == p));
    let text_element = matches!(
        local,
        b"title" | b"subtitle" | b"summary" | b"content" | b"rights" | b"tagline" | b"copyright"
    );
    let elsewhere = local == b"content" && attrs.iter().any(|(k, _)| k == b"src");
    let new_local = atom03_name(local, atom03);
    let mut out_attrs = Vec::new();
    let mut touched = new_local.is_some();
    for (k, v) in &attrs {
        let kept: Option<&[u8]> = if atom03 && k.starts_with(b"xmlns") && v == ATOM_03 {
            Some(ATOM_10)
        } else if (atom03 && (k == b"mode" || (depth == 0 && k == b"version")))
            || (k == b"xml:base" && unusable_base(v))
        {
            None
        } else if k == b"type" && media && matches!(local, b"title" | b"description") {
            match v.as_slice() {
                b"plain" | b"html" => Some(v),
                b"text" | b"text/plain" => Some(b"plain"),
                b"xhtml" | b"text/html" | b"application/xhtml+xml" => Some(b"html"),
                _ => None,
            }
        } else if k == b"type" && !media && text_element {
            match v.as_slice() {
                b"text" if elsewhere => Some(b"text/plain"),
                b"html" if elsewhere => Some(b"text/html"),
                b"xhtml" if elsewhere => Some(b"application/xhtml+xml"),
                b"text" | b"html" | b"xhtml" => Some(v),
                b"text/plain" if atom03 => Some(b"text"),
                b"text/html" if atom03 => Some(b"html"),
                b"application/xhtml+xml" if atom03 || (local == b"content" && !elsewhere) => Some(b"xhtml"),
                other if local == b"content" && other.contains(&b'/') => Some(v),
                _ => None,
            }
        } else {
            Some(v)
        };
        match kept {
            Some(value) => {
                touched |= value != v.as_slice();
                out_attrs.push((k.clone(), value.to_vec()));
            }
            None => touched = true,
        }
    }
    if depth == 0 && local == b"rss" {
        let version = attrs.iter().find(|(k, _)| k == b"version").map(|(_, v)| v.as_slice());
        if !matches!(version, Some(b"2.0" | b"0.91" | b"0.92")) {
            out_attrs.retain(|(k, _)| k != b"version");
            out_attrs.push((b"version".to_vec(), b"2.0".to_vec()));
            touched = true;
        }
    }
    if !touched {
        return None;
    }
    state.changed = true;
    let mut name = prefix.to_vec();
    name.extend_from_slice(new_local.unwrap_or(local));
    let mut start = BytesStart::new(String::from_utf8_lossy(&name).into_owned());
    for (k, v) in &out_attrs {
        start.push_attribute(quick_xml::events::attributes::Attribute {
            key: quick_xml::name::QName(k),
            value: std::borrow::Cow::Borrowed(v),
        });
    }
    Some(start.into_owned())
}

/// An `xml:base` that feed-rs refuses the whole feed for: written as an absolute address, and
/// not one (`http://[bad`).
fn unusable_base(raw: &[u8]) -> bool {
    let value = quick_xml::escape::unescape(&String::from_utf8_lossy(raw)).map(|v| v.into_owned());
    let value = value.unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned());
    matches!(Url::parse(&value), Err(e) if e != url::ParseError::RelativeUrlWithoutBase)
}

fn looks_like_ninjs(bytes: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Array(_)) => true,
        Ok(serde_json::Value::Object(o)) => {
            o.contains_key("uri")
                || o.get("items").and_then(|i| i.get(0)).is_some_and(|i| i.get("uri").is_some())
        }
        _ => false,
    }
}

fn check_json(bytes: &[u8]) -> Result<serde_json::Value, FeedError> {
    serde_json::from_slice(bytes).map_err(|e| FeedError {
        message: format!("this is not valid JSON: {}", strip_position(&e.to_string())),
        at: Some((e.line() as u64, e.column() as u64)),
    })
}

/// A JSON Feed's own fields, read by serde so that a wrong one is refused where it is. Its
/// title is not needed here, so a feed without one is read; its items are read one at a time
/// ([`json_feed_item`]).
#[derive(Debug, Deserialize)]
struct JsonFeed {
    #[serde(rename = "version", deserialize_with = "json_feed_version")]
    _version: String,
    author: Option<serde_json::Value>,
    authors: Option<serde_json::Value>,
    items: Vec<serde_json::Value>,
}

fn json_feed_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let version = String::deserialize(d)?;
    if version.starts_with("https://jsonfeed.org/version/1") {
        Ok(version)
    } else {
        Err(serde::de::Error::custom(format!(
            "its version {version:?} is not JSON Feed 1 (\"https://jsonfeed.org/version/1.1\")"
        )))
    }
}

/// An author as JSON Feed 1.1 and feed-rs have it.
#[derive(Debug, Deserialize)]
#[serde(expecting = "an object with a \"name\"")]
struct JsonFeedAuthor {
    #[serde(rename = "name")]
    _name: Option<String>,
    #[serde(rename = "url")]
    _url: Option<String>,
}

/// An attachment as JSON Feed 1.1 and feed-rs have it.
#[derive(Debug, Deserialize)]
#[serde(expecting = "an object with a \"url\" and a \"mime_type\"")]
struct JsonFeedAttachment {
    #[serde(rename = "url")]
    _url: String,
    #[serde(rename = "mime_type")]
    _mime_type: String,
    #[serde(rename = "title")]
    _title: Option<String>,
    #[serde(rename = "size_in_bytes")]
    _size_in_bytes: Option<u64>,
}

/// Whether a JSON value reads as what a field should be, and if not, serde's reason.
type Check = fn(&serde_json::Value) -> Result<(), String>;

/// Whether `value` reads as a `T`, and if not, serde's reason.
fn fits<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Result<(), String> {
    serde_json::from_value::<T>(value.clone()).map(drop).map_err(|e| e.to_string())
}

/// A JSON value in words: "the number 5", "the string \"x\"", "a list" …
fn describe(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// JSON Feed: the feed's own fields checked by serde (a wrong one refuses the feed, saying
/// where), then each item checked alone, so that feed-rs, which refuses the whole feed for one
/// field of the wrong type, is handed only items it reads.
fn parse_json_feed(bytes: &[u8], base: &Url) -> Result<ParsedFeed, FeedError> {
    use serde_json::Value;
    check_json(bytes)?;
    let feed: JsonFeed = serde_json::from_slice(bytes).map_err(|e| FeedError {
        message: format!("this is not a JSON Feed: {}", strip_position(&e.to_string())),
        at: Some((e.line() as u64, e.column() as u64)),
    })?;
    // The frame each item is read in: the feed's byline, for the items that name none, when
    // feed-rs reads it.
    let mut frame = serde_json::Map::new();
    frame.insert("version".into(), Value::from("https://jsonfeed.org/version/1.1"));
    frame.insert("title".into(), Value::from(""));
    if let Some(author) = feed.author.filter(|a| fits::<JsonFeedAuthor>(a).is_ok()) {
        frame.insert("author".into(), author);
    }
    if let Some(authors) = feed.authors.filter(|a| fits::<Vec<JsonFeedAuthor>>(a).is_ok()) {
        frame.insert("authors".into(), authors);
    }
    let read = |items: Vec<Value>| {
        let mut doc = frame.clone();
        doc.insert("items".into(), Value::Array(items));
        read_with_feed_rs(&serde_json::to_vec(&doc).unwrap_or_default(), base)
    };
    let mut entries: Vec<Result<feed_rs::model::Entry, String>> = Vec::with_capacity(feed.items.len());
    let mut notes = Vec::with_capacity(feed.items.len());
    let mut readable = Vec::new();
    for (i, raw) in feed.items.into_iter().enumerate() {
        let label = ["title", "id"]
            .iter()
            .find_map(|k| match raw.get(k)? {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .unwrap_or_default();
        let mut note = ItemNotes { label, ..ItemNotes::default() };
        match json_feed_item(raw, &mut note) {
            Ok(item) => {
                readable.push((i, item));
                entries.push(Err(String::new()));
            }
            Err(reason) => entries.push(Err(reason)),
        }
        notes.push(note);
    }
    match read(readable.iter().map(|(_, item)| item.clone()).collect()) {
        Ok(feed) if feed.entries.len() == readable.len() => {
            for ((i, _), entry) in readable.iter().zip(feed.entries) {
                entries[*i] = Ok(entry);
            }
        }
        // Something the checks did not foresee: each item alone, so that it is only that one.
        _ => {
            for (i, item) in readable {
                entries[i] = match read(vec![item]) {
                    Ok(feed) => {
                        feed.entries.into_iter().next().ok_or_else(|| "it is not a JSON Feed item".to_owned())
                    }
                    Err(e) => Err(format!("it cannot be read: {}", strip_position(&e.to_string()))),
                };
            }
        }
    }
    Ok(items_from(entries, notes, base))
}

/// One JSON Feed item as feed-rs reads it, or why it cannot be taken. A field that says what
/// the article is (its address, headline or text) of the wrong type leaves the item out; one
/// that only adds to it (dates, tags, authors, attachments) is left out of it, and `notes` say
/// so. An `id` that is not a string is made one, as JSON Feed 1.1 asks of readers.
fn json_feed_item(raw: serde_json::Value, notes: &mut ItemNotes) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    let Value::Object(mut item) = raw else {
        return Err(format!("it is {}, not an item (an object)", describe(&raw)));
    };
    if let Some(id) = item.get_mut("id")
        && !(id.is_string() || id.is_null())
    {
        let coerced = match &*id {
            Value::Number(n) => n.to_string(),
            other => other.to_string(),
        };
        *id = Value::String(coerced);
    }
    for field in ["url", "external_url", "title", "content_html", "content_text", "summary"] {
        if let Some(value) = item.get(field)
            && !(value.is_string() || value.is_null())
        {
            return Err(format!("its {field:?} is {}, not text", describe(value)));
        }
    }
    let extras: [(&str, &str, Check); 7] = [
        ("date_published", "a date as text", fits::<Option<String>>),
        ("date_modified", "a date as text", fits::<Option<String>>),
        ("tags", "a list of strings", fits::<Option<Vec<String>>>),
        ("author", "an author", fits::<Option<JsonFeedAuthor>>),
        ("authors", "a list of authors", fits::<Option<Vec<JsonFeedAuthor>>>),
        ("attachments", "a list of attachments", fits::<Option<Vec<JsonFeedAttachment>>>),
        ("image", "an address as text", fits::<Option<String>>),
    ];
    for (field, expected, check) in extras {
        if let Some(value) = item.get(field)
            && let Err(why) = check(value)
        {
            item.remove(field);
            notes
                .taken_without
                .push(format!("its {field:?} is not {expected} ({why}); it was taken in without it"));
        }
    }
    notes.date = item.get("date_published").and_then(Value::as_str).map(str::to_owned);
    notes.image = item.get("image").and_then(Value::as_str).map(str::to_owned);
    Ok(Value::Object(item))
}

/// serde_json's message without its trailing " at line L column C", which [`FeedError`] says.
fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map(|(m, _)| m).unwrap_or(message)
}

/// What feed-rs does not say about one item, learnt around it: from the XML with quick-xml, or
/// from a JSON Feed item with serde.
#[derive(Debug, Clone, Default)]
struct ItemNotes {
    /// Its headline or id as written, to name it when feed-rs cannot read it.
    label: String,
    /// Earlier outlets it names (RSS and Atom `<source>`), oldest first.
    chain: Vec<ChainLink>,
    /// The `xml:base` over its content and over its summary, when the feed declares one.
    content_base: Option<Url>,
    summary_base: Option<Url>,
    /// Its media addresses written relative with no `xml:base` over them, as feed-rs made them
    /// absolute (against the feed's address) and as written: they are read against the
    /// article's address instead.
    relative_media: Vec<(Url, String)>,
    /// A JSON Feed item's `image` as written, which feed-rs does not read.
    image: Option<String>,
    /// Its publication date as written, and an Atom entry's last update, to say so when they
    /// cannot be read.
    date: Option<String>,
    updated: Option<String>,
    /// What it is taken in without, or what in it reads differently, and why.
    taken_without: Vec<String>,
}

/// An item of the feed: RSS's `<item>` in the channel (or, in RSS 1.0, beside it), Atom's
/// `<entry>` in the feed. `parents` are the local names of the elements it is in.
fn is_item(name: &str, parents: &[String]) -> bool {
    matches!(name, "item" | "entry")
        && (parents.len() == 1 || (parents.len() == 2 && parents[1] == "channel"))
}

/// The text being read from inside an item: what it is, and the depth of its element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    Title,
    Id,
    Date,
    Updated,
}

/// An item's `<source>` being read: its depth, its name so far, its address, and whether we are
/// in its (Atom) title.
#[derive(Debug, Default)]
struct SourceRead {
    depth: usize,
    name: String,
    url: Option<String>,
    in_title: bool,
}

/// Checks that an XML document is well-formed and in the encoding it declares, and learns of
/// each item, in order, what feed-rs does not say ([`ItemNotes`]).
fn check_xml(bytes: &[u8], base: &Url) -> Result<Vec<ItemNotes>, FeedError> {
    check_encoding(bytes)?;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut items: Vec<ItemNotes> = Vec::new();
    // The local names of the elements we are in.
    let mut parents: Vec<String> = Vec::new();
    // The xml:base declared over where we are, each with the depth of the element declaring it;
    // those that are no address, with what to say of them.
    let mut bases: Vec<(usize, Url)> = Vec::new();
    let mut bad_bases: Vec<(usize, String)> = Vec::new();
    // The item we are in (its depth), the text being read in it and its source element.
    let mut item_depth: Option<usize> = None;
    let mut in_entry = false;
    let mut reading: Option<(Reading, usize)> = None;
    let mut text = String::new();
    let mut source: Option<SourceRead> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            FeedError::at(bytes, reader.error_position(), format!("the XML is not well-formed: {e}"))
        })?;
        let depth = parents.len();
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let name = local(e.name().as_ref());
                let mut bad_here = None;
                if let Some(value) = xml_base_of(e, &reader) {
                    let over = bases.last().map_or(base, |(_, url)| url);
                    match over.join(&value) {
                        Ok(url) => bases.push((depth, url)),
                        Err(e) => {
                            let note = format!(
                                "the xml:base {value:?} over it is not an address ({e}); its relative links are read without it"
                            );
                            bad_here = Some(note.clone());
                            bad_bases.push((depth, note));
                        }
                    }
                }
                let starts_item =
                    item_depth.is_none() && ((depth == 0 && name == "entry") || is_item(&name, &parents));
                if starts_item {
                    item_depth = Some(depth);
                    in_entry = name == "entry";
                    let taken_without = bad_bases.iter().map(|(_, note)| note.clone()).collect();
                    items.push(ItemNotes { taken_without, ..ItemNotes::default() });
                } else if let Some(item) = item_depth
                    && let Some(notes) = items.last_mut()
                {
                    notes.taken_without.extend(bad_here);
                    if let Some(source) = &mut source {
                        if depth == source.depth + 1 && name == "title" {
                            source.in_title = true;
                        }
                        if name == "link" && attribute(e, &reader, "rel").is_none_or(|r| r == "alternate") {
                            source.url = attribute(e, &reader, "href").or(source.url.take());
                        }
                    } else if name == "source" {
                        source = Some(SourceRead {
                            depth,
                            url: attribute(e, &reader, "url"),
                            ..SourceRead::default()
                        });
                    } else {
                        if depth == item + 1 {
                            let here = bases.last().map(|(_, url)| url.clone());
                            match name.as_str() {
                                "content" | "encoded" => notes.content_base = here,
                                "summary" | "description" => notes.summary_base = here,
                                _ => {}
                            }
                        }
                        // feed-rs makes these absolute against the feed's address when no
                        // xml:base is over them: remember what was written.
                        if matches!(name.as_str(), "content" | "thumbnail" | "enclosure" | "player")
                            && bases.is_empty()
                            && let Some(raw) = attribute(e, &reader, "url")
                            && matches!(Url::parse(&raw), Err(url::ParseError::RelativeUrlWithoutBase))
                            && let Ok(resolved) = base.join(&raw)
                        {
                            notes.relative_media.push((resolved, raw));
                        }
                    }
                    if source.is_none() && depth == item + 1 {
                        reading = match name.as_str() {
                            "title" => Some((Reading::Title, depth)),
                            "guid" | "id" => Some((Reading::Id, depth)),
                            "pubDate" | "date" | "published" | "issued" => Some((Reading::Date, depth)),
                            // RSS items may carry an atom:updated that feed-rs does not read.
                            "updated" | "modified" if in_entry => Some((Reading::Updated, depth)),
                            _ => None,
                        };
                        text.clear();
                    }
                }
                if matches!(event, Event::Empty(_)) {
                    end_element(depth, &mut items, &mut item_depth, &mut reading, &mut text, &mut source);
                    bases.retain(|(d, _)| *d < depth);
                    bad_bases.retain(|(d, _)| *d < depth);
                } else {
                    parents.push(name);
                }
            }
            Event::End(_) => {
                parents.pop();
                let depth = parents.len();
                end_element(depth, &mut items, &mut item_depth, &mut reading, &mut text, &mut source);
                bases.retain(|(d, _)| *d < depth);
                bad_bases.retain(|(d, _)| *d < depth);
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                let piece = match &event {
                    Event::Text(t) => t.xml10_content().unwrap_or_default().into_owned(),
                    Event::CData(t) => t.decode().unwrap_or_default().into_owned(),
                    Event::GeneralRef(r) if r.is_char_ref() => match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        // Read as HTML reads it, rather than refusing the feed for one character.
                        _ => {
                            if item_depth.is_some()
                                && let Some(notes) = items.last_mut()
                            {
                                let (line, column) = line_and_column(bytes, at);
                                notes.taken_without.push(format!(
                                    "line {line}, column {column}: &{}; is no character; it reads as \u{FFFD}",
                                    String::from_utf8_lossy(r)
                                ));
                            }
                            "\u{FFFD}".to_owned()
                        }
                    },
                    Event::GeneralRef(r) => {
                        let name = r.decode().unwrap_or_default();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .map_or_else(|| format!("&{name};"), str::to_owned)
                    }
                    _ => String::new(),
                };
                if let Some(source) = &mut source {
                    if depth == source.depth + 1 || source.in_title {
                        source.name.push_str(&piece);
                    }
                } else if reading.is_some() {
                    text.push_str(&piece);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(items)
}

/// The end of the element at `depth` (or of an empty one): what was being read in it is kept.
fn end_element(
    depth: usize,
    items: &mut [ItemNotes],
    item_depth: &mut Option<usize>,
    reading: &mut Option<(Reading, usize)>,
    text: &mut String,
    source: &mut Option<SourceRead>,
) {
    let Some(notes) = items.last_mut() else { return };
    if let Some(s) = source {
        if s.depth == depth {
            let name = s.name.trim().to_owned();
            if !name.is_empty() {
                notes.chain.push(ChainLink { name, url: s.url.take().and_then(|u| Url::parse(&u).ok()) });
            }
            *source = None;
        } else if s.depth + 1 == depth {
            s.in_title = false;
        }
    }
    if let Some((what, at)) = *reading
        && at == depth
    {
        let read = text.trim();
        match what {
            Reading::Title => notes.label = masthead_core::text::plain_title(read),
            Reading::Id if notes.label.is_empty() => notes.label = read.to_owned(),
            Reading::Id => {}
            // The last one, as feed-rs takes the last.
            Reading::Date => notes.date = Some(read.to_owned()).filter(|d| !d.is_empty()),
            Reading::Updated => notes.updated = Some(read.to_owned()).filter(|d| !d.is_empty()),
        }
        *reading = None;
        text.clear();
    }
    if *item_depth == Some(depth) {
        *item_depth = None;
    }
}

/// The element's `xml:base`, as written.
fn xml_base_of(e: &quick_xml::events::BytesStart, reader: &quick_xml::Reader<&[u8]>) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == b"xml:base").and_then(|a| {
        a.decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, reader.decoder())
            .ok()
            .map(|v| v.trim().to_owned())
    })
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    name.rsplit(':').next().unwrap_or_default().to_owned()
}

fn attribute(
    e: &quick_xml::events::BytesStart,
    reader: &quick_xml::Reader<&[u8]>,
    key: &str,
) -> Option<String> {
    e.attributes().flatten().find(|a| local(a.key.as_ref()) == key).and_then(|a| {
        a.decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, reader.decoder())
            .ok()
            .map(|v| v.trim().to_owned())
    })
}

/// Checks that the document is in the encoding it declares (UTF-8 when it declares none), and
/// says which byte is not.
fn check_encoding(bytes: &[u8]) -> Result<(), FeedError> {
    let Some((name, at)) = declared_encoding(bytes) else {
        return check_utf8(bytes);
    };
    let Some(encoding) = encoding_rs::Encoding::for_label(name.as_bytes()) else {
        return Err(FeedError::at(bytes, at, format!("the document declares an unknown encoding {name:?}")));
    };
    if encoding == encoding_rs::UTF_8 {
        return check_utf8(bytes);
    }
    // A declaration of UTF-16 in a document that could be read this far is not believed (as
    // XML says); the other encodings read bytes as ASCII does, and can be checked byte by byte.
    if !encoding.is_ascii_compatible() {
        return Ok(());
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text =
        String::with_capacity(decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(0));
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        encoding_rs::DecoderResult::Malformed(bad, after) => Err(FeedError::at(
            bytes,
            (read - bad as usize - after as usize) as u64,
            format!("this byte is not {}, which the document declares", encoding.name()),
        )),
        _ => Ok(()),
    }
}

fn check_utf8(bytes: &[u8]) -> Result<(), FeedError> {
    std::str::from_utf8(bytes).map(drop).map_err(|e| {
        FeedError::at(
            bytes,
            e.valid_up_to() as u64,
            "this byte is not UTF-8, which the document declares or implies; the partner should declare its encoding",
        )
    })
}

/// The encoding named in the XML declaration, if there is one, and where it is named.
fn declared_encoding(bytes: &[u8]) -> Option<(String, u64)> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    loop {
        let start = reader.buffer_position();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Decl(d)) => {
                let name =
                    d.encoding().and_then(|e| e.ok()).map(|e| String::from_utf8_lossy(&e).into_owned())?;
                // After "<?", where the attribute begins.
                let within = memchr::memmem::find(&d, b"encoding").unwrap_or(0) as u64;
                return Some((name, start + 2 + within));
            }
            Ok(Event::Text(_) | Event::Comment(_)) => buf.clear(),
            _ => return None,
        }
    }
}

/// feed-rs's times (chrono) as ours.
fn timestamp(d: &chrono::DateTime<chrono::Utc>) -> Option<Timestamp> {
    Timestamp::new(d.timestamp(), d.timestamp_subsec_nanos() as i32).ok()
}

/// Why feed-rs refused `bytes` (the document as the partner sent it), and where: serde_json
/// says where in JSON; in XML, quick-xml finds the element (the root, when the document is not
/// a feed) or the namespace declaration that feed-rs could not read.
fn refusal(bytes: &[u8], e: &ParseFeedError) -> FeedError {
    if let ParseFeedError::JsonSerde(e) = e {
        return FeedError {
            message: format!("this is not a JSON Feed that can be read: {}", strip_position(&e.to_string())),
            at: Some((e.line() as u64, e.column() as u64)),
        };
    }
    let root = root_element(bytes);
    if let ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) = e {
        return match root {
            Some((at, name)) if local(name.as_bytes()) == "rss" => {
                FeedError::at(bytes, at, "<rss> holds no <channel>, so there is nothing in it to read")
            }
            Some((at, name)) => FeedError::at(
                bytes,
                at,
                format!(
                    "<{name}> is not a feed: a feed is RSS (<rss>), Atom (<feed>) or RSS 1.0 (<rdf:RDF>)"
                ),
            ),
            None => FeedError::at(bytes, start_of(bytes), "there is no element in the document, so no feed"),
        };
    }
    if let Some((at, message)) = namespace_problem(bytes) {
        return FeedError::at(bytes, at, message);
    }
    let at = root.map_or_else(|| start_of(bytes), |(at, _)| at);
    FeedError::at(bytes, at, format!("this is not a feed that can be read: {e}"))
}

/// The root element: where it starts, and its name as written.
fn root_element(bytes: &[u8]) -> Option<(u64, String)> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    loop {
        let start = reader.buffer_position();
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => {
                return Some((start, String::from_utf8_lossy(e.name().as_ref()).into_owned()));
            }
            Event::Eof => return None,
            _ => buf.clear(),
        }
    }
}

/// The first namespace declaration or prefix that a namespace-aware reader (feed-rs's) refuses,
/// which the well-formedness check does not see: where its tag starts, and why.
fn namespace_problem(bytes: &[u8]) -> Option<(u64, String)> {
    let mut reader = quick_xml::NsReader::from_reader(bytes);
    let mut buf = Vec::new();
    loop {
        let start = reader.buffer_position();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => return None,
            Ok(_) => buf.clear(),
            Err(quick_xml::Error::Namespace(e)) => {
                return Some((start, format!("a namespace in this tag cannot be read: {e}")));
            }
            Err(e) => return Some((reader.error_position(), format!("the XML cannot be read: {e}"))),
        }
    }
}

fn read_with_feed_rs(doc: &[u8], base: &Url) -> Result<feed_rs::model::Feed, ParseFeedError> {
    feed_rs::parser::Builder::new().base_uri(Some(base.as_str())).sanitize_content(false).build().parse(doc)
}

/// RSS or Atom: checked and learnt about with quick-xml, normalised, read by feed-rs.
fn parse_xml_feed(bytes: &[u8], base: &Url) -> Result<ParsedFeed, FeedError> {
    let notes = check_xml(bytes, base)?;
    let normal = normalize_xml(bytes);
    let doc = normal.as_deref().unwrap_or(bytes);
    let entries = read_xml_entries(doc, base, notes.len()).map_err(|e| refusal(bytes, &e))?;
    Ok(items_from(entries, notes, base))
}

/// feed-rs's entry for each of the `count` items of the feed (as [`check_xml`] found them, in
/// order), or why it could not read that one; `Err` when it refuses the document itself.
///
/// When feed-rs refuses the whole document, or passes over an item, each item is read alone in
/// the document's frame (everything before the first item and after the last): the ones it
/// reads are taken, each one it cannot read says why, and one item never refuses the others.
fn read_xml_entries(
    doc: &[u8],
    base: &Url,
    count: usize,
) -> Result<Vec<Result<feed_rs::model::Entry, String>>, ParseFeedError> {
    let whole = read_with_feed_rs(doc, base);
    if let Ok(feed) = &whole
        && feed.entries.len() == count
    {
        return whole.map(|feed| feed.entries.into_iter().map(Ok).collect());
    }
    let spans = item_spans(doc);
    let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
        return whole.map(|feed| feed.entries.into_iter().map(Ok).collect());
    };
    if spans.len() != count {
        return whole.map(|feed| feed.entries.into_iter().map(Ok).collect());
    }
    let (head, tail) = (&doc[..first.start], &doc[last.end..]);
    // The frame alone: what feed-rs refuses there, it refuses in the document.
    read_with_feed_rs(&[head, tail].concat(), base)?;
    Ok(spans
        .iter()
        .map(|span| match read_with_feed_rs(&[head, &doc[span.clone()], tail].concat(), base) {
            Ok(feed) => feed
                .entries
                .into_iter()
                .next()
                .ok_or_else(|| "it is not an item of this feed's kind".to_owned()),
            Err(e) => Err(item_refusal(&e)),
        })
        .collect())
}

/// Where each item of the feed is in `doc` (see [`is_item`]), in order.
fn item_spans(doc: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut reader = quick_xml::Reader::from_reader(doc);
    let mut buf = Vec::new();
    let mut parents: Vec<String> = Vec::new();
    let mut spans = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    loop {
        let start = reader.buffer_position() as usize;
        let Ok(event) = reader.read_event_into(&mut buf) else { return spans };
        match event {
            Event::Start(e) => {
                let name = local(e.name().as_ref());
                if open.is_none() && is_item(&name, &parents) {
                    open = Some((start, parents.len()));
                }
                parents.push(name);
            }
            Event::Empty(e) if open.is_none() && is_item(&local(e.name().as_ref()), &parents) => {
                spans.push(start..reader.buffer_position() as usize);
            }
            Event::End(_) => {
                parents.pop();
                if let Some((from, depth)) = open
                    && depth == parents.len()
                {
                    spans.push(from..reader.buffer_position() as usize);
                    open = None;
                }
            }
            Event::Eof => return spans,
            _ => {}
        }
        buf.clear();
    }
}

/// Why feed-rs could not read one item, in the words of the feed's formats.
fn item_refusal(e: &ParseFeedError) -> String {
    match e {
        ParseFeedError::ParseError(ParseErrorKind::UnknownMimeType(t)) => {
            format!("its content is of type {t:?}, which is neither text nor HTML")
        }
        ParseFeedError::ParseError(ParseErrorKind::MissingContent(what)) if what.contains("src") => {
            "its content both points elsewhere (src) and has text of its own".to_owned()
        }
        ParseFeedError::ParseError(ParseErrorKind::MissingContent(_)) => {
            "its content has no text, though its type says it holds some".to_owned()
        }
        ParseFeedError::XmlReader(e) => {
            let e = e.to_string();
            let e = e.strip_prefix("Parser error: ").unwrap_or(&e);
            format!("its XML cannot be read: {e}")
        }
        other => format!("it cannot be read: {other}"),
    }
}

/// The items feed-rs read, each with what was learnt around it, checked and made ours.
fn items_from(
    entries: Vec<Result<feed_rs::model::Entry, String>>,
    mut notes: Vec<ItemNotes>,
    base: &Url,
) -> ParsedFeed {
    notes.resize_with(entries.len(), ItemNotes::default);
    let mut parsed = ParsedFeed::default();
    for (i, (entry, notes)) in entries.into_iter().zip(notes).enumerate() {
        let position = i + 1;
        let entry = match entry {
            Ok(entry) => entry,
            Err(reason) => {
                parsed.problems.push(ItemProblem {
                    position,
                    item: notes.label.clone(),
                    message: format!("{reason}; it was left out"),
                });
                continue;
            }
        };
        let title = entry
            .title
            .as_ref()
            .map(|t| masthead_core::text::plain_title(t.content.trim()))
            .unwrap_or_default();
        let problem = |message: &str| ItemProblem {
            position,
            item: if title.is_empty() { entry.id.clone() } else { title.clone() },
            message: message.to_owned(),
        };
        let link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .and_then(|l| base.join(l.href.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        // An item whose only address is its guid (RSS `isPermaLink`, the default) has it there.
        let link = link
            .or_else(|| Url::parse(entry.id.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https")));
        let Some(url) = link else {
            parsed.problems.push(problem("it has no link to the original article; it was left out"));
            continue;
        };
        // An undated item is dated when it is taken in (`None` here), as feed readers do.
        let published = entry.published.or(entry.updated).as_ref().and_then(timestamp);
        let summary = entry.summary.as_ref().map(|s| s.content.clone()).unwrap_or_default();
        let body_html =
            entry.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_else(|| summary.clone());
        if body_html.trim().is_empty() {
            parsed.problems.push(problem("it has no text; it was left out"));
            continue;
        }
        // An item without a headline (a JSON Feed micropost, say) takes its first words.
        let title = if title.is_empty() { headline_from(&body_html) } else { title.clone() };
        if title.is_empty() {
            parsed
                .problems
                .push(problem("it has no headline and no words to make one from; it was left out"));
            continue;
        }
        if body_html.len() > MAX_ITEM_BODY_BYTES {
            parsed.problems.push(problem(&format!(
                "its text is {} KB, more than the {} KB allowed; it was left out",
                body_html.len() / 1024,
                MAX_ITEM_BODY_BYTES / 1024
            )));
            continue;
        }
        let image = entry.media.iter().find_map(|m| {
            let content = m.content.iter().find(|c| {
                c.content_type.as_ref().is_some_and(|t| t.ty() == "image")
                    || c.url.as_ref().is_some_and(|u| looks_like_image(u.path()))
            })?;
            let found = content.url.as_ref()?;
            let url = match notes.relative_media.iter().find(|(resolved, _)| resolved == found) {
                Some((_, written)) => url.join(written).ok()?,
                None => found.clone(),
            };
            let alt =
                m.description.as_ref().or(m.title.as_ref()).map(|t| t.content.clone()).unwrap_or_default();
            let credit =
                m.credits.iter().map(|c| c.entity.trim()).find(|c| !c.is_empty()).unwrap_or_default();
            Some(IncomingImage { url, alt, credit: credit.to_owned() })
        });
        let image = image.or_else(|| {
            let url = url.join(notes.image.as_deref()?).ok()?;
            Some(IncomingImage { url, alt: String::new(), credit: String::new() })
        });
        // The xml:base over the text the body is taken from, else the article's address.
        let from_content = entry.content.as_ref().is_some_and(|c| c.body.is_some());
        let declared = if from_content { &notes.content_base } else { &notes.summary_base };
        let item_base = declared.clone().unwrap_or_else(|| url.clone());
        parsed.items.push(IncomingItem {
            id: entry.id.trim().to_owned(),
            url,
            title,
            summary,
            body_html,
            published,
            updated: entry.updated.as_ref().and_then(timestamp),
            byline: entry
                .authors
                .iter()
                .map(|p| p.name.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect(),
            image,
            chain: notes.chain.clone(),
            categories: entry
                .categories
                .iter()
                .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
                .collect(),
            base: item_base,
        });
        // Taken in, and what it was taken in without said with it.
        for message in &notes.taken_without {
            parsed.problems.push(problem(message));
        }
        let unread = match (&notes.date, &notes.updated) {
            (Some(raw), _) if entry.published.is_none() => Some(raw),
            (None, Some(raw)) if entry.updated.is_none() => Some(raw),
            _ => None,
        };
        if let Some(raw) = unread {
            parsed.problems.push(problem(&format!(
                "its date {raw:?} cannot be read; {}",
                if entry.updated.is_some() {
                    "its last update dates it instead"
                } else {
                    "it is dated when it is taken in"
                }
            )));
        }
    }
    parsed
}

/// A headline made of the first words of `html`'s text: its first sentence, or its first
/// twelve words and an ellipsis, whichever is shorter.
fn headline_from(html: &str) -> String {
    let text = masthead_core::body::html_to_text(html);
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut headline = Vec::new();
    for word in words.iter().take(12) {
        headline.push(*word);
        if word.ends_with(['.', '!', '?']) {
            return headline.join(" ");
        }
    }
    let joined = headline.join(" ");
    if words.len() > 12 { format!("{joined}…") } else { joined }
}

/// The `alt` the item's text gives the image at `url`, if it shows it.
pub fn image_alt_in(html: &str, url: &Url) -> Option<String> {
    let doc = scraper::Html::parse_fragment(html);
    let images = scraper::Selector::parse("img[src][alt]").ok()?;
    doc.select(&images)
        .find(|img| img.value().attr("src").and_then(|src| url.join(src).ok()).is_some_and(|src| src == *url))
        .and_then(|img| img.value().attr("alt"))
        .map(|alt| alt.trim().to_owned())
        .filter(|alt| !alt.is_empty())
}

fn looks_like_image(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".webp"].iter().any(|e| lower.ends_with(e))
}

// ninjs ------------------------------------------------------------------------------------

/// A ninjs item as partners send it (1.x or 2.x): everything optional but the uri, so that one
/// missing field leaves out one item, not the feed.
#[derive(Debug, Deserialize)]
struct InNinjs {
    uri: String,
    #[serde(default)]
    headlines: Vec<InText>,
    headline: Option<String>,
    #[serde(default)]
    descriptions: Vec<InText>,
    #[serde(default)]
    bodies: Vec<InText>,
    body_html: Option<String>,
    firstcreated: Option<String>,
    versioncreated: Option<String>,
    contentcreated: Option<String>,
    by: Option<String>,
    #[serde(default)]
    people: Vec<InConcept>,
    #[serde(default)]
    infosources: Vec<InSource>,
    #[serde(default)]
    renditions: Vec<InRendition>,
    #[serde(default)]
    associations: Vec<InAssociation>,
    #[serde(default)]
    subjects: Vec<InConcept>,
    #[serde(default)]
    places: Vec<InConcept>,
}

#[derive(Debug, Deserialize)]
struct InText {
    role: Option<String>,
    contenttype: Option<String>,
    value: String,
}

#[derive(Debug, Deserialize)]
struct InConcept {
    name: Option<String>,
    rel: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InSource {
    name: String,
    role: Option<String>,
    uri: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InRendition {
    href: String,
    contenttype: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InAssociation {
    name: Option<String>,
    by: Option<String>,
    uri: Option<String>,
    #[serde(default)]
    descriptions: Vec<InText>,
    #[serde(default)]
    renditions: Vec<InRendition>,
}

fn parse_ninjs(bytes: &[u8], base: &Url) -> Result<ParsedFeed, FeedError> {
    let value = check_json(bytes)?;
    let items: Vec<serde_json::Value> = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut o) => match o.remove("items") {
            Some(serde_json::Value::Array(items)) => items,
            Some(_) => {
                // Read again by serde, which says where the list should have been.
                #[derive(Deserialize)]
                struct NinjsItems {
                    #[serde(rename = "items")]
                    _items: Vec<serde::de::IgnoredAny>,
                }
                let e = serde_json::from_slice::<NinjsItems>(bytes).err();
                return Err(FeedError {
                    message: "\"items\" must be a list of ninjs items".to_owned(),
                    at: e.map(|e| (e.line() as u64, e.column() as u64)),
                });
            }
            None => vec![serde_json::Value::Object(o)],
        },
        _ => {
            return Err(FeedError::at(
                bytes,
                start_of(bytes),
                "a ninjs document is an item, a list of items, or {\"items\": [...]}",
            ));
        }
    };
    let mut parsed = ParsedFeed::default();
    for (i, raw) in items.into_iter().enumerate() {
        let position = i + 1;
        let label = raw.get("uri").and_then(|u| u.as_str()).unwrap_or_default().to_owned();
        let problem = |message: String| ItemProblem { position, item: label.clone(), message };
        let item: InNinjs = match serde_json::from_value(raw) {
            Ok(item) => item,
            Err(e) => {
                parsed.problems.push(problem(format!("it is not a ninjs item: {e}")));
                continue;
            }
        };
        match ninjs_item(item, base) {
            Ok(item) => parsed.items.push(item),
            Err(message) => parsed.problems.push(problem(message)),
        }
    }
    Ok(parsed)
}

fn ninjs_time(s: Option<&String>) -> Option<Timestamp> {
    let s = s?.trim();
    s.parse::<Timestamp>().ok()
}

fn ninjs_item(n: InNinjs, base: &Url) -> Result<IncomingItem, String> {
    let html = |r: &InRendition| r.contenttype.as_deref().is_none_or(|t| t == "text/html");
    let url = n
        .renditions
        .iter()
        .find(|r| html(r))
        .map(|r| r.href.as_str())
        .or(Some(n.uri.as_str()).filter(|u| u.starts_with("http")))
        .and_then(|u| base.join(u).ok())
        .ok_or("it has no link to the original article (an HTML rendition); it was left out")?;
    let main = |texts: &[InText]| {
        texts
            .iter()
            .find(|t| t.role.as_deref().is_none_or(|r| r == "main"))
            .map(|t| t.value.trim().to_owned())
    };
    let title = main(&n.headlines)
        .or(n.headline)
        .filter(|t| !t.is_empty())
        .ok_or("it has no headline; it was left out")?;
    let body_html = n
        .bodies
        .iter()
        .find(|b| b.contenttype.as_deref().is_none_or(|t| t == "text/html"))
        .map(|b| b.value.clone())
        .or(n.body_html)
        .filter(|b| !b.trim().is_empty())
        .ok_or("it has no text; it was left out")?;
    if body_html.len() > MAX_ITEM_BODY_BYTES {
        return Err(format!(
            "its text is more than the {} KB allowed; it was left out",
            MAX_ITEM_BODY_BYTES / 1024
        ));
    }
    let published = ninjs_time(n.firstcreated.as_ref())
        .or(ninjs_time(n.contentcreated.as_ref()))
        .or(ninjs_time(n.versioncreated.as_ref()));
    let summary =
        n.descriptions.iter().find(|d| d.role.as_deref() == Some("summary")).map(|d| d.value.clone());
    let byline: Vec<String> = {
        let people: Vec<String> = n
            .people
            .iter()
            .filter(|p| p.rel.as_deref().is_none_or(|r| r == "author"))
            .filter_map(|p| p.name.clone())
            .collect();
        if people.is_empty() {
            n.by.iter()
                .flat_map(|b| b.split(','))
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        } else {
            people
        }
    };
    // The chain: where it first appeared, then each outlet in between; the publisher is the
    // partner itself.
    let link = |s: &InSource| ChainLink {
        name: s.name.trim().to_owned(),
        url: s.uri.as_deref().and_then(|u| Url::parse(u).ok()),
    };
    let mut chain: Vec<ChainLink> =
        n.infosources.iter().filter(|s| s.role.as_deref() == Some("originatingparty")).map(link).collect();
    chain.extend(n.infosources.iter().filter(|s| s.role.as_deref() == Some("republisher")).map(link));
    let image = n.associations.iter().find(|a| a.name.as_deref() == Some("featureimage")).and_then(|a| {
        let href = a.renditions.first().map(|r| r.href.clone()).or(a.uri.clone())?;
        let alt = a.descriptions.first().map(|d| d.value.clone()).unwrap_or_default();
        let credit = a.by.clone().unwrap_or_default().trim().to_owned();
        Some(IncomingImage { url: base.join(&href).ok()?, alt, credit })
    });
    Ok(IncomingItem {
        id: n.uri.trim().to_owned(),
        base: url.clone(),
        url,
        title,
        summary: summary.unwrap_or_default(),
        body_html,
        published,
        updated: ninjs_time(n.versioncreated.as_ref()),
        byline,
        image,
        chain,
        categories: n.subjects.iter().chain(&n.places).filter_map(|c| c.name.clone()).collect(),
    })
}
