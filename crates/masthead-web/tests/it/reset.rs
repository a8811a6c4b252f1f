//! Forgotten passwords, with mail delivered to a real SMTP server on loopback (aiosmtpd, which
//! `.ci/run` installs), storing what it receives in a maildir.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use masthead_core::Role;
use masthead_newsroom::mail::Mailer;
use masthead_store::NewUser;

use crate::harness::{Backend, Reply, TestApp, attrs, one_text};

const OLD_PASSWORD: &str = "the old passphrase, long";
const NEW_PASSWORD: &str = "a brand new passphrase";

/// An SMTP server on loopback that writes every message into a maildir.
pub(crate) struct SmtpSink {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpSink {
    pub(crate) fn start() -> Option<SmtpSink> {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = tempfile::tempdir().unwrap();
        let spawned = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            // The handler makes the maildir itself, and only when it does not exist yet.
            .arg(maildir.path().join("box"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut sink = match spawned {
            Ok(child) => SmtpSink { child, port, maildir },
            Err(e) => return skip(&format!("python3 could not start: {e}")),
        };
        // Up to 30 s: a server starts slowly on a machine busy building and testing.
        for _ in 0..600 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(sink);
            }
            if let Ok(Some(status)) = sink.child.try_wait() {
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

    /// Every message received so far, with its quoted-printable encoding undone.
    pub(crate) fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("box").join("new");
        let Ok(entries) = std::fs::read_dir(new) else { return vec![] };
        entries
            .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
            .map(|raw| {
                let decoded =
                    quoted_printable::decode(&raw, quoted_printable::ParseMode::Robust).unwrap_or(raw);
                String::from_utf8_lossy(&decoded).into_owned()
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn skip(why: &str) -> Option<SmtpSink> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true and the mail tests cannot run: {why}");
    }
    eprintln!("\n!!! SKIPPED a mail test: {why}\n");
    None
}

async fn editor(app: &TestApp) {
    app.store()
        .create_user(&NewUser {
            email: "editor@meridian.example".into(),
            name: "Editor".into(),
            role: Role::Editor,
            password_hash: masthead_newsroom::secrets::hash_password(OLD_PASSWORD).unwrap(),
            author_id: None,
        })
        .await
        .unwrap();
}

/// GETs `uri`, then POSTs `fields` to `action` with the page's CSRF token and cookie.
async fn submit(app: &TestApp, uri: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
    let page = app.get(uri).await;
    let cookie = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("masthead_login_csrf="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("a form cookie");
    let csrf = attrs(&page.html(), "input[name=csrf]", "value").pop().unwrap();
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("csrf", &csrf));
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(all).finish();
    let request = Request::builder()
        .method("POST")
        .uri(action)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

fn link_in(message: &str) -> String {
    let start =
        message.find("https://meridian.example/admin/reset?token=").expect("a reset link in the message");
    message[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_a_mailed_link_that_works_once() {
    let Some(smtp) = SmtpSink::start() else { return };
    let mailer = Mailer::new(Some(&smtp.url()), "The Meridian <noreply@meridian.example>").unwrap();
    let app = TestApp::demo_with(Backend::Sqlite, 12, mailer).await.unwrap();
    editor(&app).await;

    let reply = submit(&app, "/admin/forgot", "/admin/forgot", &[("email", "nobody@meridian.example")]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let unknown = one_text(&reply.html(), ".form-notice");
    let reply = submit(&app, "/admin/forgot", "/admin/forgot", &[("email", "Editor@Meridian.example")]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        one_text(&reply.html(), ".form-notice"),
        unknown,
        "the answer does not reveal which accounts exist"
    );

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "one message, to the account that exists");
    assert!(messages[0].contains("To: editor@meridian.example"), "{}", messages[0]);
    assert!(messages[0].contains("Subject: Reset your password for The Meridian"));
    let link = link_in(&messages[0]);
    let path = link.trim_start_matches("https://meridian.example");
    let token = path.split("token=").nth(1).unwrap().to_owned();

    let reply = submit(
        &app,
        path,
        "/admin/reset",
        &[("token", &token), ("password", NEW_PASSWORD), ("again", "something else")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(one_text(&reply.html(), ".form-error"), "The two passwords differ.");
    let reply =
        submit(&app, path, "/admin/reset", &[("token", &token), ("password", "short"), ("again", "short")])
            .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = submit(
        &app,
        path,
        "/admin/reset",
        &[("token", &token), ("password", NEW_PASSWORD), ("again", NEW_PASSWORD)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(one_text(&reply.html(), ".form-notice").starts_with("Your password is changed"));

    let (_, hash) = app.store().user_credentials("editor@meridian.example").await.unwrap().unwrap();
    assert!(masthead_newsroom::secrets::verify_password(NEW_PASSWORD, &hash));
    assert!(!masthead_newsroom::secrets::verify_password(OLD_PASSWORD, &hash));
    assert_eq!(app.get(path).await.status, StatusCode::GONE, "the link works once");
    let actions: Vec<String> =
        app.store().audit_log(10).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"password reset".to_owned()), "{actions:?}");
    app.finish().await;
}

#[tokio::test]
async fn without_a_mail_server_the_link_goes_to_the_log_and_the_person_is_told() {
    let app = TestApp::demo().await;
    editor(&app).await;
    let reply = submit(&app, "/admin/forgot", "/admin/forgot", &[("email", "editor@meridian.example")]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(one_text(&reply.html(), ".form-notice").contains("No mail server is configured"));
    // Asking again and again is limited.
    for _ in 0..2 {
        submit(&app, "/admin/forgot", "/admin/forgot", &[("email", "editor@meridian.example")]).await;
    }
    let reply = submit(&app, "/admin/forgot", "/admin/forgot", &[("email", "editor@meridian.example")]).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(one_text(&reply.html(), ".form-error").starts_with("Too many reset links"));
    assert_eq!(app.get("/admin/reset?token=forged").await.status, StatusCode::GONE);
    let reply = app.post_form("/admin/forgot", &[("email", "editor@meridian.example")]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "no form token, no link");
    app.finish().await;
}
