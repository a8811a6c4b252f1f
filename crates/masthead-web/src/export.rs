//! The static export: the whole public site written as files that any web server can serve,
//! each one the very bytes `masthead serve` answers for its address: articles, older list pages
//! and archive feeds rendered in bulk by the handlers' own functions, the rest asked of the
//! router. Runs on
//! every core; a second run writes only what changed, and removes what is no longer published.
//!
//! Every page of every list is written (older pages live at `…/page/{cursor}`). Addresses that
//! only exist with a query (`/ninjs/items?since=…`, for partners' machines) have no file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use masthead_core::{Article, Cursor, Site, Term, TermKind};
use masthead_formats::feeds::{self, FEED_LENGTH, FeedScope};
use masthead_formats::json_text::JsonText;
use masthead_store::{Page, Surroundings};
use tower::ServiceExt;

use crate::public::pages::{self, ArchiveFrame, Front};
use crate::state::AppState;
use crate::syndication::republish;

/// The list of files an export wrote, kept in the export folder for the next run.
const MANIFEST: &str = ".masthead-export";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// Addresses rendered.
    pub pages: usize,
    /// Files written because they were new or had changed.
    pub written: usize,
    /// Files left as they were.
    pub unchanged: usize,
    /// Files of an earlier export that are no longer published.
    pub removed: usize,
    /// Media files copied.
    pub media: usize,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("could not write {path}")]
    Io { path: String, source: std::io::Error },
    #[error("{0} answered {1}")]
    Page(String, StatusCode),
    #[error("could not render {0}: {1}")]
    Render(String, String),
    #[error(transparent)]
    Store(#[from] masthead_store::StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io { path: path.display().to_string(), source }
}

/// Every public address of the site that has a file of its own: what [`routed_addresses`]
/// names, and each article's four documents, each list's older pages and its feeds, which the
/// export renders in bulk. The export does not read this list (it learns the bulk part as it
/// reads the articles); it is the independent account of what an export must hold.
pub async fn public_addresses(state: &AppState) -> Result<Vec<String>, ExportError> {
    let store = state.store();
    let mut paths = routed_addresses(state).await?;
    let index = store.published_index().await?;
    for entry in &index {
        let base = masthead_core::article::article_path(&entry.slug);
        paths.push(format!("{base}.ninjs.json"));
        paths.push(format!("{base}/republish"));
        paths.push(format!("{base}/republish.json"));
        paths.push(base);
    }
    let feeds = |base: String| ["/feed.xml", "/atom.xml", "/feed.json"].map(|f| format!("{base}{f}"));
    paths.extend(feeds(String::new()));
    // Every older page of every list, as the pagers link to them (each list's page starts read
    // from its keys in one statement, not page by page).
    let size = state.page_size();
    for start in store.published_page_starts(size).await? {
        paths.push(crate::paths::older_page("/", &start));
    }
    for author in store.authors().await? {
        let base = author.path();
        for start in store.author_page_starts(author.id, size).await? {
            paths.push(crate::paths::older_page(&base, &start));
        }
        paths.extend(feeds(base));
    }
    for kind in TermKind::ALL {
        for term in store.terms(kind).await? {
            let base = term.path();
            for start in store.term_page_starts(term.id, size).await? {
                paths.push(crate::paths::older_page(&base, &start));
            }
            paths.extend(feeds(base));
        }
    }
    Ok(paths)
}

/// The public addresses the export asks of the router, one at a time: the home page, sitemaps,
/// terms of reuse, the first page of each author's and term's archive, static pages and
/// assets. None of them grows with the number of articles but the sitemaps (one per span of
/// ids).
pub async fn routed_addresses(state: &AppState) -> Result<Vec<String>, ExportError> {
    let store = state.store();
    let mut paths: Vec<String> =
        ["/", "/sitemap.xml", "/news-sitemap.xml", "/robots.txt"].map(str::to_owned).to_vec();
    paths.extend(masthead_core::ReusePolicy::ALL.map(|p| p.terms_path()));
    paths.extend(crate::syndication::sitemap_paths(store.published_span().await?.as_ref()));
    for author in store.authors().await? {
        paths.push(author.path());
    }
    for kind in TermKind::ALL {
        for term in store.terms(kind).await? {
            paths.push(term.path());
        }
    }
    for page in store.pages().await? {
        paths.push(page.path());
    }
    // The site's colours, when it has its own (a static server serves the file, whatever the query).
    if let Some(colors) = crate::views::site_view(&state.site().await?).colors {
        paths.push(colors);
    }
    paths.extend(state.theme().asset_paths());
    Ok(paths)
}

/// Where the file for `address` goes: pages become `…/index.html`, documents keep their name.
pub fn file_for(address: &str) -> PathBuf {
    let address = address.split('?').next().unwrap_or_default();
    let trimmed = address.trim_start_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or_default();
    if trimmed.is_empty() {
        PathBuf::from("index.html")
    } else if last.contains('.') {
        PathBuf::from(trimmed)
    } else {
        Path::new(trimmed).join("index.html")
    }
}

/// Renders one address through the router: exactly what a visitor would get.
pub async fn render(router: &axum::Router, address: &str) -> Result<Vec<u8>, ExportError> {
    let request = Request::builder().uri(address).body(Body::empty()).expect("a valid address");
    let response = router.clone().oneshot(request).await.expect("the router answers every request");
    if response.status() != StatusCode::OK {
        return Err(ExportError::Page(address.to_owned(), response.status()));
    }
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.map_err(|e| {
        ExportError::Io { path: address.into(), source: std::io::Error::other(e.to_string()) }
    })?;
    Ok(bytes.to_vec())
}

/// Writes `bytes` to `path` unless the file already holds them; answers whether it wrote.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, ExportError> {
    use std::io::{ErrorKind, Write};
    // A page is a folder of its own (`index.html`), new in a first export: the folder is made
    // first, rather than after failing to open the file in it (of a first export's 47,000
    // calls to the system for 1,000 articles, 2,900 were such failures; now 670 are).
    if let Some(parent) = path.parent().filter(|_| path.ends_with("index.html")) {
        match std::fs::create_dir(parent) {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                std::fs::create_dir_all(parent).map_err(io(parent))?
            }
            Err(e) if e.kind() != ErrorKind::AlreadyExists => return Err(io(parent)(e)),
            _ => {}
        }
    }
    // A file that is not there yet is created and written in place, as there is no earlier
    // version to keep serving meanwhile; its folder is made when it is missing.
    let create = || std::fs::OpenOptions::new().write(true).create_new(true).open(path);
    let created = match create() {
        Err(e) if e.kind() == ErrorKind::NotFound => match path.parent() {
            Some(parent) => {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
                create()
            }
            None => Err(e),
        },
        other => other,
    };
    match created {
        Ok(mut file) => {
            file.write_all(bytes).map_err(io(path))?;
            return Ok(true);
        }
        Err(e) if e.kind() != ErrorKind::AlreadyExists => return Err(io(path)(e)),
        Err(_) => {}
    }
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    // Replace through a file beside it: a web server serving the folder never sees half a page.
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".masthead-tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    Ok(true)
}

/// Articles read from the database at a time.
const ARTICLE_BATCH: u32 = 64;
/// List pages handed to a renderer at a time.
const LIST_BATCH: usize = 16;

/// What a renderer is given: whole articles (each read once for its four documents), older
/// pages of a list (what lists show of each article made once for all of them), or feeds.
enum Job {
    Articles(Vec<(Article, Surroundings)>),
    Pages(Arc<ListFrame>, Arc<Views>, Vec<ListPage>),
    /// A list's three feeds, from its newest articles read once.
    Feeds(FeedScope, Vec<Article>),
}

/// What the lists show of each published article, by id: the item with its summary's HTML
/// ([`list_items`](crate::views::list_items)), made once for every list and page that shows
/// the article. Only the items are kept (the views they are made from would be a second copy).
type Views = std::collections::HashMap<i64, minijinja::Value>;

/// An older page of a list: the articles after `after`, and where the next page starts.
struct ListPage {
    after: Cursor,
    ids: Vec<i64>,
    next: Option<Cursor>,
}

/// What every page of a list shows around its items.
enum ListFrame {
    Home,
    Archive(Box<ArchiveFrame>),
}

/// What every renderer shares: the site as read once, and where the files go.
struct Shared {
    state: AppState,
    site: Site,
    nav: Vec<Term>,
    dir: PathBuf,
    /// The bodies for copies of the articles in feeds, by id and revision, made once: an
    /// article is in several feeds (the home page's, its author's, each of its terms'). At
    /// most the feeds' length for each list; only those that differ from the body.
    feed_bodies: std::sync::Mutex<std::collections::HashMap<(i64, i64), Arc<str>>>,
    done: AtomicUsize,
    /// The files to write, as far as the readers have found them.
    total: AtomicUsize,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
}

/// What one renderer did: its part of the report, and the addresses it wrote.
#[derive(Default)]
struct Part {
    report: ExportReport,
    addresses: Vec<String>,
}

impl Shared {
    /// An article's body for copies as feeds carry it, made once for all of them.
    fn feed_body(&self, article: &Article) -> String {
        let key = (article.id, article.revision);
        let kept = self.feed_bodies.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned();
        if let Some(kept) = kept {
            return kept.to_string();
        }
        let made = masthead_formats::portable_body(&self.site, article);
        // A body that is its own copy (no address to make absolute, nothing added) is made
        // again as cheaply as it is kept, and is not kept.
        if made != article.body.html {
            self.feed_bodies.lock().unwrap_or_else(|e| e.into_inner()).insert(key, made.as_str().into());
        }
        made
    }

    /// Writes one address's file and counts it.
    fn put(&self, part: &mut Part, address: String, bytes: &[u8]) -> Result<(), ExportError> {
        let wrote = write_if_changed(&self.dir.join(file_for(&address)), bytes)?;
        part.report.pages += 1;
        part.report.bytes += bytes.len() as u64;
        if wrote {
            part.report.written += 1;
        } else {
            part.report.unchanged += 1;
        }
        part.addresses.push(address);
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        (self.progress)(done, self.total.load(Ordering::Relaxed).max(done));
        Ok(())
    }

    /// Renders and writes a job's documents with the very functions that answer their addresses.
    fn run(&self, job: Job, part: &mut Part) -> Result<(), ExportError> {
        let (state, site) = (&self.state, &self.site);
        match job {
            Job::Articles(articles) => {
                for (article, around) in articles {
                    let base = article.path();
                    let failed = |e: crate::AppError| ExportError::Render(base.clone(), e.to_string());
                    let frames = masthead_core::body::frame_origins(&article.body.html);
                    let page = pages::article_html(state, site, &self.nav, &article, around, &frames, false)
                        .map_err(failed)?;
                    // The body for copies, made and escaped for JSON once for the ninjs and the
                    // republish documents.
                    let body = JsonText::escaped(masthead_formats::portable_body(site, &article));
                    let ninjs =
                        crate::documents::ninjs_body_with(site, &article, body.clone()).map_err(failed)?;
                    let (copy_page, copy_json) =
                        republish::republish_documents(state, site, &article, body).map_err(failed)?;
                    // The page first: its folder holds the others'.
                    self.put(part, base.clone(), page.as_bytes())?;
                    self.put(part, format!("{base}/republish"), copy_page.as_bytes())?;
                    self.put(part, format!("{base}/republish.json"), copy_json.as_bytes())?;
                    self.put(part, format!("{base}.ninjs.json"), ninjs.as_bytes())?;
                }
            }
            Job::Pages(frame, views, list_pages) => {
                for page in list_pages {
                    // An article published since the views were made is left to the next run.
                    let items: Vec<minijinja::Value> =
                        page.ids.iter().filter_map(|id| views.get(id).cloned()).collect();
                    let (address, html) = match frame.as_ref() {
                        ListFrame::Home => (
                            crate::paths::older_page("/", &page.after),
                            pages::home_html(
                                state,
                                site,
                                &self.nav,
                                Front::default(),
                                &items,
                                pages::pager_of("/", Some(page.after), page.next),
                            ),
                        ),
                        ListFrame::Archive(frame) => (
                            crate::paths::older_page(frame.base(), &page.after),
                            pages::archive_page_html(
                                state,
                                frame,
                                &items,
                                pages::pager_of(frame.base(), Some(page.after), page.next),
                            ),
                        ),
                    };
                    let html = html.map_err(|e| ExportError::Render(address.clone(), e.to_string()))?;
                    self.put(part, address, html.as_bytes())?;
                }
            }
            Job::Feeds(scope, articles) => {
                let [rss, atom, json] = feeds::all_formats(site, &scope, &articles, |a| self.feed_body(a));
                self.put(part, scope.rss_path(), rss.as_bytes())?;
                self.put(part, scope.atom_path(), atom.as_bytes())?;
                self.put(part, scope.json_path(), json.as_bytes())?;
            }
        }
        Ok(())
    }
}

/// Hands the older pages of the list whose articles are `keys` (all but the first page, which
/// the router renders) to the renderers, each page as its pager reads it: `size` articles after
/// the last of the page before, with the next page's start when there is one; then its three
/// feeds (`feed`), from its newest articles.
async fn list_pages(
    shared: &Shared,
    keys: &[Cursor],
    frame: Arc<ListFrame>,
    views: &Arc<Views>,
    feed: FeedScope,
    queue: &tokio::sync::mpsc::Sender<Job>,
) -> Result<(), ExportError> {
    let state = &shared.state;
    let size = state.page_size().clamp(1, 200) as usize;
    let chunks: Vec<&[Cursor]> = keys.chunks(size).collect();
    shared.total.fetch_add(chunks.len().saturating_sub(1) + 3, Ordering::Relaxed);
    let mut batch = Vec::new();
    for (k, chunk) in chunks.iter().enumerate().skip(1) {
        batch.push(ListPage {
            after: chunks[k - 1][size - 1],
            ids: chunk.iter().map(|c| c.id).collect(),
            next: if k + 1 < chunks.len() { chunk.last().copied() } else { None },
        });
        if batch.len() == LIST_BATCH {
            send(queue, Job::Pages(frame.clone(), views.clone(), std::mem::take(&mut batch))).await?;
        }
    }
    if !batch.is_empty() {
        send(queue, Job::Pages(frame, views.clone(), batch)).await?;
    }
    // What the feeds show: the newest, as their handlers read them.
    let newest: Vec<i64> = keys.iter().take(FEED_LENGTH as usize).map(|c| c.id).collect();
    let articles = state.store().articles(&newest).await?;
    send(queue, Job::Feeds(feed, articles)).await
}

/// The list items of `summaries`, by id, made off the async workers: the theme renders each
/// one's summary.
async fn list_items(
    state: &AppState,
    summaries: Vec<masthead_core::ArticleSummary>,
) -> Result<Vec<(i64, minijinja::Value)>, ExportError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let views: Vec<_> = summaries.iter().map(crate::views::summary_view).collect();
        let items = crate::views::list_items(state.theme(), &views.iter().collect::<Vec<_>>())
            .map_err(|e| ExportError::Render("a list's summaries".into(), e.to_string()))?;
        Ok(summaries.iter().map(|s| s.id).zip(items).collect())
    })
    .await
    .map_err(|e| ExportError::Render("a list's summaries".into(), e.to_string()))?
}

async fn send(queue: &tokio::sync::mpsc::Sender<Job>, job: Job) -> Result<(), ExportError> {
    // The renderers stop taking jobs only when one of them failed; its error is the one reported.
    queue.send(job).await.map_err(|_| ExportError::Render("the export".into(), "a renderer stopped".into()))
}

/// Reads every published article, a batch at a time, for the renderers.
async fn read_articles(state: AppState, queue: tokio::sync::mpsc::Sender<Job>) -> Result<(), ExportError> {
    let mut after = None;
    loop {
        let batch = state.store().published_pages(after, ARTICLE_BATCH).await?;
        let Some((last, _)) = batch.last() else { break };
        after = last.published_at.map(|published_at| Cursor { published_at, id: last.id });
        let full = batch.len() == ARTICLE_BATCH as usize;
        send(&queue, Job::Articles(batch)).await?;
        if !full || after.is_none() {
            break;
        }
    }
    Ok(())
}

/// Reads every list (the home page's, each author's, each term's) for the renderers: what the
/// lists show of each article once, then each list's keys.
async fn read_lists(shared: Arc<Shared>, queue: tokio::sync::mpsc::Sender<Job>) -> Result<(), ExportError> {
    let state = &shared.state;
    let store = state.store();
    let (mut views, mut keys, mut after) = (Views::new(), Vec::new(), None);
    loop {
        let listing = store.published(Page { after, limit: 200 }).await?;
        keys.extend(listing.items.iter().map(masthead_core::ArticleSummary::cursor));
        views.extend(list_items(state, listing.items).await?);
        match listing.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    // Every published article's four documents, which the other reader reads.
    shared.total.fetch_add(4 * keys.len(), Ordering::Relaxed);
    let views = Arc::new(views);
    let mut lists = vec![List::Home(keys)];
    lists.extend(store.authors().await?.into_iter().map(List::Author));
    for kind in TermKind::ALL {
        lists.extend(store.terms(kind).await?.into_iter().map(List::Term));
    }
    // A few lists at a time, each on its own connection: reading a list's keys and its feeds'
    // articles one list after another left the renderers waiting at the end.
    lists.reverse();
    let lists = Arc::new(std::sync::Mutex::new(lists));
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..LISTS_AT_ONCE {
        let (shared, views, queue, lists) = (shared.clone(), views.clone(), queue.clone(), lists.clone());
        readers.spawn(async move {
            loop {
                let next = lists.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let Some(list) = next else { break };
                read_list(&shared, list, &views, &queue).await?;
            }
            Ok::<(), ExportError>(())
        });
    }
    while let Some(joined) = readers.join_next().await {
        joined
            .map_err(|e| ExportError::Io { path: "a reader".into(), source: std::io::Error::other(e) })??;
    }
    Ok(())
}

/// Lists read at the same time.
const LISTS_AT_ONCE: usize = 2;

/// A list whose older pages and feeds the export writes: the home page's (with its keys, read
/// already), an author's or a term's.
enum List {
    Home(Vec<Cursor>),
    Author(masthead_core::Author),
    Term(Term),
}

/// Reads one list's keys, and hands its older pages and its feeds to the renderers.
async fn read_list(
    shared: &Shared,
    list: List,
    views: &Arc<Views>,
    queue: &tokio::sync::mpsc::Sender<Job>,
) -> Result<(), ExportError> {
    let (state, site, nav) = (&shared.state, &shared.site, &shared.nav);
    let store = state.store();
    match list {
        List::Home(keys) => {
            list_pages(shared, &keys, Arc::new(ListFrame::Home), views, FeedScope::site(site), queue).await
        }
        List::Author(author) => {
            let keys = store.author_keys(author.id).await?;
            let frame = ListFrame::Archive(Box::new(pages::author_frame(state, site, nav, &author)));
            list_pages(shared, &keys, Arc::new(frame), views, FeedScope::author(site, &author), queue).await
        }
        List::Term(term) => {
            let keys = store.term_keys(term.id).await?;
            let frame = ListFrame::Archive(Box::new(
                pages::term_frame(state, site, nav, &term)
                    .await
                    .map_err(|e| ExportError::Render(term.path(), e.to_string()))?,
            ));
            list_pages(shared, &keys, Arc::new(frame), views, FeedScope::term(site, &term), queue).await
        }
    }
}

/// Exports the public site of `state` into `dir`. `progress` hears (done, total).
///
/// Articles, the older pages of lists and the lists' feeds are read in batches and rendered on
/// every core, off the async workers, by the functions that answer their addresses; the rest of
/// the site (first pages, sitemaps, static pages, assets) goes through the router meanwhile.
pub async fn export_static(
    state: &AppState,
    dir: &Path,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Result<ExportReport, ExportError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    // Every page rendered afresh: the export must not keep copies in memory.
    state.page_cache().set_capacity(0);
    let router = crate::router(state.clone());
    // What the router answers is known at once; the rest is counted as the readers find it.
    let addresses = routed_addresses(state).await?;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let site = state.site().await?;
    let nav = state.nav_terms().await?;
    let shared = Arc::new(Shared {
        state: state.clone(),
        site,
        nav,
        dir: dir.to_owned(),
        feed_bodies: Default::default(),
        done: AtomicUsize::new(0),
        total: AtomicUsize::new(addresses.len()),
        progress,
    });

    // The renderers, one per core, take jobs from a short queue: memory stays bounded by the
    // queue, whatever the size of the site.
    let (queue, jobs) = tokio::sync::mpsc::channel::<Job>(cores * 2);
    let jobs = Arc::new(std::sync::Mutex::new(jobs));
    let mut renderers = tokio::task::JoinSet::new();
    for _ in 0..cores {
        let (jobs, shared) = (jobs.clone(), shared.clone());
        renderers.spawn_blocking(move || {
            let mut part = Part::default();
            loop {
                let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).blocking_recv();
                let Some(job) = job else { break };
                if let Err(e) = shared.run(job, &mut part) {
                    // Closing the queue stops the reader, too.
                    jobs.lock().unwrap_or_else(|e| e.into_inner()).close();
                    return Err(e);
                }
            }
            Ok::<Part, ExportError>(part)
        });
    }
    // Articles and lists are read side by side, each on its own connection.
    let readers = [
        tokio::spawn(read_articles(state.clone(), queue.clone())),
        tokio::spawn(read_lists(shared.clone(), queue)),
    ];
    // The rest through the router, a few at a time, meanwhile: none of its addresses is one
    // the renderers write, and it keeps the cores busy while they wait for the readers.
    let routed = tokio::spawn(routed_pages(shared.clone(), router, addresses, cores * 2));
    let mut report = ExportReport::default();
    let mut written: BTreeSet<String> = BTreeSet::new();
    let mut failure = None;
    while let Some(joined) = renderers.join_next().await {
        match joined {
            Ok(Ok(part)) => {
                add(&mut report, &part.report);
                written.extend(part.addresses);
            }
            Ok(Err(e)) => failure = failure.or(Some(e)),
            Err(e) => {
                failure = failure
                    .or(Some(ExportError::Io { path: "a renderer".into(), source: std::io::Error::other(e) }))
            }
        }
    }
    if let Some(e) = failure {
        // The router's pages are not finished for an export that has failed.
        routed.abort();
        return Err(e);
    }
    let routed = routed.await;
    for reader in readers {
        reader
            .await
            .map_err(|e| ExportError::Io { path: "a reader".into(), source: std::io::Error::other(e) })??;
    }
    let part = routed
        .map_err(|e| ExportError::Io { path: "a worker".into(), source: std::io::Error::other(e) })??;
    add(&mut report, &part.report);
    written.extend(part.addresses);
    report.media = match state.media_dir() {
        Some(folder) => copy_media(folder, &dir.join("media"))?,
        None => {
            let to = dir.join("media");
            state.newsroom().media().fetch_folder("", &to).await.map_err(io(&to))?
        }
    };

    // What an earlier export wrote and this one did not is no longer published.
    let files: BTreeSet<String> =
        written.iter().map(|a| file_for(a).to_string_lossy().into_owned()).collect();
    let manifest = dir.join(MANIFEST);
    if let Ok(old) = std::fs::read_to_string(&manifest) {
        for stale in old.lines().filter(|l| !l.is_empty() && !files.contains(*l)) {
            let path = dir.join(stale);
            if path.starts_with(dir) && std::fs::remove_file(&path).is_ok() {
                report.removed += 1;
            }
        }
    }
    let listing: String = files.iter().map(|f| format!("{f}\n")).collect();
    std::fs::write(&manifest, listing).map_err(io(&manifest))?;
    Ok(report)
}

/// Renders `addresses` through `router`, `workers` at a time, and writes them.
async fn routed_pages(
    shared: Arc<Shared>,
    router: axum::Router,
    addresses: Vec<String>,
    workers: usize,
) -> Result<Part, ExportError> {
    let queue = Arc::new(std::sync::Mutex::new(addresses));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (queue, router, shared) = (queue.clone(), router.clone(), shared.clone());
        tasks.spawn(async move {
            let mut part = Part::default();
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let Some(address) = next else { break };
                let bytes = render(&router, &address).await?;
                let shared = shared.clone();
                part = tokio::task::spawn_blocking(move || {
                    let mut part = part;
                    shared.put(&mut part, address, &bytes).map(|()| part)
                })
                .await
                .map_err(|e| ExportError::Io {
                    path: "a writer".into(),
                    source: std::io::Error::other(e),
                })??;
            }
            Ok::<Part, ExportError>(part)
        });
    }
    let mut all = Part::default();
    while let Some(joined) = tasks.join_next().await {
        let part = joined
            .map_err(|e| ExportError::Io { path: "a worker".into(), source: std::io::Error::other(e) })??;
        add(&mut all.report, &part.report);
        all.addresses.extend(part.addresses);
    }
    Ok(all)
}

fn add(report: &mut ExportReport, part: &ExportReport) {
    report.pages += part.pages;
    report.written += part.written;
    report.unchanged += part.unchanged;
    report.bytes += part.bytes;
}

/// Copies the media folder's files that are missing or differ in size; answers how many.
fn copy_media(from: &Path, to: &Path) -> Result<usize, ExportError> {
    let mut copied = 0;
    let Ok(entries) = std::fs::read_dir(from) else { return Ok(0) };
    for entry in entries {
        let entry = entry.map_err(io(from))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(io(&source))?;
        if kind.is_dir() {
            copied += copy_media(&source, &target)?;
        } else if kind.is_file() {
            let size = entry.metadata().map_err(io(&source))?.len();
            if std::fs::metadata(&target).map(|m| m.len()).ok() != Some(size) {
                std::fs::create_dir_all(to).map_err(io(to))?;
                std::fs::copy(&source, &target).map_err(io(&target))?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_files_any_server_finds() {
        assert_eq!(file_for("/"), PathBuf::from("index.html"));
        assert_eq!(file_for("/article/water"), PathBuf::from("article/water/index.html"));
        assert_eq!(file_for("/article/water.ninjs.json"), PathBuf::from("article/water.ninjs.json"));
        assert_eq!(file_for("/region/europe/feed.xml"), PathBuf::from("region/europe/feed.xml"));
        assert_eq!(file_for("/article/water/republish"), PathBuf::from("article/water/republish/index.html"));
        assert_eq!(file_for("/site.css?accent=225588"), PathBuf::from("site.css"));
        assert_eq!(file_for("/about"), PathBuf::from("about/index.html"));
    }
}
