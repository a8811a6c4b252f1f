//! `/api/admin/republications`: who republished what, with daily views, a page at a time
//! (`?after=` the `next` of the previous page).

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use masthead_newsroom::republications::report;
use serde::Deserialize;

use crate::api::error::{ApiError, ApiUser};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    after: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let page = report(state.newsroom(), &user, query.after.as_deref()).await?;
    let next = page.next.map(|c| format!("/api/admin/republications?after={}", encode(&c)));
    Ok(Json(serde_json::json!({ "republications": page.rows, "next": next })).into_response())
}

fn encode(cursor: &str) -> String {
    url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect()
}
