//! The newsroom's lists: authors, regions, themes and tags, partner outlets. What a person sends
//! to add or change one, checked here once for every edge; editors and above manage them.

use masthead_core::{Action, AuthorLink, NewAuthor, NewOutlet, NewTerm, Slug, TermKind, User};
use serde::Deserialize;
use url::Url;

use crate::error::{Failure, Outcome};

/// Whether `user` may manage authors, terms, outlets and partners' feeds.
pub fn may_manage(user: &User) -> Outcome<()> {
    if user.role.may(Action::ManageAuthorsAndTerms) {
        Ok(())
    } else {
        Err(Failure::Forbidden(format!("the {} role may not do this", user.role)))
    }
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
                Url::parse(h.trim())
                    .map_err(|e| Failure::invalid("homepage", format!("{h:?} is not a web address: {e}")))
            })
            .transpose()?;
        Ok(NewOutlet { slug: slug_for(self.slug.as_deref(), &name)?, name, homepage })
    }
}
