//! A request as both schemes see it: what we sign going out ([`Outgoing`], [`Signer`]), what
//! the web edge hands over coming in ([`Incoming`]), and the checks both schemes make of it
//! (header values, dates, body digests). Nothing here knows either scheme's headers.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::error::SignatureError;
use super::keys::PrivateKey;

/// How far in the past a signature may have been made: long enough for a queue that retries,
/// short enough that a captured request cannot be replayed for long.
const MAX_AGE_SECONDS: i64 = 60 * 60;
/// How far ahead of our clock a sender's may run.
const MAX_AHEAD_SECONDS: i64 = 5 * 60;

/// Who signs a request we send: the id of the key on our actor (`https://…/actor#main-key`)
/// and the private key itself.
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    pub key_id: &'a str,
    pub key: &'a PrivateKey,
}

/// The two signature schemes servers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// RFC 9421 HTTP Message Signatures: `Signature-Input` and `Signature`, `Content-Digest`.
    Rfc9421,
    /// draft-cavage-http-signatures-12: one `Signature` header, `Digest`, `Date`.
    Cavage,
}

/// What to sign: the method, the absolute URL the request goes to, and its body (empty for GET).
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub method: &'a str,
    pub url: &'a url::Url,
    pub body: &'a [u8],
}

/// A request as the web edge received it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub method: &'a str,
    /// The absolute URI the request was received at: scheme, host (and port), path and query.
    pub target_uri: &'a str,
    /// Header names in lower case, values as received; a repeated header appears repeated.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The key a received request claims to be signed with, and in which scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub key_id: String,
    pub scheme: Scheme,
}

/// Every value of the header `name`, in the order received.
pub(super) fn header_values<'a>(
    headers: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = &'a str> {
    headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// A header's value as both schemes sign it: each value trimmed, repeated ones joined by ", "
/// (RFC 9421 §2.1, draft-cavage §2.3). `None` when the request does not carry it.
pub(super) fn combined_header(headers: &[(String, String)], name: &str) -> Option<String> {
    let values: Vec<&str> = header_values(headers, name).map(str::trim).collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// `Host` as the request to `url` carries it: the host, and the port unless it is the scheme's
/// default.
pub(super) fn host_of(url: &url::Url) -> Result<String, SignatureError> {
    let host = url.host_str().ok_or_else(|| SignatureError::Malformed {
        header: "the request URL",
        reason: format!("{url} has no host"),
    })?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// The absolute URL a received request was sent to.
pub(super) fn received_at(request: &Incoming<'_>) -> Result<url::Url, SignatureError> {
    url::Url::parse(request.target_uri).map_err(|e| SignatureError::Malformed {
        header: "the request's target URI",
        reason: format!("{:?} is not an absolute URI: {e}", request.target_uri),
    })
}

/// A signature date checked against `now`: at most an hour old, at most five minutes ahead.
pub(super) fn check_signed_at(at: Timestamp, now: Timestamp) -> Result<(), SignatureError> {
    let (at_s, now_s) = (at.as_second(), now.as_second());
    if at_s < now_s - MAX_AGE_SECONDS {
        Err(SignatureError::Stale { at })
    } else if at_s > now_s + MAX_AHEAD_SECONDS {
        Err(SignatureError::FromFuture { at })
    } else {
        Ok(())
    }
}

/// An `expires` parameter checked against `now`.
pub(super) fn check_expires(expires: Timestamp, now: Timestamp) -> Result<(), SignatureError> {
    if expires < now { Err(SignatureError::Expired { at: expires }) } else { Ok(()) }
}

/// Seconds since the epoch, as both schemes write `created` and `expires`.
pub(super) fn timestamp(seconds: i64, header: &'static str) -> Result<Timestamp, SignatureError> {
    Timestamp::from_second(seconds)
        .map_err(|_| SignatureError::Malformed { header, reason: format!("{seconds} is not a time") })
}

/// Which digest algorithms we compute, by their names in `Digest` and `Content-Digest`.
pub(super) fn digest_of(algorithm: &str, body: &[u8]) -> Option<Vec<u8>> {
    match algorithm.to_ascii_lowercase().as_str() {
        "sha-256" => Some(Sha256::digest(body).to_vec()),
        "sha-512" => Some(sha2::Sha512::digest(body).to_vec()),
        _ => None,
    }
}

/// Checks the digests a request gives for its body, `(algorithm, digest)`. Every one we can
/// compute must match; ones we cannot are ignored beside one we can, and refused alone, since
/// then nothing ties the body to the signature.
pub(super) fn check_digests(digests: &[(String, Vec<u8>)], body: &[u8]) -> Result<(), SignatureError> {
    let mut checked = false;
    for (algorithm, given) in digests {
        if let Some(computed) = digest_of(algorithm, body) {
            if computed != *given {
                return Err(SignatureError::DigestMismatch);
            }
            checked = true;
        }
    }
    if checked {
        Ok(())
    } else {
        let names: Vec<&str> = digests.iter().map(|(a, _)| a.as_str()).collect();
        Err(SignatureError::Unsupported { algorithm: names.join(", ") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"{}";

    #[test]
    fn digests_we_cannot_compute_are_refused_alone_and_ignored_beside_ours() {
        let sha256 = ("sha-256".to_string(), Sha256::digest(BODY).to_vec());
        let unknown = ("md5".to_string(), vec![1, 2, 3]);
        assert!(check_digests(&[unknown.clone(), sha256.clone()], BODY).is_ok());
        assert!(matches!(check_digests(&[unknown], BODY), Err(SignatureError::Unsupported { .. })));
        let sha512 = ("SHA-512".to_string(), sha2::Sha512::digest(b"other").to_vec());
        assert!(matches!(check_digests(&[sha256, sha512], BODY), Err(SignatureError::DigestMismatch)));
        assert!(matches!(check_digests(&[], BODY), Err(SignatureError::Unsupported { .. })));
    }
}
