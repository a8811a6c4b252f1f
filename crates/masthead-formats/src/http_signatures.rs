//! Signatures on requests between servers, as ActivityPub federation needs them: a request we
//! send carries our actor's signature, and one we receive is accepted only when it carries the
//! signature of the key it names. Two schemes are in use, and both are written and read here:
//! RFC 9421 HTTP Message Signatures (`rfc9421.rs`, preferred) and draft-cavage-http-signatures-12
//! (`cavage.rs`, what Mastodon sends and accepts today). Both build on `keys.rs` (the only place
//! bytes are signed or checked) and `request.rs` (what both schemes check alike); neither of
//! those knows a scheme.
//!
//! Checking a request takes two steps, because only the request says which key to fetch:
//! [`key_id`] reads which key claims to have signed it (no cryptography yet), the caller fetches
//! that key, and [`verify`] checks the request against it.
//!
//! Pure: no IO, no HTTP client, and it never reads the clock (callers pass `now`), so every
//! outcome can be tested with fixed dates. The one thing taken from the operating system is
//! randomness to blind RSA signing against timing attacks; it never changes the signature.
//! It must never hand-roll cryptography: signatures come from `rsa` and `ed25519-dalek`, digests
//! from `sha2`, structured headers from `sfv`.

mod cavage;
mod error;
mod keys;
mod request;
mod rfc9421;

pub use error::SignatureError;
pub use keys::{PrivateKey, PublicKey};
pub use request::{Claimed, Incoming, Outgoing, Scheme, Signer};

use jiff::Timestamp;

use request::header_values;

/// Signs `request` as `signer` at `now`. Returns the headers to add to the request, with
/// lower-case names: `host`, `date` and `digest` as well as `signature` for draft-cavage (the
/// request must be sent with exactly these), `content-digest`, `signature-input` and
/// `signature` for RFC 9421. A POST always carries a digest, even of an empty body: Mastodon
/// refuses a POST without one.
pub fn sign(
    request: &Outgoing<'_>,
    signer: &Signer<'_>,
    scheme: Scheme,
    now: Timestamp,
) -> Result<Vec<(&'static str, String)>, SignatureError> {
    match scheme {
        Scheme::Rfc9421 => rfc9421::sign(request, signer, now),
        Scheme::Cavage => cavage::sign(request, signer, now),
    }
}

/// Step one of checking a received request: which key claims to have signed it, so that the
/// caller can fetch that key. Nothing is proven yet. A request with `Signature-Input` is read
/// as RFC 9421, any other with `Signature` as draft-cavage.
pub fn key_id(request: &Incoming<'_>) -> Result<Claimed, SignatureError> {
    if header_values(request.headers, "signature-input").next().is_some() {
        Ok(Claimed { key_id: rfc9421::chosen(request)?.key_id, scheme: Scheme::Rfc9421 })
    } else {
        Ok(Claimed { key_id: cavage::key_id(request)?, scheme: Scheme::Cavage })
    }
}

/// Step two: checks `request` against `key`, the key the caller fetched for `claimed`, at `now`.
/// `Ok` means the key's owner signed this method, target, body and the covered headers within
/// the last hour.
pub fn verify(
    request: &Incoming<'_>,
    claimed: &Claimed,
    key: &PublicKey,
    now: Timestamp,
) -> Result<(), SignatureError> {
    match claimed.scheme {
        Scheme::Rfc9421 => rfc9421::verify(request, &claimed.key_id, key, now),
        Scheme::Cavage => cavage::verify(request, &claimed.key_id, key, now),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use rsa::RsaPrivateKey;
    use sha2::{Digest, Sha256};

    use super::request::host_of;
    use super::*;

    pub(super) fn now() -> Timestamp {
        "2026-03-02T10:00:00Z".parse().unwrap()
    }

    /// One 2048-bit key for the whole test binary: RSA key generation takes a while.
    pub(super) fn rsa_key() -> &'static PrivateKey {
        static KEY: OnceLock<PrivateKey> = OnceLock::new();
        KEY.get_or_init(|| PrivateKey::Rsa(RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap()))
    }

    pub(super) fn ed25519_key() -> PrivateKey {
        PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[7; 32]))
    }

    const KEY_ID: &str = "https://news.example/actor#main-key";
    const INBOX: &str = "https://mastodon.example/users/alice/inbox?page=1";
    const BODY: &[u8] = br#"{"type":"Create","actor":"https://news.example/actor"}"#;

    /// A request as the receiving server's web edge would see it once `sign` has added its
    /// headers.
    struct Sent {
        method: String,
        target_uri: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Sent {
        fn incoming(&self) -> Incoming<'_> {
            Incoming {
                method: &self.method,
                target_uri: &self.target_uri,
                headers: &self.headers,
                body: &self.body,
            }
        }

        fn set(&mut self, name: &str, value: &str) {
            for (n, v) in &mut self.headers {
                if n == name {
                    *v = value.to_string();
                }
            }
        }

        fn check(&self, key: &PublicKey, at: Timestamp) -> Result<Claimed, SignatureError> {
            let claimed = key_id(&self.incoming())?;
            verify(&self.incoming(), &claimed, key, at)?;
            Ok(claimed)
        }
    }

    fn send(method: &str, url: &str, body: &[u8], key: &PrivateKey, scheme: Scheme, at: Timestamp) -> Sent {
        let url = url::Url::parse(url).unwrap();
        let signer = Signer { key_id: KEY_ID, key };
        let added = sign(&Outgoing { method, url: &url, body }, &signer, scheme, at).unwrap();
        let mut headers = vec![("content-type".to_string(), "application/activity+json".to_string())];
        if !added.iter().any(|(name, _)| *name == "host") {
            headers.push(("host".to_string(), host_of(&url).unwrap()));
        }
        headers.extend(added.into_iter().map(|(name, value)| (name.to_string(), value)));
        Sent { method: method.to_string(), target_uri: url.to_string(), headers, body: body.to_vec() }
    }

    pub(super) fn keys() -> [(&'static str, PrivateKey); 2] {
        let rsa = match rsa_key() {
            PrivateKey::Rsa(key) => PrivateKey::Rsa(key.clone()),
            PrivateKey::Ed25519(_) => unreachable!(),
        };
        [("rsa", rsa), ("ed25519", ed25519_key())]
    }

    const SCHEMES: [Scheme; 2] = [Scheme::Rfc9421, Scheme::Cavage];

    #[test]
    fn signed_requests_verify_in_both_schemes_with_both_key_types() {
        for (name, key) in keys() {
            for scheme in SCHEMES {
                for (method, body) in [("POST", BODY), ("GET", &b""[..])] {
                    let sent = send(method, INBOX, body, &key, scheme, now());
                    let claimed = sent
                        .check(&key.public_key(), now())
                        .unwrap_or_else(|e| panic!("{name} {scheme:?} {method}: {e}"));
                    assert_eq!(claimed, Claimed { key_id: KEY_ID.to_string(), scheme });
                }
            }
        }
    }

    #[test]
    fn a_signature_verifies_for_an_hour_and_five_minutes_early() {
        let key = ed25519_key();
        for scheme in SCHEMES {
            let sent = send("POST", INBOX, BODY, &key, scheme, now());
            for seconds in [-300, 0, 3600] {
                let at = now() + jiff::SignedDuration::from_secs(seconds);
                assert!(sent.check(&key.public_key(), at).is_ok(), "{scheme:?} checked {seconds}s later");
            }
        }
    }

    #[test]
    fn a_changed_body_does_not_match_its_digest() {
        for (_, key) in keys() {
            for scheme in SCHEMES {
                let mut sent = send("POST", INBOX, BODY, &key, scheme, now());
                sent.body = br#"{"type":"Delete"}"#.to_vec();
                let result = sent.check(&key.public_key(), now());
                assert!(matches!(result, Err(SignatureError::DigestMismatch)), "{scheme:?}: {result:?}");
            }
        }
    }

    #[test]
    fn a_digest_changed_with_the_body_breaks_the_signature() {
        let key = ed25519_key();
        let body = br#"{"type":"Delete"}"#;
        for (scheme, header, value) in [
            (Scheme::Rfc9421, "content-digest", format!("sha-256=:{}:", BASE64.encode(Sha256::digest(body)))),
            (Scheme::Cavage, "digest", format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))),
        ] {
            let mut sent = send("POST", INBOX, BODY, &key, scheme, now());
            sent.body = body.to_vec();
            sent.set(header, &value);
            let result = sent.check(&key.public_key(), now());
            assert!(matches!(result, Err(SignatureError::BadSignature)), "{scheme:?}: {result:?}");
        }
    }

    #[test]
    fn a_changed_method_or_target_breaks_the_signature() {
        for (_, key) in keys() {
            for scheme in SCHEMES {
                let sent = send("POST", INBOX, BODY, &key, scheme, now());
                let mut changed = Vec::new();
                let mut other_method = send("POST", INBOX, BODY, &key, scheme, now());
                other_method.method = "PUT".into();
                changed.push(("method", other_method));
                for other in [
                    "https://mastodon.example/users/bob/inbox?page=1",
                    "https://mastodon.example/users/alice/inbox?page=2",
                    "https://mastodon.example/users/alice/inbox",
                ] {
                    let mut other_target = send("POST", INBOX, BODY, &key, scheme, now());
                    other_target.target_uri = other.into();
                    changed.push(("target", other_target));
                }
                assert!(sent.check(&key.public_key(), now()).is_ok());
                for (what, request) in changed {
                    let result = request.check(&key.public_key(), now());
                    assert!(
                        matches!(result, Err(SignatureError::BadSignature)),
                        "{scheme:?} {what}: {result:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_request_signed_for_another_host_is_refused() {
        let key = ed25519_key();
        // draft-cavage signs the host and RFC 9421 the whole target URI: both are checked
        // against the address we were reached at (the site's own), never the header as sent.
        let mut cavage = send("POST", INBOX, BODY, &key, Scheme::Cavage, now());
        cavage.target_uri = INBOX.replace("mastodon.example", "other.example");
        let mut rfc9421 = send("POST", INBOX, BODY, &key, Scheme::Rfc9421, now());
        rfc9421.target_uri = INBOX.replace("mastodon.example", "other.example");
        for sent in [cavage, rfc9421] {
            let result = sent.check(&key.public_key(), now());
            assert!(matches!(result, Err(SignatureError::BadSignature)), "{result:?}");
        }
    }

    #[test]
    fn an_old_signature_is_stale_and_one_from_the_future_is_refused() {
        let key = ed25519_key();
        for scheme in SCHEMES {
            let old = send("POST", INBOX, BODY, &key, scheme, now() - jiff::SignedDuration::from_secs(3601));
            let result = old.check(&key.public_key(), now());
            assert!(matches!(result, Err(SignatureError::Stale { .. })), "{scheme:?}: {result:?}");
            let ahead = send("POST", INBOX, BODY, &key, scheme, now() + jiff::SignedDuration::from_secs(301));
            let result = ahead.check(&key.public_key(), now());
            assert!(matches!(result, Err(SignatureError::FromFuture { .. })), "{scheme:?}: {result:?}");
        }
    }

    #[test]
    fn another_key_does_not_verify() {
        let key = ed25519_key();
        let other_ed25519 = PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[8; 32])).public_key();
        for scheme in SCHEMES {
            let sent = send("POST", INBOX, BODY, &key, scheme, now());
            let result = sent.check(&other_ed25519, now());
            assert!(matches!(result, Err(SignatureError::BadSignature)), "{scheme:?}: {result:?}");
            let result = sent.check(&rsa_key().public_key(), now());
            assert!(result.is_err(), "{scheme:?}: an RSA key checked an Ed25519 signature");
        }
        let sent = send("POST", INBOX, BODY, rsa_key(), Scheme::Rfc9421, now());
        assert!(sent.check(&key.public_key(), now()).is_err());
    }

    #[test]
    fn an_rsa_key_under_2048_bits_is_refused() {
        let small = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
        let key = PrivateKey::Rsa(small);
        for scheme in SCHEMES {
            let sent = send("POST", INBOX, BODY, &key, scheme, now());
            let result = sent.check(&key.public_key(), now());
            assert!(matches!(result, Err(SignatureError::BadKey { .. })), "{scheme:?}: {result:?}");
        }
    }

    #[test]
    fn a_request_without_a_signature_is_missing_one() {
        let headers = vec![("host".to_string(), "mastodon.example".to_string())];
        let request = Incoming { method: "POST", target_uri: INBOX, headers: &headers, body: BODY };
        assert!(matches!(key_id(&request), Err(SignatureError::Missing)));
    }
}
