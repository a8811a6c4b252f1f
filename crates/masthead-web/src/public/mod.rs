//! The public site for readers: the home page, article pages, author and term archives and
//! their older pages, theme assets. Pages only: what machines read is in `syndication`.

use axum::Router;

use crate::state::AppState;

mod counts;
mod pages;

pub(crate) fn router() -> Router<AppState> {
    pages::router().merge(counts::router())
}
