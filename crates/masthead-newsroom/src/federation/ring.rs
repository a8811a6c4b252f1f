//! The federation keys this node holds in memory, by actor: apart from `keys.rs`, which makes
//! and reads them, so that the `Newsroom` can hold them without importing what uses it.

use std::sync::Arc;

use masthead_formats::activitypub::{ActorKey, PublicKeys};
use masthead_formats::http_signatures::PrivateKey;

/// An actor's keys, private and public.
pub struct ActorKeys {
    pub rsa: PrivateKey,
    pub ed25519: PrivateKey,
    pub public: PublicKeys,
}

impl std::fmt::Debug for ActorKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorKeys").field("public", &self.public).finish_non_exhaustive()
    }
}

/// The keys made or read on this node, by actor.
#[derive(Debug, Default)]
pub struct KeyRing {
    keys: std::sync::Mutex<std::collections::HashMap<ActorKey, Arc<ActorKeys>>>,
}

impl KeyRing {
    pub(super) fn get(&self, actor: &ActorKey) -> Option<Arc<ActorKeys>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).get(actor).cloned()
    }

    pub(super) fn insert(&self, actor: ActorKey, keys: Arc<ActorKeys>) -> Arc<ActorKeys> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).entry(actor).or_insert(keys).clone()
    }
}
