//! The site's settings: who we are, and every sentence the article page prints that is the same
//! on every article. Anyone on staff reads them; administrators change them, from the admin's
//! form or the Admin API, through [`change`], which checks them the same way for both and
//! audits what changed.

use masthead_core::{Action, Site, User};
use serde_json::{Map, Value};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};

/// The settings' names, as [`Site`] is written in JSON (a test keeps this list true).
const NAMES: &[&str] = &[
    "accent_color",
    "menu",
    "footer_links",
    "front_page",
    "title",
    "tagline",
    "base_url",
    "language",
    "time_zone",
    "copyright_holder",
    "logo",
    "note_to_readers",
    "membership_call",
    "disclaimer",
    "fair_use_notice",
    "default_policy",
    "media_contact",
    "feed_full_content",
    "websub_hub",
    "noindex_republished",
    "commercial",
    "newsletter_counts",
    "comments",
    "comments_close_after_days",
    "comments_held_words",
    "comments_notify_authors",
    "fediverse_username",
    "fediverse_blocked",
];

/// The settings, for anyone on staff.
pub async fn read(newsroom: &Newsroom, _user: &User) -> Outcome<Site> {
    Ok(newsroom.store().site().await?)
}

/// The settings, if `user` may change them.
pub async fn editable(newsroom: &Newsroom, user: &User) -> Outcome<Site> {
    may_change(user)?;
    Ok(newsroom.store().site().await?)
}

fn may_change(user: &User) -> Outcome<()> {
    if user.may(Action::ManageSettings) {
        Ok(())
    } else {
        Err(Failure::Forbidden("Only administrators change the settings.".into()))
    }
}

/// `user` changes the settings named in `changes` (name → new value, as in [`Site`]'s JSON);
/// the others stay as they are. A value of the wrong form is blamed on its own name; nothing is
/// saved unless every setting is right. Returns the settings now.
pub async fn change(newsroom: &Newsroom, user: &User, changes: &Map<String, Value>) -> Outcome<Site> {
    may_change(user)?;
    let current = newsroom.store().site().await?;
    let before = as_json(&current)?;
    let mut merged = before.clone();
    let mut site = current;
    // One setting at a time, so that a value of the wrong form is blamed on its own name.
    for (key, value) in changes {
        let Some(name) = NAMES.iter().copied().find(|n| n == key) else {
            return Err(Failure::Unknown {
                field: key.clone(),
                message: format!("There is no setting called {key:?}."),
            });
        };
        merged[name] = value.clone();
        site = serde_json::from_value(merged.clone())
            .map_err(|e| Failure::invalid(name, format!("{name} has the wrong form: {e}")))?;
    }
    check(&site)?;
    let after = as_json(&site)?;
    let changed: Vec<&str> =
        changes.keys().map(String::as_str).filter(|k| before.get(k) != after.get(k)).collect();
    if changed.is_empty() {
        return Ok(site);
    }
    newsroom.store().save_site(&site).await?;
    newsroom.store().audit(Some(user.id), "settings changed", &changed.join(", ")).await?;
    Ok(site)
}

/// `user` (an editor or above) sets what the home page leads with: a lead story and pinned
/// stories (published articles), and sections (regions or themes). Audited like a setting.
pub async fn curate_front_page(
    newsroom: &Newsroom,
    user: &User,
    front: masthead_core::site::FrontPage,
) -> Outcome<Site> {
    if !user.may(Action::EditAnyArticle) {
        return Err(Failure::Forbidden("Editors and above curate the front page.".into()));
    }
    let mut front = front;
    // The lead is not pinned too, and a story is pinned once.
    let mut pinned = Vec::with_capacity(front.pinned.len());
    for id in front.pinned {
        if Some(id) != front.lead && !pinned.contains(&id) {
            pinned.push(id);
        }
    }
    front.pinned = pinned;
    front.sections.dedup();
    let store = newsroom.store();
    for id in front.lead.iter().chain(&front.pinned) {
        match store.article(*id).await {
            Ok(a) if a.status == masthead_core::ArticleStatus::Published => {}
            Ok(a) => {
                return Err(Failure::invalid(
                    "front_page",
                    format!("\u{201c}{}\u{201d} is not published.", a.title),
                ));
            }
            Err(masthead_store::StoreError::NotFound) => {
                return Err(Failure::invalid("front_page", format!("There is no article number {id}.")));
            }
            Err(e) => return Err(e.into()),
        }
    }
    for id in &front.sections {
        match store.term(*id).await {
            Ok(t) if t.kind != masthead_core::TermKind::Tag => {}
            Ok(t) => {
                return Err(Failure::invalid(
                    "front_page",
                    format!("{} is a tag; sections are regions and themes.", t.name),
                ));
            }
            Err(masthead_store::StoreError::NotFound) => {
                return Err(Failure::invalid(
                    "front_page",
                    format!("There is no region or theme number {id}."),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut site = store.site().await?;
    if site.front_page == front {
        return Ok(site);
    }
    site.front_page = front;
    check(&site)?;
    store.save_site(&site).await?;
    store.audit(Some(user.id), "front page curated", "front_page").await?;
    Ok(site)
}

fn as_json(site: &Site) -> Outcome<Value> {
    serde_json::to_value(site).map_err(|e| Failure::Internal(format!("the settings cannot be written: {e}")))
}

/// The rules every saved setting keeps, whichever edge it came through.
fn check(site: &Site) -> Outcome<()> {
    if site.title.trim().is_empty() {
        return Err(Failure::invalid("title", "The site needs a name."));
    }
    if !masthead_core::site::is_accent_color(&site.accent_color) {
        return Err(Failure::invalid(
            "accent_color",
            "The accent colour is written #rrggbb, for example #a4161a.",
        ));
    }
    for (name, links) in [("menu", &site.menu), ("footer_links", &site.footer_links)] {
        if links.len() > masthead_core::site::MAX_LINKS {
            return Err(Failure::invalid(name, format!("At most {} links.", masthead_core::site::MAX_LINKS)));
        }
        if let Some(problem) = links.iter().find_map(|l| l.problem()) {
            return Err(Failure::invalid(name, format!("A link cannot be shown: {problem}.")));
        }
    }
    if site.front_page.pinned.len() > masthead_core::site::MAX_PINNED {
        return Err(Failure::invalid(
            "front_page",
            format!("At most {} pinned stories.", masthead_core::site::MAX_PINNED),
        ));
    }
    if site.front_page.sections.len() > masthead_core::site::MAX_SECTIONS {
        return Err(Failure::invalid(
            "front_page",
            format!("At most {} sections.", masthead_core::site::MAX_SECTIONS),
        ));
    }
    if !masthead_core::time::is_known_zone(&site.time_zone) {
        return Err(Failure::invalid(
            "time_zone",
            format!("{:?} is not a time zone (for example Europe/Belgrade).", site.time_zone),
        ));
    }
    if masthead_core::account::normalize_email(&site.media_contact).is_none() {
        return Err(Failure::invalid("media_contact", "The media contact must be an e-mail address."));
    }
    if masthead_core::AbsoluteUrl::try_from(site.base_url.clone()).is_err() {
        return Err(Failure::invalid("base_url", "The public address must be an http or https address."));
    }
    let logo = site.logo.trim();
    let on_this_site = logo.starts_with('/') && !logo.starts_with("//");
    let absolute =
        || url::Url::parse(logo).ok().and_then(|u| masthead_core::AbsoluteUrl::try_from(u).ok()).is_some();
    if !logo.is_empty() && !on_this_site && !absolute() {
        return Err(Failure::invalid(
            "logo",
            "The logo is an address on this site (/media/…) or an http or https address.",
        ));
    }
    if let Some(hub) = &site.websub_hub
        && masthead_core::AbsoluteUrl::try_from(hub.clone()).is_err()
    {
        return Err(Failure::invalid("websub_hub", "The WebSub hub must be an http or https address."));
    }
    let name = &site.fediverse_username;
    let name_ok = name.len() <= 30
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'))
        && !name.starts_with(['-', '.'])
        && !name.ends_with(['-', '.']);
    if !name_ok {
        return Err(Failure::invalid(
            "fediverse_username",
            "The fediverse name is up to 30 lower-case letters, digits, _, - and . (not first or last).",
        ));
    }
    if site.fediverse_blocked.iter().any(|b| b.len() > 500 || b.chars().any(char::is_whitespace)) {
        return Err(Failure::invalid(
            "fediverse_blocked",
            "Each blocked line is one server (social.example) or one account's address.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_are_the_settings_json_keys() {
        let json = serde_json::to_value(Site::default()).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut names = NAMES.to_vec();
        keys.sort_unstable();
        names.sort_unstable();
        assert_eq!(keys, names);
    }
}
