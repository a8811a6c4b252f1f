//! Newsletter messages handed to a real SMTP server on loopback (aiosmtpd, with the recorder in
//! `tests/smtp/recorder.py`, which keeps each message's envelope), their DKIM signatures checked
//! by dkimpy (`tests/smtp/dkim_verify.py`), and the server's refusals told apart.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};
use masthead_core::AbsoluteUrl;
use masthead_newsroom::bounces::Verp;
use masthead_newsroom::dkim::{DkimAlgorithm, DkimKey};
use masthead_newsroom::mail::{Delivery, ListId, Mailer, Outgoing, SendFailure, Sender, message_id};
use masthead_newsroom::signing::Signer;

/// An SMTP server on loopback that records every message it accepts, with its envelope.
pub(crate) struct Recorder {
    child: Child,
    port: u16,
    folder: tempfile::TempDir,
}

/// One message as the server received it.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) mail_from: String,
    pub(crate) rcpt_tos: Vec<String>,
    pub(crate) data: String,
}

fn smtp_scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp")
}

impl Recorder {
    pub(crate) fn start() -> Option<Recorder> {
        Recorder::start_with(&[])
    }

    /// With aiosmtpd's `options` (TLS certificates).
    fn start_with(options: &[&std::ffi::OsStr]) -> Option<Recorder> {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let folder = tempfile::tempdir().unwrap();
        let spawned = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(options)
            .args(["-c", "recorder.Recorder"])
            .arg(folder.path().join("messages"))
            .env("PYTHONPATH", smtp_scripts())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut recorder = match spawned {
            Ok(child) => Recorder { child, port, folder },
            Err(e) => return skip(&format!("python3 could not start: {e}")),
        };
        // Up to 30 s: a server starts slowly on a machine busy building and testing.
        for _ in 0..600 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(recorder);
            }
            if let Ok(Some(status)) = recorder.child.try_wait() {
                return skip(&format!(
                    "aiosmtpd exited with {status} (is it installed? pip install aiosmtpd)"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        skip("aiosmtpd did not start listening")
    }

    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub(crate) fn messages(&self) -> Vec<Received> {
        let Ok(entries) = std::fs::read_dir(self.folder.path().join("messages")) else { return vec![] };
        entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|path| {
                let record: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
                Received {
                    mail_from: record["mail_from"].as_str().unwrap().to_owned(),
                    rcpt_tos: record["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap().to_owned())
                        .collect(),
                    data: record["data"].as_str().unwrap().to_owned(),
                }
            })
            .collect()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn skip<T>(why: &str) -> Option<T> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true and the mail tests cannot run: {why}");
    }
    eprintln!("\n!!! SKIPPED a mail test: {why}\n");
    None
}

/// What dkimpy says of `message` under the public key `record`: `Some(true)` when it verifies.
fn dkimpy_verifies(message: &str, record: &str) -> Option<bool> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), message).unwrap();
    let output = Command::new("python3")
        .arg(smtp_scripts().join("dkim_verify.py"))
        .arg(file.path())
        .arg(record)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !stdout.contains("verified") {
        return skip(&format!(
            "dkimpy did not run (pip install dkimpy pynacl): {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    if !output.status.success() {
        eprintln!("dkimpy: {}", String::from_utf8_lossy(&output.stderr));
    }
    Some(output.status.success())
}

/// Longer than a line of an encoded part, and not only ASCII.
const LONG_LINE: &str = "Barges on the Danube near Vidin and Calafat carried a third of their usual load \
    in October — Дунав, Dunărea — and the freight rates of the lower river rose by half.";

fn newsletter(to: &str, return_path: Option<String>) -> Outgoing {
    Outgoing {
        from: Sender { name: "The Meridian".into(), address: "news@meridian.example".into() },
        reply_to: Some("Letters <letters@meridian.example>".into()),
        to: to.into(),
        subject: "The week: low water on the Danube — and what it costs".into(),
        text: format!(
            "The river fell again this week.\n\n{LONG_LINE}\n\nRead on: https://meridian.example/low-water\n"
        ),
        html: format!(
            "<!doctype html>\n<html><body><p>The river fell again this week.</p>\n<p>{LONG_LINE}</p>\n\
             <p><a href=\"https://meridian.example/low-water\">Read on</a> — Dunav, Дунав</p></body></html>\n"
        ),
        list_id: Some(ListId { name: "The Weekly".into(), id: "weekly.meridian.example".into() }),
        unsubscribe_url: Some(AbsoluteUrl::parse("https://meridian.example/unsubscribe?t=abc.123").unwrap()),
        return_path,
        message_id: message_id(12, 34, "meridian.example"),
    }
}

#[tokio::test]
async fn a_newsletter_arrives_signed_with_its_list_headers_and_its_own_return_path() {
    let Some(server) = Recorder::start() else { return };
    let verp = Verp::new(Signer::new(b"a site secret"), "bounces", "meridian.example");
    for algorithm in [DkimAlgorithm::Rsa, DkimAlgorithm::Ed25519] {
        let key = DkimKey::generate("meridian.example", "m2026", algorithm).unwrap();
        let record = key.dns_record().unwrap();
        let mailer = Mailer::with_connections(Some(&server.url()), "Masthead <noreply@meridian.example>", 2)
            .unwrap()
            .with_bounce_address("bounces@meridian.example")
            .unwrap()
            .with_dkim(&key)
            .unwrap();
        let to = format!("reader-{algorithm:?}@example.org").to_lowercase();
        let return_path = verp.address(12, 34).unwrap();
        let delivered = mailer.deliver(&newsletter(&to, Some(return_path.clone()))).await;
        assert_eq!(delivered, Ok(Delivery::Sent));

        let messages = server.messages();
        let received = messages.iter().find(|m| m.rcpt_tos == [to.clone()]).expect("the message arrived");
        assert_eq!(received.mail_from, return_path, "the envelope sender is the signed return path");
        assert_eq!(
            verp.parse(&received.mail_from),
            masthead_newsroom::bounces::VerpMatch::Tagged { send_id: 12, member_id: 34 }
        );

        let parsed = MessageParser::default().parse(received.data.as_bytes()).unwrap();
        let header = |name: &str| parsed.header_raw(name).map(str::trim).unwrap_or_default().to_owned();
        assert_eq!(header("List-Unsubscribe"), "<https://meridian.example/unsubscribe?t=abc.123>");
        assert_eq!(header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
        assert_eq!(header("List-Id"), "The Weekly <weekly.meridian.example>");
        assert_eq!(header("Message-ID"), "<send-12.member-34@meridian.example>");
        assert_eq!(parsed.subject(), Some("The week: low water on the Danube — and what it costs"));
        let content_type = parsed.content_type().unwrap();
        assert_eq!((content_type.ctype(), content_type.subtype()), ("multipart", Some("alternative")));
        assert_eq!(
            parsed.body_text(0).unwrap(),
            format!(
                "The river fell again this week.\r\n\r\n{LONG_LINE}\r\n\r\nRead on: https://meridian.example/low-water\r\n"
            ),
            "the text part comes out as it went in, with its lines ending in CRLF"
        );
        let html = parsed.body_html(0).unwrap();
        assert!(html.contains(&format!("<p>{LONG_LINE}</p>\r\n")), "{html}");
        assert!(html.contains("Dunav, Дунав"));
        let (_, body) = received.data.split_once("\r\n\r\n").unwrap();
        assert!(
            body.lines().all(|line| line.trim_end_matches('\r').len() <= 76),
            "no line of the encoded parts is longer than 76 characters (RFC 2045): {body}"
        );
        assert!(header("DKIM-Signature").contains("d=meridian.example"), "{}", received.data);

        assert_eq!(
            dkimpy_verifies(&received.data, &record.value),
            Some(true),
            "{algorithm:?}: {}",
            received.data
        );
        let tampered = received.data.replacen("Subject: ", "Subject: Fwd: ", 1);
        assert_eq!(
            dkimpy_verifies(&tampered, &record.value),
            Some(false),
            "a changed subject breaks the signature"
        );
        let other_key =
            DkimKey::generate("meridian.example", "m2026", algorithm).unwrap().dns_record().unwrap();
        assert_eq!(
            dkimpy_verifies(&received.data, &other_key.value),
            Some(false),
            "another key does not verify"
        );
    }
}

#[tokio::test]
async fn many_messages_share_the_pool_of_connections() {
    let Some(server) = Recorder::start() else { return };
    let mailer =
        Mailer::with_connections(Some(&server.url()), "Masthead <noreply@meridian.example>", 3).unwrap();
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..24 {
        let (mailer, outgoing) = (mailer.clone(), newsletter(&format!("reader{i}@example.org"), None));
        sends.spawn(async move { mailer.deliver(&outgoing).await });
    }
    let results = sends.join_all().await;
    assert!(results.iter().all(|r| *r == Ok(Delivery::Sent)), "{results:?}");
    let mut to: Vec<String> = server.messages().into_iter().flat_map(|m| m.rcpt_tos).collect();
    to.sort();
    assert_eq!(to.len(), 24, "each reader once: {to:?}");
    to.dedup();
    assert_eq!(to.len(), 24);
    let from: Vec<String> = server.messages().into_iter().map(|m| m.mail_from).collect();
    assert!(
        from.iter().all(|f| f == "news@meridian.example"),
        "without a return path, bounces go to the sender"
    );
}

#[tokio::test]
async fn refusals_for_now_and_for_good_are_told_apart() {
    let Some(server) = Recorder::start() else { return };
    let mailer =
        Mailer::with_connections(Some(&server.url()), "Masthead <noreply@meridian.example>", 2).unwrap();
    match mailer.deliver(&newsletter("refused@example.org", None)).await {
        Err(failure @ SendFailure::Permanent { code: 550, .. }) => {
            assert!(failure.is_permanent() && !failure.is_transient());
            assert!(failure.to_string().contains("No such user here"), "{failure}");
        }
        other => panic!("a 550 is a refusal for good, not {other:?}"),
    }
    match mailer.deliver(&newsletter("later@example.org", None)).await {
        Err(failure @ SendFailure::Transient { code: Some(450), .. }) => assert!(failure.is_transient()),
        other => panic!("a 450 means later, not {other:?}"),
    }
    // The pool goes on after refusals.
    assert_eq!(mailer.deliver(&newsletter("reader@example.org", None)).await, Ok(Delivery::Sent));
    assert_eq!(server.messages().len(), 1, "only the accepted message arrived");

    let mut broken = newsletter("reader@example.org", None);
    broken.from.address = "not an address".into();
    assert!(matches!(mailer.deliver(&broken).await, Err(SendFailure::Unbuildable(_))));

    // Nobody listening: the message may go later.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere =
        Mailer::new(Some(&format!("smtp://127.0.0.1:{port}")), "Masthead <noreply@meridian.example>")
            .unwrap();
    match nowhere.deliver(&newsletter("reader@example.org", None)).await {
        Err(SendFailure::Transient { code: None, .. }) => {}
        other => panic!("a server out of reach means later, not {other:?}"),
    }
}

#[tokio::test]
async fn a_server_without_starttls_gets_nothing_when_tls_is_required() {
    let Some(server) = Recorder::start() else { return };
    let url = format!("smtp://127.0.0.1:{}?tls=required", server.port);
    let mailer = Mailer::new(Some(&url), "Masthead <noreply@meridian.example>").unwrap();
    let outcome = mailer.deliver(&newsletter("reader@example.org", None)).await;
    assert!(
        matches!(&outcome, Err(SendFailure::Transient { reason, .. }) if reason.contains("STARTTLS")),
        "{outcome:?}"
    );
    assert!(server.messages().is_empty(), "nothing was sent in the clear");
    // The password-reset path fails the same way instead of sending in the clear.
    assert!(mailer.send("reader@example.org", "Reset", "link").await.is_err());
    assert!(server.messages().is_empty());
}

/// A send's own connection (Nagle off, kept open) tells refusals apart as the pool does, goes
/// on after them, refuses to send in the clear when TLS is required, and refuses a server whose
/// certificate cannot be verified.
#[tokio::test]
async fn a_send_s_own_connection_keeps_the_pool_s_rules() {
    let Some(server) = Recorder::start() else { return };
    let mailer = Mailer::new(Some(&server.url()), "Masthead <noreply@meridian.example>").unwrap();
    let mut connection = mailer.connection();
    let prepare =
        |to: &str| mailer.prepare(&newsletter(to, Some("bounces+1-2-ab@meridian.example".into()))).unwrap();
    assert_eq!(connection.deliver(&prepare("one@example.org")).await, Ok(Delivery::Sent));
    assert!(matches!(
        connection.deliver(&prepare("refuse@example.org")).await,
        Err(SendFailure::Permanent { code: 550, .. })
    ));
    assert!(matches!(
        connection.deliver(&prepare("later@example.org")).await,
        Err(SendFailure::Transient { code: Some(450), .. })
    ));
    assert_eq!(connection.deliver(&prepare("two@example.org")).await, Ok(Delivery::Sent));
    connection.close().await;
    let mut received: Vec<(String, Vec<String>)> =
        server.messages().into_iter().map(|m| (m.mail_from, m.rcpt_tos)).collect();
    received.sort();
    assert_eq!(
        received,
        [
            ("bounces+1-2-ab@meridian.example".to_owned(), vec!["one@example.org".to_owned()]),
            ("bounces+1-2-ab@meridian.example".to_owned(), vec!["two@example.org".to_owned()]),
        ]
    );

    let required = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{}?tls=required", server.port)),
        "Masthead <noreply@meridian.example>",
    )
    .unwrap();
    let outcome = required.connection().deliver(&prepare("three@example.org")).await;
    assert!(
        matches!(&outcome, Err(SendFailure::Transient { reason, .. }) if reason.contains("STARTTLS")),
        "{outcome:?}"
    );
    assert_eq!(server.messages().len(), 2, "nothing sent in the clear");

    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = untrusted_certificate(dir.path()) else { return };
    let options = [
        std::ffi::OsStr::new("--tlscert"),
        cert.as_os_str(),
        std::ffi::OsStr::new("--tlskey"),
        key.as_os_str(),
    ];
    let Some(tls_server) = Recorder::start_with(&options) else { return };
    let url = format!("smtp://127.0.0.1:{}?tls=required", tls_server.port);
    let untrusted = Mailer::new(Some(&url), "Masthead <noreply@meridian.example>").unwrap();
    let outcome = untrusted.connection().deliver(&prepare("four@example.org")).await;
    assert!(matches!(&outcome, Err(SendFailure::Transient { .. })), "{outcome:?}");
    assert!(tls_server.messages().is_empty(), "nothing sent to a server that could not be verified");
}

/// A self-signed certificate and its key, which no client trusts.
fn untrusted_certificate(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match made {
        Ok(status) if status.success() => Some((cert, key)),
        other => skip(&format!("openssl could not make a certificate: {other:?}")),
    }
}

#[tokio::test]
async fn a_server_whose_certificate_cannot_be_verified_gets_nothing_over_tls_or_starttls() {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = untrusted_certificate(dir.path()) else { return };
    let (cert, key) = (cert.as_os_str(), key.as_os_str());
    for (options, scheme) in [
        (
            [std::ffi::OsStr::new("--smtpscert"), cert, std::ffi::OsStr::new("--smtpskey"), key],
            "smtps://127.0.0.1:{}",
        ),
        (
            [std::ffi::OsStr::new("--tlscert"), cert, std::ffi::OsStr::new("--tlskey"), key],
            "smtp://127.0.0.1:{}?tls=required",
        ),
    ] {
        let Some(server) = Recorder::start_with(&options) else { return };
        let url = scheme.replace("{}", &server.port.to_string());
        let mailer = Mailer::new(Some(&url), "Masthead <noreply@meridian.example>").unwrap();
        let outcome = mailer.deliver(&newsletter("reader@example.org", None)).await;
        assert!(
            matches!(&outcome, Err(SendFailure::Transient { code: None, reason }) if reason.contains("certificate")),
            "{url}: {outcome:?}"
        );
        assert!(server.messages().is_empty(), "{url}: nothing sent to a server that could not be verified");
    }
}

#[tokio::test]
async fn password_resets_still_go_out_signed_when_the_site_has_a_key() {
    let Some(server) = Recorder::start() else { return };
    let key = DkimKey::generate("meridian.example", "m2026", DkimAlgorithm::Ed25519).unwrap();
    let mailer = Mailer::new(Some(&server.url()), "The Meridian <noreply@meridian.example>")
        .unwrap()
        .with_dkim(&key)
        .unwrap();
    assert_eq!(
        mailer.send("editor@meridian.example", "Reset your password", "Choose one here.").await.unwrap(),
        Delivery::Sent
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].mail_from, "noreply@meridian.example");
    assert!(messages[0].data.contains("Choose one here."));
    assert_eq!(dkimpy_verifies(&messages[0].data, &key.dns_record().unwrap().value), Some(true));
}
