//! The Admin API under `/api/admin/`: JSON for scripts, authenticated by bearer tokens
//! (`masthead token create`), with the same role checks as the admin, made by the same use
//! cases. Errors are JSON with a message and, where one is to blame, the field.

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

mod articles;
mod error;
mod media;
mod newsroom;
pub mod openapi;
mod republications;
mod settings;
mod sources;

pub use error::{ApiError, ApiUser};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/openapi.json", get(openapi::serve))
        .route("/api/admin/republications", get(republications::list))
        .route("/api/admin/articles", get(articles::list).post(articles::create))
        .route("/api/admin/articles/{id}", get(articles::read).put(articles::update).delete(articles::delete))
        .route("/api/admin/articles/{id}/publish", post(articles::publish))
        .route("/api/admin/articles/{id}/unpublish", post(articles::unpublish))
        .route("/api/admin/articles/{id}/schedule", post(articles::schedule))
        .route("/api/admin/articles/{id}/correction", post(articles::correct))
        .route("/api/admin/articles/{id}/copies", get(articles::copies))
        .route("/api/admin/articles/{id}/withdrawal", post(articles::withdraw))
        .route("/api/admin/authors", get(newsroom::authors).post(newsroom::create_author))
        .route("/api/admin/authors/{id}", axum::routing::put(newsroom::update_author))
        .route("/api/admin/terms", get(newsroom::terms).post(newsroom::create_term))
        .route("/api/admin/terms/{id}", axum::routing::put(newsroom::update_term))
        .route("/api/admin/outlets", get(newsroom::outlets).post(newsroom::create_outlet))
        .route("/api/admin/outlets/{id}", axum::routing::put(newsroom::update_outlet))
        .route("/api/admin/settings", get(settings::read).put(settings::update))
        .route("/api/admin/media/{id}", axum::routing::put(media::change_rights))
        .route(
            "/api/admin/media",
            post(media::upload)
                // Room for the largest image allowed, and the form around it.
                .layer(axum::extract::DefaultBodyLimit::max(
                    masthead_newsroom::images::UploadLimits::default().max_bytes + 64 * 1024,
                )),
        )
        .route("/api/admin/articles/{id}/revisions", get(articles::revisions))
        .route("/api/admin/articles/{id}/revisions/{revision}", get(articles::revision))
        .route("/api/admin/articles/{id}/revisions/{revision}/restore", post(articles::restore))
        .route("/api/admin/sources", get(sources::list).post(sources::create))
        .route("/api/admin/sources/{id}", get(sources::read).put(sources::update))
        .route("/api/admin/sources/{id}/pull", post(sources::pull))
        .route("/api/admin/queue", get(sources::queue))
}
