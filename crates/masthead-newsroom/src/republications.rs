//! Who republished what: every copy of our articles that the tracking image or a Webmention
//! revealed, with its article's title and its views per day, for editors.

use std::collections::HashMap;

use masthead_core::{Action, User};
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
}

/// Every known republication, for someone whose role may see them.
pub async fn report(newsroom: &Newsroom, user: &User) -> Outcome<Vec<RepublicationRow>> {
    if !user.role.may(Action::ViewRepublications) {
        return Err(Failure::Forbidden(format!("the {} role may not do this", user.role)));
    }
    let site = newsroom.store().site().await?;
    let when = |at: jiff::Timestamp| {
        masthead_core::time::in_zone(at, &site.time_zone).strftime("%-d %B %Y, %H:%M").to_string()
    };
    let records = newsroom.store().republications(None).await?;
    let mut ids: Vec<i64> = records.iter().map(|r| r.article_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let articles: HashMap<i64, masthead_core::Article> =
        newsroom.store().articles(&ids).await?.into_iter().map(|a| (a.id, a)).collect();
    Ok(records
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
            })
        })
        .collect())
}
