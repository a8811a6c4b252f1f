//! A Ghost export (the .json file Settings → Labs → Export writes) brought into this site. It is
//! one JSON document, read whole as Ghost writes it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use masthead_core::body::html_to_text;
use masthead_core::{
    AbsoluteUrl, ArticleStatus, AuthorLink, BodyFormat, NewArticle, NewAuthor, NewTerm, Slug, TermKind,
    render_body,
};
use masthead_import::{GhostPost, GhostSite, GhostStatus, parse_ghost, parse_ghost_with_base};
use masthead_store::Store;
use url::Url;

use super::error::{Context, ImportError};
use super::importer::{Companions, FileAt, Importer, distinct_addresses, slug_for};
use super::summary::Summary;
use crate::outbound::Outbound;

/// What to import from Ghost, and how.
#[derive(Debug, Clone)]
pub struct GhostImport {
    /// The export file.
    pub export: PathBuf,
    /// Ghost's images folder (content/images): feature images are copied into the site's media;
    /// without it they stay at their old address.
    pub images: Option<PathBuf>,
    /// The Ghost site's address, for the __GHOST_URL__ in its links (default: the export's, else
    /// this site's).
    pub base_url: Option<Url>,
    /// Read everything and say what would be done, writing nothing.
    pub dry_run: bool,
    /// With a client: images not found in `images` are downloaded from their old addresses
    /// through it (`--fetch-media`).
    pub fetch: Option<Outbound>,
}

/// A Ghost export read whole and found sound, with nothing written yet.
#[derive(Debug)]
pub struct GhostExport {
    options: GhostImport,
    /// The export as its file is named, in messages and the summary.
    name: String,
    bytes: Vec<u8>,
    parsed: GhostSite,
}

impl GhostExport {
    /// Checks the options and reads the whole export, touching no database: an export that
    /// cannot be read is [`ImportError::Unreadable`].
    pub fn read(options: GhostImport) -> Result<GhostExport, ImportError> {
        if let Some(dir) = &options.images
            && !dir.is_dir()
        {
            return Err(ImportError::NoImagesFolder(dir.clone()));
        }
        let name = options.export.display().to_string();
        let bytes = std::fs::read(&options.export).with_context(|| format!("could not read {name}"))?;
        let parsed = match &options.base_url {
            Some(base) => parse_ghost_with_base(&bytes, &name, base.as_str()),
            None => parse_ghost(&bytes, &name),
        }
        .map_err(ImportError::Unreadable)?;
        // An import never reports success having found nothing (a file in another shape reads
        // as an export without posts).
        if parsed.posts.is_empty() {
            return Err(ImportError::NothingFound { file: name, what: "posts or pages" });
        }
        Ok(GhostExport { options, name, bytes, parsed })
    }

    /// Imports the export into `store`, copying files into `media_dir`; `progress` hears
    /// (posts done, posts in the export). After an error once writing has begun, the error is
    /// [`ImportError::Stopped`], with the summary of what was saved.
    pub async fn import(
        &self,
        store: &Store,
        media_dir: &Path,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<Summary, ImportError> {
        let site = store.site().await.context("could not read the site settings")?;
        // Ghost's own exports do not say where the site was: its links then name this site.
        let reparsed;
        let parsed = match self.parsed.base_url {
            Some(_) => &self.parsed,
            None => {
                reparsed = parse_ghost_with_base(&self.bytes, &self.name, site.base_url.as_str())
                    .map_err(ImportError::Unreadable)?;
                &reparsed
            }
        };
        // Ghost's ids are its own (unique across sites), so the keys never depend on an address
        // that may differ from one run to the next.
        let mut importer = Importer::new(
            store,
            "ghost".to_owned(),
            self.options.dry_run,
            media_dir,
            self.options.fetch.clone(),
            &self.name,
        );
        let result = import_ghost(&mut importer, &self.options, parsed, &site.time_zone, progress).await;
        importer.finish(result)
    }
}

async fn import_ghost(
    im: &mut Importer<'_>,
    options: &GhostImport,
    site: &GhostSite,
    zone: &str,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<(), ImportError> {
    let mut tags = HashMap::new();
    for tag in &site.tags {
        let label = format!("tag {}", tag.slug);
        let slug =
            slug_for(&mut im.summary, &label, &tag.slug, &tag.name, &format!("tag-{}", tags.len() + 1));
        let new = NewTerm {
            kind: TermKind::Tag,
            slug,
            name: tag.name.clone(),
            description: tag.description.clone().unwrap_or_default(),
            parent_id: None,
        };
        let (id, _) = im.term(&format!("tag:{}", tag.id), new).await?;
        tags.insert(tag.id.clone(), id);
    }
    if site.skipped_internal_tags > 0 {
        im.summary.skip(
            "internal tags",
            format!(
                "{} left out: Ghost's own switches (#name), not the newsroom's topics",
                site.skipped_internal_tags
            ),
        );
    }
    let mut authors = HashMap::new();
    for author in &site.authors {
        let links = author
            .website
            .as_deref()
            .and_then(|w| AbsoluteUrl::parse(w).ok())
            .map(|url| AuthorLink { label: "Website".into(), url })
            .into_iter()
            .collect();
        let slug = Slug::parse(&author.slug)
            .or_else(|_| Slug::from_title(&author.slug))
            .or_else(|_| Slug::from_title(&author.name))
            .unwrap_or_else(|_| Slug::parse("author").expect("a valid literal slug"));
        let new = NewAuthor {
            slug,
            name: author.name.clone(),
            bio: author.bio.clone().unwrap_or_default(),
            links,
            avatar_media_id: None,
            outlet_id: None,
        };
        let id = im.author(&user_key(author), new).await?;
        authors.insert(author.id.clone(), id);
    }
    for note in &site.notes {
        match note.split_once(": ") {
            Some((item, reason)) => im.summary.alter(item, reason),
            None => im.summary.alter("export", note.as_str()),
        }
    }
    let base = site.base_url.clone().unwrap_or_default();
    for (done, post) in site.posts.iter().enumerate() {
        progress(done + 1, site.posts.len());
        if let Some((article, companions)) =
            ghost_article(im, options, post, &base, zone, &authors, &tags).await?
        {
            im.article(article, companions).await?;
        }
    }
    im.flush().await
}

/// How a Ghost user is known from one import to the next. Ghost's ids are unique across sites,
/// except the owner's, which is "1" on every site: the owner is known by e-mail, else by slug.
fn user_key(author: &masthead_import::GhostAuthor) -> String {
    let object_id = author.id.len() == 24 && author.id.chars().all(|c| c.is_ascii_hexdigit());
    match &author.email {
        _ if object_id => format!("user:{}", author.id),
        Some(email) if !email.trim().is_empty() => format!("user-email:{}", email.trim().to_lowercase()),
        _ => format!("user-slug:{}", author.slug),
    }
}

/// The path of a Ghost image under `/content/images/`.
fn ghost_image_path(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("/content/images/")?;
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    (!rest.is_empty()).then_some(rest)
}

fn host(url: &str) -> Option<String> {
    Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned))
}

/// A Ghost post or page as an article, or None when it is not imported (noted).
async fn ghost_article(
    im: &mut Importer<'_>,
    options: &GhostImport,
    post: &GhostPost,
    base: &str,
    zone: &str,
    authors: &HashMap<String, i64>,
    tags: &HashMap<String, i64>,
) -> Result<Option<(NewArticle, Companions)>, ImportError> {
    let label = format!("{} {}", if post.is_page { "page" } else { "post" }, post.slug);
    let (status, published_at) = match &post.status {
        GhostStatus::Published => (ArticleStatus::Published, post.published_at),
        GhostStatus::Draft => (ArticleStatus::Draft, None),
        GhostStatus::Scheduled => match post.published_at {
            Some(at) => (ArticleStatus::Scheduled, Some(at)),
            None => {
                im.summary.alter(&label, "scheduled without a date in Ghost: a draft here");
                (ArticleStatus::Draft, None)
            }
        },
        GhostStatus::Sent => {
            im.summary.skip(label, "sent as a newsletter only, never on the site");
            return Ok(None);
        }
        GhostStatus::Other(other) => {
            im.summary.skip(label, format!("its status {other:?} is not one Masthead imports"));
            return Ok(None);
        }
    };
    if post.is_page {
        im.summary.alter(&label, "a page: Masthead has no pages, so it is an article");
    }
    let title = masthead_core::text::plain_title(&post.title);
    let title = match title.trim() {
        "" => {
            im.summary.alter(&label, "it has no title: it is called Untitled");
            "Untitled".to_owned()
        }
        title => title.to_owned(),
    };
    let slug = slug_for(&mut im.summary, &label, &post.slug, &title, &format!("post-{}", post.id));
    let mut html = post.html.clone();
    if (options.images.is_some() || im.fetches()) && !base.is_empty() {
        html =
            im.localise(&label, &html, &format!("{base}/content/images/"), options.images.as_deref()).await?;
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

    let mut featured_media_id = None;
    let featured_alt = post.feature_image_alt.clone().unwrap_or_default();
    let featured_credit = post.feature_image_caption.as_deref().map(html_to_text).unwrap_or_default();
    if let Some(image) = &post.feature_image {
        let rel = ghost_image_path(image).unwrap_or_default();
        let dir = options.images.as_deref().filter(|_| !rel.is_empty());
        if dir.is_some() || im.fetches() {
            let at = FileAt { dir, rel, url: image, label: &label };
            // An image of Ghost's own folder is known by its path there, any other by its address.
            let key = if rel.is_empty() { format!("feature:{image}") } else { format!("file:{rel}") };
            featured_media_id = im.media_file(&key, at, &featured_alt).await?.map(|(id, _)| id);
        }
        // Neither copied nor downloaded: kept at its old address with its credit, so that the
        // article keeps its lead image.
        if featured_media_id.is_none() {
            let key = format!("feature:{image}");
            featured_media_id = im.image_left_in_place(&key, image, &featured_alt, &featured_credit).await?;
            let why = match (&options.images, featured_media_id) {
                (Some(dir), Some(_)) => format!("not found in {}; shown from there", dir.display()),
                (None, Some(_)) => "its feature image, shown from there".to_owned(),
                (_, None) => "its feature image is not an image address; it has none here".to_owned(),
            };
            im.summary.remote(&label, image, Some(why));
        }
    }
    if let Some(canonical) = &post.canonical_url
        && host(canonical) != host(base)
    {
        im.summary.alter(
            &label,
            format!(
                "its canonical address is {canonical}; Masthead does not keep one, so it is only noted here"
            ),
        );
    }
    let mut author_ids = Vec::new();
    for id in &post.author_ids {
        match authors.get(id) {
            Some(&author) if !author_ids.contains(&author) => author_ids.push(author),
            Some(_) => {}
            None => im.summary.alter(&label, format!("its author {id} is not in the export")),
        }
    }
    let term_ids = post.tag_ids.iter().filter_map(|id| tags.get(id).copied()).collect();
    let article = NewArticle {
        slug,
        title,
        dek: String::new(),
        body,
        excerpt: post.excerpt.clone().unwrap_or_default(),
        status,
        published_at,
        time_zone: zone.to_owned(),
        author_ids,
        term_ids,
        featured_media_id,
        featured_alt: if featured_media_id.is_some() { featured_alt } else { String::new() },
        featured_credit: if featured_media_id.is_some() { featured_credit } else { String::new() },
        reuse_policy: None,
        origins: Vec::new(),
        language: String::new(),
        translation_of: None,
    };
    // Ghost's default permalink is /{slug}/.
    let old = if post.slug.is_empty() { Vec::new() } else { vec![format!("/{}/", post.slug)] };
    let companions = Companions {
        key: format!("post:{}", post.id),
        label,
        old_addresses: distinct_addresses(old),
        comments: Vec::new(),
    };
    Ok(Some((article, companions)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Jobs run imports on spawned tasks, which needs futures that may move between threads.
    #[test]
    fn an_import_can_run_on_a_spawned_task() {
        fn sendable<T: Send>(_: &T) {}
        let _ = |export: &GhostExport, store: &Store| {
            sendable(&export.import(store, Path::new("media"), &|_, _| {}));
        };
    }
}
