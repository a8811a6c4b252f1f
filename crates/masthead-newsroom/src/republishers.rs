//! Republishers who leave an address on an article's republish page are told when the article
//! is corrected or withdrawn: by e-mail, by a webhook (a JSON `POST`), or both. Registering is
//! optional and public; the telling is a job, durable in the database (`told_revision`), so a
//! restart or a failed delivery never loses a notice, and each registration hears of each
//! amendment once.

use masthead_core::{AbsoluteUrl, Article, ArticleStatus, Site, Standing};
use masthead_store::{NewRepublisher, Republisher, StoreError};
use serde::Serialize;

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};

/// What the form on the republish page sends; everything but the outlet is optional, but an
/// e-mail address or a webhook is needed to be told anything.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub outlet: String,
    pub contact_email: String,
    pub copy_url: String,
    pub webhook_url: String,
}

/// The longest outlet name kept.
const MAX_OUTLET: usize = 200;

/// Keeps `form` for the published article `article`, checked: the outlet is named, the e-mail
/// is an address, and the copy and the webhook are absolute http(s) addresses.
pub async fn register(newsroom: &Newsroom, article: &Article, form: &Registration) -> Outcome<()> {
    if article.status != ArticleStatus::Published {
        return Err(Failure::NotFound("no such article".into()));
    }
    let outlet = form.outlet.trim();
    if outlet.is_empty() {
        return Err(Failure::invalid("outlet", "Name the outlet that republishes the article."));
    }
    let mut outlet: String = outlet.chars().take(MAX_OUTLET).collect();
    masthead_core::text::make_publishable(&mut outlet);
    let contact_email = match form.contact_email.trim() {
        "" => String::new(),
        e => masthead_core::account::normalize_email(e)
            .ok_or_else(|| Failure::invalid("contact_email", "This is not an e-mail address."))?,
    };
    let address = |field: &'static str, value: &str| -> Outcome<String> {
        match value.trim() {
            "" => Ok(String::new()),
            v => url::Url::parse(v)
                .map_err(|e| e.to_string())
                .and_then(|u| AbsoluteUrl::try_from(u).map_err(|e| e.to_string()))
                .map(|u| u.to_string())
                .map_err(|e| Failure::invalid(field, format!("This is not a web address we can use: {e}."))),
        }
    };
    let copy_url = address("copy_url", &form.copy_url)?;
    let webhook_url = address("webhook_url", &form.webhook_url)?;
    if contact_email.is_empty() && webhook_url.is_empty() {
        return Err(Failure::invalid(
            "contact_email",
            "Leave an e-mail address or a webhook, so that we can tell you of corrections.",
        ));
    }
    let host = [&copy_url, &webhook_url]
        .into_iter()
        .find_map(|u| masthead_core::republication::republishing_host(u.as_str()))
        .unwrap_or_default();
    let new = NewRepublisher { article_id: article.id, outlet, contact_email, copy_url, webhook_url, host };
    match newsroom.store().register_republisher(&new).await {
        Ok(_) => Ok(()),
        Err(StoreError::Refused(m)) => Err(Failure::invalid("outlet", m)),
        Err(e) => Err(e.into()),
    }
}

/// The JSON a webhook receives, and what the e-mail says in words.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    /// `corrected` or `withdrawn`.
    pub status: &'static str,
    pub title: String,
    /// The article's address here (it answers 410 Gone once withdrawn).
    pub url: String,
    pub version: i64,
    /// The newest correction, or the withdrawal's notice.
    pub text: String,
    /// The copy they registered, if they gave it.
    pub copy_url: Option<String>,
    pub outlet: String,
}

fn notice(site: &Site, article: &Article, r: &Republisher) -> Option<Notice> {
    let (status, text) = match article.standing() {
        Standing::Withdrawn(_) => ("withdrawn", article.withdrawal.as_ref()?.notice.clone()),
        Standing::Corrected(_) => ("corrected", article.corrections.last()?.text.clone()),
        Standing::Current => return None,
    };
    Some(Notice {
        status,
        title: article.title.clone(),
        url: site.url(&article.path()),
        version: article.revision,
        text,
        copy_url: (!r.copy_url.is_empty()).then(|| r.copy_url.clone()),
        outlet: site.title.clone(),
    })
}

/// The most registrations told in one turn.
const PER_TURN: u32 = 50;

/// One turn of the telling job: each registration with an amendment it was not told of is
/// claimed, then told; a failure gives the claim back (it is tried again at the next turn, at
/// most `MAX_FAILURES` times). Answers how many were told.
pub async fn tell_due(newsroom: &Newsroom) -> Outcome<usize> {
    let store = newsroom.store();
    let due = store.republishers_to_tell(PER_TURN).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let site = store.site().await?;
    let mut told = 0;
    for (r, amended) in due {
        if !store.claim_telling(&r, amended).await? {
            continue;
        }
        let article = match store.article(r.article_id).await {
            Ok(a) => a,
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        let Some(notice) = notice(&site, &article, &r) else { continue };
        match tell(newsroom, &r, &notice).await {
            Ok(()) => told += 1,
            Err(e) => {
                tracing::warn!(republisher = r.id, error = %e, "a republisher could not be told; trying again later");
                store.telling_failed(&r).await?;
            }
        }
    }
    Ok(told)
}

async fn tell(newsroom: &Newsroom, r: &Republisher, notice: &Notice) -> Result<(), String> {
    if !r.webhook_url.is_empty() {
        let url = url::Url::parse(&r.webhook_url).map_err(|e| e.to_string())?;
        newsroom.outbound().post_json(&url, notice).await.map_err(|e| format!("webhook {url}: {e}"))?;
    }
    if !r.contact_email.is_empty() {
        let (subject, what) = match notice.status {
            "withdrawn" => (
                format!("Withdrawn: “{}”", notice.title),
                "has been withdrawn. Please take your copy down; this is the notice readers see in its place",
            ),
            _ => (
                format!("Corrected: “{}”", notice.title),
                "has been corrected. Please add the correction to your copy",
            ),
        };
        let copy = notice.copy_url.as_deref().map(|c| format!("Your copy: {c}\n")).unwrap_or_default();
        let body = format!(
            "{outlet} republished “{title}” from {site}. The article {what}:\n\n{text}\n\nThe original: {url}\n{copy}\n\
             You are told because you left this address on the article's republish page. — {site}\n",
            outlet = r.outlet,
            title = notice.title,
            site = notice.outlet,
            text = notice.text,
            url = notice.url,
        );
        newsroom.mailer().send(&r.contact_email, &subject, &body).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}
