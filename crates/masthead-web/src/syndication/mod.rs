//! What the site offers to machines and to other outlets: feeds, ninjs, sitemaps and
//! `robots.txt` (`feeds`); the republish page, its JSON and the tracking image (`republish`);
//! the Webmention endpoint (`webmention`).

use axum::Router;

use crate::state::AppState;

mod feeds;
pub(crate) mod republish;
mod webmention;

pub(crate) use feeds::sitemap_paths;

/// What readers' and machines' caches may keep: feeds and the republish pages.
pub(crate) fn cached_router() -> Router<AppState> {
    Router::new().merge(feeds::router()).merge(republish::router())
}

/// Endpoints that take something in, never cached.
pub(crate) fn router() -> Router<AppState> {
    webmention::router()
}
