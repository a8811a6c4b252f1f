//! What other servers send. `receive` (while the request waits) reads the activity and its
//! signature's key id, refuses what is plainly wrong (no signature, not JSON, a blocked
//! server, too large) and keeps the rest; `process_received` (a job) fetches the signer's key
//! when it is not known, checks the signature, that the key belongs to the activity's actor
//! and that the activity comes from the actor's own server, then does what it says:
//! - `Follow` of one of our actors: the follower is kept and answered `Accept`; `Undo` of it:
//!   forgotten (a blocked server's or account's activities are dropped unanswered);
//! - a `Create` of a reply to one of our articles (or to a reply to one, answered under it): a
//!   comment held for the newsroom, its writer named and linked; `Update` of it: the comment's
//!   text again; `Delete`: the comment goes;
//! - `Like` and `Announce` of an article: counted; `Undo`: taken back;
//! - `Delete` of an account: it no longer follows us.
//!
//! Documents are read as plain JSON; nothing is expanded from the network.

use jiff::{SignedDuration, Timestamp};
use masthead_core::Site;
use masthead_formats::activitypub::{self as ap, Activity, ActorKey, MEDIA_TYPE};
use masthead_formats::http_signatures::{self as sig, Scheme};
use masthead_store::{NewComment, NewFollower, ReceivedActivity, RemoteActor, RemoteKey};
use serde_json::Value;
use url::Url;

use super::delivery::signed_headers;
use crate::context::Newsroom;
use crate::error::{Failure, Outcome};

/// The largest activity taken.
pub const MAX_ACTIVITY_BYTES: usize = 256 * 1024;
/// The longest id (of the activity, its actor, the signing key) taken.
pub const MAX_ID_BYTES: usize = 2048;
/// Activities checked in one turn.
const PER_TURN: u32 = 100;
/// How long a fetched key is trusted before it is fetched again.
const KEY_FRESH_FOR: SignedDuration = SignedDuration::from_hours(24);
/// How long after a key was fetched a signature it does not verify is simply refused, rather
/// than the key fetched again (it may have changed).
const REFETCH_AFTER: SignedDuration = SignedDuration::from_mins(5);
/// How many times an activity whose key could not be fetched is tried.
const MAX_ATTEMPTS: i64 = 5;

/// What `receive` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Kept, to be checked and done shortly (202).
    Queued,
    /// From an account we do not hear from (or about nothing we have): taken and dropped.
    Ignored,
}

/// Takes an activity posted to one of our inboxes (`shared`, `outlet`, `author:<id>`), at the
/// absolute address `target`, with the request's headers (names in lower case).
pub async fn receive(
    newsroom: &Newsroom,
    inbox: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
    now: Timestamp,
) -> Outcome<Received> {
    if body.len() > MAX_ACTIVITY_BYTES {
        return Err(Failure::Invalid { field: "body", message: "the activity is too large".into() });
    }
    let activity: Activity = serde_json::from_slice(body).map_err(|e| Failure::Invalid {
        field: "body",
        message: format!("the activity could not be read: {e}"),
    })?;
    let incoming = sig::Incoming { method: "POST", target_uri: target, headers, body };
    let claimed =
        sig::key_id(&incoming).map_err(|e| Failure::Forbidden(format!("the request is not signed: {e}")))?;
    let actor = activity.actor.id().unwrap_or_default();
    if !ap::is_http(actor) {
        return Err(Failure::Invalid { field: "actor", message: "the activity names no actor".into() });
    }
    for (field, value) in [("id", activity.id.as_str()), ("actor", actor), ("keyId", claimed.key_id.as_str())]
    {
        if value.len() > MAX_ID_BYTES {
            return Err(Failure::Invalid {
                field,
                message: format!("the {field} is longer than {MAX_ID_BYTES} bytes"),
            });
        }
    }
    let site = newsroom.store().site().await?;
    if site.fediverse_blocks(actor) {
        return Ok(Received::Ignored);
    }
    let headers = serde_json::to_string(headers).map_err(|e| Failure::Internal(e.to_string()))?;
    let body = std::str::from_utf8(body)
        .map_err(|_| Failure::Invalid { field: "body", message: "the activity is not UTF-8".into() })?;
    let key_host =
        Url::parse(&claimed.key_id).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
    match newsroom.store().queue_received(inbox, target, &headers, body, &key_host, now).await? {
        Some(_) => Ok(Received::Queued),
        None => Err(Failure::Unavailable("too many activities are waiting to be checked".into())),
    }
}

/// One turn: checks and does the activities received. Returns how many were taken.
pub async fn process_received(newsroom: &Newsroom, now: Timestamp) -> Outcome<usize> {
    let store = newsroom.store();
    // Ids seen longer ago than any signature holds are no use against replays.
    store.forget_seen(now - SignedDuration::from_hours(2), 10_000).await?;
    let claimed = store.claim_received(PER_TURN, now).await?;
    let count = claimed.len();
    for item in claimed {
        // One that keeps failing (whatever the reason) is not tried for ever.
        if item.attempts > MAX_ATTEMPTS + 2 {
            tracing::info!(inbox = %item.inbox, "an activity that kept failing was dropped");
            store.forget_received(item.id).await?;
            continue;
        }
        if let Err(e) = process_one(newsroom, &item, now).await {
            // The next turn takes it again; others go on now.
            tracing::warn!(error = %e, "an activity could not be checked or done; it will be tried again");
        }
    }
    Ok(count)
}

async fn process_one(newsroom: &Newsroom, item: &ReceivedActivity, now: Timestamp) -> Outcome<()> {
    let store = newsroom.store();
    match check(newsroom, item, now).await? {
        Checked::Verified(activity, raw) => {
            let actor = activity.actor.id().unwrap_or_default();
            if !store.first_sight(&format!("{actor} {}", activity.id), now).await? {
                tracing::debug!(activity = %activity.id, "an activity already done was sent again");
            } else if let Err(e) = act(newsroom, &activity, &raw, now).await {
                tracing::info!(activity = %activity.id, error = %e, "an activity could not be done");
            }
            store.forget_received(item.id).await?;
        }
        Checked::ActorGone(actor) => {
            let removed = store.remove_follower(None, &actor).await?;
            tracing::info!(%actor, removed, "an account deleted on its server follows no more");
            store.forget_received(item.id).await?;
        }
        Checked::Refused(reason) => {
            tracing::info!(inbox = %item.inbox, %reason, "an activity was refused");
            store.forget_received(item.id).await?;
        }
        Checked::KeyUnreachable(reason) if item.attempts < MAX_ATTEMPTS => {
            let wait = SignedDuration::from_secs(30 * (1 << item.attempts.clamp(0, 10)));
            tracing::debug!(%reason, "a signer's key could not be fetched; trying again");
            store.retry_received(item.id, now + wait).await?;
        }
        Checked::KeyUnreachable(reason) => {
            tracing::info!(%reason, "an activity was dropped: its signer's key could not be fetched");
            store.forget_received(item.id).await?;
        }
    }
    Ok(())
}

enum Checked {
    Verified(Activity, Value),
    /// The account was deleted on its server (which answers that its document is gone).
    ActorGone(String),
    Refused(String),
    KeyUnreachable(String),
}

async fn check(newsroom: &Newsroom, item: &ReceivedActivity, now: Timestamp) -> Outcome<Checked> {
    let headers: Vec<(String, String)> = match serde_json::from_str(&item.headers) {
        Ok(h) => h,
        Err(e) => return Ok(Checked::Refused(format!("headers unreadable: {e}"))),
    };
    let raw: Value = match serde_json::from_str(&item.body) {
        Ok(v) => v,
        Err(e) => return Ok(Checked::Refused(format!("not JSON: {e}"))),
    };
    let activity: Activity = match serde_json::from_value(raw.clone()) {
        Ok(a) => a,
        Err(e) => return Ok(Checked::Refused(format!("not an activity: {e}"))),
    };
    let incoming = sig::Incoming {
        method: "POST",
        target_uri: &item.target,
        headers: &headers,
        body: item.body.as_bytes(),
    };
    let claimed = match sig::key_id(&incoming) {
        Ok(c) => c,
        Err(e) => return Ok(Checked::Refused(e.to_string())),
    };
    let actor = activity.actor.id().unwrap_or_default().to_string();
    // The activity must come from its actor's server, and say so of itself.
    if ap::origin_of(&actor).is_none() || ap::origin_of(&actor) != ap::origin_of(&activity.id) {
        return Ok(Checked::Refused(format!(
            "the activity {} is not from its actor's server ({actor})",
            activity.id
        )));
    }
    let mut key = match newsroom.store().remote_key(&claimed.key_id).await? {
        Some(k) if now.duration_since(k.fetched_at) < KEY_FRESH_FOR => Some(k),
        _ => None,
    };
    let mut fetched = false;
    loop {
        let k = match key.take() {
            Some(k) => k,
            None => {
                fetched = true;
                match fetch_key(newsroom, &claimed.key_id, now).await {
                    Ok(k) => k,
                    Err(KeyFetch::Unreachable(reason)) => return Ok(Checked::KeyUnreachable(reason)),
                    Err(KeyFetch::Refused(reason)) => return Ok(Checked::Refused(reason)),
                    // An account deleted on its server signs its own Delete with a key that is
                    // gone with it. Its server answering so for the actor's own document is the
                    // proof.
                    Err(KeyFetch::Gone(_))
                        if activity.kind() == "Delete"
                            && activity.object.as_ref().and_then(|o| o.id()) == Some(actor.as_str())
                            && claimed.key_id.split('#').next() == Some(actor.as_str()) =>
                    {
                        return Ok(Checked::ActorGone(actor));
                    }
                    Err(KeyFetch::Gone(reason)) => return Ok(Checked::Refused(reason)),
                }
            }
        };
        if k.actor != actor {
            return Ok(Checked::Refused(format!(
                "the key {} belongs to {}, not to {actor}",
                k.key_id, k.actor
            )));
        }
        let public = match parse_key(&k.public_key) {
            Ok(p) => p,
            Err(e) => return Ok(Checked::Refused(format!("the key {} is unreadable: {e}", k.key_id))),
        };
        // The signature's date is judged against when the request came, not when the job got
        // to it (a backlog must not make good requests stale).
        match sig::verify(&incoming, &claimed, &public, item.received_at) {
            Ok(()) => return Ok(Checked::Verified(activity, raw)),
            // The key may have changed since we fetched it: fetch it once more, unless it was
            // fetched a moment ago (a stream of bad signatures must not make us fetch it again
            // and again).
            Err(sig::SignatureError::BadSignature)
                if !fetched && now.duration_since(k.fetched_at) >= REFETCH_AFTER =>
            {
                continue;
            }
            Err(e) => return Ok(Checked::Refused(format!("the signature does not hold: {e}"))),
        }
    }
}

fn parse_key(text: &str) -> Result<sig::PublicKey, sig::SignatureError> {
    if text.starts_with('z') { sig::PublicKey::from_multibase(text) } else { sig::PublicKey::from_pem(text) }
}

enum KeyFetch {
    Unreachable(String),
    Refused(String),
    /// The document answered 404 or 410.
    Gone(String),
}

/// Fetches the document a key id names (the actor's, or the key's own that names its owner),
/// keeps the actor and its keys, and returns the key. The key must be on its owner's server,
/// and a key's own document must be that key.
async fn fetch_key(newsroom: &Newsroom, key_id: &str, now: Timestamp) -> Result<RemoteKey, KeyFetch> {
    let url = Url::parse(key_id)
        .map_err(|_| KeyFetch::Refused(format!("the key id {key_id} is not an address")))?;
    let doc = fetch_document(newsroom, &url, now).await?;
    let owner = doc.get("owner").or_else(|| doc.get("controller")).and_then(Value::as_str);
    let actor_doc = match (ap::type_of(&doc), owner) {
        // A key's own document: its owner's holds the rest.
        (Some("Key" | "CryptographicKey" | "Multikey"), Some(owner)) | (None, Some(owner)) => {
            if doc.get("id").and_then(Value::as_str) != Some(key_id) {
                return Err(KeyFetch::Refused(format!("the document of {key_id} is another key")));
            }
            let owner = Url::parse(owner)
                .map_err(|_| KeyFetch::Refused("the key's owner is not an address".into()))?;
            fetch_document(newsroom, &owner, now).await?
        }
        _ => doc,
    };
    let actor_id = actor_doc.get("id").and_then(Value::as_str).unwrap_or_default();
    if ap::origin_of(actor_id).is_none() || ap::origin_of(actor_id) != ap::origin_of(key_id) {
        return Err(KeyFetch::Refused(format!("the key {key_id} is not on its owner's server ({actor_id})")));
    }
    let actor = remember_actor(newsroom, &actor_doc, now).await?;
    actor
        .into_iter()
        .find(|k| k.key_id == key_id)
        .ok_or_else(|| KeyFetch::Refused(format!("no key {key_id} in its owner's document")))
}

/// Reads and keeps an actor's document: the actor, and each key it owns. Returns the keys.
async fn remember_actor(
    newsroom: &Newsroom,
    doc: &Value,
    now: Timestamp,
) -> Result<Vec<RemoteKey>, KeyFetch> {
    let actor = ap::read_actor(doc).map_err(|e| KeyFetch::Refused(format!("not an actor: {e}")))?;
    let handle = confirmed_handle(newsroom, &actor.id, &actor.username).await;
    let store = newsroom.store();
    let unavailable = |e: masthead_store::StoreError| KeyFetch::Unreachable(e.to_string());
    store
        .save_remote_actor(&RemoteActor {
            id: actor.id.clone(),
            inbox: actor.inbox.clone(),
            shared_inbox: actor.shared_inbox.clone(),
            name: actor.name.clone(),
            handle,
            url: actor.url.clone(),
            fetched_at: now,
        })
        .await
        .map_err(unavailable)?;
    let mut keys = Vec::new();
    for (key_id, public_key) in &actor.keys {
        let key = RemoteKey {
            key_id: key_id.clone(),
            actor: actor.id.clone(),
            public_key: public_key.clone(),
            fetched_at: now,
        };
        store.save_remote_key(&key).await.map_err(unavailable)?;
        keys.push(key);
    }
    Ok(keys)
}

/// The actor's handle (`name@domain`) as WebFinger confirms it; empty when an answer names
/// another account (refused: anyone can claim a handle), or none came. A handle on another
/// domain than the actor's server (`acct:ana@example.org` for `social.example.org`) is asked of
/// that domain too, which must name the same actor.
async fn confirmed_handle(newsroom: &Newsroom, actor_id: &str, username: &str) -> String {
    let Ok(id) = Url::parse(actor_id) else { return String::new() };
    let (Some(host), false) = (id.host_str(), username.is_empty()) else { return String::new() };
    let authority = match id.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    let Some(handle) = webfinger_names(newsroom, &id, &format!("{username}@{authority}"), actor_id).await
    else {
        return String::new();
    };
    let domain = handle.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    if domain.eq_ignore_ascii_case(&authority) {
        return handle;
    }
    let mut there = id.clone();
    if there.set_host(Some(domain)).is_err() || there.set_port(None).is_err() {
        return String::new();
    }
    match webfinger_names(newsroom, &there, &handle, actor_id).await {
        Some(confirmed) if confirmed == handle => handle,
        _ => String::new(),
    }
}

/// What the WebFinger of `server` (its scheme and host) answers for `acct:{account}`, when the
/// answer names `actor_id`.
async fn webfinger_names(newsroom: &Newsroom, server: &Url, account: &str, actor_id: &str) -> Option<String> {
    let mut url = server.clone();
    url.set_path("/.well-known/webfinger");
    url.set_query(None);
    url.set_fragment(None);
    url.query_pairs_mut().append_pair("resource", &format!("acct:{account}"));
    let Ok((200, _, body)) =
        newsroom.outbound().get_with(&url, "application/jrd+json, application/json", &[]).await
    else {
        return None;
    };
    let jrd = serde_json::from_slice::<Value>(&body).ok()?;
    match ap::handle_from_webfinger(&jrd, actor_id) {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::info!(actor = actor_id, error = %e, "a WebFinger answer was refused");
            None
        }
    }
}

/// GETs an ActivityPub document, signed by the outlet (servers in "authorized fetch" mode ask
/// for it), through the outbound client's rules. The document must be what it says it is: its
/// `id` (without a fragment) is the address it came from, after any redirect. Otherwise a
/// server could serve a document in another account's name.
async fn fetch_document(newsroom: &Newsroom, url: &Url, now: Timestamp) -> Result<Value, KeyFetch> {
    let site = newsroom.store().site().await.map_err(|e| KeyFetch::Unreachable(e.to_string()))?;
    let key_id = ActorKey::Outlet.rsa_key_id(&site);
    let headers = signed_headers(newsroom, ActorKey::Outlet, &key_id, "GET", url, b"", Scheme::Cavage, now)
        .await
        .map_err(|e| KeyFetch::Unreachable(e.to_string()))?;
    let accept =
        format!("{MEDIA_TYPE}, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"");
    let (status, came_from, body) = newsroom
        .outbound()
        .get_with(url, &accept, &headers)
        .await
        .map_err(|e| KeyFetch::Unreachable(format!("{url}: {e}")))?;
    let doc: Value = match status {
        200..=299 => {
            serde_json::from_slice(&body).map_err(|e| KeyFetch::Refused(format!("{url} is not JSON: {e}")))?
        }
        404 | 410 => return Err(KeyFetch::Gone(format!("{url} answered {status}"))),
        _ => return Err(KeyFetch::Unreachable(format!("{url} answered {status}"))),
    };
    let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    if without_fragment(id) != without_fragment(came_from.as_str()) {
        return Err(KeyFetch::Refused(format!("{came_from} served a document whose id is {id:?}")));
    }
    Ok(doc)
}

/// An address without its `#fragment`.
fn without_fragment(address: &str) -> &str {
    address.split('#').next().unwrap_or_default()
}

/// An actor as we last fetched it, fetched now when unknown.
async fn actor_of(newsroom: &Newsroom, id: &str, now: Timestamp) -> Outcome<RemoteActor> {
    if let Some(actor) = newsroom.store().remote_actor(id).await? {
        return Ok(actor);
    }
    let url =
        Url::parse(id).map_err(|_| Failure::Invalid { field: "actor", message: "not an address".into() })?;
    let doc = fetch_document(newsroom, &url, now).await.map_err(|e| match e {
        KeyFetch::Unreachable(r) | KeyFetch::Refused(r) | KeyFetch::Gone(r) => Failure::Refused(r),
    })?;
    remember_actor(newsroom, &doc, now).await.map_err(|e| match e {
        KeyFetch::Unreachable(r) | KeyFetch::Refused(r) | KeyFetch::Gone(r) => Failure::Refused(r),
    })?;
    newsroom.store().remote_actor(id).await?.ok_or_else(|| Failure::Refused(format!("{id} is not an actor")))
}

/// Our article a reference names: its object id, or its page's address.
async fn our_article(newsroom: &Newsroom, site: &Site, reference: &str) -> Option<i64> {
    let article = match ap::article_of_object(site, reference) {
        Some(id) => newsroom.store().article(id).await.ok()?,
        None => {
            let path = reference.strip_prefix(site.url("/").trim_end_matches('/'))?;
            let slug = path.strip_prefix("/article/")?.trim_end_matches('/');
            let slug = masthead_core::Slug::parse(slug).ok()?;
            newsroom.store().article_by_slug(&slug).await.ok()?
        }
    };
    // Only what followers may see: a draft's address names nothing.
    super::is_public(&article, jiff::Timestamp::now()).then_some(article.id)
}

async fn act(newsroom: &Newsroom, activity: &Activity, raw: &Value, now: Timestamp) -> Outcome<()> {
    let store = newsroom.store();
    let site = store.site().await?;
    let actor = activity.actor.id().unwrap_or_default();
    if site.fediverse_blocks(actor) {
        return Ok(());
    }
    let object = activity.object.as_ref();
    let object_id = object.and_then(|o| o.id()).unwrap_or_default();
    match activity.kind() {
        "Follow" => {
            let Some(ours) = ActorKey::from_id(&site, object_id) else { return Ok(()) };
            // Only an author who writes for the outlet is an account here.
            if let ActorKey::Author(id) = ours
                && !store.author(id).await.is_ok_and(|a| a.outlet_id.is_none())
            {
                return Ok(());
            }
            let follower = actor_of(newsroom, actor, now).await?;
            let kind = if site.fediverse_blocks(&follower.id) { "Reject" } else { "Accept" };
            if kind == "Accept" {
                let host = Url::parse(&follower.inbox)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_default();
                store
                    .add_follower(
                        &NewFollower {
                            actor: ours.key(),
                            follower: follower.id.clone(),
                            inbox: follower.inbox.clone(),
                            shared_inbox: follower.shared_inbox.clone(),
                            host,
                            follow_id: activity.id.clone(),
                        },
                        now,
                    )
                    .await?;
            }
            let answer_id = site.url(&format!(
                "/ap/activities/{}/{}",
                kind.to_ascii_lowercase(),
                short_hash(&activity.id)
            ));
            let body = ap::answer_follow(&site, kind, &answer_id, ours, raw);
            let host = Url::parse(&follower.inbox)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            let activity = masthead_store::NewActivity {
                id: answer_id,
                actor: ours.key(),
                kind: kind.into(),
                article_id: None,
                body: body.to_string(),
            };
            store.send_activity(&activity, &[(follower.inbox.clone(), host)], now).await?;
        }
        "Undo" => {
            let inner = object.and_then(|o| o.object());
            match (object.and_then(|o| o.kind()), inner) {
                (Some("Follow"), Some(follow)) => {
                    let target = follow.get("object").and_then(ap::first_id).unwrap_or_default();
                    if let Some(ours) = ActorKey::from_id(&site, target) {
                        store.remove_follower(Some(&ours.key()), actor).await?;
                    }
                }
                _ => {
                    if let Some(ours) = store.followed_by_follow(actor, object_id).await? {
                        store.remove_follower(Some(&ours), actor).await?;
                    } else {
                        store.remove_reaction(actor, object_id).await?;
                    }
                }
            }
        }
        "Create" | "Update" => {
            let Some(note) = object.and_then(|o| o.object()) else { return Ok(()) };
            let in_reply_to = note.get("inReplyTo").and_then(ap::first_id).unwrap_or_default();
            // A reply to one of our articles, or to a reply to one (answers are one level deep,
            // as readers' are: an answer to an answer goes under the comment it answers).
            let (article_id, parent_id) = match our_article(newsroom, &site, in_reply_to).await {
                Some(article) => (article, None),
                None => match store.remote_comment_place(&format!("activitypub:{in_reply_to}")).await? {
                    Some((comment, article, parent)) => (article, Some(parent.unwrap_or(comment))),
                    None => return Ok(()),
                },
            };
            let note_id = note.get("id").and_then(Value::as_str).unwrap_or_default();
            let attributed = note.get("attributedTo").and_then(ap::first_id).unwrap_or_default();
            if ap::origin_of(note_id) != ap::origin_of(actor) || attributed != actor {
                return Err(Failure::Refused("a reply attributed to someone else".into()));
            }
            // A reply is its writer's: another account of the same server may not take it over,
            // and an Update of a note we never had makes nothing (edited again, it is held again).
            let source_key = format!("activitypub:{note_id}");
            match store.remote_comment_author(&source_key).await? {
                Some(writer) if writer != actor => {
                    return Err(Failure::Refused("an edit of someone else's reply".into()));
                }
                None if activity.kind() == "Update" => return Ok(()),
                _ => {}
            }
            let html = note.get("content").and_then(Value::as_str).unwrap_or_default();
            let body_html = masthead_core::comment::sanitize_remote_comment(html)
                .map_err(|e| Failure::Invalid { field: "content", message: e.to_string() })?;
            let writer = actor_of(newsroom, actor, now).await?;
            // The handle only as its server's WebFinger confirmed it.
            let name = match (writer.name.is_empty(), writer.handle.is_empty()) {
                (false, false) => format!("{} (@{})", writer.name, writer.handle),
                (true, false) => format!("@{}", writer.handle),
                (false, true) => writer.name.clone(),
                (true, true) => actor.to_string(),
            };
            let published = note
                .get("published")
                .and_then(Value::as_str)
                .and_then(|t| t.parse::<Timestamp>().ok())
                .filter(|t| *t <= now)
                .unwrap_or(now);
            store
                .upsert_comments(&[NewComment {
                    article_id,
                    parent_id,
                    author_name: name,
                    author_email: String::new(),
                    author_url: writer.id.clone(),
                    body_html,
                    created_at: published,
                    approved: false,
                    source_key: Some(source_key),
                }])
                .await?;
        }
        "Delete" => {
            if object_id == actor {
                store.remove_follower(None, actor).await?;
            } else if !object_id.is_empty() {
                store.delete_remote_comment(&format!("activitypub:{object_id}"), actor).await?;
            }
        }
        kind @ ("Like" | "Announce") => {
            if let Some(article_id) = our_article(newsroom, &site, object_id).await {
                store.add_reaction(article_id, actor, &kind.to_ascii_lowercase(), &activity.id, now).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn short_hash(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect()
}
