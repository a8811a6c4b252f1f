//! The site's DKIM key: made by `masthead mail dkim`, kept in the database (`site_secrets`,
//! named `dkim`) so that every node signs the same way, and read at start by `serve` and `jobs`
//! ([`stored_key`]), which hand it to the [`crate::mail::Mailer`].
//!
//! Ed25519 (RFC 8463) by default: an RSA-2048 signature with the crates lettre signs with costs
//! about fifteen times as much, too much for thousands of messages a second (BENCHMARKS.md,
//! "Signing newsletters"). RSA-2048 on request, for receivers that do not verify Ed25519 yet.
//! The keys are made by the same crates lettre signs with.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lettre::message::dkim::{DkimSigningAlgorithm, DkimSigningKey};
use masthead_store::Store;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::EncodePublicKey;
use serde::{Deserialize, Serialize};

use crate::error::{Failure, Outcome};

/// The name of the key in `site_secrets`.
const SECRET_NAME: &str = "dkim";

/// The size of the RSA keys made here.
pub const RSA_BITS: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DkimAlgorithm {
    Rsa,
    Ed25519,
}

impl DkimAlgorithm {
    fn key_type(self) -> &'static str {
        match self {
            DkimAlgorithm::Rsa => "rsa",
            DkimAlgorithm::Ed25519 => "ed25519",
        }
    }
}

/// A signing key and where its public half is published.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimKey {
    pub domain: String,
    pub selector: String,
    pub algorithm: DkimAlgorithm,
    /// RSA: PKCS#1 PEM; Ed25519: the 32-byte seed in base64 (the forms lettre reads).
    private_key: String,
}

impl std::fmt::Debug for DkimKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DkimKey")
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The DNS TXT record that publishes a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    /// `selector._domainkey.domain`
    pub name: String,
    /// `v=DKIM1; k=rsa; p=…`
    pub value: String,
}

impl DkimKey {
    /// A new key for `selector._domainkey.domain`. Making an RSA key takes a moment of CPU.
    pub fn generate(domain: &str, selector: &str, algorithm: DkimAlgorithm) -> Outcome<DkimKey> {
        let domain = checked_name("domain", domain)?;
        let selector = checked_name("selector", selector)?;
        let private_key = match algorithm {
            DkimAlgorithm::Rsa => {
                let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS)
                    .map_err(|e| Failure::Internal(format!("could not make an RSA key: {e}")))?;
                key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
                    .map_err(|e| Failure::Internal(format!("could not write the RSA key: {e}")))?
                    .to_string()
            }
            DkimAlgorithm::Ed25519 => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(|e| Failure::Internal(e.to_string()))?;
                STANDARD.encode(seed)
            }
        };
        Ok(DkimKey { domain, selector, algorithm, private_key })
    }

    /// The TXT record receivers look the public key up in.
    pub fn dns_record(&self) -> Outcome<DnsRecord> {
        let public = match self.algorithm {
            DkimAlgorithm::Rsa => {
                let key = rsa::RsaPrivateKey::from_pkcs1_pem(&self.private_key)
                    .map_err(|e| Failure::Internal(format!("the stored DKIM key is damaged: {e}")))?;
                let der = key
                    .to_public_key()
                    .to_public_key_der()
                    .map_err(|e| Failure::Internal(format!("could not write the public key: {e}")))?;
                STANDARD.encode(der.as_bytes())
            }
            DkimAlgorithm::Ed25519 => {
                let signing = ed25519_dalek::SigningKey::from_bytes(&self.ed25519_seed()?);
                STANDARD.encode(signing.verifying_key().to_bytes())
            }
        };
        Ok(DnsRecord {
            name: format!("{}._domainkey.{}", self.selector, self.domain),
            value: format!("v=DKIM1; k={}; p={public}", self.algorithm.key_type()),
        })
    }

    fn ed25519_seed(&self) -> Outcome<[u8; 32]> {
        STANDARD
            .decode(&self.private_key)
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| Failure::Internal("the stored DKIM key is damaged".into()))
    }

    /// The key as lettre signs with it.
    pub(crate) fn signing_key(&self) -> Result<DkimSigningKey, String> {
        let algorithm = match self.algorithm {
            DkimAlgorithm::Rsa => DkimSigningAlgorithm::Rsa,
            DkimAlgorithm::Ed25519 => DkimSigningAlgorithm::Ed25519,
        };
        DkimSigningKey::new(&self.private_key, algorithm)
            .map_err(|e| format!("the DKIM key for {} cannot be used: {e}", self.domain))
    }
}

/// A domain or selector: dot-separated labels of ASCII letters, digits and hyphens.
fn checked_name(field: &'static str, name: &str) -> Outcome<String> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        return Err(Failure::invalid(
            field,
            format!("{name:?} is not a DNS name (letters, digits and hyphens, in labels separated by dots)"),
        ));
    }
    Ok(name)
}

/// Makes a new key, keeps it as the site's (replacing any earlier one: the old record can go
/// once no message signed with it is still on its way), and returns the record to publish.
pub async fn make_key(
    store: &Store,
    domain: &str,
    selector: &str,
    algorithm: DkimAlgorithm,
) -> Outcome<DnsRecord> {
    let (domain, selector) = (domain.to_owned(), selector.to_owned());
    let key = tokio::task::spawn_blocking(move || DkimKey::generate(&domain, &selector, algorithm))
        .await
        .map_err(|e| Failure::Internal(e.to_string()))??;
    let record = key.dns_record()?;
    let stored = serde_json::to_string(&key).map_err(|e| Failure::Internal(e.to_string()))?;
    store.replace_site_secret(SECRET_NAME, &stored).await?;
    Ok(record)
}

/// The site's key, if `masthead mail dkim` made one.
pub async fn stored_key(store: &Store) -> Outcome<Option<DkimKey>> {
    let Some(stored) = store.find_site_secret(SECRET_NAME).await? else { return Ok(None) };
    let key: DkimKey = serde_json::from_str(&stored)
        .map_err(|e| Failure::Internal(format!("the stored DKIM key cannot be read: {e}")))?;
    key.signing_key().map_err(Failure::Internal)?;
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ed25519_key_publishes_its_32_byte_public_key() {
        let key = DkimKey::generate("News.Example.org.", "m2026", DkimAlgorithm::Ed25519).unwrap();
        let record = key.dns_record().unwrap();
        assert_eq!(record.name, "m2026._domainkey.news.example.org");
        let public = record.value.strip_prefix("v=DKIM1; k=ed25519; p=").unwrap();
        assert_eq!(STANDARD.decode(public).unwrap().len(), 32);
        assert!(key.signing_key().is_ok());
        assert!(!format!("{key:?}").contains(&key.private_key), "the secret stays out of logs");
    }

    #[test]
    fn names_that_are_not_dns_names_are_refused() {
        for (domain, selector) in [("", "s"), ("example.org", "a b"), ("exa_mple.org", "s"), ("-x.org", "s")]
        {
            let refused = DkimKey::generate(domain, selector, DkimAlgorithm::Ed25519).unwrap_err();
            assert!(matches!(refused, Failure::Invalid { .. }), "{domain:?} {selector:?}");
        }
    }
}
