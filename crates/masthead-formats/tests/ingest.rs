//! Reading partners' feeds: the fixtures in `tests/fixtures/feeds/`, written for the project.

use masthead_core::FeedFormat;
use masthead_formats::ingest::{FeedError, parse_feed};
use url::Url;

const BASE: &str = "https://partner.example";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/feeds/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // The placeholder is ASCII, so replacing it leaves any other encoding intact.
    let mut out = Vec::new();
    let mut rest = &bytes[..];
    while let Some(i) = rest.windows(8).position(|w| w == b"{{BASE}}") {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(BASE.as_bytes());
        rest = &rest[i + 8..];
    }
    out.extend_from_slice(rest);
    out
}

fn parse(name: &str, format: FeedFormat) -> Result<masthead_formats::ingest::ParsedFeed, FeedError> {
    parse_feed(&fixture(name), format, &Url::parse(&format!("{BASE}/feed")).unwrap())
}

#[test]
fn rss_items_keep_guid_link_dates_byline_image_and_declared_source() {
    let feed = parse("partner.rss", FeedFormat::Auto).unwrap();
    assert_eq!(feed.items.len(), 3);
    let first = &feed.items[0];
    assert_eq!(first.id, "danube-review-1001");
    assert_eq!(first.url.as_str(), "https://partner.example/2026/11/barges-wait");
    assert_eq!(first.byline, vec!["Mira Kovač"]);
    assert_eq!(first.published.unwrap().to_string(), "2026-11-02T08:30:00Z");
    assert!(first.body_html.contains("dozens of barges"), "content:encoded is the body");
    assert_eq!(first.image.as_ref().unwrap().url.as_str(), "https://partner.example/images/barges.jpg");
    assert_eq!(first.categories, vec!["Shipping"]);
    assert!(first.chain.is_empty(), "written by the partner");
    let second = &feed.items[1];
    assert_eq!(second.chain.len(), 1);
    assert_eq!(second.chain[0].name, "Steppe & River Monitor");
    assert_eq!(second.chain[0].url.as_ref().unwrap().as_str(), "https://steppe.example/feed.xml");
    // An undated item comes in, to be dated when it is taken in, as feed readers do.
    let undated = &feed.items[2];
    assert_eq!(undated.title, "An item without a date");
    assert_eq!(undated.published, None);
    // The item that cannot be attributed is reported, with its place and reason.
    let problems: Vec<String> = feed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("item 3 (An item without a link): it has no link"), "{problems:?}");
}

#[test]
fn atom_entries_keep_every_author_and_their_source() {
    let feed = parse("partner.atom", FeedFormat::Auto).unwrap();
    let entry = &feed.items[0];
    assert_eq!(entry.byline, vec!["Daniyar Seitkali", "Aigerim Nurlanova"]);
    assert_eq!(entry.chain[0].name, "Caspian Letter");
    assert_eq!(entry.chain[0].url.as_ref().unwrap().as_str(), "https://caspian.example/2026/10/dry-ports");
    assert!(entry.body_html.contains("<em>every</em>"));
}

#[test]
fn json_feed_and_ninjs_are_recognised_and_read() {
    let feed = parse("partner.json", FeedFormat::Auto).unwrap();
    assert_eq!(feed.items[0].title, "Water tankers in Niamey");
    assert_eq!(feed.items[0].byline, vec!["Leila Haddad"]);
    let ninjs = parse("partner-ninjs.json", FeedFormat::Auto).unwrap();
    let item = &ninjs.items[0];
    assert_eq!(item.url.as_str(), "https://partner.example/article/the-grain-corridor");
    let chain: Vec<&str> = item.chain.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(chain, vec!["Black Sea Wire", "Danube Review"], "the publisher is the partner itself");
}

#[test]
fn declared_encodings_are_honoured() {
    let feed = parse("latin1.rss", FeedFormat::Rss).unwrap();
    assert_eq!(feed.items[0].title, "Résumé of the week");
}

#[test]
fn broken_documents_say_what_and_where() {
    let e = parse("malformed.rss", FeedFormat::Auto).unwrap_err();
    assert_eq!(e.at.map(|(line, _)| line), Some(6), "{e}");
    assert!(e.to_string().starts_with("line 6, column"), "{e}");
    assert!(e.message.contains("not well-formed"), "{e}");

    let e = parse("bad-encoding.rss", FeedFormat::Auto).unwrap_err();
    assert_eq!(e.at, Some((3, 17)), "{e}");
    assert!(e.message.contains("not UTF-8"), "{e}");

    let e = parse("malformed.json", FeedFormat::Auto).unwrap_err();
    assert_eq!(e.at.map(|(line, _)| line), Some(5), "{e}");
    assert!(e.message.starts_with("this is not valid JSON"), "{e}");

    let e = parse_feed(b"   ", FeedFormat::Auto, &Url::parse(BASE).unwrap()).unwrap_err();
    assert_eq!(e.to_string(), "the document is empty");
    let e = parse_feed(b"hello", FeedFormat::Auto, &Url::parse(BASE).unwrap()).unwrap_err();
    assert!(e.to_string().contains("neither XML"), "{e}");
}

#[test]
fn every_refusal_names_its_line_and_column() {
    let refused = |name: &str| parse(name, FeedFormat::Auto).unwrap_err();
    // A page that is not a feed: its root element.
    let e = refused("not-a-feed.xml");
    assert_eq!(e.at, Some((3, 1)), "{e}");
    assert!(e.message.starts_with("<html> is not a feed"), "{e}");
    // RSS without a channel: its root element too.
    let e = refused("no-channel.rss");
    assert_eq!(e.at, Some((3, 1)), "{e}");
    assert!(e.message.contains("no <channel>"), "{e}");
    // A namespace declaration a namespace-aware reader refuses: the tag that makes it.
    let e = refused("bad-namespace.rss");
    assert_eq!(e.at, Some((4, 3)), "{e}");
    assert!(e.message.contains("namespace"), "{e}");
    // An encoding nobody knows: where the declaration names it.
    let e = refused("unknown-encoding.rss");
    assert_eq!(e.at, Some((1, 21)), "{e}");
    assert!(e.message.contains("unknown encoding \"x-danube-7\""), "{e}");
    // A JSON Feed of a version that is not 1.x: its version.
    let e = refused("wrong-version.json");
    assert_eq!(e.at.map(|(line, _)| line), Some(3), "{e}");
    assert!(e.message.contains("not JSON Feed 1"), "{e}");

    let base = Url::parse(BASE).unwrap();
    // Bytes that the declared encoding does not have.
    let shift_jis = b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<rss version=\"2.0\"><channel>\n<title>\x81\x20</title></channel></rss>";
    let e = parse_feed(shift_jis, FeedFormat::Auto, &base).unwrap_err();
    assert_eq!(e.at, Some((3, 8)), "{e}");
    assert!(e.message.contains("not Shift_JIS"), "{e}");
    // JSON that is no JSON Feed: where serde_json found what is missing or wrong.
    let e =
        parse_feed(b"{\n  \"title\": \"T\",\n  \"items\": []\n}", FeedFormat::JsonFeed, &base).unwrap_err();
    assert_eq!(e.at, Some((4, 1)), "{e}");
    assert!(e.message.contains("missing field `version`"), "{e}");
    let e = parse_feed(
        b"{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"T\",\n \"items\": {}}",
        FeedFormat::JsonFeed,
        &base,
    )
    .unwrap_err();
    assert_eq!(e.at.map(|(line, _)| line), Some(2), "{e}");
    // ninjs whose items are not a list.
    let e = parse_feed(b"{\"items\":\n  {\"uri\": \"x\"}}", FeedFormat::Ninjs, &base).unwrap_err();
    assert_eq!(e.at.map(|(line, _)| line), Some(2), "{e}");
    // Something that is neither XML nor JSON: its first character.
    let e = parse_feed(b"\n  hello", FeedFormat::Auto, &base).unwrap_err();
    assert_eq!(e.at, Some((2, 3)), "{e}");
}

#[test]
fn huge_bodies_are_left_out_with_a_reason() {
    let body = "<p>word </p>".repeat(60_000);
    let rss = format!(
        "<rss version=\"2.0\"><channel><title>T</title><item><title>Long</title><link>{BASE}/long</link>\
         <guid>long-1</guid><pubDate>Wed, 04 Nov 2026 08:00:00 GMT</pubDate><description><![CDATA[{body}]]></description></item></channel></rss>"
    );
    let feed = parse_feed(rss.as_bytes(), FeedFormat::Rss, &Url::parse(BASE).unwrap()).unwrap();
    assert!(feed.items.is_empty());
    assert!(feed.problems[0].message.contains("KB allowed"), "{:?}", feed.problems);
}

/// Generated hostile feeds: the fixtures (RSS, Atom, JSON Feed, ninjs) with pieces of attacks
/// and broken markup spliced in and cut short. Reading never panics, never yields more items
/// than the document holds, and keeps every body within `MAX_ITEM_BODY_BYTES`.
mod properties {
    use masthead_core::FeedFormat;
    use masthead_formats::ingest::{MAX_ITEM_BODY_BYTES, parse_feed};
    use proptest::prelude::*;

    use super::fixture;

    const PIECES: &[&str] = &[
        "<item>",
        "</item>",
        "<entry>",
        "<![CDATA[",
        "]]>",
        "<!DOCTYPE x [<!ENTITY a \"aaaaaaaa\">]>",
        "&a;",
        "&#0;",
        "<description><![CDATA[<script>alert(1)</script><div><div>",
        "<link>javascript:alert(1)</link>",
        "{",
        "}",
        "[",
        "]",
        "\"",
        "\"content_html\":\"<img src=x onerror=alert(1)>\",",
        "\"uri\":\"javascript:alert(1)\",",
        "\\ud800",
        "1e999",
        "<",
    ];

    fn damaged() -> impl Strategy<Value = (String, Vec<(f64, String)>, f64)> {
        let files = vec![
            "partner.rss",
            "partner.atom",
            "partner.json",
            "partner-ninjs.json",
            "latin1.rss",
            "one-bad-item.rss",
            "one-bad-entry.atom",
            "one-bad-item.json",
        ];
        let piece = prop_oneof![prop::sample::select(PIECES).prop_map(str::to_owned), "\\PC{0,16}"];
        (
            prop::sample::select(files).prop_map(str::to_owned),
            prop::collection::vec((0.0..1.0f64, piece), 0..8),
            0.5..=1.0f64,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn damaged_feeds_are_read_or_refused_without_panicking((file, insertions, cut) in damaged()) {
            let mut bytes = fixture(&file);
            for (at, piece) in &insertions {
                let at = ((bytes.len() as f64) * at) as usize;
                bytes.splice(at..at, piece.bytes());
            }
            bytes.truncate(((bytes.len() as f64) * cut) as usize);
            let url = "https://danube.example/feed".parse().unwrap();
            for format in [FeedFormat::Auto, FeedFormat::Rss, FeedFormat::JsonFeed, FeedFormat::Ninjs] {
                match parse_feed(&bytes, format, &url) {
                    Ok(feed) => {
                        prop_assert!(feed.items.len() + feed.problems.len() <= bytes.len() / 8);
                        for item in &feed.items {
                            prop_assert!(item.body_html.len() <= MAX_ITEM_BODY_BYTES);
                            prop_assert!(matches!(item.url.scheme(), "http" | "https"), "{}", item.url);
                        }
                    }
                    Err(e) => prop_assert!(!e.to_string().is_empty()),
                }
            }
        }
    }
}

#[test]
fn what_lenient_readers_take_is_read_too() {
    // RSS without a version attribute is RSS 2.0.
    let feed = parse("no-version.rss", FeedFormat::Auto).unwrap();
    assert_eq!(feed.items.len(), 1);
    assert_eq!(feed.items[0].title, "One");
    // Atom 0.3, read as Atom 1.0: its entry, dates and escaped HTML.
    let feed = parse("atom-0.3.xml", FeedFormat::Auto).unwrap();
    assert_eq!(feed.items.len(), 1, "{:?}", feed.problems);
    let entry = &feed.items[0];
    assert_eq!(entry.title, "An old entry");
    assert_eq!(entry.url.as_str(), "https://p.example/old-1");
    assert_eq!(entry.published.unwrap().to_string(), "2026-11-04T07:00:00Z");
    assert!(entry.body_html.contains("<p>Text of the old entry.</p>"), "{}", entry.body_html);
    // One entry's odd title type does not refuse the feed.
    let feed = parse("odd-title-type.atom", FeedFormat::Auto).unwrap();
    let titles: Vec<&str> = feed.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["Odd", "Fine"]);
}

/// Each problem as "position: message", for assertions on what a feed said of its items.
fn problems(feed: &masthead_formats::ingest::ParsedFeed) -> Vec<(usize, String)> {
    feed.problems.iter().map(|p| (p.position, p.message.clone())).collect()
}

fn titles(feed: &masthead_formats::ingest::ParsedFeed) -> Vec<&str> {
    feed.items.iter().map(|i| i.title.as_str()).collect()
}

#[test]
fn one_odd_rss_item_never_refuses_the_feed() {
    let feed = parse("one-bad-item.rss", FeedFormat::Auto).unwrap();
    assert_eq!(
        titles(&feed),
        [
            "Grain prices hold",
            "A caption typed as Atom's",
            "A base that is no address",
            "A date in words",
            "A character that is none",
            "An enclosure without an address"
        ]
    );
    // A Media RSS title typed as Atom's "text" keeps its image.
    let ferry = feed.items[1].image.as_ref().expect("the image");
    assert_eq!(ferry.url.as_str(), "https://partner.example/images/ferry.jpg");
    // A character reference to no character reads as U+FFFD, as in HTML.
    assert!(feed.items[4].body_html.contains("Before \u{FFFD} after."), "{}", feed.items[4].body_html);
    let problems = problems(&feed);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert_eq!(problems[0].0, 3);
    assert!(problems[0].1.contains("xml:base \"http://[broken\" over it is not an address"), "{problems:#?}");
    // The only one left out: what no namespace-aware reader reads.
    assert_eq!(problems[1].0, 4);
    assert!(problems[1].1.contains("namespace prefix 'xml'"), "{problems:#?}");
    assert!(problems[1].1.ends_with("it was left out"), "{problems:#?}");
    assert_eq!(
        problems[2],
        (5, "its date \"last Tuesday\" cannot be read; it is dated when it is taken in".into())
    );
    assert_eq!(feed.items[3].published, None);
    assert_eq!(problems[3].0, 6);
    assert!(problems[3].1.starts_with("line 45, column 40: &#0; is no character"), "{problems:#?}");
}

#[test]
fn atom_entries_that_cannot_be_read_are_left_out_alone() {
    let feed = parse("one-bad-entry.atom", FeedFormat::Auto).unwrap();
    assert_eq!(
        titles(&feed),
        [
            "Dry ports on the steppe",
            "Content elsewhere, typed as text",
            "XHTML by its MIME type",
            "Updated at some point"
        ]
    );
    // Content elsewhere: the summary is the text.
    assert_eq!(feed.items[1].body_html, "The whole text is on the partner's site.");
    assert!(feed.items[2].body_html.contains("<p>Caravans return.</p>"), "{}", feed.items[2].body_html);
    let problems = problems(&feed);
    let expected: [(usize, &str); 5] = [
        (2, "its content is of type \"application/xml\", which is neither text nor HTML; it was left out"),
        (5, "its content has no text, though its type says it holds some; it was left out"),
        (6, "its content both points elsewhere (src) and has text of its own; it was left out"),
        (7, "its date \"soon\" cannot be read; it is dated when it is taken in"),
        (8, "it has no link to the original article; it was left out"),
    ];
    assert_eq!(problems, expected.map(|(p, m)| (p, m.to_owned())));
    assert_eq!(feed.problems[0].item, "An XML document for content", "named by its headline");
}

#[test]
fn json_feed_items_of_the_wrong_shape_are_left_out_or_taken_without_that_field() {
    let feed = parse("one-bad-item.json", FeedFormat::Auto).unwrap();
    assert_eq!(
        titles(&feed),
        [
            "Water tankers in Niamey",
            "Tags as one word",
            "A date as a number",
            "An id as a number",
            "An author as a name",
            "An attachment without a type",
            "A date in words"
        ]
    );
    // An id given as a number is made a string, as JSON Feed 1.1 asks of readers.
    assert_eq!(feed.items[3].id, "5");
    assert!(feed.items[1].categories.is_empty());
    assert_eq!(feed.items[2].published, None);
    let problems = problems(&feed);
    let expected: [(usize, &str); 7] = [
        (2, "its \"tags\" is not a list of strings"),
        (3, "its \"date_published\" is not a date as text"),
        (4, "its \"content_html\" is the number 5, not text; it was left out"),
        (6, "its \"author\" is not an author"),
        (7, "it is the string \"an item that is a string\", not an item (an object); it was left out"),
        (8, "its \"attachments\" is not a list of attachments (missing field `mime_type`)"),
        (9, "its date \"yesterday\" cannot be read; it is dated when it is taken in"),
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for ((position, message), (want_position, want)) in problems.iter().zip(expected) {
        assert_eq!(*position, want_position, "{problems:#?}");
        assert!(message.starts_with(want), "{message} / {want}");
    }
    assert!(problems[0].1.ends_with("it was taken in without it"), "{problems:#?}");
}

#[test]
fn relative_links_are_read_against_xml_base_else_the_articles_own_address() {
    // Atom: the xml:base of the feed, of an entry (relative to the feed's), of a content element.
    let feed = parse("xml-base.atom", FeedFormat::Auto).unwrap();
    let [cranes, dry_ports, caravans] = &feed.items[..] else { panic!("{:?}", feed.problems) };
    assert_eq!(cranes.url.as_str(), "https://partner.example/steppe/2026/11/cranes");
    assert_eq!(cranes.base.as_str(), "https://partner.example/steppe/");
    assert_eq!(
        cranes.base.join("maps/khorgos").unwrap().as_str(),
        "https://partner.example/steppe/maps/khorgos"
    );
    assert_eq!(
        cranes.image.as_ref().unwrap().url.as_str(),
        "https://partner.example/steppe/images/cranes.jpg"
    );
    assert_eq!(dry_ports.url.as_str(), "https://partner.example/steppe/archive/2025/dry-ports");
    assert_eq!(dry_ports.base.as_str(), "https://partner.example/steppe/archive/2025/");
    assert_eq!(caravans.url.as_str(), "https://partner.example/steppe/2026/11/caravans");
    assert_eq!(caravans.base.as_str(), "https://partner.example/media/2026/");

    // RSS without xml:base: the item's link against the feed's address, everything else in the
    // item against the item's link, never the feed's address.
    let feed = parse("relative-links.rss", FeedFormat::Auto).unwrap();
    let [ferries, locks] = &feed.items[..] else { panic!("{:?}", feed.problems) };
    assert_eq!(ferries.url.as_str(), "https://partner.example/2026/11/ferries/timetable");
    assert_eq!(ferries.base, ferries.url);
    assert_eq!(
        ferries.base.join("winter").unwrap().as_str(),
        "https://partner.example/2026/11/ferries/winter"
    );
    assert_eq!(
        ferries.image.as_ref().unwrap().url.as_str(),
        "https://partner.example/2026/11/ferries/photos/ferry.jpg"
    );
    // The guid that is its link is its base too.
    assert_eq!(locks.base.as_str(), "https://partner.example/2026/11/locks/");
    assert_eq!(locks.image.as_ref().unwrap().url.as_str(), "https://partner.example/2026/11/locks/lock.jpg");

    // JSON Feed: the item's address against the feed's, its image against the item's.
    let feed = parse("relative-links.json", FeedFormat::Auto).unwrap();
    let tankers = &feed.items[0];
    assert_eq!(tankers.url.as_str(), "https://partner.example/notes/2026/tankers");
    assert_eq!(tankers.base, tankers.url);
    assert_eq!(
        tankers.image.as_ref().unwrap().url.as_str(),
        "https://partner.example/notes/2026/images/tanker.jpg"
    );
}

/// What reading a fixture gives: so many items taken and these problems (each its item's
/// position and a distinctive part of what it says), or a refusal at a line and column.
enum Expected {
    Read { items: usize, problems: &'static [(usize, &'static str)] },
    Refused { at: (u64, u64), says: &'static str },
}

use Expected::{Read, Refused};

/// Every file in `tests/fixtures/feeds/`, and what it gives.
const CORPUS: &[(&str, Expected)] = &[
    ("atom-0.3.xml", Read { items: 1, problems: &[] }),
    ("bad-encoding.rss", Refused { at: (3, 17), says: "this byte is not UTF-8" }),
    ("bad-namespace.rss", Refused { at: (4, 3), says: "namespace prefix 'xml' cannot be bound" }),
    ("latin1.rss", Read { items: 1, problems: &[] }),
    ("lenient.rss", Read { items: 3, problems: &[] }),
    ("malformed.json", Refused { at: (5, 34), says: "not valid JSON: trailing comma" }),
    ("malformed.rss", Refused { at: (6, 22), says: "expected `</title>`, but `</titel>` was found" }),
    ("microposts.json", Read { items: 1, problems: &[] }),
    ("no-channel.rss", Refused { at: (3, 1), says: "<rss> holds no <channel>" }),
    ("no-version.rss", Read { items: 1, problems: &[] }),
    ("not-a-feed.xml", Refused { at: (3, 1), says: "<html> is not a feed" }),
    ("odd-title-type.atom", Read { items: 2, problems: &[] }),
    (
        "one-bad-entry.atom",
        Read {
            items: 4,
            problems: &[
                (2, "of type \"application/xml\", which is neither text nor HTML; it was left out"),
                (5, "its content has no text"),
                (6, "both points elsewhere (src) and has text of its own"),
                (7, "its date \"soon\" cannot be read"),
                (8, "it has no link to the original article"),
            ],
        },
    ),
    (
        "one-bad-item.json",
        Read {
            items: 7,
            problems: &[
                (2, "its \"tags\" is not a list of strings"),
                (3, "its \"date_published\" is not a date as text"),
                (4, "its \"content_html\" is the number 5, not text; it was left out"),
                (6, "its \"author\" is not an author"),
                (7, "not an item (an object); it was left out"),
                (8, "its \"attachments\" is not a list of attachments"),
                (9, "its date \"yesterday\" cannot be read"),
            ],
        },
    ),
    (
        "one-bad-item.rss",
        Read {
            items: 6,
            problems: &[
                (3, "the xml:base \"http://[broken\" over it is not an address"),
                (4, "namespace prefix 'xml' cannot be bound"),
                (5, "its date \"last Tuesday\" cannot be read"),
                (6, "line 45, column 40: &#0; is no character"),
            ],
        },
    ),
    ("partner-ninjs.json", Read { items: 1, problems: &[] }),
    ("partner-updated.rss", Read { items: 3, problems: &[(3, "it has no link to the original article")] }),
    ("partner.atom", Read { items: 1, problems: &[] }),
    ("partner.json", Read { items: 1, problems: &[] }),
    ("partner.rss", Read { items: 3, problems: &[(3, "it has no link to the original article")] }),
    ("relative-links.json", Read { items: 1, problems: &[] }),
    ("relative-links.rss", Read { items: 2, problems: &[] }),
    ("unknown-encoding.rss", Refused { at: (1, 21), says: "unknown encoding \"x-danube-7\"" }),
    ("wrong-version.json", Refused { at: (3, 45), says: "is not JSON Feed 1" }),
    ("xml-base.atom", Read { items: 3, problems: &[] }),
];

#[test]
fn every_fixture_gives_what_the_corpus_table_says() {
    let folder = format!("{}/../../tests/fixtures/feeds", env!("CARGO_MANIFEST_DIR"));
    let files: std::collections::BTreeSet<String> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{folder}: {e}"))
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    let listed: std::collections::BTreeSet<String> =
        CORPUS.iter().map(|(name, _)| (*name).to_owned()).collect();
    // A fixture without an entry would be read by no test; an entry without a fixture, stale.
    let unlisted: Vec<&String> = files.difference(&listed).collect();
    let missing: Vec<&String> = listed.difference(&files).collect();
    assert!(unlisted.is_empty(), "fixtures with no entry in CORPUS: {unlisted:?}");
    assert!(missing.is_empty(), "entries in CORPUS with no fixture: {missing:?}");

    let mut wrong = Vec::new();
    for (name, expected) in CORPUS {
        match (expected, parse(name, FeedFormat::Auto)) {
            (Read { items, problems }, Ok(feed)) => {
                let got: Vec<(usize, &str)> =
                    feed.problems.iter().map(|p| (p.position, p.message.as_str())).collect();
                let matches = got.len() == problems.len()
                    && got
                        .iter()
                        .zip(problems.iter())
                        .all(|((p, m), (want_p, want_m))| p == want_p && m.contains(want_m));
                if feed.items.len() != *items || !matches {
                    wrong.push(format!("{name}: {} items, problems {got:#?}", feed.items.len()));
                }
            }
            (Refused { at, says }, Err(e)) => {
                if e.at != Some(*at) || !e.message.contains(says) {
                    wrong.push(format!("{name}: refused {:?}: {}", e.at, e.message));
                }
            }
            (Read { .. }, Err(e)) => wrong.push(format!("{name}: refused: {e}")),
            (Refused { .. }, Ok(feed)) => wrong.push(format!("{name}: read, {} items", feed.items.len())),
        }
    }
    assert!(wrong.is_empty(), "not as CORPUS says:\n{}", wrong.join("\n"));
}
