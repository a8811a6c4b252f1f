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
    let (mut file, mut alt, mut credit, mut licence, mut travels) =
        (None, String::new(), String::new(), String::new(), true);
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
            "licence" => licence = String::from_utf8_lossy(&data).trim().to_owned(),
            "travels" => {
                travels = match String::from_utf8_lossy(&data).trim() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    other => {
                        return Err(ApiError::field(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            format!("travels is true or false, not {other:?}"),
                            "travels",
                        ));
                    }
                }
            }
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
    let media =
        media::upload(state.newsroom(), &user, Upload { file, alt, credit, licence, travels }).await?;
    Ok((StatusCode::CREATED, Json(media)).into_response())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RightsRequest {
    pub credit: String,
    #[serde(default)]
    pub licence: String,
    pub travels: bool,
}

/// `PUT /api/admin/media/{id}`: an image's credit, licence and whether it travels with copies.
pub(crate) async fn change_rights(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    json: Result<Json<RightsRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let request = crate::api::error::body(json)?;
    let media =
        media::change_rights(state.newsroom(), &user, id, &request.credit, &request.licence, request.travels)
            .await?;
    Ok(Json(media).into_response())
}
