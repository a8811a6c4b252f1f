//! draft-cavage-http-signatures-12, as Mastodon sends and accepts it: one `Signature` header of
//! `keyId`, `algorithm`, `headers` and `signature`, over `(request-target)`, `Host`, `Date` and a
//! `Digest` of the body.
//!
//! The header is read by [`read_parameters`], a small strict reader written here because the
//! permissively licensed crates that parse it are not to be had. It must never panic on what a
//! stranger sends, and never accept a signature that leaves the target, the host, the date or
//! the body out.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::error::SignatureError;
use super::keys::{PrivateKey, PublicKey};
use super::request::{
    Incoming, Outgoing, Signer, check_digests, check_expires, check_signed_at, combined_header,
    header_values, host_of, received_at, timestamp,
};

/// IMF-fixdate (RFC 9110 §5.6.7), the one `Date` form servers send: `Sun, 06 Nov 1994 08:49:37 GMT`.
const HTTP_DATE: &str = "%a, %d %b %Y %H:%M:%S GMT";

pub(super) fn sign(
    request: &Outgoing<'_>,
    signer: &Signer<'_>,
    now: Timestamp,
) -> Result<Vec<(&'static str, String)>, SignatureError> {
    let host = host_of(request.url)?;
    let date = now.strftime(HTTP_DATE).to_string();
    let mut headers = vec![("host", host.clone()), ("date", date.clone())];
    let mut lines = vec![
        ("(request-target)", request_target(request.method, request.url)),
        ("host", host),
        ("date", date),
    ];
    if !request.body.is_empty() || request.method.eq_ignore_ascii_case("POST") {
        let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(request.body)));
        lines.push(("digest", digest.clone()));
        headers.push(("digest", digest));
    }
    let signing_string = signing_string(lines.iter().map(|(name, value)| (*name, value.as_str())))?;
    let signature = BASE64.encode(signer.key.sign_bytes(signing_string.as_bytes())?);
    // Mastodon names an RSA signature rsa-sha256; hs2019 leaves the algorithm to the key, the
    // only way the draft has to say Ed25519.
    let algorithm = match signer.key {
        PrivateKey::Rsa(_) => "rsa-sha256",
        PrivateKey::Ed25519(_) => "hs2019",
    };
    let names: Vec<&str> = lines.iter().map(|(name, _)| *name).collect();
    headers.push((
        "signature",
        format!(
            "keyId={},algorithm=\"{algorithm}\",headers=\"{}\",signature=\"{signature}\"",
            quoted(signer.key_id)?,
            names.join(" ")
        ),
    ));
    Ok(headers)
}

/// `(request-target)`: the method in lower case, a space, the path and query.
fn request_target(method: &str, url: &url::Url) -> String {
    match url.query() {
        Some(query) => format!("{} {}?{query}", method.to_ascii_lowercase(), url.path()),
        None => format!("{} {}", method.to_ascii_lowercase(), url.path()),
    }
}

/// `name: value` lines joined by line feeds, the string draft-cavage signs.
fn signing_string<'a>(lines: impl Iterator<Item = (&'a str, &'a str)>) -> Result<String, SignatureError> {
    let mut out = Vec::new();
    for (name, value) in lines {
        // A line break in a value would let it forge lines of its own.
        if value.contains(['\n', '\r']) {
            return Err(SignatureError::Malformed {
                header: "Signature",
                reason: format!("the value of {name} holds a line break"),
            });
        }
        out.push(format!("{name}: {value}"));
    }
    Ok(out.join("\n"))
}

/// `value` as a quoted-string, backslash before `"` and `\`.
fn quoted(value: &str) -> Result<String, SignatureError> {
    if value.chars().any(|c| c.is_ascii_control()) {
        return Err(SignatureError::BadKey {
            reason: format!("key id {value:?} cannot be written in a header (it holds a control character)"),
        });
    }
    Ok(format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")))
}

/// The parameters of a received `Signature` header this scheme uses.
#[derive(Debug)]
struct Parameters {
    key_id: String,
    algorithm: Option<String>,
    headers: Option<String>,
    signature: String,
    created: Option<String>,
    expires: Option<String>,
}

fn parameters(request: &Incoming<'_>) -> Result<Parameters, SignatureError> {
    let malformed = |reason: String| SignatureError::Malformed { header: "Signature", reason };
    let mut values = header_values(request.headers, "signature");
    let value = values.next().ok_or(SignatureError::Missing)?;
    if values.next().is_some() {
        return Err(malformed("it appears more than once".into()));
    }
    let mut pairs = read_parameters(value).map_err(malformed)?;
    let mut take = |name: &str| pairs.iter().position(|(n, _)| *n == name).map(|i| pairs.swap_remove(i).1);
    Ok(Parameters {
        key_id: take("keyId").ok_or_else(|| malformed("it has no keyId".into()))?,
        algorithm: take("algorithm"),
        headers: take("headers"),
        signature: take("signature").ok_or_else(|| malformed("it has no signature".into()))?,
        created: take("created"),
        expires: take("expires"),
    })
}

pub(super) fn key_id(request: &Incoming<'_>) -> Result<String, SignatureError> {
    Ok(parameters(request)?.key_id)
}

pub(super) fn verify(
    request: &Incoming<'_>,
    key_id: &str,
    key: &PublicKey,
    now: Timestamp,
) -> Result<(), SignatureError> {
    let params = parameters(request)?;
    let malformed = |reason: String| SignatureError::Malformed { header: "Signature", reason };
    if params.key_id != key_id {
        return Err(malformed(format!(
            "it names key {:?}, not {key_id:?} that it was checked with",
            params.key_id
        )));
    }
    match params.algorithm.as_deref() {
        // The draft's default, and what it asks new signers to send: the key decides.
        None | Some("hs2019") => {}
        Some("rsa-sha256") if matches!(key, PublicKey::Rsa(_)) => {}
        Some("rsa-sha256") => {
            return Err(SignatureError::BadKey {
                reason: format!("the signature says rsa-sha256 but the key is {}", key.kind()),
            });
        }
        Some(other) => return Err(SignatureError::Unsupported { algorithm: other.to_string() }),
    }

    // The draft's default when `headers` is absent is `date` alone, which covers too little.
    let covered: Vec<String> = params
        .headers
        .as_deref()
        .unwrap_or("date")
        .split_ascii_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    for (i, name) in covered.iter().enumerate() {
        if covered[..i].contains(name) {
            return Err(malformed(format!("headers names {name} twice")));
        }
    }
    let covers = |name: &str| covered.iter().any(|c| c == name);
    let mut required = vec!["(request-target)", "host"];
    if !covers("(created)") {
        required.push("date");
    }
    if !request.body.is_empty() {
        required.push("digest");
    }
    if let Some(missing) = required.into_iter().find(|name| !covers(name)) {
        return Err(SignatureError::NotCovered { component: missing.to_string() });
    }

    let seconds = |value: &Option<String>, name: &str| -> Result<Option<Timestamp>, SignatureError> {
        value
            .as_deref()
            .map(|v| {
                let seconds =
                    v.parse::<i64>().map_err(|_| malformed(format!("{name} is not a number: {v:?}")))?;
                timestamp(seconds, "Signature")
            })
            .transpose()
    };
    let created = seconds(&params.created, "created")?;
    let expires = seconds(&params.expires, "expires")?;
    if covers("(created)") {
        check_signed_at(
            created.ok_or_else(|| malformed("headers names (created) but created is absent".into()))?,
            now,
        )?;
    }
    if let Some(expires) = expires {
        check_expires(expires, now)?;
    }

    let target = received_at(request)?;
    let mut lines = Vec::with_capacity(covered.len());
    for name in &covered {
        let value = match name.as_str() {
            "(request-target)" => request_target(request.method, &target),
            // The host we were reached at, not the header as sent: a request signed for
            // another site's inbox must not hold here (RFC 9421's `@authority` is the same).
            "host" => host_of(&target)?,
            "(created)" => params.created.clone().unwrap_or_default(),
            "(expires)" => params
                .expires
                .clone()
                .ok_or_else(|| malformed("headers names (expires) but expires is absent".into()))?,
            pseudo if pseudo.starts_with('(') => {
                return Err(malformed(format!("{pseudo} is not a pseudo-header this server can check")));
            }
            header => combined_header(request.headers, header).ok_or_else(|| {
                malformed(format!("it covers the {header} header, which the request does not carry"))
            })?,
        };
        if name == "date" {
            check_signed_at(http_date(&value)?, now)?;
        }
        if name == "digest" {
            check_digest(&value, request.body)?;
        }
        lines.push((name.as_str(), value));
    }
    let signing_string = signing_string(lines.iter().map(|(name, value)| (*name, value.as_str())))?;
    let signature =
        BASE64.decode(&params.signature).map_err(|_| malformed("the signature is not base64".into()))?;
    key.verify_bytes(signing_string.as_bytes(), &signature)
}

/// A `Date` header, read strictly as IMF-fixdate in GMT.
fn http_date(value: &str) -> Result<Timestamp, SignatureError> {
    jiff::civil::DateTime::strptime(HTTP_DATE, value)
        .and_then(|date| date.to_zoned(jiff::tz::TimeZone::UTC))
        .map(|date| date.timestamp())
        .map_err(|_| SignatureError::Malformed {
            header: "Date",
            reason: format!("{value:?} is not an HTTP date like \"Tue, 03 Mar 2026 10:00:00 GMT\""),
        })
}

/// Checks `Digest` (RFC 3230: `SHA-256=base64`, several joined by commas) against `body`.
fn check_digest(value: &str, body: &[u8]) -> Result<(), SignatureError> {
    let digests = value
        .split(',')
        .map(|entry| {
            let (algorithm, digest) =
                entry.trim().split_once('=').ok_or_else(|| SignatureError::Malformed {
                    header: "Digest",
                    reason: format!("{:?} is not algorithm=base64", entry.trim()),
                })?;
            let digest = BASE64.decode(digest).map_err(|_| SignatureError::Malformed {
                header: "Digest",
                reason: format!("the {algorithm} digest is not base64"),
            })?;
            Ok((algorithm.to_string(), digest))
        })
        .collect::<Result<Vec<_>, SignatureError>>()?;
    check_digests(&digests, body)
}

/// Reads a draft-cavage `Signature` header: `name="value"` pairs separated by commas, spaces and
/// tabs allowed around the commas. A value is a quoted-string (RFC 9110 §5.6.4: backslash
/// escapes the next character) or, as `created=1402170695` in the draft's own examples, a token.
/// A name given twice is refused, since two readers could each take a different one. Returns the
/// pairs in order, or why the header cannot be read.
pub(super) fn read_parameters(header: &str) -> Result<Vec<(&str, String)>, String> {
    let bytes = header.as_bytes();
    let mut at = 0;
    let mut pairs: Vec<(&str, String)> = Vec::new();
    loop {
        at = skip_whitespace(bytes, at);
        let start = at;
        while bytes.get(at).is_some_and(|b| is_tchar(*b)) {
            at += 1;
        }
        if at == start {
            return Err(match bytes.get(at) {
                None => "it ends where a parameter was expected".into(),
                Some(_) => format!("expected a parameter name at byte {at}"),
            });
        }
        // Every byte so far is ASCII, so `at` is on a character boundary.
        let name = &header[start..at];
        if bytes.get(at) != Some(&b'=') {
            return Err(format!("{name} is not followed by ="));
        }
        at += 1;
        let value = if bytes.get(at) == Some(&b'"') {
            let (value, end) = quoted_string(header, at + 1).map_err(|reason| format!("{name}: {reason}"))?;
            at = end;
            value
        } else {
            let start = at;
            while bytes.get(at).is_some_and(|b| is_tchar(*b)) {
                at += 1;
            }
            if at == start {
                return Err(format!("{name} has no value"));
            }
            header[start..at].to_string()
        };
        if pairs.iter().any(|(seen, _)| *seen == name) {
            return Err(format!("{name} is given twice"));
        }
        pairs.push((name, value));
        at = skip_whitespace(bytes, at);
        match bytes.get(at) {
            None => return Ok(pairs),
            Some(b',') => at += 1,
            Some(_) => return Err(format!("expected a comma after {name}, at byte {at}")),
        }
    }
}

/// The quoted-string whose opening quote ends just before `start`: its unescaped value, and the
/// byte offset after its closing quote.
fn quoted_string(header: &str, start: usize) -> Result<(String, usize), String> {
    let mut value = String::new();
    let mut chars = header[start..].char_indices();
    while let Some((offset, c)) = chars.next() {
        match c {
            '"' => return Ok((value, start + offset + 1)),
            '\\' => match chars.next() {
                Some((_, escaped)) if is_text(escaped) => value.push(escaped),
                Some(_) => return Err("a backslash escapes a control character".into()),
                None => return Err("the value ends with a backslash".into()),
            },
            c if is_text(c) => value.push(c),
            _ => return Err("the value holds a control character".into()),
        }
    }
    Err("the value has no closing quote".into())
}

/// What a quoted-string may hold: tab, space, visible ASCII, and non-ASCII (obs-text).
fn is_text(c: char) -> bool {
    c == '\t' || (c != '\u{7f}' && !c.is_control())
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    at
}

/// RFC 9110 §5.6.2 `tchar`, the characters of a token.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rsa::pkcs1v15;

    use super::super::tests::{ed25519_key, now, rsa_key};
    use super::super::{Claimed, Scheme, key_id as claimed_key, verify as check};
    use super::*;

    fn pairs(header: &str) -> Vec<(String, String)> {
        read_parameters(header).unwrap().into_iter().map(|(n, v)| (n.to_string(), v)).collect()
    }

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    #[test]
    fn the_reader_takes_quoted_values_in_order() {
        assert_eq!(
            pairs(
                r#"keyId="https://a.example/u#k",algorithm="rsa-sha256",headers="(request-target) host",signature="YQ==""#
            ),
            [
                pair("keyId", "https://a.example/u#k"),
                pair("algorithm", "rsa-sha256"),
                pair("headers", "(request-target) host"),
                pair("signature", "YQ=="),
            ]
        );
    }

    #[test]
    fn the_reader_unescapes_backslashes() {
        assert_eq!(
            pairs(r#"a="say \"hi\"",b="back\\slash",c="\x""#),
            [pair("a", r#"say "hi""#), pair("b", r"back\slash"), pair("c", "x"),]
        );
        assert_eq!(pairs(r#"a="""#), [pair("a", "")]);
        assert_eq!(pairs(r#"a="comma, inside=quotes""#), [pair("a", "comma, inside=quotes")]);
    }

    #[test]
    fn the_reader_allows_spaces_and_tabs_around_commas() {
        assert_eq!(
            pairs(" a=\"1\" ,\tb=\"2\" , c=\"3\"\t"),
            [pair("a", "1"), pair("b", "2"), pair("c", "3")]
        );
    }

    #[test]
    fn the_reader_takes_bare_numbers_as_the_draft_writes_created() {
        assert_eq!(
            pairs(r#"keyId="k",created=1402170695"#),
            [pair("keyId", "k"), pair("created", "1402170695")]
        );
    }

    #[test]
    fn the_reader_refuses_a_name_given_twice() {
        let result = read_parameters(r#"keyId="a",signature="x",keyId="b""#);
        assert_eq!(result, Err("keyId is given twice".to_string()));
    }

    #[test]
    fn the_reader_refuses_what_is_not_the_grammar() {
        for header in [
            "",
            " ",
            r#"keyId="a","#,
            r#",keyId="a""#,
            r#"keyId="a",,b="c""#,
            r#"keyId="a"b="c""#,
            r#"keyId="a" b="c""#,
            r#"keyId = "a""#,
            r#"keyId="a"#,
            r#"keyId="a\"#,
            "keyId=\"a\nb\"",
            "keyId=\"a\\\u{1}\"",
            r#"keyId"#,
            r#"keyId="#,
            r#"="a""#,
            r#"key id="a""#,
            r#"keyId=a b"#,
        ] {
            assert!(read_parameters(header).is_err(), "accepted {header:?}");
        }
    }

    #[test]
    fn the_reader_ignores_names_it_does_not_know() {
        let headers = vec![pair("signature", r#"keyId="k",nonce="n",signature="AAAA",extra=1"#)];
        let request =
            Incoming { method: "GET", target_uri: "https://a.example/", headers: &headers, body: b"" };
        assert_eq!(claimed_key(&request).unwrap(), Claimed { key_id: "k".into(), scheme: Scheme::Cavage });
    }

    proptest! {
        #[test]
        fn the_reader_never_panics_on_anything(header in any::<String>()) {
            let _ = read_parameters(&header);
        }

        #[test]
        fn the_reader_never_panics_on_near_misses(header in r#"[a-zA-Z=",\\ \t\x01é]{0,48}"#) {
            let _ = read_parameters(&header);
        }

        #[test]
        fn what_sign_quotes_the_reader_reads_back(key_id in "[ -~]{0,40}") {
            let header = format!("keyId={},signature=\"AAAA\"", quoted(&key_id).unwrap());
            let read = read_parameters(&header).unwrap();
            prop_assert_eq!(read[0].1.as_str(), key_id.as_str());
        }
    }

    /// A POST in the exact form Mastodon sends it, written here by hand and signed with the rsa
    /// crate directly, so that it does not depend on our own signing.
    fn mastodon_post(algorithm: &str, key: &rsa::RsaPrivateKey) -> Vec<(String, String)> {
        let body = br#"{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow"}"#;
        let date = "Mon, 02 Mar 2026 09:59:30 GMT";
        let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
        let signing_string = format!(
            "(request-target): post /users/bob/inbox\nhost: news.example\ndate: {date}\ndigest: {digest}\ncontent-type: application/activity+json"
        );
        use rsa::signature::{SignatureEncoding as _, Signer as _};
        let signature =
            pkcs1v15::SigningKey::<Sha256>::new(key.clone()).sign(signing_string.as_bytes()).to_bytes();
        vec![
            pair("host", "news.example"),
            pair("date", date),
            pair("digest", &digest),
            pair("content-type", "application/activity+json"),
            pair(
                "signature",
                &format!(
                    "keyId=\"https://mastodon.example/users/alice#main-key\",algorithm=\"{algorithm}\",headers=\"(request-target) host date digest content-type\",signature=\"{}\"",
                    BASE64.encode(signature)
                ),
            ),
        ]
    }

    const MASTODON_BODY: &[u8] = br#"{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow"}"#;

    #[test]
    fn a_mastodon_signature_verifies_as_rsa_sha256_and_hs2019() {
        let PrivateKey::Rsa(key) = rsa_key() else { unreachable!() };
        for algorithm in ["rsa-sha256", "hs2019"] {
            let headers = mastodon_post(algorithm, key);
            let request = Incoming {
                method: "POST",
                target_uri: "https://news.example/users/bob/inbox",
                headers: &headers,
                body: MASTODON_BODY,
            };
            let claimed = claimed_key(&request).unwrap();
            assert_eq!(claimed.key_id, "https://mastodon.example/users/alice#main-key");
            check(&request, &claimed, &rsa_key().public_key(), now()).unwrap();
        }
    }

    #[test]
    fn rsa_sha256_with_an_ed25519_key_is_refused() {
        let PrivateKey::Rsa(key) = rsa_key() else { unreachable!() };
        let headers = mastodon_post("rsa-sha256", key);
        let request = Incoming {
            method: "POST",
            target_uri: "https://news.example/users/bob/inbox",
            headers: &headers,
            body: MASTODON_BODY,
        };
        let claimed = claimed_key(&request).unwrap();
        let result = check(&request, &claimed, &ed25519_key().public_key(), now());
        assert!(matches!(result, Err(SignatureError::BadKey { .. })), "{result:?}");
    }

    fn request_with(headers: &[(String, String)]) -> Incoming<'_> {
        Incoming {
            method: "POST",
            target_uri: "https://news.example/users/bob/inbox",
            headers,
            body: MASTODON_BODY,
        }
    }

    fn with_signature(headers: &[(String, String)], from: &str, to: &str) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| (n.clone(), if n == "signature" { v.replace(from, to) } else { v.clone() }))
            .collect()
    }

    #[test]
    fn a_signature_that_leaves_out_a_required_header_is_not_covered() {
        let PrivateKey::Rsa(key) = rsa_key() else { unreachable!() };
        let headers = mastodon_post("rsa-sha256", key);
        for (list, missing) in [
            ("host date digest content-type", "(request-target)"),
            ("(request-target) date digest content-type", "host"),
            ("(request-target) host digest content-type", "date"),
            ("(request-target) host date content-type", "digest"),
        ] {
            let headers = with_signature(&headers, "(request-target) host date digest content-type", list);
            let request = request_with(&headers);
            let claimed = claimed_key(&request).unwrap();
            let result = check(&request, &claimed, &rsa_key().public_key(), now());
            assert!(
                matches!(&result, Err(SignatureError::NotCovered { component }) if component == missing),
                "{list}: {result:?}"
            );
        }
        // Without headers= the draft covers Date alone.
        let headers =
            with_signature(&headers, "headers=\"(request-target) host date digest content-type\",", "");
        let request = request_with(&headers);
        let result = check(&request, &claimed_key(&request).unwrap(), &rsa_key().public_key(), now());
        assert!(matches!(result, Err(SignatureError::NotCovered { .. })), "{result:?}");
    }

    #[test]
    fn a_covered_header_changed_or_removed_is_refused() {
        let PrivateKey::Rsa(key) = rsa_key() else { unreachable!() };
        let headers = mastodon_post("rsa-sha256", key);
        let changed: Vec<_> = headers
            .iter()
            .map(|(n, v)| (n.clone(), if n == "content-type" { "text/plain".to_string() } else { v.clone() }))
            .collect();
        let removed: Vec<_> = headers.iter().filter(|(n, _)| n != "content-type").cloned().collect();
        let request = request_with(&changed);
        let result = check(&request, &claimed_key(&request).unwrap(), &rsa_key().public_key(), now());
        assert!(matches!(result, Err(SignatureError::BadSignature)), "{result:?}");
        let request = request_with(&removed);
        let result = check(&request, &claimed_key(&request).unwrap(), &rsa_key().public_key(), now());
        assert!(matches!(result, Err(SignatureError::Malformed { .. })), "{result:?}");
    }

    #[test]
    fn other_algorithms_and_repeated_signatures_are_refused() {
        let PrivateKey::Rsa(key) = rsa_key() else { unreachable!() };
        let headers = mastodon_post("rsa-sha1", key);
        let request = request_with(&headers);
        let result = check(&request, &claimed_key(&request).unwrap(), &rsa_key().public_key(), now());
        assert!(matches!(&result, Err(SignatureError::Unsupported { algorithm }) if algorithm == "rsa-sha1"));

        let mut twice = mastodon_post("rsa-sha256", key);
        twice.push(twice.last().unwrap().clone());
        assert!(matches!(claimed_key(&request_with(&twice)), Err(SignatureError::Malformed { .. })));
    }

    #[test]
    fn created_may_stand_for_date() {
        let key = ed25519_key();
        let created = now().as_second() - 10;
        let signing_string =
            format!("(request-target): get /users/bob\nhost: news.example\n(created): {created}");
        let signature = BASE64.encode(key.sign_bytes(signing_string.as_bytes()).unwrap());
        let headers = vec![
            pair("host", "news.example"),
            pair(
                "signature",
                &format!(
                    "keyId=\"k\",algorithm=\"hs2019\",created={created},headers=\"(request-target) host (created)\",signature=\"{signature}\""
                ),
            ),
        ];
        let request = Incoming {
            method: "GET",
            target_uri: "https://news.example/users/bob",
            headers: &headers,
            body: b"",
        };
        check(&request, &claimed_key(&request).unwrap(), &key.public_key(), now()).unwrap();
        let later = now() + jiff::SignedDuration::from_hours(2);
        let result = check(&request, &claimed_key(&request).unwrap(), &key.public_key(), later);
        assert!(matches!(result, Err(SignatureError::Stale { .. })), "{result:?}");
    }

    #[test]
    fn http_dates_are_written_and_read_as_imf_fixdate() {
        assert_eq!(now().strftime(HTTP_DATE).to_string(), "Mon, 02 Mar 2026 10:00:00 GMT");
        assert_eq!(http_date("Mon, 02 Mar 2026 10:00:00 GMT").unwrap(), now());
        for bad in
            ["Monday, 02-Mar-26 10:00:00 GMT", "2026-03-02T10:00:00Z", "Mon, 02 Mar 2026 10:00:00 +0100", ""]
        {
            assert!(http_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn digest_headers_are_checked_in_any_case_and_beside_unknown_ones() {
        let sha256 = BASE64.encode(Sha256::digest(b"x"));
        assert!(check_digest(&format!("SHA-256={sha256}"), b"x").is_ok());
        assert!(check_digest(&format!("sha-256={sha256}"), b"x").is_ok());
        assert!(check_digest(&format!("MD5=AAAA, SHA-256={sha256}"), b"x").is_ok());
        assert!(matches!(
            check_digest(&format!("SHA-256={sha256}"), b"y"),
            Err(SignatureError::DigestMismatch)
        ));
        assert!(matches!(check_digest("MD5=AAAA", b"x"), Err(SignatureError::Unsupported { .. })));
        assert!(matches!(check_digest("SHA-256", b"x"), Err(SignatureError::Malformed { .. })));
    }

    #[test]
    fn signing_writes_the_header_in_mastodons_form() {
        let url = url::Url::parse("https://social.example:8443/users/bob/inbox?x=1").unwrap();
        let key = rsa_key();
        let signer = Signer { key_id: "https://news.example/actor#main-key", key };
        let added = sign(&Outgoing { method: "POST", url: &url, body: b"{}" }, &signer, now()).unwrap();
        let names: Vec<&str> = added.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["host", "date", "digest", "signature"]);
        assert_eq!(added[0].1, "social.example:8443");
        assert_eq!(added[1].1, "Mon, 02 Mar 2026 10:00:00 GMT");
        assert_eq!(added[2].1, "SHA-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=");
        assert!(added[3].1.starts_with(
            "keyId=\"https://news.example/actor#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\""
        ));
        let added = sign(&Outgoing { method: "GET", url: &url, body: b"" }, &signer, now()).unwrap();
        assert!(added[2].1.contains("headers=\"(request-target) host date\""));
    }
}
