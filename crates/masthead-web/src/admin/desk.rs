//! What the rich-text editor asks of the server as a writer works: whether an address can be
//! embedded, Markdown pasted in turned into the stored form, an image card's upload, and the
//! autosaved draft. Each answers JSON (or HTML for the Markdown) for the editor's script; every
//! write checks the session's CSRF token and goes through a use case.

use axum::Form;
use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::{BodyFormat, render_body};
use masthead_newsroom::articles::{self, DraftFields};
use masthead_newsroom::error::Failure;
use masthead_newsroom::media;
use masthead_newsroom::previews;
use masthead_newsroom::work::Kind;
use serde_json::json;

use crate::admin::form::{Pairs, field, read_media_upload, signed_form};
use crate::admin::page::private;
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::paths::query_value;
use crate::state::AppState;

fn refused(status: StatusCode, message: impl Into<String>) -> Response {
    let mut response = (status, Json(json!({ "error": message.into() }))).into_response();
    response
        .headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, "no-store".parse().expect("a header value"));
    response
}

fn failed(failure: Failure) -> Result<Response> {
    match failure {
        Failure::Invalid { message, .. } => Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, message)),
        Failure::Forbidden(message) => Ok(refused(StatusCode::FORBIDDEN, message)),
        Failure::NotFound(message) => Ok(refused(StatusCode::NOT_FOUND, message)),
        other => Err(other.into()),
    }
}

/// `GET /admin/embed?url=…`: the embed an address names (provider, frame, page), or why it
/// cannot be embedded.
pub(crate) async fn embed(_staff: Staff, RawQuery(q): RawQuery) -> Response {
    let address = query_value(q.as_deref(), "url").unwrap_or_default();
    match masthead_core::embed::recognise(&address) {
        Ok(e) => Json(json!({ "provider": e.provider, "frame": e.frame.as_str(), "url": e.page.as_str() }))
            .into_response(),
        Err(why) => {
            refused(StatusCode::UNPROCESSABLE_ENTITY, format!("This address cannot be embedded: {why}."))
        }
    }
}

/// `POST /admin/markdown`: Markdown pasted into the editor, as the stored HTML it becomes.
pub(crate) async fn markdown(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let source = pairs.iter().find(|(k, _)| k == "markdown").map(|(_, v)| v.clone()).unwrap_or_default();
    let rendered =
        state.newsroom().work().run(Kind::Body, move || render_body(BodyFormat::Markdown, &source)).await;
    match rendered {
        Ok(body) => Ok(private(StatusCode::OK, body.html)),
        Err(why) => {
            Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, format!("The Markdown cannot be used: {why}.")))
        }
    }
}

/// `POST /admin/media/upload.json`: an image for the text (the editor's image card). With
/// `article`, anyone who may change that article may add one.
pub(crate) async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    mut form: axum::extract::Multipart,
) -> Result<Response> {
    let (upload, fields) = read_media_upload(&staff, &mut form).await?;
    let saved = match field(&fields, "article").parse::<i64>() {
        Ok(article) => articles::upload_image(state.newsroom(), &staff.user, article, upload).await,
        Err(_) => media::upload(state.newsroom(), &staff.user, upload).await,
    };
    match saved {
        Ok(m) => {
            let srcset: Vec<String> =
                m.variant_widths.iter().map(|w| format!("{} {w}w", m.variant_public_path(*w))).collect();
            Ok((
                StatusCode::CREATED,
                Json(json!({
                    "id": m.id, "url": m.public_path(), "kind": m.mime_type, "width": m.width, "height": m.height,
                    "alt": m.alt, "credit": m.credit, "travels": m.travels, "srcset": srcset.join(", "),
                })),
            )
                .into_response())
        }
        Err(failure) => failed(failure),
    }
}

/// `POST /admin/articles/{id}/draft`: the editor's autosave, into the writer's own draft slot.
pub(crate) async fn save_draft(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let raw = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    let fields =
        DraftFields { title: raw("title"), dek: raw("dek"), excerpt: raw("excerpt"), body: raw("body") };
    let revision = field(&pairs, "revision").parse().unwrap_or(0);
    match articles::save_draft(state.newsroom(), &staff.user, id, revision, &fields, jiff::Timestamp::now())
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(failure) => failed(failure),
    }
}

/// `POST /admin/articles/{id}/draft/discard`: the writer throws their autosaved draft away.
pub(crate) async fn discard_draft(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    signed_form(&staff, form)?;
    match articles::discard_draft(state.newsroom(), &staff.user, id).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(Failure::NotFound(_)) => Err(AppError::NotFound),
        Err(failure) => failed(failure),
    }
}

fn draft_fields(pairs: &[(String, String)]) -> DraftFields {
    let raw = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    DraftFields { title: raw("title"), dek: raw("dek"), excerpt: raw("excerpt"), body: raw("body") }
}

/// `POST /admin/articles/{id}/preview` (the editor's "Preview" button, which sends the whole
/// form): the changes are kept as the writer's draft, and the page opens as readers would see it.
pub(crate) async fn preview_changes(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let revision = field(&pairs, "revision").parse().unwrap_or(0);
    let now = jiff::Timestamp::now();
    match previews::of_changes(state.newsroom(), &staff.user, id, revision, &draft_fields(&pairs), now).await
    {
        Ok(token) => Ok(Redirect::to(&format!("/preview/{token}")).into_response()),
        Err(failure) => Err(failure.into()),
    }
}

/// `POST /admin/articles/{id}/share`: a preview link for someone outside the newsroom.
pub(crate) async fn share_preview(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    signed_form(&staff, form)?;
    let (token, expires) = previews::share(state.newsroom(), &staff.user, id, jiff::Timestamp::now()).await?;
    let site = state.store().site().await?;
    let link =
        site.base_url.join(&format!("preview/{token}")).map_err(|e| AppError::Internal(e.to_string()))?;
    let notice = format!(
        "Preview link, for anyone you give it to, until {}: {link}",
        crate::admin::page::when(expires, &site)
    );
    crate::admin::articles::show_editor(&state, &staff, id, StatusCode::OK, None, Some(&notice)).await
}
