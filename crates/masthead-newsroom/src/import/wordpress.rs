//! A WordPress export (WXR, the .xml file Tools → Export writes) brought into this site.
//!
//! The export is read twice, streaming both times, never whole: the first pass
//! ([`WordpressExport::read`]) checks the whole file and gathers the small things (site,
//! authors, terms, attachments), so that a malformed export stops before anything is written
//! and a post can use an attachment that comes after it in the file; the second pass
//! ([`WordpressExport::import`]) turns posts and pages into articles.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use masthead_core::body::html_to_text;
use masthead_core::time::is_known_zone;
use masthead_core::{ArticleStatus, BodyFormat, NewArticle, NewAuthor, NewTerm, Slug, TermKind, render_body};
use masthead_import::{
    Attachment, Attachments, ItemTerm, WxrAuthor, WxrEvent, WxrItem, WxrReader, WxrSite, WxrTerm,
    wordpress_body, wp_time, wpautop,
};
use masthead_store::{Store, redirect_path};

use super::error::{Context, ImportError};
use crate::outbound::Outbound;

use super::importer::{Companions, FileAt, Importer, IncomingComment, distinct_addresses, slug_for};
use super::summary::Summary;

/// What to import from WordPress, and how.
#[derive(Debug, Clone)]
pub struct WordpressImport {
    /// The export file.
    pub export: PathBuf,
    /// WordPress's uploads folder (wp-content/uploads): images are copied into the site's media;
    /// without it they stay at their old address.
    pub uploads: Option<PathBuf>,
    /// What WordPress categories become: regions, themes or tags.
    pub categories_as: TermKind,
    /// The WordPress site's time zone, for dates it wrote without one: an IANA name
    /// (Europe/Belgrade) or an offset (UTC+2).
    pub time_zone: String,
    /// Read everything and say what would be done, writing nothing.
    pub dry_run: bool,
    /// With a client: images not found in `uploads` are downloaded from their old addresses
    /// through it (`--fetch-media`).
    pub fetch: Option<Outbound>,
}

/// A WordPress export read whole and found sound, with nothing written yet.
#[derive(Debug)]
pub struct WordpressExport {
    options: WordpressImport,
    /// The export as its file is named, in messages and the summary.
    name: String,
    scan: WxrScan,
}

impl WordpressExport {
    /// Checks the options and reads the whole export (the first pass), touching no database:
    /// an export that cannot be read is [`ImportError::Unreadable`].
    pub fn read(options: WordpressImport) -> Result<WordpressExport, ImportError> {
        if wp_time("", "2000-01-01 00:00:00", &options.time_zone).is_none() {
            return Err(ImportError::UnknownTimeZone(options.time_zone));
        }
        if let Some(dir) = &options.uploads
            && !dir.is_dir()
        {
            return Err(ImportError::NoUploadsFolder(dir.clone()));
        }
        let name = options.export.display().to_string();
        let scan = scan_wxr(&options.export, &name)?;
        // An import never reports success having found nothing.
        if scan.articles == 0 {
            return Err(ImportError::NothingFound { file: name, what: "posts or pages" });
        }
        Ok(WordpressExport { options, name, scan })
    }

    /// Imports the export into `store`, copying files into `media_dir`; `progress` hears
    /// (items read, items in the export) as posts are imported. After an error once writing
    /// has begun, the error is [`ImportError::Stopped`], with the summary of what was saved.
    pub async fn import(
        &self,
        store: &Store,
        media_dir: &Path,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<Summary, ImportError> {
        let (options, scan, name) = (&self.options, &self.scan, &self.name);
        let site = store.site().await.context("could not read the site settings")?;
        let origin = [&scan.site.base_blog_url, &scan.site.base_site_url, &scan.site.link]
            .into_iter()
            .map(|s| s.trim().trim_end_matches('/'))
            .find(|s| !s.is_empty())
            .unwrap_or(name)
            .to_owned();
        let zone = if is_known_zone(&options.time_zone) {
            options.time_zone.clone()
        } else {
            site.time_zone.clone()
        };
        let mut importer = Importer::new(
            store,
            format!("wordpress:{origin}"),
            options.dry_run,
            media_dir,
            options.fetch.clone(),
            name,
        );
        let result = import_wxr(&mut importer, options, scan, zone, progress).await;
        importer.finish(result)
    }
}

/// An attachment as the first pass saw it.
#[derive(Debug)]
struct WxrAttachment {
    attachment: Attachment,
    /// `_wp_attached_file`: its path under the uploads folder.
    file: Option<String>,
}

/// What the first pass gathers: everything but posts and pages, which stay in the file.
#[derive(Debug, Default)]
struct WxrScan {
    site: WxrSite,
    authors: Vec<WxrAuthor>,
    terms: Vec<WxrTerm>,
    attachments: Vec<(i64, WxrAttachment)>,
    /// A post → its attached files (menu order, id), for a `[gallery]` that names none.
    attached: HashMap<i64, Vec<(i64, i64)>>,
    items: usize,
    /// Posts and pages among the items.
    articles: usize,
    /// Logins that posts name but the export does not list.
    unlisted_authors: Vec<String>,
    /// Terms that posts are filed under but the export does not list.
    unlisted_terms: Vec<ItemTerm>,
    /// Co-Authors Plus bylines (the `author` taxonomy) that name no listed login: (login, name).
    coauthors: Vec<(String, String)>,
}

/// The login a Co-Authors Plus byline names: its term's slug, without the plugin's `cap-`.
fn coauthor_login(term: &ItemTerm) -> &str {
    term.nicename.strip_prefix("cap-").unwrap_or(&term.nicename)
}

fn is_article(item: &WxrItem) -> bool {
    matches!(item.post_type.as_str(), "post" | "page")
}

/// The taxonomy of a listed term, as items name it.
fn taxonomy(kind: &masthead_import::TermKind) -> &str {
    match kind {
        masthead_import::TermKind::Category => "category",
        masthead_import::TermKind::Tag => "post_tag",
        masthead_import::TermKind::Other(name) => name,
    }
}

/// The first pass: checks the whole file and gathers what the second pass needs.
fn scan_wxr(path: &Path, name: &str) -> Result<WxrScan, ImportError> {
    let file = File::open(path).with_context(|| format!("could not open {name}"))?;
    let mut scan = WxrScan::default();
    let mut logins = HashSet::new();
    let mut terms = HashSet::new();
    for event in WxrReader::new(BufReader::new(file), name) {
        match event.map_err(ImportError::Unreadable)? {
            WxrEvent::Site(site) => scan.site = site,
            WxrEvent::Author(author) => {
                logins.insert(author.login.clone());
                scan.authors.push(author);
            }
            WxrEvent::Term(term) => {
                terms.insert((taxonomy(&term.kind).to_owned(), term.slug.clone()));
                scan.terms.push(term);
            }
            WxrEvent::Item(item) => {
                scan.items += 1;
                if let (Some(attachment), Some(id)) = (item.attachment(), item.post_id) {
                    let file = item.meta("_wp_attached_file").map(str::to_owned);
                    if item.parent_id > 0 {
                        scan.attached.entry(item.parent_id).or_default().push((item.menu_order, id));
                    }
                    scan.attachments.push((id, WxrAttachment { attachment, file }));
                } else if is_article(&item) {
                    scan.articles += 1;
                    for term in item.categories.iter().filter(|t| t.domain == "author") {
                        let login = coauthor_login(term).to_owned();
                        if !login.is_empty() && logins.insert(login.clone()) {
                            scan.coauthors.push((login, term.name.clone()));
                        }
                    }
                    if !item.creator.is_empty() && logins.insert(item.creator.clone()) {
                        scan.unlisted_authors.push(item.creator.clone());
                    }
                    for term in &item.categories {
                        if matches!(term.domain.as_str(), "category" | "post_tag")
                            && terms.insert((term.domain.clone(), term.nicename.clone()))
                        {
                            scan.unlisted_terms.push(term.clone());
                        }
                    }
                }
            }
        }
    }
    Ok(scan)
}

/// What articles need from the phases before them.
#[derive(Debug, Default)]
struct WxrContext {
    /// Login → author.
    authors: HashMap<String, i64>,
    /// (taxonomy, slug) → term.
    terms: HashMap<(String, String), i64>,
    /// Attachment → what shortcodes show (its copy's address when copied) and its media record.
    attachments: HashMap<i64, (Attachment, Option<i64>)>,
    /// A post → its attached images, in WordPress's order.
    attached: HashMap<i64, Vec<i64>>,
    /// Where the old site's uploads were: "https://old.example/wp-content/uploads/".
    upload_prefixes: Vec<String>,
    uploads: Option<PathBuf>,
    /// For `wp_time`: an IANA name or WordPress's "UTC+2".
    wordpress_zone: String,
    /// The zone articles are shown in.
    zone: String,
}

async fn import_wxr(
    im: &mut Importer<'_>,
    options: &WordpressImport,
    scan: &WxrScan,
    zone: String,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<(), ImportError> {
    let mut cx = WxrContext {
        uploads: options.uploads.clone(),
        wordpress_zone: options.time_zone.clone(),
        zone,
        ..WxrContext::default()
    };
    for author in &scan.authors {
        let id = im.author(&format!("author:{}", author.login), wxr_author(author)).await?;
        cx.authors.insert(author.login.clone(), id);
    }
    for login in &scan.unlisted_authors {
        let key = format!("author:{login}");
        im.summary
            .alter(&key, "posts name this login, but the export does not list it: named after the login");
        let author = WxrAuthor { login: login.clone(), ..WxrAuthor::default() };
        let id = im.author(&key, wxr_author(&author)).await?;
        cx.authors.insert(login.clone(), id);
    }
    // Co-Authors Plus guest authors: bylines that are not WordPress users.
    for (login, name) in &scan.coauthors {
        let author = WxrAuthor { login: login.clone(), display_name: name.clone(), ..WxrAuthor::default() };
        let id = im.author(&format!("author:{login}"), wxr_author(&author)).await?;
        cx.authors.insert(login.clone(), id);
    }
    wxr_terms(im, scan, options.categories_as, &mut cx).await?;
    wxr_attachments(im, scan, &mut cx).await?;

    // The second pass: posts and pages.
    let name = im.summary.export.clone();
    let file = File::open(&options.export).with_context(|| format!("could not open {name} again"))?;
    let mut read = 0;
    for event in WxrReader::new(BufReader::new(file), &name) {
        let WxrEvent::Item(item) = event.map_err(ImportError::Changed)? else { continue };
        read += 1;
        progress(read, scan.items);
        let label = item.label();
        match item.post_type.as_str() {
            "post" | "page" => {}
            // Brought in as media before the posts.
            "attachment" => continue,
            "nav_menu_item" => {
                im.summary.skip(label, "a menu entry: Masthead's navigation is its regions and themes");
                continue;
            }
            "revision" => {
                im.summary.skip(label, format!("an earlier version of post {}", item.parent_id));
                continue;
            }
            other => {
                im.summary.skip(label, format!("Masthead has no place for WordPress's {other:?} posts"));
                continue;
            }
        }
        if let Some((article, companions)) = wxr_article(im, &cx, &item).await? {
            im.article(article, companions).await?;
        }
    }
    im.flush().await
}

fn wxr_author(author: &WxrAuthor) -> NewAuthor {
    let full = format!("{} {}", author.first_name.trim(), author.last_name.trim());
    let name = [author.display_name.trim(), full.trim(), author.login.trim()]
        .into_iter()
        .find(|n| !n.is_empty())
        .unwrap_or("Unknown author")
        .to_owned();
    let slug = Slug::parse(&author.login)
        .or_else(|_| Slug::from_title(&author.login))
        .or_else(|_| Slug::from_title(&name))
        .unwrap_or_else(|_| Slug::parse("author").expect("a valid literal slug"));
    NewAuthor { slug, name, bio: String::new(), links: Vec::new(), avatar_media_id: None, outlet_id: None }
}

/// Categories (as `kind`) and tags, parents before children whatever their order in the file,
/// and their old archive addresses redirected.
async fn wxr_terms(
    im: &mut Importer<'_>,
    scan: &WxrScan,
    kind: TermKind,
    cx: &mut WxrContext,
) -> Result<(), ImportError> {
    struct Incoming {
        taxonomy: String,
        slug: String,
        name: String,
        description: String,
        parent: Option<String>,
    }
    let mut incoming = Vec::new();
    for term in &scan.terms {
        match &term.kind {
            masthead_import::TermKind::Other(taxonomy) => im
                .summary
                .skip(format!("{taxonomy} {}", term.slug), format!("Masthead has no {taxonomy:?} terms")),
            listed => incoming.push(Incoming {
                taxonomy: taxonomy(listed).to_owned(),
                slug: term.slug.clone(),
                name: term.name.clone(),
                description: html_to_text(&term.description),
                parent: term.parent_slug.clone().filter(|p| !p.is_empty()),
            }),
        }
    }
    incoming.extend(scan.unlisted_terms.iter().map(|t| Incoming {
        taxonomy: t.domain.clone(),
        slug: t.nicename.clone(),
        name: t.name.clone(),
        description: String::new(),
        parent: None,
    }));
    let listed: HashSet<(String, String)> =
        incoming.iter().map(|t| (t.taxonomy.clone(), t.slug.clone())).collect();
    // Old archive addresses, "/category/europe/balkans/", built as parents are placed.
    let mut archive_paths: HashMap<(String, String), String> = HashMap::new();
    while !incoming.is_empty() {
        let placed = |t: &Incoming| {
            t.parent.as_ref().is_none_or(|p| {
                let parent = (t.taxonomy.clone(), p.clone());
                cx.terms.contains_key(&parent) || !listed.contains(&parent)
            })
        };
        let (mut ready, rest): (Vec<Incoming>, Vec<Incoming>) = incoming.into_iter().partition(placed);
        if ready.is_empty() {
            // Terms that are each other's parents: the first is put at the top to break the circle.
            let mut rest = rest.into_iter();
            let mut first = rest.next().expect("the loop runs while terms remain");
            im.summary.alter(
                format!("{} {}", first.taxonomy, first.slug),
                "its parents form a circle: it is put at the top",
            );
            first.parent = None;
            ready.push(first);
            incoming = rest.collect();
        } else {
            incoming = rest;
        }
        for term in ready {
            let category = term.taxonomy == "category";
            let (term_kind, key, archive) = if category {
                (kind, format!("category:{}", term.slug), "category")
            } else {
                (TermKind::Tag, format!("tag:{}", term.slug), "tag")
            };
            let label = format!("{} {}", if category { "category" } else { "tag" }, term.slug);
            let parent_key = term.parent.as_ref().map(|p| (term.taxonomy.clone(), p.clone()));
            let parent_id = match &parent_key {
                None => None,
                Some(parent) if !term_kind.is_hierarchical() => {
                    im.summary
                        .alter(&label, format!("under {} in WordPress; tags have no parents", parent.1));
                    None
                }
                Some(parent) => match cx.terms.get(parent) {
                    Some(&id) => Some(id),
                    None => {
                        im.summary.alter(
                            &label,
                            format!("its parent {} is not in the export: it is at the top", parent.1),
                        );
                        None
                    }
                },
            };
            let fallback = format!("{archive}-{}", cx.terms.len() + 1);
            let slug = slug_for(&mut im.summary, &label, &term.slug, &term.name, &fallback);
            let new = NewTerm {
                kind: term_kind,
                slug,
                name: term.name.clone(),
                description: term.description.clone(),
                parent_id,
            };
            let (id, slug) = im.term(&key, new).await?;
            let path = match parent_key.as_ref().and_then(|p| archive_paths.get(p)) {
                Some(parent_path) if category => format!("{parent_path}/{}", term.slug),
                _ => format!("/{archive}/{}", term.slug),
            };
            archive_paths.insert((term.taxonomy.clone(), term.slug.clone()), path.clone());
            // Tags keep their address, /tag/slug, when the slug did not change.
            let to = format!("/{}/{slug}", term_kind.key());
            if redirect_path(&path).is_ok_and(|from| from != to) {
                im.redirect(&label, &path, &to).await?;
            }
            cx.terms.insert((term.taxonomy, term.slug), id);
        }
    }
    Ok(())
}

/// Attachments: copied into the media when the uploads folder has them, else left at their old
/// address and listed.
async fn wxr_attachments(
    im: &mut Importer<'_>,
    scan: &WxrScan,
    cx: &mut WxrContext,
) -> Result<(), ImportError> {
    let mut prefixes = Vec::new();
    let base = scan.site.base_site_url.trim().trim_end_matches('/');
    if !base.is_empty() {
        prefixes.push(format!("{base}/wp-content/uploads/"));
    }
    for (id, found) in &scan.attachments {
        let label = format!("attachment {id}");
        let mut attachment = found.attachment.clone();
        let mut media_id = None;
        if let Some(file) = &found.file
            && let Some(prefix) = attachment.url.strip_suffix(file.as_str())
            && !prefix.is_empty()
            && !prefixes.iter().any(|p| p == prefix)
        {
            prefixes.push(prefix.to_owned());
        }
        let rel = found.file.as_deref().unwrap_or_default();
        let at = FileAt {
            dir: cx.uploads.as_deref().filter(|_| !rel.is_empty()),
            rel,
            url: &attachment.url,
            label: &label,
        };
        let placed = match (at.dir.is_some(), im.fetches()) {
            (false, false) => None,
            _ => im.media_file(&format!("attachment:{id}"), at, &attachment.alt).await?,
        };
        match (placed, &cx.uploads, &found.file) {
            (Some((id, public)), _, _) => {
                attachment.url = public;
                media_id = Some(id);
            }
            (None, Some(dir), Some(_)) => {
                im.summary.remote(label, &attachment.url, Some(format!("not found in {}", dir.display())))
            }
            (None, Some(_), None) => {
                im.summary.remote(label, &attachment.url, Some("the export does not name its file".into()))
            }
            (None, None, _) => im.summary.remote(label, &attachment.url, None),
        }
        cx.attachments.insert(*id, (attachment, media_id));
    }
    cx.upload_prefixes = prefixes;
    for (post, files) in &scan.attached {
        let mut files = files.clone();
        files.sort_unstable();
        // A gallery shows images; an attached PDF or recording is not one.
        let images = files
            .into_iter()
            .map(|(_, id)| id)
            .filter(|id| cx.attachments.get(id).is_some_and(|(a, _)| looks_like_image(&a.url)))
            .collect();
        cx.attached.insert(*post, images);
    }
    Ok(())
}

/// Whether an attachment's address names an image file.
fn looks_like_image(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"].iter().any(|ext| path.ends_with(ext))
}

/// A post or page as an article, or None when it is not imported (noted).
async fn wxr_article(
    im: &mut Importer<'_>,
    cx: &WxrContext,
    item: &WxrItem,
) -> Result<Option<(NewArticle, Companions)>, ImportError> {
    let label = if item.title.trim().is_empty() {
        item.label()
    } else {
        format!("{} ({})", item.label(), item.title.trim())
    };
    let date = wp_time(&item.post_date_gmt, &item.post_date, &cx.wordpress_zone);
    let (status, published_at) = match item.status.as_str() {
        "publish" => (ArticleStatus::Published, date),
        "draft" => (ArticleStatus::Draft, None),
        "pending" => {
            im.summary.alter(&label, "pending review in WordPress: a draft here");
            (ArticleStatus::Draft, None)
        }
        "private" => {
            im.summary.alter(&label, "private in WordPress: a draft here, so that it stays unseen");
            (ArticleStatus::Draft, None)
        }
        "future" => match date {
            Some(at) => (ArticleStatus::Scheduled, Some(at)),
            None => {
                im.summary.alter(&label, "scheduled without a date in WordPress: a draft here");
                (ArticleStatus::Draft, None)
            }
        },
        "trash" => {
            im.summary.skip(label, "in WordPress's trash");
            return Ok(None);
        }
        other => {
            im.summary.skip(label, format!("its status {other:?} is not one Masthead imports"));
            return Ok(None);
        }
    };
    if item.post_type == "page" {
        im.summary.alter(&label, "a page: Masthead has no pages, so it is an article");
    }
    if item.is_sticky {
        im.summary.alter(&label, "sticky in WordPress: Masthead cannot pin articles yet");
    }
    let title = masthead_core::text::plain_title(&item.title);
    let title = match title.trim() {
        "" => {
            im.summary.alter(&label, "it has no title: it is called Untitled");
            "Untitled".to_owned()
        }
        title => title.to_owned(),
    };
    let slug = slug_for(
        &mut im.summary,
        &label,
        &item.post_name,
        &title,
        &match item.post_id {
            Some(id) => format!("post-{id}"),
            None => "post".to_owned(),
        },
    );

    let attachments = &cx.attachments;
    let attached = item.post_id.and_then(|id| cx.attached.get(&id)).cloned().unwrap_or_default();
    let expanded = wordpress_body(
        &item.content_html,
        &Attachments { by_id: &|id| attachments.get(&id).map(|(a, _)| a.clone()), attached: &attached },
    );
    let mut unknown: Vec<&String> = Vec::new();
    for name in &expanded.unknown {
        if !unknown.contains(&name) {
            unknown.push(name);
        }
    }
    for name in unknown {
        let reason = match name.strip_prefix("gallery:") {
            Some(id) => format!("its gallery names attachment {id}, which is not in the export"),
            None if name == "gallery" => {
                "its gallery shows the post's attached images, and the export has none: it is left out"
                    .to_owned()
            }
            None => format!("the shortcode [{name}] is kept as text: nothing here renders it"),
        };
        im.summary.alter(&label, reason);
    }
    let mut html = expanded.html;
    if cx.uploads.is_some() || im.fetches() {
        for prefix in &cx.upload_prefixes {
            html = im.localise(&label, &html, prefix, cx.uploads.as_deref()).await?;
        }
    }
    // Frames and players become cards or links, each loss named, rather than vanish in the
    // sanitiser.
    let cards = masthead_core::media_cards::media_cards(&html);
    for note in cards.notes {
        im.summary.alter(&label, note);
    }
    let html = cards.html;
    let body = match render_body(BodyFormat::Html, &html) {
        Ok(body) => body,
        Err(refusal) => {
            im.summary.skip(label, format!("left out: {refusal}"));
            return Ok(None);
        }
    };

    let (mut featured_media_id, mut featured_alt) = (None, String::new());
    if let Some(thumbnail) = item.thumbnail_id() {
        match attachments.get(&thumbnail) {
            Some((attachment, Some(media_id))) => {
                featured_media_id = Some(*media_id);
                featured_alt = attachment.alt.clone();
            }
            // Not copied: kept at its old address, so that the article keeps its lead image.
            Some((attachment, None)) => {
                let key = format!("attachment:{thumbnail}");
                match im.image_left_in_place(&key, &attachment.url, &attachment.alt, "").await? {
                    Some(id) => {
                        featured_media_id = Some(id);
                        featured_alt = attachment.alt.clone();
                    }
                    None => im.summary.alter(
                        &label,
                        format!("its featured image (attachment {thumbnail}) is not an image address, so it has none here"),
                    ),
                }
            }
            None => im
                .summary
                .alter(&label, format!("its featured image (attachment {thumbnail}) is not in the export")),
        }
    }
    // Co-Authors Plus lists every byline, in order, as terms of its `author` taxonomy; without
    // it, the post's one author.
    let mut author_ids: Vec<i64> = Vec::new();
    for term in item.categories.iter().filter(|t| t.domain == "author") {
        if let Some(&id) = cx.authors.get(coauthor_login(term))
            && !author_ids.contains(&id)
        {
            author_ids.push(id);
        }
    }
    if author_ids.is_empty() {
        author_ids.extend(cx.authors.get(&item.creator).copied());
    }
    if author_ids.is_empty() {
        im.summary.alter(&label, "it names no author: it has no byline");
    }
    let mut term_ids = Vec::new();
    for term in &item.categories {
        if let Some(&id) = cx.terms.get(&(term.domain.clone(), term.nicename.clone()))
            && !term_ids.contains(&id)
        {
            term_ids.push(id);
        }
    }

    let mut comments = Vec::new();
    for c in &item.comments {
        let key = format!("comment:{}", c.id);
        if !c.approved {
            im.summary.skip(format!("{label}, {key}"), "not approved");
            continue;
        }
        if !matches!(c.comment_type.as_str(), "" | "comment") {
            im.summary.skip(format!("{label}, {key}"), format!("a {}, not a comment", c.comment_type));
            continue;
        }
        let body_html = match render_body(BodyFormat::Html, &wpautop(&c.content)) {
            Ok(body) => body.html,
            Err(refusal) => {
                im.summary.skip(format!("{label}, {key}"), format!("left out: {refusal}"));
                continue;
            }
        };
        comments.push(IncomingComment {
            key,
            parent_key: (c.parent_id != 0).then(|| format!("comment:{}", c.parent_id)),
            author_name: c.author.clone(),
            author_email: c.author_email.clone(),
            author_url: c.author_url.clone(),
            body_html,
            created_at: wp_time(&c.date_gmt, "", "UTC").or(date).unwrap_or_else(Timestamp::now),
        });
    }

    let mut old = Vec::new();
    old.extend(item.link.clone());
    if let Some(id) = item.post_id {
        old.push(format!("/?p={id}"));
        if item.post_type == "page" {
            old.push(format!("/?page_id={id}"));
        }
    }
    let article = NewArticle {
        slug,
        title,
        dek: String::new(),
        body,
        excerpt: html_to_text(&item.excerpt),
        status,
        published_at,
        time_zone: cx.zone.clone(),
        author_ids,
        term_ids,
        featured_media_id,
        featured_alt,
        featured_credit: String::new(),
        reuse_policy: None,
        origins: Vec::new(),
        language: String::new(),
        translation_of: None,
    };
    let companions = Companions { key: item.key(), label, old_addresses: distinct_addresses(old), comments };
    Ok(Some((article, companions)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Jobs run imports on spawned tasks, which needs futures that may move between threads.
    #[test]
    fn an_import_can_run_on_a_spawned_task() {
        fn sendable<T: Send>(_: &T) {}
        let _ = |export: &WordpressExport, store: &Store| {
            sendable(&export.import(store, Path::new("media"), &|_, _| {}));
        };
    }
}
