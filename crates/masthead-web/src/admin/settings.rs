//! The site's settings in the admin: every sentence the article page prints that is the same on
//! every article, and who we are. Administrators only; each save is audited.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use masthead_core::{Action, ReusePolicy, Site};

use crate::admin::page::{admin_page, require_staff};
use crate::http::auth::{Staff, same_secret};
use crate::http::error::{AppError, Result};
use crate::state::AppState;

/// (form name, label, long text)
const TEXTS: &[(&str, &str, bool)] = &[
    ("title", "Site name", false),
    ("tagline", "Tagline", false),
    ("base_url", "Public address (https://…)", false),
    ("language", "Language (en, fr-CA…)", false),
    ("time_zone", "Time zone (Europe/Belgrade…)", false),
    ("copyright_holder", "Copyright holder", false),
    ("media_contact", "Media contact e-mail", false),
    ("note_to_readers", "Note to readers", true),
    ("membership_call", "Membership call", true),
    ("disclaimer", "Disclaimer", true),
    ("fair_use_notice", "Fair-use notice", true),
];

fn text_of(site: &Site, name: &str) -> String {
    match name {
        "title" => site.title.clone(),
        "tagline" => site.tagline.clone(),
        "base_url" => site.base_url.to_string(),
        "language" => site.language.clone(),
        "time_zone" => site.time_zone.clone(),
        "copyright_holder" => site.copyright_holder.clone(),
        "media_contact" => site.media_contact.clone(),
        "note_to_readers" => site.note_to_readers.clone(),
        "membership_call" => site.membership_call.clone(),
        "disclaimer" => site.disclaimer.clone(),
        "fair_use_notice" => site.fair_use_notice.clone(),
        _ => String::new(),
    }
}

async fn admin(state: &AppState, jar: &CookieJar) -> std::result::Result<Staff, Result<Response>> {
    match require_staff(state, jar).await {
        Ok(staff) if staff.user.role.may(Action::ManageSettings) => Ok(staff),
        Ok(_) => Err(Err(AppError::Forbidden("Only administrators change the settings.".into()))),
        Err(redirect) => Err(Ok(redirect)),
    }
}

fn render(
    state: &AppState,
    staff: &Staff,
    site: &Site,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response> {
    let fields: Vec<_> = TEXTS
        .iter()
        .map(|(name, label, long)| minijinja::context! { name => name, label => label, long => long, value => text_of(site, name) })
        .collect();
    let policies: Vec<_> = ReusePolicy::ALL
        .iter()
        .map(|p| minijinja::context! { key => p.key(), name => p.name(), selected => *p == site.default_policy })
        .collect();
    admin_page(
        state,
        site,
        staff,
        status,
        "admin-settings.html",
        minijinja::context! { fields => fields,
        policies => policies, full_content => site.feed_full_content, commercial => site.commercial, error => error, notice => notice },
    )
}

pub(crate) async fn form(State(state): State<AppState>, jar: CookieJar) -> Result<Response> {
    let staff = match admin(&state, &jar).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let site = state.store().site().await?;
    render(&state, &staff, &site, StatusCode::OK, None, None)
}

pub(crate) async fn save(
    State(state): State<AppState>,
    jar: CookieJar,
    form: std::result::Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response> {
    let staff = match admin(&state, &jar).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let Form(pairs) = form.map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))?;
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim().to_owned());
    if !same_secret(&get("csrf").unwrap_or_default(), &staff.csrf) {
        return Err(AppError::Forbidden("This form has expired. Reload the page and try again.".into()));
    }
    let current = state.store().site().await?;
    let mut site = current.clone();
    let text = |k: &str, old: &str| get(k).unwrap_or_else(|| old.to_owned());
    site.title = text("title", &current.title);
    site.tagline = text("tagline", &current.tagline);
    site.language = text("language", &current.language);
    site.time_zone = text("time_zone", &current.time_zone);
    site.copyright_holder = text("copyright_holder", &current.copyright_holder);
    site.media_contact = text("media_contact", &current.media_contact);
    site.note_to_readers = text("note_to_readers", &current.note_to_readers);
    site.membership_call = text("membership_call", &current.membership_call);
    site.disclaimer = text("disclaimer", &current.disclaimer);
    site.fair_use_notice = text("fair_use_notice", &current.fair_use_notice);
    site.feed_full_content = get("feed_full_content").is_some();
    site.commercial = get("commercial").is_some();
    let problem = if site.title.is_empty() {
        Some("The site needs a name.".to_owned())
    } else if !masthead_core::time::is_known_zone(&site.time_zone) {
        Some(format!("{:?} is not a time zone (for example Europe/Belgrade).", site.time_zone))
    } else if masthead_core::account::normalize_email(&site.media_contact).is_none() {
        Some("The media contact must be an e-mail address.".to_owned())
    } else {
        None
    };
    let problem = problem.or_else(|| match get("base_url").map(|u| u.parse::<url::Url>()) {
        Some(Ok(url)) if matches!(url.scheme(), "http" | "https") => {
            site.base_url = url;
            None
        }
        Some(_) => Some("The public address must be an http or https address.".to_owned()),
        None => None,
    });
    let problem = problem.or_else(|| match get("default_policy").map(|p| p.parse::<ReusePolicy>()) {
        Some(Ok(policy)) => {
            site.default_policy = policy;
            None
        }
        Some(Err(e)) => Some(e.to_string()),
        None => None,
    });
    if let Some(error) = problem {
        return render(&state, &staff, &site, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None);
    }
    state.store().save_site(&site).await?;
    state.store().audit(Some(staff.user.id), "settings changed", "the settings page").await?;
    render(&state, &staff, &site, StatusCode::OK, None, Some("Saved."))
}
