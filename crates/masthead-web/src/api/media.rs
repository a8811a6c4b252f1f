//! `/api/admin/media`: image uploads, through `masthead_newsroom::media::upload`.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use masthead_newsroom::media::{self, Upload};

use crate::api::error::{ApiError, ApiUser};
use crate::state::AppState;

pub(crate) async fn upload(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let (mut file, mut alt, mut credit) = (None, String::new(), String::new());
    while let Some(field) = form.next_field().await.map_err(|e| {
        ApiError::field(StatusCode::BAD_REQUEST, format!("the upload could not be read: {e}"), "file")
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        let data = field.bytes().await.map_err(|e| {
            ApiError::field(StatusCode::BAD_REQUEST, format!("the upload could not be read: {e}"), &name)
        })?;
        match name.as_str() {
            "file" => file = Some(data.to_vec()),
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
    let media = media::upload(state.newsroom(), &user, Upload { file, alt, credit }).await?;
    Ok((StatusCode::CREATED, Json(media)).into_response())
}
