//! `POST /webmention` (W3C Webmention): another site tells us that a page of theirs links to one
//! of our articles. We answer 202 at once (or 503/429 when too many wait to be checked); `masthead_newsroom::mentions` queues it, and the
//! `check-webmentions` job checks the source later, away from the request.

use std::collections::HashMap;

use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use masthead_newsroom::error::Failure;
use masthead_newsroom::mentions::{self, Received};

use crate::http::auth::ClientIp;
use crate::http::error::{AppError, Result};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/webmention", post(receive))
}

async fn receive(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    form: std::result::Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response> {
    let newsroom = state.newsroom();
    if !mentions::admit(newsroom, &ip).await? {
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            "Too many Webmentions from your address; try again later.\n",
        )
            .into_response());
    }
    let Form(form) = form
        .map_err(|e| AppError::BadRequest(format!("a Webmention is a form with source and target: {e}")))?;
    let value = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    match mentions::receive(newsroom, value("source"), value("target")).await {
        Ok(Received::Queued) => {
            Ok((StatusCode::ACCEPTED, "Accepted: the source will be checked for a link to the target.\n")
                .into_response())
        }
        Ok(Received::QueueFull) => Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "600")],
            "Not accepted: too many Webmentions are waiting to be checked; send it again later.\n",
        )
            .into_response()),
        Ok(Received::ArticleFull) => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "600")],
            "Not accepted: too many Webmentions of this article are waiting to be checked; send it again later.\n",
        )
            .into_response()),
        Err(Failure::Invalid { message, .. }) => Err(AppError::BadRequest(message)),
        Err(other) => Err(other.into()),
    }
}
