//! Newsletter counts, when the outlet turns them on (`Site::newsletter_counts`): `/e/{send}/open.gif`
//! counts an open of a send and `/e/{send}/c/{article}` a click on one of its articles, then
//! leads to the article. Per send as a whole: nothing about the reader is read or kept. Each
//! answers at once, within the client's limit; a click on an article that is not published
//! leads to the home page.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use masthead_newsroom::sends;

use crate::http::auth::ClientIp;
use crate::http::headers::counting_pixel;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/e/{send}/open.gif", get(open)).route("/e/{send}/c/{article}", get(click))
}

async fn open(State(state): State<AppState>, Path(send): Path<i64>, ClientIp(ip): ClientIp) -> Response {
    if state.beacon_limits().admit(&ip)
        && let Err(e) = sends::count(state.newsroom(), send, false).await
    {
        tracing::debug!(send, error = %e, "an open was not counted");
    }
    counting_pixel()
}

async fn click(
    State(state): State<AppState>,
    Path((send, article)): Path<(i64, i64)>,
    ClientIp(ip): ClientIp,
) -> Response {
    if state.beacon_limits().admit(&ip)
        && let Err(e) = sends::count(state.newsroom(), send, true).await
    {
        tracing::debug!(send, error = %e, "a click was not counted");
    }
    let to =
        sends::click_target(state.newsroom(), article).await.ok().flatten().unwrap_or_else(|| "/".to_owned());
    Redirect::to(&to).into_response()
}
