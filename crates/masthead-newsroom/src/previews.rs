//! Previews: an article as readers will see it, before it is published or before the changes
//! are saved. A preview is a signed, expiring link (`/preview/{token}`), so it opens for someone
//! outside the newsroom too; the token names the article, and for a writer's unsaved changes
//! their autosaved draft, which the preview shows over the saved article.

use jiff::{SignedDuration, Timestamp};
use masthead_core::{Article, render_body};

use crate::articles::{self, DraftFields};
use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::signing::{Purpose, TokenRefusal};
use crate::work::Kind;
use masthead_core::User;

/// How long a shared preview link works.
pub const SHARED_FOR: SignedDuration = SignedDuration::from_hours(7 * 24);

/// How long the link of a writer's own full-page preview works.
pub const OWN_FOR: SignedDuration = SignedDuration::from_hours(1);

/// A link `user` may give to someone outside the newsroom: article `id` as it is saved, until
/// the link expires. Returns the token and when it expires.
pub async fn share(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    now: Timestamp,
) -> Outcome<(String, Timestamp)> {
    articles::editable(newsroom, user, id).await?;
    let expires = now + SHARED_FOR;
    let token =
        newsroom.signer().await?.sign(Purpose::Preview, &format!("article {id}"), expires.as_second());
    Ok((token, expires))
}

/// `user`'s changes to article `id`, not saved yet, kept as their draft and shown by the
/// returned token's preview.
pub async fn of_changes(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    revision: i64,
    fields: &DraftFields,
    now: Timestamp,
) -> Outcome<String> {
    articles::save_draft(newsroom, user, id, revision, fields, now).await?;
    let expires = now + OWN_FOR;
    Ok(newsroom.signer().await?.sign(
        Purpose::Preview,
        &format!("draft {id} {}", user.id),
        expires.as_second(),
    ))
}

/// The article a preview token shows: the saved article, with the writer's draft over it for a
/// preview of changes.
pub async fn open(newsroom: &Newsroom, token: &str, now: Timestamp) -> Outcome<Article> {
    let payload =
        newsroom.signer().await?.verify(Purpose::Preview, token, now.as_second()).map_err(|e| match e {
            TokenRefusal::Expired => {
                Failure::Refused("This preview link has expired; ask for a new one.".into())
            }
            TokenRefusal::Invalid => Failure::NotFound("no such preview".into()),
        })?;
    let words: Vec<&str> = payload.split(' ').collect();
    let number = |s: &str| s.parse::<i64>().map_err(|_| Failure::NotFound("no such preview".into()));
    let (id, writer) = match words.as_slice() {
        ["article", id] => (number(id)?, None),
        ["draft", id, user] => (number(id)?, Some(number(user)?)),
        _ => return Err(Failure::NotFound("no such preview".into())),
    };
    let mut article = newsroom.store().article(id).await.map_err(|e| match e {
        masthead_store::StoreError::NotFound => Failure::NotFound("no such article".into()),
        other => other.into(),
    })?;
    // A withdrawn article is gone for everyone, preview links included.
    if article.withdrawal.is_some() {
        return Err(Failure::Refused("This article was withdrawn.".into()));
    }
    if let Some(writer) = writer
        && let Some(draft) = newsroom.store().draft(id, writer).await?
    {
        let fields: DraftFields = serde_json::from_str(&draft.fields).unwrap_or_default();
        let format = if fields.body == article.body.source {
            article.body.format
        } else {
            masthead_core::BodyFormat::Html
        };
        let source = fields.body.clone();
        let body = newsroom
            .work()
            .run(Kind::Body, move || render_body(format, &source))
            .await
            .map_err(|e| Failure::invalid("body", e.to_string()))?;
        if !fields.title.trim().is_empty() {
            article.title = fields.title;
        }
        article.dek = fields.dek;
        article.excerpt = if fields.excerpt.trim().is_empty() {
            masthead_core::body::article_excerpt(&body.html, masthead_core::body::EXCERPT_WORDS)
        } else {
            fields.excerpt
        };
        article.body = body;
    }
    Ok(article)
}
