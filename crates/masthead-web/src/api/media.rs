//! `/api/admin/media`: image uploads. The file is checked, turned upright, stripped and resized
//! (`images.rs`) on a blocking thread, written under `<data>/media/uploads/YYYY/MM/`, then
//! recorded; a failed write leaves no record, a failed record removes the files.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use masthead_core::media::variant_path;
use masthead_core::{Action, NewMedia};

use crate::state::AppState;
use crate::api::openapi::{ApiError, ApiUser};
use masthead_newsroom::images::{UploadLimits, process};

pub(crate) async fn upload(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    // Contributors write drafts only; images come with an editor's or author's hand.
    if !user.role.may(Action::PublishOwn) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the {} role may not upload images", user.role),
        ));
    }
    let (mut file, mut alt, mut credit) = (None, String::new(), String::new());
    while let Some(field) = form.next_field().await.map_err(|e| {
        ApiError::field(StatusCode::BAD_REQUEST, format!("the upload could not be read: {e}"), "file")
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        let data = field.bytes().await.map_err(|e| {
            ApiError::field(StatusCode::BAD_REQUEST, format!("the upload could not be read: {e}"), &name)
        })?;
        match name.as_str() {
            "file" => file = Some(data),
            "alt" => alt = String::from_utf8_lossy(&data).trim().to_owned(),
            "credit" => credit = String::from_utf8_lossy(&data).trim().to_owned(),
            other => {
                return Err(ApiError::field(
                    StatusCode::BAD_REQUEST,
                    format!("unknown field {other:?}"),
                    other,
                ));
            }
        }
    }
    let file = file.ok_or_else(|| {
        ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "send the image as the field \"file\"", "file")
    })?;
    if alt.is_empty() {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "describe the image for readers who cannot see it",
            "alt",
        ));
    }
    match store_upload(&state, file.to_vec(), alt, credit).await {
        Ok(media) => Ok((StatusCode::CREATED, Json(media)).into_response()),
        Err(UploadFailure::Invalid(m)) => Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, m, "file")),
        Err(UploadFailure::Internal(m)) => Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m)),
    }
}

/// Why an image was not stored: the person's fault (`Invalid`) or ours (`Internal`).
#[derive(Debug)]
pub(crate) enum UploadFailure {
    Invalid(String),
    Internal(String),
}

/// Checks, processes and stores an uploaded image with its words; files first, then the record.
pub(crate) async fn store_upload(
    state: &AppState,
    file: Vec<u8>,
    alt: String,
    credit: String,
) -> Result<masthead_core::Media, UploadFailure> {
    let processed = tokio::task::spawn_blocking(move || process(&file, UploadLimits::default()))
        .await
        .map_err(|e| UploadFailure::Internal(e.to_string()))?
        .map_err(|e| UploadFailure::Invalid(e.to_string()))?;

    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let name: String = crate::http::auth::new_token().chars().take(16).collect();
    let path = format!("uploads/{}/{name}.{}", now.strftime("%Y/%m"), processed.extension);
    let media_dir = state.media_dir().to_owned();
    let mut files = vec![(path.clone(), processed.bytes.clone())];
    files.extend(
        processed.variants.iter().map(|(w, bytes)| (variant_path(&path, i64::from(*w)), bytes.clone())),
    );
    let written: Vec<std::path::PathBuf> = files.iter().map(|(p, _)| media_dir.join(p)).collect();
    let write = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        for (relative, bytes) in &files {
            let target = media_dir.join(relative);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(target, bytes)?;
        }
        Ok(())
    })
    .await
    .map_err(|e| UploadFailure::Internal(e.to_string()))?;
    let remove = |paths: &[std::path::PathBuf]| paths.iter().for_each(|p| drop(std::fs::remove_file(p)));
    if let Err(e) = write {
        remove(&written);
        return Err(UploadFailure::Internal(format!("the image could not be saved: {e}")));
    }
    let record = NewMedia {
        path,
        mime_type: processed.mime_type.into(),
        size_bytes: processed.bytes.len() as i64,
        width: Some(i64::from(processed.width)),
        height: Some(i64::from(processed.height)),
        alt,
        credit,
        variant_widths: processed.variants.iter().map(|(w, _)| i64::from(*w)).collect(),
    };
    state.store().create_media(&record).await.map_err(|e| {
        remove(&written);
        UploadFailure::Internal(e.to_string())
    })
}
