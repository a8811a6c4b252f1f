//! Partners' feeds: adding and changing a source (checked once for every edge), and publishing
//! what a partner's feed brought in. Pulling is `ingest`.

use masthead_core::source::{MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES};
use masthead_core::{Action, Article, ArticleStatus, FeedFormat, NewSource, Source, SourceTerms, User};
use masthead_store::StoreError;
use serde::Deserialize;

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::staff::Actor;

/// What a client sends to add or change a source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRequest {
    pub outlet_id: i64,
    pub feed_url: String,
    #[serde(default)]
    pub format: Option<String>,
    /// A reuse policy's key, or `agreement`.
    pub terms: String,
    #[serde(default)]
    pub term_ids: Vec<i64>,
    #[serde(default)]
    pub auto_publish: bool,
    #[serde(default)]
    pub interval_minutes: Option<i64>,
}

/// The default time between two polls.
pub const DEFAULT_INTERVAL_MINUTES: i64 = 30;

impl SourceRequest {
    /// The source to save, or the field at fault and what is wrong with it.
    pub fn into_new(self) -> Result<NewSource, Failure> {
        let feed_url = url::Url::parse(self.feed_url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                Failure::invalid("feed_url", format!("{:?} is not an http or https address", self.feed_url))
            })?;
        let format = match self.format.as_deref().map(str::trim) {
            None | Some("") => FeedFormat::Auto,
            Some(f) => f.parse().map_err(|e: masthead_core::source::UnknownFormat| {
                Failure::invalid("format", e.to_string())
            })?,
        };
        let terms =
            self.terms.trim().parse::<SourceTerms>().map_err(|e| Failure::invalid("terms", e.to_string()))?;
        let interval_minutes = self.interval_minutes.unwrap_or(DEFAULT_INTERVAL_MINUTES);
        if !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&interval_minutes) {
            return Err(Failure::invalid(
                "interval_minutes",
                format!("poll between every {MIN_INTERVAL_MINUTES} and every {MAX_INTERVAL_MINUTES} minutes"),
            ));
        }
        Ok(NewSource {
            outlet_id: self.outlet_id,
            feed_url,
            format,
            terms,
            term_ids: self.term_ids,
            auto_publish: self.auto_publish,
            interval_minutes,
        })
    }
}

/// `user` (an editor or above) deletes partner feed `id`: polling stops; what it brought in
/// stays, with its provenance and terms. Audited.
pub async fn delete(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<()> {
    if !user.may(Action::ManageAuthorsAndTerms) {
        return Err(Failure::Forbidden("Only editors and administrators manage partners' feeds.".into()));
    }
    let source = newsroom.store().source(id).await.map_err(|e| match e {
        masthead_store::StoreError::NotFound => Failure::NotFound(format!("no feed number {id}")),
        other => other.into(),
    })?;
    newsroom.store().delete_source(id).await?;
    newsroom.store().audit(Some(user.id), "feed deleted", source.feed_url.as_str()).await?;
    Ok(())
}

/// `user` adds a partner's feed (`id` none) or changes source `id`; its terms apply at once to
/// what it brought in. Recorded in the audit log.
pub async fn save(
    newsroom: &Newsroom,
    actor: Actor<'_>,
    id: Option<i64>,
    request: SourceRequest,
) -> Outcome<Source> {
    if !actor.may(Action::ManageAuthorsAndTerms) {
        return Err(Failure::Forbidden("Only editors and administrators manage partners' feeds.".into()));
    }
    if let Some(id) = id {
        match newsroom.store().source(id).await {
            Err(StoreError::NotFound) => return Err(Failure::NotFound("no such source".into())),
            other => drop(other?),
        }
    }
    let new = request.into_new()?;
    match newsroom.store().outlet(new.outlet_id).await {
        Err(StoreError::NotFound) => return Err(Failure::invalid("outlet_id", "Choose the partner outlet.")),
        other => drop(other?),
    }
    let saved = match id {
        Some(id) => newsroom.store().update_source(id, &new).await,
        None => newsroom.store().create_source(&new).await,
    };
    let source = saved.map_err(|e| match e {
        StoreError::Conflict { .. } => {
            Failure::Taken { field: "feed_url", message: "This feed is already a source.".into() }
        }
        StoreError::Invalid(m) if m.contains("referenced record") => {
            Failure::invalid("term_ids", "A region, theme or tag named here does not exist.")
        }
        StoreError::Invalid(m) => Failure::invalid("feed_url", m),
        other => other.into(),
    })?;
    let what = format!("{} ({})", source.outlet_name, source.feed_url);
    newsroom.store().audit(actor.user_id(), "source saved", &what).await?;
    Ok(source)
}

/// `user` publishes an article taken in from a partner, if the partner's terms allow it here.
pub async fn accept(newsroom: &Newsroom, user: &User, article_id: i64) -> Outcome<Article> {
    if !user.may(Action::PublishAny) {
        return Err(Failure::Forbidden("Only editors publish partners' articles.".into()));
    }
    if newsroom.store().syndication(article_id).await?.is_none() {
        return Err(Failure::NotFound("no such article taken in from a partner".into()));
    }
    let article =
        newsroom.store().set_status(article_id, ArticleStatus::Published, None, Some(user.id)).await?;
    let what = format!("{} ({})", article.title, article.slug);
    newsroom.store().audit(Some(user.id), "article published", &what).await?;
    Ok(article)
}
