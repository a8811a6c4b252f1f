//! WebSub: when articles change, tell the site's hub which feeds changed (`hub.mode=publish`),
//! so that subscribers hear of new articles in seconds instead of at their next poll. Changes
//! come from the store's queue, written with each change; one node announces each change.

use std::collections::BTreeSet;

use masthead_formats::feeds::FeedScope;

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};

/// Announces queued article changes to the WebSub hub; returns how many feed addresses were
/// announced. Without a hub, the queue is simply emptied.
pub async fn announce_changes(state: &Newsroom) -> Outcome<usize> {
    // What was announced a day ago is done with; a few thousand go at each run, so that a
    // long backlog is cleared over several runs rather than in one long statement.
    let now = jiff::Timestamp::now();
    state.store().prune_announced_changes(now - jiff::SignedDuration::from_hours(24), 5_000).await?;
    // And the record the nodes follow to catch up on changes they did not hear.
    state.store().prune_page_changes().await?;
    let changes = state.store().unannounced_changes(500).await?;
    if changes.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = changes.iter().map(|(id, _)| *id).collect();
    // Claim first: of several nodes, the one that claims announces.
    if state.store().mark_announced(&ids, now).await? == 0 {
        return Ok(0);
    }
    let site = state.store().site().await?;
    let Some(hub) = site.websub_hub.clone() else { return Ok(0) };

    let mut article_ids: Vec<i64> = changes.iter().map(|(_, a)| *a).collect();
    article_ids.sort_unstable();
    article_ids.dedup();
    let mut scopes = vec![FeedScope::site(&site)];
    for a in state.store().articles(&article_ids).await? {
        scopes.extend(a.authors.iter().map(|p| FeedScope::author(&site, p)));
        scopes.extend(a.terms.iter().map(|t| FeedScope::term(&site, t)));
    }
    let topics: BTreeSet<String> = scopes
        .iter()
        .flat_map(|s| [s.rss_path(), s.atom_path(), s.json_path()])
        .map(|path| site.url(&path))
        .collect();
    for topic in &topics {
        if let Err(e) = state.outbound().post_form(&hub, &[("hub.mode", "publish"), ("hub.url", topic)]).await
        {
            state.store().release_changes(&ids).await?;
            return Err(Failure::Internal(format!("the WebSub hub {hub} refused {topic}: {e}")));
        }
    }
    Ok(topics.len())
}
