//! Who is asking: staff signed in with a session cookie (the admin) or with a bearer token
//! (the Admin API). Passwords are hashed with Argon2id; session and API tokens are random and
//! stored only as SHA-256 hashes; every form carries a CSRF token.

use std::net::SocketAddr;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use masthead_core::User;
use sha2::{Digest, Sha256};

use crate::AppState;

pub const SESSION_COOKIE: &str = "masthead_session";
/// Carries the CSRF token of the sign-in form, before there is a session.
pub const LOGIN_CSRF_COOKIE: &str = "masthead_login_csrf";
pub const SESSION_DAYS: i64 = 14;

/// An Argon2id hash of `password` in PHC form.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A new random token: 32 bytes from the operating system, as hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

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
pub async fn staff_from_cookies(state: &AppState, jar: &CookieJar) -> Result<Option<Staff>, crate::AppError> {
    let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else { return Ok(None) };
    let session = state.store().session(&token_hash(&token), jiff::Timestamp::now()).await?;
    Ok(session.map(|(user, csrf)| Staff { user, csrf }))
}

/// The staff member a bearer token belongs to, if the request carries a valid one.
pub async fn staff_from_bearer(state: &AppState, parts: &Parts) -> Result<Option<User>, crate::AppError> {
    let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let Some(token) = value.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    Ok(state.store().user_by_api_token(&token_hash(token)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("Correct horse battery staple", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery staple").unwrap(), "salted");
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b) && !same_secret("a", "ab"));
    }
}
