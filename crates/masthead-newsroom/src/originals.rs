//! Whether the originals of the articles we took in still stand. A partner's correction
//! reaches our copy with its feed (the item changes, and the copy gets a revision marked
//! "changed at the source"); a withdrawal does not, since a withdrawn item simply leaves the
//! feed, as old items do. So each published copy's original is checked now and then: when its
//! page answers 410 Gone, the original was withdrawn, and our copy is withdrawn too, with the
//! partner's notice when their site gives one (a Masthead's `/republish.json` does), and the
//! editors are told.
//!
//! The check is polite: through the outbound client's rules (public addresses only, size and
//! time limits), at most five requests to a host in a turn, and each copy at most once per
//! [`CHECK_EVERY`]. Any number of nodes may run it: each check is claimed first.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use masthead_core::{ArticleStatus, Role};
use masthead_store::{Amendment, OriginalCheck, StoreError};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};

/// How often each copy's original is checked.
pub const CHECK_EVERY: SignedDuration = SignedDuration::from_hours(6);

/// The most originals checked in one turn, and on one host (with its port) in one turn.
const PER_TURN: usize = 20;
const PER_HOST: usize = 5;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The original answers as usual (or could not be reached; we try again later).
    Stands,
    /// The original answered 410 Gone: our copy was withdrawn with this notice.
    Withdrawn { article_id: i64, notice: String },
}

/// One turn at `now`: checks the originals that are due, a few per host; answers what was found.
pub async fn check_due(newsroom: &Newsroom, now: Timestamp) -> Outcome<Vec<Found>> {
    let store = newsroom.store();
    let candidates = store.originals_to_check(now - CHECK_EVERY, (PER_TURN * 5) as u32).await?;
    let mut per_host: HashMap<String, usize> = HashMap::new();
    let mut found = Vec::new();
    for check in candidates {
        let Ok(url) = url::Url::parse(&check.original_url) else { continue };
        let host =
            format!("{}:{}", url.host_str().unwrap_or_default(), url.port_or_known_default().unwrap_or(0));
        let on_host = per_host.entry(host.to_ascii_lowercase()).or_default();
        if *on_host >= PER_HOST || !store.claim_original_check(&check, now).await? {
            continue;
        }
        *on_host += 1;
        found.push(check_one(newsroom, &check, &url).await?);
        if found.len() >= PER_TURN {
            break;
        }
    }
    Ok(found)
}

async fn check_one(newsroom: &Newsroom, check: &OriginalCheck, url: &url::Url) -> Outcome<Found> {
    let (status, _, _) = match newsroom.outbound().get_any(url, "text/html, */*;q=0.1").await {
        Ok(answer) => answer,
        Err(e) => {
            tracing::info!(article = check.article_id, original = %url, error = %e, "an original could not be checked");
            return Ok(Found::Stands);
        }
    };
    if status != 410 {
        return Ok(Found::Stands);
    }
    let store = newsroom.store();
    let article = store.article(check.article_id).await?;
    if article.status != ArticleStatus::Published {
        return Ok(Found::Stands);
    }
    let outlet =
        article.provenance.original().map(|o| o.outlet.name.clone()).unwrap_or_else(|| "The partner".into());
    let theirs = their_notice(newsroom, url).await;
    let notice = match theirs {
        Some(theirs) => format!("{outlet} withdrew the original of this article. Their notice: {theirs}"),
        None => format!("{outlet} withdrew the original of this article, so it is withdrawn here too."),
    };
    match store.amend_article(article.id, article.revision, &Amendment::Withdraw(notice.clone()), None).await
    {
        Ok(_) => {}
        // An editor saved it meanwhile: the next turn looks again.
        Err(StoreError::Stale { .. }) => return Ok(Found::Stands),
        Err(e) => return Err(e.into()),
    }
    let line = format!("“{}”: the original at {url} answers 410 Gone; our copy is withdrawn", article.title);
    if let Some(source_id) = check.source_id {
        store.log_source_event(source_id, &line).await?;
    }
    store
        .audit(None, "copy withdrawn at the source", &format!("{} ({})", article.title, article.slug))
        .await?;
    tell_editors(newsroom, &article.title, url, &notice).await;
    Ok(Found::Withdrawn { article_id: article.id, notice })
}

/// The notice a Masthead original gives in its republish JSON (`status: withdrawn`).
async fn their_notice(newsroom: &Newsroom, original: &url::Url) -> Option<String> {
    let mut json_url = original.clone();
    json_url.set_query(None);
    json_url.set_fragment(None);
    let path = format!("{}/republish.json", json_url.path().trim_end_matches('/'));
    json_url.set_path(&path);
    let (_, _, body) = newsroom.outbound().get_any(&json_url, "application/json").await.ok()?;
    let doc: serde_json::Value = serde_json::from_slice(&body).ok()?;
    if doc.get("status").and_then(|s| s.as_str()) != Some("withdrawn") {
        return None;
    }
    let notice = doc.get("notice")?.as_str()?.trim();
    let mut notice: String = notice.chars().take(1000).collect();
    masthead_core::text::make_publishable(&mut notice);
    (!notice.is_empty()).then_some(notice)
}

/// E-mails the editors and administrators; a failure is logged, the withdrawal stands.
async fn tell_editors(newsroom: &Newsroom, title: &str, original: &url::Url, notice: &str) {
    let result: Outcome<()> = async {
        let site = newsroom.store().site().await?;
        let subject = format!("Withdrawn at the source: “{title}”");
        let body = format!(
            "The original of “{title}” ({original}) now answers that it is gone, so our copy was withdrawn: \
             its page shows this notice in its place.\n\n{notice}\n\nNothing else is needed; \
             the article's history in the admin shows the withdrawal. — {}\n",
            site.title
        );
        for (user, disabled) in newsroom.store().staff_list().await? {
            if disabled || !matches!(user.role, Role::Editor | Role::Administrator | Role::Owner) {
                continue;
            }
            newsroom
                .mailer()
                .send(&user.email, &subject, &body)
                .await
                .map_err(|e| Failure::Internal(e.to_string()))?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "could not tell the editors of a withdrawal at the source");
    }
}
