//! What can go wrong signing a request or checking one, in words an operator can act on:
//! which header, which component, which date, which key. It names problems; it must never
//! decide what a caller answers (a 401, a retry), which is the web edge's to say.

use jiff::Timestamp;

/// Why a request could not be signed, or why a received one is not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("the request carries no Signature header: it is unsigned")]
    Missing,
    #[error("could not read {header}: {reason}")]
    Malformed { header: &'static str, reason: String },
    #[error(
        "signature algorithm {algorithm:?} is not accepted here \
         (RFC 9421: rsa-v1_5-sha256, ed25519; draft-cavage: rsa-sha256, hs2019; digests: sha-256, sha-512)"
    )]
    Unsupported { algorithm: String },
    #[error("the signature does not cover {component}, which a request must have signed to be accepted")]
    NotCovered { component: String },
    #[error(
        "the request was signed at {at}, more than an hour before now: a replay, or the sender's \
         clock is behind"
    )]
    Stale { at: Timestamp },
    #[error(
        "the request says it was signed at {at}, more than five minutes from now: the sender's clock \
         is ahead"
    )]
    FromFuture { at: Timestamp },
    #[error("the signature expired at {at}")]
    Expired { at: Timestamp },
    #[error(
        "the body does not match its digest: it was changed on the way, or the digest was made over other bytes"
    )]
    DigestMismatch,
    #[error(
        "the signature does not match this request and key: the request was changed on the way, or \
         signed with another key"
    )]
    BadSignature,
    #[error("the key cannot be used: {reason}")]
    BadKey { reason: String },
}
