//! Newsletter sends and digests in the admin, through the router on a real listener: the
//! article editor's panel, the e-mail's preview, a test message to a real SMTP server on
//! loopback (aiosmtpd with `masthead-newsroom/tests/smtp/recorder.py`), the sends' pages, the
//! digests, who may see them, and CSRF on every form.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use masthead_core::{ArticleStatus, NewAuthor, NewNewsletter, Role, Slug};
use masthead_newsroom::mail::Mailer;
use masthead_store::NewUser;
use masthead_web::http::serve::{Limits, serve};

use crate::admin::{PASSWORD, sign_in};
use crate::harness::{Backend, Reply, TestApp, attrs, one_text, texts};

/// The preview's policy, as an outsider would check it: inline styles and images, no script.
const PREVIEW_POLICY: &str = "default-src 'none'; img-src * data:; style-src 'unsafe-inline'";

/// The app's router on a loopback listener, and a client that follows no redirects.
struct Served {
    addr: SocketAddr,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Served {
    async fn start(app: &TestApp) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, app.router.clone(), None, Limits::default(), async move {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Served { addr, client, stop: Some(stop) }
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let mut headers = HeaderMap::new();
        for (k, v) in response.headers() {
            headers.append(
                axum::http::HeaderName::from_bytes(k.as_str().as_bytes()).unwrap(),
                axum::http::HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        Reply { status, headers, body: response.text().await.unwrap() }
    }

    async fn get(&self, path: &str, cookie: &str) -> Reply {
        let response = self
            .client
            .get(format!("http://{}{path}", self.addr))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        Served::reply(response).await
    }

    async fn post(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let response = self
            .client
            .post(format!("http://{}{path}", self.addr))
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        Served::reply(response).await
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A staff member of `role` writing under a byline of their own, signed in: their e-mail, the
/// session cookie and their author's number.
async fn person(app: &TestApp, role: Role) -> (String, String, i64) {
    let author = app
        .store()
        .create_author(&NewAuthor {
            slug: Slug::parse(&format!("writer-{}", role.key())).unwrap(),
            name: format!("Writer {role}"),
            bio: String::new(),
            links: vec![],
            avatar_media_id: None,
            outlet_id: None,
        })
        .await
        .unwrap();
    let email = format!("{}@meridian.example", role.key());
    app.store()
        .create_user(&NewUser {
            email: email.clone(),
            name: format!("The {role}"),
            role,
            password_hash: masthead_newsroom::secrets::hash_password(PASSWORD).unwrap(),
            author_id: Some(author.id),
        })
        .await
        .unwrap();
    let session = sign_in(app, &email, PASSWORD).await.1.expect("signed in");
    (email, session, author.id)
}

/// A new draft under `author_id`, made from a demo article's words, with `title`.
async fn draft(app: &TestApp, author_id: i64, slug: &str, title: &str) -> i64 {
    let demo = app.published().await[0].id;
    let mut new = app.store().revision_snapshot(demo, 1).await.unwrap();
    new.slug = Slug::parse(slug).unwrap();
    new.title = title.into();
    new.status = ArticleStatus::Draft;
    new.published_at = None;
    new.author_ids = vec![author_id];
    new.origins = vec![];
    app.store().create_article(&new).await.unwrap().id
}

async fn newsletter(app: &TestApp, slug: &str, default: bool, active: bool) -> i64 {
    app.store()
        .create_newsletter(&NewNewsletter {
            slug: slug.into(),
            name: format!("The {slug}"),
            description: String::new(),
            sender_name: None,
            sender_email: None,
            reply_to: None,
            subscribe_by_default: default,
            active,
            position: 5,
        })
        .await
        .unwrap()
        .id
}

/// The page's CSRF token, after checking that every form that posts carries it.
fn csrf_of(reply: &Reply) -> String {
    let html = reply.html();
    let posting = attrs(&html, "form[method=post]", "action");
    let tokens = attrs(&html, "form[method=post] input[name=csrf]", "value");
    assert!(!posting.is_empty(), "the page has forms: {}", reply.body);
    assert_eq!(tokens.len(), posting.len(), "every form carries the token: {posting:?}");
    assert!(tokens.iter().all(|t| !t.is_empty() && *t == tokens[0]), "one token: {tokens:?}");
    tokens[0].clone()
}

fn checked(reply: &Reply, name: &str) -> Vec<String> {
    attrs(&reply.html(), &format!(".newsletter-panel input[name={name}][checked]"), "value")
}

#[tokio::test]
async fn an_editor_asks_for_a_send_from_the_article_page_and_it_is_listed_on_sqlite() {
    an_editor_asks_for_a_send_from_the_article_page_and_it_is_listed(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_editor_asks_for_a_send_from_the_article_page_and_it_is_listed_on_postgres() {
    an_editor_asks_for_a_send_from_the_article_page_and_it_is_listed(Backend::Postgres).await;
}

async fn an_editor_asks_for_a_send_from_the_article_page_and_it_is_listed(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let served = Served::start(&app).await;
    let (_, session, author) = person(&app, Role::Editor).await;
    let defaults: Vec<String> = app
        .store()
        .newsletters()
        .await
        .unwrap()
        .iter()
        .filter(|n| n.active && n.subscribe_by_default)
        .map(|n| n.id.to_string())
        .collect();
    assert!(!defaults.is_empty(), "the site has a default newsletter");
    let weekly = newsletter(&app, "weekly", false, true).await;
    let retired = newsletter(&app, "retired", false, false).await;
    let board = app.store().create_label("Board", "board").await.unwrap();
    let article = draft(&app, author, "low-water", "Low water on the Danube").await;
    let path = format!("/admin/articles/{article}");

    // The panel: the active newsletters, the default ones ticked; labels to narrow to.
    let page = served.get(&path, &session).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_of(&page);
    let offered = attrs(&page.html(), ".newsletter-panel input[name=newsletter]", "value");
    assert!(offered.contains(&weekly.to_string()) && !offered.contains(&retired.to_string()), "{offered:?}");
    assert_eq!(checked(&page, "newsletter"), defaults);
    assert_eq!(attrs(&page.html(), ".newsletter-panel input[name=label]", "value"), [board.id.to_string()]);
    assert_eq!(one_text(&page.html(), "form.request-send button"), "E-mail when published");
    // This site has no mail server: the panel says that sends wait for one.
    assert!(one_text(&page.html(), ".newsletter-panel .mail-missing").contains("--smtp-url"));
    assert_eq!(
        attrs(&page.html(), "nav.admin-nav a", "href")
            .iter()
            .filter(|h| *h == "/admin/sends" || *h == "/admin/digests")
            .count(),
        2
    );

    // No newsletter chosen: said in the page, nothing asked.
    let none = served.post(&format!("{path}/send"), &session, &[("csrf", &csrf)]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        one_text(&none.html(), ".form-error").contains("Choose at least one newsletter"),
        "{}",
        none.body
    );
    assert!(app.store().article_send(article).await.unwrap().is_none());

    let weekly_id = weekly.to_string();
    let board_id = board.id.to_string();
    let asked = served
        .post(
            &format!("{path}/send"),
            &session,
            &[("csrf", &csrf), ("newsletter", &weekly_id), ("label", &board_id)],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(one_text(&asked.html(), ".form-notice").contains("will go out by e-mail"));
    assert!(one_text(&asked.html(), ".newsletter-panel .send-state").starts_with("Waiting"));
    // The panel shows what was asked; it can be changed or withdrawn while it waits.
    assert_eq!(checked(&asked, "newsletter"), vec![weekly_id.clone()]);
    assert_eq!(checked(&asked, "label"), vec![board_id.clone()]);
    assert_eq!(texts(&asked.html(), "form.withdraw-send button"), ["Withdraw"]);
    let send = app.store().article_send(article).await.unwrap().expect("a send");
    assert_eq!(
        (send.status.as_str(), send.newsletter_ids.clone(), send.label_ids.clone()),
        ("waiting", vec![weekly], vec![board.id])
    );

    // Listed, with the article's headline until it has a subject.
    let list = served.get("/admin/sends", &session).await;
    assert_eq!(list.status, StatusCode::OK);
    let rows = texts(&list.html(), "tr.send");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("Low water on the Danube") && rows[0].contains("waiting"), "{rows:?}");
    assert_eq!(attrs(&list.html(), "tr.send a", "href")[0], format!("/admin/sends/{}", send.id));
    assert!(attrs(&list.html(), "a.older", "href").is_empty(), "one page");
    assert!(!texts(&list.html(), "thead th").iter().any(|t| t == "Opens"), "not counted: no column");

    let shown = served.get(&format!("/admin/sends/{}", send.id), &session).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(one_text(&shown.html(), ".send-status"), "waiting");
    assert!(
        attrs(&shown.html(), "meta[http-equiv=refresh]", "content").is_empty(),
        "no refresh while waiting"
    );
    let csrf = csrf_of(&shown);

    // Withdrawn from the send's page; the article's panel says so and offers to ask again.
    let withdrawn =
        served.post(&format!("/admin/sends/{}/cancel", send.id), &session, &[("csrf", &csrf)]).await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER, "{}", withdrawn.body);
    assert_eq!(app.store().send(send.id).await.unwrap().status, "cancelled");
    let again = served.post(&format!("/admin/sends/{}/cancel", send.id), &session, &[("csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&again.html(), ".form-error").contains("cannot be withdrawn"));
    let page = served.get(&path, &session).await;
    assert!(one_text(&page.html(), ".newsletter-panel .send-state").starts_with("Withdrawn"));
    assert_eq!(one_text(&page.html(), "form.request-send button"), "E-mail when published");

    // A published article goes at once; its send waits for the job, and may be withdrawn
    // from the article's page.
    let published = app.published().await[0].id;
    let path = format!("/admin/articles/{published}");
    let page = served.get(&path, &session).await;
    assert_eq!(one_text(&page.html(), "form.request-send button"), "E-mail now");
    let asked = served
        .post(&format!("{path}/send"), &session, &[("csrf", &csrf), ("newsletter", &defaults[0])])
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let list = served.get("/admin/sends", &session).await;
    assert_eq!(texts(&list.html(), "tr.send").len(), 2);
    let withdrawn = served.post(&format!("{path}/send/cancel"), &session, &[("csrf", &csrf)]).await;
    assert_eq!(withdrawn.status, StatusCode::OK);
    assert!(one_text(&withdrawn.html(), ".form-notice").starts_with("Withdrawn"));
    assert_eq!(app.store().article_send(published).await.unwrap().unwrap().status, "cancelled");

    // Once a send has started, it is not asked again; the page says why.
    let started = app.store().article_send(article).await.unwrap().unwrap();
    served
        .post(
            &format!("/admin/articles/{article}/send"),
            &session,
            &[("csrf", &csrf), ("newsletter", &weekly_id)],
        )
        .await;
    app.store()
        .start_send(&app.store().send(started.id).await.unwrap(), "Low water", "{}", jiff::Timestamp::now())
        .await
        .unwrap();
    let sending = served.get(&format!("/admin/sends/{}", started.id), &session).await;
    assert_eq!(one_text(&sending.html(), ".send-status"), "sending");
    assert_eq!(attrs(&sending.html(), "meta[http-equiv=refresh]", "content"), ["5"]);
    assert!(texts(&sending.html(), "form.withdraw-send").is_empty(), "no withdrawing once it started");
    assert!(!sending.body.contains("<script"), "no script");
    let page = served.get(&format!("/admin/articles/{article}"), &session).await;
    assert!(one_text(&page.html(), ".newsletter-panel .send-state").starts_with("Sending"));
    assert!(texts(&page.html(), "form.request-send").is_empty());
    let refused = served
        .post(
            &format!("/admin/articles/{article}/send"),
            &session,
            &[("csrf", &csrf), ("newsletter", &weekly_id)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&refused.html(), ".form-error").contains("already gone out"), "{}", refused.body);
    drop(served);
    app.finish().await;
}

#[tokio::test]
async fn a_contributor_sees_no_panel_and_is_refused_every_page_and_form() {
    let app = TestApp::demo().await;
    let served = Served::start(&app).await;
    let (_, session, author) = person(&app, Role::Contributor).await;
    let own = draft(&app, author, "own-draft", "My draft").await;
    let page = served.get(&format!("/admin/articles/{own}"), &session).await;
    assert_eq!(page.status, StatusCode::OK, "their own draft opens");
    assert!(texts(&page.html(), ".newsletter-panel").is_empty(), "no newsletter panel");
    let nav = attrs(&page.html(), "nav.admin-nav a", "href");
    assert!(!nav.iter().any(|h| h == "/admin/sends" || h == "/admin/digests"), "{nav:?}");
    let csrf = attrs(&page.html(), "input[name=csrf]", "value").pop().unwrap();

    // Something to aim at: a send and a digest made by others.
    let newsletter = app.store().newsletters().await.unwrap()[0].id;
    let send = app.store().request_article_send(own, &[newsletter], &[], 0, None).await.unwrap();
    let digest = app
        .store()
        .create_digest(
            &masthead_store::NewDigest {
                name: "The week".into(),
                newsletter_id: newsletter,
                term_id: None,
                every: "week".into(),
                weekday: 4,
                hour: 8,
                active: true,
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    for uri in [
        "/admin/sends".to_owned(),
        format!("/admin/sends/{}", send.id),
        "/admin/digests".to_owned(),
        format!("/admin/digests/{}", digest.id),
        format!("/admin/digests/{}/delete", digest.id),
        format!("/admin/newsletters/preview?article={own}&newsletter={newsletter}"),
        format!("/admin/newsletters/preview?article={own}&newsletter={newsletter}&part=text"),
    ] {
        assert_eq!(served.get(&uri, &session).await.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let n = newsletter.to_string();
    for (uri, fields) in [
        (format!("/admin/articles/{own}/send"), vec![("newsletter", n.as_str())]),
        (format!("/admin/articles/{own}/send/cancel"), vec![]),
        (
            format!("/admin/articles/{own}/send/test"),
            vec![("newsletter", n.as_str()), ("to", "me@example.org")],
        ),
        (format!("/admin/sends/{}/cancel", send.id), vec![]),
        (
            "/admin/digests".to_owned(),
            vec![
                ("name", "Mine"),
                ("newsletter", n.as_str()),
                ("every", "day"),
                ("weekday", "0"),
                ("hour", "8"),
            ],
        ),
        (
            format!("/admin/digests/{}", digest.id),
            vec![
                ("name", "Mine"),
                ("newsletter", n.as_str()),
                ("every", "day"),
                ("weekday", "0"),
                ("hour", "8"),
            ],
        ),
        (format!("/admin/digests/{}/delete", digest.id), vec![]),
    ] {
        let mut all = fields.clone();
        all.push(("csrf", &csrf));
        assert_eq!(served.post(&uri, &session, &all).await.status, StatusCode::FORBIDDEN, "{uri}");
    }
    assert_eq!(app.store().send(send.id).await.unwrap().status, "waiting", "nothing withdrawn");
    assert_eq!(app.store().digests().await.unwrap(), vec![digest], "nothing changed");
    // Signed out: to the sign-in page.
    assert_eq!(served.get("/admin/sends", "").await.status, StatusCode::SEE_OTHER);
    drop(served);
    app.finish().await;
}

#[tokio::test]
async fn the_preview_shows_the_email_as_readers_get_it_under_a_policy_without_script() {
    let app = TestApp::demo().await;
    let served = Served::start(&app).await;
    let (_, session, _) = person(&app, Role::Editor).await;
    let article = app.published().await[0].clone();
    let newsletter = app.store().newsletters().await.unwrap()[0].clone();
    let page = served.get(&format!("/admin/articles/{}", article.id), &session).await;
    let link = format!("/admin/newsletters/preview?article={}&newsletter={}", article.id, newsletter.id);
    let links = attrs(&page.html(), ".newsletter-panel .send-preview a", "href");
    assert!(links.contains(&link) && links.contains(&format!("{link}&part=text")), "{links:?}");

    let html = served.get(&link, &session).await;
    assert_eq!(html.status, StatusCode::OK, "{}", html.body);
    assert!(html.header("content-type").starts_with("text/html"));
    assert_eq!(html.header("content-security-policy"), PREVIEW_POLICY);
    assert_eq!(html.header("cache-control"), "no-store");
    let headline = html.html();
    assert!(
        texts(&headline, "body").iter().any(|t| t.contains(&article.title)),
        "the headline: {}",
        html.body
    );
    assert!(texts(&headline, "body").iter().any(|t| t.contains(&newsletter.name)), "the newsletter's name");

    let text = served.get(&format!("{link}&part=text"), &session).await;
    assert_eq!(text.status, StatusCode::OK);
    assert!(text.header("content-type").starts_with("text/plain"));
    assert!(text.body.contains(&article.title), "{}", text.body);
    assert!(!text.body.contains("<p>"), "no markup in the text part");

    for bad in [
        "/admin/newsletters/preview".to_owned(),
        format!("/admin/newsletters/preview?article=x&newsletter={}", newsletter.id),
    ] {
        assert_eq!(served.get(&bad, &session).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let missing = format!("/admin/newsletters/preview?article=999999&newsletter={}", newsletter.id);
    assert_eq!(served.get(&missing, &session).await.status, StatusCode::NOT_FOUND);
    drop(served);
    app.finish().await;
}

// ---- a test message to a real SMTP server ----

/// aiosmtpd on loopback with the newsroom's recorder, which keeps each message's envelope.
struct Recorder {
    child: Child,
    port: u16,
    folder: tempfile::TempDir,
}

fn smtp_scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../masthead-newsroom/tests/smtp")
}

fn skip<T>(why: &str) -> Option<T> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true and the mail tests cannot run: {why}");
    }
    eprintln!("\n!!! SKIPPED a mail test: {why}\n");
    None
}

impl Recorder {
    fn start() -> Option<Recorder> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let folder = tempfile::tempdir().unwrap();
        let spawned = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "recorder.Recorder"])
            .arg(folder.path().join("messages"))
            .env("PYTHONPATH", smtp_scripts())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut recorder = match spawned {
            Ok(child) => Recorder { child, port, folder },
            Err(e) => return skip(&format!("python3 could not start: {e}")),
        };
        // Up to 30 s: Python and aiosmtpd start slowly on a machine busy building and testing.
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

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Each message received: its recipients and its bytes.
    fn messages(&self) -> Vec<(Vec<String>, String)> {
        let Ok(entries) = std::fs::read_dir(self.folder.path().join("messages")) else { return vec![] };
        entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|path| {
                let record: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
                let to = record["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                (to, record["data"].as_str().unwrap().to_owned())
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

#[tokio::test]
async fn a_test_send_reaches_a_real_smtp_server() {
    let Some(recorder) = Recorder::start() else { return };
    let mailer = Mailer::new(Some(&recorder.url()), "The Meridian <news@meridian.example>").unwrap();
    let app = TestApp::demo_with(Backend::Sqlite, masthead_web::DEFAULT_PAGE_SIZE, mailer).await.unwrap();
    let served = Served::start(&app).await;
    let (email, session, _) = person(&app, Role::Editor).await;
    let article = app.published().await[0].clone();
    let newsletter = app.store().newsletters().await.unwrap()[0].id.to_string();
    let path = format!("/admin/articles/{}", article.id);
    let page = served.get(&path, &session).await;
    assert_eq!(
        attrs(&page.html(), "form.test-send input[name=to]", "value"),
        vec![email.clone()],
        "the signed-in person's"
    );
    let csrf = csrf_of(&page);
    assert!(texts(&page.html(), ".mail-missing").is_empty(), "a mail server is configured");

    let sent = served
        .post(
            &format!("{path}/send/test"),
            &session,
            &[("csrf", &csrf), ("newsletter", &newsletter), ("to", &email)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(one_text(&sent.html(), ".form-notice").contains(&email));
    let messages = recorder.messages();
    assert_eq!(messages.len(), 1, "one message, handed over before the answer");
    let (to, data) = &messages[0];
    assert_eq!(to, &vec![email.clone()]);
    let parsed = mail_parser::MessageParser::default().parse(data.as_bytes()).unwrap();
    assert_eq!(parsed.subject().unwrap(), format!("[Test] {}", article.title));
    assert!(parsed.body_text(0).unwrap().contains(&article.title));

    // A bad address is said in the page; a refusing server too; nothing recorded as sent.
    let bad = served
        .post(
            &format!("{path}/send/test"),
            &session,
            &[("csrf", &csrf), ("newsletter", &newsletter), ("to", "nobody")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&bad.html(), ".form-error").contains("address"), "{}", bad.body);
    let refused = served
        .post(
            &format!("{path}/send/test"),
            &session,
            &[("csrf", &csrf), ("newsletter", &newsletter), ("to", "refuse@example.org")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&refused.html(), ".form-error").contains("did not take"), "{}", refused.body);
    assert_eq!(recorder.messages().len(), 1);
    assert!(app.store().article_send(article.id).await.unwrap().is_none(), "a test is no send");
    drop(served);
    app.finish().await;
}

// ---- digests ----

#[tokio::test]
async fn digests_are_created_edited_refused_with_a_clear_message_and_deleted() {
    let app = TestApp::demo().await;
    let served = Served::start(&app).await;
    let (_, session, _) = person(&app, Role::Editor).await;
    let newsletter = app.store().newsletters().await.unwrap()[0].id.to_string();
    let region = app.store().terms(masthead_core::TermKind::Region).await.unwrap()[0].clone();
    let page = served.get("/admin/digests", &session).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_of(&page);
    let terms = attrs(&page.html(), "select[name=term] option", "value");
    assert!(terms.contains(&region.id.to_string()) && terms.contains(&String::new()), "{terms:?}");

    let region_id = region.id.to_string();
    let created = served
        .post(
            "/admin/digests",
            &session,
            &[
                ("csrf", &csrf),
                ("name", "The week in the region"),
                ("newsletter", &newsletter),
                ("term", &region_id),
                ("every", "week"),
                ("weekday", "4"),
                ("hour", "8"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(
        (created.status, created.header("location")),
        (StatusCode::SEE_OTHER, "/admin/digests"),
        "{}",
        created.body
    );
    let digest = app.store().digests().await.unwrap().pop().expect("a digest");
    assert_eq!(
        (
            digest.name.as_str(),
            digest.term_id,
            digest.every.as_str(),
            digest.weekday,
            digest.hour,
            digest.active
        ),
        ("The week in the region", Some(region.id), "week", 4, 8, true)
    );
    let list = served.get("/admin/digests", &session).await;
    let rows = texts(&list.html(), "tr.digest");
    assert!(
        rows[0].contains("The week in the region")
            && rows[0].contains(&region.name)
            && rows[0].contains("every Friday at 8:00"),
        "{rows:?}"
    );

    // Its form is filled in with what it is.
    let path = format!("/admin/digests/{}", digest.id);
    let form = served.get(&path, &session).await;
    assert_eq!(attrs(&form.html(), "form.digest input[name=name]", "value"), ["The week in the region"]);
    assert_eq!(attrs(&form.html(), "select[name=term] option[selected]", "value"), vec![region_id.clone()]);
    assert_eq!(attrs(&form.html(), "select[name=weekday] option[selected]", "value"), ["4"]);

    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("name", "Every morning"),
        ("newsletter", newsletter.as_str()),
        ("term", ""),
        ("every", "day"),
        ("weekday", "0"),
        ("hour", "24"),
    ];
    let refused = served.post(&path, &session, &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(one_text(&refused.html(), ".form-error"), "The hour is 0 to 23.");
    assert_eq!(
        attrs(&refused.html(), "form.digest input[name=name]", "value"),
        ["Every morning"],
        "what was typed is kept"
    );
    assert_eq!(app.store().digests().await.unwrap(), vec![digest.clone()], "nothing changed");

    fields[6] = ("hour", "6");
    let edited = served.post(&path, &session, &fields).await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let changed = app.store().digest(digest.id).await.unwrap();
    assert_eq!(
        (changed.name.as_str(), changed.term_id, changed.every.as_str(), changed.hour, changed.active),
        ("Every morning", None, "day", 6, false)
    );

    // Deleting asks first; the question's form deletes.
    let ask = served.get(&format!("{path}/delete"), &session).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(one_text(&ask.html(), "h1").contains("Every morning"));
    assert!(app.store().digest(digest.id).await.is_ok(), "asking deletes nothing");
    let csrf = csrf_of(&ask);
    let deleted = served.post(&format!("{path}/delete"), &session, &[("csrf", &csrf)]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(app.store().digests().await.unwrap().is_empty());
    assert_eq!(served.get(&path, &session).await.status, StatusCode::NOT_FOUND);
    drop(served);
    app.finish().await;
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::demo().await;
    let served = Served::start(&app).await;
    let (_, session, author) = person(&app, Role::Editor).await;
    let article = draft(&app, author, "untouched", "Untouched").await;
    let newsletter = app.store().newsletters().await.unwrap()[0].id;
    let send = app.store().request_article_send(article, &[newsletter], &[], 0, None).await.unwrap();
    let other = draft(&app, author, "other", "Other").await;
    let digest = app
        .store()
        .create_digest(
            &masthead_store::NewDigest {
                name: "Kept".into(),
                newsletter_id: newsletter,
                term_id: None,
                every: "day".into(),
                weekday: 0,
                hour: 7,
                active: true,
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let n = newsletter.to_string();
    let digest_fields =
        [("name", "Changed"), ("newsletter", n.as_str()), ("every", "day"), ("weekday", "0"), ("hour", "9")];
    for (uri, fields) in [
        (format!("/admin/articles/{other}/send"), vec![("newsletter", n.as_str())]),
        (format!("/admin/articles/{article}/send/cancel"), vec![]),
        (
            format!("/admin/articles/{article}/send/test"),
            vec![("newsletter", n.as_str()), ("to", "me@example.org")],
        ),
        (format!("/admin/sends/{}/cancel", send.id), vec![]),
        ("/admin/digests".to_owned(), digest_fields.to_vec()),
        (format!("/admin/digests/{}", digest.id), digest_fields.to_vec()),
        (format!("/admin/digests/{}/delete", digest.id), vec![]),
    ] {
        let missing = served.post(&uri, &session, &fields).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(missing.body.contains("This form has expired"), "{uri}: {}", missing.body);
        let mut wrong = fields.clone();
        wrong.push(("csrf", "not-the-token"));
        assert_eq!(served.post(&uri, &session, &wrong).await.status, StatusCode::FORBIDDEN, "{uri}");
    }
    assert!(app.store().article_send(other).await.unwrap().is_none());
    assert_eq!(app.store().send(send.id).await.unwrap().status, "waiting");
    assert_eq!(app.store().digests().await.unwrap(), vec![digest]);
    // Every form on the new pages carries the token (checked by `csrf_of`).
    for uri in [
        format!("/admin/articles/{article}"),
        format!("/admin/sends/{}", send.id),
        "/admin/digests".to_owned(),
    ] {
        csrf_of(&served.get(&uri, &session).await);
    }
    drop(served);
    app.finish().await;
}

async fn member(app: &TestApp, email: &str, newsletter: i64) -> i64 {
    app.store()
        .create_member(&masthead_core::NewMember {
            email: email.into(),
            name: String::new(),
            status: masthead_core::MemberStatus::Active,
            source: masthead_core::MemberSource::Signup,
            consent_at: Some(jiff::Timestamp::now()),
            note: String::new(),
            created_at: None,
            newsletters: vec![newsletter],
            labels: vec![],
        })
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn a_send_shows_its_progress_counts_and_the_recipients_that_failed_or_are_uncertain() {
    let Some(recorder) = Recorder::start() else { return };
    let mailer = Mailer::new(Some(&recorder.url()), "The Meridian <news@meridian.example>").unwrap();
    let app = TestApp::demo_with(Backend::Sqlite, masthead_web::DEFAULT_PAGE_SIZE, mailer).await.unwrap();
    // The outlet counts opens and clicks: the lists show them.
    let mut site = app.store().site().await.unwrap();
    site.newsletter_counts = true;
    app.store().save_site(&site).await.unwrap();
    let served = Served::start(&app).await;
    let (_, session, _) = person(&app, Role::Editor).await;
    let newsletter = app.store().newsletters().await.unwrap()[0].id;
    member(&app, "ada@example.org", newsletter).await;
    let bob = member(&app, "refuse-bob@example.org", newsletter).await;
    let article = app.published().await[0].clone();
    let path = format!("/admin/articles/{}", article.id);
    let csrf = csrf_of(&served.get(&path, &session).await);
    let n = newsletter.to_string();
    let asked = served.post(&format!("{path}/send"), &session, &[("csrf", &csrf), ("newsletter", &n)]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let send = app.store().article_send(article.id).await.unwrap().unwrap();

    // The job sends it: Ada receives it, Bob's server refuses for good.
    for _ in 0..20 {
        masthead_newsroom::sends::run_turn(app.state.newsroom(), "test-node", Duration::from_secs(5))
            .await
            .unwrap();
        if app.store().send(send.id).await.unwrap().status == "done" {
            break;
        }
    }
    assert_eq!(app.store().send(send.id).await.unwrap().status, "done");
    let received: Vec<Vec<String>> = recorder.messages().into_iter().map(|(to, _)| to).collect();
    assert_eq!(received, vec![vec!["ada@example.org".to_owned()]]);
    app.store().count_send_event(send.id, false).await.unwrap();

    let page = served.get(&format!("/admin/sends/{}", send.id), &session).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    assert_eq!(one_text(&html, "h1"), article.title);
    assert_eq!(one_text(&html, ".send-status"), "done");
    assert_eq!(
        [".total", ".sent", ".failed", ".left", ".opens"]
            .map(|c| one_text(&html, &format!(".send-progress {c}"))),
        ["2", "1", "1", "0", "1"]
    );
    assert!(attrs(&html, "meta[http-equiv=refresh]", "content").is_empty(), "no refresh once done");
    let problems = texts(&html, ".send-problems tbody tr");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("refuse-bob@example.org")
            && problems[0].contains("failed")
            && problems[0].contains("550"),
        "{problems:?}"
    );
    assert_eq!(attrs(&html, ".send-problems a", "href"), [format!("/admin/members/{bob}")]);
    let list = served.get("/admin/sends", &session).await;
    assert!(texts(&list.html(), "thead th").iter().any(|t| t == "Opens"), "counted: the column is shown");
    let row = one_text(&list.html(), "tr.send");
    assert!(row.contains(&article.title) && row.contains("done") && row.contains("1 of 2"), "{row}");
    let panel = served.get(&path, &session).await;
    let state = one_text(&panel.html(), ".newsletter-panel .send-state");
    assert!(state.starts_with("Sent") && state.contains("1 of 2 sent, 1 failed"), "{state}");
    assert!(texts(&panel.html(), "form.request-send").is_empty(), "not asked twice");

    // A node stopped while handing one over: the message is uncertain, listed with why.
    let other = app.published().await[1].id;
    let second = app.store().request_article_send(other, &[newsletter], &[], 0, None).await.unwrap();
    let now = jiff::Timestamp::now();
    app.store().start_send(&second, "Second", "{}", now).await.unwrap();
    let claimed =
        app.store().claim_recipients(second.id, "gone", now, now.as_second() - 1, 10).await.unwrap();
    let ids: Vec<i64> = claimed.iter().map(|c| c.member_id).collect();
    app.store().mark_sending(second.id, "gone", &ids, now.as_second() - 1).await.unwrap();
    app.store().recover_send(second.id, now).await.unwrap();
    let page = served.get(&format!("/admin/sends/{}", second.id), &session).await;
    let html = page.html();
    assert_eq!(one_text(&html, ".send-status"), "sending");
    assert_eq!(attrs(&html, "meta[http-equiv=refresh]", "content"), ["5"], "refreshes while sending");
    assert_eq!(one_text(&html, ".send-progress .uncertain"), "1");
    assert_eq!(one_text(&html, ".send-progress .suppressed"), "1", "Bob's address is suppressed now");
    let problems = texts(&html, ".send-problems tbody tr");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("ada@example.org")
            && problems[0].contains("uncertain")
            && problems[0].contains("in flight"),
        "{problems:?}"
    );
    drop(served);
    app.finish().await;
}

#[tokio::test]
async fn the_sends_list_pages_to_older_sends_each_once() {
    let app = TestApp::demo().await;
    let served = Served::start(&app).await;
    let (_, session, _) = person(&app, Role::Editor).await;
    let newsletter = app.store().newsletters().await.unwrap()[0].id;
    for i in 1..=55 {
        app.store()
            .create_send(&masthead_store::NewSend {
                kind: masthead_store::SendKind::Digest,
                article_id: None,
                digest_id: None,
                newsletter_ids: vec![newsletter],
                label_ids: vec![],
                due_at: 0,
                requested_by: None,
                subject: format!("Issue {i}"),
                issue: None,
            })
            .await
            .unwrap();
    }
    let (mut seen, mut next, mut pages) = (Vec::new(), Some("/admin/sends".to_owned()), 0);
    while let Some(uri) = next {
        let page = served.get(&uri, &session).await;
        assert_eq!(page.status, StatusCode::OK);
        seen.extend(texts(&page.html(), "tr.send td:first-child"));
        next = attrs(&page.html(), "a.older", "href").pop();
        pages += 1;
        assert!(pages <= 3, "the pages end");
    }
    assert_eq!(pages, 2);
    let expected: Vec<String> = (1..=55).rev().map(|i| format!("Issue {i}")).collect();
    assert_eq!(seen, expected, "newest first, each once");
    drop(served);
    app.finish().await;
}
