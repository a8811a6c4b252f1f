//! Who republished what: every copy of our articles that the tracking image or a Webmention
//! revealed, with its article's title and its views per day, for editors, a page at a time;
//! and the views this node counted in memory (`views::ViewCounter`), added to the records.

use std::collections::HashMap;

use masthead_core::{Action, RepublicationCursor, User};
use serde::Serialize;

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};

/// One republication, with its article's title; times in the site's zone.
#[derive(Debug, Serialize)]
pub struct RepublicationRow {
    pub article_id: i64,
    pub title: String,
    pub url: String,
    pub host: String,
    pub first_seen: String,
    pub last_seen: String,
    pub views: i64,
    pub days: Vec<(String, i64)>,
    /// The copies on that host that we know, with what their last check found.
    pub copies: Vec<masthead_core::CopyState>,
}

/// Republications on one page of the report.
pub const PAGE_SIZE: u32 = 50;

/// One page of the report, and where the next starts (`?after=`), if there is one.
#[derive(Debug, Serialize)]
pub struct RepublicationPage {
    pub rows: Vec<RepublicationRow>,
    pub next: Option<String>,
}

/// A page of known republications, newest first by first sighting, after the cursor `after`
/// (as a previous page's `next` gave it), for someone whose role may see them.
pub async fn report(newsroom: &Newsroom, user: &User, after: Option<&str>) -> Outcome<RepublicationPage> {
    if !user.role.may(Action::ViewRepublications) {
        return Err(Failure::Forbidden(format!("the {} role may not do this", user.role)));
    }
    let after = after
        .filter(|a| !a.is_empty())
        .map(|a| a.parse::<RepublicationCursor>().map_err(|e| Failure::invalid("after", e.to_string())))
        .transpose()?;
    let site = newsroom.store().site().await?;
    let when = |at: jiff::Timestamp| {
        masthead_core::time::in_zone(at, &site.time_zone).strftime("%-d %B %Y, %H:%M").to_string()
    };
    let mut records = newsroom.store().republications_page(after.as_ref(), PAGE_SIZE + 1).await?;
    let next = if records.len() > PAGE_SIZE as usize {
        records.truncate(PAGE_SIZE as usize);
        records.last().map(|r| r.cursor().to_string())
    } else {
        None
    };
    let mut ids: Vec<i64> = records.iter().map(|r| r.article_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let articles: HashMap<i64, masthead_core::Article> =
        newsroom.store().articles(&ids).await?.into_iter().map(|a| (a.id, a)).collect();
    let rows = records
        .into_iter()
        .filter_map(|r| {
            let a = articles.get(&r.article_id)?;
            Some(RepublicationRow {
                article_id: r.article_id,
                title: a.title.clone(),
                url: site.url(&a.path()),
                host: r.host,
                first_seen: when(r.first_seen),
                last_seen: when(r.last_seen),
                views: r.total_views,
                days: r.days,
                copies: r.copies,
            })
        })
        .collect();
    Ok(RepublicationPage { rows, next })
}

/// Adds the views counted in this process to the records; returns how many tallies were
/// written. On failure the counts stay in memory for the next turn.
pub async fn flush_views(newsroom: &Newsroom) -> Outcome<usize> {
    let counter = newsroom.views();
    let (tallies, dropped) = counter.take();
    if dropped > 0 {
        tracing::warn!(dropped, "views of republished copies were not counted: too many sites at once");
    }
    if tallies.is_empty() {
        return Ok(0);
    }
    match newsroom.store().add_republication_views(&tallies).await {
        Ok(()) => Ok(tallies.len()),
        Err(e) => {
            counter.restore(tallies);
            Err(e.into())
        }
    }
}
