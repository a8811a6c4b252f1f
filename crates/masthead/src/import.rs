//! `masthead import wordpress|ghost`: another system's export brought into this site.
//!
//! Every record goes through the store's import keys (what each author, term, file and post of
//! the source became here), so that running an import again updates what it brought instead of
//! duplicating it, and an article gets a new revision only when something in it changed. Old
//! permalinks become redirects to the articles' new addresses.
//!
//! A WordPress export is read twice, streaming both times, never whole: the first pass checks
//! the whole file and gathers the small things (site, authors, terms, attachments), so that a
//! malformed export stops before anything is written and a post can use an attachment that
//! comes after it in the file; the second pass turns posts and pages into articles. A Ghost
//! export is one JSON document, read whole as Ghost writes it.
//!
//! New articles are written [`BATCH`] to a transaction, so that an interrupted import leaves
//! whole batches and running it again finishes it. Nothing here fetches from the network:
//! files are copied from the folders given, or left at their old address and listed.
//! `--dry-run` reads and decides everything and writes nothing but the report (the database is
//! opened, and made when missing, as by every command).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use jiff::Timestamp;
use masthead_core::article::article_path;
use masthead_core::body::html_to_text;
use masthead_core::time::is_known_zone;
use masthead_core::{
    Article, ArticleStatus, Author, AuthorLink, BodyFormat, NewArticle, NewAuthor, NewMedia, NewTerm, Slug,
    TermKind, render_body,
};
use masthead_import::{
    Attachment, GhostPost, GhostSite, GhostStatus, ImportError, ItemTerm, WxrAuthor, WxrEvent, WxrItem,
    WxrReader, WxrSite, WxrTerm, parse_ghost, parse_ghost_with_base, wordpress_body, wp_time, wpautop,
};
use masthead_store::{ImportedKind, NewComment, Saved, Store, StoreError, redirect_path};
use serde::Serialize;

use crate::cli::{ImportCommand, ImportGhostArgs, ImportWordpressArgs};

/// New articles per transaction.
const BATCH: usize = 200;

pub async fn run(command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Wordpress(args) => wordpress(args).await,
        ImportCommand::Ghost(args) => ghost(args).await,
        ImportCommand::Archive(args) => crate::archive::import_archive(args).await,
    }
}

/// An export that cannot be read, before anything was written.
fn unreadable(e: ImportError) -> anyhow::Error {
    anyhow!("{e} (nothing was imported)")
}

// The summary ---------------------------------------------------------------------------------

#[derive(Debug, Default, Serialize)]
struct Tally {
    created: usize,
    updated: usize,
    unchanged: usize,
}

impl Tally {
    fn count(&mut self, saved: Saved) {
        match saved {
            Saved::Created => self.created += 1,
            Saved::Updated => self.updated += 1,
            Saved::Unchanged => self.unchanged += 1,
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} new, {} updated, {} unchanged", self.created, self.updated, self.unchanged)
    }
}

#[derive(Debug, Default, Serialize)]
struct RedirectTally {
    /// New, or leading somewhere else than before.
    changed: usize,
    unchanged: usize,
}

/// Something of the export, and what happened to it.
#[derive(Debug, Serialize)]
struct Note {
    item: String,
    reason: String,
}

/// What an import did, printed at the end and written as JSON with `--report`.
#[derive(Debug, Default, Serialize)]
struct Summary {
    export: String,
    /// What the import keys are kept under: "wordpress:https://old.example".
    source: String,
    dry_run: bool,
    /// False when the import stopped on an error.
    complete: bool,
    authors: Tally,
    terms: Tally,
    articles: Tally,
    comments: Tally,
    media_copied: usize,
    redirects: RedirectTally,
    /// Images and files left at their old address.
    remote_media: Vec<Note>,
    skipped: Vec<Note>,
    altered: Vec<Note>,
    /// The addresses in `remote_media`, each listed once.
    #[serde(skip)]
    remote_urls: HashSet<String>,
}

impl Summary {
    fn skip(&mut self, item: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Note { item: item.into(), reason: reason.into() });
    }

    fn alter(&mut self, item: impl Into<String>, reason: impl Into<String>) {
        self.altered.push(Note { item: item.into(), reason: reason.into() });
    }

    /// Notes a file left at its old address `url`, once, where it is first met.
    fn remote(&mut self, item: impl Into<String>, url: &str, why: Option<String>) {
        if !self.remote_urls.insert(url.to_owned()) {
            return;
        }
        let reason = match why {
            Some(why) => format!("{url} ({why})"),
            None => url.to_owned(),
        };
        self.remote_media.push(Note { item: item.into(), reason });
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.dry_run, self.complete) {
            (true, _) => {
                writeln!(f, "Dry run of {}: nothing was written. The import would do this:", self.export)?
            }
            (false, true) => writeln!(f, "Imported {}:", self.export)?,
            (false, false) => writeln!(f, "The import of {} stopped. Until then:", self.export)?,
        }
        writeln!(f, "  {:<10} {}", "authors", self.authors)?;
        writeln!(f, "  {:<10} {}", "terms", self.terms)?;
        writeln!(f, "  {:<10} {}", "articles", self.articles)?;
        writeln!(f, "  {:<10} {}", "comments", self.comments)?;
        writeln!(
            f,
            "  {:<10} {} copied, {} left at their old address",
            "media",
            self.media_copied,
            self.remote_media.len()
        )?;
        writeln!(
            f,
            "  {:<10} {} new or changed, {} unchanged",
            "redirects", self.redirects.changed, self.redirects.unchanged
        )?;
        for (heading, notes) in [
            ("Skipped", &self.skipped),
            ("Altered", &self.altered),
            ("Left at their old address", &self.remote_media),
        ] {
            if notes.is_empty() {
                continue;
            }
            writeln!(f, "{heading} ({}):", notes.len())?;
            for note in notes {
                writeln!(f, "  - {}: {}", note.item, note.reason)?;
            }
        }
        Ok(())
    }
}

/// Prints the summary, writes the report, and closes the store, whether the import finished or
/// not: after a failure the summary says what was saved.
async fn finish(
    mut summary: Summary,
    result: anyhow::Result<()>,
    report: Option<&Path>,
    store: &Store,
) -> anyhow::Result<()> {
    summary.complete = result.is_ok();
    print!("{summary}");
    store.close().await;
    if let Some(path) = report {
        let json = serde_json::to_string_pretty(&summary).context("could not write the report as JSON")?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("could not write the report {}", path.display()))?;
    }
    result.context(
        "the import stopped; what it saved before stays, and running the same import again finishes it",
    )
}

// Writing, shared by both importers -----------------------------------------------------------------

/// Where a slug must be free.
#[derive(Debug, Clone, Copy)]
enum Space {
    Article,
    Author,
}

/// A reader's comment from the export, before its article has an id.
#[derive(Debug)]
struct IncomingComment {
    /// Its identity in the export: "comment:11".
    key: String,
    parent_key: Option<String>,
    author_name: String,
    author_email: String,
    author_url: String,
    body_html: String,
    created_at: Timestamp,
}

/// What goes with an article: its key, how the summary names it, its old addresses and comments.
#[derive(Debug)]
struct Companions {
    key: String,
    label: String,
    old_addresses: Vec<String>,
    comments: Vec<IncomingComment>,
}

/// Writes what the importers decide, or in a dry run only counts it.
struct Importer<'s> {
    store: &'s Store,
    source: String,
    dry_run: bool,
    media_dir: PathBuf,
    summary: Summary,
    /// Ids given in a dry run to records that would be made; negative, so never real.
    last_fake_id: i64,
    /// Slugs given out in this run ("article:x", "author:y"), for those not saved yet.
    claimed: HashSet<String>,
    /// The terms of this run by kind and slug, so that a category and a tag of one slug filed
    /// as tags are one term, in a dry run too.
    terms_by_slug: HashMap<(TermKind, String), i64>,
    /// Files of this run: their relative path → (media id, public address).
    files: HashMap<String, Option<(i64, String)>>,
    pending: Vec<NewArticle>,
    pending_companions: Vec<Companions>,
}

impl<'s> Importer<'s> {
    fn new(store: &'s Store, source: String, dry_run: bool, data: &Path, export: &str) -> Importer<'s> {
        Importer {
            store,
            summary: Summary {
                export: export.to_owned(),
                source: source.clone(),
                dry_run,
                ..Summary::default()
            },
            source,
            dry_run,
            media_dir: data.join("media"),
            last_fake_id: 0,
            claimed: HashSet::new(),
            terms_by_slug: HashMap::new(),
            files: HashMap::new(),
            pending: Vec::new(),
            pending_companions: Vec::new(),
        }
    }

    fn fake_id(&mut self) -> i64 {
        self.last_fake_id -= 1;
        self.last_fake_id
    }

    async fn known(&self, kind: ImportedKind, key: &str) -> anyhow::Result<Option<i64>> {
        self.store
            .import_key(&self.source, kind, key)
            .await
            .with_context(|| format!("could not read what {key} became in an earlier import"))
    }

    async fn remember(&self, kind: ImportedKind, key: &str, id: i64) -> anyhow::Result<()> {
        if self.dry_run {
            return Ok(());
        }
        self.store
            .set_import_key(&self.source, kind, key, id)
            .await
            .with_context(|| format!("could not note what {key} became"))
    }

    async fn is_taken(&self, space: Space, slug: &Slug) -> anyhow::Result<bool> {
        let found = match space {
            Space::Article => self.store.article_by_slug(slug).await.map(drop),
            Space::Author => self.store.author_by_slug(slug).await.map(drop),
        };
        match found {
            Ok(()) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(anyhow::Error::new(e).context(format!("could not check whether {slug} is taken"))),
        }
    }

    /// `wanted`, or `wanted-2`, `wanted-3`… when it is taken here or earlier in this run.
    async fn free_slug(&mut self, space: Space, wanted: &Slug) -> anyhow::Result<Slug> {
        let prefix = match space {
            Space::Article => "article",
            Space::Author => "author",
        };
        for n in 1..1000 {
            let candidate = if n == 1 {
                wanted.clone()
            } else {
                let stem: String = wanted.as_str().chars().take(Slug::MAX_LEN - 5).collect();
                Slug::parse(&format!("{}-{n}", stem.trim_end_matches('-')))
                    .with_context(|| format!("no address can be made from {wanted}"))?
            };
            let claim = format!("{prefix}:{candidate}");
            if !self.claimed.contains(&claim) && !self.is_taken(space, &candidate).await? {
                self.claimed.insert(claim);
                return Ok(candidate);
            }
        }
        bail!("no free address like {wanted}: a thousand are taken")
    }

    /// The author that `key` became: made, or updated from `new`. An export's empty bio or
    /// links never wipe what the newsroom wrote here since.
    async fn author(&mut self, key: &str, new: NewAuthor) -> anyhow::Result<i64> {
        if let Some(id) = self.known(ImportedKind::Author, key).await? {
            match self.store.author(id).await {
                Ok(current) => {
                    let merged = NewAuthor {
                        slug: current.slug.clone(),
                        name: new.name.clone(),
                        bio: if new.bio.is_empty() { current.bio.clone() } else { new.bio.clone() },
                        links: if new.links.is_empty() { current.links.clone() } else { new.links.clone() },
                        avatar_media_id: current.avatar_media_id,
                        outlet_id: current.outlet_id,
                    };
                    self.claimed.insert(format!("author:{}", current.slug));
                    if merged == as_new_author(&current) {
                        self.summary.authors.unchanged += 1;
                    } else {
                        if !self.dry_run {
                            self.store
                                .update_author(id, &merged)
                                .await
                                .with_context(|| format!("could not update the author {}", merged.name))?;
                        }
                        self.summary.authors.updated += 1;
                    }
                    return Ok(id);
                }
                // Deleted here since the last import: made again below.
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(anyhow::Error::new(e).context("could not read an author")),
            }
        }
        // An author already here under the same address and name is the same person.
        match self.store.author_by_slug(&new.slug).await {
            Ok(existing)
                if existing.name == new.name && self.claimed.insert(format!("author:{}", existing.slug)) =>
            {
                self.remember(ImportedKind::Author, key, existing.id).await?;
                self.summary.authors.unchanged += 1;
                self.summary.alter(key, format!("is the author already at /author/{}", existing.slug));
                return Ok(existing.id);
            }
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(anyhow::Error::new(e).context("could not read the authors")),
        }
        let slug = self.free_slug(Space::Author, &new.slug).await?;
        if slug != new.slug {
            self.summary
                .alter(key, format!("/author/{} is someone else's: this author is /author/{slug}", new.slug));
        }
        let new = NewAuthor { slug, ..new };
        let id = if self.dry_run {
            self.fake_id()
        } else {
            self.store
                .create_author(&new)
                .await
                .with_context(|| format!("could not add the author {}", new.name))?
                .id
        };
        self.remember(ImportedKind::Author, key, id).await?;
        self.summary.authors.created += 1;
        Ok(id)
    }

    /// The term that `key` became, and its slug: made, or updated from `new`; a term already
    /// here of the same kind and slug is taken as it is. An export's empty description or
    /// missing parent never wipe what the newsroom set here since.
    async fn term(&mut self, key: &str, new: NewTerm) -> anyhow::Result<(i64, Slug)> {
        let slug_key = (new.kind, new.slug.to_string());
        if let Some(id) = self.known(ImportedKind::Term, key).await? {
            match self.store.term(id).await {
                Ok(current) if current.kind == new.kind => {
                    let merged = NewTerm {
                        kind: current.kind,
                        slug: current.slug.clone(),
                        name: new.name.clone(),
                        description: if new.description.is_empty() {
                            current.description.clone()
                        } else {
                            new.description.clone()
                        },
                        parent_id: new.parent_id.or(current.parent_id),
                    };
                    let before = NewTerm {
                        kind: current.kind,
                        slug: current.slug.clone(),
                        name: current.name.clone(),
                        description: current.description.clone(),
                        parent_id: current.parent_id,
                    };
                    self.terms_by_slug.insert((current.kind, current.slug.to_string()), id);
                    if merged == before {
                        self.summary.terms.unchanged += 1;
                    } else if self.dry_run {
                        self.summary.terms.updated += 1;
                    } else {
                        match self.store.update_term(id, &merged).await {
                            Ok(_) => self.summary.terms.updated += 1,
                            Err(StoreError::Invalid(reason)) => {
                                self.summary.alter(key, format!("not updated: {reason}"));
                                self.summary.terms.unchanged += 1;
                            }
                            Err(e) => {
                                return Err(anyhow::Error::new(e)
                                    .context(format!("could not update the {} {}", new.kind, new.name)));
                            }
                        }
                    }
                    return Ok((id, current.slug));
                }
                Ok(current) => self.summary.alter(
                    key,
                    format!(
                        "was imported as the {} {}; it is now a {}",
                        current.kind, current.slug, new.kind
                    ),
                ),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(anyhow::Error::new(e).context("could not read a term")),
            }
        }
        if let Some(&id) = self.terms_by_slug.get(&slug_key) {
            self.remember(ImportedKind::Term, key, id).await?;
            return Ok((id, new.slug));
        }
        match self.store.term_by_slug(new.kind, &new.slug).await {
            Ok(existing) => {
                self.remember(ImportedKind::Term, key, existing.id).await?;
                self.terms_by_slug.insert(slug_key, existing.id);
                self.summary.terms.unchanged += 1;
                self.summary.alter(key, format!("is the {} already at {}", existing.kind, existing.path()));
                return Ok((existing.id, existing.slug));
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(anyhow::Error::new(e).context("could not read the terms")),
        }
        let id = if self.dry_run {
            self.fake_id()
        } else {
            self.store
                .create_term(&new)
                .await
                .with_context(|| format!("could not add the {} {}", new.kind, new.name))?
                .id
        };
        self.terms_by_slug.insert(slug_key, id);
        self.remember(ImportedKind::Term, key, id).await?;
        self.summary.terms.created += 1;
        Ok((id, new.slug))
    }

    /// The media record of the file `rel` in `dir`, copied to `<data>/media/uploads/<rel>` the
    /// first time: (id, public address). None when the file is not there or `rel` leaves `dir`.
    async fn media_file(
        &mut self,
        key: &str,
        dir: &Path,
        rel: &str,
        alt: &str,
    ) -> anyhow::Result<Option<(i64, String)>> {
        if let Some(found) = self.files.get(rel) {
            let found = found.clone();
            if let Some((id, _)) = &found {
                self.remember(ImportedKind::Media, key, *id).await?;
            }
            return Ok(found);
        }
        let found = self.place_file(key, dir, rel, alt).await?;
        self.files.insert(rel.to_owned(), found.clone());
        Ok(found)
    }

    async fn place_file(
        &mut self,
        key: &str,
        dir: &Path,
        rel: &str,
        alt: &str,
    ) -> anyhow::Result<Option<(i64, String)>> {
        if let Some(id) = self.known(ImportedKind::Media, key).await? {
            match self.store.media(id).await {
                Ok(media) => return Ok(Some((id, media.public_path()))),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(anyhow::Error::new(e).context("could not read the media library")),
            }
        }
        let Some(relative) = inside(rel) else { return Ok(None) };
        let path = format!("uploads/{}", rel.trim_start_matches('/'));
        match self.store.media_by_path(&path).await {
            Ok(media) => {
                self.remember(ImportedKind::Media, key, media.id).await?;
                return Ok(Some((media.id, media.public_path())));
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(anyhow::Error::new(e).context("could not read the media library")),
        }
        let source = dir.join(&relative);
        let size = match std::fs::metadata(&source) {
            Ok(meta) if meta.is_file() => meta.len(),
            _ => return Ok(None),
        };
        let public = format!("/media/{path}");
        self.summary.media_copied += 1;
        if self.dry_run {
            return Ok(Some((self.fake_id(), public)));
        }
        let target = self.media_dir.join("uploads").join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not make the media folder {}", parent.display()))?;
        }
        std::fs::copy(&source, &target)
            .with_context(|| format!("could not copy {} to {}", source.display(), target.display()))?;
        let media = self
            .store
            .create_media(&NewMedia {
                path: path.clone(),
                mime_type: mime_type(&path).to_owned(),
                size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
                width: None,
                height: None,
                alt: alt.to_owned(),
                credit: String::new(),
                variant_widths: Vec::new(),
            })
            .await
            .with_context(|| format!("could not add {path} to the media library"))?;
        self.remember(ImportedKind::Media, key, media.id).await?;
        Ok(Some((media.id, public)))
    }

    /// `html` with every address under `prefix` whose file is in `dir` pointing at its copy in
    /// the site's media; the others stay as they were and are listed.
    async fn localise(
        &mut self,
        label: &str,
        html: &str,
        prefix: &str,
        dir: &Path,
    ) -> anyhow::Result<String> {
        let mut copies = HashMap::new();
        for rel in referenced(html, prefix) {
            match self.media_file(&format!("file:{rel}"), dir, &rel, "").await? {
                Some((_, public)) => {
                    copies.insert(rel, public);
                }
                None => self.summary.remote(
                    label,
                    &format!("{prefix}{rel}"),
                    Some(format!("not found in {}", dir.display())),
                ),
            }
        }
        Ok(rewrite(html, prefix, &copies))
    }

    /// Saves an article from the export: an update of the one it became before, or a new one in
    /// the next batch.
    async fn article(&mut self, mut article: NewArticle, companions: Companions) -> anyhow::Result<()> {
        if let Some(id) = self.known(ImportedKind::Article, &companions.key).await? {
            match self.store.article(id).await {
                Ok(current) => return self.update(current, article, companions).await,
                // Deleted here since the last import: made again.
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(anyhow::Error::new(e).context("could not read an article")),
            }
        }
        let wanted = article.slug.clone();
        article.slug = self.free_slug(Space::Article, &wanted).await?;
        if article.slug != wanted {
            self.summary.alter(
                &companions.label,
                format!("/article/{wanted} is another article's: this one is /article/{}", article.slug),
            );
        }
        self.pending.push(article);
        self.pending_companions.push(companions);
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Saves what the export says over the article it became before, keeping what only this site
    /// has (its address, dek, zone, reuse policy, provenance, a featured image the export lacks).
    async fn update(
        &mut self,
        current: Article,
        new: NewArticle,
        companions: Companions,
    ) -> anyhow::Result<()> {
        let before = self
            .store
            .revision_snapshot(current.id, current.revision)
            .await
            .with_context(|| format!("could not read article {}", current.id))?;
        let mut merged = NewArticle {
            title: new.title,
            body: new.body,
            excerpt: new.excerpt,
            status: new.status,
            published_at: new.published_at,
            author_ids: new.author_ids,
            term_ids: new.term_ids,
            ..before.clone()
        };
        if new.featured_media_id.is_some() {
            merged.featured_media_id = new.featured_media_id;
            merged.featured_alt = new.featured_alt;
            merged.featured_credit = new.featured_credit;
        }
        // Its time came and this site published it: it stays published.
        if merged.status == ArticleStatus::Scheduled
            && current.status == ArticleStatus::Published
            && merged.published_at.is_some_and(|at| at <= Timestamp::now())
        {
            merged.status = ArticleStatus::Published;
        }
        if merged == before {
            self.summary.articles.unchanged += 1;
        } else {
            if !self.dry_run {
                self.store
                    .update_article(current.id, current.revision, &merged, None)
                    .await
                    .with_context(|| format!("could not update {}", companions.label))?;
            }
            self.summary.articles.updated += 1;
        }
        self.follow_up(current.id, &merged.slug, companions).await
    }

    /// Writes the waiting new articles in one transaction, then what goes with each.
    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let articles = std::mem::take(&mut self.pending);
        let companions = std::mem::take(&mut self.pending_companions);
        let ids = if self.dry_run {
            articles.iter().map(|_| self.fake_id()).collect()
        } else {
            let keys: Vec<String> = companions.iter().map(|c| c.key.clone()).collect();
            self.store.create_imported_articles(&articles, &self.source, &keys).await.with_context(|| {
                format!("could not save the {} new articles from {} on", articles.len(), companions[0].label)
            })?
        };
        for ((article, companions), id) in articles.into_iter().zip(companions).zip(ids) {
            self.remember(ImportedKind::Article, &companions.key, id).await?;
            self.summary.articles.created += 1;
            self.follow_up(id, &article.slug, companions).await?;
        }
        Ok(())
    }

    /// An article's old addresses and comments, once it has an id.
    async fn follow_up(&mut self, id: i64, slug: &Slug, companions: Companions) -> anyhow::Result<()> {
        let to = article_path(slug);
        for old in &companions.old_addresses {
            self.redirect(&companions.label, old, &to).await?;
        }
        let mut saved: HashMap<String, i64> = HashMap::new();
        for comment in parents_first(companions.comments) {
            let parent_id = match &comment.parent_key {
                None => None,
                Some(parent) => match saved.get(parent) {
                    Some(&parent_id) => Some(parent_id),
                    None => {
                        self.summary.skip(
                            format!("{}, {}", companions.label, comment.key),
                            "it answers a comment that is not imported",
                        );
                        continue;
                    }
                },
            };
            if self.dry_run {
                self.summary.comments.created += 1;
                let fake = self.fake_id();
                saved.insert(comment.key, fake);
                continue;
            }
            let new = NewComment {
                article_id: id,
                parent_id,
                author_name: comment.author_name,
                author_email: comment.author_email,
                author_url: comment.author_url,
                body_html: comment.body_html,
                created_at: comment.created_at,
                approved: true,
                source_key: Some(format!("{}:{}", self.source, comment.key)),
            };
            let (comment_id, outcome) = self
                .store
                .upsert_comment(&new)
                .await
                .with_context(|| format!("could not save {} of {}", comment.key, companions.label))?;
            self.summary.comments.count(outcome);
            saved.insert(comment.key, comment_id);
        }
        Ok(())
    }

    /// Sends the old address `from` to `to`; an address that cannot be redirected is noted.
    async fn redirect(&mut self, label: &str, from: &str, to: &str) -> anyhow::Result<()> {
        if self.dry_run {
            let now = self.store.redirect_for(from).await.context("could not read the redirects")?;
            match now.as_deref() == Some(to) {
                true => self.summary.redirects.unchanged += 1,
                false => self.summary.redirects.changed += 1,
            }
            return Ok(());
        }
        match self.store.set_redirect(from, to).await {
            Ok(true) => self.summary.redirects.changed += 1,
            Ok(false) => self.summary.redirects.unchanged += 1,
            Err(StoreError::Invalid(reason)) => {
                self.summary.alter(label, format!("its old address {from} is not redirected: {reason}"))
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("could not redirect {from} to {to}")));
            }
        }
        Ok(())
    }
}

fn as_new_author(a: &Author) -> NewAuthor {
    NewAuthor {
        slug: a.slug.clone(),
        name: a.name.clone(),
        bio: a.bio.clone(),
        links: a.links.clone(),
        avatar_media_id: a.avatar_media_id,
        outlet_id: a.outlet_id,
    }
}

/// Comments ordered so that each comes after the one it answers; a reply whose parent is not
/// among them keeps its place (and is then left out by the caller).
fn parents_first(mut comments: Vec<IncomingComment>) -> Vec<IncomingComment> {
    let keys: HashSet<String> = comments.iter().map(|c| c.key.clone()).collect();
    let mut placed: HashSet<String> = HashSet::new();
    let mut ordered = Vec::with_capacity(comments.len());
    while !comments.is_empty() {
        let (ready, rest): (Vec<_>, Vec<_>) = comments
            .into_iter()
            .partition(|c| c.parent_key.as_ref().is_none_or(|p| placed.contains(p) || !keys.contains(p)));
        if ready.is_empty() {
            // Replies answering each other in a circle: none can be placed.
            ordered.extend(rest);
            break;
        }
        placed.extend(ready.iter().map(|c| c.key.clone()));
        ordered.extend(ready);
        comments = rest;
    }
    ordered
}

/// `rel` as a path inside a folder: relative, without `..`.
fn inside(rel: &str) -> Option<PathBuf> {
    let path = Path::new(rel.trim_start_matches('/'));
    let normal = path.components().all(|c| matches!(c, Component::Normal(_)));
    (normal && path.components().next().is_some()).then(|| path.to_owned())
}

fn mime_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// Where each address under `prefix` sits in `html`: (start of the prefix, end of the address).
fn occurrences(html: &str, prefix: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    if prefix.is_empty() {
        return found;
    }
    let mut from = 0;
    while let Some(at) = html[from..].find(prefix) {
        let start = from + at;
        let rest = &html[start + prefix.len()..];
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')' | '?' | '#'))
            .unwrap_or(rest.len());
        let end = start + prefix.len() + len;
        if len > 0 {
            found.push((start, end));
        }
        from = end.max(start + prefix.len());
    }
    found
}

/// The distinct paths under `prefix` that `html` names, in order.
fn referenced(html: &str, prefix: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    occurrences(html, prefix)
        .into_iter()
        .map(|(start, end)| html[start + prefix.len()..end].to_owned())
        .filter(|rel| seen.insert(rel.clone()))
        .collect()
}

/// `html` with `prefix` + each path in `copies` replaced by the copy's address.
fn rewrite(html: &str, prefix: &str, copies: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for (start, end) in occurrences(html, prefix) {
        if let Some(public) = copies.get(&html[start + prefix.len()..end]) {
            out.push_str(&html[last..start]);
            out.push_str(public);
            last = end;
        }
    }
    out.push_str(&html[last..]);
    out
}

/// A slug for `wanted` (the export's own, perhaps not ASCII), else for `title`, else
/// `fallback`; a changed one is noted.
fn slug_for(summary: &mut Summary, label: &str, wanted: &str, title: &str, fallback: &str) -> Slug {
    if let Ok(slug) = Slug::parse(wanted) {
        return slug;
    }
    if !wanted.trim().is_empty()
        && let Ok(slug) = Slug::from_title(wanted)
    {
        summary.alter(label, format!("its slug {wanted} became {slug}"));
        return slug;
    }
    match Slug::from_title(title) {
        Ok(slug) => {
            summary.alter(label, format!("it had no slug; one was made from its title: {slug}"));
            slug
        }
        Err(_) => {
            summary.alter(label, format!("it had no slug and its title makes none: it is {fallback}"));
            Slug::parse(fallback).unwrap_or_else(|_| Slug::parse("imported").expect("a valid literal slug"))
        }
    }
}

/// The old addresses of an article, each once, in their stored form; the home page is never one.
fn distinct_addresses(addresses: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    addresses.into_iter().filter(|a| redirect_path(a).is_ok_and(|p| p != "/" && seen.insert(p))).collect()
}

/// The progress bar of the article phase, sized to `total`.
fn progress(total: usize) -> Option<indicatif::ProgressBar> {
    let bar = crate::export::bar("importing articles")?;
    bar.set_length(total as u64);
    Some(bar)
}

// WordPress -----------------------------------------------------------------------------------------

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
    items: usize,
    /// Logins that posts name but the export does not list.
    unlisted_authors: Vec<String>,
    /// Terms that posts are filed under but the export does not list.
    unlisted_terms: Vec<ItemTerm>,
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
fn scan_wxr(path: &Path, name: &str) -> anyhow::Result<WxrScan> {
    let file = File::open(path).with_context(|| format!("could not open {name}"))?;
    let mut scan = WxrScan::default();
    let mut logins = HashSet::new();
    let mut terms = HashSet::new();
    for event in WxrReader::new(BufReader::new(file), name) {
        match event.map_err(unreadable)? {
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
                if let Some(attachment) = item.attachment() {
                    let file = item.meta("_wp_attached_file").map(str::to_owned);
                    scan.attachments.push((item.post_id, WxrAttachment { attachment, file }));
                } else if is_article(&item) {
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
    /// Where the old site's uploads were: "https://old.example/wp-content/uploads/".
    upload_prefixes: Vec<String>,
    uploads: Option<PathBuf>,
    /// For `wp_time`: an IANA name or WordPress's "UTC+2".
    wordpress_zone: String,
    /// The zone articles are shown in.
    zone: String,
}

async fn wordpress(args: ImportWordpressArgs) -> anyhow::Result<()> {
    if wp_time("", "2000-01-01 00:00:00", &args.time_zone).is_none() {
        bail!(
            "{:?} is not a time zone: give an IANA name such as Europe/Belgrade, or an offset such as UTC+2",
            args.time_zone
        );
    }
    if let Some(dir) = &args.uploads
        && !dir.is_dir()
    {
        bail!("the uploads folder {} is not there", dir.display());
    }
    let name = args.export.display().to_string();
    let scan = scan_wxr(&args.export, &name)?;
    let store = args.data.open().await?;
    let site = store.site().await.context("could not read the site settings")?;
    let origin = [&scan.site.base_blog_url, &scan.site.base_site_url, &scan.site.link]
        .into_iter()
        .map(|s| s.trim().trim_end_matches('/'))
        .find(|s| !s.is_empty())
        .unwrap_or(&name)
        .to_owned();
    let zone = if is_known_zone(&args.time_zone) { args.time_zone.clone() } else { site.time_zone.clone() };
    let mut importer =
        Importer::new(&store, format!("wordpress:{origin}"), args.dry_run, &args.data.data, &name);
    let result = import_wxr(&mut importer, &args, &scan, zone).await;
    finish(importer.summary, result, args.report.as_deref(), &store).await
}

async fn import_wxr(
    im: &mut Importer<'_>,
    args: &ImportWordpressArgs,
    scan: &WxrScan,
    zone: String,
) -> anyhow::Result<()> {
    let mut cx = WxrContext {
        uploads: args.uploads.clone(),
        wordpress_zone: args.time_zone.clone(),
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
    wxr_terms(im, scan, args.categories_as, &mut cx).await?;
    wxr_attachments(im, scan, &mut cx).await?;

    // The second pass: posts and pages.
    let name = im.summary.export.clone();
    let file = File::open(&args.export).with_context(|| format!("could not open {name} again"))?;
    let bar = progress(scan.items);
    for event in WxrReader::new(BufReader::new(file), &name) {
        let event = event.map_err(|e| anyhow!("{e} (the file changed since it was first read)"))?;
        let WxrEvent::Item(item) = event else { continue };
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        let label = format!("{} {}", item.post_type, item.post_id);
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
    if let Some(bar) = bar {
        bar.finish_and_clear();
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
) -> anyhow::Result<()> {
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
async fn wxr_attachments(im: &mut Importer<'_>, scan: &WxrScan, cx: &mut WxrContext) -> anyhow::Result<()> {
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
        match (&cx.uploads, &found.file) {
            (Some(dir), Some(file)) => {
                match im.media_file(&format!("attachment:{id}"), dir, file, &attachment.alt).await? {
                    Some((id, public)) => {
                        attachment.url = public;
                        media_id = Some(id);
                    }
                    None => im.summary.remote(
                        label,
                        &attachment.url,
                        Some(format!("not found in {}", dir.display())),
                    ),
                }
            }
            (Some(_), None) => {
                im.summary.remote(label, &attachment.url, Some("the export does not name its file".into()))
            }
            (None, _) => im.summary.remote(label, &attachment.url, None),
        }
        cx.attachments.insert(*id, (attachment, media_id));
    }
    cx.upload_prefixes = prefixes;
    Ok(())
}

/// A post or page as an article, or None when it is not imported (noted).
async fn wxr_article(
    im: &mut Importer<'_>,
    cx: &WxrContext,
    item: &WxrItem,
) -> anyhow::Result<Option<(NewArticle, Companions)>> {
    let label = if item.title.trim().is_empty() {
        format!("{} {}", item.post_type, item.post_id)
    } else {
        format!("{} {} ({})", item.post_type, item.post_id, item.title.trim())
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
    let title = match item.title.trim() {
        "" => {
            im.summary.alter(&label, "it has no title: it is called Untitled");
            "Untitled".to_owned()
        }
        title => title.to_owned(),
    };
    let slug = slug_for(&mut im.summary, &label, &item.post_name, &title, &format!("post-{}", item.post_id));

    let attachments = &cx.attachments;
    let expanded = wordpress_body(&item.content_html, &|id| attachments.get(&id).map(|(a, _)| a.clone()));
    let mut unknown: Vec<&String> = Vec::new();
    for name in &expanded.unknown {
        if !unknown.contains(&name) {
            unknown.push(name);
        }
    }
    for name in unknown {
        let reason = match name.strip_prefix("gallery:") {
            Some(id) => format!("its gallery names attachment {id}, which is not in the export"),
            None => format!("the shortcode [{name}] is kept as text: nothing here renders it"),
        };
        im.summary.alter(&label, reason);
    }
    let mut html = expanded.html;
    if let Some(dir) = &cx.uploads {
        for prefix in &cx.upload_prefixes {
            html = im.localise(&label, &html, prefix, dir).await?;
        }
    }
    let body = render_body(BodyFormat::Html, &html);

    let (mut featured_media_id, mut featured_alt) = (None, String::new());
    if let Some(thumbnail) = item.thumbnail_id() {
        match attachments.get(&thumbnail) {
            Some((attachment, Some(media_id))) => {
                featured_media_id = Some(*media_id);
                featured_alt = attachment.alt.clone();
            }
            Some(_) => im.summary.alter(
                &label,
                format!("its featured image (attachment {thumbnail}) is not copied, so it has none here"),
            ),
            None => im
                .summary
                .alter(&label, format!("its featured image (attachment {thumbnail}) is not in the export")),
        }
    }
    let author_ids: Vec<i64> = cx.authors.get(&item.creator).copied().into_iter().collect();
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
        comments.push(IncomingComment {
            key,
            parent_key: (c.parent_id != 0).then(|| format!("comment:{}", c.parent_id)),
            author_name: c.author.clone(),
            author_email: c.author_email.clone(),
            author_url: c.author_url.clone(),
            body_html: render_body(BodyFormat::Html, &wpautop(&c.content)).html,
            created_at: wp_time(&c.date_gmt, "", "UTC").or(date).unwrap_or_else(Timestamp::now),
        });
    }

    let mut old = Vec::new();
    old.extend(item.link.clone());
    old.push(format!("/?p={}", item.post_id));
    if item.post_type == "page" {
        old.push(format!("/?page_id={}", item.post_id));
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
    };
    let companions = Companions {
        key: format!("post:{}", item.post_id),
        label,
        old_addresses: distinct_addresses(old),
        comments,
    };
    Ok(Some((article, companions)))
}

// Ghost ---------------------------------------------------------------------------------------------

async fn ghost(args: ImportGhostArgs) -> anyhow::Result<()> {
    if let Some(dir) = &args.images
        && !dir.is_dir()
    {
        bail!("the images folder {} is not there", dir.display());
    }
    let name = args.export.display().to_string();
    let bytes = std::fs::read(&args.export).with_context(|| format!("could not read {name}"))?;
    let parsed = match &args.base_url {
        Some(base) => parse_ghost_with_base(&bytes, &name, base.as_str()),
        None => parse_ghost(&bytes, &name),
    }
    .map_err(unreadable)?;
    let store = args.data.open().await?;
    let site = store.site().await.context("could not read the site settings")?;
    // Ghost's own exports do not say where the site was: its links then name this site.
    let parsed = match parsed.base_url {
        Some(_) => parsed,
        None => parse_ghost_with_base(&bytes, &name, site.base_url.as_str()).map_err(unreadable)?,
    };
    let base = parsed.base_url.clone().unwrap_or_default();
    let mut importer = Importer::new(&store, format!("ghost:{base}"), args.dry_run, &args.data.data, &name);
    let result = import_ghost(&mut importer, &args, &parsed, &site.time_zone).await;
    finish(importer.summary, result, args.report.as_deref(), &store).await
}

async fn import_ghost(
    im: &mut Importer<'_>,
    args: &ImportGhostArgs,
    site: &GhostSite,
    zone: &str,
) -> anyhow::Result<()> {
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
            .and_then(|w| url::Url::parse(w).ok())
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
        let id = im.author(&format!("user:{}", author.id), new).await?;
        authors.insert(author.id.clone(), id);
    }
    for note in &site.notes {
        match note.split_once(": ") {
            Some((item, reason)) => im.summary.alter(item, reason),
            None => im.summary.alter("export", note.as_str()),
        }
    }
    let base = site.base_url.clone().unwrap_or_default();
    let bar = progress(site.posts.len());
    for post in &site.posts {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        if let Some((article, companions)) =
            ghost_article(im, args, post, &base, zone, &authors, &tags).await?
        {
            im.article(article, companions).await?;
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    im.flush().await
}

/// The path of a Ghost image under `/content/images/`.
fn ghost_image_path(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("/content/images/")?;
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    (!rest.is_empty()).then_some(rest)
}

fn host(url: &str) -> Option<String> {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned))
}

/// A Ghost post or page as an article, or None when it is not imported (noted).
async fn ghost_article(
    im: &mut Importer<'_>,
    args: &ImportGhostArgs,
    post: &GhostPost,
    base: &str,
    zone: &str,
    authors: &HashMap<String, i64>,
    tags: &HashMap<String, i64>,
) -> anyhow::Result<Option<(NewArticle, Companions)>> {
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
    let title = match post.title.trim() {
        "" => {
            im.summary.alter(&label, "it has no title: it is called Untitled");
            "Untitled".to_owned()
        }
        title => title.to_owned(),
    };
    let slug = slug_for(&mut im.summary, &label, &post.slug, &title, &format!("post-{}", post.id));
    let mut html = post.html.clone();
    if let Some(dir) = &args.images
        && !base.is_empty()
    {
        html = im.localise(&label, &html, &format!("{base}/content/images/"), dir).await?;
    }
    let body = render_body(BodyFormat::Html, &html);

    let mut featured_media_id = None;
    if let Some(image) = &post.feature_image {
        let alt = post.feature_image_alt.clone().unwrap_or_default();
        match (&args.images, ghost_image_path(image)) {
            (Some(dir), Some(rel)) => match im.media_file(&format!("file:{rel}"), dir, rel, &alt).await? {
                Some((id, _)) => featured_media_id = Some(id),
                None => im.summary.remote(&label, image, Some(format!("not found in {}", dir.display()))),
            },
            _ => im.summary.remote(&label, image, Some("its feature image; it has none here".into())),
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
        featured_alt: if featured_media_id.is_some() {
            post.feature_image_alt.clone().unwrap_or_default()
        } else {
            String::new()
        },
        featured_credit: if featured_media_id.is_some() {
            post.feature_image_caption.as_deref().map(html_to_text).unwrap_or_default()
        } else {
            String::new()
        },
        reuse_policy: None,
        origins: Vec::new(),
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

    #[test]
    fn addresses_under_a_prefix_are_found_and_rewritten() {
        let prefix = "https://old.example/wp-content/uploads/";
        let html = "<img src=\"https://old.example/wp-content/uploads/2024/03/a.jpg\" \
                    srcset=\"https://old.example/wp-content/uploads/2024/03/a-300x200.jpg 300w\">\
                    <a href='https://old.example/wp-content/uploads/2024/03/a.jpg?v=2'>a</a>";
        assert_eq!(referenced(html, prefix), ["2024/03/a.jpg", "2024/03/a-300x200.jpg"]);
        let copies = HashMap::from([("2024/03/a.jpg".to_owned(), "/media/uploads/2024/03/a.jpg".to_owned())]);
        assert_eq!(
            rewrite(html, prefix, &copies),
            "<img src=\"/media/uploads/2024/03/a.jpg\" \
             srcset=\"https://old.example/wp-content/uploads/2024/03/a-300x200.jpg 300w\">\
             <a href='/media/uploads/2024/03/a.jpg?v=2'>a</a>"
        );
    }

    #[test]
    fn files_never_leave_their_folder() {
        assert_eq!(inside("2024/03/a.jpg"), Some(PathBuf::from("2024/03/a.jpg")));
        assert_eq!(inside("/2024/03/a.jpg"), Some(PathBuf::from("2024/03/a.jpg")));
        assert_eq!(inside("../etc/passwd"), None);
        assert_eq!(inside("2024/../../x"), None);
        assert_eq!(inside(""), None);
    }

    #[test]
    fn replies_come_after_what_they_answer() {
        let comment = |key: &str, parent: Option<&str>| IncomingComment {
            key: key.into(),
            parent_key: parent.map(str::to_owned),
            author_name: String::new(),
            author_email: String::new(),
            author_url: String::new(),
            body_html: String::new(),
            created_at: Timestamp::UNIX_EPOCH,
        };
        let ordered = parents_first(vec![
            comment("c3", Some("c2")),
            comment("c2", Some("c1")),
            comment("c1", None),
            comment("c9", Some("c8")),
        ]);
        let keys: Vec<&str> = ordered.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["c1", "c9", "c2", "c3"]);
    }

    #[test]
    fn slugs_that_are_not_ascii_are_made_and_noted() {
        let mut summary = Summary::default();
        assert_eq!(slug_for(&mut summary, "post 1", "plain", "Title", "post-1").as_str(), "plain");
        assert!(summary.altered.is_empty());
        assert_eq!(slug_for(&mut summary, "post 2", "šabac-zürich", "T", "post-2").as_str(), "sabac-zurich");
        assert_eq!(slug_for(&mut summary, "post 3", "", "Draft: gas", "post-3").as_str(), "draft-gas");
        assert_eq!(slug_for(&mut summary, "post 4", "", "!!!", "post-4").as_str(), "post-4");
        assert_eq!(summary.altered.len(), 3);
        assert_eq!(summary.altered[0].reason, "its slug šabac-zürich became sabac-zurich");
    }
}
