//! The newsroom's admin, under `/admin/`: signing in and out, the dashboard, and who
//! republished what. Server-rendered, no script; every form carries a CSRF token; every page is
//! private (`no-store`); roles are checked here, on the server, before anything is shown.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use jiff::{SignedDuration, Timestamp};
use masthead_core::account::normalize_email;
use masthead_core::{Action, ArticleStatus, Site};
use serde::Serialize;

use crate::admin_newsroom as newsroom;
use crate::auth::{
    ClientIp, LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_DAYS, Staff, cookie, hash_password, new_token,
    same_secret, staff_from_cookies, token_hash, verify_password,
};
use crate::views::site_view;
use crate::{AppError, AppState, Result};

/// Failed sign-ins allowed per account, and per address, within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/login", get(login_form).post(login))
        .route("/admin/logout", axum::routing::post(logout))
        .route("/admin/", get(dashboard))
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/republications", get(republications))
        .route("/admin/audit", get(audit))
        .route("/admin/articles", get(crate::admin_articles::list))
        .route(
            "/admin/articles/new",
            get(crate::admin_articles::new_form).post(crate::admin_articles::create),
        )
        .route(
            "/admin/articles/{id}",
            get(crate::admin_articles::edit_form).post(crate::admin_articles::save),
        )
        .route("/admin/settings", get(crate::admin_settings::form).post(crate::admin_settings::save))
        .route("/admin/preview", axum::routing::post(crate::admin_articles::preview))
        .route(
            "/admin/articles/{id}/image",
            axum::routing::post(crate::admin_articles::upload_image).layer(
                axum::extract::DefaultBodyLimit::max(
                    crate::images::UploadLimits::default().max_bytes + 64 * 1024,
                ),
            ),
        )
        .route("/admin/articles/{id}/revisions", get(crate::admin_history::list))
        .route("/admin/articles/{id}/revisions/{revision}", get(crate::admin_history::show))
        .route(
            "/admin/articles/{id}/revisions/{revision}/restore",
            axum::routing::post(crate::admin_history::restore),
        )
        .route("/admin/authors", get(newsroom::authors).post(newsroom::create_author))
        .route("/admin/authors/{id}", get(newsroom::author).post(newsroom::update_author))
        .route("/admin/terms", get(newsroom::terms).post(newsroom::create_term))
        .route("/admin/terms/{id}", get(newsroom::term).post(newsroom::update_term))
        .route("/admin/outlets", get(newsroom::outlets).post(newsroom::create_outlet))
        .route("/admin/outlets/{id}", get(newsroom::outlet).post(newsroom::update_outlet))
        .route(
            "/admin/media",
            get(crate::admin_media::library).post(crate::admin_media::upload).layer(
                axum::extract::DefaultBodyLimit::max(
                    crate::images::UploadLimits::default().max_bytes + 64 * 1024,
                ),
            ),
        )
        .route("/admin/sources", get(crate::admin_sources::list).post(crate::admin_sources::create))
        .route("/admin/sources/{id}", get(crate::admin_sources::show).post(crate::admin_sources::update))
        .route("/admin/sources/{id}/pull", axum::routing::post(crate::admin_sources::pull))
        .route("/admin/queue", get(crate::admin_sources::queue))
        .route("/admin/queue/{id}/publish", axum::routing::post(crate::admin_sources::accept))
        .route("/admin/staff", get(crate::admin_staff::list).post(crate::admin_staff::add))
        .route("/admin/staff/{id}", axum::routing::post(crate::admin_staff::update))
        .route("/admin/tokens", get(crate::admin_tokens::list).post(crate::admin_tokens::create))
        .route("/admin/tokens/{id}/revoke", axum::routing::post(crate::admin_tokens::revoke))
        .route("/admin/forgot", get(crate::reset::forgot_form).post(crate::reset::forgot))
        .route("/admin/reset", get(crate::reset::reset_form).post(crate::reset::reset))
}

/// An admin page: never cached, never indexed.
pub(crate) fn private(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(crate) fn secure(site: &Site) -> bool {
    site.base_url.scheme() == "https"
}

/// Renders one of the signed-out forms (sign in, forgotten password, new password) with a
/// fresh CSRF token, which the browser also gets as a cookie to send back.
pub(crate) fn render_form(
    state: &AppState,
    site: &Site,
    jar: CookieJar,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Result<Response> {
    let csrf = new_token();
    let html = state
        .theme()
        .render(template, minijinja::context! { site => site_view(site), csrf => &csrf, ..ctx })?;
    let jar = jar.add(cookie(LOGIN_CSRF_COOKIE, csrf, secure(site), 3600));
    Ok((jar, private(status, html)).into_response())
}

/// Whether a signed-out form came back with the token its page was given.
pub(crate) fn form_token_matches(jar: &CookieJar, sent: &str) -> bool {
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    !expected.is_empty() && same_secret(sent, &expected)
}

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

async fn login_form(State(state): State<AppState>, jar: CookieJar) -> Result<Response> {
    if staff_from_cookies(&state, &jar).await?.is_some() {
        return Ok(Redirect::to("/admin/").into_response());
    }
    let site = state.store().site().await?;
    render_login(&state, &site, jar, StatusCode::OK, "", None)
}

/// A hash to verify against when the account does not exist, so that a wrong address takes as
/// long to refuse as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("not a real password").unwrap_or_default());

async fn login(
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
    let email_input = field("email").to_owned();
    let Some(email) = normalize_email(&email_input) else {
        return render_login(
            &state,
            &site,
            jar,
            StatusCode::UNPROCESSABLE_ENTITY,
            &email_input,
            Some("Enter an e-mail address.".into()),
        );
    };
    let account_key = format!("account:{email}");
    let address_key = format!("ip:{ip}");
    let now = Timestamp::now();
    let since = now - SignedDuration::from_mins(THROTTLE_WINDOW_MINUTES);
    for (key, limit, whom) in [
        (&account_key, MAX_FAILURES_PER_ACCOUNT, "this account"),
        (&address_key, MAX_FAILURES_PER_ADDRESS, "your address"),
    ] {
        let (count, oldest) = state.store().login_failures(key, since).await?;
        if count >= limit {
            let free_at = oldest.unwrap_or(now) + SignedDuration::from_mins(THROTTLE_WINDOW_MINUTES);
            let minutes = (free_at.duration_since(now).as_secs() + 59) / 60;
            let message = format!(
                "Too many failed sign-ins for {whom}. Try again in {} minute{}.",
                minutes.max(1),
                if minutes.max(1) == 1 { "" } else { "s" }
            );
            let mut response =
                render_login(&state, &site, jar, StatusCode::TOO_MANY_REQUESTS, &email, Some(message))?;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(minutes.max(1) * 60));
            return Ok(response);
        }
    }
    let credentials = state.store().user_credentials(&email).await?;
    let password = field("password").to_owned();
    let hash = credentials.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| DUMMY_HASH.clone());
    // Argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let user = match (credentials, ok) {
        (Some((user, _)), true) => user,
        _ => {
            state.store().record_login_failure(&[&account_key, &address_key], now).await?;
            return render_login(
                &state,
                &site,
                jar,
                StatusCode::UNAUTHORIZED,
                &email,
                Some("Wrong e-mail address or password.".into()),
            );
        }
    };
    state.store().clear_login_failures(&account_key).await?;
    let token = new_token();
    state
        .store()
        .create_session(
            user.id,
            &token_hash(&token),
            &new_token(),
            now + SignedDuration::from_hours(24 * SESSION_DAYS),
        )
        .await?;
    state.store().audit(Some(user.id), "sign-in", &user.email).await?;
    let jar = jar.remove(cookie(LOGIN_CSRF_COOKIE, String::new(), secure(&site), 0)).add(cookie(
        SESSION_COOKIE,
        token,
        secure(&site),
        SESSION_DAYS * 24 * 3600,
    ));
    Ok((jar, Redirect::to("/admin/")).into_response())
}

/// Admin handlers take the signed-in staff member as an argument; anyone else is sent to the
/// sign-in page.
impl axum::extract::FromRequestParts<AppState> for Staff {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Response> {
        require_staff(state, &CookieJar::from_headers(&parts.headers)).await
    }
}

/// The signed-in staff member, or a redirect to the sign-in page.
pub(crate) async fn require_staff(state: &AppState, jar: &CookieJar) -> std::result::Result<Staff, Response> {
    match staff_from_cookies(state, jar).await {
        Ok(Some(staff)) => Ok(staff),
        Ok(None) => Err(Redirect::to("/admin/login").into_response()),
        Err(e) => Err(e.into_response()),
    }
}

async fn logout(
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
        state.store().delete_session(&token_hash(&token)).await?;
    }
    let site = state.store().site().await?;
    let jar = jar.remove(cookie(SESSION_COOKIE, String::new(), secure(&site), 0));
    Ok((jar, Redirect::to("/admin/login")).into_response())
}

#[derive(Serialize)]
pub(crate) struct StaffView {
    name: String,
    role: &'static str,
}

#[derive(Serialize)]
pub(crate) struct May {
    newsroom: bool,
    media: bool,
    republications: bool,
    staff: bool,
    audit: bool,
    settings: bool,
}

pub(crate) fn admin_context(site: &Site, staff: &Staff) -> (crate::views::SiteView, StaffView, May) {
    (
        site_view(site),
        StaffView { name: staff.user.name.clone(), role: staff.user.role.key() },
        May {
            newsroom: staff.user.role.may(Action::ManageAuthorsAndTerms),
            media: staff.user.role.may(Action::PublishOwn),
            republications: staff.user.role.may(Action::ViewRepublications),
            staff: staff.user.role.may(Action::ManageStaff),
            audit: staff.user.role.may(Action::ViewAuditLog),
            settings: staff.user.role.may(Action::ManageSettings),
        },
    )
}

/// Renders an admin page: the template gets the site, the signed-in staff member, what their
/// role may see in the navigation and their CSRF token, besides `ctx`.
pub(crate) fn admin_page(
    state: &AppState,
    site: &Site,
    staff: &Staff,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Result<Response> {
    let (site_v, staff_v, may) = admin_context(site, staff);
    let html = state.theme().render(
        template,
        minijinja::context! { site => site_v, staff => staff_v, may => may, csrf => &staff.csrf, ..ctx },
    )?;
    Ok(private(status, html))
}

pub(crate) fn when(at: Timestamp, site: &Site) -> String {
    masthead_core::time::in_zone(at, &site.time_zone).strftime("%-d %B %Y, %H:%M").to_string()
}

async fn dashboard(State(state): State<AppState>, staff: Staff) -> Result<Response> {
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
        let items = state
            .store()
            .recent_articles(Some(status), 10)
            .await?
            .into_iter()
            .map(|(_, slug, title, _, at)| Line {
                title,
                url: format!("/article/{slug}"),
                when: when(at, &site),
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
        minijinja::context! { groups => groups },
    )
}

async fn republications(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    if !staff.user.role.may(Action::ViewRepublications) {
        return Err(AppError::Forbidden("Your role cannot see republications; ask an editor.".into()));
    }
    let site = state.store().site().await?;
    let rows = republication_rows(&state, &site).await?;
    admin_page(
        &state,
        &site,
        &staff,
        StatusCode::OK,
        "admin-republications.html",
        minijinja::context! { rows => rows },
    )
}

async fn audit(State(state): State<AppState>, staff: Staff) -> Result<Response> {
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

/// One republication, with its article's title, for the admin page and the API.
#[derive(Debug, Serialize)]
pub(crate) struct RepublicationRow {
    pub article_id: i64,
    pub title: String,
    pub url: String,
    pub host: String,
    pub first_seen: String,
    pub last_seen: String,
    pub views: i64,
    pub days: Vec<(String, i64)>,
}

pub(crate) async fn republication_rows(state: &AppState, site: &Site) -> Result<Vec<RepublicationRow>> {
    let records = state.store().republications(None).await?;
    let mut ids: Vec<i64> = records.iter().map(|r| r.article_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let articles: HashMap<i64, masthead_core::Article> =
        state.store().articles(&ids).await?.into_iter().map(|a| (a.id, a)).collect();
    Ok(records
        .into_iter()
        .filter_map(|r| {
            let a = articles.get(&r.article_id)?;
            Some(RepublicationRow {
                article_id: r.article_id,
                title: a.title.clone(),
                url: site.url(&a.path()),
                host: r.host,
                first_seen: when(r.first_seen, site),
                last_seen: when(r.last_seen, site),
                views: r.total_views,
                days: r.days,
            })
        })
        .collect())
}
