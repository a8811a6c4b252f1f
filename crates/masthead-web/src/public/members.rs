//! Readers' own pages, never cached and all without script: signing up (`/subscribe`, and the
//! compact form on the home and article pages, which posts here), confirming, signing in by a
//! link sent by e-mail, the account page (newsletters, name, address, data, deletion), and
//! unsubscribing. The rules are `masthead_newsroom::members`'.
//!
//! CSRF: forms shown to a signed-in member carry their session's token. Forms of signed-out
//! readers are on pages every reader shares (the cache), so they cannot; their POSTs must come
//! from the site's own pages (`http::origin`), carry an empty honeypot field, and stay within a
//! rate per client address. A link sent by e-mail only shows a page with a button: mail
//! scanners that follow links change nothing. The one exception is `POST /unsubscribe`, which
//! a mail provider sends on the reader's behalf (RFC 8058) with no cookie, no origin and no
//! token of ours but the signed one in its address, which is its whole authorisation.

use axum::extract::rejection::FormRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use masthead_core::{Member, Site};
use masthead_newsroom::error::Failure;
use masthead_newsroom::members::{self, Mailed, SignUp, SignedIn};
use masthead_newsroom::newsletters;
use masthead_newsroom::signing::Purpose;

use crate::http::auth::{ClientIp, cookie, same_secret};
use crate::http::error::{AppError, Result};
use crate::http::origin::same_origin;
use crate::paths::query_value;
use crate::state::AppState;
use crate::views::site_view;

/// The cookie that carries a member's session.
pub const MEMBER_COOKIE: &str = "masthead_member";
/// The field people leave empty and form-filling robots fill in.
const HONEYPOT: &str = "website";
/// The most a reader's form may send.
const FORM_LIMIT: usize = 16 * 1024;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/subscribe", get(subscribe_form).post(subscribe))
        .route("/subscribe/confirm", get(confirm_page).post(confirm))
        .route("/account/sign-in", get(sign_in_form).post(sign_in_request))
        .route("/account/sign-in/link", get(sign_in_page).post(sign_in))
        .route("/account", get(account).post(account_save))
        .route("/account/email", post(email_change))
        .route("/account/email/confirm", get(email_confirm_page).post(email_confirm))
        .route("/account/data", get(data))
        .route("/account/delete", post(delete))
        .route("/account/sign-out", post(sign_out))
        .route("/unsubscribe", get(unsubscribe_page).post(unsubscribe))
        .layer(axum::extract::DefaultBodyLimit::max(FORM_LIMIT))
}

pub(crate) type Pairs = Vec<(String, String)>;

pub(crate) fn field(pairs: &[(String, String)], key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
}

pub(crate) fn read_form(form: std::result::Result<Form<Pairs>, FormRejection>) -> Result<Pairs> {
    form.map(|Form(p)| p).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge("The form sent more than the site accepts.".into())
        } else {
            AppError::BadRequest(format!("the form could not be read: {e}"))
        }
    })
}

fn query_token(query: Option<&str>) -> String {
    query_value(query, "t").unwrap_or_default()
}

pub(crate) fn secure(site: &Site) -> bool {
    site.base_url.scheme() == "https"
}

/// A reader's page: never cached, never indexed.
fn private(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(crate) fn render(
    state: &AppState,
    site: &Site,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Result<Response> {
    let html = state.theme().render(template, minijinja::context! { site => site_view(site), ..ctx })?;
    Ok(private(status, html))
}

/// A page that says something, with at most one button (a form posting `token` to `action`).
pub(crate) fn notice(
    state: &AppState,
    site: &Site,
    status: StatusCode,
    heading: &str,
    message: &str,
    button: Option<(&str, &str, &str)>,
) -> Result<Response> {
    let (action, token, label) = button.unwrap_or_default();
    render(
        state,
        site,
        status,
        "member-notice.html",
        minijinja::context! { heading, message, action, token, button => label },
    )
}

/// Refuses a signed-out form that did not come from the site's pages, was filled in by a
/// robot, or came too often from one address: `Some(response)` to send instead.
fn guard(state: &AppState, site: &Site, headers: &HeaderMap, ip: &str) -> Result<Option<Response>> {
    if !same_origin(headers, &site.base_url) {
        return Err(AppError::Forbidden("This form must be sent from the site's own pages.".into()));
    }
    if !state.reader_limits().admit(ip) {
        return notice(
            state,
            site,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            "Too many forms were sent from your address. Please try again in a minute.",
            None,
        )
        .map(Some);
    }
    Ok(None)
}

fn mailed(state: &AppState, site: &Site, outcome: Mailed, sent: &str) -> Result<Response> {
    match outcome {
        Mailed::Sent => notice(state, site, StatusCode::OK, "Check your inbox", sent, None),
        Mailed::Logged => notice(
            state,
            site,
            StatusCode::OK,
            "Check your inbox",
            "This site has no mail server yet, so the message was written to its log. Ask the newsroom for it.",
            None,
        ),
        Mailed::NotSent => notice(
            state,
            site,
            StatusCode::SERVICE_UNAVAILABLE,
            "Not sent",
            "The message could not be sent just now. Please try again later.",
            None,
        ),
    }
}

/// A refusal a reader can correct, shown on `template` with what they typed.
fn invalid(failure: Failure) -> Result<String> {
    match failure {
        Failure::Invalid { message, .. } | Failure::Taken { message, .. } => Ok(message),
        other => Err(other.into()),
    }
}

/// A link that does not work (any more): said on a page of its own.
fn gone(state: &AppState, site: &Site, failure: Failure) -> Result<Response> {
    match failure {
        Failure::NotFound(message) => {
            notice(state, site, StatusCode::GONE, "This link does not work", &message, None)
        }
        other => Err(other.into()),
    }
}

async fn offered(state: &AppState) -> Result<Vec<minijinja::Value>> {
    Ok(newsletters::offered(state.newsroom())
        .await?
        .into_iter()
        .map(|n| {
            minijinja::context! { id => n.id, name => n.name, description => n.description, default => n.subscribe_by_default }
        })
        .collect())
}

// ---- signing up ----

async fn subscribe_form(State(state): State<AppState>) -> Result<Response> {
    let site = state.site().await?;
    let newsletters = offered(&state).await?;
    render(
        &state,
        &site,
        StatusCode::OK,
        "subscribe.html",
        minijinja::context! { newsletters, honeypot => HONEYPOT },
    )
}

async fn subscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let pairs = read_form(form)?;
    if let Some(refused) = guard(&state, &site, &headers, &ip)? {
        return Ok(refused);
    }
    let sent = "We sent you a link to confirm your address. Follow it to complete your subscription.";
    if !field(&pairs, HONEYPOT).is_empty() {
        // A robot: it is told what a person is told, and nothing is done.
        return notice(&state, &site, StatusCode::OK, "Check your inbox", sent, None);
    }
    // The full form says which newsletters it offered; the compact one leaves the defaults.
    let newsletters = (field(&pairs, "choose") == "1").then(|| {
        pairs.iter().filter(|(k, _)| k == "newsletter").filter_map(|(_, v)| v.parse().ok()).collect()
    });
    let request = SignUp { email: field(&pairs, "email"), name: field(&pairs, "name"), newsletters };
    match members::sign_up(state.newsroom(), request, &ip).await {
        Ok(outcome) => mailed(&state, &site, outcome, sent),
        Err(failure) => {
            let error = invalid(failure)?;
            let newsletters = offered(&state).await?;
            render(
                &state,
                &site,
                StatusCode::UNPROCESSABLE_ENTITY,
                "subscribe.html",
                minijinja::context! { newsletters, honeypot => HONEYPOT, error, email => field(&pairs, "email"), name => field(&pairs, "name") },
            )
        }
    }
}

async fn confirm_page(State(state): State<AppState>, RawQuery(q): RawQuery) -> Result<Response> {
    let site = state.site().await?;
    let token = query_token(q.as_deref());
    if let Err(f) = members::check_link(state.newsroom(), Purpose::ConfirmSignUp, &token).await {
        return gone(&state, &site, f);
    }
    notice(
        &state,
        &site,
        StatusCode::OK,
        "Confirm your subscription",
        "One more step: confirm that you want to receive our newsletters at this address.",
        Some(("/subscribe/confirm", &token, "Confirm my subscription")),
    )
}

/// Signs the reader in: their session cookie, and on to their account.
fn signed_in(site: &Site, jar: CookieJar, signed: SignedIn, to: &str) -> Response {
    let max_age = members::SESSION_DAYS * 24 * 3600;
    let jar = jar.add(cookie(MEMBER_COOKIE, signed.session, secure(site), max_age));
    (jar, Redirect::to(to)).into_response()
}

async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let pairs = read_form(form)?;
    if !same_origin(&headers, &site.base_url) {
        return Err(AppError::Forbidden("This form must be sent from the site's own pages.".into()));
    }
    match members::confirm(state.newsroom(), &field(&pairs, "t")).await {
        Ok(signed) => Ok(signed_in(&site, jar, signed, "/account?welcome=1")),
        Err(f) => gone(&state, &site, f),
    }
}

// ---- signing in ----

async fn sign_in_form(State(state): State<AppState>) -> Result<Response> {
    let site = state.site().await?;
    render(
        &state,
        &site,
        StatusCode::OK,
        "account-sign-in.html",
        minijinja::context! { honeypot => HONEYPOT },
    )
}

async fn sign_in_request(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let pairs = read_form(form)?;
    if let Some(refused) = guard(&state, &site, &headers, &ip)? {
        return Ok(refused);
    }
    let sent =
        "If this address is a member's, a link to sign in is on its way. It works once, within the hour.";
    if !field(&pairs, HONEYPOT).is_empty() {
        return notice(&state, &site, StatusCode::OK, "Check your inbox", sent, None);
    }
    match members::request_sign_in(state.newsroom(), &field(&pairs, "email"), &ip).await {
        Ok(outcome) => mailed(&state, &site, outcome, sent),
        Err(failure) => {
            let error = invalid(failure)?;
            render(
                &state,
                &site,
                StatusCode::UNPROCESSABLE_ENTITY,
                "account-sign-in.html",
                minijinja::context! { honeypot => HONEYPOT, error, email => field(&pairs, "email") },
            )
        }
    }
}

async fn sign_in_page(State(state): State<AppState>, RawQuery(q): RawQuery) -> Result<Response> {
    let site = state.site().await?;
    let token = query_token(q.as_deref());
    if let Err(f) = members::check_link(state.newsroom(), Purpose::SignIn, &token).await {
        return gone(&state, &site, f);
    }
    notice(
        &state,
        &site,
        StatusCode::OK,
        "Sign in",
        &format!("Sign in to {}.", site.title),
        Some(("/account/sign-in/link", &token, "Sign in")),
    )
}

async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let pairs = read_form(form)?;
    if !same_origin(&headers, &site.base_url) {
        return Err(AppError::Forbidden("This form must be sent from the site's own pages.".into()));
    }
    match members::sign_in(state.newsroom(), &field(&pairs, "t")).await {
        Ok(signed) => Ok(signed_in(&site, jar, signed, "/account")),
        Err(f) => gone(&state, &site, f),
    }
}

// ---- the account ----

/// The signed-in member and their forms' CSRF token, if any.
pub(crate) async fn member(state: &AppState, jar: &CookieJar) -> Result<Option<(Member, String)>> {
    let Some(session) = jar.get(MEMBER_COOKIE).map(|c| c.value().to_owned()) else { return Ok(None) };
    Ok(members::signed_in(state.newsroom(), &session).await?)
}

/// The signed-in member, once their form's CSRF token is checked; `Err(redirect)` when nobody
/// is signed in.
pub(crate) async fn signed_form(
    state: &AppState,
    jar: &CookieJar,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<std::result::Result<(Member, Pairs), Response>> {
    let pairs = read_form(form)?;
    let Some((member, csrf)) = member(state, jar).await? else {
        return Ok(Err(Redirect::to("/account/sign-in").into_response()));
    };
    if !same_secret(&field(&pairs, "csrf"), &csrf) {
        return Err(AppError::Forbidden("This form has expired. Reload the page and try again.".into()));
    }
    Ok(Ok((member, pairs)))
}

async fn render_account(
    state: &AppState,
    site: &Site,
    member: &Member,
    csrf: &str,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response> {
    let newsletters: Vec<_> = newsletters::offered(state.newsroom())
        .await?
        .into_iter()
        .map(|n| {
            minijinja::context! { id => n.id, name => n.name, description => n.description, chosen => member.newsletters.contains(&n.id) }
        })
        .collect();
    let comments: Vec<_> = masthead_newsroom::comments::list_own(state.newsroom(), member)
        .await?
        .into_iter()
        .map(|q| {
            minijinja::context! {
                id => q.comment.id, status => q.comment.status.key(), article => q.article_title,
                excerpt => masthead_core::body::excerpt_from_html(&q.comment.body_html, 16),
                date => crate::views::date_view(q.comment.created_at, &site.time_zone),
            }
        })
        .collect();
    render(
        state,
        site,
        status,
        "account.html",
        minijinja::context! {
            member => minijinja::context! { email => member.email, name => member.name, pending => member.status == masthead_core::MemberStatus::Pending },
            newsletters, csrf, notice, error, comments,
        },
    )
}

async fn account(State(state): State<AppState>, jar: CookieJar, RawQuery(q): RawQuery) -> Result<Response> {
    let site = state.site().await?;
    let Some((member, csrf)) = member(&state, &jar).await? else {
        return Ok(Redirect::to("/account/sign-in").into_response());
    };
    let welcome = q.as_deref().is_some_and(|q| q.contains("welcome=1"));
    let notice = welcome.then_some("Your subscription is confirmed. Welcome!");
    render_account(&state, &site, &member, &csrf, StatusCode::OK, notice, None).await
}

async fn account_save(
    State(state): State<AppState>,
    jar: CookieJar,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let (member, pairs) = match signed_form(&state, &jar, form).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let chosen: Vec<i64> =
        pairs.iter().filter(|(k, _)| k == "newsletter").filter_map(|(_, v)| v.parse().ok()).collect();
    let csrf = field(&pairs, "csrf");
    match members::change_own(state.newsroom(), &member, &field(&pairs, "name"), &chosen).await {
        Ok(changed) => {
            render_account(&state, &site, &changed, &csrf, StatusCode::OK, Some("Saved."), None).await
        }
        Err(f) => {
            let error = invalid(f)?;
            render_account(&state, &site, &member, &csrf, StatusCode::UNPROCESSABLE_ENTITY, None, Some(error))
                .await
        }
    }
}

async fn email_change(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientIp(ip): ClientIp,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let (member, pairs) = match signed_form(&state, &jar, form).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let csrf = field(&pairs, "csrf");
    match members::request_email_change(state.newsroom(), &member, &field(&pairs, "email"), &ip).await {
        Ok(Mailed::NotSent) => mailed(&state, &site, Mailed::NotSent, ""),
        Ok(_) => {
            let notice = "We sent a link to the new address. Your address changes when you follow it.";
            render_account(&state, &site, &member, &csrf, StatusCode::OK, Some(notice), None).await
        }
        Err(f) => {
            let error = invalid(f)?;
            render_account(&state, &site, &member, &csrf, StatusCode::UNPROCESSABLE_ENTITY, None, Some(error))
                .await
        }
    }
}

async fn email_confirm_page(State(state): State<AppState>, RawQuery(q): RawQuery) -> Result<Response> {
    let site = state.site().await?;
    let token = query_token(q.as_deref());
    if let Err(f) = members::check_link(state.newsroom(), Purpose::ChangeEmail, &token).await {
        return gone(&state, &site, f);
    }
    notice(
        &state,
        &site,
        StatusCode::OK,
        "Confirm your new address",
        "Confirm that our newsletters should come to this address from now on.",
        Some(("/account/email/confirm", &token, "Use this address")),
    )
}

async fn email_confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let pairs = read_form(form)?;
    if !same_origin(&headers, &site.base_url) {
        return Err(AppError::Forbidden("This form must be sent from the site's own pages.".into()));
    }
    match members::change_email(state.newsroom(), &field(&pairs, "t")).await {
        Ok(member) => notice(
            &state,
            &site,
            StatusCode::OK,
            "Address changed",
            &format!("From now on we write to {}.", member.email),
            None,
        ),
        Err(Failure::Taken { message, .. }) => {
            notice(&state, &site, StatusCode::CONFLICT, "Address not changed", &message, None)
        }
        Err(f) => gone(&state, &site, f),
    }
}

async fn data(State(state): State<AppState>, jar: CookieJar) -> Result<Response> {
    let Some((member, _)) = member(&state, &jar).await? else {
        return Ok(Redirect::to("/account/sign-in").into_response());
    };
    let json = members::own_data(state.newsroom(), &member).await?;
    let body = serde_json::to_string_pretty(&json).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"my-data.json\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn signed_out(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build((MEMBER_COOKIE, "")).path("/"))
}

async fn delete(
    State(state): State<AppState>,
    jar: CookieJar,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let (member, pairs) = match signed_form(&state, &jar, form).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    if field(&pairs, "confirm") != "delete" {
        let csrf = field(&pairs, "csrf");
        let error = "Tick the box to confirm that your account is to be deleted.".to_owned();
        return render_account(
            &state,
            &site,
            &member,
            &csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(error),
        )
        .await;
    }
    members::delete_own(state.newsroom(), &member).await?;
    let page = notice(
        &state,
        &site,
        StatusCode::OK,
        "Account deleted",
        "Your account and everything we held on you are deleted. We will not write to you again.",
        None,
    )?;
    Ok((signed_out(jar), page).into_response())
}

async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    match signed_form(&state, &jar, form).await? {
        Ok(_) => {}
        Err(redirect) => return Ok(redirect),
    }
    if let Some(session) = jar.get(MEMBER_COOKIE).map(|c| c.value().to_owned()) {
        members::sign_out(state.newsroom(), &session).await?;
    }
    Ok((signed_out(jar), Redirect::to("/")).into_response())
}

// ---- unsubscribing ----

fn leaving(what: &members::Unsubscribe) -> String {
    match &what.newsletter {
        Some(name) => format!("{name}, for {}", what.email),
        None => format!("every newsletter, for {}", what.email),
    }
}

/// Following the link only asks: mail scanners follow links, and must not unsubscribe anyone.
async fn unsubscribe_page(State(state): State<AppState>, RawQuery(q): RawQuery) -> Result<Response> {
    let site = state.site().await?;
    let token = query_token(q.as_deref());
    let what = match members::check_unsubscribe(state.newsroom(), &token).await {
        Ok(what) => what,
        Err(f) => return gone(&state, &site, f),
    };
    let action = format!(
        "/unsubscribe?{}",
        url::form_urlencoded::Serializer::new(String::new()).append_pair("t", &token).finish()
    );
    notice(
        &state,
        &site,
        StatusCode::OK,
        "Unsubscribe",
        &format!("Stop receiving {}?", leaving(&what)),
        Some((&action, "", "Unsubscribe")),
    )
}

/// Unsubscribes: from the page's button, or from a mail provider's one-click POST (RFC 8058:
/// the body is `List-Unsubscribe=One-Click`, with no cookie). The signed token in the address
/// is the authorisation, so no CSRF token or origin is asked for.
async fn unsubscribe(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    body: axum::body::Bytes,
) -> Result<Response> {
    let site = state.site().await?;
    let mut token = query_token(q.as_deref());
    if token.is_empty() {
        token = query_token(std::str::from_utf8(&body).ok());
    }
    match members::unsubscribe(state.newsroom(), &token).await {
        Ok(what) => notice(
            &state,
            &site,
            StatusCode::OK,
            "Unsubscribed",
            &format!(
                "You will no longer receive {}. You can choose again from your account at any time.",
                leaving(&what)
            ),
            None,
        ),
        Err(f) => gone(&state, &site, f),
    }
}
