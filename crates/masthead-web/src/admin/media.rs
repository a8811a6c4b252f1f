//! The media library in the admin: every image uploaded, newest first, with the number the
//! editor uses to feature it, and an upload form. Authors and above upload here; contributors
//! upload only into their own drafts, from the editor.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::Action;

use crate::admin::form::field;
use crate::admin::page::admin_page;
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::paths::query_value;
use crate::state::AppState;
use masthead_newsroom::error::Failure;
use masthead_newsroom::media;

/// Images per page of the library.
const PAGE: u32 = 48;

fn uploader(staff: &Staff) -> Result<()> {
    if staff.user.role.may(Action::PublishOwn) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Contributors add images from the editor of their own drafts; the library is for authors and editors."
                .into(),
        ))
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    before: Option<i64>,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response> {
    render_found(state, staff, before, "", status, error, notice).await
}

async fn render_found(
    state: &AppState,
    staff: &Staff,
    before: Option<i64>,
    search: &str,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response> {
    let items = media::find(state.newsroom(), &staff.user, before, search, PAGE).await?;
    let next = (items.len() == PAGE as usize).then(|| items.last().map(|m| m.id)).flatten();
    let items: Vec<_> = items
        .iter()
        .map(|m| {
            let thumb = m
                .variant_widths
                .first()
                .map(|w| m.variant_public_path(*w))
                .unwrap_or_else(|| m.public_path());
            minijinja::context! {
                id => m.id, url => m.public_path(), thumb => thumb, alt => m.alt, credit => m.credit,
                licence => m.licence, travels => m.travels,
                width => m.width, height => m.height, kind => m.mime_type, kb => (m.size_bytes + 1023) / 1024,
            }
        })
        .collect();
    let site = state.store().site().await?;
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-media.html",
        minijinja::context! { items => items, q => search,
        next => next, error => error, notice => notice },
    )
}

pub(crate) async fn library(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    uploader(&staff)?;
    let before = query_value(q.as_deref(), "before").and_then(|b| b.parse().ok());
    let notice = query_value(q.as_deref(), "uploaded")
        .map(|id| format!("Uploaded as image number {id}."))
        .or_else(|| query_value(q.as_deref(), "deleted").map(|id| format!("Image number {id} is deleted.")));
    let search = query_value(q.as_deref(), "q").unwrap_or_default();
    render_found(&state, &staff, before, &search, StatusCode::OK, None, notice).await
}

/// `GET /admin/media/{id}`: one image, where it is used, its rights, and deleting it.
pub(crate) async fn item(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Result<Response> {
    show_item(&state, &staff, id, StatusCode::OK, None).await
}

async fn show_item(
    state: &AppState,
    staff: &Staff,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response> {
    uploader(staff)?;
    let m = match state.store().media(id).await {
        Ok(m) => m,
        Err(masthead_store::StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let uses: Vec<_> = media::uses(state.newsroom(), &staff.user, id)
        .await?
        .into_iter()
        .map(|(what, number, title)| {
            let url = match what.as_str() {
                "article" => format!("/admin/articles/{number}"),
                "author" => format!("/admin/authors/{number}"),
                "page" => format!("/admin/pages/{number}"),
                _ => "/admin/settings".to_owned(),
            };
            minijinja::context! { what => what, url => url, title => title }
        })
        .collect();
    let site = state.store().site().await?;
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-media-item.html",
        minijinja::context! { m => minijinja::context! { id => m.id, url => m.public_path(), alt => m.alt, credit => m.credit,
            licence => m.licence, travels => m.travels, width => m.width, height => m.height, kind => m.mime_type,
            kb => (m.size_bytes + 1023) / 1024 },
        uses => uses, may_delete => staff.user.may(Action::EditAnyArticle), error => error },
    )
}

/// `POST /admin/media/{id}/delete`: deletes an image nothing uses, once the box is ticked.
pub(crate) async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Path(id): axum::extract::Path<i64>,
    form: std::result::Result<axum::Form<crate::admin::form::Pairs>, axum::extract::rejection::FormRejection>,
) -> Result<Response> {
    let pairs = crate::admin::form::signed_form(&staff, form)?;
    if field(&pairs, "confirm") != "yes" {
        return show_item(
            &state,
            &staff,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Tick \u{201c}yes, delete it\u{201d} to delete the image.".into()),
        )
        .await;
    }
    match media::delete(state.newsroom(), &staff.user, id).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/media?deleted={id}")).into_response()),
        Err(Failure::Refused(why)) => show_item(&state, &staff, id, StatusCode::CONFLICT, Some(why)).await,
        Err(other) => Err(other.into()),
    }
}

/// `POST /admin/media/{id}`: an image's credit, licence and whether it travels with copies.
pub(crate) async fn change_rights(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Path(id): axum::extract::Path<i64>,
    form: std::result::Result<axum::Form<crate::admin::form::Pairs>, axum::extract::rejection::FormRejection>,
) -> Result<Response> {
    uploader(&staff)?;
    let pairs = crate::admin::form::signed_form(&staff, form)?;
    let travels = field(&pairs, "travels") == "yes";
    match media::change_rights(
        state.newsroom(),
        &staff.user,
        id,
        &field(&pairs, "credit"),
        &field(&pairs, "licence"),
        travels,
    )
    .await
    {
        Ok(m) => {
            let notice = if m.travels {
                format!("Image number {id}: saved; it travels with republished copies.")
            } else {
                format!("Image number {id}: saved; republished copies show its credit and a link instead.")
            };
            render(&state, &staff, None, StatusCode::OK, None, Some(notice)).await
        }
        Err(Failure::NotFound(_)) => Err(AppError::NotFound),
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    mut form: axum::extract::Multipart,
) -> Result<Response> {
    uploader(&staff)?;
    let (upload, _) = crate::admin::form::read_media_upload(&staff, &mut form).await?;
    let error = match media::upload(state.newsroom(), &staff.user, upload).await {
        Ok(media) => return Ok(Redirect::to(&format!("/admin/media?uploaded={}", media.id)).into_response()),
        Err(Failure::Invalid { message, .. }) => message,
        Err(other) => return Err(other.into()),
    };
    render(&state, &staff, None, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None).await
}
