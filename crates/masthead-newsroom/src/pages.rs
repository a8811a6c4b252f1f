//! Static pages (About, Contact, Corrections, Support us): editors and above write them; each
//! lives at the top of the site (`/about`), its body in the articles' stored format.

use masthead_core::{Action, BodyFormat, NewPage, Slug, StaticPage, User, render_body};
use masthead_store::StoreError;

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::work::Kind;

/// A page as the form or the API sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageInput {
    pub title: String,
    /// Made from the title when empty.
    pub slug: String,
    pub body: String,
    pub body_format: BodyFormat,
}

fn may_write(user: &User) -> Outcome<()> {
    if user.may(Action::EditAnyArticle) {
        Ok(())
    } else {
        Err(Failure::Forbidden("Editors and above write the site's pages.".into()))
    }
}

fn failure(e: StoreError) -> Failure {
    match e {
        StoreError::NotFound => Failure::NotFound("no such page".into()),
        StoreError::Conflict { .. } => {
            Failure::Taken { field: "slug", message: "Another page has this address; choose another.".into() }
        }
        other => other.into(),
    }
}

/// Every page, for the newsroom's list.
pub async fn list(newsroom: &Newsroom, user: &User) -> Outcome<Vec<StaticPage>> {
    may_write(user)?;
    Ok(newsroom.store().pages().await?)
}

/// The page `id`, to edit.
pub async fn find(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<StaticPage> {
    may_write(user)?;
    newsroom.store().page(id).await.map_err(failure)
}

/// `user` saves a page: a new one (`id` none) or page `id`.
pub async fn save(
    newsroom: &Newsroom,
    user: &User,
    id: Option<i64>,
    input: PageInput,
) -> Outcome<StaticPage> {
    may_write(user)?;
    let mut title = input.title.trim().to_owned();
    masthead_core::text::make_publishable(&mut title);
    if title.is_empty() {
        return Err(Failure::invalid("title", "A page needs a title."));
    }
    let slug = match input.slug.trim() {
        "" => Slug::from_title(&title)
            .map_err(|e| Failure::invalid("title", format!("No address can be made from the title: {e}.")))?,
        s => Slug::parse(s)
            .map_err(|e| Failure::invalid("slug", format!("The address cannot be used: {e}.")))?,
    };
    if masthead_core::page::is_reserved(&slug) {
        return Err(Failure::invalid(
            "slug",
            format!("/{slug} is one of the site's own addresses; choose another."),
        ));
    }
    let (format, source) = (input.body_format, input.body);
    let body = newsroom
        .work()
        .run(Kind::Body, move || render_body(format, &source))
        .await
        .map_err(|e| Failure::invalid("body", format!("The text cannot be used: {e}.")))?;
    let new = NewPage { slug, title, body };
    let store = newsroom.store();
    let page = match id {
        Some(id) => store.update_page(id, &new).await.map_err(failure)?,
        None => store.create_page(&new).await.map_err(failure)?,
    };
    store.audit(Some(user.id), "page saved", page.slug.as_str()).await?;
    Ok(page)
}

/// `user` deletes page `id`.
pub async fn delete(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<()> {
    may_write(user)?;
    let page = newsroom.store().page(id).await.map_err(failure)?;
    newsroom.store().delete_page(id).await.map_err(failure)?;
    newsroom.store().audit(Some(user.id), "page deleted", page.slug.as_str()).await?;
    Ok(())
}
