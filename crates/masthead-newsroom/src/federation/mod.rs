//! Federation (ActivityPub): the outlet and its own authors as actors that other servers
//! follow. What we publish goes out as activities, delivered by a job; what other servers
//! send is kept first, then checked (signature, key owner, origin) and done by a job, because
//! checking may mean fetching a key and nothing fetches another site while a request waits.
//!
//! `actors` answers what others read of us; `inbox` takes and does what they send; `outbox`
//! turns article changes into activities; `delivery` signs and sends them, RFC 9421 first and
//! draft-cavage when a server refuses it; `keys` holds each actor's keys.

mod actors;
mod delivery;
mod inbox;
mod keys;
mod outbox;
mod ring;

pub use actors::{
    ObjectAnswer, Standing, activity, actor_document, empty_collection, featured, followers, nodeinfo,
    object, outbox, resolve, standing, webfinger,
};
pub use delivery::{Delivered, deliver_due, deliver_for};
pub use inbox::{MAX_ACTIVITY_BYTES, Received, process_received, receive};
pub use keys::keys_of;
pub use outbox::federate_changes;
pub use ring::{ActorKeys, KeyRing};

use masthead_core::{Article, ArticleStatus};

/// Whether followers may see the article: published, its time come, not withdrawn.
pub fn is_public(a: &Article, now: jiff::Timestamp) -> bool {
    a.status == ArticleStatus::Published && a.withdrawal.is_none() && a.published_at.is_some_and(|t| t <= now)
}
