//! Ghost's JSON export (Settings → Labs → Export content, Ghost 1 to 5): posts and pages with
//! their bodies as HTML, tags, and staff users as authors.
//!
//! Ghost keeps a post's body as a document (Lexical in Ghost 5, Mobiledoc before) and writes
//! the rendered `html` beside it in most exports; when the HTML is missing the document is
//! rendered here ([`lexical`], [`mobiledoc`]). Internal tags (`#hidden`) are Ghost's own
//! switches, never the newsroom's topics, so they are dropped and counted. Anything altered or
//! left out is said in [`GhostSite::notes`], naming the post.
//!
//! The export is read whole (Ghost writes one JSON document); it is never fetched, nothing is
//! stored, and the HTML is not sanitised: the caller does that, once, when it saves.

mod cards;
pub mod lexical;
pub mod mobiledoc;

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use crate::error::ImportError;

/// Ghost's placeholder for the site's own address in exported URLs (Ghost 4 onward).
const GHOST_URL: &str = "__GHOST_URL__";

/// What a Ghost export holds, ready to become articles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GhostSite {
    /// The site's address, used for `__GHOST_URL__`: from the export's `meta.url` when it has
    /// one (Ghost's own exports do not), or as given to [`parse_ghost_with_base`].
    pub base_url: Option<String>,
    pub posts: Vec<GhostPost>,
    /// Public tags only.
    pub tags: Vec<GhostTag>,
    pub authors: Vec<GhostAuthor>,
    /// Internal tags (`#name`) left out of `tags` and of every post.
    pub skipped_internal_tags: usize,
    /// What was altered or left out, one sentence each, naming the post's slug.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GhostStatus {
    Published,
    Draft,
    Scheduled,
    /// Sent as a newsletter only, never on the site.
    Sent,
    Other(String),
}

/// Where a post's HTML came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GhostBody {
    Html,
    Lexical,
    Mobiledoc,
    /// Neither HTML nor a document: the body is empty.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GhostPost {
    pub id: String,
    pub uuid: Option<String>,
    pub title: String,
    pub slug: String,
    /// The body as HTML, `__GHOST_URL__` resolved when the site's address is known.
    pub html: String,
    pub body_from: GhostBody,
    pub excerpt: Option<String>,
    pub feature_image: Option<String>,
    pub feature_image_alt: Option<String>,
    pub feature_image_caption: Option<String>,
    pub status: GhostStatus,
    pub is_page: bool,
    pub published_at: Option<Timestamp>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub canonical_url: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    /// Public tags, in the post's order.
    pub tag_ids: Vec<String>,
    /// In the byline's order.
    pub author_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GhostTag {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
}

/// A staff user of the Ghost site: every author of a post is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GhostAuthor {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub email: Option<String>,
    pub bio: Option<String>,
    pub website: Option<String>,
}

/// Replaces every `__GHOST_URL__` with the site's address, without doubling its slash.
pub fn resolve_ghost_url(s: &str, base: &str) -> String {
    s.replace(GHOST_URL, base.trim_end_matches('/'))
}

/// Reads a Ghost export: `{"db": [{"meta": .., "data": ..}]}` as Ghost downloads it, or
/// `{"meta": .., "data": ..}`, or `{"data": ..}`. `__GHOST_URL__` is resolved only when the
/// export names the site (`meta.url`); otherwise it is left in place with a note, and
/// [`parse_ghost_with_base`] is the way to resolve it.
pub fn parse_ghost(bytes: &[u8], file: &str) -> Result<GhostSite, ImportError> {
    read(bytes, file, None)
}

/// [`parse_ghost`], with the site's address for `__GHOST_URL__` given by the caller; it wins
/// over one in the export.
pub fn parse_ghost_with_base(bytes: &[u8], file: &str, base: &str) -> Result<GhostSite, ImportError> {
    let valid = url::Url::parse(base).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
    if valid.is_none() {
        return Err(ImportError::new(
            file,
            format!(
                "the site's address {base:?} is not an absolute http(s) URL, like https://news.example.org"
            ),
        ));
    }
    read(bytes, file, Some(base.trim_end_matches('/').to_owned()))
}

// The export as Ghost writes it. Everything is optional, and ids, flags, orders and dates are
// read as any JSON value: Ghost 0.x wrote numbers where later versions write strings.

#[derive(Debug, Deserialize)]
struct Envelope {
    db: Option<Vec<Database>>,
    meta: Option<Meta>,
    data: Option<Data>,
}

#[derive(Debug, Deserialize)]
struct Database {
    meta: Option<Meta>,
    data: Option<Data>,
}

#[derive(Debug, Deserialize)]
struct Meta {
    url: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Data {
    posts: Option<Vec<InPost>>,
    posts_meta: Option<Vec<InPostMeta>>,
    tags: Option<Vec<InTag>>,
    users: Option<Vec<InUser>>,
    posts_tags: Option<Vec<InLink>>,
    posts_authors: Option<Vec<InLink>>,
}

#[derive(Debug, Deserialize)]
struct InPost {
    id: Option<Value>,
    uuid: Option<String>,
    title: Option<String>,
    slug: Option<String>,
    html: Option<String>,
    lexical: Option<String>,
    mobiledoc: Option<String>,
    feature_image: Option<String>,
    feature_image_alt: Option<String>,
    feature_image_caption: Option<String>,
    custom_excerpt: Option<String>,
    status: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    page: Option<Value>,
    published_at: Option<Value>,
    created_at: Option<Value>,
    updated_at: Option<Value>,
    canonical_url: Option<String>,
    author_id: Option<Value>,
    meta_title: Option<String>,
    meta_description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InPostMeta {
    post_id: Option<Value>,
    feature_image_alt: Option<String>,
    feature_image_caption: Option<String>,
    meta_title: Option<String>,
    meta_description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InTag {
    id: Option<Value>,
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    visibility: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InUser {
    id: Option<Value>,
    name: Option<String>,
    slug: Option<String>,
    email: Option<String>,
    bio: Option<String>,
    website: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InLink {
    post_id: Option<Value>,
    tag_id: Option<Value>,
    author_id: Option<Value>,
    sort_order: Option<Value>,
}

/// An id as a string, whether Ghost wrote it as a string or a number.
fn id(v: &Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn present(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// serde_json's message without its trailing " at line L column C", which [`ImportError`] says.
fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map(|(m, _)| m).unwrap_or(message)
}

fn read(bytes: &[u8], file: &str, base: Option<String>) -> Result<GhostSite, ImportError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let envelope: Envelope = serde_json::from_slice(bytes).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "this is not valid JSON"
            }
            _ => "this is not a Ghost export as expected",
        };
        let message = format!("{what}: {}", strip_position(&e.to_string()));
        if e.line() == 0 {
            ImportError::new(file, message)
        } else {
            ImportError::at(file, e.line() as u64, e.column() as u64, message)
        }
    })?;
    let (meta, data) = match envelope.db {
        Some(db) => {
            let Some(first) = db.into_iter().next() else {
                return Err(ImportError::new(
                    file,
                    "\"db\" is empty; expected [{\"meta\": ..., \"data\": ...}]",
                ));
            };
            (first.meta, first.data)
        }
        None => (envelope.meta, envelope.data),
    };
    let Some(data) = data else {
        return Err(ImportError::new(
            file,
            "expected a Ghost export: {\"db\": [{\"meta\": ..., \"data\": ...}]} or {\"data\": ...}, but there is no \"data\"",
        ));
    };
    let meta_url =
        meta.and_then(|m| m.url).and_then(|u| u.as_str().map(|s| s.trim_end_matches('/').to_owned()));
    Ok(assemble(data, base.or(meta_url)))
}

fn assemble(data: Data, base_url: Option<String>) -> GhostSite {
    let mut site = GhostSite { base_url, ..GhostSite::default() };
    let resolve = |s: String| match &site.base_url {
        Some(base) => resolve_ghost_url(&s, base),
        None => s,
    };

    let mut internal = std::collections::HashSet::new();
    let mut tags = Vec::new();
    for t in data.tags.unwrap_or_default() {
        let name = t.name.unwrap_or_default();
        if t.visibility.as_deref() == Some("internal") || name.starts_with('#') {
            internal.insert(id(&t.id));
            continue;
        }
        tags.push(GhostTag {
            id: id(&t.id),
            name,
            slug: t.slug.unwrap_or_default(),
            description: present(t.description),
        });
    }
    let public: std::collections::HashSet<String> = tags.iter().map(|t| t.id.clone()).collect();
    let authors: Vec<GhostAuthor> = data
        .users
        .unwrap_or_default()
        .into_iter()
        .map(|u| GhostAuthor {
            id: id(&u.id),
            name: u.name.unwrap_or_default(),
            slug: u.slug.unwrap_or_default(),
            email: present(u.email),
            bio: present(u.bio),
            website: present(u.website),
        })
        .collect();

    let tags_of = ordered_links(data.posts_tags.unwrap_or_default(), |l| &l.tag_id);
    let authors_of = ordered_links(data.posts_authors.unwrap_or_default(), |l| &l.author_id);
    let meta_of: HashMap<String, InPostMeta> =
        data.posts_meta.unwrap_or_default().into_iter().map(|m| (id(&m.post_id), m)).collect();

    let mut posts = Vec::new();
    let mut notes = Vec::new();
    let mut unresolved = 0usize;
    for p in data.posts.unwrap_or_default() {
        let post_id = id(&p.id);
        let slug = p.slug.clone().unwrap_or_default();
        let label = if slug.is_empty() { format!("post {post_id}") } else { slug.clone() };
        let (html, body_from) = body(&p, &label, &mut notes);
        let meta = meta_of.get(&post_id);
        let mut tag_ids = Vec::new();
        for tag in tags_of.get(&post_id).into_iter().flatten() {
            if public.contains(tag) {
                tag_ids.push(tag.clone());
            } else if !internal.contains(tag) {
                notes.push(format!("{label}: tag {tag} is not in the export; left out"));
            }
        }
        let author_ids = match authors_of.get(&post_id) {
            Some(ids) => ids.clone(),
            // Ghost 1 had one author per post, on the post.
            None => Some(id(&p.author_id)).filter(|a| !a.is_empty()).into_iter().collect(),
        };
        let is_page = match (p.kind.as_deref(), &p.page) {
            (Some(kind), _) => kind == "page",
            (None, Some(Value::Bool(b))) => *b,
            (None, Some(Value::Number(n))) => n.as_i64() == Some(1),
            (None, Some(Value::String(s))) => s == "1" || s == "true",
            _ => false,
        };
        let status = match p.status.as_deref().unwrap_or("draft") {
            "published" => GhostStatus::Published,
            "draft" => GhostStatus::Draft,
            "scheduled" => GhostStatus::Scheduled,
            "sent" => GhostStatus::Sent,
            other => GhostStatus::Other(other.to_owned()),
        };
        let mut time = |field: &str, v: &Option<Value>| {
            let t = ghost_time(v);
            if t.is_none() && v.as_ref().is_some_and(|v| !v.is_null()) {
                notes.push(format!(
                    "{label}: {field} {} is not a date; left empty",
                    v.as_ref().unwrap_or(&Value::Null)
                ));
            }
            t
        };
        let published_at = time("published_at", &p.published_at);
        let created_at = time("created_at", &p.created_at);
        let updated_at = time("updated_at", &p.updated_at);
        let post = GhostPost {
            id: post_id.clone(),
            uuid: p.uuid,
            title: p.title.unwrap_or_default(),
            slug,
            html: resolve(html),
            body_from,
            excerpt: present(p.custom_excerpt),
            feature_image: present(p.feature_image).map(resolve),
            feature_image_alt: present(p.feature_image_alt)
                .or_else(|| meta.and_then(|m| present(m.feature_image_alt.clone()))),
            feature_image_caption: present(p.feature_image_caption)
                .or_else(|| meta.and_then(|m| present(m.feature_image_caption.clone())))
                .map(resolve),
            status,
            is_page,
            published_at,
            created_at,
            updated_at,
            canonical_url: present(p.canonical_url).map(resolve),
            meta_title: present(p.meta_title).or_else(|| meta.and_then(|m| present(m.meta_title.clone()))),
            meta_description: present(p.meta_description)
                .or_else(|| meta.and_then(|m| present(m.meta_description.clone()))),
            tag_ids,
            author_ids,
        };
        let mentions = |s: &Option<String>| s.as_deref().is_some_and(|s| s.contains(GHOST_URL));
        if post.html.contains(GHOST_URL)
            || mentions(&post.feature_image)
            || mentions(&post.canonical_url)
            || mentions(&post.feature_image_caption)
        {
            unresolved += 1;
        }
        posts.push(post);
    }
    if unresolved > 0 {
        notes.push(format!(
            "__GHOST_URL__ is left in {unresolved} {}: the export does not say the site's address; read it with parse_ghost_with_base",
            if unresolved == 1 { "post" } else { "posts" }
        ));
    }
    site.skipped_internal_tags = internal.len();
    site.posts = posts;
    site.tags = tags;
    site.authors = authors;
    site.notes = notes;
    site
}

/// Each post's linked ids (tags or authors) in `sort_order`; links without an order keep the
/// file's.
fn ordered_links(
    links: Vec<InLink>,
    target: impl Fn(&InLink) -> &Option<Value>,
) -> HashMap<String, Vec<String>> {
    let mut by_post: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for link in &links {
        let order = link.sort_order.as_ref().and_then(Value::as_i64).unwrap_or(0);
        by_post.entry(id(&link.post_id)).or_default().push((order, id(target(link))));
    }
    by_post
        .into_iter()
        .map(|(post, mut ids)| {
            ids.sort_by_key(|(order, _)| *order);
            (post, ids.into_iter().map(|(_, id)| id).filter(|id| !id.is_empty()).collect())
        })
        .collect()
}

fn body(p: &InPost, label: &str, notes: &mut Vec<String>) -> (String, GhostBody) {
    if let Some(html) = p.html.as_deref().filter(|h| !h.trim().is_empty()) {
        return (html.to_owned(), GhostBody::Html);
    }
    if let Some(source) = p.lexical.as_deref().filter(|s| !s.trim().is_empty()) {
        match lexical::render(source) {
            Ok((html, card_notes)) => {
                notes.extend(card_notes.into_iter().map(|n| format!("{label}: {n}")));
                return (html, GhostBody::Lexical);
            }
            Err(e) => notes.push(format!("{label}: {e}")),
        }
    }
    if let Some(source) = p.mobiledoc.as_deref().filter(|s| !s.trim().is_empty()) {
        match mobiledoc::render(source) {
            Ok((html, card_notes)) => {
                notes.extend(card_notes.into_iter().map(|n| format!("{label}: {n}")));
                return (html, GhostBody::Mobiledoc);
            }
            Err(e) => notes.push(format!("{label}: {e}")),
        }
    }
    notes.push(format!("{label}: no html, lexical or mobiledoc body; imported with an empty body"));
    (String::new(), GhostBody::Missing)
}

/// Ghost's dates: ISO 8601 in UTC, with or without milliseconds; "YYYY-MM-DD HH:MM:SS" (UTC)
/// in some Ghost 1 exports; milliseconds since 1970 in Ghost 0.x.
fn ghost_time(v: &Option<Value>) -> Option<Timestamp> {
    match v.as_ref()? {
        Value::String(s) => {
            let s = s.trim();
            s.parse::<Timestamp>().ok().or_else(|| {
                jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", s)
                    .ok()?
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .ok()
                    .map(|z| z.timestamp())
            })
        }
        Value::Number(n) => Timestamp::from_millisecond(n.as_i64()?).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ghost_url_is_resolved_without_a_double_slash() {
        assert_eq!(
            resolve_ghost_url(
                "__GHOST_URL__/content/images/a.jpg and __GHOST_URL__/about/",
                "https://x.example/"
            ),
            "https://x.example/content/images/a.jpg and https://x.example/about/"
        );
    }

    #[test]
    fn ghost_times_in_every_shape() {
        let t = |v: Value| ghost_time(&Some(v)).map(|t| t.to_string());
        assert_eq!(t(Value::from("2023-05-01T10:00:00.000Z")).as_deref(), Some("2023-05-01T10:00:00Z"));
        assert_eq!(t(Value::from("2023-05-01T10:00:00Z")).as_deref(), Some("2023-05-01T10:00:00Z"));
        assert_eq!(t(Value::from("2017-08-31 12:00:00")).as_deref(), Some("2017-08-31T12:00:00Z"));
        assert_eq!(t(Value::from(1_500_000_000_000i64)).as_deref(), Some("2017-07-14T02:40:00Z"));
        assert_eq!(t(Value::from("soon")), None);
        assert_eq!(ghost_time(&None), None);
    }

    #[test]
    fn the_three_envelopes_are_read() {
        let data = r#"{"posts":[{"id":"1","slug":"a","html":"<p>A</p>","status":"published"}]}"#;
        for doc in [
            format!(r#"{{"db":[{{"meta":{{"version":"5.0.0"}},"data":{data}}}]}}"#),
            format!(r#"{{"meta":{{}},"data":{data}}}"#),
            format!(r#"{{"data":{data}}}"#),
        ] {
            let site = parse_ghost(doc.as_bytes(), "g.json").unwrap();
            assert_eq!(site.posts[0].html, "<p>A</p>", "{doc}");
        }
    }

    #[test]
    fn a_missing_data_says_what_was_expected() {
        let e = parse_ghost(br#"{"posts": []}"#, "g.json").unwrap_err();
        assert_eq!(e.line, None);
        assert!(e.message.contains("there is no \"data\""), "{e}");
        let e = parse_ghost(br#"{"db": []}"#, "g.json").unwrap_err();
        assert!(e.message.contains("\"db\" is empty"), "{e}");
    }

    #[test]
    fn a_wrong_type_names_its_place() {
        let e = parse_ghost(b"{\"data\": {\n  \"posts\": 5}}", "g.json").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.starts_with("this is not a Ghost export as expected: invalid type"), "{e}");
    }

    #[test]
    fn an_invalid_base_is_refused() {
        let e = parse_ghost_with_base(b"{\"data\":{}}", "g.json", "news.example.org").unwrap_err();
        assert!(e.message.contains("not an absolute http(s) URL"), "{e}");
    }

    #[test]
    fn old_page_flags_and_numeric_ids() {
        let doc = br#"{"data":{"posts":[
            {"id":1,"slug":"a","page":1,"html":"x","author_id":7},
            {"id":2,"slug":"b","page":false,"html":"x"},
            {"id":3,"slug":"c","page":"true","html":"x"}]}}"#;
        let site = parse_ghost(doc, "g.json").unwrap();
        let pages: Vec<_> = site.posts.iter().map(|p| (p.id.as_str(), p.is_page)).collect();
        assert_eq!(pages, [("1", true), ("2", false), ("3", true)]);
        assert_eq!(site.posts[0].author_ids, ["7"]);
        assert_eq!(site.posts[0].status, GhostStatus::Draft, "a post without a status is a draft");
    }
}
