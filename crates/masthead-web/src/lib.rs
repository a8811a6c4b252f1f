//! Masthead's HTTP edge: the public site, rendered on the server from the minijinja theme, and
//! what it offers to machines (feeds, ninjs, sitemaps).
//!
//! Only this crate knows HTTP and templates. Handlers ask the store for domain types, build
//! view models (`views`) and render them; they never see database rows and never write SQL.
//! Every response carries the security headers (strict CSP, no inline script); every error is
//! the theme's error page.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::middleware;
use axum::response::IntoResponse;
use masthead_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

mod admin;
mod admin_articles;
mod admin_history;
mod admin_media;
mod admin_newsroom;
mod admin_settings;
mod admin_sources;
mod admin_staff;
mod admin_tokens;
pub mod api;
mod api_articles;
mod api_media;
mod api_newsroom;
mod api_sources;
pub mod auth;
pub mod cache;
mod conditional;
mod error;
pub mod export;
pub mod images;
pub mod ingest;
pub mod mail;
pub mod outbound;
mod public;
pub mod redirects;
mod republish;
pub mod reset;
mod syndication;
pub mod theme;
pub mod views;
mod webmention;
mod websub;

pub use error::AppError;
pub use mail::Mailer;
pub use outbound::Outbound;
pub use theme::{Theme, ThemeError};
pub use webmention::{MAX_MENTIONS_PER_CLIENT, check_pending_webmentions};
pub use websub::announce_changes;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Articles per page on the home page and in archives.
pub const DEFAULT_PAGE_SIZE: u32 = 12;

/// The Content-Security-Policy of every response: nothing from other origins but images (a
/// partner's article may show theirs), no inline script or style, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' https: data:; \
     script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// Everything a request handler needs, shared by all requests.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    theme: Theme,
    media_dir: PathBuf,
    page_size: u32,
    outbound: Outbound,
    mailer: Mailer,
    page_cache: cache::PageCache,
}

impl std::fmt::Debug for cache::PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (entries, bytes) = self.usage();
        f.debug_struct("PageCache").field("entries", &entries).field("bytes", &bytes).finish()
    }
}

impl AppState {
    /// `page_size` is the number of articles per page ([`DEFAULT_PAGE_SIZE`] unless a test
    /// wants short pages); `outbound` makes the requests to other sites, `mailer` sends mail.
    pub fn new(
        store: Store,
        theme: Theme,
        media_dir: PathBuf,
        page_size: u32,
        outbound: Outbound,
        mailer: Mailer,
    ) -> AppState {
        let page_cache = cache::PageCache::default();
        let state = AppState {
            inner: Arc::new(Inner { store, theme, media_dir, page_size, outbound, mailer, page_cache }),
        };
        cache::follow_changes(&state);
        state
    }

    /// The cache of public responses; `set_capacity(0)` turns it off.
    pub fn page_cache(&self) -> &cache::PageCache {
        &self.inner.page_cache
    }

    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    pub fn media_dir(&self) -> &std::path::Path {
        &self.inner.media_dir
    }

    pub fn outbound(&self) -> &Outbound {
        &self.inner.outbound
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn theme(&self) -> &Theme {
        &self.inner.theme
    }

    pub fn page_size(&self) -> u32 {
        self.inner.page_size
    }
}

/// The whole site as one router.
pub fn router(state: AppState) -> Router {
    let media = ServeDir::new(&state.inner.media_dir).append_index_html_on_directories(false);
    // What readers and machines read goes through the page cache.
    let public = Router::new()
        .merge(public::router())
        .merge(syndication::router())
        .merge(republish::router())
        .route_layer(middleware::from_fn_with_state(state.clone(), cache::serve_cached));
    Router::new()
        .merge(public)
        .merge(webmention::router())
        .merge(admin::router())
        .merge(api::router())
        .nest_service("/media", media)
        .fallback(|| async { AppError::NotFound.into_response() })
        .layer(CatchPanicLayer::custom(|_panic| {
            tracing::error!("a request handler panicked");
            error::ErrorPage::for_status(axum::http::StatusCode::INTERNAL_SERVER_ERROR, None).into_response()
        }))
        .layer(middleware::from_fn_with_state(state.clone(), redirects::follow_redirects))
        .layer(middleware::from_fn_with_state(state.clone(), error::themed_errors))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("interest-cohort=(), browsing-topics=()"),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}
