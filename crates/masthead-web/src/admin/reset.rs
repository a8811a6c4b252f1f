//! Forgotten passwords: a one-time link, valid for an hour, sent by e-mail (or, without a mail
//! server, written to the log, and the person asking is told so). The answer to "send me a
//! link" is the same whether or not the account exists, so the form reveals no addresses. The
//! limits, the link and the new password are `masthead_newsroom::accounts`'.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use masthead_core::Site;
use masthead_newsroom::accounts::{self, MIN_PASSWORD_LEN, ResetRequest, THROTTLE_WINDOW_MINUTES};
use masthead_newsroom::error::Failure;

use crate::admin::page::{form_token_matches, render_form};
use crate::http::auth::ClientIp;
use crate::http::error::{AppError, Result};
use crate::state::AppState;

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
    let email = form.get("email").map(String::as_str).unwrap_or_default();
    let notice = match accounts::request_password_reset(state.newsroom(), email, &ip).await {
        // The same words whether or not the account exists; only a missing mail server is said.
        Ok(ResetRequest::Accepted { to_the_log: true }) => {
            "No mail server is configured, so the link was written to the server's log: ask the site's administrator for it."
        }
        Ok(ResetRequest::Accepted { to_the_log: false }) => {
            "If an account exists for this address, a link to choose a new password is on its way."
        }
        Ok(ResetRequest::Throttled) => {
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many reset links asked for. Try again in {THROTTLE_WINDOW_MINUTES} minutes."),
            );
        }
        Ok(ResetRequest::NotSent) => {
            return again(
                StatusCode::SERVICE_UNAVAILABLE,
                "The message could not be sent. Please try again later.".into(),
            );
        }
        Err(Failure::Invalid { message, .. }) => return again(StatusCode::UNPROCESSABLE_ENTITY, message),
        Err(other) => return Err(other.into()),
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

/// A reset link that no longer works.
fn gone(state: &AppState, site: &Site, jar: CookieJar, message: String) -> Result<Response> {
    render_form(
        state,
        site,
        jar,
        StatusCode::GONE,
        "admin-reset.html",
        minijinja::context! { error => message },
    )
}

pub(crate) async fn reset_form(
    State(state): State<AppState>,
    jar: CookieJar,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let site = state.store().site().await?;
    let token = token_from(q.as_deref());
    match accounts::check_reset_link(state.newsroom(), &token).await {
        Ok(()) => {}
        Err(Failure::NotFound(expired)) => return gone(&state, &site, jar, expired),
        Err(other) => return Err(other.into()),
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
    let user = match accounts::choose_password(
        state.newsroom(),
        &token,
        field("password").to_owned(),
        field("again"),
    )
    .await
    {
        Ok(user) => user,
        Err(Failure::Invalid { message, .. }) => {
            let ctx =
                minijinja::context! { token => token, error => message, min_length => MIN_PASSWORD_LEN };
            return render_form(
                &state,
                &site,
                jar,
                StatusCode::UNPROCESSABLE_ENTITY,
                "admin-reset.html",
                ctx,
            );
        }
        Err(Failure::NotFound(expired)) => return gone(&state, &site, jar, expired),
        Err(other) => return Err(other.into()),
    };
    render_form(
        &state,
        &site,
        jar,
        StatusCode::OK,
        "admin-login.html",
        minijinja::context! { email => user.email, notice => "Your password is changed; every other session is signed out. Sign in with the new one." },
    )
}
