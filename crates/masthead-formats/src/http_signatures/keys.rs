//! The keys requests are signed and checked with: ours, and those other servers' actors
//! publish (`publicKeyPem` in SPKI PEM, FEP-521a `publicKeyMultibase`), RSA or Ed25519.
//!
//! Signing and checking bytes happen here and nowhere else, through `rsa` and `ed25519-dalek`:
//! nothing in this module may hand-roll cryptography, and a private key never shows in `Debug`.

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

use super::error::SignatureError;

/// Smaller RSA keys can be factored by a determined attacker; nothing signed with one proves
/// anything.
const MIN_RSA_BITS: usize = 2048;

/// Multicodec prefixes of FEP-521a Multikey values: `ed25519-pub` (0xed) and `rsa-pub` (0x1205),
/// each as an unsigned varint.
const MULTICODEC_ED25519: [u8; 2] = [0xed, 0x01];
const MULTICODEC_RSA: [u8; 2] = [0x85, 0x24];

/// The key our actor signs with.
pub enum PrivateKey {
    Rsa(RsaPrivateKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// A key another server's actor publishes, to check its requests with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa(RsaPublicKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl std::fmt::Debug for PrivateKey {
    // Never the secret: keys end up in logs through the structs that hold them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrivateKey::Rsa(key) => write!(f, "PrivateKey::Rsa({} bits)", key.n().bits()),
            PrivateKey::Ed25519(_) => f.write_str("PrivateKey::Ed25519"),
        }
    }
}

impl PrivateKey {
    /// A private key in PEM: PKCS#8 (`BEGIN PRIVATE KEY`) for RSA or Ed25519, or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`), the form Mastodon and our DKIM keys are kept in.
    pub fn from_pem(pem: &str) -> Result<PrivateKey, SignatureError> {
        let pem = pem.trim();
        if let Ok(key) = RsaPrivateKey::from_pkcs8_pem(pem) {
            return Ok(PrivateKey::Rsa(key));
        }
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            return Ok(PrivateKey::Ed25519(key));
        }
        if let Ok(key) = RsaPrivateKey::from_pkcs1_pem(pem) {
            return Ok(PrivateKey::Rsa(key));
        }
        Err(SignatureError::BadKey {
            reason: "not a PEM private key (PKCS#8 or PKCS#1) of RSA or Ed25519".into(),
        })
    }

    /// The public half, to publish on the actor.
    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::Rsa(key) => PublicKey::Rsa(key.to_public_key()),
            PrivateKey::Ed25519(key) => PublicKey::Ed25519(key.verifying_key()),
        }
    }

    /// RSA: PKCS#1 v1.5 over SHA-256, the one RSA signature every fediverse server checks.
    pub(super) fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, SignatureError> {
        match self {
            PrivateKey::Rsa(key) => key
                .sign_with_rng(
                    &mut rsa::rand_core::OsRng,
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(message),
                )
                .map_err(|e| SignatureError::BadKey { reason: format!("RSA signing failed: {e}") }),
            PrivateKey::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                Ok(key.sign(message).to_bytes().to_vec())
            }
        }
    }
}

impl PublicKey {
    /// A public key in PEM as actors publish it (`publicKeyPem`): SPKI (`BEGIN PUBLIC KEY`) of
    /// RSA or Ed25519; PKCS#1 (`BEGIN RSA PUBLIC KEY`) too, which some older servers publish.
    pub fn from_pem(pem: &str) -> Result<PublicKey, SignatureError> {
        let pem = pem.trim();
        if let Ok(key) = RsaPublicKey::from_public_key_pem(pem) {
            return Ok(PublicKey::Rsa(key));
        }
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            return Ok(PublicKey::Ed25519(key));
        }
        if let Ok(key) = RsaPublicKey::from_pkcs1_pem(pem) {
            return Ok(PublicKey::Rsa(key));
        }
        Err(SignatureError::BadKey { reason: "not a PEM public key (SPKI) of RSA or Ed25519".into() })
    }

    /// A FEP-521a Multikey `publicKeyMultibase`: `z` and base58btc of a multicodec prefix and the
    /// key, Ed25519 (`0xed 0x01` and 32 bytes) or RSA (`0x85 0x24` and PKCS#1 DER).
    pub fn from_multibase(multibase: &str) -> Result<PublicKey, SignatureError> {
        let bad = |reason: &str| SignatureError::BadKey { reason: format!("publicKeyMultibase {reason}") };
        let encoded = multibase
            .strip_prefix('z')
            .ok_or_else(|| bad("does not start with z (base58btc), the only base Multikey allows"))?;
        let bytes = bs58::decode(encoded).into_vec().map_err(|_| bad("is not base58btc"))?;
        if let Some(key) = bytes.strip_prefix(&MULTICODEC_ED25519) {
            let key: &[u8; 32] =
                key.try_into().map_err(|_| bad("holds an Ed25519 key that is not 32 bytes"))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(key)
                .map_err(|_| bad("holds 32 bytes that are not an Ed25519 public key"))?;
            Ok(PublicKey::Ed25519(key))
        } else if let Some(der) = bytes.strip_prefix(&MULTICODEC_RSA) {
            let key =
                RsaPublicKey::from_pkcs1_der(der).map_err(|_| bad("holds an RSA key that cannot be read"))?;
            Ok(PublicKey::Rsa(key))
        } else {
            Err(bad("holds a key type other than Ed25519 or RSA"))
        }
    }

    /// SPKI PEM (`BEGIN PUBLIC KEY`), what our actor publishes as `publicKeyPem`.
    pub fn to_pem(&self) -> Result<String, SignatureError> {
        let pem = match self {
            PublicKey::Rsa(key) => key.to_public_key_pem(LineEnding::LF),
            PublicKey::Ed25519(key) => key.to_public_key_pem(LineEnding::LF),
        };
        pem.map_err(|e| SignatureError::BadKey { reason: format!("cannot be written as PEM: {e}") })
    }

    /// FEP-521a `publicKeyMultibase`, the inverse of [`PublicKey::from_multibase`].
    pub fn to_multibase(&self) -> Result<String, SignatureError> {
        let mut bytes = Vec::new();
        match self {
            PublicKey::Ed25519(key) => {
                bytes.extend_from_slice(&MULTICODEC_ED25519);
                bytes.extend_from_slice(key.as_bytes());
            }
            PublicKey::Rsa(key) => {
                let der = key.to_pkcs1_der().map_err(|e| SignatureError::BadKey {
                    reason: format!("cannot be written as DER: {e}"),
                })?;
                bytes.extend_from_slice(&MULTICODEC_RSA);
                bytes.extend_from_slice(der.as_bytes());
            }
        }
        Ok(format!("z{}", bs58::encode(bytes).into_string()))
    }

    pub(super) fn kind(&self) -> &'static str {
        match self {
            PublicKey::Rsa(_) => "an RSA key",
            PublicKey::Ed25519(_) => "an Ed25519 key",
        }
    }

    /// RSA: PKCS#1 v1.5 over SHA-256, whatever the scheme calls it. Ed25519: strict checking,
    /// which refuses the weak keys and malleable signatures that lax checking lets through.
    pub(super) fn verify_bytes(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        match self {
            PublicKey::Rsa(key) => {
                let bits = key.n().bits();
                if bits < MIN_RSA_BITS {
                    return Err(SignatureError::BadKey {
                        reason: format!("an RSA key of {bits} bits; at least {MIN_RSA_BITS} are needed"),
                    });
                }
                key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), signature)
                    .map_err(|_| SignatureError::BadSignature)
            }
            PublicKey::Ed25519(key) => {
                let signature = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| SignatureError::BadSignature)?;
                key.verify_strict(message, &signature).map_err(|_| SignatureError::BadSignature)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ed25519_key, keys, rsa_key};
    use super::*;

    #[test]
    fn pem_keys_are_read_in_both_types() {
        for (_, key) in keys() {
            let public = key.public_key();
            let pem = public.to_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
            assert_eq!(PublicKey::from_pem(&pem).unwrap(), public);
            // As actors publish it, with a trailing newline or CRLF line ends.
            assert_eq!(PublicKey::from_pem(&format!("{pem}\n")).unwrap(), public);
            assert_eq!(PublicKey::from_pem(&pem.replace('\n', "\r\n")).unwrap(), public);
        }
        if let PrivateKey::Rsa(key) = rsa_key() {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            use rsa::pkcs8::EncodePrivateKey;
            let pkcs8 = key.to_pkcs8_pem(LineEnding::LF).unwrap();
            assert!(matches!(PrivateKey::from_pem(&pkcs8), Ok(PrivateKey::Rsa(k)) if k == *key));
            let pkcs1 = key.to_pkcs1_pem(LineEnding::LF).unwrap();
            assert!(matches!(PrivateKey::from_pem(&pkcs1), Ok(PrivateKey::Rsa(k)) if k == *key));
            let public = key.to_public_key().to_pkcs1_pem(LineEnding::LF).unwrap();
            assert_eq!(PublicKey::from_pem(&public).unwrap(), rsa_key().public_key());
        }
        assert!(matches!(PublicKey::from_pem("not a key"), Err(SignatureError::BadKey { .. })));
        assert!(matches!(PrivateKey::from_pem("not a key"), Err(SignatureError::BadKey { .. })));
    }

    #[test]
    fn multikey_values_are_read_as_fep_521a_writes_them() {
        // FEP-521a's own example of an Ed25519 Multikey.
        let example = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let key = PublicKey::from_multibase(example).unwrap();
        assert!(matches!(key, PublicKey::Ed25519(_)));
        assert_eq!(key.to_multibase().unwrap(), example);

        for (_, key) in keys() {
            let public = key.public_key();
            assert_eq!(PublicKey::from_multibase(&public.to_multibase().unwrap()).unwrap(), public);
        }
        for bad in ["", "z", "u6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "z0OIl", "z6Mkr"] {
            assert!(matches!(PublicKey::from_multibase(bad), Err(SignatureError::BadKey { .. })), "{bad}");
        }
    }

    #[test]
    fn private_keys_never_show_their_secret_in_debug() {
        let shown = format!("{:?} {:?}", rsa_key(), ed25519_key());
        assert_eq!(shown, "PrivateKey::Rsa(2048 bits) PrivateKey::Ed25519");
    }
}
