//! Writing what the importers decide, shared by WordPress and Ghost: authors, terms, files,
//! articles, comments and redirects, each through the store's import keys; in a dry run, only
//! counted.
//!
//! New articles are written [`BATCH`] to a transaction, so that an interrupted import leaves
//! whole batches and running it again finishes it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use masthead_core::article::article_path;
use masthead_core::{ArticleStatus, Author, NewArticle, NewAuthor, NewMedia, NewTerm, Slug, TermKind};
use masthead_store::{ImportedCurrent, ImportedKind, NewComment, Store, StoreError, redirect_path};

use url::Url;

use super::error::{Context, ImportError};
use super::media::{inside, referenced, rewrite};
use super::summary::Summary;
use crate::outbound::Outbound;

/// New articles per transaction.
const BATCH: usize = 200;

/// Where a slug must be free.
#[derive(Debug, Clone, Copy)]
enum Space {
    Article,
    Author,
}

/// Where a file the export names may be had: under `rel` in the folder the newsroom gave, and
/// at its old address `url`. `label` names what uses it, in the summary.
#[derive(Debug, Clone, Copy)]
pub(super) struct FileAt<'a> {
    pub(super) dir: Option<&'a Path>,
    pub(super) rel: &'a str,
    pub(super) url: &'a str,
    pub(super) label: &'a str,
}

/// A reader's comment from the export, before its article has an id.
#[derive(Debug)]
pub(super) struct IncomingComment {
    /// Its identity in the export: "comment:11".
    pub(super) key: String,
    pub(super) parent_key: Option<String>,
    pub(super) author_name: String,
    pub(super) author_email: String,
    pub(super) author_url: String,
    pub(super) body_html: String,
    pub(super) created_at: Timestamp,
}

/// What goes with an article: its key, how the summary names it, its old addresses and comments.
#[derive(Debug)]
pub(super) struct Companions {
    pub(super) key: String,
    pub(super) label: String,
    pub(super) old_addresses: Vec<String>,
    pub(super) comments: Vec<IncomingComment>,
}

/// Writes what the importers decide, or in a dry run only counts it.
pub(super) struct Importer<'s> {
    store: &'s Store,
    source: String,
    dry_run: bool,
    media_dir: PathBuf,
    /// With `--fetch-media`: the client that downloads files from their old addresses.
    fetch: Option<Outbound>,
    pub(super) summary: Summary,
    /// Ids given in a dry run to records that would be made; negative, so never real.
    last_fake_id: i64,
    /// Slugs given out in this run ("article:x", "author:y"), for those not saved yet.
    claimed: HashSet<String>,
    /// The terms of this run by kind and slug, so that a category and a tag of one slug filed
    /// as tags are one term, in a dry run too.
    terms_by_slug: HashMap<(TermKind, String), i64>,
    /// Files of this run: their relative path and address → (media id, public address).
    files: HashMap<String, Option<(i64, String)>>,
    pending: Vec<NewArticle>,
    pending_companions: Vec<Companions>,
    /// What the source's keys became: read once, then kept up to date by this run.
    keys: HashMap<(ImportedKind, String), i64>,
    keys_read: bool,
    /// The articles' keys met in this run.
    article_keys: HashSet<String>,
}

impl<'s> Importer<'s> {
    /// An importer into `store` and its `media_dir`, keeping import keys under `source`.
    pub(super) fn new(
        store: &'s Store,
        source: String,
        dry_run: bool,
        media_dir: &Path,
        fetch: Option<Outbound>,
        export: &str,
    ) -> Importer<'s> {
        Importer {
            store,
            fetch,
            summary: Summary::new(export, &source, dry_run),
            source,
            dry_run,
            media_dir: media_dir.to_owned(),
            last_fake_id: 0,
            claimed: HashSet::new(),
            terms_by_slug: HashMap::new(),
            files: HashMap::new(),
            pending: Vec::new(),
            pending_companions: Vec::new(),
            keys: HashMap::new(),
            keys_read: false,
            article_keys: HashSet::new(),
        }
    }

    /// The summary, complete when `result` is Ok; after a failure, the error carries the summary
    /// of what was saved until then.
    pub(super) fn finish(self, result: Result<(), ImportError>) -> Result<Summary, ImportError> {
        let mut summary = self.summary;
        summary.complete = result.is_ok();
        match result {
            Ok(()) => Ok(summary),
            Err(cause) => Err(ImportError::Stopped { summary: Box::new(summary), cause: Box::new(cause) }),
        }
    }

    fn fake_id(&mut self) -> i64 {
        self.last_fake_id -= 1;
        self.last_fake_id
    }

    /// What `key` became in an earlier import (or earlier in this one). Every key of the source
    /// is read once, at the first question.
    async fn known(&mut self, kind: ImportedKind, key: &str) -> Result<Option<i64>, ImportError> {
        if !self.keys_read {
            let kept = self
                .store
                .import_keys_of(&self.source)
                .await
                .context("could not read what an earlier import made")?;
            self.keys.extend(kept.into_iter().map(|(kind, key, id)| ((kind, key), id)));
            self.keys_read = true;
        }
        Ok(self.keys.get(&(kind, key.to_owned())).copied())
    }

    async fn remember(&mut self, kind: ImportedKind, key: &str, id: i64) -> Result<(), ImportError> {
        if self.dry_run {
            return Ok(());
        }
        if self.keys.get(&(kind, key.to_owned())) == Some(&id) {
            return Ok(());
        }
        self.store
            .set_import_key(&self.source, kind, key, id)
            .await
            .with_context(|| format!("could not note what {key} became"))?;
        self.keys.insert((kind, key.to_owned()), id);
        Ok(())
    }

    async fn is_taken(&self, space: Space, slug: &Slug) -> Result<bool, ImportError> {
        let found = match space {
            Space::Article => self.store.article_by_slug(slug).await.map(drop),
            Space::Author => self.store.author_by_slug(slug).await.map(drop),
        };
        match found {
            Ok(()) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e).context(format!("could not check whether {slug} is taken")),
        }
    }

    /// `wanted`, or `wanted-2`, `wanted-3`… when it is taken here or earlier in this run.
    async fn free_slug(&mut self, space: Space, wanted: &Slug) -> Result<Slug, ImportError> {
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
                    .map_err(|source| ImportError::NoSlug { wanted: wanted.clone(), source })?
            };
            let claim = format!("{prefix}:{candidate}");
            if !self.claimed.contains(&claim) && !self.is_taken(space, &candidate).await? {
                self.claimed.insert(claim);
                return Ok(candidate);
            }
        }
        Err(ImportError::NoFreeSlug(wanted.clone()))
    }

    /// The author that `key` became: made, or updated from `new`. An export's empty bio or
    /// links never wipe what the newsroom wrote here since.
    pub(super) async fn author(&mut self, key: &str, new: NewAuthor) -> Result<i64, ImportError> {
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
                Err(e) => return Err(e).context("could not read an author"),
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
            Err(e) => return Err(e).context("could not read the authors"),
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
    pub(super) async fn term(&mut self, key: &str, new: NewTerm) -> Result<(i64, Slug), ImportError> {
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
                                return Err(e)
                                    .context(format!("could not update the {} {}", new.kind, new.name));
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
                Err(e) => return Err(e).context("could not read a term"),
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
            Err(e) => return Err(e).context("could not read the terms"),
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

    /// The media record of a file the export names: copied from `at.dir` to
    /// `<data>/media/uploads/<rel>` the first time, else, with `--fetch-media`, downloaded from
    /// its old address to `uploads/fetched/<host>/<path>`: (id, public address). None when
    /// neither has it (the reason is noted when a download failed).
    pub(super) async fn media_file(
        &mut self,
        key: &str,
        at: FileAt<'_>,
        alt: &str,
    ) -> Result<Option<(i64, String)>, ImportError> {
        let cache_key = format!("{}\u{0}{}", at.rel, at.url);
        if let Some(found) = self.files.get(&cache_key) {
            let found = found.clone();
            if let Some((id, _)) = &found {
                self.remember(ImportedKind::Media, key, *id).await?;
            }
            return Ok(found);
        }
        let mut found = self.place_file(key, &at, alt).await?;
        if found.is_none() {
            found = self.fetch_file(key, &at, alt).await?;
        }
        self.files.insert(cache_key, found.clone());
        Ok(found)
    }

    async fn place_file(
        &mut self,
        key: &str,
        at: &FileAt<'_>,
        alt: &str,
    ) -> Result<Option<(i64, String)>, ImportError> {
        if let Some(id) = self.known(ImportedKind::Media, key).await? {
            match self.store.media(id).await {
                // An image kept at its old address is taken again when it can now be had.
                Ok(media) if media.is_remote() => {}
                Ok(media) => return Ok(Some((id, media.public_path()))),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e).context("could not read the media library"),
            }
        }
        let rel = at.rel;
        let Some(relative) = inside(rel) else { return Ok(None) };
        let path = format!("uploads/{}", rel.trim_start_matches('/'));
        if let Some(found) = self.media_at(key, &path).await? {
            return Ok(Some(found));
        }
        let Some(dir) = at.dir else { return Ok(None) };
        let source = dir.join(&relative);
        // Only media, judged by content, and never through a link (which could publish any
        // file of the server): anything else stays out of the media folder and is listed.
        let size = match std::fs::symlink_metadata(&source) {
            Ok(meta) if meta.is_file() => meta.len(),
            _ => return Ok(None),
        };
        let Some(kind) = sniff(&source) else { return Ok(None) };
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
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let id = self.add_media(key, &path, kind, size, alt, "").await?;
        Ok(Some((id, public)))
    }

    /// The media record already at `path`, remembered as what `key` became.
    async fn media_at(&mut self, key: &str, path: &str) -> Result<Option<(i64, String)>, ImportError> {
        match self.store.media_by_path(path).await {
            Ok(media) => {
                self.remember(ImportedKind::Media, key, media.id).await?;
                Ok(Some((media.id, media.public_path())))
            }
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e).context("could not read the media library"),
        }
    }

    async fn add_media(
        &mut self,
        key: &str,
        path: &str,
        kind: &str,
        size: i64,
        alt: &str,
        credit: &str,
    ) -> Result<i64, ImportError> {
        let media = self
            .store
            .create_media(&NewMedia {
                path: path.to_owned(),
                mime_type: kind.to_owned(),
                size_bytes: size,
                width: None,
                height: None,
                alt: alt.to_owned(),
                credit: credit.to_owned(),
                variant_widths: Vec::new(),
                licence: String::new(),
                travels: true,
            })
            .await
            .with_context(|| format!("could not add {path} to the media library"))?;
        self.remember(ImportedKind::Media, key, media.id).await?;
        Ok(media.id)
    }

    /// With `--fetch-media`: the file downloaded from its old address through the outbound
    /// client (its size, time and address limits), judged by its content.
    async fn fetch_file(
        &mut self,
        key: &str,
        at: &FileAt<'_>,
        alt: &str,
    ) -> Result<Option<(i64, String)>, ImportError> {
        let Some(outbound) = self.fetch.clone() else { return Ok(None) };
        let Ok(url) = Url::parse(at.url) else { return Ok(None) };
        let Some(host) = url.host_str().filter(|_| matches!(url.scheme(), "http" | "https")) else {
            return Ok(None);
        };
        let rel = format!("fetched/{host}{}", url.path());
        let Some(relative) = inside(&rel) else { return Ok(None) };
        let path = format!("uploads/{}", relative.to_string_lossy());
        if let Some(found) = self.media_at(key, &path).await? {
            return Ok(Some(found));
        }
        let public = format!("/media/{path}");
        if self.dry_run {
            self.summary.media_downloaded += 1;
            return Ok(Some((self.fake_id(), public)));
        }
        let bytes = match outbound.get_bytes(&url).await {
            Ok(bytes) => bytes,
            Err(e) => {
                self.summary.remote(at.label, at.url, Some(format!("could not be downloaded: {e}")));
                return Ok(None);
            }
        };
        let Some(kind) = masthead_core::media::media_type(&bytes) else {
            self.summary.remote(
                at.label,
                at.url,
                Some("what it serves is not an image, audio or video".into()),
            );
            return Ok(None);
        };
        let target = self.media_dir.join("uploads").join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not make the media folder {}", parent.display()))?;
        }
        std::fs::write(&target, &bytes).with_context(|| format!("could not write {}", target.display()))?;
        self.summary.media_downloaded += 1;
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let id = self.add_media(key, &path, kind, size, alt, "").await?;
        Ok(Some((id, public)))
    }

    /// A lead image that could be neither copied nor downloaded, kept at its old address with
    /// its description and credit (the page shows it from there), so that the article keeps
    /// it. None when the address names no image.
    pub(super) async fn image_left_in_place(
        &mut self,
        key: &str,
        url: &str,
        alt: &str,
        credit: &str,
    ) -> Result<Option<i64>, ImportError> {
        let Some(kind) = masthead_core::AbsoluteUrl::parse(url)
            .ok()
            .and_then(|_| masthead_core::media::image_type_of_address(url))
        else {
            return Ok(None);
        };
        if let Some(id) = self.known(ImportedKind::Media, key).await? {
            match self.store.media(id).await {
                Ok(_) => return Ok(Some(id)),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e).context("could not read the media library"),
            }
        }
        if let Some((id, _)) = self.media_at(key, url).await? {
            return Ok(Some(id));
        }
        if self.dry_run {
            return Ok(Some(self.fake_id()));
        }
        self.add_media(key, url, kind, 0, alt, credit).await.map(Some)
    }

    /// `html` with every address under `prefix` whose file is in `dir` (or, with
    /// `--fetch-media`, can be downloaded) pointing at its copy in the site's media; the others
    /// stay as they were and are listed.
    pub(super) async fn localise(
        &mut self,
        label: &str,
        html: &str,
        prefix: &str,
        dir: Option<&Path>,
    ) -> Result<String, ImportError> {
        let mut copies = HashMap::new();
        for rel in referenced(html, prefix) {
            let url = format!("{prefix}{rel}");
            let at = FileAt { dir, rel: &rel, url: &url, label };
            match self.media_file(&format!("file:{rel}"), at, "").await? {
                Some((_, public)) => {
                    copies.insert(rel, public);
                }
                None => self.summary.remote(
                    label,
                    &url,
                    Some(match dir {
                        Some(dir) => format!("not found in {}", dir.display()),
                        None => "not downloaded".to_owned(),
                    }),
                ),
            }
        }
        Ok(rewrite(html, prefix, &copies))
    }

    /// Whether files may be downloaded from their old addresses (`--fetch-media`).
    pub(super) fn fetches(&self) -> bool {
        self.fetch.is_some()
    }

    /// Saves an article from the export: an update of the one it became before, or a new one in
    /// the next batch.
    pub(super) async fn article(
        &mut self,
        mut article: NewArticle,
        mut companions: Companions,
    ) -> Result<(), ImportError> {
        // Two items of one export known alike (items without ids, say): the later ones get a
        // number, so that each keeps its own article from one run to the next.
        if !self.article_keys.insert(companions.key.clone()) {
            let mut n = 2;
            while !self.article_keys.insert(format!("{}#{n}", companions.key)) {
                n += 1;
            }
            let unique = format!("{}#{n}", companions.key);
            self.summary.alter(
                &companions.label,
                format!("another item of the export is known as {}: this one is {unique}", companions.key),
            );
            companions.key = unique;
        }
        if let Some(id) = self.known(ImportedKind::Article, &companions.key).await? {
            let current = self
                .store
                .imported_current(id, &self.source, &companions.key)
                .await
                .context("could not read an article")?;
            // None: deleted here since the last import, and made again.
            if let Some(current) = current {
                return self.update(id, current, article, companions).await;
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
    ///
    /// Field by field, against what the export said last time: a field nobody changed here takes
    /// the export's; a field changed here keeps ours, and when the export changed it too, the
    /// conflict is reported (once: the next run compares with this export).
    async fn update(
        &mut self,
        id: i64,
        current: ImportedCurrent,
        new: NewArticle,
        companions: Companions,
    ) -> Result<(), ImportError> {
        let ImportedCurrent { revision, status, snapshot: ours, imported: noted } = current;
        // The export's texts in the form they are saved in, as ours and the last export's are:
        // a character no page may carry is not a change.
        let mut new = new;
        new.make_publishable();
        let base = match noted.clone() {
            Some(base) => base,
            None => self.last_imported(id).await?.unwrap_or_else(|| ours.clone()),
        };
        let mut merged = ours.clone();
        let mut conflicts = Vec::new();
        let c = &mut conflicts;
        merge("headline", &mut merged.title, &new.title, &base.title, c);
        merge("text", &mut merged.body, &new.body, &base.body, c);
        merge("excerpt", &mut merged.excerpt, &new.excerpt, &base.excerpt, c);
        merge("status", &mut merged.status, &new.status, &base.status, c);
        merge("date", &mut merged.published_at, &new.published_at, &base.published_at, c);
        merge("bylines", &mut merged.author_ids, &new.author_ids, &base.author_ids, c);
        merge("regions, themes and tags", &mut merged.term_ids, &new.term_ids, &base.term_ids, c);
        if new.featured_media_id.is_some() {
            let featured =
                |a: &NewArticle| (a.featured_media_id, a.featured_alt.clone(), a.featured_credit.clone());
            let mut kept = featured(&merged);
            merge("featured image", &mut kept, &featured(&new), &featured(&base), c);
            (merged.featured_media_id, merged.featured_alt, merged.featured_credit) = kept;
        }
        // Its time came and this site published it: it stays published.
        if merged.status == ArticleStatus::Scheduled
            && status == ArticleStatus::Published
            && merged.published_at.is_some_and(|at| at <= Timestamp::now())
        {
            merged.status = ArticleStatus::Published;
        }
        if !conflicts.is_empty() {
            self.summary.conflict(
                &companions.label,
                format!(
                    "changed here since the last import and in the export ({}): this site's kept",
                    conflicts.join(", ")
                ),
            );
        }
        if merged == ours {
            self.summary.articles.unchanged += 1;
        } else {
            if !self.dry_run {
                self.store
                    .update_article(id, revision, &merged, None)
                    .await
                    .with_context(|| format!("could not update {}", companions.label))?;
            }
            self.summary.articles.updated += 1;
        }
        if !self.dry_run && noted.as_ref() != Some(&new) {
            self.store
                .set_imported_article(&self.source, &companions.key, &new)
                .await
                .with_context(|| format!("could not note what the export said of {}", companions.label))?;
        }
        self.follow_up(vec![(id, merged.slug, companions)]).await
    }

    /// For keys kept before imports noted what the export said: the newest revision of article
    /// `id` saved without a user (imports save as nobody; the newsroom's edits carry their
    /// writer). None when there is none.
    async fn last_imported(&self, id: i64) -> Result<Option<NewArticle>, ImportError> {
        let revisions = self.store.revisions(id).await.context("could not read the article's history")?;
        let Some(revision) = revisions.into_iter().find(|r| r.user_id.is_none()) else { return Ok(None) };
        match self.store.revision_snapshot(id, revision.revision).await {
            Ok(snapshot) => Ok(Some(snapshot)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e).context("could not read what the last import wrote"),
        }
    }

    /// Writes the waiting new articles in one transaction, then what goes with each.
    pub(super) async fn flush(&mut self) -> Result<(), ImportError> {
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
        let mut saved = Vec::with_capacity(ids.len());
        for ((article, companions), id) in articles.into_iter().zip(companions).zip(ids) {
            // The batch wrote the article's key with it.
            self.keys.insert((ImportedKind::Article, companions.key.clone()), id);
            self.summary.articles.created += 1;
            saved.push((id, article.slug, companions));
        }
        self.follow_up(saved).await
    }

    /// Articles' old addresses and comments, once they have ids: the redirects of all of them
    /// in one go, and their comments a generation at a time (answers after what they answer).
    async fn follow_up(&mut self, saved: Vec<(i64, Slug, Companions)>) -> Result<(), ImportError> {
        let mut redirects: Vec<(String, String, String)> = Vec::new();
        let mut waiting: Vec<(i64, String, IncomingComment)> = Vec::new();
        for (id, slug, companions) in saved {
            let to = article_path(&slug);
            for old in &companions.old_addresses {
                redirects.push((companions.label.clone(), old.clone(), to.clone()));
            }
            waiting.extend(
                parents_first(companions.comments).into_iter().map(|c| (id, companions.label.clone(), c)),
            );
        }
        self.redirect_many(redirects).await?;
        // Each comment's new id, by its article and key.
        let mut placed: HashMap<(i64, String), i64> = HashMap::new();
        while !waiting.is_empty() {
            let keys_here: HashSet<(i64, String)> =
                waiting.iter().map(|(id, _, c)| (*id, c.key.clone())).collect();
            let (ready, rest): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|(id, _, c)| {
                c.parent_key.as_ref().is_none_or(|p| placed.contains_key(&(*id, p.clone())))
            });
            // What answers a comment that is neither saved nor waiting can never be placed.
            let (rest, orphans): (Vec<_>, Vec<_>) = rest.into_iter().partition(|(id, _, c)| {
                c.parent_key.as_ref().is_some_and(|p| keys_here.contains(&(*id, p.clone())))
            });
            for (_, label, comment) in orphans {
                self.summary
                    .skip(format!("{label}, {}", comment.key), "it answers a comment that is not imported");
            }
            // Answers that answer each other in a circle: none can be placed.
            if ready.is_empty() {
                for (_, label, comment) in rest {
                    self.summary.skip(
                        format!("{label}, {}", comment.key),
                        "it answers a comment that is not imported",
                    );
                }
                break;
            }
            waiting = rest;
            if self.dry_run {
                for (id, _, comment) in ready {
                    self.summary.comments.created += 1;
                    let fake = self.fake_id();
                    placed.insert((id, comment.key), fake);
                }
                continue;
            }
            let news: Vec<NewComment> = ready
                .iter()
                .map(|(id, _, comment)| NewComment {
                    article_id: *id,
                    parent_id: comment
                        .parent_key
                        .as_ref()
                        .and_then(|p| placed.get(&(*id, p.clone())).copied()),
                    author_name: comment.author_name.clone(),
                    author_email: comment.author_email.clone(),
                    author_url: comment.author_url.clone(),
                    body_html: comment.body_html.clone(),
                    created_at: comment.created_at,
                    approved: true,
                    source_key: Some(format!("{}:{}", self.source, comment.key)),
                })
                .collect();
            let outcomes = self
                .store
                .upsert_comments(&news)
                .await
                .with_context(|| format!("could not save the comments of {} on", ready[0].1))?;
            for ((id, _, comment), (comment_id, outcome)) in ready.into_iter().zip(outcomes) {
                self.summary.comments.count(outcome);
                placed.insert((id, comment.key), comment_id);
            }
        }
        Ok(())
    }

    /// Sends each old address to its article's; an address that cannot be redirected is noted.
    async fn redirect_many(&mut self, redirects: Vec<(String, String, String)>) -> Result<(), ImportError> {
        if self.dry_run {
            for (_, from, to) in redirects {
                let now = self.store.redirect_for(&from).await.context("could not read the redirects")?;
                match now.as_deref() == Some(to.as_str()) {
                    true => self.summary.redirects.unchanged += 1,
                    false => self.summary.redirects.changed += 1,
                }
            }
            return Ok(());
        }
        let pairs: Vec<(String, String)> =
            redirects.iter().map(|(_, from, to)| (from.clone(), to.clone())).collect();
        let outcomes = self.store.set_redirects(&pairs).await.context("could not save the redirects")?;
        for ((label, from, _), outcome) in redirects.into_iter().zip(outcomes) {
            match outcome {
                Ok(true) => self.summary.redirects.changed += 1,
                Ok(false) => self.summary.redirects.unchanged += 1,
                Err(reason) => {
                    self.summary.alter(label, format!("its old address {from} is not redirected: {reason}"))
                }
            }
        }
        Ok(())
    }

    /// Sends the old address `from` to `to`; an address that cannot be redirected is noted.
    pub(super) async fn redirect(&mut self, label: &str, from: &str, to: &str) -> Result<(), ImportError> {
        self.redirect_many(vec![(label.to_owned(), from.to_owned(), to.to_owned())]).await
    }
}

/// One field of [`Importer::update`]'s three-way merge: `ours` takes `theirs` when nobody
/// changed it here since `base` (what the last import wrote); when both sides changed it
/// differently, ours stays and `name` joins the conflicts.
fn merge<T: PartialEq + Clone>(
    name: &'static str,
    ours: &mut T,
    theirs: &T,
    base: &T,
    conflicts: &mut Vec<&str>,
) {
    if ours == base {
        ours.clone_from(theirs);
    } else if theirs != base && theirs != ours {
        conflicts.push(name);
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

/// A slug for `wanted` (the export's own, perhaps not ASCII), else for `title`, else
/// `fallback`; a changed one is noted.
pub(super) fn slug_for(
    summary: &mut Summary,
    label: &str,
    wanted: &str,
    title: &str,
    fallback: &str,
) -> Slug {
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
pub(super) fn distinct_addresses(addresses: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    addresses.into_iter().filter(|a| redirect_path(a).is_ok_and(|p| p != "/" && seen.insert(p))).collect()
}

/// The media type of the file at `path`, judged by its first bytes; `None` for anything that is
/// not media (or cannot be read).
fn sniff(path: &Path) -> Option<&'static str> {
    use std::io::Read;
    let mut head = Vec::with_capacity(masthead_core::media::SNIFF_BYTES);
    std::fs::File::open(path)
        .ok()?
        .take(masthead_core::media::SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    masthead_core::media::media_type(&head)
}

#[cfg(test)]
mod tests {
    use super::*;

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
