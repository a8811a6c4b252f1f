//! What a delivery to another server costs in signing, and an incoming activity in checking:
//! RFC 9421 and draft-cavage, with an RSA-2048 key (what every server checks) and Ed25519.
//! `cargo bench -p masthead-formats --bench signatures`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use masthead_formats::http_signatures::{self as sig, Incoming, Outgoing, PrivateKey, Scheme, Signer};

const RSA_PEM: &str = include_str!("../../../tests/fixtures/activitypub/remote-key.pem");

fn signatures(c: &mut Criterion) {
    let rsa = PrivateKey::from_pem(RSA_PEM).expect("the test key reads");
    let ed25519 = PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[7; 32]));
    let url = url::Url::parse("https://social.example/inbox").unwrap();
    // About the size of a Create{Article} with a long article.
    let body = vec![b'x'; 12_000];
    let now: jiff::Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
    for (name, key) in [("rsa-2048", &rsa), ("ed25519", &ed25519)] {
        for (scheme_name, scheme) in [("rfc9421", Scheme::Rfc9421), ("cavage", Scheme::Cavage)] {
            let request = Outgoing { method: "POST", url: &url, body: &body };
            let signer = Signer { key_id: "https://news.example/ap/outlet#main-key", key };
            c.bench_function(&format!("sign {scheme_name} {name}"), |b| {
                b.iter(|| sig::sign(black_box(&request), &signer, scheme, now).unwrap())
            });
            let mut headers: Vec<(String, String)> = sig::sign(&request, &signer, scheme, now)
                .unwrap()
                .into_iter()
                .map(|(n, v)| (n.to_string(), v))
                .collect();
            headers.push(("host".into(), "social.example".into()));
            let incoming =
                Incoming { method: "POST", target_uri: url.as_str(), headers: &headers, body: &body };
            let claimed = sig::key_id(&incoming).unwrap();
            let public = key.public_key();
            c.bench_function(&format!("verify {scheme_name} {name}"), |b| {
                b.iter(|| sig::verify(black_box(&incoming), &claimed, &public, now).unwrap())
            });
        }
    }
}

criterion_group!(benches, signatures);
criterion_main!(benches);
