//! The site's settings in the admin: every sentence the article page prints that is the same on
//! every article, and who we are. Administrators only; the checks and the audit are
//! `masthead_newsroom::settings`', the same as for the Admin API.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::Response;
use masthead_core::{ReusePolicy, Site};
use masthead_newsroom::error::Failure;
use masthead_newsroom::settings;
use serde_json::{Map, Value};

use crate::admin::form::{Pairs, signed_form};
use crate::admin::page::admin_page;
use crate::http::auth::Staff;
use crate::http::error::Result;
use crate::state::AppState;

/// (form name, label, long text)
const TEXTS: &[(&str, &str, bool)] = &[
    ("title", "Site name", false),
    ("tagline", "Tagline", false),
    ("base_url", "Public address (https://…)", false),
    ("language", "Language (en, fr-CA…)", false),
    ("time_zone", "Time zone (Europe/Belgrade…)", false),
    ("copyright_holder", "Copyright holder", false),
    ("logo", "Logo (an image's address: /media/… or https://…; empty for none)", false),
    ("accent_color", "Accent colour (#rrggbb, for example #a4161a; empty for the theme's)", false),
    ("menu", "Menu under the masthead: one link a line, its label and its address (About | /about)", true),
    ("footer_links", "Links in the footer, the same way (Corrections | /corrections)", true),
    ("media_contact", "Media contact e-mail", false),
    ("note_to_readers", "Note to readers", true),
    ("membership_call", "Membership call", true),
    ("disclaimer", "Disclaimer", true),
    ("fair_use_notice", "Fair-use notice", true),
    (
        "fediverse_username",
        "The outlet's name on the fediverse (@name@this-host; empty for one made from the site name)",
        false,
    ),
];

/// The checkboxes: sent when ticked, absent when not.
const SWITCHES: &[&str] =
    &["feed_full_content", "commercial", "newsletter_counts", "comments", "comments_notify_authors"];

fn text_of(site: &Site, name: &str) -> String {
    match name {
        "title" => site.title.clone(),
        "tagline" => site.tagline.clone(),
        "base_url" => site.base_url.to_string(),
        "language" => site.language.clone(),
        "time_zone" => site.time_zone.clone(),
        "copyright_holder" => site.copyright_holder.clone(),
        "logo" => site.logo.clone(),
        "accent_color" => site.accent_color.clone(),
        "menu" => links_text(&site.menu),
        "footer_links" => links_text(&site.footer_links),
        "media_contact" => site.media_contact.clone(),
        "note_to_readers" => site.note_to_readers.clone(),
        "membership_call" => site.membership_call.clone(),
        "disclaimer" => site.disclaimer.clone(),
        "fair_use_notice" => site.fair_use_notice.clone(),
        "fediverse_username" => site.fediverse_username.clone(),
        _ => String::new(),
    }
}

/// Links as the form shows them: `Label | address`, one a line.
fn links_text(links: &[masthead_core::site::SiteLink]) -> String {
    links.iter().map(|l| format!("{} | {}", l.label, l.url)).collect::<Vec<_>>().join("\n")
}

/// The links a form's text gives: `Label | address` a line (a line without `|` is blamed by the
/// settings, which find no address in it).
fn links_value(text: &str) -> Value {
    Value::Array(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let (label, url) = line.rsplit_once('|').unwrap_or((line, ""));
                serde_json::json!({ "label": label.trim(), "url": url.trim() })
            })
            .collect(),
    )
}

/// The first value sent for `key`, trimmed.
fn posted(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_owned())
}

/// The form, showing `site`, or what was sent (`sent`) when it is shown again with an error.
fn render(
    state: &AppState,
    staff: &Staff,
    site: &Site,
    sent: Option<&Pairs>,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response> {
    let value = |name: &str| sent.and_then(|p| posted(p, name)).unwrap_or_else(|| text_of(site, name));
    let fields: Vec<_> = TEXTS
        .iter()
        .map(|(name, label, long)| minijinja::context! { name => name, label => label, long => long, value => value(name) })
        .collect();
    let policy = sent
        .and_then(|p| posted(p, "default_policy"))
        .unwrap_or_else(|| site.default_policy.key().to_owned());
    let policies: Vec<_> = ReusePolicy::ALL
        .iter()
        .map(|p| minijinja::context! { key => p.key(), name => p.name(), selected => p.key() == policy })
        .collect();
    let switch = |name: &str, saved: bool| sent.map_or(saved, |p| posted(p, name).is_some());
    admin_page(
        state,
        site,
        staff,
        status,
        "admin-settings.html",
        minijinja::context! { fields => fields, policies => policies,
        full_content => switch("feed_full_content", site.feed_full_content),
        commercial => switch("commercial", site.commercial),
        newsletter_counts => switch("newsletter_counts", site.newsletter_counts),
        comments => switch("comments", site.comments),
        comments_notify_authors => switch("comments_notify_authors", site.comments_notify_authors),
        close_after => sent.and_then(|p| posted(p, "comments_close_after_days")).unwrap_or_else(|| site.comments_close_after_days.to_string()),
        held_words => sent.and_then(|p| posted(p, "comments_held_words")).unwrap_or_else(|| site.comments_held_words.join("\n")),
        fediverse_blocked => sent.and_then(|p| posted(p, "fediverse_blocked")).unwrap_or_else(|| site.fediverse_blocked.join("\n")),
        error => error, notice => notice },
    )
}

pub(crate) async fn form(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    let site = settings::editable(state.newsroom(), &staff.user).await?;
    render(&state, &staff, &site, None, StatusCode::OK, None, None)
}

pub(crate) async fn save(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    // The texts sent, the policy chosen, and every checkbox: an unticked one is not sent.
    let mut changes = Map::new();
    for name in TEXTS.iter().map(|(name, ..)| *name).chain(["default_policy"]) {
        if let Some(value) = posted(&pairs, name) {
            let value = match name {
                "menu" | "footer_links" => links_value(&value),
                _ => Value::String(value),
            };
            changes.insert(name.to_owned(), value);
        }
    }
    for name in SWITCHES {
        changes.insert((*name).to_owned(), Value::Bool(posted(&pairs, name).is_some()));
    }
    if let Some(days) = posted(&pairs, "comments_close_after_days") {
        // A number, or the text itself, which the settings then blame by name.
        let value = days.parse::<u32>().map(Value::from).unwrap_or(Value::String(days));
        changes.insert("comments_close_after_days".into(), value);
    }
    for name in ["comments_held_words", "fediverse_blocked"] {
        if let Some(lines) = posted(&pairs, name) {
            let lines: Vec<Value> = lines
                .lines()
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(|w| Value::String(w.to_owned()))
                .collect();
            changes.insert(name.into(), Value::Array(lines));
        }
    }
    match settings::change(state.newsroom(), &staff.user, &changes).await {
        Ok(site) => render(&state, &staff, &site, None, StatusCode::OK, None, Some("Saved.")),
        Err(Failure::Invalid { message, .. } | Failure::Unknown { message, .. }) => {
            let site = settings::editable(state.newsroom(), &staff.user).await?;
            render(&state, &staff, &site, Some(&pairs), StatusCode::UNPROCESSABLE_ENTITY, Some(message), None)
        }
        Err(other) => Err(other.into()),
    }
}
