//! The newsroom's admin, under `/admin/`: signing in and out, the dashboard, and who
//! republished what. Server-rendered, no script; every form carries a CSRF token; every page is
//! private (`no-store`); roles are checked here, on the server, before anything is shown.
//! Signing in and out are `masthead_newsroom::accounts`' (limits, checking, the session).

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use masthead_core::account::normalize_email;
use masthead_core::{Action, ArticleStatus, Site};
use serde::Serialize;

use crate::http::auth::{
    ClientIp, LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_DAYS, Staff, cookie, same_secret, staff_from_cookies,
};
use crate::http::error::{AppError, Result};
use crate::state::AppState;

use crate::admin::page::{admin_page, form_token_matches, render_form, secure, when};
use masthead_newsroom::accounts::{self, SignIn};
use masthead_newsroom::error::Failure;

/// When a sign-in that found the server busy checking other passwords may come back.
const BUSY_RETRY_SECONDS: u32 = 5;

fn render_login(
    state: &AppState,
    site: &Site,
    jar: CookieJar,
    status: StatusCode,
    email: &str,
    error: Option<String>,
) -> Result<Response> {
    render_form(
        state,
        site,
        jar,
        status,
        "admin-login.html",
        minijinja::context! { email => email, error => error },
    )
}

pub(crate) async fn login_form(State(state): State<AppState>, jar: CookieJar) -> Result<Response> {
    if staff_from_cookies(&state, &jar).await?.is_some() {
        return Ok(Redirect::to("/admin/").into_response());
    }
    let site = state.store().site().await?;
    render_login(&state, &site, jar, StatusCode::OK, "", None)
}

pub(crate) async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientIp(ip): ClientIp,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response> {
    let site = state.store().site().await?;
    let Form(form) =
        form.map_err(|e| AppError::BadRequest(format!("the sign-in form could not be read: {e}")))?;
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if !form_token_matches(&jar, field("csrf")) {
        return Err(AppError::Forbidden("This form has expired. Reload the page and sign in again.".into()));
    }
    let email = field("email");
    let shown = normalize_email(email).unwrap_or_else(|| email.to_owned());
    let refusal =
        |status, message: String| render_login(&state, &site, jar.clone(), status, &shown, Some(message));
    match accounts::sign_in(state.newsroom(), email, field("password").to_owned(), &ip).await {
        Ok(SignIn::SignedIn { session, .. }) => {
            let jar = jar
                .clone()
                .remove(cookie(LOGIN_CSRF_COOKIE, String::new(), secure(&site), 0))
                .add(cookie(SESSION_COOKIE, session, secure(&site), SESSION_DAYS * 24 * 3600));
            Ok((jar, Redirect::to("/admin/")).into_response())
        }
        Ok(SignIn::Refused) => refusal(StatusCode::UNAUTHORIZED, "Wrong e-mail address or password.".into()),
        Ok(SignIn::Throttled(wait)) => {
            let mut response = refusal(StatusCode::TOO_MANY_REQUESTS, wait.to_string())?;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.minutes * 60));
            Ok(response)
        }
        Ok(SignIn::Busy) => {
            let message = "Too many sign-ins right now, try again in a moment.".to_owned();
            let mut response = refusal(StatusCode::SERVICE_UNAVAILABLE, message)?;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_SECONDS));
            Ok(response)
        }
        Err(Failure::Invalid { message, .. }) => refusal(StatusCode::UNPROCESSABLE_ENTITY, message),
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    jar: CookieJar,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response> {
    let sent = form.ok().and_then(|Form(f)| f.get("csrf").cloned()).unwrap_or_default();
    if !same_secret(&sent, &staff.csrf) {
        return Err(AppError::Forbidden("This form has expired. Reload the page and try again.".into()));
    }
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        accounts::sign_out(state.newsroom(), &token).await?;
    }
    let site = state.store().site().await?;
    let jar = jar.remove(cookie(SESSION_COOKIE, String::new(), secure(&site), 0));
    Ok((jar, Redirect::to("/admin/login")).into_response())
}

pub(crate) async fn dashboard(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    let site = state.store().site().await?;
    #[derive(Serialize)]
    struct Line {
        title: String,
        url: String,
        when: String,
    }
    #[derive(Serialize)]
    struct Group {
        label: &'static str,
        items: Vec<Line>,
    }
    let mut groups = Vec::new();
    for (status, label) in [
        (ArticleStatus::Draft, "Drafts"),
        (ArticleStatus::Scheduled, "Scheduled"),
        (ArticleStatus::Published, "Recently published"),
    ] {
        // Only what this person may read: a contributor sees their own drafts, not everyone's.
        let lines: Vec<_> = masthead_newsroom::articles::list(state.newsroom(), &staff.user, Some(status))
            .await?
            .into_iter()
            .take(10)
            .collect();
        // A draft is dated by its last save; the others by when they go, or went, out.
        let published: HashMap<i64, jiff::Timestamp> = if status == ArticleStatus::Draft {
            HashMap::new()
        } else {
            let ids: Vec<i64> = lines.iter().map(|(id, ..)| *id).collect();
            state
                .store()
                .articles(&ids)
                .await?
                .into_iter()
                .filter_map(|a| Some((a.id, a.published_at?)))
                .collect()
        };
        let items = lines
            .into_iter()
            .map(|(id, _, title, _, saved)| Line {
                title,
                url: format!("/admin/articles/{id}"),
                when: match (status, published.get(&id)) {
                    (ArticleStatus::Scheduled, Some(at)) => format!("goes out {}", when(*at, &site)),
                    (ArticleStatus::Published, Some(at)) => format!("published {}", when(*at, &site)),
                    _ => format!("saved {}", when(saved, &site)),
                },
            })
            .collect();
        groups.push(Group { label, items });
    }
    admin_page(
        &state,
        &site,
        &staff,
        StatusCode::OK,
        "admin-dashboard.html",
        minijinja::context! { groups => groups, fediverse => masthead_newsroom::federation::standing(state.newsroom()).await? },
    )
}

/// `/admin/republications[?after=…]`: a page of who republished what, with a link to the next.
pub(crate) async fn republications(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response> {
    if !staff.user.role.may(Action::ViewRepublications) {
        return Err(AppError::Forbidden("Your role cannot see republications; ask an editor.".into()));
    }
    let site = state.store().site().await?;
    let after = query.get("after").map(String::as_str);
    let page = match masthead_newsroom::republications::report(state.newsroom(), &staff.user, after).await {
        Ok(page) => page,
        Err(Failure::Invalid { message, .. }) => return Err(AppError::BadRequest(message)),
        Err(e) => return Err(e.into()),
    };
    let next = page.next.map(|c| {
        format!(
            "/admin/republications?after={}",
            url::form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()
        )
    });
    admin_page(
        &state,
        &site,
        &staff,
        StatusCode::OK,
        "admin-republications.html",
        minijinja::context! { rows => page.rows, next => next, paged => after.is_some() },
    )
}

pub(crate) async fn audit(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    if !staff.user.role.may(Action::ViewAuditLog) {
        return Err(AppError::Forbidden("Only administrators see the audit log.".into()));
    }
    let site = state.store().site().await?;
    #[derive(Serialize)]
    struct Entry {
        when: String,
        user: Option<String>,
        action: String,
        subject: String,
    }
    let entries: Vec<Entry> = state
        .store()
        .audit_log(200)
        .await?
        .into_iter()
        .map(|e| Entry { when: when(e.at, &site), user: e.user, action: e.action, subject: e.subject })
        .collect();
    admin_page(
        &state,
        &site,
        &staff,
        StatusCode::OK,
        "admin-audit.html",
        minijinja::context! { entries => entries },
    )
}
