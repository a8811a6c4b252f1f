//! Digests: the articles of a day or a week (all of them, or those of one region, theme or
//! tag), e-mailed to a newsletter's members at an hour of the site's time zone. Each period is
//! taken by one node (`Store::claim_digest_period`) and becomes a send like any other.

use jiff::{Timestamp, ToSpan};
use masthead_core::Action;
use masthead_store::{Digest, NewDigest, NewSend, Page, SendKind};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::sends::issue_article;
use crate::staff::Actor;

/// The most articles one issue lists.
pub const MAX_ARTICLES: usize = 30;

fn may(actor: Actor<'_>) -> Outcome<()> {
    if actor.may(Action::SendNewsletters) {
        Ok(())
    } else {
        Err(Failure::Forbidden("Only editors and administrators manage digests.".into()))
    }
}

/// A digest as a form or the command line gives it.
#[derive(Debug, Clone)]
pub struct DigestRequest {
    pub name: String,
    pub newsletter_id: i64,
    pub term_id: Option<i64>,
    /// `day` or `week`.
    pub every: String,
    /// 0 = Monday … 6 = Sunday (weekly digests).
    pub weekday: i64,
    pub hour: i64,
    pub active: bool,
}

pub async fn list(newsroom: &Newsroom, actor: Actor<'_>) -> Outcome<Vec<Digest>> {
    may(actor)?;
    Ok(newsroom.store().digests().await?)
}

/// Creates (`id` = `None`) or changes a digest.
pub async fn save(
    newsroom: &Newsroom,
    actor: Actor<'_>,
    id: Option<i64>,
    request: &DigestRequest,
) -> Outcome<Digest> {
    may(actor)?;
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Failure::invalid("name", "Give the digest a name (up to 200 characters)."));
    }
    if !matches!(request.every.as_str(), "day" | "week") {
        return Err(Failure::invalid("every", "A digest goes out every day or every week."));
    }
    if !(0..=6).contains(&request.weekday) {
        return Err(Failure::invalid("weekday", "The day of the week is 0 (Monday) to 6 (Sunday)."));
    }
    if !(0..=23).contains(&request.hour) {
        return Err(Failure::invalid("hour", "The hour is 0 to 23."));
    }
    if !newsroom.store().newsletters().await?.iter().any(|n| n.id == request.newsletter_id) {
        return Err(Failure::invalid("newsletter", "Choose a newsletter."));
    }
    if let Some(term) = request.term_id {
        newsroom
            .store()
            .term(term)
            .await
            .map_err(|_| Failure::invalid("term", "There is no such region, theme or tag."))?;
    }
    let new = NewDigest {
        name: name.to_owned(),
        newsletter_id: request.newsletter_id,
        term_id: request.term_id,
        every: request.every.clone(),
        weekday: request.weekday,
        hour: request.hour,
        active: request.active,
    };
    let digest = match id {
        None => newsroom.store().create_digest(&new, Timestamp::now()).await?,
        Some(id) => newsroom.store().update_digest(id, &new).await?,
    };
    newsroom
        .store()
        .audit(actor.user_id(), "digest saved", &format!("digest {} ({})", digest.id, digest.name))
        .await?;
    Ok(digest)
}

pub async fn delete(newsroom: &Newsroom, actor: Actor<'_>, id: i64) -> Outcome<()> {
    may(actor)?;
    newsroom.store().delete_digest(id).await?;
    newsroom.store().audit(actor.user_id(), "digest deleted", &format!("digest {id}")).await?;
    Ok(())
}

/// The latest time at or before `now` when `digest` is due: its hour, on its day, in `zone`.
pub fn last_occurrence(digest: &Digest, zone: &str, now: Timestamp) -> Timestamp {
    let local = masthead_core::time::in_zone(now, zone);
    let hour = i8::try_from(digest.hour.clamp(0, 23)).unwrap_or(0);
    let mut at =
        local.date().at(hour, 0, 0, 0).to_zoned(local.time_zone().clone()).unwrap_or_else(|_| local.clone());
    if at.timestamp() > now {
        at = at.checked_sub(1.day()).unwrap_or(at);
    }
    if digest.every == "week" {
        for _ in 0..7 {
            if i64::from(at.weekday().to_monday_zero_offset()) == digest.weekday {
                break;
            }
            at = at.checked_sub(1.day()).unwrap_or(at);
        }
    }
    at.timestamp()
}

/// Makes the issues of digests whose hour has come: one send each, for the articles published
/// since the last. A period without articles sends nothing. Returns the sends made.
pub async fn make_due(newsroom: &Newsroom, now: Timestamp) -> Outcome<usize> {
    let site = newsroom.store().site().await?;
    let newsletters = newsroom.store().newsletters().await?;
    let mut made = 0;
    for digest in newsroom.store().digests().await?.into_iter().filter(|d| d.active) {
        let due = last_occurrence(&digest, &site.time_zone, now).as_second();
        if due <= digest.covered_until {
            continue;
        }
        if !newsroom.store().claim_digest_period(digest.id, digest.covered_until, due).await? {
            continue; // another node took it
        }
        let Some(newsletter) = newsletters.iter().find(|n| n.id == digest.newsletter_id && n.active) else {
            continue;
        };
        let page = Page { after: None, limit: (MAX_ARTICLES * 2) as u32 };
        let listing = match digest.term_id {
            Some(term) => newsroom.store().published_in_term(term, page).await?,
            None => newsroom.store().published(page).await?,
        };
        let ids: Vec<i64> = listing
            .items
            .iter()
            .filter(|a| {
                a.published_at.as_second() > digest.covered_until && a.published_at.as_second() <= due
            })
            .take(MAX_ARTICLES)
            .map(|a| a.id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let articles = newsroom.store().articles(&ids).await?;
        let items = articles.iter().map(|a| issue_article(&site, a, false)).collect();
        let date = masthead_core::time::in_zone(Timestamp::from_second(due).unwrap_or(now), &site.time_zone)
            .strftime("%-d %B %Y")
            .to_string();
        let subject = format!("{}: {date}", digest.name);
        let intro = Some(match digest.every.as_str() {
            "week" => format!("The week's articles, to {date}."),
            _ => format!("The day's articles, {date}."),
        });
        let stored = crate::sends::digest_issue(newsroom, &site, newsletter, subject.clone(), intro, items);
        let json = serde_json::to_string(&stored).map_err(|e| Failure::Internal(e.to_string()))?;
        newsroom
            .store()
            .create_send(&NewSend {
                kind: SendKind::Digest,
                article_id: None,
                digest_id: Some(digest.id),
                newsletter_ids: vec![newsletter.id],
                label_ids: vec![],
                due_at: now.as_second(),
                requested_by: None,
                subject,
                issue: Some(json),
            })
            .await?;
        made += 1;
    }
    Ok(made)
}
