//! Errors at the HTTP edge. Handlers return [`AppError`]; [`themed_errors`] turns any error
//! response (a handler's, the 404 fallback's, a caught panic's) into the theme's error page.
//! Internal details are logged, never shown.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use masthead_store::StoreError;

use crate::state::AppState;
use crate::views::site_view;

/// What handlers return.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    /// Signed in, but not allowed; or a form whose CSRF token does not match.
    #[error("{0}")]
    Forbidden(String),
    /// A request body over the limit (`413 Payload Too Large`).
    #[error("{0}")]
    TooLarge(String),
    /// The database cannot be reached now: `503` with `Retry-After`, rendered without it.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The disk is full: `507 Insufficient Storage`, saying so.
    #[error("disk full: {0}")]
    DiskFull(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Seconds a client is asked to wait when the database is away.
pub const RETRY_AFTER_SECONDS: u32 = 10;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Refused(reason) => AppError::BadRequest(reason),
            e @ StoreError::Unavailable(_) => AppError::Unavailable(e.to_string()),
            e @ StoreError::DiskFull(_) => AppError::DiskFull(e.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl AppError {
    /// A use case's failure that is no refusal a person can act on in the form: the database
    /// away (`503`), or our fault (`500`).
    pub(crate) fn fault(failure: masthead_newsroom::error::Failure) -> AppError {
        match failure {
            f @ masthead_newsroom::error::Failure::Unavailable(_) => AppError::Unavailable(f.to_string()),
            f @ masthead_newsroom::error::Failure::DiskFull(_) => AppError::DiskFull(f.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// A use case's refusal as the page that says it. Pages that show a refusal beside their form
/// handle those cases first; what reaches this is a page of its own.
impl From<masthead_newsroom::error::Failure> for AppError {
    fn from(f: masthead_newsroom::error::Failure) -> Self {
        use masthead_newsroom::error::Failure;
        match f {
            Failure::NotFound(_) => AppError::NotFound,
            Failure::Forbidden(m) | Failure::NotPermitted { message: m, .. } => AppError::Forbidden(m),
            f @ (Failure::Internal(_) | Failure::Unavailable(_) | Failure::DiskFull(_)) => AppError::fault(f),
            other => AppError::BadRequest(other.to_string()),
        }
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        AppError::Internal(format!("template: {e:#}"))
    }
}

/// What the error page says; carried from the error to [`themed_errors`] in the response's
/// extensions.
#[derive(Debug, Clone)]
pub(crate) struct ErrorPage {
    status: StatusCode,
    heading: &'static str,
    message: String,
}

impl ErrorPage {
    pub(crate) fn for_status(status: StatusCode, message: Option<String>) -> ErrorPage {
        let (heading, default_message) = match status {
            StatusCode::NOT_FOUND => (
                "Page not found",
                "There is no page at this address. It may have moved, or the link may be mistyped.",
            ),
            StatusCode::BAD_REQUEST => {
                ("Bad request", "The address of this page is not one the site understands.")
            }
            StatusCode::GONE => ("Article withdrawn", "This article has been withdrawn by the newsroom."),
            StatusCode::FORBIDDEN => ("Not allowed", "You may not do this."),
            StatusCode::PAYLOAD_TOO_LARGE => ("Too large", "What was sent is larger than the site accepts."),
            StatusCode::INSUFFICIENT_STORAGE => (
                "The disk is full",
                "The disk is full, so nothing was saved. Whoever runs the site must free some space; then try again.",
            ),
            StatusCode::SERVICE_UNAVAILABLE => (
                "Temporarily unavailable",
                "The site cannot reach its database just now. Please try again in a few seconds.",
            ),
            s if s.is_server_error() => (
                "Something went wrong",
                "The site could not show this page. The newsroom has been told; please try again later.",
            ),
            _ => ("Error", "The site could not show this page."),
        };
        ErrorPage { status, heading, message: message.unwrap_or_else(|| default_message.to_owned()) }
    }

    pub(crate) fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => ErrorPage::for_status(StatusCode::NOT_FOUND, None).into_response(),
            AppError::BadRequest(message) => {
                ErrorPage::for_status(StatusCode::BAD_REQUEST, Some(message)).into_response()
            }
            AppError::Forbidden(message) => {
                ErrorPage::for_status(StatusCode::FORBIDDEN, Some(message)).into_response()
            }
            AppError::TooLarge(message) => {
                ErrorPage::for_status(StatusCode::PAYLOAD_TOO_LARGE, Some(message)).into_response()
            }
            AppError::Unavailable(detail) => {
                tracing::warn!(%detail, "request refused: the database is unreachable");
                unavailable(None)
            }
            AppError::DiskFull(detail) => {
                tracing::error!(%detail, "request refused: the disk is full");
                ErrorPage::for_status(StatusCode::INSUFFICIENT_STORAGE, None).into_response()
            }
            AppError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                ErrorPage::for_status(StatusCode::INTERNAL_SERVER_ERROR, None).into_response()
            }
        }
    }
}

/// Renders the theme's error page for responses that carry an [`ErrorPage`], and for bare
/// 404s from services that know nothing of the theme (the media folder).
fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/") && t.contains("json"))
}

pub(crate) async fn themed_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let page = match response.extensions().get::<ErrorPage>() {
        Some(page) => page.clone(),
        // A 404 that says why in JSON (to a machine: the API, federation) is left as it is.
        None if response.status() == StatusCode::NOT_FOUND && !is_json(&response) => {
            ErrorPage::for_status(StatusCode::NOT_FOUND, None)
        }
        None => return response,
    };
    // The error may be the database itself: the kept settings, else (when the database is
    // away, or failing) the defaults, rather than wait or fail twice.
    let site = match state.page_cache().cached_site() {
        Some(site) => site,
        None if page.status.is_server_error() => masthead_core::Site::default(),
        None => state.site().await.unwrap_or_default(),
    };
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let body = state.theme().render(
        "error.html",
        minijinja::context! {
            site => site_view(&site),
            status => page.status.as_u16(),
            heading => page.heading,
            message => page.message,
        },
    );
    let mut out = match body {
        Ok(html) => (page.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the error page template failed");
            (page.status, format!("{}: {}", page.heading, page.message)).into_response()
        }
    };
    out.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(retry_after) = retry_after {
        out.headers_mut().insert(header::RETRY_AFTER, retry_after);
    }
    out
}

/// The `503` for a request the site cannot answer now, with `Retry-After`; `message` replaces
/// the error page's own.
pub(crate) fn unavailable(message: Option<String>) -> Response {
    let mut response = ErrorPage::for_status(StatusCode::SERVICE_UNAVAILABLE, message).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}

/// The most bytes a request body may have, unless its route allows more (image uploads).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// What to tell someone whose request body was over [`BODY_LIMIT`].
pub(crate) fn too_large() -> String {
    format!(
        "The request body is larger than the {} MiB allowed; send less text, or upload images on their own.",
        BODY_LIMIT / (1024 * 1024)
    )
}
