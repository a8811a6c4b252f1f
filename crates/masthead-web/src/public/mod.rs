//! The public site for readers: the home page, article pages, author and term archives and
//! their older pages, theme assets (`pages`, through the page cache); and readers' own pages,
//! never cached (`members`: sign up, sign in, account, unsubscribe; `comments`: writing,
//! answering, editing and deleting comments; `search`). What machines read is in
//! `syndication`.

use axum::Router;

use crate::state::AppState;

mod comments;
mod counts;
mod members;
pub(crate) mod pages;
mod search;

pub(crate) fn router() -> Router<AppState> {
    pages::router().merge(counts::router())
}

/// Readers' own pages and searches: never through the page cache.
pub(crate) fn members_router() -> Router<AppState> {
    members::router().merge(search::router()).merge(comments::router())
}
