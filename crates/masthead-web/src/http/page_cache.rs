//! The page cache: public responses (pages, feeds, sitemaps, ninjs) kept in memory with their
//! validators, compressed once (gzip and brotli) when stored, bounded in bytes, and dropped
//! precisely when what they show changes.
//!
//! Each cacheable response names what it shows in its `Surrogate-Key` header ("article-12
//! author-3 listing"), which a CDN in front can purge by too. The store announces what each
//! write changed (`Store::subscribe_changes`; on PostgreSQL through LISTEN/NOTIFY, so every
//! node hears every change), and the entries carrying those names go. A response rendered
//! while a change arrived is not kept, so a purge can never be overtaken by an old page.
//!
//! A hit never waits on the database (stale-if-error): it is answered from memory, and the
//! headers added around it read the settings kept here. While the database is unreachable the
//! store announces nothing, so what is kept is served; when it is back, "all" is announced.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use masthead_store::Store;

/// The default bound of the cache, in bytes of stored responses (all encodings).
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;
/// The largest single response kept.
const MAX_ENTRY_BYTES: usize = 4 * 1024 * 1024;
/// The default longest time a response is kept: the last line of defence should a change
/// never be heard (a notification lost with a connection), since every change purges what it
/// touched as it is made.
pub const DEFAULT_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(300);

const SURROGATE_KEY: HeaderName = HeaderName::from_static("surrogate-key");
const CACHE_TAG: HeaderName = HeaderName::from_static("cache-tag");
const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// What a response shows, as cache names ("article:12"); see `masthead_store::Changed`.
#[derive(Debug, Clone, Default)]
pub struct Tags(pub Vec<String>);

impl Tags {
    pub fn new(first: impl IntoIterator<Item = String>) -> Tags {
        Tags(first.into_iter().collect())
    }

    pub fn add(&mut self, tag: String) {
        self.0.push(tag);
    }

    /// The tags of the articles a list shows: each article, its authors and its terms.
    pub fn add_summaries(&mut self, items: &[masthead_core::ArticleSummary]) {
        for s in items {
            self.0.push(format!("article:{}", s.id));
            self.0.extend(s.authors.iter().map(|a| format!("author:{}", a.id)));
            self.0.extend(s.terms.iter().map(|t| format!("term:{}", t.id)));
        }
    }

    /// The tags of a whole article: it, its authors, its terms.
    pub fn add_article(&mut self, a: &masthead_core::Article) {
        self.0.push(format!("article:{}", a.id));
        self.0.extend(a.authors.iter().map(|p| format!("author:{}", p.id)));
        self.0.extend(a.terms.iter().map(|t| format!("term:{}", t.id)));
    }

    /// Sets the `Surrogate-Key` (space-separated) and `Cache-Tag` (comma-separated) headers.
    pub fn apply(mut self, mut response: Response) -> Response {
        self.0.sort_unstable();
        self.0.dedup();
        let names: Vec<String> = self.0.iter().map(|t| t.replace(':', "-")).collect();
        if let Ok(v) = HeaderValue::from_str(&names.join(" ")) {
            response.headers_mut().insert(SURROGATE_KEY, v);
        }
        if let Ok(v) = HeaderValue::from_str(&names.join(",")) {
            response.headers_mut().insert(CACHE_TAG, v);
        }
        response
    }
}

/// A kept response: where it stands in the cache's order, and the page itself, shared, so that
/// a hit copies no more than a pointer.
#[derive(Clone)]
struct Entry {
    stamp: u64,
    /// When it was stored: past the cache's `max_age` it is rendered again.
    stored: std::time::Instant,
    page: Arc<Page>,
}

impl std::ops::Deref for Entry {
    type Target = Page;
    fn deref(&self) -> &Page {
        &self.page
    }
}

struct Page {
    headers: Vec<(HeaderName, HeaderValue)>,
    etag: Option<HeaderValue>,
    last_modified: Option<jiff::Timestamp>,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    tags: Vec<String>,
    /// Every header of the whole answer to a plain GET, once one went out through every layer,
    /// by encoding (identity, gzip, brotli): what [`FastPath`] answers the next ones with.
    served: [std::sync::OnceLock<HeaderMap>; 3],
}

impl Page {
    fn size(&self) -> usize {
        self.identity.len() + self.gzip.len() + self.brotli.len() + 512
    }

    fn body(&self, encoding: Encoding) -> (&Bytes, Option<&'static str>) {
        match encoding {
            Encoding::Brotli if !self.brotli.is_empty() => (&self.brotli, Some("br")),
            Encoding::Gzip | Encoding::Brotli if !self.gzip.is_empty() => (&self.gzip, Some("gzip")),
            _ => (&self.identity, None),
        }
    }
}

#[derive(Default)]
struct Inner {
    capacity: usize,
    /// `None`: kept until purged or pushed out.
    max_age: Option<std::time::Duration>,
    bytes: usize,
    clock: u64,
    /// Bumped by every purge: a response rendered across a purge is not stored.
    generation: u64,
    entries: HashMap<String, Entry>,
    by_tag: HashMap<String, HashSet<String>>,
    by_age: BTreeMap<u64, String>,
}

impl Inner {
    fn remove(&mut self, key: &str) {
        if let Some(e) = self.entries.remove(key) {
            self.bytes -= e.size();
            self.by_age.remove(&e.stamp);
            for tag in &e.tags {
                if let Some(set) = self.by_tag.get_mut(tag) {
                    set.remove(key);
                    if set.is_empty() {
                        self.by_tag.remove(tag);
                    }
                }
            }
        }
    }
}

/// What almost every page reads and rarely changes: the settings, and the top regions and
/// themes of the navigation. Dropped with the pages on "all" and "nav".
#[derive(Default)]
struct Memo {
    site: Option<masthead_core::Site>,
    nav: Option<Vec<masthead_core::Term>>,
    /// When the first of them was kept: both go past the cache's `max_age`, as pages do.
    since: Option<std::time::Instant>,
}

impl Memo {
    fn keep(&mut self, keep: impl FnOnce(&mut Memo)) {
        keep(self);
        self.since.get_or_insert_with(std::time::Instant::now);
    }
}

/// Shared by every request of one node.
#[derive(Clone)]
pub struct PageCache {
    inner: Arc<Mutex<Inner>>,
    memo: Arc<Mutex<Memo>>,
    changes: Arc<Mutex<Option<tokio::sync::broadcast::Receiver<masthead_store::Changed>>>>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (entries, bytes) = self.usage();
        f.debug_struct("PageCache").field("entries", &entries).field("bytes", &bytes).finish()
    }
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache::new(DEFAULT_CACHE_BYTES)
    }
}

impl PageCache {
    /// A cache of at most `capacity` bytes; 0 keeps nothing.
    pub fn new(capacity: usize) -> PageCache {
        PageCache {
            inner: Arc::new(Mutex::new(Inner {
                capacity,
                max_age: Some(DEFAULT_MAX_AGE),
                ..Inner::default()
            })),
            memo: Arc::new(Mutex::new(Memo::default())),
            changes: Arc::new(Mutex::new(None)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent maps behind; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_capacity(&self, capacity: usize) {
        let mut inner = self.lock();
        inner.capacity = capacity;
        while inner.bytes > inner.capacity {
            let Some((_, key)) = inner.by_age.pop_first() else { break };
            inner.remove(&key);
        }
    }

    /// The longest time a response is kept ([`DEFAULT_MAX_AGE`] unless set).
    pub fn set_max_age(&self, max_age: std::time::Duration) {
        self.lock().max_age = Some(max_age);
    }

    pub fn is_enabled(&self) -> bool {
        self.lock().capacity > 0
    }

    /// How many responses are kept, and their bytes.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.entries.len(), inner.bytes)
    }

    /// Drops every response that shows any of `tags` ("all" drops everything).
    pub fn purge(&self, tags: &[String]) {
        {
            let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
            if tags.iter().any(|t| t == "all") {
                *memo = Memo::default();
            } else if tags.iter().any(|t| t == "nav") {
                memo.nav = None;
            }
        }
        let mut inner = self.lock();
        inner.generation += 1;
        if tags.iter().any(|t| t == "all") {
            let (capacity, max_age, generation) = (inner.capacity, inner.max_age, inner.generation);
            *inner = Inner { capacity, max_age, generation, ..Inner::default() };
            return;
        }
        let keys: HashSet<String> =
            tags.iter().filter_map(|t| inner.by_tag.get(t)).flat_map(|set| set.iter().cloned()).collect();
        for key in keys {
            inner.remove(&key);
        }
    }

    /// Applies every change announced since the last look.
    pub(crate) fn catch_up(&self) {
        use tokio::sync::broadcast::error::TryRecvError;
        let mut changes = self.changes.lock().unwrap_or_else(|e| e.into_inner());
        let Some(rx) = changes.as_mut() else { return };
        loop {
            match rx.try_recv() {
                Ok(keys) => self.purge(&keys),
                Err(TryRecvError::Lagged(_)) => self.purge(&["all".to_owned()]),
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
    }

    /// The settings and navigation kept, emptied once past the cache's `max_age` (checked
    /// here, where they are read, rather than on every cached page's way out).
    fn memo(&self) -> std::sync::MutexGuard<'_, Memo> {
        let max_age = self.lock().max_age;
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(max), Some(since)) = (max_age, memo.since)
            && since.elapsed() > max
        {
            *memo = Memo::default();
        }
        memo
    }

    fn generation(&self) -> u64 {
        self.catch_up();
        self.lock().generation
    }

    fn get(&self, key: &str) -> Option<Entry> {
        self.catch_up();
        let mut inner = self.lock();
        let (old, stored) = inner.entries.get(key).map(|e| (e.stamp, e.stored))?;
        if inner.max_age.is_some_and(|max| stored.elapsed() > max) {
            inner.remove(key);
            return None;
        }
        inner.clock += 1;
        let stamp = inner.clock;
        inner.by_age.remove(&old);
        inner.by_age.insert(stamp, key.to_owned());
        let entry = inner.entries.get_mut(key)?;
        entry.stamp = stamp;
        Some(entry.clone())
    }

    /// The page kept at `key` for the fast path: like `get`, but it moves the page to the front
    /// of the order only when it is not among the newest quarter, so that a popular page's
    /// hits take the lock briefly and allocate nothing.
    fn served_page(&self, key: &str) -> Option<Arc<Page>> {
        self.catch_up();
        let mut inner = self.lock();
        let (stamp, stored, page) = inner.entries.get(key).map(|e| (e.stamp, e.stored, e.page.clone()))?;
        if inner.max_age.is_some_and(|max| stored.elapsed() > max) {
            inner.remove(key);
            return None;
        }
        if inner.clock - stamp > inner.entries.len() as u64 / 4 {
            inner.clock += 1;
            let fresh = inner.clock;
            inner.by_age.remove(&stamp);
            inner.by_age.insert(fresh, key.to_owned());
            if let Some(entry) = inner.entries.get_mut(key) {
                entry.stamp = fresh;
            }
        }
        Some(page)
    }

    fn insert(&self, key: String, mut entry: Entry, generation: u64) {
        self.catch_up();
        let mut inner = self.lock();
        if inner.generation != generation || entry.size() > inner.capacity.min(MAX_ENTRY_BYTES) {
            return;
        }
        inner.remove(&key);
        while inner.bytes + entry.size() > inner.capacity {
            let Some((_, oldest)) = inner.by_age.pop_first() else { break };
            inner.remove(&oldest);
        }
        inner.clock += 1;
        entry.stamp = inner.clock;
        entry.stored = std::time::Instant::now();
        inner.bytes += entry.size();
        inner.by_age.insert(entry.stamp, key.clone());
        for tag in &entry.tags {
            inner.by_tag.entry(tag.clone()).or_default().insert(key.clone());
        }
        inner.entries.insert(key, entry);
    }
}

impl PageCache {
    /// Keeps the cache in step with the store: every change announced purges what it touched. The
    /// changes made through this node are seen before the next request is answered; on PostgreSQL
    /// the other nodes' arrive through LISTEN/NOTIFY as they are made.
    pub(crate) fn follow(&self, store: &Store) {
        let store = store.clone();
        *self.changes.lock().unwrap_or_else(|e| e.into_inner()) = Some(store.changes());
        let cache = self.clone();
        tokio::spawn(async move {
            let mut wait = std::time::Duration::from_secs(1);
            let mut failed = false;
            while let Err(e) = store.listen_to_other_nodes().await {
                // The pages kept are served meanwhile (the database is likely down for every
                // node); once heard, they are all dropped, as the store does when it hears
                // again after losing the connection.
                tracing::warn!(error = %e, "cannot hear other nodes' changes yet");
                failed = true;
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(10));
            }
            if failed {
                cache.purge(&["all".to_owned()]);
            }
        });
    }

    /// The site's settings if they are kept, without asking the store: for what must answer
    /// while the database is away (the error page, a cached page's headers).
    pub fn cached_site(&self) -> Option<masthead_core::Site> {
        self.catch_up();
        self.memo().site.clone()
    }

    /// The site's settings, read once and kept until they change.
    pub async fn site(&self, store: &Store) -> Result<masthead_core::Site, masthead_store::StoreError> {
        let cache = self;
        let generation = cache.generation();
        if let Some(site) = cache.memo().site.clone() {
            return Ok(site);
        }
        let site = store.site().await?;
        if cache.generation() == generation {
            cache.memo.lock().unwrap_or_else(|e| e.into_inner()).keep(|m| m.site = Some(site.clone()));
        }
        Ok(site)
    }

    /// The top regions and themes, as every page's navigation shows them; kept until a term
    /// there changes.
    pub async fn nav_terms(
        &self,
        store: &Store,
    ) -> Result<Vec<masthead_core::Term>, masthead_store::StoreError> {
        let cache = self;
        let generation = cache.generation();
        if let Some(nav) = cache.memo().nav.clone() {
            return Ok(nav);
        }
        let mut nav = Vec::new();
        for kind in [masthead_core::TermKind::Region, masthead_core::TermKind::Theme] {
            nav.extend(store.terms(kind).await?.into_iter().filter(|t| t.parent_id.is_none()));
        }
        if cache.generation() == generation {
            cache.memo.lock().unwrap_or_else(|e| e.into_inner()).keep(|m| m.nav = Some(nav.clone()));
        }
        Ok(nav)
    }
}

/// The encodings a page is kept in; the numbers index `Page::served`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Identity = 0,
    Gzip = 1,
    Brotli = 2,
}

fn accepted(headers: &HeaderMap) -> Encoding {
    let accept = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let allows = |name: &str| {
        accept.split(',').any(|part| {
            let mut bits = part.trim().split(';');
            bits.next().is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
                && !bits.any(|p| p.trim().replace(' ', "") == "q=0")
        })
    };
    if allows("br") {
        Encoding::Brotli
    } else if allows("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn compress(body: &[u8]) -> (Bytes, Bytes) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    let _ = gz.write_all(body);
    let gzip = gz.finish().unwrap_or_default();
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 6, 22);
        let _ = w.write_all(body);
    }
    (Bytes::from(gzip), Bytes::from(br))
}

fn from_entry(entry: &Entry, request: &HeaderMap, hit: &'static str) -> Response {
    let etag = entry.etag.as_ref().and_then(|e| e.to_str().ok()).unwrap_or_default();
    let mut response = match crate::http::conditional::not_modified(request, etag, entry.last_modified) {
        true => StatusCode::NOT_MODIFIED.into_response(),
        false => {
            let (body, encoding) = entry.body(accepted(request));
            let mut r = Response::new(Body::from(body.clone()));
            if let Some(e) = encoding {
                r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
            }
            r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            r
        }
    };
    let headers = response.headers_mut();
    for (name, value) in &entry.headers {
        headers.insert(name.clone(), value.clone());
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(X_CACHE, HeaderValue::from_static(hit));
    response
}

/// Cache hits answered before routing and every layer: the whole answer's headers, recorded
/// the first time a page went out through all of them, cloned with the kept body. Only plain
/// GETs (no conditions, no ranges, no WordPress id to look up) take it; everything else, and
/// a page whose answer has not been recorded yet, goes the whole way.
#[derive(Clone, Debug)]
pub struct FastPath {
    cache: PageCache,
    metrics: Arc<crate::http::metrics::Metrics>,
}

impl FastPath {
    pub fn new(cache: PageCache, metrics: Arc<crate::http::metrics::Metrics>) -> FastPath {
        FastPath { cache, metrics }
    }

    /// The key and encoding of a request the fast path may answer, if it may.
    fn eligible<B>(request: &axum::http::Request<B>) -> Option<(&str, Encoding)> {
        let headers = request.headers();
        let plain = request.method() == Method::GET
            && !headers.contains_key(header::IF_NONE_MATCH)
            && !headers.contains_key(header::IF_MODIFIED_SINCE)
            && !headers.contains_key(header::RANGE)
            && !crate::http::wordpress::names_wordpress_id(request.uri());
        let key = request.uri().path_and_query().map(|p| p.as_str())?;
        plain.then(|| (key, accepted(headers)))
    }

    /// The whole answer from the cache, when this request may have it and it is there.
    pub fn answer<B>(&self, request: &axum::http::Request<B>) -> Option<Response> {
        let started = std::time::Instant::now();
        let (key, encoding) = FastPath::eligible(request)?;
        let page = self.cache.served_page(key)?;
        let headers = page.served[encoding as usize].get()?.clone();
        let (body, _) = page.body(encoding);
        let mut response = Response::new(Body::from(body.clone()));
        *response.headers_mut() = headers;
        self.metrics.count_hit(started.elapsed());
        Some(response)
    }

    /// Whether the whole answer to `request` should be recorded once it comes back.
    pub fn recorder<B>(&self, request: &axum::http::Request<B>) -> Option<Recorder> {
        let (key, encoding) = FastPath::eligible(request)?;
        Some(Recorder { cache: self.cache.clone(), key: key.to_owned(), encoding })
    }
}

/// Records a page's whole answer for [`FastPath`].
#[derive(Debug)]
pub struct Recorder {
    cache: PageCache,
    key: String,
    encoding: Encoding,
}

impl Recorder {
    /// Keeps the headers of `response` as they went out, if it is the kept page's answer (a
    /// hit or a miss, whole, of the version still kept).
    pub fn record(self, response: &Response) {
        let cached =
            matches!(response.headers().get(X_CACHE).map(HeaderValue::as_bytes), Some(b"hit" | b"miss"));
        if response.status() != StatusCode::OK || !cached {
            return;
        }
        let Some(page) = self.cache.served_page(&self.key) else { return };
        if page.etag.is_none() || page.etag.as_ref() != response.headers().get(header::ETAG) {
            return;
        }
        let mut headers = response.headers().clone();
        headers.insert(X_CACHE, HeaderValue::from_static("hit"));
        // The server writes the date of each answer.
        headers.remove(header::DATE);
        let _ = page.served[self.encoding as usize].set(headers);
    }
}

/// The middleware in front of the public routes.
pub(crate) async fn serve_cached(State(cache): State<PageCache>, request: Request, next: Next) -> Response {
    let cache = &cache;
    if !matches!(*request.method(), Method::GET | Method::HEAD) || !cache.is_enabled() {
        return next.run(request).await;
    }
    let key = request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let request_headers = request.headers().clone();
    if let Some(entry) = cache.get(&key) {
        return from_entry(&entry, &request_headers, "hit");
    }
    let generation = cache.generation();
    // Render as if the client had nothing, so that what is kept is the whole response.
    let (mut parts, body) = request.into_parts();
    parts.headers.remove(header::IF_NONE_MATCH);
    parts.headers.remove(header::IF_MODIFIED_SINCE);
    let response = next.run(Request::from_parts(parts, body)).await;
    let cacheable = response.status() == StatusCode::OK && response.headers().contains_key(SURROGATE_KEY);
    if !cacheable {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Too large to keep (or of a size not known in advance): answered as it is, uncached.
    let fits = axum::body::HttpBody::size_hint(&body).upper().is_some_and(|n| n <= MAX_ENTRY_BYTES as u64);
    if !fits {
        return Response::from_parts(parts, body);
    }
    let Ok(identity) = axum::body::to_bytes(body, MAX_ENTRY_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tags: Vec<String> = parts
        .headers
        .get(SURROGATE_KEY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(' ')
        .map(|t| t.replacen('-', ":", 1))
        .collect();
    let (gzip, brotli) = compress(&identity);
    let headers: Vec<(HeaderName, HeaderValue)> = parts
        .headers
        .iter()
        .filter(|(n, _)| *n != header::CONTENT_LENGTH && *n != header::VARY)
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let entry = Entry {
        stamp: 0,
        stored: std::time::Instant::now(),
        page: Arc::new(Page {
            etag: parts.headers.get(header::ETAG).cloned(),
            last_modified: crate::http::conditional::last_modified_of(&parts.headers),
            headers,
            identity,
            gzip,
            brotli,
            tags,
            served: Default::default(),
        }),
    };
    let answer = from_entry(&entry, &request_headers, "miss");
    cache.insert(key, entry, generation);
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(tags: &[&str], size: usize) -> Entry {
        Entry {
            stamp: 0,
            stored: std::time::Instant::now(),
            page: Arc::new(Page {
                headers: vec![],
                etag: None,
                last_modified: None,
                identity: Bytes::from(vec![b'x'; size]),
                gzip: Bytes::new(),
                brotli: Bytes::new(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                served: Default::default(),
            }),
        }
    }

    #[test]
    fn purges_only_what_shows_the_change() {
        let cache = PageCache::new(1 << 20);
        let g = cache.generation();
        cache.insert("/article/a".into(), entry(&["article:1", "author:7"], 10), g);
        cache.insert("/".into(), entry(&["listing", "article:1", "article:2"], 10), g);
        cache.insert("/author/b".into(), entry(&["author:8"], 10), g);
        cache.purge(&["article:2".into()]);
        assert!(cache.get("/").is_none());
        assert!(cache.get("/article/a").is_some() && cache.get("/author/b").is_some());
        cache.purge(&["all".into()]);
        assert_eq!(cache.usage().0, 0);
    }

    #[test]
    fn a_page_kept_past_its_longest_age_is_rendered_again() {
        let cache = PageCache::new(1 << 20);
        cache.set_max_age(std::time::Duration::from_millis(50));
        let g = cache.generation();
        cache.insert("/".into(), entry(&["listing"], 10), g);
        assert!(cache.get("/").is_some());
        std::thread::sleep(std::time::Duration::from_millis(80));
        assert!(cache.get("/").is_none(), "a change never heard is seen at last");
        assert_eq!(cache.usage().0, 0);
        // The settings kept beside the pages too.
        cache.memo.lock().unwrap().keep(|m| m.site = Some(masthead_core::Site::default()));
        assert!(cache.cached_site().is_some());
        std::thread::sleep(std::time::Duration::from_millis(80));
        assert!(cache.cached_site().is_none());
    }

    #[test]
    fn a_page_rendered_across_a_purge_is_not_kept() {
        let cache = PageCache::new(1 << 20);
        let before = cache.generation();
        cache.purge(&["article:1".into()]);
        cache.insert("/article/a".into(), entry(&["article:1"], 10), before);
        assert!(cache.get("/article/a").is_none());
    }

    #[test]
    fn the_least_recently_used_go_first_when_full() {
        let cache = PageCache::new(3 * (100 + 512));
        let g = cache.generation();
        for key in ["/a", "/b", "/c"] {
            cache.insert(key.into(), entry(&["listing"], 100), g);
        }
        assert!(cache.get("/a").is_some(), "touch /a");
        cache.insert("/d".into(), entry(&["listing"], 100), g);
        assert!(cache.get("/b").is_none(), "the oldest unused one went");
        assert!(cache.get("/a").is_some() && cache.get("/d").is_some());
        assert!(cache.usage().1 <= 3 * (100 + 512));
    }

    #[tokio::test]
    async fn a_page_too_large_to_keep_is_answered_whole_and_uncached() {
        use tower::ServiceExt;
        let cache = PageCache::new(64 << 20);
        let page = |size: usize| {
            move || async move { ([(SURROGATE_KEY, HeaderValue::from_static("listing"))], vec![b'x'; size]) }
        };
        let app = axum::Router::new()
            .route("/big", axum::routing::get(page(MAX_ENTRY_BYTES + 1)))
            .route("/small", axum::routing::get(page(10)))
            .layer(axum::middleware::from_fn_with_state(cache.clone(), serve_cached));
        for (path, size, kept) in [("/big", MAX_ENTRY_BYTES + 1, false), ("/small", 10, true)] {
            let request = Request::get(path).body(axum::body::Body::empty()).unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            assert_eq!(body.len(), size, "{path}: the whole page");
            assert_eq!(cache.get(path).is_some(), kept, "{path}");
        }
    }

    #[test]
    fn clients_get_the_encoding_they_accept() {
        let headers =
            |v: &str| HeaderMap::from_iter([(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap())]);
        assert!(accepted(&headers("gzip, deflate, br")) == Encoding::Brotli);
        assert!(accepted(&headers("gzip")) == Encoding::Gzip);
        assert!(accepted(&headers("br;q=0, gzip")) == Encoding::Gzip);
        assert!(accepted(&HeaderMap::new()) == Encoding::Identity);
    }
}
