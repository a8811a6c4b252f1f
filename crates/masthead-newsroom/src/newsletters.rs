//! The site's newsletters: several per site, each with its name, sender, reply-to address,
//! description, whether new members get it by default, whether it is offered, and its place in
//! the list. Editors and up manage them (`Action::ManageMembers`); readers see the active ones.

use masthead_core::{NewNewsletter, Newsletter, Slug};
use masthead_store::StoreError;

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::staff::Actor;

/// A newsletter as the admin's form sends it: text, checked here.
#[derive(Debug, Clone, Default)]
pub struct NewsletterRequest {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub sender_name: String,
    pub sender_email: String,
    pub reply_to: String,
    pub subscribe_by_default: bool,
    pub active: bool,
    pub position: i64,
}

fn optional_address(field: &'static str, raw: &str) -> Outcome<Option<String>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    crate::members::parse_email(raw)
        .map(Some)
        .map_err(|_| Failure::invalid(field, format!("{raw:?} is not an e-mail address.")))
}

impl NewsletterRequest {
    fn into_new(self) -> Outcome<NewNewsletter> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Failure::invalid("name", "Give the newsletter a name (at most 200 characters)."));
        }
        let slug = if self.slug.trim().is_empty() {
            masthead_core::label_slug(&name)
        } else {
            self.slug.trim().to_owned()
        };
        let slug = Slug::parse(&slug)
            .map_err(|e| Failure::invalid("slug", format!("The slug {slug:?} cannot be used: {e}")))?;
        let sender_name = Some(self.sender_name.trim().to_owned()).filter(|s| !s.is_empty());
        if sender_name
            .as_ref()
            .is_some_and(|s| s.chars().count() > 200 || s.contains(['<', '>', '"', '\r', '\n']))
        {
            return Err(Failure::invalid(
                "sender_name",
                "A sender's name has at most 200 characters, without < > or quotes.",
            ));
        }
        Ok(NewNewsletter {
            slug: slug.to_string(),
            name,
            description: self.description.trim().chars().take(2_000).collect(),
            sender_name,
            sender_email: optional_address("sender_email", &self.sender_email)?,
            reply_to: optional_address("reply_to", &self.reply_to)?,
            subscribe_by_default: self.subscribe_by_default,
            active: self.active,
            position: self.position,
        })
    }
}

fn manager(actor: Actor<'_>) -> Outcome<()> {
    match actor {
        Actor::Staff(user) if !user.may(masthead_core::Action::ManageMembers) => {
            Err(crate::error::refused(user, "manage newsletters"))
        }
        _ => Ok(()),
    }
}

fn taken(e: StoreError) -> Failure {
    match e {
        StoreError::Conflict { .. } => {
            Failure::Taken { field: "slug", message: "Another newsletter has this slug.".into() }
        }
        StoreError::NotFound => Failure::NotFound("There is no such newsletter.".into()),
        e => e.into(),
    }
}

/// Every newsletter, in order (for the newsroom).
pub async fn list(actor: Actor<'_>, newsroom: &Newsroom) -> Outcome<Vec<Newsletter>> {
    manager(actor)?;
    Ok(newsroom.store().newsletters().await?)
}

/// The newsletters readers may choose, in order.
pub async fn offered(newsroom: &Newsroom) -> Outcome<Vec<Newsletter>> {
    Ok(newsroom.store().newsletters().await?.into_iter().filter(|n| n.active).collect())
}

pub async fn find(actor: Actor<'_>, newsroom: &Newsroom, id: i64) -> Outcome<Newsletter> {
    manager(actor)?;
    newsroom.store().newsletter(id).await.map_err(taken)
}

pub async fn create(
    actor: Actor<'_>,
    newsroom: &Newsroom,
    request: NewsletterRequest,
) -> Outcome<Newsletter> {
    manager(actor)?;
    let new = request.into_new()?;
    let made = newsroom.store().create_newsletter(&new).await.map_err(taken)?;
    newsroom.store().audit(actor.user_id(), "newsletter created", &made.name).await?;
    Ok(made)
}

pub async fn update(
    actor: Actor<'_>,
    newsroom: &Newsroom,
    id: i64,
    request: NewsletterRequest,
) -> Outcome<Newsletter> {
    manager(actor)?;
    let new = request.into_new()?;
    newsroom.store().update_newsletter(id, &new).await.map_err(taken)
}
