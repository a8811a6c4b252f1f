//! What every admin page shares: the page frame (site, signed-in staff, what their role may
//! open, CSRF token), `no-store`, the signed-out forms' CSRF cookie, dates in the site's zone,
//! and the `Staff` extractor that sends anyone else to the sign-in page.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use jiff::Timestamp;
use masthead_core::{Action, Site};
use serde::Serialize;

use crate::http::auth::{LOGIN_CSRF_COOKIE, Staff, cookie, new_token, same_secret, staff_from_cookies};
use crate::http::error::Result;
use crate::state::AppState;
use crate::views::site_view;

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
    members: bool,
    sends: bool,
    comments: bool,
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
            members: staff.user.role.may(Action::ManageMembers),
            sends: staff.user.role.may(Action::SendNewsletters),
            comments: staff.user.role.may(Action::ModerateComments),
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
