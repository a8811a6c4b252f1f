//! How the Admin API says no: `{"error": "...", "field": "..."}` with a status, and who is
//! asking (the staff member behind the bearer token).

use axum::Json;
use axum::extract::FromRequestParts;
use axum::extract::rejection::JsonRejection;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use masthead_core::{Scope, User};
use masthead_newsroom::error::Failure;
use serde::Serialize;

use crate::http::auth::staff_from_bearer;
use crate::http::error::AppError;
use crate::state::AppState;

/// An API error: `{"error": "...", "field": "..."}`.
#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    error: String,
    field: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError { status, error: error.into(), field: None }
    }

    /// An error that one field of the request is to blame for.
    pub(crate) fn field(status: StatusCode, error: impl Into<String>, field: &str) -> ApiError {
        ApiError { status, error: error.into(), field: Some(field.to_owned()) }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(error = %self.error, "API request refused: the database is unreachable");
            let error = "the site cannot reach its database just now; try again shortly".to_owned();
            let mut response = (self.status, Json(ApiError { error, ..self })).into_response();
            let retry_after = HeaderValue::from(crate::http::error::RETRY_AFTER_SECONDS);
            response.headers_mut().insert(header::RETRY_AFTER, retry_after);
            return response;
        }
        if self.status == StatusCode::INSUFFICIENT_STORAGE {
            tracing::error!(error = %self.error, "API request refused: the disk is full");
            let error = "the disk is full, so nothing was saved; free some space, then try again".to_owned();
            return (self.status, Json(ApiError { error, ..self })).into_response();
        }
        if self.status.is_server_error() {
            tracing::error!(error = %self.error, "API request failed");
            return (self.status, Json(ApiError { error: "internal error".into(), ..self })).into_response();
        }
        (self.status, Json(&self)).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not found"),
            AppError::BadRequest(m) => ApiError::new(StatusCode::BAD_REQUEST, m),
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            AppError::TooLarge(m) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, m),
            AppError::Unavailable(m) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, m),
            AppError::DiskFull(m) => ApiError::new(StatusCode::INSUFFICIENT_STORAGE, m),
            AppError::Internal(m) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m),
        }
    }
}

/// The staff member behind the request's bearer token, acting with the token's scope.
#[derive(Debug)]
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match staff_from_bearer(state, parts).await? {
            // The use cases check every change against the scope; this keeps a read token to
            // reading even where a handler might not reach one.
            Some(user)
                if user.scope == Some(Scope::Read) && !matches!(parts.method, Method::GET | Method::HEAD) =>
            {
                Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "this token's scope (read) allows GET requests only",
                ))
            }
            Some(user) => Ok(ApiUser(user)),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "send a valid token as 'Authorization: Bearer <token>' (masthead token create --email …)",
            )),
        }
    }
}

impl From<Failure> for ApiError {
    fn from(f: Failure) -> Self {
        let status = match &f {
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::Forbidden(_) | Failure::NotPermitted { .. } => StatusCode::FORBIDDEN,
            Failure::Invalid { .. }
            | Failure::Unknown { .. }
            | Failure::Taken { .. }
            | Failure::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Failure::Stale { .. } => StatusCode::CONFLICT,
            Failure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Failure::DiskFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        match f.field().filter(|f| !f.is_empty()) {
            Some(field) => ApiError::field(status, f.to_string(), field),
            None => ApiError::new(status, f.to_string()),
        }
    }
}

/// A JSON body, or a 400 saying what is wrong with it (a 413 when it is over the limit).
pub(crate) fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    json.map(|Json(v)| v).map_err(|e| {
        // axum reports a body over `DefaultBodyLimit` as a rejection with status 413.
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, crate::http::error::too_large());
        }
        ApiError::new(StatusCode::BAD_REQUEST, format!("the request body is not valid: {}", e.body_text()))
    })
}
