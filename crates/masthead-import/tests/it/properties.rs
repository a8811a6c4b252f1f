//! Generated hostile exports: the fixtures with pieces of attacks and broken markup spliced in
//! and cut short. The readers never panic, stop after an error, and read no more records than
//! the file could hold.

use masthead_import::{WxrEvent, WxrReader, parse_ghost};
use proptest::prelude::*;

use crate::fixture;

/// Insertions (at a fraction of the file) and a cut.
fn damage(pieces: &'static [&'static str]) -> impl Strategy<Value = (Vec<(f64, String)>, f64)> {
    let piece = prop_oneof![prop::sample::select(pieces).prop_map(str::to_owned), "\\PC{0,16}"];
    (prop::collection::vec((0.0..1.0f64, piece), 0..8), 0.0..=1.0f64)
}

fn apply(original: &[u8], (insertions, cut): &(Vec<(f64, String)>, f64)) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for (at, piece) in insertions {
        let at = ((bytes.len() as f64) * at) as usize;
        bytes.splice(at..at, piece.bytes());
    }
    bytes.truncate(((bytes.len() as f64) * cut.max(0.5)) as usize);
    bytes
}

const XML_PIECES: &[&str] = &[
    "<item>",
    "</item>",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    "&a;",
    "&#0;",
    "<wp:post_id>-1</wp:post_id>",
    "<wp:status>publish</wp:status>",
    "<content:encoded><![CDATA[<script>alert(1)</script>",
    "<div><div><div>",
    "<?xml version=\"1.0\"?>",
    "\u{0}",
    "<",
    ">",
];

const JSON_PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    "null",
    "\\u0000",
    "\\ud800",
    "\"html\":\"<script>alert(1)</script>\"",
    "\"lexical\":\"{\\\"root\\\":{\\\"children\\\":[[[[[[\"",
    "\"mobiledoc\":\"{\\\"cards\\\":[[\\\"markdown\\\",{\\\"markdown\\\":\\\">>>>>\\\"}]]}\"",
    "1e999",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_wxr_reader_survives_damaged_exports(damage in damage(XML_PIECES)) {
        let bytes = apply(&fixture("wordpress.xml"), &damage);
        let mut reader = WxrReader::new(&bytes[..], "damaged.xml");
        let mut items = 0usize;
        loop {
            match reader.next_event() {
                Ok(Some(WxrEvent::Item(_))) => items += 1,
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                    prop_assert!(matches!(reader.next_event(), Ok(None)), "the reader stops after an error");
                    break;
                }
            }
            prop_assert!(items <= bytes.len() / "<item></item>".len(), "more items than the file holds");
        }
    }

    #[test]
    fn the_ghost_reader_survives_damaged_exports(
        damage in damage(JSON_PIECES),
        which in prop::sample::select(vec!["ghost-lexical.json", "ghost-mobiledoc.json"]),
    ) {
        let bytes = apply(&fixture(which), &damage);
        if let Ok(site) = parse_ghost(&bytes, which) {
            let smallest_post = r#"{"id":1}"#.len();
            prop_assert!(site.posts.len() <= bytes.len() / smallest_post, "more posts than the file holds");
        }
    }
}
