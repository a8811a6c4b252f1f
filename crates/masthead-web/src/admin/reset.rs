//! Forgotten passwords: a one-time link, valid for an hour, sent by e-mail (or, without a mail
//! server, written to the log, and the person asking is told so). The answer to "send me a
//! link" is the same whether or not the account exists, so the form reveals no addresses.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use jiff::{SignedDuration, Timestamp};
use masthead_core::account::normalize_email;

use crate::admin::page::{form_token_matches, render_form};
use crate::http::auth::{ClientIp, hash_password, token_hash};
use crate::http::error::{AppError, Result};
use crate::state::AppState;
use masthead_newsroom::accounts::THROTTLE_WINDOW_MINUTES;
use masthead_newsroom::accounts::{MIN_PASSWORD_LEN, send_password_reset};
use masthead_newsroom::mail::Delivery;

/// Links asked for per address within the throttle window.
const MAX_REQUESTS_PER_ACCOUNT: i64 = 3;
const MAX_REQUESTS_PER_CLIENT: i64 = 10;

pub(crate) async fn forgot_form(State(state): State<AppState>, jar: CookieJar) -> Result<Response> {
    let site = state.store().site().await?;
    render_form(&state, &site, jar, StatusCode::OK, "admin-forgot.html", minijinja::context! {})
}

pub(crate) async fn forgot(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientIp(ip): ClientIp,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response> {
    let site = state.store().site().await?;
    let Form(form) = form.map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))?;
    if !form_token_matches(&jar, form.get("csrf").map(String::as_str).unwrap_or_default()) {
        return Err(AppError::Forbidden("This form has expired. Reload the page and try again.".into()));
    }
    let again = |status, error: String| {
        render_form(
            &state,
            &site,
            jar.clone(),
            status,
            "admin-forgot.html",
            minijinja::context! { error => error },
        )
    };
    let Some(email) = form.get("email").and_then(|e| normalize_email(e)) else {
        return again(StatusCode::UNPROCESSABLE_ENTITY, "Enter an e-mail address.".into());
    };
    let now = Timestamp::now();
    let since = now - SignedDuration::from_mins(THROTTLE_WINDOW_MINUTES);
    let (account_key, client_key) = (format!("reset:{email}"), format!("reset-ip:{ip}"));
    for (key, limit) in [(&account_key, MAX_REQUESTS_PER_ACCOUNT), (&client_key, MAX_REQUESTS_PER_CLIENT)] {
        if state.store().login_failures(key, since).await?.0 >= limit {
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many reset links asked for. Try again in {THROTTLE_WINDOW_MINUTES} minutes."),
            );
        }
    }
    state.store().record_login_failure(&[&account_key, &client_key], now).await?;
    let mut logged = false;
    if let Some((user, _)) = state.store().user_credentials(&email).await? {
        match send_password_reset(state.store(), state.mailer(), &site, &user).await {
            Ok((_, delivery)) => logged = delivery == Delivery::Logged,
            Err(e) => {
                tracing::error!(error = %e, "could not send a password reset link");
                return again(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The message could not be sent. Please try again later.".into(),
                );
            }
        }
    }
    // The same words whether or not the account exists; only a missing mail server is said.
    let notice = if logged || !state.mailer().is_configured() {
        "No mail server is configured, so the link was written to the server's log: ask the site's administrator for it."
    } else {
        "If an account exists for this address, a link to choose a new password is on its way."
    };
    render_form(
        &state,
        &site,
        jar,
        StatusCode::OK,
        "admin-forgot.html",
        minijinja::context! { notice => notice },
    )
}

fn token_from(query: Option<&str>) -> String {
    query
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "token").map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default()
}

const EXPIRED: &str = "This link has expired or has been used. Ask for a new one.";

pub(crate) async fn reset_form(
    State(state): State<AppState>,
    jar: CookieJar,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let site = state.store().site().await?;
    let token = token_from(q.as_deref());
    let valid = !token.is_empty()
        && state.store().password_reset(&token_hash(&token), Timestamp::now(), false).await?.is_some();
    if !valid {
        return render_form(
            &state,
            &site,
            jar,
            StatusCode::GONE,
            "admin-reset.html",
            minijinja::context! { error => EXPIRED },
        );
    }
    render_form(
        &state,
        &site,
        jar,
        StatusCode::OK,
        "admin-reset.html",
        minijinja::context! { token => token, min_length => MIN_PASSWORD_LEN },
    )
}

pub(crate) async fn reset(
    State(state): State<AppState>,
    jar: CookieJar,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response> {
    let site = state.store().site().await?;
    let Form(form) = form.map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))?;
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if !form_token_matches(&jar, field("csrf")) {
        return Err(AppError::Forbidden("This form has expired. Reload the page and try again.".into()));
    }
    let token = field("token").to_owned();
    let (password, again) = (field("password").to_owned(), field("again"));
    let problem = if password.chars().count() < MIN_PASSWORD_LEN {
        Some(format!("The password must have at least {MIN_PASSWORD_LEN} characters."))
    } else if password != again {
        Some("The two passwords differ.".to_owned())
    } else {
        None
    };
    if let Some(error) = problem {
        let ctx = minijinja::context! { token => token, error => error, min_length => MIN_PASSWORD_LEN };
        return render_form(&state, &site, jar, StatusCode::UNPROCESSABLE_ENTITY, "admin-reset.html", ctx);
    }
    let Some(user) = state.store().password_reset(&token_hash(&token), Timestamp::now(), true).await? else {
        return render_form(
            &state,
            &site,
            jar,
            StatusCode::GONE,
            "admin-reset.html",
            minijinja::context! { error => EXPIRED },
        );
    };
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)?;
    state.store().set_password_hash(user.id, &hash).await?;
    state.store().clear_login_failures(&format!("account:{}", user.email)).await?;
    state.store().audit(Some(user.id), "password reset", &user.email).await?;
    render_form(
        &state,
        &site,
        jar,
        StatusCode::OK,
        "admin-login.html",
        minijinja::context! { email => user.email, notice => "Your password is changed; every other session is signed out. Sign in with the new one." },
    )
}
