//! Each actor's keys: an RSA key (`publicKey`, what most servers check) and an Ed25519 key
//! (`assertionMethod`, FEP-521a). Made on first use and kept as a site secret
//! (`federation-key:<actor>`), so every node signs with the same keys; held in memory after.
//! Making an RSA key takes a fraction of a second of CPU: it runs on a blocking thread.

use std::sync::Arc;

use base64::Engine as _;
use masthead_formats::activitypub::{ActorKey, PublicKeys};
use masthead_formats::http_signatures::PrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::work::Kind;

use super::ring::ActorKeys;

const RSA_BITS: usize = 2048;

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredKeys {
    rsa_pkcs8_pem: String,
    ed25519_seed: String,
}

fn secret_name(actor: ActorKey) -> String {
    format!("federation-key:{}", actor.key())
}

/// `actor`'s keys: from memory, else from the site's secrets, else made now (the first node to
/// make them wins; the others take its keys).
pub async fn keys_of(newsroom: &Newsroom, actor: ActorKey) -> Outcome<Arc<ActorKeys>> {
    if let Some(keys) = newsroom.federation_keys().get(&actor) {
        return Ok(keys);
    }
    let name = secret_name(actor);
    let stored = match newsroom.store().find_site_secret(&name).await? {
        Some(stored) => stored,
        None => {
            let candidate = newsroom.work().run(Kind::Body, make_keys).await?;
            newsroom.store().site_secret(&name, &candidate).await?
        }
    };
    let keys = newsroom.work().run(Kind::Body, move || read_keys(&stored)).await?;
    Ok(newsroom.federation_keys().insert(actor, keys))
}

fn make_keys() -> Outcome<String> {
    let rsa = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS)
        .map_err(|e| Failure::Internal(format!("could not make an RSA key: {e}")))?;
    let pem = rsa
        .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .map_err(|e| Failure::Internal(format!("could not write the RSA key: {e}")))?
        .to_string();
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Failure::Internal(format!("no randomness for a key: {e}")))?;
    serde_json::to_string(&StoredKeys {
        rsa_pkcs8_pem: pem,
        ed25519_seed: base64::engine::general_purpose::STANDARD.encode(seed),
    })
    .map_err(|e| Failure::Internal(e.to_string()))
}

fn read_keys(stored: &str) -> Outcome<Arc<ActorKeys>> {
    let broken = |what: &str| Failure::Internal(format!("the stored federation key is unreadable: {what}"));
    let stored: StoredKeys = serde_json::from_str(stored).map_err(|e| broken(&e.to_string()))?;
    let rsa =
        rsa::RsaPrivateKey::from_pkcs8_pem(&stored.rsa_pkcs8_pem).map_err(|e| broken(&e.to_string()))?;
    let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(&stored.ed25519_seed)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| broken("the Ed25519 seed"))?;
    let rsa = PrivateKey::Rsa(rsa);
    let ed25519 = PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed));
    let public = PublicKeys {
        rsa_pem: rsa.public_key().to_pem().map_err(|e| broken(&e.to_string()))?,
        ed25519_multibase: ed25519.public_key().to_multibase().map_err(|e| broken(&e.to_string()))?,
    };
    Ok(Arc::new(ActorKeys { rsa, ed25519, public }))
}
