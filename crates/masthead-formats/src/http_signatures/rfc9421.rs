//! RFC 9421 HTTP Message Signatures: the `Signature-Input` and `Signature` headers, the
//! signature base they are made over, and RFC 9530 `Content-Digest` to tie the body in.
//!
//! Structured headers are read and written by `sfv` only, never by hand, so that the
//! `@signature-params` line we sign or check is exactly the serialisation the RFC defines. It
//! must never accept a signature that leaves the method, the target or the body out.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jiff::Timestamp;
use sfv::{BareItem, InnerList, Item, Key, ListEntry, Parameters, Parser, Version};
use sha2::{Digest, Sha256};

use super::error::SignatureError;
use super::keys::{PrivateKey, PublicKey};
use super::request::{
    Incoming, Outgoing, Signer, check_digests, check_expires, check_signed_at, combined_header,
    header_values, host_of, received_at, timestamp,
};

/// The label our signatures go under; any label is accepted from others.
const LABEL: &str = "sig1";

pub(super) fn sign(
    request: &Outgoing<'_>,
    signer: &Signer<'_>,
    now: Timestamp,
) -> Result<Vec<(&'static str, String)>, SignatureError> {
    // The target as RFC 9110 defines it: no fragment, no user information (neither is sent).
    let mut target = request.url.clone();
    target.set_fragment(None);
    let _ = target.set_username("");
    let _ = target.set_password(None);

    let mut headers = Vec::new();
    let mut components = vec![("@method", request.method.to_string()), ("@target-uri", target.to_string())];
    if !request.body.is_empty() || request.method.eq_ignore_ascii_case("POST") {
        let digest = format!("sha-256=:{}:", BASE64.encode(Sha256::digest(request.body)));
        components.push(("content-digest", digest.clone()));
        headers.push(("content-digest", digest));
    }

    let key_id = sfv::String::from_string(signer.key_id.to_string()).map_err(|_| SignatureError::BadKey {
        reason: format!("key id {:?} cannot be written in a header (printable ASCII only)", signer.key_id),
    })?;
    let alg = match signer.key {
        PrivateKey::Rsa(_) => sfv::string_ref("rsa-v1_5-sha256"),
        PrivateKey::Ed25519(_) => sfv::string_ref("ed25519"),
    };
    let items = components.iter().map(|(name, _)| Item::new(sfv::string_ref(name).to_owned())).collect();
    let mut params = Parameters::new();
    params.insert(key("created"), BareItem::Integer(integer(now.as_second())?));
    params.insert(key("keyid"), BareItem::String(key_id));
    params.insert(key("alg"), BareItem::String(alg.to_owned()));
    let inner = InnerList::with_params(items, params);

    let lines: Vec<(&str, &str)> = components.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let base = signature_base(&lines, &inner)?;
    let signature = signer.key.sign_bytes(base.as_bytes())?;

    let mut input = sfv::Dictionary::new();
    input.insert(key(LABEL), ListEntry::InnerList(inner));
    let mut signatures = sfv::Dictionary::new();
    signatures.insert(key(LABEL), ListEntry::Item(Item::new(BareItem::ByteSequence(signature))));
    headers.push(("signature-input", serialize(&input)?));
    headers.push(("signature", serialize(&signatures)?));
    Ok(headers)
}

/// The signature a received request is checked by.
#[derive(Debug)]
pub(super) struct Chosen {
    pub(super) key_id: String,
    components: InnerList,
    signature: Vec<u8>,
}

/// The first signature in `Signature-Input` that covers what we require: `@method`, the target
/// (`@target-uri`, or `@authority` and `@path`), and `content-digest` when there is a body.
/// Others (a proxy's, a signature over some other part of the message) are passed over.
pub(super) fn chosen(request: &Incoming<'_>) -> Result<Chosen, SignatureError> {
    if header_values(request.headers, "signature").next().is_none() {
        return Err(SignatureError::Missing);
    }
    let inputs = dictionary(request, "signature-input", "Signature-Input")?;
    let signatures = dictionary(request, "signature", "Signature")?;
    let mut first_gap = None;
    for (label, entry) in &inputs {
        let malformed = |reason: String| SignatureError::Malformed { header: "Signature-Input", reason };
        let ListEntry::InnerList(inner) = entry else {
            return Err(malformed(format!("{label} is not a list of components")));
        };
        let mut names = Vec::with_capacity(inner.items.len());
        for item in &inner.items {
            let BareItem::String(name) = &item.bare_item else {
                return Err(malformed(format!("{label} names a component that is not a quoted string")));
            };
            names.push(name.as_str());
        }
        if let Some(gap) = uncovered(&names, !request.body.is_empty()) {
            first_gap.get_or_insert(gap);
            continue;
        }
        let Some(BareItem::String(key_id)) = inner.params.get("keyid") else {
            return Err(malformed(format!("{label} names no keyid")));
        };
        let signature = match signatures.get(label.as_str()) {
            Some(ListEntry::Item(Item { bare_item: BareItem::ByteSequence(bytes), .. })) => bytes.clone(),
            Some(_) => {
                return Err(SignatureError::Malformed {
                    header: "Signature",
                    reason: format!("{label} is not a byte sequence (:base64:)"),
                });
            }
            None => {
                return Err(SignatureError::Malformed {
                    header: "Signature",
                    reason: format!("there is no signature labelled {label}"),
                });
            }
        };
        return Ok(Chosen { key_id: key_id.as_str().to_string(), components: inner.clone(), signature });
    }
    Err(SignatureError::NotCovered { component: first_gap.unwrap_or("@method").to_string() })
}

/// What a signature covering `names` leaves out of what we require, if anything.
fn uncovered(names: &[&str], has_body: bool) -> Option<&'static str> {
    let covers = |name: &str| names.contains(&name);
    if !covers("@method") {
        Some("@method")
    } else if !(covers("@target-uri") || (covers("@authority") && covers("@path"))) {
        Some("@target-uri")
    } else if has_body && !covers("content-digest") {
        Some("content-digest")
    } else {
        None
    }
}

pub(super) fn verify(
    request: &Incoming<'_>,
    key_id: &str,
    key: &PublicKey,
    now: Timestamp,
) -> Result<(), SignatureError> {
    let chosen = chosen(request)?;
    if chosen.key_id != key_id {
        return Err(SignatureError::Malformed {
            header: "Signature-Input",
            reason: format!("it names key {:?}, not {key_id:?} that it was checked with", chosen.key_id),
        });
    }
    let params = &chosen.components.params;
    let malformed =
        |reason: &str| SignatureError::Malformed { header: "Signature-Input", reason: reason.into() };

    let created = match params.get("created") {
        Some(BareItem::Integer(seconds)) => timestamp(i64::from(*seconds), "Signature-Input")?,
        Some(_) => return Err(malformed("created is not an integer")),
        // Without it, nothing stops a captured request from being replayed for ever.
        None => return Err(malformed("the signature has no created time")),
    };
    check_signed_at(created, now)?;
    match params.get("expires") {
        Some(BareItem::Integer(seconds)) => {
            check_expires(timestamp(i64::from(*seconds), "Signature-Input")?, now)?
        }
        Some(_) => return Err(malformed("expires is not an integer")),
        None => {}
    }
    match params.get("alg") {
        Some(BareItem::String(alg)) => {
            let fits = match alg.as_str() {
                "rsa-v1_5-sha256" => matches!(key, PublicKey::Rsa(_)),
                "ed25519" => matches!(key, PublicKey::Ed25519(_)),
                other => return Err(SignatureError::Unsupported { algorithm: other.to_string() }),
            };
            if !fits {
                return Err(SignatureError::BadKey {
                    reason: format!("the signature says {} but the key is {}", alg.as_str(), key.kind()),
                });
            }
        }
        Some(_) => return Err(malformed("alg is not a quoted string")),
        // Without alg the key decides, as RFC 9421 §3.3.7 allows.
        None => {}
    }

    let target = received_at(request)?;
    let mut lines = Vec::with_capacity(chosen.components.items.len());
    for item in &chosen.components.items {
        let BareItem::String(name) = &item.bare_item else {
            return Err(malformed("a component is not a quoted string"));
        };
        let name = name.as_str();
        if !item.params.is_empty() {
            return Err(SignatureError::Malformed {
                header: "Signature-Input",
                reason: format!("{name} has parameters (;sf, ;key, ;req …), which are not checked here"),
            });
        }
        if lines.iter().any(|(seen, _)| *seen == name) {
            return Err(SignatureError::Malformed {
                header: "Signature-Input",
                reason: format!("{name} is covered twice"),
            });
        }
        lines.push((name, component_value(request, &target, name)?));
    }
    if let Some((_, value)) = lines.iter().find(|(name, _)| *name == "content-digest") {
        check_content_digest(value, request.body)?;
    }

    let lines: Vec<(&str, &str)> = lines.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let base = signature_base(&lines, &chosen.components)?;
    key.verify_bytes(base.as_bytes(), &chosen.signature)
}

/// The value of one covered component (RFC 9421 §2.1, §2.2) in a received request.
fn component_value(request: &Incoming<'_>, target: &url::Url, name: &str) -> Result<String, SignatureError> {
    let query = || target.query().map(|q| format!("?{q}"));
    Ok(match name {
        "@method" => request.method.to_string(),
        "@target-uri" => request.target_uri.to_string(),
        "@authority" => host_of(target)?.to_ascii_lowercase(),
        "@scheme" => target.scheme().to_string(),
        "@path" => match target.path() {
            "" => "/".to_string(),
            path => path.to_string(),
        },
        "@query" => query().unwrap_or_else(|| "?".to_string()),
        "@request-target" => format!("{}{}", target.path(), query().unwrap_or_default()),
        derived if derived.starts_with('@') => {
            return Err(SignatureError::Malformed {
                header: "Signature-Input",
                reason: format!("{derived} is not a component this server can check"),
            });
        }
        header if header.bytes().any(|b| b.is_ascii_uppercase()) => {
            return Err(SignatureError::Malformed {
                header: "Signature-Input",
                reason: format!("{header}: header names are covered in lower case"),
            });
        }
        header => combined_header(request.headers, header).ok_or_else(|| SignatureError::Malformed {
            header: "Signature-Input",
            reason: format!("it covers the {header} header, which the request does not carry"),
        })?,
    })
}

/// The signature base (RFC 9421 §2.5): a `"name": value` line for each covered component, then
/// `"@signature-params"` with the serialised inner list and its parameters.
fn signature_base(components: &[(&str, &str)], inner: &InnerList) -> Result<String, SignatureError> {
    let mut base = String::new();
    for (name, value) in components {
        // A line break in a value would let it forge lines of its own.
        if value.contains(['\n', '\r']) {
            return Err(SignatureError::Malformed {
                header: "Signature-Input",
                reason: format!("the value of {name} holds a line break"),
            });
        }
        base.push_str(&format!("\"{name}\": {value}\n"));
    }
    let params = serialize(&vec![ListEntry::InnerList(inner.clone())])?;
    base.push_str(&format!("\"@signature-params\": {params}"));
    Ok(base)
}

/// Checks `Content-Digest` (RFC 9530: a dictionary of algorithm to `:base64:`) against `body`.
fn check_content_digest(value: &str, body: &[u8]) -> Result<(), SignatureError> {
    let malformed = |reason: String| SignatureError::Malformed { header: "Content-Digest", reason };
    let digests: sfv::Dictionary = Parser::new(value)
        .with_version(Version::Rfc8941)
        .parse()
        .map_err(|e| malformed(format!("not a structured dictionary: {e}")))?;
    let digests = digests
        .iter()
        .map(|(algorithm, entry)| match entry {
            ListEntry::Item(Item { bare_item: BareItem::ByteSequence(bytes), .. }) => {
                Ok((algorithm.as_str().to_string(), bytes.clone()))
            }
            _ => Err(malformed(format!("{algorithm} is not a byte sequence (:base64:)"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_digests(&digests, body)
}

/// A structured dictionary header, its repeated lines joined as RFC 9110 §5.3 combines them.
fn dictionary(
    request: &Incoming<'_>,
    name: &str,
    header: &'static str,
) -> Result<sfv::Dictionary, SignatureError> {
    let joined = header_values(request.headers, name).collect::<Vec<_>>().join(", ");
    let parsed: sfv::Dictionary =
        Parser::new(&joined).with_version(Version::Rfc8941).parse().map_err(|e| {
            SignatureError::Malformed { header, reason: format!("not a structured dictionary: {e}") }
        })?;
    if parsed.is_empty() {
        return Err(SignatureError::Malformed { header, reason: "it is empty".into() });
    }
    Ok(parsed)
}

fn serialize<T: sfv::FieldType<SerializeResult = Option<String>>>(
    value: &T,
) -> Result<String, SignatureError> {
    value.serialize().ok_or_else(|| SignatureError::Malformed {
        header: "Signature-Input",
        reason: "nothing to write".into(),
    })
}

fn key(name: &str) -> Key {
    sfv::key_ref(name).to_owned()
}

fn integer(value: i64) -> Result<sfv::Integer, SignatureError> {
    sfv::Integer::try_from(value).map_err(|_| SignatureError::Malformed {
        header: "Signature-Input",
        reason: format!("{value} is too large for a structured integer"),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ed25519_key, now, rsa_key};
    use super::super::{Claimed, Scheme, key_id, verify};
    use super::*;

    // RFC 9421 Appendix B.1.4, the test key "test-key-ed25519".
    const RFC_ED25519_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
";
    const RFC_ED25519_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
";

    /// RFC 9421 Appendix B.2 "test-request", with B.2.6's signature headers.
    fn rfc_b26_headers() -> Vec<(String, String)> {
        [
            ("host", "example.com"),
            ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
            ("content-type", "application/json"),
            (
                "content-digest",
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
            ),
            ("content-length", "18"),
            (
                "signature-input",
                "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"",
            ),
            (
                "signature",
                "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
            ),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
    }

    const RFC_B26_BASE: &str = "\"date\": Tue, 20 Apr 2021 02:07:55 GMT
\"@method\": POST
\"@path\": /foo
\"@authority\": example.com
\"content-type\": application/json
\"content-length\": 18
\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";

    const RFC_TARGET: &str = "https://example.com/foo?param=Value&Pet=dog";
    const RFC_BODY: &[u8] = b"{\"hello\": \"world\"}";

    fn rfc_created() -> Timestamp {
        Timestamp::from_second(1618884473).unwrap()
    }

    #[test]
    fn rfc_9421_b_2_6_signature_base_is_reproduced_and_its_signature_verifies() {
        let headers = rfc_b26_headers();
        let request = Incoming { method: "POST", target_uri: RFC_TARGET, headers: &headers, body: RFC_BODY };
        let target = received_at(&request).unwrap();
        let inputs = dictionary(&request, "signature-input", "Signature-Input").unwrap();
        let Some(ListEntry::InnerList(inner)) = inputs.get("sig-b26") else { panic!("no sig-b26") };
        let lines: Vec<(String, String)> = inner
            .items
            .iter()
            .map(|item| {
                let name = item.bare_item.as_string().unwrap().as_str().to_string();
                let value = component_value(&request, &target, &name).unwrap();
                (name, value)
            })
            .collect();
        let lines: Vec<(&str, &str)> = lines.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let base = signature_base(&lines, inner).unwrap();
        assert_eq!(base, RFC_B26_BASE);

        let key = PublicKey::from_pem(RFC_ED25519_PUBLIC).unwrap();
        let published = BASE64
            .decode(
                "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==",
            )
            .unwrap();
        key.verify_bytes(base.as_bytes(), &published).unwrap();
        // Ed25519 is deterministic: the RFC's private key makes the very same signature.
        let private = PrivateKey::from_pem(RFC_ED25519_PRIVATE).unwrap();
        assert_eq!(private.public_key(), key);
        assert_eq!(private.sign_bytes(base.as_bytes()).unwrap(), published);
        assert!(
            check_content_digest(&combined_header(&headers, "content-digest").unwrap(), RFC_BODY).is_ok()
        );
    }

    #[test]
    fn rfc_9421_b_2_6_is_refused_whole_because_it_leaves_the_body_unsigned() {
        let headers = rfc_b26_headers();
        let request = Incoming { method: "POST", target_uri: RFC_TARGET, headers: &headers, body: RFC_BODY };
        let claimed = key_id(&request);
        assert!(
            matches!(&claimed, Err(SignatureError::NotCovered { component }) if component == "content-digest"),
            "{claimed:?}"
        );
        // Without a body nothing is missing, and the whole check passes on the RFC's request.
        let request = Incoming { body: b"", ..request };
        let claimed = key_id(&request).unwrap();
        assert_eq!(claimed, Claimed { key_id: "test-key-ed25519".into(), scheme: Scheme::Rfc9421 });
        let key = PublicKey::from_pem(RFC_ED25519_PUBLIC).unwrap();
        verify(&request, &claimed, &key, rfc_created()).unwrap();
    }

    fn signed(key: &PrivateKey) -> Vec<(String, String)> {
        let url = url::Url::parse("https://social.example/inbox").unwrap();
        let signer = Signer { key_id: "https://news.example/actor#main-key", key };
        let mut headers = vec![("host".to_string(), "social.example".to_string())];
        let added = sign(&Outgoing { method: "POST", url: &url, body: b"{}" }, &signer, now()).unwrap();
        headers.extend(added.into_iter().map(|(n, v)| (n.to_string(), v)));
        headers
    }

    fn header<'a>(headers: &'a [(String, String)], name: &'a str) -> &'a str {
        header_values(headers, name).next().unwrap()
    }

    #[test]
    fn signing_writes_the_components_and_parameters_federation_expects() {
        let headers = signed(&ed25519_key());
        assert_eq!(
            header(&headers, "content-digest"),
            "sha-256=:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=:"
        );
        assert_eq!(
            header(&headers, "signature-input"),
            format!(
                "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created={};keyid=\"https://news.example/actor#main-key\";alg=\"ed25519\"",
                now().as_second()
            )
        );
        assert!(header(&headers, "signature").starts_with("sig1=:"));
        let headers = signed(rsa_key());
        assert!(header(&headers, "signature-input").ends_with(";alg=\"rsa-v1_5-sha256\""));

        let url = url::Url::parse("https://social.example/users/bob#me").unwrap();
        let signer = Signer { key_id: "k", key: &ed25519_key() };
        let added = sign(&Outgoing { method: "GET", url: &url, body: b"" }, &signer, now()).unwrap();
        assert_eq!(added.iter().map(|(n, _)| *n).collect::<Vec<_>>(), ["signature-input", "signature"]);
        assert!(added[0].1.starts_with("sig1=(\"@method\" \"@target-uri\");"));
    }

    fn check(headers: &[(String, String)], body: &[u8]) -> Result<(), SignatureError> {
        let request = Incoming { method: "POST", target_uri: "https://social.example/inbox", headers, body };
        let claimed = key_id(&request)?;
        verify(&request, &claimed, &ed25519_key().public_key(), now())
    }

    fn replaced(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| (n.clone(), if n == name { value.to_string() } else { v.clone() }))
            .collect()
    }

    #[test]
    fn a_signature_that_leaves_out_a_required_component_is_not_covered() {
        let headers = signed(&ed25519_key());
        let input = header(&headers, "signature-input");
        for (left_out, component) in [
            ("\"@method\" ", "@method"),
            ("\"@target-uri\" ", "@target-uri"),
            (" \"content-digest\"", "content-digest"),
        ] {
            let headers = replaced(&headers, "signature-input", &input.replace(left_out, ""));
            let result = check(&headers, b"{}");
            assert!(
                matches!(&result, Err(SignatureError::NotCovered { component: c }) if c == component),
                "{left_out}: {result:?}"
            );
        }
    }

    #[test]
    fn the_first_signature_that_covers_enough_is_the_one_checked() {
        let headers = signed(&ed25519_key());
        let input = header(&headers, "signature-input");
        let signature = header(&headers, "signature");
        // A proxy's signature over less, listed first, and ours under another label.
        let input =
            format!("proxy=(\"@authority\");created=1;keyid=\"p\", {}", input.replace("sig1=", "ours="));
        let signature = format!("proxy=:AAAA:, {}", signature.replace("sig1=", "ours="));
        let headers = replaced(&replaced(&headers, "signature-input", &input), "signature", &signature);
        assert!(check(&headers, b"{}").is_ok());
    }

    #[test]
    fn authority_and_path_may_stand_for_the_target_uri() {
        let key = ed25519_key();
        let target = url::Url::parse("https://social.example/inbox").unwrap();
        let body = b"{}";
        let digest = format!("sha-256=:{}:", BASE64.encode(Sha256::digest(body)));
        let mut headers = vec![
            ("host".to_string(), "social.example".to_string()),
            ("content-digest".to_string(), digest.clone()),
        ];
        let mut params = Parameters::new();
        params.insert(key_name("created"), BareItem::Integer(integer(now().as_second()).unwrap()));
        params.insert(key_name("keyid"), BareItem::String(sfv::string_ref("k").to_owned()));
        let items = ["@method", "@authority", "@path", "content-digest"]
            .map(|n| Item::new(sfv::string_ref(n).to_owned()))
            .to_vec();
        let inner = InnerList::with_params(items, params);
        let lines = [("@method", "POST"), ("@authority", "social.example"), ("@path", "/inbox")];
        let mut lines = lines.to_vec();
        lines.push(("content-digest", &digest));
        let base = signature_base(&lines, &inner).unwrap();
        let signature = key.sign_bytes(base.as_bytes()).unwrap();
        let mut input = sfv::Dictionary::new();
        input.insert(key_name("a"), ListEntry::InnerList(inner));
        headers.push(("signature-input".into(), serialize(&input).unwrap()));
        headers.push(("signature".into(), format!("a=:{}:", BASE64.encode(signature))));
        let request = Incoming { method: "POST", target_uri: target.as_str(), headers: &headers, body };
        let claimed = key_id(&request).unwrap();
        verify(&request, &claimed, &key.public_key(), now()).unwrap();
    }

    fn key_name(name: &str) -> Key {
        key(name)
    }

    #[test]
    fn an_expired_signature_is_refused() {
        let headers = signed(&ed25519_key());
        let input = header(&headers, "signature-input");
        let expired = format!("{input};expires={}", now().as_second() - 1);
        let result = check(&replaced(&headers, "signature-input", &expired), b"{}");
        assert!(matches!(result, Err(SignatureError::Expired { .. })), "{result:?}");
    }

    #[test]
    fn an_algorithm_other_than_the_keys_is_refused() {
        let headers = signed(&ed25519_key());
        let input = header(&headers, "signature-input");
        let other = input.replace("\"ed25519\"", "\"rsa-v1_5-sha256\"");
        let result = check(&replaced(&headers, "signature-input", &other), b"{}");
        assert!(matches!(result, Err(SignatureError::BadKey { .. })), "{result:?}");
        let unknown = input.replace("\"ed25519\"", "\"hmac-sha256\"");
        let result = check(&replaced(&headers, "signature-input", &unknown), b"{}");
        assert!(
            matches!(&result, Err(SignatureError::Unsupported { algorithm }) if algorithm == "hmac-sha256")
        );
    }

    #[test]
    fn unreadable_headers_say_which_and_why() {
        let headers = signed(&ed25519_key());
        for (name, value) in [
            ("signature-input", "sig1=(\"@method\""),
            ("signature", "sig1=not-bytes"),
            ("content-digest", "sha-256=abc"),
        ] {
            let result = check(&replaced(&headers, name, value), b"{}");
            assert!(matches!(result, Err(SignatureError::Malformed { .. })), "{name}: {result:?}");
        }
        let without_signature: Vec<_> = headers.iter().filter(|(n, _)| n != "signature").cloned().collect();
        assert!(matches!(check(&without_signature, b"{}"), Err(SignatureError::Missing)));
        let without_created = replaced(
            &headers,
            "signature-input",
            &header(&headers, "signature-input").replace(&format!("created={};", now().as_second()), ""),
        );
        assert!(matches!(check(&without_created, b"{}"), Err(SignatureError::Malformed { .. })));
    }

    #[test]
    fn a_content_digest_in_sha_512_or_beside_an_unknown_one_is_checked() {
        let body = b"{}";
        let sha512 = format!("sha-512=:{}:", BASE64.encode(sha2::Sha512::digest(body)));
        assert!(check_content_digest(&sha512, body).is_ok());
        assert!(check_content_digest(&format!("unixsum=:AAAA:, {sha512}"), body).is_ok());
        assert!(matches!(check_content_digest(&sha512, b"[]"), Err(SignatureError::DigestMismatch)));
        assert!(matches!(
            check_content_digest("unixsum=:AAAA:", body),
            Err(SignatureError::Unsupported { .. })
        ));
    }
}
