//! Checking the republished copies of our articles whose address we know (registered on the
//! republish page, or verified Webmentions): each is fetched politely and judged by
//! `masthead_formats::copies::judge`: compliant; attribution link missing; canonical missing;
//! text changed (under terms that forbid edits); tracking image removed; gone.
//!
//! Politely: robots.txt is read first and obeyed (for the user agent "Masthead"), at most one
//! page per host in a turn (a turn a minute), each copy at most once per [`CHECK_EVERY`], and
//! every request through the outbound client's rules (public addresses, size and time limits).

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use masthead_formats::copies::{Expected, Judgement, Verdict, judge};
use masthead_store::{KnownCopy, StoreError};

use crate::context::Newsroom;
use crate::error::Outcome;

/// How often each copy is checked.
pub const CHECK_EVERY: SignedDuration = SignedDuration::from_hours(24);

/// The most copies checked in one turn (each on another host).
const PER_TURN: usize = 10;

/// The user agent robots.txt is read for.
const AGENT: &str = "Masthead";

/// What one check found: the copy, and the judgement (`None`: not looked at, with why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub article_id: i64,
    pub url: String,
    pub verdict: Option<Verdict>,
    pub detail: String,
}

/// One turn at `now`: checks the copies that are due, one per host.
pub async fn check_due(newsroom: &Newsroom, now: Timestamp) -> Outcome<Vec<Checked>> {
    let store = newsroom.store();
    // Our own pages of partners' articles are checked too, against the partner's terms.
    let site = store.site().await?;
    if let Some(host) = site.base_url.host_str() {
        store.know_own_copies(&site.url("/article/"), &own_host(host), 100).await?;
    }
    let candidates = store.copies_due(now - CHECK_EVERY, (PER_TURN * 5) as u32).await?;
    let mut hosts = HashSet::new();
    let mut robots: HashMap<String, Option<texting_robots::Robot>> = HashMap::new();
    let mut checked = Vec::new();
    for copy in candidates {
        let Ok(url) = url::Url::parse(&copy.url) else { continue };
        let origin = url.origin().ascii_serialization();
        if !hosts.insert(origin.clone()) || !store.claim_copy_check(&copy, now).await? {
            continue;
        }
        if !robots.contains_key(&origin) {
            let rules = read_robots(newsroom, &url).await;
            robots.insert(origin.clone(), rules);
        }
        let allowed = robots.get(&origin).and_then(Option::as_ref).is_none_or(|r| r.allowed(url.as_str()));
        let outcome = if allowed {
            check_one(newsroom, &site, &copy, &url).await?
        } else {
            Checked {
                article_id: copy.article_id,
                url: copy.url.clone(),
                verdict: None,
                detail: "not checked: the site's robots.txt asks us not to".into(),
            }
        };
        store
            .record_copy_check(
                copy.article_id,
                &copy.url,
                outcome.verdict.map(Verdict::key).unwrap_or("unchecked"),
                &outcome.detail,
            )
            .await?;
        checked.push(outcome);
        if checked.len() >= PER_TURN {
            break;
        }
    }
    Ok(checked)
}

/// The name our own pages are known under among the copies: the site's host, marked so that
/// it cannot be a republisher's.
fn own_host(host: &str) -> String {
    format!("{host} (this site)")
}

/// The site's robots.txt, when it has one we could read (none: everything is allowed).
async fn read_robots(newsroom: &Newsroom, page: &url::Url) -> Option<texting_robots::Robot> {
    let robots_url = url::Url::parse(&texting_robots::get_robots_url(page.as_str()).ok()?).ok()?;
    match newsroom.outbound().get_any(&robots_url, "text/plain").await {
        Ok((200, _, body)) => texting_robots::Robot::new(AGENT, &body).ok(),
        _ => None,
    }
}

async fn check_one(
    newsroom: &Newsroom,
    site: &masthead_core::Site,
    copy: &KnownCopy,
    url: &url::Url,
) -> Outcome<Checked> {
    let store = newsroom.store();
    let article = match store.article(copy.article_id).await {
        Ok(a) => a,
        Err(StoreError::NotFound) => {
            return Ok(Checked {
                article_id: copy.article_id,
                url: copy.url.clone(),
                verdict: None,
                detail: "the article is gone".into(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let judged = match newsroom.outbound().get_any(url, "text/html, application/xhtml+xml;q=0.9").await {
        Ok((404 | 410, _, _)) => {
            Judgement { verdict: Verdict::Gone, problems: vec!["the page is gone".into()] }
        }
        Ok((200..=299, _, body)) => {
            let ours = site.url(&article.path());
            // Our own page of a partner's article: it must credit and point to the original.
            let own = site.base_url.host_str().is_some_and(|h| copy.host == own_host(h));
            let links = match (own, article.provenance.original()) {
                (true, Some(original)) => vec![original.url.to_string()],
                _ => vec![ours.clone(), article.id_url(site), article.canonical_url(site)],
            };
            let beacon = (!own).then(|| site.url(&format!("/r/{}.gif", article.id)));
            let policy = article.effective_policy(site);
            // Our own copy's text is the partner's, locked by their terms: nothing to compare.
            let no_edits = !own && !policy.allows_derivatives();
            let text = masthead_core::body::html_to_text(&article.body.html);
            let html = String::from_utf8_lossy(&body).into_owned();
            let canonical = article.canonical_url(site);
            // Judging parses the page: off the async workers.
            newsroom
                .work()
                .run(crate::work::Kind::Body, move || {
                    judge(
                        &html,
                        &Expected {
                            links: &links,
                            canonical: &canonical,
                            beacon: beacon.as_deref(),
                            text: no_edits.then_some(text.as_str()),
                        },
                    )
                })
                .await
        }
        Ok((status, _, _)) => {
            return Ok(Checked {
                article_id: copy.article_id,
                url: copy.url.clone(),
                verdict: None,
                detail: format!("not checked: the page answered {status}; it is tried again later"),
            });
        }
        Err(e) => {
            return Ok(Checked {
                article_id: copy.article_id,
                url: copy.url.clone(),
                verdict: None,
                detail: format!("not checked: {e}; it is tried again later"),
            });
        }
    };
    Ok(Checked {
        article_id: copy.article_id,
        url: copy.url.clone(),
        verdict: Some(judged.verdict),
        detail: judged.problems.join("; "),
    })
}
