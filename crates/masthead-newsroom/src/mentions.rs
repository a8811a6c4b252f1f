//! Webmention (W3C Recommendation): other sites tell us that a page of theirs links to one of
//! our articles. A mention is queued at once and checked later, away from the request: it
//! counts only once its source is seen to link to the article. A source that carries our
//! tracking image or a canonical link to us is a republication; any other link is a mention.
//!
//! Bounded at both ends: the queue holds at most [`QUEUE_LIMITS`] (senders past it are told to
//! try later), and a turn of checking takes a few mentions per source host and gives each
//! check a deadline ([`CHECK_LIMITS`]), so that one slow site cannot hold the job.

use masthead_core::body::page_links;
use std::sync::Arc;
use std::time::Duration;

use masthead_core::republication::mention_host;
use masthead_core::{ArticleStatus, MentionKind, Site, Slug};
use masthead_store::{MentionOutcome, QueueLimits, Queued, StoreError};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};

/// Webmentions accepted from one client address within [`WINDOW_MINUTES`].
pub const MAX_MENTIONS_PER_CLIENT: i64 = 30;
pub const WINDOW_MINUTES: i64 = 15;

/// Whether a client may queue another mention now: each one costs us a fetch later, so a
/// client may not queue them without end. Counts this attempt.
pub async fn admit(newsroom: &Newsroom, client: &str) -> Outcome<bool> {
    let key = format!("webmention:{client}");
    let limit = masthead_store::AttemptLimit {
        key: &key,
        max: MAX_MENTIONS_PER_CLIENT,
        window: jiff::SignedDuration::from_mins(WINDOW_MINUTES),
    };
    let attempt = newsroom.store().record_attempt(&[limit], jiff::Timestamp::now()).await?;
    Ok(matches!(attempt, masthead_store::Attempt::Counted { .. }))
}

/// Mentions that may wait to be checked: in all, and for one article. Past them a sender is
/// told to try again later and nothing is queued, so that the queue, and the fetches it costs,
/// stay bounded whatever the senders do.
pub const QUEUE_LIMITS: QueueLimits = QueueLimits { pending: 1_000, pending_per_article: 20 };

/// What became of a mention received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Queued; its source will be checked.
    Queued,
    /// Not queued: [`QueueLimits::pending`] mentions are already waiting.
    QueueFull,
    /// Not queued: [`QueueLimits::pending_per_article`] mentions of this article are waiting.
    ArticleFull,
}

/// Queues a mention of one of our published articles by `source`, to be checked later, unless
/// the queue is full ([`QUEUE_LIMITS`]).
pub async fn receive(newsroom: &Newsroom, source: &str, target: &str) -> Outcome<Received> {
    let field = |name: &'static str, value: &str| -> Outcome<Url> {
        let value = value.trim();
        if value.is_empty() {
            return Err(Failure::invalid(name, format!("the {name} parameter is missing")));
        }
        let url = Url::parse(value)
            .map_err(|e| Failure::invalid(name, format!("{name} {value:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Failure::invalid(name, format!("{name} must be an http or https URL")));
        }
        Ok(url)
    };
    let (source, target) = (field("source", source)?, field("target", target)?);
    if without_fragment(&source) == without_fragment(&target) {
        return Err(Failure::invalid("source", "source and target are the same page"));
    }
    let site = newsroom.store().site().await?;
    let slug = article_slug(&site, &target).ok_or_else(|| {
        Failure::invalid("target", format!("{target} is not an article on {}", site.base_url))
    })?;
    let article = match newsroom.store().article_by_slug(&slug).await {
        Ok(a) if a.status == ArticleStatus::Published => a,
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(Failure::invalid("target", format!("{target} is not a published article")));
        }
        Err(e) => return Err(e.into()),
    };
    let queued = newsroom
        .store()
        .queue_webmention(article.id, source.as_str(), target.as_str(), jiff::Timestamp::now(), QUEUE_LIMITS)
        .await?;
    Ok(match queued {
        Queued::Queued(_) => Received::Queued,
        Queued::QueueFull => Received::QueueFull,
        Queued::ArticleFull => Received::ArticleFull,
    })
}

fn without_fragment(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    u.as_str().trim_end_matches('/').to_owned()
}

/// The slug of `/article/{slug}` on this site, when `url` is one.
fn article_slug(site: &Site, url: &Url) -> Option<Slug> {
    let base = &site.base_url;
    if !url.host_str()?.eq_ignore_ascii_case(base.host_str()?)
        || url.port_or_known_default() != base.port_or_known_default()
    {
        return None;
    }
    let path = url.path().strip_prefix(base.path().trim_end_matches('/'))?;
    let slug = path.strip_prefix("/article/")?.trim_end_matches('/');
    Slug::parse(slug).ok()
}

/// How much one turn of the `check-webmentions` job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckLimits {
    /// Mentions claimed in one turn.
    pub per_turn: u32,
    /// Of those, at most this many from one source host (the rest wait for later turns).
    pub per_host: u32,
    /// Sources fetched at the same time.
    pub at_once: usize,
    /// How long one check may take, fetch and all, before it is rejected as too slow.
    pub deadline: Duration,
}

pub const CHECK_LIMITS: CheckLimits =
    CheckLimits { per_turn: 20, per_host: 2, at_once: 8, deadline: Duration::from_secs(10) };

/// One turn of checking with [`CHECK_LIMITS`]; returns how many mentions were settled. Run by
/// the `check-webmentions` job, and by tests directly.
pub async fn check_pending(newsroom: &Newsroom) -> Outcome<usize> {
    check_turn(newsroom, CHECK_LIMITS).await
}

/// Claims pending mentions, a few per source host, and checks them side by side, each within
/// `limits.deadline`: a slow or silent source holds up only its own checks, never the turn's
/// others, and is rejected as too slow. Returns how many were settled.
pub async fn check_turn(newsroom: &Newsroom, limits: CheckLimits) -> Outcome<usize> {
    let now = jiff::Timestamp::now();
    let pending = newsroom.store().claim_pending_webmentions(limits.per_turn, limits.per_host, now).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let site = Arc::new(newsroom.store().site().await?);
    let at_once = Arc::new(Semaphore::new(limits.at_once.max(1)));
    let mut checks = JoinSet::new();
    for mention in pending {
        let (newsroom, site, at_once) = (newsroom.clone(), site.clone(), at_once.clone());
        checks.spawn(async move {
            let _turn = at_once.acquire_owned().await;
            check_one(&newsroom, &mention, &site, limits.deadline).await
        });
    }
    let (mut settled, mut failed) = (0, None);
    while let Some(done) = checks.join_next().await {
        match done {
            Ok(Ok(())) => settled += 1,
            // Left under its lease; another turn checks it again once the lease ends.
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not record a Webmention's check");
                failed = Some(e);
            }
            Err(e) => tracing::warn!(error = %e, "a Webmention's check stopped"),
        }
    }
    match failed {
        Some(e) if settled == 0 => Err(e),
        _ => Ok(settled),
    }
}

async fn check_one(
    newsroom: &Newsroom,
    mention: &masthead_core::Webmention,
    site: &Site,
    deadline: Duration,
) -> Outcome<()> {
    let outcome = match Url::parse(&mention.source) {
        Err(e) => MentionOutcome::Rejected(format!("the source is not a URL: {e}")),
        Ok(source) => match tokio::time::timeout(deadline, newsroom.outbound().get_text(&source)).await {
            Err(_) => MentionOutcome::Rejected(format!(
                "the source did not answer within {} seconds",
                deadline.as_secs_f32()
            )),
            Ok(Err(e)) => MentionOutcome::Rejected(format!("the source could not be checked: {e}")),
            Ok(Ok(page)) => classify(&page.url, &page.body, &mention.target, mention.article_id, site),
        },
    };
    let host = Url::parse(&mention.source).ok().and_then(|u| mention_host(&u));
    newsroom.store().settle_webmention(mention.id, &outcome, host.as_deref(), jiff::Timestamp::now()).await?;
    tracing::info!(source = %mention.source, target = %mention.target, ?outcome, "checked a Webmention");
    Ok(())
}

/// What the source page at `page_url` says about `target`.
fn classify(page_url: &Url, html: &str, target: &str, article_id: i64, site: &Site) -> MentionOutcome {
    let links = page_links(html);
    let resolve = |href: &str| page_url.join(href.trim()).ok().map(|u| without_fragment(&u));
    let Ok(target) = Url::parse(target).map(|t| without_fragment(&t)) else {
        return MentionOutcome::Rejected("the target is not a URL".into());
    };
    let canonical = links.canonical.as_deref().and_then(resolve);
    let links_to_target = links.anchors.iter().filter_map(|h| resolve(h)).any(|h| h == target);
    let beacon =
        without_fragment(&Url::parse(&site.url(&format!("/r/{article_id}.gif"))).expect("a site URL"));
    let carries_beacon = links.images.iter().filter_map(|src| page_url.join(src.trim()).ok()).any(|mut u| {
        u.set_query(None);
        without_fragment(&u) == beacon
    });
    if carries_beacon || canonical.as_deref() == Some(target.as_str()) {
        MentionOutcome::Verified(MentionKind::Republication)
    } else if links_to_target {
        MentionOutcome::Verified(MentionKind::Mention)
    } else {
        MentionOutcome::Rejected("the source does not link to the target".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site { base_url: "https://meridian.example/".parse().unwrap(), ..Site::default() }
    }

    #[test]
    fn targets_must_be_our_articles() {
        let s = site();
        let slug = |u: &str| article_slug(&s, &u.parse().unwrap()).map(|s| s.to_string());
        assert_eq!(slug("https://meridian.example/article/a-story").as_deref(), Some("a-story"));
        assert_eq!(slug("https://MERIDIAN.example/article/a-story/#c").as_deref(), Some("a-story"));
        assert_eq!(slug("https://other.example/article/a-story"), None);
        assert_eq!(slug("https://meridian.example:8443/article/a-story"), None);
        assert_eq!(slug("https://meridian.example/author/ana"), None);
        assert_eq!(slug("https://meridian.example/article/Not%20A%20Slug"), None);
    }

    #[test]
    fn sources_are_classified_by_what_they_carry() {
        let s = site();
        let page: Url = "https://news.example/copy".parse().unwrap();
        let target = "https://meridian.example/article/a";
        let copy = r#"<img src="https://meridian.example/r/7.gif?site=news.example"><a href="https://meridian.example/article/a">x</a>"#;
        assert_eq!(
            classify(&page, copy, target, 7, &s),
            MentionOutcome::Verified(MentionKind::Republication)
        );
        let canonical = r#"<link rel="canonical" href="https://meridian.example/article/a/">"#;
        assert_eq!(
            classify(&page, canonical, target, 7, &s),
            MentionOutcome::Verified(MentionKind::Republication)
        );
        let link = r#"<p>As <a href="https://meridian.example/article/a#part-2">reported</a></p>"#;
        assert_eq!(classify(&page, link, target, 7, &s), MentionOutcome::Verified(MentionKind::Mention));
        let other_beacon = r#"<img src="https://meridian.example/r/8.gif">"#;
        assert!(matches!(classify(&page, other_beacon, target, 7, &s), MentionOutcome::Rejected(_)));
        let none = r#"<p>meridian.example/article/a is mentioned as text only</p>"#;
        assert!(matches!(classify(&page, none, target, 7, &s), MentionOutcome::Rejected(_)));
    }
}
