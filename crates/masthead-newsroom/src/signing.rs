//! Signed links: what a link sent by e-mail carries (a member's id, an address to confirm, a
//! newsletter to leave, a bounce address) so that the site can trust it when it comes back,
//! without keeping a row per link. HMAC-SHA-256 under a secret every node shares; the purpose is
//! part of what is signed, so a token made for one thing is refused for another.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The name of the signing secret in the store.
pub(crate) const SECRET_NAME: &str = "link-signing";

/// What a token is for. Each purpose signs differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirming a new member's address (double opt-in).
    ConfirmSignUp,
    /// Signing a member in (magic link).
    SignIn,
    /// Confirming a member's new address.
    ChangeEmail,
    /// Leaving one newsletter, or all of them.
    Unsubscribe,
    /// The return path of one message, to match a bounce to its send and member.
    Bounce,
    /// A preview of an unpublished article (or of a writer's unsaved changes) for someone who
    /// cannot sign in to the admin.
    Preview,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::ConfirmSignUp => b"confirm-sign-up",
            Purpose::SignIn => b"sign-in",
            Purpose::ChangeEmail => b"change-email",
            Purpose::Unsubscribe => b"unsubscribe",
            Purpose::Bounce => b"bounce",
            Purpose::Preview => b"preview",
        }
    }
}

/// Why a token was refused. The reader is told only that the link is not valid, or too old.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    #[error("the link is not valid")]
    Invalid,
    #[error("the link has expired")]
    Expired,
}

/// Signs and checks tokens. Cheap to clone.
#[derive(Clone)]
pub struct Signer {
    key: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    pub fn new(key: &[u8]) -> Signer {
        Signer { key: key.into() }
    }

    fn mac(&self, purpose: Purpose, payload: &[u8], expires: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(purpose.label());
        mac.update(&[0]);
        mac.update(&expires.to_be_bytes());
        mac.update(payload);
        mac
    }

    /// A token for `payload`, valid for `purpose` until `expires` (Unix seconds; `i64::MAX` for
    /// never). URL-safe: `payload.expires.mac`.
    pub fn sign(&self, purpose: Purpose, payload: &str, expires: i64) -> String {
        let tag = self.mac(purpose, payload.as_bytes(), expires).finalize().into_bytes();
        format!("{}.{expires}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(&tag[..]))
    }

    /// A signer from the secret kept in the store (written by [`new_secret`]).
    pub(crate) fn from_secret(secret: &str) -> Result<Signer, String> {
        let key =
            URL_SAFE_NO_PAD.decode(secret).map_err(|e| format!("the link-signing secret is damaged: {e}"))?;
        Ok(Signer::new(&key))
    }

    /// The payload of `token`, if this site signed it for `purpose` and it has not expired at `now`.
    pub fn verify(&self, purpose: Purpose, token: &str, now: i64) -> Result<String, TokenRefusal> {
        let mut parts = token.trim().splitn(3, '.');
        let (Some(payload), Some(expires), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(TokenRefusal::Invalid);
        };
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenRefusal::Invalid)?;
        let expires: i64 = expires.parse().map_err(|_| TokenRefusal::Invalid)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| TokenRefusal::Invalid)?;
        // Checked in constant time before anything about the token is believed.
        self.mac(purpose, &payload, expires).verify_slice(&tag).map_err(|_| TokenRefusal::Invalid)?;
        if now > expires {
            return Err(TokenRefusal::Expired);
        }
        String::from_utf8(payload).map_err(|_| TokenRefusal::Invalid)
    }

    /// A short tag for `payload` that never expires: the lower-case hex of the first
    /// [`SHORT_TAG_BYTES`] bytes of its HMAC. For where a token must be short and survive case
    /// folding (the local part of a bounce address, which some mail servers lower-case).
    pub fn short_tag(&self, purpose: Purpose, payload: &str) -> String {
        let tag = self.mac(purpose, payload.as_bytes(), i64::MAX).finalize().into_bytes();
        tag[..SHORT_TAG_BYTES].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `tag` is the [`Signer::short_tag`] of `payload` for `purpose` (in any case).
    pub fn verify_short_tag(&self, purpose: Purpose, payload: &str, tag: &str) -> bool {
        let Some(bytes) = hex_bytes(tag) else { return false };
        bytes.len() == SHORT_TAG_BYTES
            // Compared in constant time.
            && self.mac(purpose, payload.as_bytes(), i64::MAX).verify_truncated_left(&bytes).is_ok()
    }
}

/// How many bytes of the HMAC a short tag keeps: 80 bits, beyond guessing by sending mail.
pub const SHORT_TAG_BYTES: usize = 10;

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

/// A fresh random secret, as the store keeps it.
pub(crate) fn new_secret() -> Result<String, String> {
    let mut candidate = [0u8; 32];
    getrandom::fill(&mut candidate).map_err(|e| e.to_string())?;
    Ok(URL_SAFE_NO_PAD.encode(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_comes_back_with_its_payload_for_its_purpose_only() {
        let signer = Signer::new(b"a key");
        let token = signer.sign(Purpose::Unsubscribe, "member 7", 1_000);
        let kept = Signer::from_secret(&new_secret().unwrap()).unwrap();
        assert_eq!(kept.verify(Purpose::Unsubscribe, &token, 999), Err(TokenRefusal::Invalid));
        assert_eq!(signer.verify(Purpose::Unsubscribe, &token, 999).as_deref(), Ok("member 7"));
        assert_eq!(signer.verify(Purpose::SignIn, &token, 999), Err(TokenRefusal::Invalid));
        assert_eq!(signer.verify(Purpose::Unsubscribe, &token, 1_001), Err(TokenRefusal::Expired));
        assert_eq!(
            Signer::new(b"another key").verify(Purpose::Unsubscribe, &token, 999),
            Err(TokenRefusal::Invalid)
        );
    }

    #[test]
    fn a_short_tag_is_short_lower_case_and_bound_to_its_payload_and_purpose() {
        let signer = Signer::new(b"a key");
        let tag = signer.short_tag(Purpose::Bounce, "12-34");
        assert_eq!(tag.len(), 2 * SHORT_TAG_BYTES);
        assert_eq!(tag, tag.to_lowercase());
        assert!(signer.verify_short_tag(Purpose::Bounce, "12-34", &tag));
        assert!(
            signer.verify_short_tag(Purpose::Bounce, "12-34", &tag.to_uppercase()),
            "case folded on the way"
        );
        assert!(!signer.verify_short_tag(Purpose::Bounce, "12-35", &tag));
        assert!(!signer.verify_short_tag(Purpose::Unsubscribe, "12-34", &tag));
        assert!(!Signer::new(b"another key").verify_short_tag(Purpose::Bounce, "12-34", &tag));
        for junk in ["", "zz", &tag[..18], "é", &format!("{tag}00")] {
            assert!(!signer.verify_short_tag(Purpose::Bounce, "12-34", junk), "{junk:?}");
        }
    }

    #[test]
    fn a_changed_payload_or_expiry_is_refused() {
        let signer = Signer::new(b"a key");
        let token = signer.sign(Purpose::SignIn, "1", 1_000);
        let (_, rest) = token.split_once('.').unwrap();
        let forged = format!("{}.{rest}", URL_SAFE_NO_PAD.encode("2"));
        assert_eq!(signer.verify(Purpose::SignIn, &forged, 0), Err(TokenRefusal::Invalid));
        let later = token.replace(".1000.", ".2000.");
        assert_eq!(signer.verify(Purpose::SignIn, &later, 0), Err(TokenRefusal::Invalid));
        for junk in ["", "...", "a.b.c", "YQ.x.YQ"] {
            assert_eq!(signer.verify(Purpose::SignIn, junk, 0), Err(TokenRefusal::Invalid));
        }
    }
}
