//! Masthead's HTTP edge: the public site, rendered on the server from the minijinja theme; what
//! it offers to machines (feeds, ninjs, sitemaps, republishing); the newsroom's admin and the
//! Admin API; the static export.
//!
//! Only this crate knows HTTP and templates. A handler extracts its input, calls one use case
//! of `masthead_newsroom` (or, to read, the store), and renders; handlers never write SQL and
//! templates never see database rows. Every response carries the security headers (strict
//! CSP, no inline script); every error is the theme's error page.
//!
//! The folders are the edges — `public/`, `syndication/`, `admin/`, `api/` — which never import
//! each other, over the plumbing in `http/`. This file only assembles them.

use axum::Router;
use axum::middleware;
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

mod admin;
pub mod api;
mod documents;
pub mod export;
mod federation;
pub mod http;
mod paths;
pub(crate) mod public;
pub mod state;
pub(crate) mod syndication;
pub mod theme;
pub mod views;

pub use http::error::AppError;
pub use http::headers::CONTENT_SECURITY_POLICY;
pub use state::{AppState, DEFAULT_PAGE_SIZE, READER_BURST};
pub use theme::{Theme, ThemeError};

/// The whole site as one router.
pub fn router(state: AppState) -> Router {
    // Media from the folder on this disk, with ranges and conditional requests; or from the
    // bucket every node shares.
    let media = match state.media_dir() {
        Some(dir) => Router::new().fallback_service(
            tower::ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(dir.to_owned(), http::media::guard))
                .service(ServeDir::new(dir).append_index_html_on_directories(false)),
        ),
        None => Router::new().route("/{*path}", axum::routing::get(http::media::from_bucket)),
    };
    // What readers and machines read goes through the page cache.
    let public = Router::new().merge(public::router()).merge(syndication::cached_router()).route_layer(
        middleware::from_fn_with_state(state.page_cache().clone(), http::page_cache::serve_cached),
    );
    let site = Router::new()
        .merge(public)
        .merge(public::members_router())
        .merge(syndication::router())
        .merge(federation::router())
        .merge(admin::router())
        .merge(api::router())
        .merge(http::health::router())
        .nest("/media", media)
        .fallback(|| async { AppError::NotFound.into_response() })
        .layer(CatchPanicLayer::custom(|_panic| {
            tracing::error!("a request handler panicked");
            http::error::ErrorPage::for_status(axum::http::StatusCode::INTERNAL_SERVER_ERROR, None)
                .into_response()
        }))
        // Stated rather than left to axum's default, so that the 413 message can name it;
        // routes that take images allow more.
        .layer(axum::extract::DefaultBodyLimit::max(http::error::BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), http::redirects::follow_redirects))
        .layer(middleware::from_fn_with_state(state.clone(), http::error::themed_errors));
    http::headers::secure(site)
        .layer(middleware::from_fn_with_state(state.clone(), http::headers::strict_transport))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        .layer(middleware::from_fn_with_state(state.metrics().clone(), http::metrics::count))
        .with_state(state)
}
