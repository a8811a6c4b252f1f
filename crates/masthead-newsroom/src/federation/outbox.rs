//! Article changes to activities: `Create` when an article first becomes public, `Update` when
//! what followers see of it changed (an edit, a correction), `Delete` with a Tombstone when it
//! stops being public (unpublished, withdrawn, deleted). Each goes from the outlet to its
//! followers and from each of the article's own authors to theirs, one delivery per server
//! (shared inboxes). Activity ids are made from the article and what was sent, so that a
//! change taken twice (two nodes racing) records and delivers it once.

use masthead_core::Site;
use masthead_formats::activitypub::{self as ap, ActorKey};
use masthead_store::NewActivity;
use sha2::{Digest as _, Sha256};

use crate::context::Newsroom;
use crate::error::Outcome;

/// Changes taken in one turn.
const CHANGES_PER_TURN: u32 = 100;
/// Delivery targets read at a time.
const TARGETS_PER_READ: u32 = 5000;

/// One turn: the article changes followers have not been told of, and the articles deleted
/// since. Returns how many activities went out.
pub async fn federate_changes(newsroom: &Newsroom, now: jiff::Timestamp) -> Outcome<usize> {
    let store = newsroom.store();
    let changes = store.unfederated_changes(CHANGES_PER_TURN).await?;
    let mut sent = 0;
    if !changes.is_empty() {
        let ids: Vec<i64> = changes.iter().map(|(change, _)| *change).collect();
        if store.mark_federated(&ids, now).await? > 0 {
            let mut articles: Vec<i64> = changes.iter().map(|(_, article)| *article).collect();
            articles.sort_unstable();
            articles.dedup();
            let site = store.site().await?;
            let before = store.sent_objects(&articles).await?;
            for id in articles {
                let article = match store.article(id).await {
                    Ok(a) => a,
                    // Deleted since: its Delete goes with the deleted ones below.
                    Err(masthead_store::StoreError::NotFound) => continue,
                    Err(e) => return Err(e.into()),
                };
                let was = before.iter().find(|o| o.article_id == id);
                let was_sent = was.is_some_and(|o| o.state == "sent");
                if super::is_public(&article, now) {
                    let object = ap::article_object(&site, &article);
                    let digest = digest_of(&object);
                    if was_sent && was.is_some_and(|o| o.digest == digest) {
                        continue;
                    }
                    let kind = if was_sent { "Update" } else { "Create" };
                    let actors = senders(&article);
                    for actor in &actors {
                        let activity_id = site.url(&format!(
                            "/ap/activities/{}/{id}/{}/{}",
                            kind.to_ascii_lowercase(),
                            &digest[..16],
                            actor.key().replace(':', "-")
                        ));
                        let body = ap::activity(&site, kind, &activity_id, *actor, object.clone(), now);
                        send(newsroom, *actor, kind, Some(id), &activity_id, &body, now).await?;
                        sent += 1;
                    }
                    store.set_sent_object(id, "sent", &digest, now).await?;
                } else if was_sent {
                    sent += send_delete(newsroom, &site, id, now).await?;
                }
            }
        }
    }
    for id in store.objects_being_deleted(CHANGES_PER_TURN).await? {
        let site = store.site().await?;
        sent += send_delete(newsroom, &site, id, now).await?;
    }
    Ok(sent)
}

/// Who sends an article: the outlet, and each of its own authors.
fn senders(a: &masthead_core::Article) -> Vec<ActorKey> {
    let mut actors = vec![ActorKey::Outlet];
    actors.extend(ap::attributed_to(a).into_iter().filter(|k| *k != ActorKey::Outlet));
    actors
}

/// `Delete` from every actor that sent the article, and the record that it is gone.
async fn send_delete(
    newsroom: &Newsroom,
    site: &Site,
    article_id: i64,
    now: jiff::Timestamp,
) -> Outcome<usize> {
    let store = newsroom.store();
    let mut actors: Vec<ActorKey> = store
        .forget_article_activities(article_id)
        .await?
        .iter()
        .filter_map(|k| ActorKey::parse(k))
        .collect();
    if actors.is_empty() {
        actors.push(ActorKey::Outlet);
    }
    let stamp = now.as_second();
    for actor in &actors {
        let activity_id = site
            .url(&format!("/ap/activities/delete/{article_id}/{stamp}/{}", actor.key().replace(':', "-")));
        let body = ap::delete(site, &activity_id, *actor, article_id, now);
        send(newsroom, *actor, "Delete", Some(article_id), &activity_id, &body, now).await?;
    }
    store.set_sent_object(article_id, "deleted", "", now).await?;
    Ok(actors.len())
}

/// Records an activity of `actor` and queues it for each server that follows `actor`.
pub(super) async fn send(
    newsroom: &Newsroom,
    actor: ActorKey,
    kind: &str,
    article_id: Option<i64>,
    activity_id: &str,
    body: &serde_json::Value,
    now: jiff::Timestamp,
) -> Outcome<()> {
    let store = newsroom.store();
    let activity = NewActivity {
        id: activity_id.to_string(),
        actor: actor.key(),
        kind: kind.to_string(),
        article_id,
        body: body.to_string(),
    };
    let actors = [actor.key()];
    let mut after: Option<String> = None;
    loop {
        let targets = store.delivery_targets(&actors, after.as_deref(), TARGETS_PER_READ).await?;
        store.send_activity(&activity, &targets, now).await?;
        if targets.len() < TARGETS_PER_READ as usize {
            break;
        }
        after = targets.last().map(|(inbox, _)| inbox.clone());
    }
    Ok(())
}

/// What followers see of an object, as a short digest: its JSON without `updated` (a save that
/// changed nothing they see sends nothing).
fn digest_of(object: &serde_json::Value) -> String {
    let mut object = object.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("updated");
    }
    let hash = Sha256::digest(object.to_string().as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}
