//! `masthead mail`: the DKIM key made and kept, and reports piped in as a mail server does.

use std::io::Write;
use std::process::{Command, Stdio};

use masthead_store::{Location, Store, SuppressionReason};

use crate::{masthead, run};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../masthead-newsroom/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).unwrap()
}

/// The fixture `name` as sent to the plain bounce address (no signed tag).
fn untagged(name: &str) -> Vec<u8> {
    String::from_utf8(fixture(name))
        .unwrap()
        .replace("{{RETURN_PATH}}", "bounces@meridian.example")
        .into_bytes()
}

/// Runs `cmd` with `input` on its standard input; returns (exit code, stderr).
fn pipe(cmd: &mut Command, input: &[u8]) -> (Option<i32>, String) {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn mail_dkim_keeps_the_key_and_prints_the_record_to_publish() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let dkim = |algorithm: Option<&str>| {
        let mut cmd = masthead();
        cmd.args(["mail", "dkim", "--data", dir, "--domain", "News.Example.org", "--selector", "m2026"]);
        if let Some(algorithm) = algorithm {
            cmd.args(["--algorithm", algorithm]);
        }
        run(&mut cmd)
    };
    let (ok, out, err) = dkim(Some("rsa"));
    assert!(ok, "{err}");
    assert!(out.contains("name:  m2026._domainkey.news.example.org"), "{out}");
    let value = |out: &str| out.lines().find_map(|l| l.trim().strip_prefix("value: ")).unwrap().to_owned();
    let rsa = value(&out);
    assert!(rsa.starts_with("v=DKIM1; k=rsa; p=MII"), "{rsa}");
    assert!(out.contains("IN TXT ( \""), "a zone-file line with the value in pieces: {out}");

    // Ed25519 unless told otherwise: fast enough for thousands of messages a second.
    let (ok, out, err) = dkim(None);
    assert!(ok, "{err}");
    let ed25519 = value(&out);
    assert!(ed25519.starts_with("v=DKIM1; k=ed25519; p="), "{ed25519}");
    assert!(out.contains("not every receiver verifies it yet"), "{out}");

    let (ok, _, err) =
        run(masthead().args(["mail", "dkim", "--data", dir, "--domain", "not a domain", "--selector", "s"]));
    assert!(!ok);
    assert!(err.contains("\"not a domain\" is not a DNS name"), "{err}");
}

#[tokio::test]
async fn mail_receive_suppresses_a_hard_bounce_and_leaves_other_mail_alone() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let receive = || {
        let mut cmd = masthead();
        cmd.args(["mail", "receive", "--data", dir, "--bounce-address", "bounces@meridian.example"])
            .args(["--recipient", "bounces@meridian.example"]);
        cmd
    };
    let (code, err) = pipe(&mut receive(), &untagged("dsn-hard.eml"));
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("hard bounce recorded for gone@example.org, suppressed"), "{err}");

    let (code, err) = pipe(&mut receive(), &fixture("not-a-report.eml"));
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("not a bounce or a complaint, left alone"), "{err}");
    let (code, err) = pipe(&mut receive(), b"\x00\xff garbage \r\n\r\n\x80");
    assert_eq!(code, Some(0), "{err}");

    let store = Store::open(&Location::Sqlite(data.path().join("masthead.db"))).await.unwrap();
    let suppression = store.suppression("gone@example.org").await.unwrap().expect("suppressed");
    assert_eq!(suppression.reason, SuppressionReason::Bounced);
    store.close().await;

    // The database out of reach: the mail server is asked to try again later (EX_TEMPFAIL).
    let (code, err) = pipe(
        masthead().args([
            "mail",
            "receive",
            "--data",
            dir,
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ]),
        &fixture("dsn-hard.eml"),
    );
    assert_eq!(code, Some(75), "{err}");
}
