//! Demo content for a new site: "The Meridian", a small outlet of independent analysis, with
//! its partners, authors, regions, themes and articles, two of them republished with their
//! provenance. Written for the project (`content/demo.json`); the illustrations are drawn here
//! as SVG, so nothing is downloaded.
//!
//! Seeding only ever fills an empty site: it never touches a database that has articles.

use std::collections::HashMap;
use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use masthead_core::article::NewOrigin;
use masthead_core::{
    ArticleStatus, AuthorLink, BodyFormat, NewArticle, NewAuthor, NewMedia, NewOutlet, NewTerm, ReusePolicy,
    Site, Slug, TermKind, render_body,
};
use masthead_store::{Store, StoreError};
use serde::Deserialize;
use url::Url;

mod art;
pub mod synthetic;

const CONTENT: &str = include_str!("../content/demo.json");

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo content is invalid: {0}")]
    Content(String),
    #[error("could not write demo image {path}: {source}")]
    Image { path: String, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What seeding did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seeded {
    /// The site already had articles; nothing was changed.
    AlreadyHasContent,
    Filled {
        articles: usize,
        authors: usize,
    },
}

#[derive(Debug, Deserialize)]
struct Content {
    outlets: Vec<OutletData>,
    authors: Vec<AuthorData>,
    terms: Vec<TermData>,
    articles: Vec<ArticleData>,
}

#[derive(Debug, Deserialize)]
struct OutletData {
    slug: Slug,
    name: String,
    homepage: masthead_core::AbsoluteUrl,
}

#[derive(Debug, Deserialize)]
struct AuthorData {
    slug: Slug,
    name: String,
    bio: String,
    outlet: Option<Slug>,
    #[serde(default)]
    links: Vec<AuthorLink>,
}

#[derive(Debug, Deserialize)]
struct TermData {
    kind: TermKind,
    slug: Slug,
    name: String,
    description: String,
    parent: Option<Slug>,
}

#[derive(Debug, Deserialize)]
struct ArticleData {
    slug: Slug,
    title: String,
    dek: String,
    authors: Vec<Slug>,
    regions: Vec<Slug>,
    themes: Vec<Slug>,
    tags: Vec<Slug>,
    hours_ago: i64,
    policy: Option<ReusePolicy>,
    image: ImageData,
    origins: Vec<OriginData>,
    body: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ImageData {
    alt: String,
    credit: String,
    motif: String,
    palette: usize,
}

#[derive(Debug, Deserialize)]
struct OriginData {
    outlet: Slug,
    url: masthead_core::AbsoluteUrl,
    hours_before: i64,
    byline: String,
}

fn content() -> Result<Content, DemoError> {
    serde_json::from_str(CONTENT).map_err(|e| DemoError::Content(e.to_string()))
}

/// The demo outlet's settings, served at `base_url`.
pub fn demo_site(base_url: Url) -> Site {
    Site {
        title: "The Meridian".into(),
        tagline: "Independent analysis from the edges of the map".into(),
        base_url,
        language: "en".into(),
        time_zone: "Europe/Belgrade".into(),
        copyright_holder: "The Meridian".into(),
        note_to_readers: "Please share this article widely: use the buttons below, or forward it to your e-mail lists. \
             Community sites may cross-post it with its source, the copyright notice and a link back."
            .into(),
        membership_call: "The Meridian is funded by its readers, not by advertisers. Become a member for the price of a coffee a month."
            .into(),
        media_contact: "press@meridian.example".into(),
        default_policy: ReusePolicy::CommunityCrossPost,
        ..Site::default()
    }
}

/// Fills an empty site with the demo outlet, dating its articles back from `now`. Images are
/// written under `<media_dir>/demo/` before anything goes into the database.
pub async fn seed(
    store: &Store,
    media_dir: &Path,
    base_url: Url,
    now: Timestamp,
) -> Result<Seeded, DemoError> {
    if store.article_count().await? > 0 {
        return Ok(Seeded::AlreadyHasContent);
    }
    let content = content()?;

    let demo_dir = media_dir.join("demo");
    std::fs::create_dir_all(&demo_dir)
        .map_err(|source| DemoError::Image { path: demo_dir.display().to_string(), source })?;
    let mut images = Vec::new();
    for a in &content.articles {
        let svg = art::illustration(&a.image.motif, a.image.palette, &a.slug);
        let relative = format!("demo/{}.svg", a.slug);
        let path = media_dir.join(&relative);
        std::fs::write(&path, svg.as_bytes())
            .map_err(|source| DemoError::Image { path: path.display().to_string(), source })?;
        images.push((relative, svg.len()));
    }

    store.save_site(&demo_site(base_url)).await?;

    let mut outlets = HashMap::new();
    for o in &content.outlets {
        let saved = store
            .create_outlet(&NewOutlet {
                slug: o.slug.clone(),
                name: o.name.clone(),
                homepage: Some(o.homepage.clone()),
            })
            .await?;
        outlets.insert(o.slug.clone(), saved.id);
    }
    let lookup = |map: &HashMap<Slug, i64>, what: &str, slug: &Slug| {
        map.get(slug).copied().ok_or_else(|| DemoError::Content(format!("unknown {what} {slug}")))
    };

    let mut authors = HashMap::new();
    for a in &content.authors {
        let outlet_id = a.outlet.as_ref().map(|o| lookup(&outlets, "outlet", o)).transpose()?;
        let saved = store
            .create_author(&NewAuthor {
                slug: a.slug.clone(),
                name: a.name.clone(),
                bio: a.bio.clone(),
                links: a.links.clone(),
                avatar_media_id: None,
                outlet_id,
            })
            .await?;
        authors.insert(a.slug.clone(), saved.id);
    }

    // Parents come before their children in the file.
    let mut terms: HashMap<(TermKind, Slug), i64> = HashMap::new();
    for t in &content.terms {
        let parent_id = match &t.parent {
            Some(p) => Some(*terms.get(&(t.kind, p.clone())).ok_or_else(|| {
                DemoError::Content(format!("{} {} comes before its parent {p}", t.kind, t.slug))
            })?),
            None => None,
        };
        let saved = store
            .create_term(&NewTerm {
                kind: t.kind,
                slug: t.slug.clone(),
                name: t.name.clone(),
                description: t.description.clone(),
                parent_id,
            })
            .await?;
        terms.insert((t.kind, t.slug.clone()), saved.id);
    }

    let mut saved: Vec<(i64, i64, Timestamp)> = Vec::new();
    // Oldest first, so that ids grow with publication time as they would on a real site.
    let mut order: Vec<(&ArticleData, &(String, usize))> =
        content.articles.iter().zip(images.iter()).collect();
    order.sort_by_key(|(a, _)| std::cmp::Reverse(a.hours_ago));
    for (a, (image_path, image_size)) in order {
        let media = store
            .create_media(&NewMedia {
                path: image_path.clone(),
                mime_type: "image/svg+xml".into(),
                size_bytes: *image_size as i64,
                width: Some(art::WIDTH),
                height: Some(art::HEIGHT),
                alt: a.image.alt.clone(),
                credit: a.image.credit.clone(),
                variant_widths: vec![],
                licence: String::new(),
                travels: true,
            })
            .await?;
        let published_at = now - SignedDuration::from_hours(a.hours_ago);
        let mut term_ids = Vec::new();
        for (kind, slugs) in
            [(TermKind::Region, &a.regions), (TermKind::Theme, &a.themes), (TermKind::Tag, &a.tags)]
        {
            for s in slugs {
                let id = terms.get(&(kind, s.clone())).ok_or_else(|| {
                    DemoError::Content(format!("article {} names unknown {kind} {s}", a.slug))
                })?;
                term_ids.push(*id);
            }
        }
        let origins = a
            .origins
            .iter()
            .map(|o| {
                Ok(NewOrigin {
                    outlet_id: lookup(&outlets, "outlet", &o.outlet)?,
                    url: o.url.clone(),
                    published_at: Some(published_at - SignedDuration::from_hours(o.hours_before)),
                    byline: o.byline.clone(),
                })
            })
            .collect::<Result<Vec<_>, DemoError>>()?;
        let created = store
            .create_article(&NewArticle {
                slug: a.slug.clone(),
                title: a.title.clone(),
                dek: a.dek.clone(),
                body: render_body(BodyFormat::Markdown, &a.body.join("\n\n"))
                    .expect("the demo articles are small"),
                excerpt: String::new(),
                status: ArticleStatus::Published,
                published_at: Some(published_at),
                time_zone: "Europe/Belgrade".into(),
                author_ids: a
                    .authors
                    .iter()
                    .map(|s| lookup(&authors, "author", s))
                    .collect::<Result<_, _>>()?,
                term_ids,
                featured_media_id: Some(media.id),
                featured_alt: String::new(),
                featured_credit: String::new(),
                reuse_policy: a.policy,
                origins,
                language: String::new(),
                translation_of: None,
            })
            .await?;
        saved.push((a.hours_ago, created.id, published_at));
    }
    add_demo_comments(store, &saved).await?;
    Ok(Seeded::Filled { articles: content.articles.len(), authors: content.authors.len() })
}

/// A short conversation under the third newest article (as if readers of the old site had
/// written it), so that a new site shows what comments look like.
async fn add_demo_comments(store: &Store, saved: &[(i64, i64, Timestamp)]) -> Result<(), DemoError> {
    let mut newest: Vec<&(i64, i64, Timestamp)> = saved.iter().collect();
    newest.sort_by_key(|(hours_ago, ..)| *hours_ago);
    let Some((_, article_id, published_at)) = newest.get(2) else { return Ok(()) };
    let lines = [
        ("Milica R.", "Is the second figure before or after the new tariffs came in?", None),
        ("Ana Petrović", "After: the ministry's series starts in April. We will add a note.", Some(0)),
        ("Tomas K.", "The same happened on the Sava last year. Thank you for following it up.", None),
    ];
    let mut ids = Vec::new();
    for (i, (name, text, answers)) in lines.iter().enumerate() {
        let parent_id = answers.map(|at: usize| ids[at]);
        let (id, _) = store
            .upsert_comment(&masthead_store::NewComment {
                article_id: *article_id,
                parent_id,
                author_name: (*name).into(),
                author_email: String::new(),
                author_url: String::new(),
                body_html: format!("<p>{text}</p>"),
                created_at: *published_at + SignedDuration::from_mins(40 * (i as i64 + 1)),
                approved: true,
                source_key: Some(format!("demo:comment:{}", i + 1)),
            })
            .await?;
        ids.push(id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_parses_and_is_rich_enough_for_a_newcomer() {
        let c = content().unwrap();
        assert!(c.articles.len() >= 12);
        let own: Vec<&AuthorData> = c.authors.iter().filter(|a| a.outlet.is_none()).collect();
        assert!(own.len() >= 4);
        assert!(c.articles.iter().any(|a| !a.origins.is_empty()), "a republished article");
        assert!(c.articles.iter().any(|a| a.origins.len() > 1), "a chain of republication");
        assert!(c.terms.iter().any(|t| t.kind == TermKind::Region && t.parent.is_some()));
        assert!(c.terms.iter().any(|t| t.kind == TermKind::Theme && t.parent.is_some()));
        let mut slugs: Vec<&Slug> = c.articles.iter().map(|a| &a.slug).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), c.articles.len(), "article slugs are unique");
    }
}
