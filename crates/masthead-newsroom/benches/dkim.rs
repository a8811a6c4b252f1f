//! The cost of one newsletter message: made (text and HTML, list headers, return path) and
//! DKIM-signed with RSA-2048 or Ed25519, as a send does for every reader.
//! `cargo bench -p masthead-newsroom --bench dkim`; the figures are in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use masthead_core::AbsoluteUrl;
use masthead_newsroom::dkim::{DkimAlgorithm, DkimKey};
use masthead_newsroom::mail::{ListId, Mailer, Outgoing, Sender, message_id};
use std::hint::black_box;

/// A newsletter of about a thousand words: 10 KB of text, 25 KB of HTML with inlined styles.
fn newsletter() -> Outgoing {
    let paragraph = "The river fell again this week, and the barges that carry grain from the plains to \
        the Black Sea waited at Vidin for rain that did not come. Captains said the draught had never \
        been so low in November; the ministry said it was watching. ";
    let text: String = (0..22).map(|_| format!("{paragraph}\n\n")).collect();
    let html: String = (0..22)
        .map(|_| format!("<p style=\"margin:0 0 16px;font-family:Georgia,serif;font-size:18px;line-height:1.5;color:#222\">{paragraph}</p>\n"))
        .collect();
    Outgoing {
        from: Sender { name: "The Meridian".into(), address: "news@meridian.example".into() },
        reply_to: Some("letters@meridian.example".into()),
        to: "reader@example.org".into(),
        subject: "The week: low water on the Danube".into(),
        text,
        html: format!("<!doctype html><html><body>{html}</body></html>"),
        list_id: Some(ListId { name: "The Weekly".into(), id: "weekly.meridian.example".into() }),
        unsubscribe_url: Some(
            AbsoluteUrl::parse("https://meridian.example/unsubscribe?token=eyJtIjo0MiwibiI6M30.9999.abcdefghijklmnopqrstuvwxyz012345").unwrap(),
        ),
        return_path: Some("bounces+12-3456-0123456789abcdef0123@meridian.example".into()),
        message_id: message_id(12, 3456, "meridian.example"),
    }
}

fn bench(c: &mut Criterion) {
    let outgoing = newsletter();
    let unsigned = Mailer::log_only();
    c.bench_function("newsletter message made, unsigned", |b| {
        b.iter(|| unsigned.prepare(black_box(&outgoing)).unwrap())
    });
    for (name, algorithm) in [("RSA-2048", DkimAlgorithm::Rsa), ("Ed25519", DkimAlgorithm::Ed25519)] {
        let key = DkimKey::generate("meridian.example", "m2026", algorithm).unwrap();
        let mailer = Mailer::log_only().with_dkim(&key).unwrap();
        c.bench_function(&format!("newsletter message made and signed, {name}"), |b| {
            b.iter(|| mailer.prepare(black_box(&outgoing)).unwrap())
        });
    }
}

/// The RSA-2048 signature alone: with the `rsa` crate, as lettre signs, and with ring (what
/// rustls uses), to show what a faster backend would save.
fn rsa_signature(c: &mut Criterion) {
    use rsa::pkcs8::EncodePrivateKey;
    use sha2::{Digest, Sha256};
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let headers =
        b"from:The Meridian <news@meridian.example>\r\nto:reader@example.org\r\nsubject:The week\r\n";
    c.bench_function("RSA-2048 signature alone, rsa crate (lettre)", |b| {
        b.iter(|| {
            let hash = Sha256::digest(black_box(headers));
            key.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &hash).unwrap()
        })
    });
    let der = key.to_pkcs8_der().unwrap();
    let ring_key = ring::signature::RsaKeyPair::from_pkcs8(der.as_bytes()).unwrap();
    let random = ring::rand::SystemRandom::new();
    let mut signature = vec![0u8; ring_key.public().modulus_len()];
    c.bench_function("RSA-2048 signature alone, ring", |b| {
        b.iter(|| {
            ring_key
                .sign(&ring::signature::RSA_PKCS1_SHA256, &random, black_box(headers), &mut signature)
                .unwrap()
        })
    });
}

criterion_group!(benches, bench, rsa_signature);
criterion_main!(benches);
