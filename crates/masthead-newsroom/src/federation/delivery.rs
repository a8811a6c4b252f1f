//! Delivering activities: due deliveries are claimed (a few per server at a time, on any
//! node), signed with the sending actor's RSA key and posted. A server is first sent an RFC
//! 9421 signature; one that refuses it (401, 403) is sent the same activity again at once with
//! a draft-cavage signature (the "double knock"), and the scheme it took is remembered. A
//! failure is tried again with waits that double, from a minute up to six hours; after three
//! days a delivery is given up, and a server that has failed for a week is dropped with its
//! followers.

use std::time::Duration;

use futures_util::StreamExt as _;
use jiff::{SignedDuration, Timestamp};
use masthead_formats::activitypub::{ActorKey, MEDIA_TYPE};
use masthead_formats::http_signatures::{self as sig, Scheme};
use masthead_store::Delivery;
use url::Url;

use super::keys::keys_of;
use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::work::Kind;

/// Deliveries claimed in one turn: with [`CONCURRENCY`] at once and at most 40 s each (two
/// knocks), a turn ends well within its lease (`DELIVERY_LEASE_SECONDS`).
const PER_TURN: u32 = 256;
/// Deliveries to one server under way at once.
const PER_HOST: u32 = 4;
/// Deliveries under way at once, all servers together.
const CONCURRENCY: usize = 64;
/// How long deliveries are tried.
const GIVE_UP_AFTER: SignedDuration = SignedDuration::from_hours(72);
/// How long a server may fail every delivery before it is dropped.
const DEAD_AFTER: SignedDuration = SignedDuration::from_hours(24 * 7);

/// What a turn did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub retried: usize,
    pub given_up: usize,
}

enum Result_ {
    Sent(&'static str),
    Retry(String),
    GiveUp(String),
    /// The inbox answered 410: it is gone, and so are the followers behind it. (A 404 may be
    /// a shared inbox's passing fault: that delivery is refused, the followers kept.)
    Gone(u16),
}

/// Turns of deliveries one after another while each finds a full batch, for at most `budget`
/// (a job's turn stays bounded, so that a stop waits for at most that long).
pub async fn deliver_for(newsroom: &Newsroom, budget: Duration) -> Outcome<Delivered> {
    let started = std::time::Instant::now();
    let mut total = Delivered::default();
    loop {
        let (done, claimed) = deliver_turn(newsroom, Timestamp::now()).await?;
        total.sent += done.sent;
        total.retried += done.retried;
        total.given_up += done.given_up;
        if claimed < PER_TURN as usize || started.elapsed() >= budget {
            return Ok(total);
        }
    }
}

/// One turn of deliveries.
pub async fn deliver_due(newsroom: &Newsroom, now: Timestamp) -> Outcome<Delivered> {
    Ok(deliver_turn(newsroom, now).await?.0)
}

/// One turn: what it did, and how many deliveries it claimed.
async fn deliver_turn(newsroom: &Newsroom, now: Timestamp) -> Outcome<(Delivered, usize)> {
    let store = newsroom.store();
    let claimed = store.claim_deliveries(PER_TURN, PER_HOST, now).await?;
    let count = claimed.len();
    let mut done = Delivered::default();
    if claimed.is_empty() {
        return Ok((done, 0));
    }
    let site = store.site().await?;
    let site = &site;
    let results: Vec<(Delivery, Result_)> = futures_util::stream::iter(claimed)
        .map(|d| async move {
            let result = deliver(newsroom, site, &d, now).await;
            (d, result)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    // What went through, written in one transaction.
    let sent: Vec<(i64, String, &'static str)> = results
        .iter()
        .filter_map(|(d, r)| match r {
            Result_::Sent(scheme) => Some((d.id, d.host.clone(), *scheme)),
            _ => None,
        })
        .collect();
    store.delivered_many(&sent).await?;
    done.sent = sent.len();
    for (d, result) in results {
        match result {
            Result_::Sent(_) => {}
            Result_::Retry(error) if now.duration_since(d.created_at) < GIVE_UP_AFTER => {
                let wait = 60i64.saturating_mul(1 << d.attempts.clamp(1, 20).saturating_sub(1)).min(6 * 3600);
                let retry_at = now + SignedDuration::from_secs(wait);
                store.delivery_failed(d.id, &d.host, &error, Some(retry_at), true, now).await?;
                done.retried += 1;
            }
            Result_::Gone(status) => {
                let removed = store.remove_followers_at(&d.inbox).await?;
                tracing::info!(inbox = %d.inbox, status, removed, "an inbox is gone; its followers were removed");
                let error = format!("the inbox answered {status}");
                store.delivery_failed(d.id, &d.host, &error, None, false, now).await?;
                done.given_up += 1;
            }
            Result_::Retry(error) => {
                tracing::info!(inbox = %d.inbox, activity = %d.activity_id, %error, "a delivery was given up");
                store.delivery_failed(d.id, &d.host, &error, None, true, now).await?;
                done.given_up += 1;
            }
            Result_::GiveUp(error) => {
                tracing::info!(inbox = %d.inbox, activity = %d.activity_id, %error, "a delivery was refused");
                store.delivery_failed(d.id, &d.host, &error, None, false, now).await?;
                done.given_up += 1;
            }
        }
    }
    let dropped = store.drop_dead_hosts(now - DEAD_AFTER).await?;
    if !dropped.is_empty() {
        tracing::info!(
            ?dropped,
            "servers that failed every delivery for a week were dropped with their followers"
        );
    }
    Ok((done, count))
}

async fn deliver(newsroom: &Newsroom, site: &masthead_core::Site, d: &Delivery, now: Timestamp) -> Result_ {
    let Ok(url) = Url::parse(&d.inbox) else {
        return Result_::GiveUp(format!("{} is not an address", d.inbox));
    };
    let Some(actor) = ActorKey::parse(&d.actor) else {
        return Result_::GiveUp(format!("{} is not one of our actors", d.actor));
    };
    let first = if d.scheme == "cavage" { Scheme::Cavage } else { Scheme::Rfc9421 };
    let key_id = actor.rsa_key_id(site);
    let status = match post(newsroom, actor, &key_id, &url, &d.body, first, now).await {
        Ok(status) => status,
        Err(error) => return Result_::Retry(error),
    };
    let (status, scheme) = if matches!(status, 401 | 403) && first == Scheme::Rfc9421 {
        // The double knock: the same activity, signed the older way.
        match post(newsroom, actor, &key_id, &url, &d.body, Scheme::Cavage, now).await {
            Ok(status) => (status, Scheme::Cavage),
            Err(error) => return Result_::Retry(error),
        }
    } else {
        (status, first)
    };
    let name = match scheme {
        Scheme::Rfc9421 => "rfc9421",
        Scheme::Cavage => "cavage",
    };
    match status {
        200..=299 => Result_::Sent(name),
        410 => Result_::Gone(status),
        408 | 429 | 500..=599 => Result_::Retry(format!("the server answered {status}")),
        _ => Result_::GiveUp(format!("the server answered {status}")),
    }
}

/// Signs and posts `body`; the status, or why nothing was answered.
async fn post(
    newsroom: &Newsroom,
    actor: ActorKey,
    key_id: &str,
    url: &Url,
    body: &str,
    scheme: Scheme,
    now: Timestamp,
) -> Result<u16, String> {
    let headers = signed_headers(newsroom, actor, key_id, "POST", url, body.as_bytes(), scheme, now)
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::timeout(
        Duration::from_secs(20),
        newsroom.outbound().post_with(url, MEDIA_TYPE, &headers, body.as_bytes().to_vec()),
    )
    .await
    .map_err(|_| "the server did not answer in time".to_string())?
    .map_err(|e| e.to_string())
}

/// The headers that sign a request from `actor` with its RSA key (which every server checks),
/// named `key_id`, made on a blocking thread (an RSA signature is a millisecond of CPU).
#[allow(clippy::too_many_arguments)]
pub(super) async fn signed_headers(
    newsroom: &Newsroom,
    actor: ActorKey,
    key_id: &str,
    method: &'static str,
    url: &Url,
    body: &[u8],
    scheme: Scheme,
    now: Timestamp,
) -> Outcome<Vec<(&'static str, String)>> {
    let keys = keys_of(newsroom, actor).await?;
    let (url, body, key_id) = (url.clone(), body.to_vec(), key_id.to_string());
    newsroom
        .work()
        .run(Kind::Body, move || {
            let request = sig::Outgoing { method, url: &url, body: &body };
            let signer = sig::Signer { key_id: &key_id, key: &keys.rsa };
            sig::sign(&request, &signer, scheme, now)
        })
        .await
        .map_err(|e| Failure::Internal(format!("could not sign a request: {e}")))
}
