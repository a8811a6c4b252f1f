//! Reading partners' feeds: RSS 2.0, Atom and JSON Feed through feed-rs, IPTC ninjs through
//! serde types, into one [`IncomingItem`] per article. Two things feed-rs does not give are read
//! here with quick-xml: where in the file a malformed document breaks (line and column), and the
//! provenance an item declares itself (RSS `<source>`, Atom `<source>`), so that a chain of
//! republication survives ("originally published on A, via B").
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
}

/// An item that was left out, and why.
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
        FeedFormat::JsonFeed => {
            check_json(bytes)?;
            check_json_feed(bytes)?;
            parse_with_feed_rs(bytes, bytes, base, Vec::new())
        }
        _ => {
            let sources = check_xml(bytes)?;
            match normalize_xml(bytes) {
                Some(normal) => parse_with_feed_rs(&normal, bytes, base, sources),
                None => parse_with_feed_rs(bytes, bytes, base, sources),
            }
        }
    }
}

/// Where the document's first character is: the start of a JSON document's value.
fn start_of(bytes: &[u8]) -> u64 {
    bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0) as u64
}

const ATOM_03: &[u8] = b"http://purl.org/atom/ns#";
const ATOM_10: &[u8] = b"http://www.w3.org/2005/Atom";

/// The document in the shape feed-rs reads, where a lenient reader takes what it says: RSS
/// without a `version` is RSS 2.0; Atom 0.3 is read as Atom 1.0 (its namespace, `issued` as
/// `published`, `modified` as `updated`, `tagline` as `subtitle`, `copyright` as `rights`, and
/// MIME types on text as Atom's `text`/`html`/`xhtml`); a text's empty or unknown `type` is
/// left out, so that one odd entry does not refuse the feed. Rewritten event by event with
/// quick-xml, everything else as it was; `None` when nothing needs it or the rewrite fails.
fn normalize_xml(bytes: &[u8]) -> Option<Vec<u8>> {
    use quick_xml::events::{BytesEnd, BytesStart};
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(bytes.len() + 64));
    let mut buf = Vec::new();
    let (mut depth, mut atom03, mut changed) = (0usize, false, false);
    let rename = |local: &[u8], atom03: bool| -> Option<&'static [u8]> {
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
    };
    let text_element = |local: &[u8]| {
        matches!(
            local,
            b"title" | b"subtitle" | b"summary" | b"content" | b"rights" | b"tagline" | b"copyright"
        )
    };
    let fix = |e: &BytesStart,
               depth: usize,
               atom03: &mut bool,
               changed: &mut bool|
     -> Option<BytesStart<'static>> {
        let qname = e.name();
        let full = qname.as_ref();
        let local = full.rsplit(|b| *b == b':').next().unwrap_or(full);
        let prefix_len = full.len() - local.len();
        let attrs: Vec<(Vec<u8>, Vec<u8>)> =
            e.attributes().flatten().map(|a| (a.key.as_ref().to_vec(), a.value.to_vec())).collect();
        if depth == 0
            && local == b"feed"
            && attrs.iter().any(|(k, v)| k.starts_with(b"xmlns") && v == ATOM_03)
        {
            *atom03 = true;
        }
        let new_local = rename(local, *atom03);
        let mut out_attrs = Vec::new();
        let mut touched = new_local.is_some();
        for (k, v) in &attrs {
            if *atom03 && k.starts_with(b"xmlns") && v == ATOM_03 {
                out_attrs.push((k.clone(), ATOM_10.to_vec()));
                touched = true;
            } else if *atom03 && (k == b"mode" || (depth == 0 && k == b"version")) {
                touched = true;
            } else if text_element(local) && k == b"type" {
                let kept: Option<&[u8]> = match v.as_slice() {
                    b"text" | b"html" | b"xhtml" => Some(v),
                    b"text/plain" if *atom03 => Some(b"text"),
                    b"text/html" if *atom03 => Some(b"html"),
                    b"application/xhtml+xml" if *atom03 => Some(b"xhtml"),
                    other if local == b"content" && other.contains(&b'/') => Some(v),
                    _ => None,
                };
                match kept {
                    Some(t) if t == v.as_slice() => out_attrs.push((k.clone(), v.clone())),
                    Some(t) => {
                        out_attrs.push((k.clone(), t.to_vec()));
                        touched = true;
                    }
                    None => touched = true,
                }
            } else {
                out_attrs.push((k.clone(), v.clone()));
            }
        }
        if depth == 0 && local == b"rss" && !attrs.iter().any(|(k, _)| k == b"version") {
            out_attrs.push((b"version".to_vec(), b"2.0".to_vec()));
            touched = true;
        }
        if !touched {
            return None;
        }
        *changed = true;
        let mut name = full[..prefix_len].to_vec();
        name.extend_from_slice(new_local.unwrap_or(local));
        let mut start = BytesStart::new(String::from_utf8_lossy(&name).into_owned());
        for (k, v) in &out_attrs {
            start.push_attribute(quick_xml::events::attributes::Attribute {
                key: quick_xml::name::QName(k),
                value: std::borrow::Cow::Borrowed(v),
            });
        }
        Some(start.into_owned())
    };
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        match event {
            Event::Start(e) => {
                match fix(&e, depth, &mut atom03, &mut changed) {
                    Some(start) => writer.write_event(Event::Start(start)).ok()?,
                    None => writer.write_event(Event::Start(e)).ok()?,
                }
                depth += 1;
            }
            Event::Empty(e) => match fix(&e, depth, &mut atom03, &mut changed) {
                Some(start) => writer.write_event(Event::Empty(start)).ok()?,
                None => writer.write_event(Event::Empty(e)).ok()?,
            },
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                let full = e.name().as_ref().to_vec();
                let local = full.rsplit(|b| *b == b':').next().unwrap_or(&full).to_vec();
                match rename(&local, atom03) {
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
            Event::Eof => break,
            other => writer.write_event(other).ok()?,
        }
        buf.clear();
    }
    changed.then(|| writer.into_inner())
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

/// A JSON Feed's own fields, read by serde so that a wrong one is refused where it is.
#[derive(Debug, Deserialize)]
struct JsonFeed {
    #[serde(rename = "version", deserialize_with = "json_feed_version")]
    _version: String,
    #[serde(rename = "items")]
    _items: Vec<serde::de::IgnoredAny>,
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

fn check_json_feed(bytes: &[u8]) -> Result<(), FeedError> {
    serde_json::from_slice::<JsonFeed>(bytes).map(drop).map_err(|e| FeedError {
        message: format!("this is not a JSON Feed: {}", strip_position(&e.to_string())),
        at: Some((e.line() as u64, e.column() as u64)),
    })
}

/// serde_json's message without its trailing " at line L column C", which [`FeedError`] says.
fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map(|(m, _)| m).unwrap_or(message)
}

/// Checks that an XML document is well-formed and in the encoding it declares, and collects
/// each item's declared source (indexed by item position).
fn check_xml(bytes: &[u8]) -> Result<Vec<Vec<ChainLink>>, FeedError> {
    check_encoding(bytes)?;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut sources: Vec<Vec<ChainLink>> = Vec::new();
    // Where we are: inside an item, inside its source element, and that source's text.
    let (mut in_item, mut in_source, mut depth_in_source) = (false, false, 0usize);
    let mut source_text = String::new();
    let mut source_url: Option<String> = None;
    let mut in_source_title = false;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            FeedError::at(bytes, reader.error_position(), format!("the XML is not well-formed: {e}"))
        })?;
        match event {
            Event::Start(e) if !in_source => {
                let name = local(e.name().as_ref());
                if name == "item" || name == "entry" {
                    in_item = true;
                    sources.push(Vec::new());
                } else if in_item && name == "source" {
                    in_source = true;
                    depth_in_source = 0;
                    source_text.clear();
                    source_url = attribute(&e, &reader, "url");
                }
            }
            Event::Empty(e) if !in_source => {
                let name = local(e.name().as_ref());
                if name == "item" || name == "entry" {
                    sources.push(Vec::new());
                }
            }
            Event::Start(e) if in_source => {
                depth_in_source += 1;
                in_source_title = local(e.name().as_ref()) == "title";
            }
            Event::Empty(e)
                if in_source
                    && local(e.name().as_ref()) == "link"
                    && attribute(&e, &reader, "rel").is_none_or(|r| r == "alternate") =>
            {
                source_url = attribute(&e, &reader, "href").or(source_url.take());
            }
            Event::Text(t) if in_source && (depth_in_source == 0 || in_source_title) => {
                source_text.push_str(&t.xml10_content().unwrap_or_default());
            }
            Event::CData(t) if in_source && (depth_in_source == 0 || in_source_title) => {
                source_text.push_str(&t.decode().unwrap_or_default());
            }
            Event::GeneralRef(r) if in_source && (depth_in_source == 0 || in_source_title) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    source_text.push(c);
                } else if let Ok(name) = r.decode()
                    && let Some(s) = quick_xml::escape::resolve_predefined_entity(&name)
                {
                    source_text.push_str(s);
                }
            }
            Event::End(e) if in_source => {
                if depth_in_source == 0 {
                    in_source = false;
                    let name = source_text.trim().to_owned();
                    if let Some(list) = sources.last_mut()
                        && !name.is_empty()
                    {
                        list.push(ChainLink {
                            name,
                            url: source_url.take().and_then(|u| Url::parse(&u).ok()),
                        });
                    }
                } else {
                    depth_in_source -= 1;
                    if local(e.name().as_ref()) == "title" {
                        in_source_title = false;
                    }
                }
            }
            Event::End(e) => {
                let name = local(e.name().as_ref());
                if name == "item" || name == "entry" {
                    in_item = false;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(sources)
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

fn parse_with_feed_rs(
    doc: &[u8],
    bytes: &[u8],
    base: &Url,
    sources: Vec<Vec<ChainLink>>,
) -> Result<ParsedFeed, FeedError> {
    let feed = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .sanitize_content(false)
        .build()
        .parse(doc)
        .map_err(|e| refusal(bytes, &e))?;
    let mut parsed = ParsedFeed::default();
    for (i, entry) in feed.entries.into_iter().enumerate() {
        let position = i + 1;
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
            let url = base.join(content.url.as_ref()?.as_str()).ok()?;
            let alt =
                m.description.as_ref().or(m.title.as_ref()).map(|t| t.content.clone()).unwrap_or_default();
            let credit =
                m.credits.iter().map(|c| c.entity.trim()).find(|c| !c.is_empty()).unwrap_or_default();
            Some(IncomingImage { url, alt, credit: credit.to_owned() })
        });
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
            chain: sources.get(i).cloned().unwrap_or_default(),
            categories: entry
                .categories
                .iter()
                .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
                .collect(),
        });
    }
    Ok(parsed)
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
