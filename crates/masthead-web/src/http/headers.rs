//! The security headers of every response: a strict Content-Security-Policy (no inline script
//! or style, nothing from other origins but images, no framing), `nosniff`, a referrer policy
//! and a permissions policy; and HSTS when the site is served over https.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

/// HSTS for a site whose base URL is https: a year, subdomains included.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The middleware: `Strict-Transport-Security` on every response when the site's base URL is
/// https. The site comes from the settings cached in [`AppState`], not from the database per
/// request. A site served over plain http (a laptop, a test) never sends it: browsers would
/// then refuse the site over http for a year.
pub async fn strict_transport(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    // The kept settings first: a page served from the cache must not wait on the database.
    let site = match state.page_cache().cached_site() {
        Some(site) => Ok(site),
        None => state.site().await,
    };
    match site {
        Ok(site) if site.base_url.scheme() == "https" => {
            response.headers_mut().insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
            );
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "could not read the site's settings for HSTS"),
    }
    response
}

/// The Content-Security-Policy of every response: nothing from other origins but images (a
/// partner's article may show theirs), no inline script or style, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' https: data:; \
     script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// Gives a page that embeds frames (click-to-load embeds) the same policy with exactly those
/// origins (each an `https://host` the embed allowlist wrote) allowed as frames; a page with
/// none keeps the policy every response gets.
pub fn allow_frames(response: &mut Response, origins: &[String]) {
    let allowed: Vec<&str> = origins
        .iter()
        .map(String::as_str)
        .filter(|o| {
            o.starts_with("https://")
                && o[8..].bytes().all(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b))
        })
        .collect();
    if allowed.is_empty() {
        return;
    }
    if let Ok(policy) =
        HeaderValue::from_str(&format!("{CONTENT_SECURITY_POLICY}; frame-src {}", allowed.join(" ")))
    {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
    }
}

/// `router` with the security headers on every response.
pub fn secure<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("interest-cohort=(), browsing-topics=()"),
        ))
}

/// A transparent 1×1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
    0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// The counting image (republished copies' views, newsletter opens): a transparent 1×1 GIF that
/// no cache keeps, so that every load reaches us.
pub fn counting_pixel() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("image/gif")),
            (axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store, max-age=0")),
        ],
        PIXEL,
    )
        .into_response()
}
