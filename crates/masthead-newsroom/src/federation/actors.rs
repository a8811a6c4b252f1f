//! What other servers read of us: WebFinger answers, NodeInfo, our actors' documents, their
//! outboxes and collections, our articles as objects and the activities we sent. Reads only;
//! an author is an actor only when they write for this outlet (not a partner's byline).

use masthead_core::{ArticleStatus, Author, Site};
use masthead_formats::activitypub::{self as ap, ActorKey, ActorProfile};
use serde_json::Value;

use super::keys::keys_of;
use crate::context::Newsroom;
use crate::error::{Failure, Outcome};

/// The most items of a collection on one page.
pub const PAGE_SIZE: u32 = 20;

fn not_found() -> Failure {
    Failure::NotFound("there is no such account here".into())
}

/// `acct:name@host` for one of our actors, `host` with its port when it has one.
pub fn account(site: &Site, username: &str) -> String {
    format!("acct:{username}@{}", authority(site))
}

fn authority(site: &Site) -> String {
    let host = site.base_url.host_str().unwrap_or_default();
    match site.base_url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

async fn own_author(newsroom: &Newsroom, id: i64) -> Outcome<Author> {
    let author = newsroom.store().author(id).await.map_err(|_| not_found())?;
    if author.outlet_id.is_some() {
        return Err(not_found());
    }
    Ok(author)
}

async fn profile(newsroom: &Newsroom, site: &Site, actor: ActorKey) -> Outcome<ActorProfile> {
    match actor {
        ActorKey::Outlet => Ok(ActorProfile::outlet(site, &site.fediverse_username())),
        ActorKey::Author(id) => {
            let author = own_author(newsroom, id).await?;
            let icon = match author.avatar_media_id {
                Some(media) => newsroom.store().media(media).await.ok().map(|m| site.url(&m.public_path())),
                None => None,
            };
            Ok(ActorProfile::author(site, &author, icon))
        }
    }
}

/// The actor a WebFinger `resource` names: `acct:name@host` (the outlet's name, or an
/// author's slug), or the address of an actor's document or page.
pub async fn resolve(newsroom: &Newsroom, resource: &str) -> Outcome<(ActorKey, String)> {
    let site = newsroom.store().site().await?;
    let outlet = site.fediverse_username();
    let name = if let Some(acct) = resource.strip_prefix("acct:") {
        let (name, host) = acct.rsplit_once('@').ok_or_else(not_found)?;
        if !host.eq_ignore_ascii_case(&authority(&site)) {
            return Err(not_found());
        }
        name.trim_start_matches('@').to_string()
    } else if let Some(actor) = ActorKey::from_id(&site, resource) {
        match actor {
            ActorKey::Outlet => outlet.clone(),
            ActorKey::Author(id) => own_author(newsroom, id).await?.slug.to_string(),
        }
    } else if resource.trim_end_matches('/') == site.url("/").trim_end_matches('/') {
        outlet.clone()
    } else {
        let path = resource.strip_prefix(site.url("/").trim_end_matches('/')).ok_or_else(not_found)?;
        path.strip_prefix("/author/").ok_or_else(not_found)?.trim_end_matches('/').to_string()
    };
    if name.eq_ignore_ascii_case(&outlet) {
        return Ok((ActorKey::Outlet, outlet));
    }
    let slug = masthead_core::Slug::parse(&name).map_err(|_| not_found())?;
    let author = newsroom.store().author_by_slug(&slug).await.map_err(|_| not_found())?;
    if author.outlet_id.is_some() {
        return Err(not_found());
    }
    Ok((ActorKey::Author(author.id), author.slug.to_string()))
}

/// The outlet on the fediverse, as the newsroom sees it on its dashboard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Standing {
    /// `@meridian@news.example.org`.
    pub handle: String,
    pub followers: i64,
    /// Deliveries to other servers not yet made.
    pub waiting: i64,
}

/// The outlet's handle, how many follow it, and what waits to be delivered.
pub async fn standing(newsroom: &Newsroom) -> Outcome<Standing> {
    let site = newsroom.store().site().await?;
    let handle = account(&site, &site.fediverse_username()).replacen("acct:", "@", 1);
    let followers = newsroom.store().follower_count(&ActorKey::Outlet.key()).await?;
    let waiting = newsroom.store().queue_depths(jiff::Timestamp::now()).await?.activities_undelivered;
    Ok(Standing { handle, followers, waiting })
}

/// The WebFinger answer for `resource`.
pub async fn webfinger(newsroom: &Newsroom, resource: &str) -> Outcome<Value> {
    let (actor, username) = resolve(newsroom, resource).await?;
    let site = newsroom.store().site().await?;
    let profile = profile(newsroom, &site, actor).await?;
    Ok(ap::webfinger(&account(&site, &username), &actor.id(&site), &profile.url))
}

/// NodeInfo 2.1.
pub async fn nodeinfo(newsroom: &Newsroom) -> Outcome<Value> {
    let site = newsroom.store().site().await?;
    let authors = newsroom.store().authors().await?.iter().filter(|a| a.outlet_id.is_none()).count();
    Ok(ap::nodeinfo(&site, authors as i64, 0))
}

/// An actor's document, with its keys (made on first use).
pub async fn actor_document(newsroom: &Newsroom, actor: ActorKey) -> Outcome<Value> {
    let site = newsroom.store().site().await?;
    let profile = profile(newsroom, &site, actor).await?;
    let keys = keys_of(newsroom, actor).await?;
    Ok(ap::actor(&site, &profile, &keys.public))
}

/// An actor's outbox: its Create activities, newest first, a page at a time (`page` is the
/// `created_at.id` the page starts before; none for the collection itself).
pub async fn outbox(newsroom: &Newsroom, actor: ActorKey, page: Option<&str>) -> Outcome<Value> {
    let site = newsroom.store().site().await?;
    profile(newsroom, &site, actor).await?;
    let id = format!("{}/outbox", actor.id(&site));
    let before = match page {
        None => None,
        Some("first") => Some(None),
        Some(cursor) => {
            let (at, activity) =
                cursor.split_once('.').ok_or_else(|| Failure::NotFound("no such page".into()))?;
            let at: i64 = at.parse().map_err(|_| Failure::NotFound("no such page".into()))?;
            Some(Some((at, percent_encoding::percent_decode_str(activity).decode_utf8_lossy().into_owned())))
        }
    };
    let (rows, total) = newsroom
        .store()
        .activities_of(
            &actor.key(),
            "Create",
            before.as_ref().and_then(|b| b.as_ref()).map(|(at, id)| (*at, id.as_str())),
            PAGE_SIZE,
        )
        .await?;
    let Some(_) = before else {
        return Ok(ap::collection(&id, total, Some(&format!("{id}?page=first")), None));
    };
    let next = (rows.len() == PAGE_SIZE as usize)
        .then(|| rows.last().map(|(at, activity, _)| format!("{id}?page={at}.{}", activity_cursor(activity))))
        .flatten();
    let items: Vec<Value> = rows.iter().filter_map(|(_, _, body)| serde_json::from_str(body).ok()).collect();
    let items = with_current_objects(newsroom, &site, items).await?;
    let this = format!("{id}?page={}", page.unwrap_or("first"));
    Ok(ap::collection_page(&this, &id, items, next.as_deref()))
}

/// Activity ids are addresses; in a page's cursor they are percent-encoded.
fn activity_cursor(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// An actor's followers: how many, not who (their servers know; we do not publish it).
pub async fn followers(newsroom: &Newsroom, actor: ActorKey) -> Outcome<Value> {
    let site = newsroom.store().site().await?;
    profile(newsroom, &site, actor).await?;
    let total = newsroom.store().follower_count(&actor.key()).await?;
    Ok(ap::collection(&format!("{}/followers", actor.id(&site)), total, None, None))
}

/// Whom an actor follows: nobody.
pub async fn empty_collection(newsroom: &Newsroom, actor: ActorKey, name: &str) -> Outcome<Value> {
    let site = newsroom.store().site().await?;
    profile(newsroom, &site, actor).await?;
    Ok(ap::collection(&format!("{}/{name}", actor.id(&site)), 0, None, Some(Vec::new())))
}

/// What an actor features (pinned posts, as servers show them on its profile): for the
/// outlet, the front page's lead and pinned stories that are public; nothing for an author.
pub async fn featured(newsroom: &Newsroom, actor: ActorKey) -> Outcome<Value> {
    let site = newsroom.store().site().await?;
    profile(newsroom, &site, actor).await?;
    let id = format!("{}/featured", actor.id(&site));
    let ids: Vec<i64> = match actor {
        ActorKey::Outlet => {
            site.front_page.lead.into_iter().chain(site.front_page.pinned.iter().copied()).collect()
        }
        ActorKey::Author(_) => Vec::new(),
    };
    let now = jiff::Timestamp::now();
    let mut items = Vec::new();
    for article in newsroom.store().articles(&ids).await? {
        if super::is_public(&article, now) {
            let mut object = ap::article_object(&site, &article);
            if let Some(map) = object.as_object_mut() {
                map.remove("@context");
            }
            items.push(object);
        }
    }
    Ok(ap::collection(&id, items.len() as i64, None, Some(items)))
}

/// What an article's object id answers.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectAnswer {
    Found(Value),
    /// It was public once: a Tombstone, with 410 Gone.
    Gone(Value),
}

/// An article as an object, when it is public; a Tombstone once it was and is no longer.
pub async fn object(newsroom: &Newsroom, article_id: i64) -> Outcome<ObjectAnswer> {
    let site = newsroom.store().site().await?;
    let now = jiff::Timestamp::now();
    match newsroom.store().article(article_id).await {
        Ok(a) if super::is_public(&a, now) => Ok(ObjectAnswer::Found(ap::article_object(&site, &a))),
        Ok(a) if a.status == ArticleStatus::Unpublished || a.withdrawal.is_some() => {
            Ok(ObjectAnswer::Gone(ap::tombstone(&site, article_id)))
        }
        Ok(_) => Err(Failure::NotFound("no such article".into())),
        Err(masthead_store::StoreError::NotFound) => {
            let sent = newsroom.store().sent_objects(&[article_id]).await?;
            if sent.is_empty() {
                Err(Failure::NotFound("no such article".into()))
            } else {
                Ok(ObjectAnswer::Gone(ap::tombstone(&site, article_id)))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// An activity we sent, by its id (an address on this site): a Create or Update with the
/// article as it is now (never text since corrected or removed), or a Delete. Answers to
/// follows are not served (they would say who follows us).
pub async fn activity(newsroom: &Newsroom, id: &str) -> Outcome<Value> {
    let no_such = || Failure::NotFound("no such activity".into());
    let body = newsroom.store().activity(id).await?.ok_or_else(no_such)?;
    let doc: Value = serde_json::from_str(&body)
        .map_err(|e| Failure::Internal(format!("a stored activity is unreadable: {e}")))?;
    match ap::type_of(&doc) {
        Some("Delete") => Ok(doc),
        Some("Create" | "Update") => {
            let site = newsroom.store().site().await?;
            with_current_objects(newsroom, &site, vec![doc]).await?.pop().ok_or_else(no_such)
        }
        _ => Err(no_such()),
    }
}

/// Create and Update activities with their articles as they are now, in one read; those whose
/// article is no longer public are left out.
async fn with_current_objects(
    newsroom: &Newsroom,
    site: &Site,
    activities: Vec<Value>,
) -> Outcome<Vec<Value>> {
    let ids: Vec<i64> = activities
        .iter()
        .filter_map(|a| a.get("object").and_then(ap::first_id).and_then(|o| ap::article_of_object(site, o)))
        .collect();
    let articles = newsroom.store().articles(&ids).await?;
    let now = jiff::Timestamp::now();
    Ok(activities
        .into_iter()
        .filter_map(|mut activity| {
            let id =
                activity.get("object").and_then(ap::first_id).and_then(|o| ap::article_of_object(site, o))?;
            let article = articles.iter().find(|a| a.id == id && super::is_public(a, now))?;
            let mut object = ap::article_object(site, article);
            if let Some(map) = object.as_object_mut() {
                map.remove("@context");
                map.insert("cc".into(), activity.get("cc").cloned().unwrap_or(Value::Null));
            }
            activity["object"] = object;
            Some(activity)
        })
        .collect())
}
