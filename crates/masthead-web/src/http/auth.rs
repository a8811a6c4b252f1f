//! Who is asking: staff signed in with a session cookie (the admin) or with a bearer token
//! (the Admin API). Session and API tokens are random and stored only as SHA-256 hashes
//! (`masthead_newsroom::secrets`; signing in is `masthead_newsroom::accounts`); every form
//! carries a CSRF token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use masthead_core::User;

use crate::state::AppState;

pub const SESSION_COOKIE: &str = "masthead_session";
/// Carries the CSRF token of the sign-in form, before there is a session.
pub const LOGIN_CSRF_COOKIE: &str = "masthead_login_csrf";
pub use masthead_newsroom::accounts::SESSION_DAYS;

pub use masthead_newsroom::secrets::{new_token, same_secret, token_hash};

/// A cookie with the flags every Masthead cookie has.
pub fn cookie(name: &'static str, value: String, secure: bool, max_age_seconds: i64) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_seconds))
        .build()
}

/// The address a request came from, for throttling; "unknown" where the server was not told
/// (requests in tests).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// A signed-in staff member and the CSRF token their forms must carry.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub csrf: String,
}

/// The staff member signed in with the request's session cookie, if any.
pub async fn staff_from_cookies(
    state: &AppState,
    jar: &CookieJar,
) -> Result<Option<Staff>, crate::http::error::AppError> {
    let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else { return Ok(None) };
    let session = state.store().session(&token_hash(&token), jiff::Timestamp::now()).await?;
    Ok(session.map(|(user, csrf)| Staff { user, csrf }))
}

/// The staff member a bearer token belongs to, acting with the token's scope, if the request
/// carries one that works (not expired, not revoked, its account enabled).
pub async fn staff_from_bearer(
    state: &AppState,
    parts: &Parts,
) -> Result<Option<User>, crate::http::error::AppError> {
    let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let Some(token) = value.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    Ok(state.store().user_by_api_token(&token_hash(token), jiff::Timestamp::now()).await?)
}
