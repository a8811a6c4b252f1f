//! The newsroom's lists: authors, regions, themes and tags, partner outlets. What a person sends
//! to add or change one, checked here once for every edge; editors and above manage them.

use masthead_core::{
    AbsoluteUrl, Action, Author, AuthorLink, NewAuthor, NewOutlet, NewTerm, Outlet, Slug, Term, TermKind,
    User,
};
use masthead_store::StoreError;
use serde::Deserialize;

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};

/// Whether `user` may manage authors, terms, outlets and partners' feeds.
pub fn may_manage(user: &User) -> Outcome<()> {
    if user.may(Action::ManageAuthorsAndTerms) { Ok(()) } else { Err(crate::error::refused(user, "do this")) }
}

/// The slug given, or one made from the name.
fn slug_for(slug: Option<&str>, name: &str) -> Result<Slug, Failure> {
    match slug.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Slug::parse(s).map_err(|e| Failure::invalid("slug", e.to_string())),
        None => Slug::from_title(name)
            .map_err(|e| Failure::invalid("name", format!("no slug can be made from it: {e}"))),
    }
}

fn name(value: &str) -> Result<String, Failure> {
    let v = value.trim();
    if v.is_empty() { Err(Failure::invalid("name", "a name is needed")) } else { Ok(v.to_owned()) }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorRequest {
    pub name: String,
    pub slug: Option<String>,
    #[serde(default)]
    pub bio: String,
    #[serde(default)]
    pub links: Vec<AuthorLink>,
    pub outlet_id: Option<i64>,
}

impl AuthorRequest {
    pub fn into_new(self) -> Result<NewAuthor, Failure> {
        let name = name(&self.name)?;
        Ok(NewAuthor {
            slug: slug_for(self.slug.as_deref(), &name)?,
            name,
            bio: self.bio,
            links: self.links,
            avatar_media_id: None,
            outlet_id: self.outlet_id,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermRequest {
    pub kind: TermKind,
    pub name: String,
    pub slug: Option<String>,
    #[serde(default)]
    pub description: String,
    pub parent_id: Option<i64>,
}

impl TermRequest {
    pub fn into_new(self) -> Result<NewTerm, Failure> {
        let name = name(&self.name)?;
        Ok(NewTerm {
            kind: self.kind,
            slug: slug_for(self.slug.as_deref(), &name)?,
            name,
            description: self.description,
            parent_id: self.parent_id,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutletRequest {
    pub name: String,
    pub slug: Option<String>,
    pub homepage: Option<String>,
}

impl OutletRequest {
    pub fn into_new(self) -> Result<NewOutlet, Failure> {
        let name = name(&self.name)?;
        let homepage = self
            .homepage
            .as_deref()
            .filter(|h| !h.trim().is_empty())
            .map(|h| {
                AbsoluteUrl::parse(h).map_err(|_| {
                    Failure::invalid(
                        "homepage",
                        format!("{:?} is not a web address (http or https).", h.trim()),
                    )
                })
            })
            .transpose()?;
        Ok(NewOutlet { slug: slug_for(self.slug.as_deref(), &name)?, name, homepage })
    }
}

/// `user` (an editor or above) deletes author `id`, who must have no byline left. Audited.
pub async fn delete_author(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<()> {
    if !user.may(Action::ManageAuthorsAndTerms) {
        return Err(crate::error::refused(user, "delete authors"));
    }
    let author = newsroom.store().author(id).await.map_err(|e| match e {
        StoreError::NotFound => Failure::NotFound(format!("no author number {id}")),
        other => other.into(),
    })?;
    newsroom.store().delete_author(id).await.map_err(|e| match e {
        StoreError::Refused(why) => Failure::Refused(format!("{} cannot be deleted: {why}.", author.name)),
        other => other.into(),
    })?;
    newsroom.store().audit(Some(user.id), "author deleted", &author.name).await?;
    Ok(())
}

/// `user` adds an author (`id` none) or changes author `id`.
pub async fn save_author(
    newsroom: &Newsroom,
    user: &User,
    id: Option<i64>,
    request: AuthorRequest,
) -> Outcome<Author> {
    may_manage(user)?;
    exists(id, |id| newsroom.store().author(id)).await?;
    let new = request.into_new()?;
    let saved = match id {
        Some(id) => newsroom.store().update_author(id, &new).await,
        None => newsroom.store().create_author(&new).await,
    };
    saved.map_err(|e| refusal(e, "outlet_id"))
}

/// `user` adds a region, theme or tag (`id` none) or changes term `id`. A term lies within
/// another of its own kind, never within itself or its own descendants.
/// `user` merges term `from` into `into`: its articles are filed under `into`, its address
/// and feeds send readers to `into`'s, and it is gone. Editors and up; audited.
pub async fn merge_terms(newsroom: &Newsroom, user: &User, from: i64, into: i64) -> Outcome<Term> {
    if !user.may(Action::ManageAuthorsAndTerms) {
        return Err(crate::error::refused(user, "merge regions, themes and tags"));
    }
    let old = newsroom.store().term(from).await.map_err(|e| match e {
        masthead_store::StoreError::NotFound => Failure::NotFound(format!("no term number {from}")),
        other => other.into(),
    })?;
    let merged = newsroom.store().merge_term(from, into).await.map_err(|e| match e {
        masthead_store::StoreError::NotFound => {
            Failure::invalid("into", format!("There is no term number {into}."))
        }
        masthead_store::StoreError::Invalid(why) => Failure::invalid("into", why),
        other => other.into(),
    })?;
    // The front page's sections follow it too.
    let mut site = newsroom.store().site().await?;
    if site.front_page.sections.contains(&from) {
        let mut sections = Vec::new();
        for id in site.front_page.sections.iter().map(|s| if *s == from { into } else { *s }) {
            if !sections.contains(&id) {
                sections.push(id);
            }
        }
        site.front_page.sections = sections;
        newsroom.store().save_site(&site).await?;
    }
    newsroom
        .store()
        .audit(Some(user.id), "term merged", &format!("{} into {}", old.path(), merged.path()))
        .await?;
    Ok(merged)
}

pub async fn save_term(
    newsroom: &Newsroom,
    user: &User,
    id: Option<i64>,
    request: TermRequest,
) -> Outcome<Term> {
    may_manage(user)?;
    exists(id, |id| newsroom.store().term(id)).await?;
    if let Some(parent) = request.parent_id {
        let parent = match newsroom.store().term(parent).await {
            Ok(parent) => parent,
            Err(StoreError::NotFound) => {
                return Err(Failure::invalid("parent_id", "The term it lies within does not exist."));
            }
            Err(e) => return Err(e.into()),
        };
        if parent.kind != request.kind {
            let kind = request.kind.key();
            return Err(Failure::invalid(
                "parent_id",
                format!("A {kind} can only lie within another {kind}."),
            ));
        }
    }
    let new = request.into_new()?;
    let saved = match id {
        Some(id) => newsroom.store().update_term(id, &new).await,
        None => newsroom.store().create_term(&new).await,
    };
    saved.map_err(|e| refusal(e, "parent_id"))
}

/// `user` adds a partner outlet (`id` none) or changes outlet `id`.
pub async fn save_outlet(
    newsroom: &Newsroom,
    user: &User,
    id: Option<i64>,
    request: OutletRequest,
) -> Outcome<Outlet> {
    may_manage(user)?;
    exists(id, |id| newsroom.store().outlet(id)).await?;
    let new = request.into_new()?;
    let saved = match id {
        Some(id) => newsroom.store().update_outlet(id, &new).await,
        None => newsroom.store().create_outlet(&new).await,
    };
    saved.map_err(|e| refusal(e, "slug"))
}

/// A record being changed must exist: a missing one is a page that does not exist.
async fn exists<T, F>(id: Option<i64>, find: impl FnOnce(i64) -> F) -> Outcome<()>
where
    F: std::future::Future<Output = Result<T, StoreError>>,
{
    match id {
        None => Ok(()),
        Some(id) => match find(id).await {
            Ok(_) => Ok(()),
            Err(StoreError::NotFound) => Err(Failure::NotFound("not found".into())),
            Err(e) => Err(e.into()),
        },
    }
}

/// What the store refused, said for the person; `reference_field` names the field an unknown
/// reference or a rule broken came from.
fn refusal(e: StoreError, reference_field: &'static str) -> Failure {
    match e {
        StoreError::Conflict { .. } => Failure::Taken {
            field: "slug",
            message: "Another record has this address; choose another slug.".into(),
        },
        StoreError::NotFound => {
            Failure::invalid(reference_field, "A record this one refers to does not exist.")
        }
        StoreError::Invalid(m) => Failure::invalid(reference_field, format!("This cannot be saved: {m}.")),
        other => other.into(),
    }
}

/// The outlet called `name` (or with that slug), added when it is new, for someone who may
/// manage the lists; the second value says whether it was added.
pub async fn outlet_named(
    newsroom: &Newsroom,
    actor: crate::staff::Actor<'_>,
    name: &str,
) -> Outcome<(Outlet, bool)> {
    if !actor.may(Action::ManageAuthorsAndTerms) {
        return Err(Failure::Forbidden("Only editors and administrators add outlets.".into()));
    }
    let outlets = newsroom.store().outlets().await?;
    if let Some(o) = outlets
        .into_iter()
        .find(|o| o.name.eq_ignore_ascii_case(name.trim()) || o.slug.as_str() == name.trim())
    {
        return Ok((o, false));
    }
    let request = OutletRequest { name: name.to_owned(), slug: None, homepage: None };
    let outlet =
        newsroom.store().create_outlet(&request.into_new()?).await.map_err(|e| refusal(e, "slug"))?;
    Ok((outlet, true))
}
