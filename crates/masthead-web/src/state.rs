//! What every request handler shares: the newsroom (store, media, outbound client, mailer),
//! the theme, the page size, the page cache and the tracking image's limits per address.

use std::sync::Arc;

use masthead_newsroom::context::Newsroom;
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::outbound::Outbound;
use masthead_store::{Store, StoreError};

use crate::http::metrics::Metrics;
use crate::http::page_cache::PageCache;
use crate::http::rate_limit::AddressLimits;
use crate::theme::Theme;

/// Articles per page on the home page, in archives, and in the static export.
pub const DEFAULT_PAGE_SIZE: u32 = 12;

/// Everything a request handler needs, shared by all requests.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    newsroom: Newsroom,
    theme: Theme,
    page_size: u32,
    page_cache: PageCache,
    beacon_limits: AddressLimits,
    reader_limits: AddressLimits,
    search_limits: AddressLimits,
    federation_limits: AddressLimits,
    metrics: Arc<Metrics>,
}

/// Views of republished copies one client address may have counted at once (the tracking
/// image), then one more per [`BEACON_REFILL`]; addresses remembered at most.
pub const BEACON_BURST: u32 = 60;
pub const BEACON_REFILL: std::time::Duration = std::time::Duration::from_secs(2);
pub const BEACON_CLIENTS: usize = 50_000;

/// Readers' forms (sign up, ask for a sign-in link) one client address may post at once, then
/// one more per [`READER_REFILL`]; addresses remembered at most.
pub const READER_BURST: u32 = 10;
pub const READER_REFILL: std::time::Duration = std::time::Duration::from_secs(30);
pub const READER_CLIENTS: usize = 50_000;

/// Searches one client address may make at once, then one more per [`SEARCH_REFILL`].
pub const SEARCH_BURST: u32 = 30;
pub const SEARCH_REFILL: std::time::Duration = std::time::Duration::from_millis(500);
pub const SEARCH_CLIENTS: usize = 50_000;
/// Activities one sending address may post at once (a busy server delivering to our inboxes),
/// then one more per [`FEDERATION_REFILL`].
pub const FEDERATION_BURST: u32 = 300;
pub const FEDERATION_REFILL: std::time::Duration = std::time::Duration::from_millis(50);

impl AppState {
    /// `page_size` is the number of articles per page ([`DEFAULT_PAGE_SIZE`] unless a test
    /// wants short pages); `outbound` makes the requests to other sites, `mailer` sends mail.
    pub fn new(
        store: Store,
        theme: Theme,
        media: impl Into<masthead_newsroom::files::MediaFiles>,
        page_size: u32,
        outbound: Outbound,
        mailer: Mailer,
    ) -> AppState {
        let page_cache = PageCache::default();
        page_cache.follow(&store);
        let newsroom = Newsroom::new(store, media, outbound, mailer);
        let beacon_limits = AddressLimits::new(BEACON_BURST, BEACON_REFILL, BEACON_CLIENTS);
        let reader_limits = AddressLimits::new(READER_BURST, READER_REFILL, READER_CLIENTS);
        let search_limits = AddressLimits::new(SEARCH_BURST, SEARCH_REFILL, SEARCH_CLIENTS);
        let federation_limits = AddressLimits::new(FEDERATION_BURST, FEDERATION_REFILL, SEARCH_CLIENTS);
        AppState {
            inner: Arc::new(Inner {
                newsroom,
                theme,
                page_size,
                page_cache,
                beacon_limits,
                reader_limits,
                search_limits,
                federation_limits,
                metrics: Arc::new(Metrics::default()),
            }),
        }
    }

    /// The use cases' tools, for calling `masthead_newsroom`.
    pub fn newsroom(&self) -> &Newsroom {
        &self.inner.newsroom
    }

    /// Cache hits answered before the router, for `http::serve::serve`.
    pub fn fast_path(&self) -> crate::http::page_cache::FastPath {
        crate::http::page_cache::FastPath::new(self.inner.page_cache.clone(), self.inner.metrics.clone())
    }

    /// This node's counts for `/metrics`.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// The cache of public responses; `set_capacity(0)` turns it off.
    pub fn page_cache(&self) -> &PageCache {
        &self.inner.page_cache
    }

    /// How many views each client address may have counted by the tracking image.
    pub fn beacon_limits(&self) -> &AddressLimits {
        &self.inner.beacon_limits
    }

    /// How many readers' forms each client address may post.
    pub fn reader_limits(&self) -> &AddressLimits {
        &self.inner.reader_limits
    }

    /// How many activities each sending address may post to our inboxes.
    pub fn federation_limits(&self) -> &AddressLimits {
        &self.inner.federation_limits
    }

    /// How many searches each client address may make.
    pub fn search_limits(&self) -> &AddressLimits {
        &self.inner.search_limits
    }

    pub fn mailer(&self) -> &Mailer {
        self.inner.newsroom.mailer()
    }

    /// The media folder on this node's disk, unless the files live in a bucket.
    pub fn media_dir(&self) -> Option<&std::path::Path> {
        self.inner.newsroom.media().folder()
    }

    pub fn outbound(&self) -> &Outbound {
        self.inner.newsroom.outbound()
    }

    pub fn store(&self) -> &Store {
        self.inner.newsroom.store()
    }

    pub fn theme(&self) -> &Theme {
        &self.inner.theme
    }

    pub fn page_size(&self) -> u32 {
        self.inner.page_size
    }

    /// The site's settings, read once and kept until they change.
    pub async fn site(&self) -> Result<masthead_core::Site, StoreError> {
        self.page_cache().site(self.store()).await
    }

    /// The top regions and themes, as every page's navigation shows them.
    pub async fn nav_terms(&self) -> Result<Vec<masthead_core::Term>, StoreError> {
        self.page_cache().nav_terms(self.store()).await
    }
}
