//! A streaming reader of WordPress eXtended RSS (WXR 1.0, 1.1 and 1.2), the file WordPress's
//! Tools → Export writes: an `<rss>` whose `<channel>` holds the site, its authors, its terms and
//! one `<item>` per post, page, attachment or menu entry.
//!
//! The reader builds one [`WxrEvent`] at a time and keeps nothing of it once returned, so that a
//! newsroom's 1 GB export reads in the memory of its largest post. It never reads the whole file
//! and never looks back: line and column for an error come from a counter that remembers only
//! the newlines of the XML event being read.
//!
//! Elements are matched by the prefixes WordPress always writes (`wp:`, `content:`,
//! `excerpt:`, `dc:`). Names and titles come out as plain text: WordPress stores them
//! HTML-escaped (`&amp;`), so character references in them are decoded. Bodies, excerpts,
//! descriptions and comments stay HTML, as WordPress stored them. Unknown elements are skipped.
//!
//! Nothing here decides what to import: menu items, trashed posts and revisions are all read
//! and handed to the caller, which chooses.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, Read};

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use percent_encoding::percent_decode_str;
use quick_xml::events::Event;

use crate::error::ImportError;
use crate::html::decode_entities;
use crate::shortcodes::Attachment;

/// The site an export comes from, from the channel's header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WxrSite {
    pub title: String,
    pub link: String,
    pub description: String,
    pub language: String,
    /// The WordPress installation (`wp:base_site_url`); empty in WXR 1.0.
    pub base_site_url: String,
    /// The blog's address (`wp:base_blog_url`); empty in WXR 1.0.
    pub base_blog_url: String,
    /// "1.0", "1.1" or "1.2".
    pub wxr_version: String,
}

/// A WordPress user who wrote something in the export (`wp:author`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WxrAuthor {
    pub id: Option<i64>,
    /// What items name in `dc:creator`.
    pub login: String,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    Category,
    Tag,
    /// A term of another taxonomy (`wp:term`), named here: `nav_menu`, `post_format`, a theme's.
    Other(String),
}

/// A category, tag or other term, as the channel lists it before the items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WxrTerm {
    pub kind: TermKind,
    pub id: Option<i64>,
    /// Percent-decoded: WordPress writes non-ASCII slugs percent-encoded.
    pub slug: String,
    pub name: String,
    /// The parent's slug, percent-decoded; only categories and hierarchical terms have one.
    pub parent_slug: Option<String>,
    pub description: String,
}

/// A term an item is filed under (`<category domain=".." nicename="..">`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemTerm {
    /// The taxonomy: "category", "post_tag", "post_format", ... (WXR 1.0's "tag" reads as
    /// "post_tag").
    pub domain: String,
    /// The term's slug, percent-decoded.
    pub nicename: String,
    pub name: String,
}

/// A comment on an item (`wp:comment`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WxrComment {
    pub id: i64,
    pub author: String,
    pub author_email: String,
    pub author_url: String,
    /// "YYYY-MM-DD HH:MM:SS" in UTC, as WordPress writes it.
    pub date_gmt: String,
    /// HTML.
    pub content: String,
    /// `wp:comment_approved` is "1"; "0" is held for moderation, "spam" and "trash" are neither.
    pub approved: bool,
    /// The comment this one answers, 0 for none.
    pub parent_id: i64,
    /// "comment", "pingback", "trackback", or empty for a comment in older exports.
    pub comment_type: String,
}

/// One `<item>`: a post, page, attachment, menu entry, or any other post type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WxrItem {
    /// `wp:post_id`; when an export leaves it out, the number in a `?p=`/`?page_id=`/
    /// `?attachment_id=` guid, else none (the item is then known by [`WxrItem::key`]).
    pub post_id: Option<i64>,
    /// "post", "page", "attachment", "nav_menu_item", ...
    pub post_type: String,
    /// Plain text.
    pub title: String,
    pub link: Option<String>,
    pub guid: String,
    /// The author's login (`dc:creator`).
    pub creator: String,
    /// `content:encoded`, as WordPress stored it: see [`crate::wordpress_body`].
    pub content_html: String,
    pub excerpt: String,
    /// "publish", "draft", "pending", "private", "future", "trash", "inherit".
    pub status: String,
    /// "YYYY-MM-DD HH:MM:SS" in the blog's time zone.
    pub post_date: String,
    /// "YYYY-MM-DD HH:MM:SS" in UTC, or zeros for a draft that was never dated: see [`wp_time`].
    pub post_date_gmt: String,
    /// The slug, percent-decoded; empty for drafts that never had one.
    pub post_name: String,
    pub parent_id: i64,
    pub menu_order: i64,
    pub is_sticky: bool,
    pub categories: Vec<ItemTerm>,
    /// `wp:postmeta`, in the order written: `_thumbnail_id`, `_wp_attached_file`, ...
    pub meta: Vec<(String, String)>,
    pub comments: Vec<WxrComment>,
    /// Where an attachment's file is, for `post_type` "attachment".
    pub attachment_url: Option<String>,
}

impl WxrItem {
    /// How the item is known from one import to the next: "post:ID", or for an item without an
    /// id, its guid, its link, or its date and title.
    pub fn key(&self) -> String {
        match self.post_id {
            Some(id) => format!("post:{id}"),
            None if !self.guid.trim().is_empty() => format!("guid:{}", self.guid.trim()),
            None => match &self.link {
                Some(link) => format!("link:{}", link.trim()),
                None => format!("item:{}:{}", self.post_date.trim(), self.title.trim()),
            },
        }
    }

    /// The item as messages name it: "post 12", or "post without an id".
    pub fn label(&self) -> String {
        match self.post_id {
            Some(id) => format!("{} {id}", self.post_type),
            None => format!("{} without an id", self.post_type),
        }
    }

    /// The first value of a post meta key.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The attachment chosen as the featured image, from `_thumbnail_id`.
    pub fn thumbnail_id(&self) -> Option<i64> {
        self.meta("_thumbnail_id")?.trim().parse().ok()
    }

    /// An attachment item as the shortcodes see it: its file, its alt text
    /// (`_wp_attachment_image_alt`) and its caption (which WordPress keeps in the excerpt).
    pub fn attachment(&self) -> Option<Attachment> {
        if self.post_type != "attachment" {
            return None;
        }
        Some(Attachment {
            url: self.attachment_url.clone()?,
            alt: self.meta("_wp_attachment_image_alt").unwrap_or_default().to_owned(),
            caption: self.excerpt.clone(),
        })
    }
}

/// What the reader found next, in the order of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WxrEvent {
    /// Once, before any author, term or item.
    Site(WxrSite),
    Author(WxrAuthor),
    Term(WxrTerm),
    Item(Box<WxrItem>),
}

/// The moment a WordPress date names: the UTC value when it is a date, otherwise the local one
/// read in the IANA time zone `zone` (WordPress writes zeros in `post_date_gmt` for drafts).
/// `zone` may also be a fixed offset as WordPress's settings show it ("UTC+2", "UTC-5:30").
/// None when neither value is a date or the zone is unknown.
pub fn wp_time(gmt: &str, local: &str, zone: &str) -> Option<Timestamp> {
    if let Some(utc) = wp_datetime(gmt) {
        return utc.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp());
    }
    let local = wp_datetime(local)?;
    let tz = TimeZone::get(zone).ok().or_else(|| fixed_offset(zone))?;
    local.to_zoned(tz).ok().map(|z| z.timestamp())
}

/// "YYYY-MM-DD HH:MM:SS", where WordPress's zeros mean "no date".
fn wp_datetime(s: &str) -> Option<DateTime> {
    let s = s.trim();
    if s.is_empty() || s.starts_with("0000-00-00") {
        return None;
    }
    DateTime::strptime("%Y-%m-%d %H:%M:%S", s).ok()
}

/// WordPress's manual offsets, "UTC+2" or "UTC-5:30", for sites without a named zone.
fn fixed_offset(zone: &str) -> Option<TimeZone> {
    let rest = zone.trim().strip_prefix("UTC")?;
    if rest.is_empty() {
        return Some(TimeZone::UTC);
    }
    let (sign, rest) = match rest.split_at_checked(1)? {
        ("+", r) => (1, r),
        ("-", r) => (-1, r),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once([':', '.']) {
        Some((h, m)) if rest.contains(':') => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        // "UTC+5.5" is how WordPress names half-hour offsets.
        Some((h, m)) => (h.parse::<i32>().ok()?, (format!("0.{m}").parse::<f64>().ok()? * 60.0) as i32),
        None => (rest.parse::<i32>().ok()?, 0),
    };
    let seconds = sign * (hours * 3600 + minutes * 60);
    jiff::tz::Offset::from_seconds(seconds).ok().map(TimeZone::fixed)
}

/// A slug as WordPress writes it in an export, percent-decoded ("%d0%b1..." → "б...").
/// Bytes that are not UTF-8 once decoded leave the slug as written.
pub(crate) fn decode_slug(s: &str) -> String {
    let s = s.trim();
    match percent_decode_str(s).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => s.to_owned(),
    }
}

// Counting lines -----------------------------------------------------------------------------

/// Passes bytes through to quick-xml and counts newlines as they are consumed, so that an
/// offset can be turned into a line and column without keeping the file. It remembers the
/// newlines since the last [`LineCounter::mark`] only: the reader marks before each XML event,
/// and quick-xml's error offsets always fall inside the event being read.
struct LineCounter<R> {
    inner: R,
    consumed: u64,
    mark: u64,
    mark_line: u64,
    mark_line_start: u64,
    newlines: Vec<u64>,
}

impl<R: BufRead> LineCounter<R> {
    fn new(inner: R) -> LineCounter<R> {
        LineCounter { inner, consumed: 0, mark: 0, mark_line: 1, mark_line_start: 0, newlines: Vec::new() }
    }

    /// Forgets the newlines before the current position, keeping only the line count.
    fn mark(&mut self) {
        if let Some(&last) = self.newlines.last() {
            self.mark_line += self.newlines.len() as u64;
            self.mark_line_start = last + 1;
        }
        self.newlines.clear();
        // A long post leaves a long list behind; don't keep its capacity for the whole file.
        if self.newlines.capacity() > 64 * 1024 {
            self.newlines.shrink_to(1024);
        }
        self.mark = self.consumed;
    }

    /// 1-based line and column (in bytes) of a byte offset at or after the mark.
    fn position(&self, offset: u64) -> (u64, u64) {
        let offset = offset.max(self.mark);
        let before = self.newlines.partition_point(|&n| n < offset);
        let line_start = if before > 0 { self.newlines[before - 1] + 1 } else { self.mark_line_start };
        (self.mark_line + before as u64, offset - line_start + 1)
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        let start = self.consumed;
        // The bytes being consumed are still in the inner buffer: `fill_buf` does no IO while
        // the buffer holds data.
        if amount > 0
            && let Ok(available) = self.inner.fill_buf()
            && let Some(bytes) = available.get(..amount)
        {
            let newlines =
                bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| start + i as u64);
            self.newlines.extend(newlines);
        }
        self.consumed += amount as u64;
        self.inner.consume(amount);
    }
}

// Reading ----------------------------------------------------------------------------------

/// Reads a WXR file one event at a time. Also an [`Iterator`] of `Result<WxrEvent, _>`; after
/// an error it yields nothing more.
pub struct WxrReader<R: BufRead> {
    xml: quick_xml::Reader<LineCounter<R>>,
    buf: Vec<u8>,
    file: String,
    state: State,
    site: WxrSite,
    channel_at: (u64, u64),
    /// A section whose start tag was read just before the site was emitted.
    pending: Option<(Section, (u64, u64))>,
}

impl<R: BufRead> fmt::Debug for WxrReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WxrReader").field("file", &self.file).field("state", &self.state).finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the root element.
    Prolog,
    /// Inside `<rss>`, before `<channel>`.
    Rss,
    /// Inside `<channel>`, reading its header.
    Header,
    /// Inside `<channel>`, the site emitted.
    Body,
    /// Inside `<rss>`, after `<channel>`.
    AfterChannel,
    /// After `</rss>`: only blank space, comments and processing instructions may follow.
    AfterRoot,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Author,
    Category,
    Tag,
    Term,
    Item,
}

impl Section {
    fn of(name: &str) -> Option<Section> {
        Some(match name {
            "wp:author" => Section::Author,
            "wp:category" => Section::Category,
            "wp:tag" => Section::Tag,
            "wp:term" => Section::Term,
            "item" => Section::Item,
            _ => return None,
        })
    }
}

/// An XML event reduced to what the reader needs, owned so that the reader can go on reading.
enum Raw {
    Start {
        name: String,
        attributes: Vec<(String, String)>,
        at: (u64, u64),
    },
    Empty {
        name: String,
        attributes: Vec<(String, String)>,
    },
    End,
    /// Text, a CDATA section or a resolved reference: WordPress splits CDATA to write `]]>`,
    /// so consecutive pieces are simply concatenated.
    Text(String),
    Eof,
}

/// A child element of a record (author, term, comment, postmeta) and its text.
struct Field {
    name: String,
    text: String,
}

fn field<'a>(fields: &'a [Field], name: &str) -> &'a str {
    fields.iter().find(|f| f.name == name).map(|f| f.text.trim()).unwrap_or_default()
}

fn number(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

impl<R: BufRead> WxrReader<R> {
    /// `file_name` is only for messages.
    pub fn new(reader: R, file_name: &str) -> WxrReader<R> {
        let mut xml = quick_xml::Reader::from_reader(LineCounter::new(reader));
        xml.config_mut().check_end_names = true;
        // WordPress writes a bare `&` into addresses now and then, and its own importer takes the
        // file; so does this reader, keeping the `&` as the text it is.
        xml.config_mut().allow_dangling_amp = true;
        WxrReader {
            xml,
            buf: Vec::new(),
            file: file_name.to_owned(),
            state: State::Prolog,
            site: WxrSite::default(),
            channel_at: (1, 1),
            pending: None,
        }
    }

    /// The next author, term or item, or the site before them; None at the end of the file.
    pub fn next_event(&mut self) -> Result<Option<WxrEvent>, ImportError> {
        let result = self.advance();
        if result.is_err() {
            self.state = State::Done;
            self.pending = None;
        }
        result
    }

    fn advance(&mut self) -> Result<Option<WxrEvent>, ImportError> {
        if let Some((section, at)) = self.pending.take() {
            return self.read_section(section, at).map(Some);
        }
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Prolog => match self.next_raw()? {
                    Raw::Start { name, .. } if name == "rss" || name.ends_with(":rss") => {
                        self.state = State::Rss
                    }
                    Raw::Start { name, at, .. } => {
                        return Err(self.error_at(
                            at,
                            format!(
                                "this is not a WordPress export (WXR): it begins with <{name}>, where an export begins with <rss>"
                            ),
                        ));
                    }
                    Raw::Empty { name, .. } => {
                        return Err(ImportError::new(
                            &self.file,
                            format!("this is not a WordPress export (WXR): its root is an empty <{name}/>"),
                        ));
                    }
                    Raw::Text(t) if !t.trim().is_empty() => {
                        return Err(ImportError::new(
                            &self.file,
                            "this is not a WordPress export (WXR): it begins with text, where an export begins with <rss>",
                        ));
                    }
                    Raw::Eof => {
                        return Err(ImportError::new(
                            &self.file,
                            "the file is empty; expected a WordPress export (WXR), which begins with <rss>",
                        ));
                    }
                    _ => {}
                },
                State::Rss => match self.next_raw()? {
                    Raw::Start { name, at, .. } if name == "channel" => {
                        self.channel_at = at;
                        self.state = State::Header;
                    }
                    Raw::Start { at, .. } => self.skip(at)?,
                    Raw::End | Raw::Eof => {
                        return Err(ImportError::new(
                            &self.file,
                            "this is not a WordPress export (WXR): its <rss> has no <channel>",
                        ));
                    }
                    _ => {}
                },
                State::Header | State::Body => match self.next_raw()? {
                    Raw::Start { name, at, .. } => match Section::of(&name) {
                        Some(section) if self.state == State::Header => {
                            self.state = State::Body;
                            self.pending = Some((section, at));
                            return self.take_site().map(|s| Some(WxrEvent::Site(s)));
                        }
                        Some(section) => return self.read_section(section, at).map(Some),
                        None if self.state == State::Header => {
                            let text = self.read_text(at)?;
                            self.header(&name, text);
                        }
                        None => self.skip(at)?,
                    },
                    Raw::End => {
                        let header = self.state == State::Header;
                        self.state = State::AfterChannel;
                        if header {
                            return self.take_site().map(|s| Some(WxrEvent::Site(s)));
                        }
                    }
                    Raw::Eof => {
                        return Err(self.error_at(
                            self.channel_at,
                            "the file ends before this <channel> is closed: the export may have been cut off",
                        ));
                    }
                    _ => {}
                },
                State::AfterChannel => match self.next_raw()? {
                    Raw::Start { at, .. } => self.skip(at)?,
                    Raw::End => self.state = State::AfterRoot,
                    Raw::Eof => {
                        return Err(self.error_at(
                            self.channel_at,
                            "the file ends before its <rss> is closed: the export may have been cut off",
                        ));
                    }
                    _ => {}
                },
                // A second root, or text after the first, is not XML: whatever it holds would be
                // lost without a word.
                State::AfterRoot => {
                    let at = {
                        let counter = self.xml.get_ref();
                        counter.position(counter.consumed)
                    };
                    match self.next_raw()? {
                        Raw::Start { name, at, .. } => {
                            return Err(self.error_at(
                                at,
                                format!("<{name}> after the end of the export's <rss>: the file is not well-formed XML"),
                            ));
                        }
                        Raw::Empty { name, .. } => {
                            return Err(self.error_at(
                                at,
                                format!("<{name}> after the end of the export's <rss>: the file is not well-formed XML"),
                            ));
                        }
                        Raw::Text(t) if !t.trim().is_empty() => {
                            return Err(self.error_at(
                                at,
                                "text after the end of the export's <rss>: the file is not well-formed XML",
                            ));
                        }
                        Raw::Eof => {
                            self.state = State::Done;
                            return Ok(None);
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    fn header(&mut self, name: &str, text: String) {
        let text = text.trim().to_owned();
        match name {
            "title" => self.site.title = decode_entities(&text),
            "link" => self.site.link = text,
            "description" => self.site.description = decode_entities(&text),
            "language" => self.site.language = text,
            "wp:wxr_version" => self.site.wxr_version = text,
            "wp:base_site_url" => self.site.base_site_url = text,
            "wp:base_blog_url" => self.site.base_blog_url = text,
            _ => {}
        }
    }

    fn take_site(&mut self) -> Result<WxrSite, ImportError> {
        if self.site.wxr_version.is_empty() {
            return Err(self.error_at(
                self.channel_at,
                "this is an RSS feed, not a WordPress export (WXR): its <channel> has no <wp:wxr_version>",
            ));
        }
        // WordPress has written 1.0, 1.1 and 1.2; a version of another form is not an export.
        let version = self.site.wxr_version.trim();
        let well_formed = version.split_once('.').is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && minor.chars().all(|c| c.is_ascii_digit())
        });
        if !well_formed {
            let message = format!(
                "<wp:wxr_version> is {version:?}: a WordPress export says 1.0, 1.1 or 1.2; this file is not one that can be trusted"
            );
            return Err(self.error_at(self.channel_at, &message));
        }
        Ok(std::mem::take(&mut self.site))
    }

    fn read_section(&mut self, section: Section, at: (u64, u64)) -> Result<WxrEvent, ImportError> {
        Ok(match section {
            Section::Author => {
                let f = self.read_record(at)?;
                WxrEvent::Author(WxrAuthor {
                    id: number(field(&f, "wp:author_id")),
                    login: field(&f, "wp:author_login").to_owned(),
                    email: field(&f, "wp:author_email").to_owned(),
                    display_name: decode_entities(field(&f, "wp:author_display_name")),
                    first_name: decode_entities(field(&f, "wp:author_first_name")),
                    last_name: decode_entities(field(&f, "wp:author_last_name")),
                })
            }
            Section::Category => {
                let f = self.read_record(at)?;
                WxrEvent::Term(WxrTerm {
                    kind: TermKind::Category,
                    id: number(field(&f, "wp:term_id")),
                    slug: decode_slug(field(&f, "wp:category_nicename")),
                    name: decode_entities(field(&f, "wp:cat_name")),
                    parent_slug: Some(decode_slug(field(&f, "wp:category_parent"))).filter(|p| !p.is_empty()),
                    description: field(&f, "wp:category_description").to_owned(),
                })
            }
            Section::Tag => {
                let f = self.read_record(at)?;
                WxrEvent::Term(WxrTerm {
                    kind: TermKind::Tag,
                    id: number(field(&f, "wp:term_id")),
                    slug: decode_slug(field(&f, "wp:tag_slug")),
                    name: decode_entities(field(&f, "wp:tag_name")),
                    parent_slug: None,
                    description: field(&f, "wp:tag_description").to_owned(),
                })
            }
            Section::Term => {
                let f = self.read_record(at)?;
                let kind = match field(&f, "wp:term_taxonomy") {
                    "category" => TermKind::Category,
                    "post_tag" => TermKind::Tag,
                    other => TermKind::Other(other.to_owned()),
                };
                WxrEvent::Term(WxrTerm {
                    kind,
                    id: number(field(&f, "wp:term_id")),
                    slug: decode_slug(field(&f, "wp:term_slug")),
                    name: decode_entities(field(&f, "wp:term_name")),
                    parent_slug: Some(decode_slug(field(&f, "wp:term_parent"))).filter(|p| !p.is_empty()),
                    description: field(&f, "wp:term_description").to_owned(),
                })
            }
            Section::Item => WxrEvent::Item(Box::new(self.read_item(at)?)),
        })
    }

    fn read_item(&mut self, at: (u64, u64)) -> Result<WxrItem, ImportError> {
        let mut item = WxrItem { post_type: "post".to_owned(), ..WxrItem::default() };
        let mut post_id: Option<(String, (u64, u64))> = None;
        loop {
            match self.next_raw()? {
                Raw::Start { name, attributes, at: child } => match name.as_str() {
                    "category" => {
                        let text = self.read_text(child)?;
                        item.categories.extend(item_term(&attributes, &text));
                    }
                    "wp:postmeta" => {
                        let f = self.read_record(child)?;
                        item.meta.push((
                            field(&f, "wp:meta_key").to_owned(),
                            f.iter()
                                .find(|f| f.name == "wp:meta_value")
                                .map(|f| f.text.clone())
                                .unwrap_or_default(),
                        ));
                    }
                    "wp:comment" => {
                        let f = self.read_record(child)?;
                        item.comments.push(comment(&f));
                    }
                    _ => {
                        let text = self.read_text(child)?;
                        match name.as_str() {
                            // Some tools write the id without WordPress's prefix.
                            "wp:post_id" | "post_id" => post_id = Some((text, child)),
                            "content:encoded" => item.content_html = text,
                            "excerpt:encoded" => item.excerpt = text,
                            _ => item_field(&mut item, &name, text.trim()),
                        }
                    }
                },
                Raw::Empty { name, attributes } => {
                    if name == "category" {
                        item.categories.extend(item_term(&attributes, ""));
                    }
                }
                Raw::End => break,
                Raw::Text(_) => {}
                Raw::Eof => {
                    return Err(self.error_at(
                        at,
                        "the file ends before this <item> is closed: the export may have been cut off",
                    ));
                }
            }
        }
        item.post_id = match post_id {
            Some((id, id_at)) => Some(number(&id).ok_or_else(|| {
                self.error_at(id_at, format!("expected a number in <wp:post_id>, found {:?}", id.trim()))
            })?),
            // WordPress's importer takes an item without an id as a new post; its guid often
            // still carries the number.
            None => id_in_guid(&item.guid),
        };
        Ok(item)
    }

    /// The children of a record element, each with its text; deeper elements are skipped.
    fn read_record(&mut self, at: (u64, u64)) -> Result<Vec<Field>, ImportError> {
        let mut fields = Vec::new();
        loop {
            match self.next_raw()? {
                Raw::Start { name, at: child, .. } => {
                    let text = self.read_text(child)?;
                    fields.push(Field { name, text });
                }
                Raw::Empty { name, .. } => fields.push(Field { name, text: String::new() }),
                Raw::End => return Ok(fields),
                Raw::Text(_) => {}
                Raw::Eof => return Err(self.cut_off(at)),
            }
        }
    }

    /// The text of an element whose start tag was just read, up to its end tag. Markup inside
    /// it (HTML written into the export without a CDATA section) is kept as markup, so that no
    /// text is lost.
    fn read_text(&mut self, at: (u64, u64)) -> Result<String, ImportError> {
        use quick_xml::escape::escape;
        // The text as it reads, and the same written as markup: the second is what counts once
        // an element turns up inside (its text then escaped like the rest).
        let mut text = String::new();
        let mut markup = String::new();
        let mut nested = false;
        let mut open: Vec<String> = Vec::new();
        loop {
            match self.next_raw()? {
                Raw::Text(t) => {
                    if open.is_empty() {
                        text.push_str(&t);
                    }
                    markup.push_str(&escape(t.as_str()));
                }
                Raw::Start { name, attributes, .. } => {
                    nested = true;
                    push_tag(&mut markup, &name, &attributes, false);
                    open.push(name);
                }
                Raw::Empty { name, attributes } => {
                    nested = true;
                    push_tag(&mut markup, &name, &attributes, true);
                }
                Raw::End => match open.pop() {
                    Some(name) => {
                        markup.push_str("</");
                        markup.push_str(&name);
                        markup.push('>');
                    }
                    None => return Ok(if nested { markup } else { text }),
                },
                Raw::Eof => return Err(self.cut_off(at)),
            }
        }
    }

    fn skip(&mut self, at: (u64, u64)) -> Result<(), ImportError> {
        let mut depth = 0usize;
        loop {
            match self.read_raw(false)? {
                Some(Raw::Start { .. }) => depth += 1,
                Some(Raw::End) if depth == 0 => return Ok(()),
                Some(Raw::End) => depth -= 1,
                Some(Raw::Eof) => return Err(self.cut_off(at)),
                _ => {}
            }
        }
    }

    fn cut_off(&self, at: (u64, u64)) -> ImportError {
        self.error_at(
            at,
            "the file ends before the element opened here is closed: the export may have been cut off",
        )
    }

    fn error_at(&self, (line, column): (u64, u64), message: impl Into<String>) -> ImportError {
        ImportError::at(&self.file, line, column, message)
    }

    fn next_raw(&mut self) -> Result<Raw, ImportError> {
        loop {
            if let Some(raw) = self.read_raw(true)? {
                return Ok(raw);
            }
        }
    }

    /// One XML event; None for those the reader ignores (declaration, comments, processing
    /// instructions, DOCTYPE) and, when `text` is false, for text.
    fn read_raw(&mut self, text: bool) -> Result<Option<Raw>, ImportError> {
        self.xml.get_mut().mark();
        self.buf.clear();
        let event = match self.xml.read_event_into(&mut self.buf) {
            Ok(event) => event,
            Err(e) => return Err(xml_error(&self.file, &self.xml, e)),
        };
        let counter = self.xml.get_ref();
        let decoder = self.xml.decoder();
        let bad_text = |e: quick_xml::encoding::EncodingError| {
            let (line, column) = counter.position(counter.mark);
            ImportError::at(&self.file, line, column, format!("this text is not in the file's encoding: {e}"))
        };
        let raw = match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let attributes = attributes(&e, decoder);
                Raw::Start { name, attributes, at: counter.position(counter.mark) }
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let attributes = attributes(&e, decoder);
                Raw::Empty { name, attributes }
            }
            Event::End(_) => Raw::End,
            Event::Eof => Raw::Eof,
            _ if !text => return Ok(None),
            Event::Text(t) => Raw::Text(t.xml10_content().map_err(bad_text)?.into_owned()),
            Event::CData(t) => Raw::Text(t.xml10_content().map_err(bad_text)?.into_owned()),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => Raw::Text(c.to_string()),
                Ok(None) => {
                    let name = r.decode().map_err(bad_text)?;
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => Raw::Text(s.to_owned()),
                        // WordPress sometimes lets an HTML entity through; keep it for the
                        // HTML it will end up in rather than refuse the whole export.
                        None => Raw::Text(format!("&{name};")),
                    }
                }
                Err(e) => {
                    let (line, column) = counter.position(counter.mark);
                    return Err(ImportError::at(
                        &self.file,
                        line,
                        column,
                        format!("this character reference is not valid: {e}"),
                    ));
                }
            },
            _ => return Ok(None),
        };
        Ok(Some(raw))
    }
}

impl<R: BufRead> Iterator for WxrReader<R> {
    type Item = Result<WxrEvent, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event().transpose()
    }
}

fn attributes(
    e: &quick_xml::events::BytesStart<'_>,
    decoder: quick_xml::encoding::Decoder,
) -> Vec<(String, String)> {
    e.attributes()
        .flatten()
        .map(|a| {
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let value = a
                .decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, decoder)
                .map(Cow::into_owned)
                // A bare `&` in an attribute: its text as written, as for text.
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
            (key, value)
        })
        .collect()
}

/// quick-xml's error, with the place it happened and a sentence saying what was expected.
fn xml_error<R: BufRead>(
    file: &str,
    xml: &quick_xml::Reader<LineCounter<R>>,
    e: quick_xml::Error,
) -> ImportError {
    use quick_xml::errors::IllFormedError;
    let counter = xml.get_ref();
    // quick-xml's offsets leave out a byte-order mark; the counter's include it.
    let shift = counter.consumed.saturating_sub(xml.buffer_position());
    let (line, column) = counter.position(xml.error_position() + shift);
    let message = match &e {
        quick_xml::Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            format!("expected </{expected}> but found </{found}>")
        }
        quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(name)) => {
            format!("found </{name}>, but no element is open")
        }
        _ => format!("the XML is not well-formed: {e}"),
    };
    ImportError::at(file, line, column, message)
}

/// `<name a="v">` (or `<name a="v"/>`) written out again.
fn push_tag(out: &mut String, name: &str, attributes: &[(String, String)], empty: bool) {
    out.push('<');
    out.push_str(name);
    for (key, value) in attributes {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        out.push_str(&quick_xml::escape::escape(value.as_str()));
        out.push('"');
    }
    out.push_str(if empty { "/>" } else { ">" });
}

/// The post number in a guid of WordPress's own form: `https://old.example/?p=12`.
fn id_in_guid(guid: &str) -> Option<i64> {
    let url = url::Url::parse(guid.trim()).ok()?;
    url.query_pairs()
        .find(|(k, _)| matches!(k.as_ref(), "p" | "page_id" | "attachment_id"))
        .and_then(|(_, v)| v.parse().ok())
        .filter(|id: &i64| *id > 0)
}

fn item_term(attributes: &[(String, String)], text: &str) -> Option<ItemTerm> {
    let attribute = |key: &str| attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim());
    // WXR 1.0 writes each category twice, once without attributes; only the one with a slug
    // says which taxonomy it belongs to.
    let nicename = attribute("nicename")?;
    let domain = match attribute("domain").unwrap_or("category") {
        "tag" => "post_tag",
        d => d,
    };
    Some(ItemTerm {
        domain: domain.to_owned(),
        nicename: decode_slug(nicename),
        name: decode_entities(text.trim()),
    })
}

fn item_field(item: &mut WxrItem, name: &str, text: &str) {
    match name {
        "title" => item.title = decode_entities(text),
        "link" if !text.is_empty() => item.link = Some(text.to_owned()),
        "guid" => item.guid = text.to_owned(),
        "dc:creator" => item.creator = text.to_owned(),
        "wp:status" => item.status = text.to_owned(),
        "wp:post_date" => item.post_date = text.to_owned(),
        "wp:post_date_gmt" => item.post_date_gmt = text.to_owned(),
        "wp:post_name" => item.post_name = decode_slug(text),
        "wp:post_parent" => item.parent_id = number(text).unwrap_or(0),
        "wp:menu_order" => item.menu_order = number(text).unwrap_or(0),
        "wp:post_type" if !text.is_empty() => item.post_type = text.to_owned(),
        "wp:is_sticky" => item.is_sticky = text == "1",
        "wp:attachment_url" if !text.is_empty() => item.attachment_url = Some(text.to_owned()),
        _ => {}
    }
}

fn comment(f: &[Field]) -> WxrComment {
    WxrComment {
        id: number(field(f, "wp:comment_id")).unwrap_or(0),
        author: decode_entities(field(f, "wp:comment_author")),
        author_email: field(f, "wp:comment_author_email").to_owned(),
        author_url: field(f, "wp:comment_author_url").to_owned(),
        date_gmt: field(f, "wp:comment_date_gmt").to_owned(),
        content: f
            .iter()
            .find(|f| f.name == "wp:comment_content")
            .map(|f| f.text.clone())
            .unwrap_or_default(),
        approved: field(f, "wp:comment_approved") == "1",
        parent_id: number(field(f, "wp:comment_parent")).unwrap_or(0),
        comment_type: field(f, "wp:comment_type").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(xml: &str) -> Result<Vec<WxrEvent>, ImportError> {
        WxrReader::new(xml.as_bytes(), "t.xml").collect()
    }

    #[test]
    fn slugs_are_percent_decoded() {
        assert_eq!(decode_slug("%d0%b1%d0%b0%d0%bb%d0%ba%d0%b0%d0%bd%d0%b8"), "балкани");
        assert_eq!(decode_slug("%C5%A1abac-i-z%C3%BCrich"), "šabac-i-zürich");
        assert_eq!(decode_slug(" plain-slug "), "plain-slug");
        // Not UTF-8 once decoded: left as written rather than mangled.
        assert_eq!(decode_slug("caf%e9"), "caf%e9");
    }

    #[test]
    fn wp_time_prefers_gmt_and_falls_back_to_local_in_the_zone() {
        let t = wp_time("2024-03-05 09:30:00", "2024-03-05 10:30:00", "Europe/Belgrade").unwrap();
        assert_eq!(t.to_string(), "2024-03-05T09:30:00Z");
        let t = wp_time("0000-00-00 00:00:00", "2024-07-01 12:00:00", "Europe/Belgrade").unwrap();
        assert_eq!(t.to_string(), "2024-07-01T10:00:00Z", "summer time is UTC+2");
        let t = wp_time("", "2024-01-15 12:00:00", "Europe/Belgrade").unwrap();
        assert_eq!(t.to_string(), "2024-01-15T11:00:00Z", "winter time is UTC+1");
        assert_eq!(wp_time("0000-00-00 00:00:00", "0000-00-00 00:00:00", "Europe/Belgrade"), None);
        assert_eq!(wp_time("", "2024-01-15 12:00:00", "Mars/Olympus_Mons"), None);
        assert_eq!(wp_time("yesterday", "", "UTC"), None);
    }

    #[test]
    fn wp_time_reads_wordpress_manual_offsets() {
        let t = wp_time("", "2024-01-15 12:00:00", "UTC+2").unwrap();
        assert_eq!(t.to_string(), "2024-01-15T10:00:00Z");
        let t = wp_time("", "2024-01-15 12:00:00", "UTC-5:30").unwrap();
        assert_eq!(t.to_string(), "2024-01-15T17:30:00Z");
        let t = wp_time("", "2024-01-15 12:00:00", "UTC+5.5").unwrap();
        assert_eq!(t.to_string(), "2024-01-15T06:30:00Z");
    }

    #[test]
    fn line_counter_turns_offsets_into_lines_and_columns() {
        let mut counter = LineCounter::new(&b"ab\ncd\n\nefg"[..]);
        let mut sink = Vec::new();
        counter.read_to_end(&mut sink).unwrap();
        assert_eq!(counter.position(0), (1, 1));
        assert_eq!(counter.position(4), (2, 2));
        assert_eq!(counter.position(8), (4, 2));
        counter.mark();
        assert_eq!(counter.position(10), (4, 4), "the line survives the mark");
    }

    #[test]
    fn a_second_root_or_text_after_the_export_is_refused() {
        let e = read_all("<rss><channel><wp:wxr_version>1.2</wp:wxr_version></channel></rss>\n<rss><channel><item>lost</item></channel></rss>")
            .unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(1)), "{e}");
        assert!(e.message.contains("<rss> after the end of the export"), "{e}");
        let e =
            read_all("<rss><channel><wp:wxr_version>1.2</wp:wxr_version></channel></rss>\ntrailing words")
                .unwrap_err();
        assert!(e.message.contains("text after the end of the export"), "{e}");
        assert!(
            read_all("<rss><channel><wp:wxr_version>1.2</wp:wxr_version></channel></rss>\n<!-- done -->\n")
                .is_ok()
        );
        let e = read_all("<rss><channel><wp:wxr_version>1.2</wp:wxr_version></channel>").unwrap_err();
        assert!(e.message.contains("before its <rss> is closed"), "{e}");
    }

    #[test]
    fn escaped_text_beside_real_markup_stays_text() {
        let events = read_all(
            "<rss><channel><wp:wxr_version>1.2</wp:wxr_version><item><wp:post_id>6</wp:post_id>\
             <content:encoded>&lt;b&gt; x <em>y</em></content:encoded></item></channel></rss>",
        )
        .unwrap();
        let WxrEvent::Item(item) = &events[1] else { panic!("expected an item") };
        assert_eq!(item.content_html, "&lt;b&gt; x <em>y</em>");
    }

    #[test]
    fn html_written_without_cdata_keeps_its_markup_and_text() {
        let events = read_all(
            "<rss><channel><wp:wxr_version>1.2</wp:wxr_version><item><wp:post_id>5</wp:post_id>\
             <content:encoded><p class=\"lead\">Fish &amp; <em>chips</em><br/>&lt;3</p> after</content:encoded>\
             </item></channel></rss>",
        )
        .unwrap();
        let WxrEvent::Item(item) = &events[1] else { panic!("expected an item") };
        assert_eq!(item.content_html, "<p class=\"lead\">Fish &amp; <em>chips</em><br/>&lt;3</p> after");
    }

    #[test]
    fn split_cdata_and_references_concatenate() {
        let xml = r#"<rss><channel><wp:wxr_version>1.2</wp:wxr_version>
            <item><wp:post_id>7</wp:post_id>
            <title>Roads &amp; rails &#8217;24</title>
            <content:encoded><![CDATA[a ]]]]><![CDATA[> b]]></content:encoded></item></channel></rss>"#;
        let events = read_all(xml).unwrap();
        let WxrEvent::Item(item) = &events[1] else { panic!("expected an item, got {:?}", events[1]) };
        assert_eq!(item.title, "Roads & rails ’24");
        assert_eq!(item.content_html, "a ]]> b");
    }

    #[test]
    fn wxr_1_0_categories_without_slug_are_skipped_and_tag_is_post_tag() {
        let xml = r#"<rss><channel><wp:wxr_version>1.0</wp:wxr_version><item><wp:post_id>1</wp:post_id>
            <category><![CDATA[News]]></category>
            <category domain="category" nicename="news"><![CDATA[News]]></category>
            <category domain="tag" nicename="vote"><![CDATA[Vote]]></category>
            </item></channel></rss>"#;
        let events = read_all(xml).unwrap();
        let WxrEvent::Item(item) = &events[1] else { panic!("expected an item") };
        let domains: Vec<_> =
            item.categories.iter().map(|c| (c.domain.as_str(), c.nicename.as_str())).collect();
        assert_eq!(domains, [("category", "news"), ("post_tag", "vote")]);
    }

    #[test]
    fn an_html_entity_that_xml_does_not_know_is_kept_for_the_html() {
        let xml = "<rss><channel><wp:wxr_version>1.2</wp:wxr_version><item><wp:post_id>1</wp:post_id>\
            <title>Novi&nbsp;Sad</title><content:encoded>a&nbsp;b</content:encoded></item></channel></rss>";
        let events = read_all(xml).unwrap();
        let WxrEvent::Item(item) = &events[1] else { panic!("expected an item") };
        assert_eq!(item.title, "Novi\u{a0}Sad");
        assert_eq!(item.content_html, "a&nbsp;b");
    }

    #[test]
    fn a_feed_without_wxr_version_is_not_an_export() {
        let e =
            read_all("<rss>\n  <channel><title>Blog</title><item><title>x</title></item></channel></rss>")
                .unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("RSS feed, not a WordPress export"), "{e}");
    }

    #[test]
    fn a_version_that_is_not_one_is_refused() {
        let e = read_all("<rss>\n  <channel><wp:wxr_version>abc</wp:wxr_version><item><wp:post_id>1</wp:post_id></item></channel></rss>")
            .unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("<wp:wxr_version> is \"abc\""), "{e}");
        assert!(read_all("<rss><channel><wp:wxr_version>1.1</wp:wxr_version></channel></rss>").is_ok());
    }

    #[test]
    fn another_root_is_not_an_export() {
        let e =
            read_all("<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"/>").unwrap_err();
        assert!(e.message.contains("root is an empty <feed/>"), "{e}");
        let e = read_all("<?xml version=\"1.0\"?>\n<feed>\n</feed>").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(1)));
        assert!(e.message.contains("begins with <feed>"), "{e}");
        let e = read_all("<rss><title>x</title></rss>").unwrap_err();
        assert!(e.message.contains("has no <channel>"), "{e}");
    }

    #[test]
    fn an_item_without_a_post_id_is_known_by_its_guid_and_a_wrong_one_names_its_line() {
        let items = |xml: &str| -> Vec<WxrItem> {
            read_all(xml)
                .unwrap()
                .into_iter()
                .filter_map(|e| match e {
                    WxrEvent::Item(item) => Some(*item),
                    _ => None,
                })
                .collect()
        };
        let found = items(
            "<rss><channel><wp:wxr_version>1.2</wp:wxr_version>\n\
             <item><title>a</title><guid isPermaLink=\"false\">https://old.example/?p=41</guid></item>\n\
             <item><title>b</title><guid>https://old.example/b/</guid></item>\n\
             <item><title>c</title><wp:post_date>2024-01-02 10:00:00</wp:post_date></item>\n\
             <item><title>d</title><post_id>43</post_id></item></channel></rss>",
        );
        let keys: Vec<String> = found.iter().map(WxrItem::key).collect();
        assert_eq!(keys, ["post:41", "guid:https://old.example/b/", "item:2024-01-02 10:00:00:c", "post:43"]);
        assert_eq!(found[1].label(), "post without an id");
        let e = read_all("<rss><channel><wp:wxr_version>1.2</wp:wxr_version>\n<item>\n  <wp:post_id>x1</wp:post_id></item>")
            .unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(3)));
        assert_eq!(e.message, "expected a number in <wp:post_id>, found \"x1\"");
    }

    #[test]
    fn a_bare_ampersand_is_kept_as_written() {
        let events = read_all(
            "<rss><channel><wp:wxr_version>1.2</wp:wxr_version><item><wp:post_id>9</wp:post_id>\
             <title>Salt & pepper &amp; more</title>\
             <wp:attachment_url>https://old.example/img.php?w=300&h=200</wp:attachment_url>\
             <category domain=\"post_tag\" nicename=\"a&b\">A</category></item></channel></rss>",
        )
        .unwrap();
        let WxrEvent::Item(item) = &events[1] else { panic!("expected an item") };
        assert_eq!(item.title, "Salt & pepper & more");
        assert_eq!(item.attachment_url.as_deref(), Some("https://old.example/img.php?w=300&h=200"));
        assert_eq!(item.categories[0].nicename, "a&b");
    }

    #[test]
    fn a_byte_order_mark_does_not_shift_columns() {
        let e = read_all("\u{feff}<rss><channel>\n  <wp:wxr_version>1.2</wp:wxr_version></channel>\n</item>")
            .unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(1)), "{e}");
        assert_eq!(e.message, "expected </rss> but found </item>");
    }

    #[test]
    fn a_cut_off_file_says_so() {
        let e = read_all(
            "<rss><channel><wp:wxr_version>1.2</wp:wxr_version>\n\n   <item><wp:post_id>3</wp:post_id>",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(4)));
        assert!(e.message.contains("cut off"), "{e}");
    }
}
