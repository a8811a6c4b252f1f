//! Readers: signing up (double opt-in), signing in by a link, the account page, unsubscribing,
//! through the router, with mail delivered to a real SMTP server on loopback.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use masthead_core::{MemberSource, MemberStatus, NewMember};
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::members;
use masthead_newsroom::signing::Purpose;

use crate::admin::{cookie_pair, set_cookie};
use crate::harness::{Backend, Reply, TestApp, attrs, one_text, texts};
use crate::reset::SmtpSink;

const ORIGIN: &str = "https://meridian.example";

async fn app_with_mail(backend: Backend) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start()?;
    let mailer = Mailer::new(Some(&sink.url()), "The Meridian <news@meridian.example>").unwrap();
    let app = TestApp::demo_with(backend, masthead_web::DEFAULT_PAGE_SIZE, mailer).await?;
    Some((app, sink))
}

/// POSTs a form with `headers` (an Origin, a cookie …).
pub(crate) async fn post(
    app: &TestApp,
    uri: &str,
    headers: &[(&str, &str)],
    fields: &[(&str, &str)],
) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let mut request = Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

async fn get_with_cookie(app: &TestApp, uri: &str, cookie: &str) -> Reply {
    app.send(Request::builder().uri(uri).header("cookie", cookie).body(Body::empty()).unwrap()).await
}

/// The links under the site to `path` that the messages to `to` carry, once there are at
/// least `n` (in no order). Some messages are sent after the answer (so that its time says
/// nothing): waits for them, a few seconds at most.
async fn links_in_mail(sink: &SmtpSink, to: &str, path: &str, n: usize) -> Vec<String> {
    let prefix = format!("{ORIGIN}{path}?t=");
    let mut links = Vec::new();
    for _ in 0..200 {
        links = sink
            .messages()
            .iter()
            .filter(|m| m.to_lowercase().contains(&format!("to: {to}")))
            .filter_map(|m| {
                let at = m.find(&prefix)?;
                let link: String = m[at..].chars().take_while(|c| !c.is_whitespace()).collect();
                Some(link.trim_start_matches(ORIGIN).to_owned())
            })
            .collect();
        if links.len() >= n {
            return links;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{} of {n} messages to {to} with a link to {path}; received: {:#?}", links.len(), sink.messages())
}

/// The one link to `path` in the messages to `to`.
async fn link_in_mail(sink: &SmtpSink, to: &str, path: &str) -> String {
    links_in_mail(sink, to, path, 1).await.remove(0)
}

/// Waits until `n` messages have arrived, a few seconds at most; how many there are.
async fn wait_for_mails(sink: &SmtpSink, n: usize) -> usize {
    for _ in 0..200 {
        if sink.messages().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    sink.messages().len()
}

fn token_of(path: &str) -> String {
    let query = path.split_once('?').unwrap().1;
    url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "t").unwrap().1.into_owned()
}

fn mails_to(sink: &SmtpSink, to: &str) -> usize {
    sink.messages().iter().filter(|m| m.to_lowercase().contains(&format!("to: {to}"))).count()
}

#[tokio::test]
async fn sign_up_confirm_and_sign_in_by_link_on_sqlite() {
    sign_up_confirm_and_sign_in_by_link(Backend::Sqlite).await;
}

#[tokio::test]
async fn sign_up_confirm_and_sign_in_by_link_on_postgres() {
    sign_up_confirm_and_sign_in_by_link(Backend::Postgres).await;
}

async fn sign_up_confirm_and_sign_in_by_link(backend: Backend) {
    let Some((app, sink)) = app_with_mail(backend).await else { return };
    // The compact form is on the home page and under each article, with the membership call.
    let home = app.get("/").await.html();
    assert_eq!(attrs(&home, "form.signup-compact", "action"), ["/subscribe"]);
    let article = app.published().await[0].slug.to_string();
    let page = app.get(&format!("/article/{article}")).await.html();
    assert_eq!(attrs(&page, "form.signup-compact input[name=email]", "type"), ["email"]);
    assert!(!one_text(&page, "form.signup-compact .membership-call").is_empty());
    assert_eq!(app.get("/subscribe").await.status, StatusCode::OK);

    let reply = post(
        &app,
        "/subscribe",
        &[("origin", ORIGIN)],
        &[("email", " Reader@Example.org "), ("name", "Rea Der"), ("website", "")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let first_answer = one_text(&reply.html(), ".reader-message");
    let member = app.store().member_by_email("reader@example.org").await.unwrap().expect("a pending member");
    assert_eq!(
        (member.status, member.source, member.name.as_str()),
        (MemberStatus::Pending, MemberSource::Signup, "Rea Der")
    );
    assert_eq!(member.newsletters.len(), 1, "the default newsletter");

    // Following the link shows a button and changes nothing (mail scanners follow links).
    let link = link_in_mail(&sink, "reader@example.org", "/subscribe/confirm").await;
    let shown = app.get(&link).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(attrs(&shown.html(), "form.reader-action", "action"), ["/subscribe/confirm"]);
    assert_eq!(shown.header("cache-control"), "no-store");
    assert_eq!(app.store().member(member.id).await.unwrap().status, MemberStatus::Pending);

    let confirmed = post(&app, "/subscribe/confirm", &[("origin", ORIGIN)], &[("t", &token_of(&link))]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.body);
    let cookie = set_cookie(&confirmed, "masthead_member").expect("signed in on confirmation");
    for flag in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    let active = app.store().member(member.id).await.unwrap();
    assert_eq!(active.status, MemberStatus::Active);
    assert!(active.consent_at.is_some(), "consent dated");
    let account = get_with_cookie(&app, "/account", &cookie_pair(&cookie)).await;
    assert_eq!(account.status, StatusCode::OK);
    assert_eq!(account.header("cache-control"), "no-store");
    assert!(one_text(&account.html(), ".account-email").contains("reader@example.org"));

    // Signing up again with a known address: the same answer, and a sign-in link by mail.
    let again = post(&app, "/subscribe", &[("origin", ORIGIN)], &[("email", "reader@example.org")]).await;
    assert_eq!((again.status, one_text(&again.html(), ".reader-message")), (StatusCode::OK, first_answer));
    let sign_in_link = link_in_mail(&sink, "reader@example.org", "/account/sign-in/link").await;

    // The magic link: a page with a button, then a session; it works once.
    let shown = app.get(&sign_in_link).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(set_cookie(&shown, "masthead_member").is_none(), "following the link signs nobody in");
    let token = token_of(&sign_in_link);
    let signed = post(&app, "/account/sign-in/link", &[("origin", ORIGIN)], &[("t", &token)]).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert_eq!(signed.header("location"), "/account");
    assert!(set_cookie(&signed, "masthead_member").is_some());
    let twice = post(&app, "/account/sign-in/link", &[("origin", ORIGIN)], &[("t", &token)]).await;
    assert_eq!(twice.status, StatusCode::GONE);
    assert!(set_cookie(&twice, "masthead_member").is_none());

    // Asking for a link by the sign-in form; an unknown address gets the same answer, no mail.
    let before = sink.messages().len();
    let known =
        post(&app, "/account/sign-in", &[("origin", ORIGIN)], &[("email", "reader@example.org")]).await;
    let unknown =
        post(&app, "/account/sign-in", &[("origin", ORIGIN)], &[("email", "stranger@example.org")]).await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(one_text(&known.html(), ".reader-message"), one_text(&unknown.html(), ".reader-message"));
    assert_eq!(wait_for_mails(&sink, before + 1).await, before + 1, "one link, to the member");
    assert_eq!(mails_to(&sink, "stranger@example.org"), 0);
    let links = links_in_mail(&sink, "reader@example.org", "/account/sign-in/link", 2).await;
    assert!(
        links.contains(&sign_in_link) && links.iter().any(|l| *l != sign_in_link),
        "a new link: {links:?}"
    );
    app.finish().await;
}

#[tokio::test]
async fn forms_from_other_sites_and_robots_are_refused_and_the_rate_is_limited() {
    let app = TestApp::demo().await;
    let count = |app: &TestApp| {
        let store = app.store().clone();
        async move { store.count_members(&Default::default()).await.unwrap() }
    };
    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "cross-site"), ("origin", ORIGIN)],
        vec![("referer", "https://evil.example/page")],
        vec![],
    ] {
        let reply = post(&app, "/subscribe", &headers, &[("email", "victim@example.org")]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
        let reply = post(&app, "/account/sign-in", &headers, &[("email", "victim@example.org")]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert_eq!(count(&app).await, 0);

    // A robot fills in the hidden field: told what a person is told, and nothing happens.
    let robot = post(
        &app,
        "/subscribe",
        &[("sec-fetch-site", "same-origin")],
        &[("email", "bot@example.org"), ("website", "http://spam.example")],
    )
    .await;
    assert_eq!(robot.status, StatusCode::OK);
    assert!(one_text(&robot.html(), "h1").contains("Check your inbox"));
    assert_eq!(count(&app).await, 0);

    let bad = post(&app, "/subscribe", &[("origin", ORIGIN)], &[("email", "not an address")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!one_text(&bad.html(), ".form-error").is_empty());
    let huge = "x".repeat(20_000);
    let too_big =
        post(&app, "/subscribe", &[("origin", ORIGIN)], &[("email", "a@example.org"), ("name", &huge)]).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Past the burst, one address is asked to wait.
    let mut statuses = Vec::new();
    for i in 0..12 {
        let email = format!("r{i}@example.org");
        statuses.push(post(&app, "/subscribe", &[("origin", ORIGIN)], &[("email", &email)]).await.status);
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    app.finish().await;
}

/// An active member of the demo site with the default newsletter, signed in: their cookie.
async fn signed_in_member(app: &TestApp, email: &str) -> (i64, String) {
    let default = app.store().newsletters().await.unwrap()[0].id;
    let member = app
        .store()
        .create_member(&NewMember {
            email: email.into(),
            name: "Ada".into(),
            status: MemberStatus::Active,
            source: MemberSource::Signup,
            consent_at: Some(jiff::Timestamp::now()),
            note: String::new(),
            created_at: None,
            newsletters: vec![default],
            labels: vec![],
        })
        .await
        .unwrap();
    let now = jiff::Timestamp::now();
    let signer = app.state.newsroom().signer().await.unwrap();
    let payload = format!("{}:{}", member.id, now.as_microsecond());
    let token = signer.sign(Purpose::SignIn, &payload, now.as_second() + 600);
    let reply = post(app, "/account/sign-in/link", &[("origin", ORIGIN)], &[("t", &token)]).await;
    (member.id, cookie_pair(&set_cookie(&reply, "masthead_member").expect("signed in")))
}

fn csrf_of(reply: &Reply) -> String {
    attrs(&reply.html(), "form.account-newsletters input[name=csrf]", "value")
        .pop()
        .expect("the account form")
}

#[tokio::test]
async fn the_account_changes_newsletters_name_and_address_gives_the_data_and_deletes() {
    let Some((app, sink)) = app_with_mail(Backend::Sqlite).await else { return };
    let weekly = app
        .store()
        .create_newsletter(&masthead_core::NewNewsletter {
            slug: "weekly".into(),
            name: "The Week".into(),
            active: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let (id, cookie) = signed_in_member(&app, "ada@example.org").await;
    let page = get_with_cookie(&app, "/account", &cookie).await;
    assert_eq!(texts(&page.html(), "form.account-newsletters fieldset label"), ["Newsletter", "The Week"]);
    let csrf = csrf_of(&page);

    // Without the form's token: refused, nothing changed.
    let forged = post(
        &app,
        "/account",
        &[("cookie", &cookie)],
        &[("name", "Mallory"), ("newsletter", &weekly.id.to_string())],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let saved = post(
        &app,
        "/account",
        &[("cookie", &cookie)],
        &[("csrf", &csrf), ("name", "Ada Obi"), ("newsletter", &weekly.id.to_string())],
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let member = app.store().member(id).await.unwrap();
    assert_eq!((member.name.as_str(), member.newsletters.clone()), ("Ada Obi", vec![weekly.id]));

    // A new address: a link to it, and nothing changes until it is followed.
    let asked = post(
        &app,
        "/account/email",
        &[("cookie", &cookie)],
        &[("csrf", &csrf), ("email", "Ada.New@Example.org")],
    )
    .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(app.store().member(id).await.unwrap().email, "ada@example.org");
    let link = link_in_mail(&sink, "ada.new@example.org", "/account/email/confirm").await;
    assert_eq!(app.get(&link).await.status, StatusCode::OK);
    assert_eq!(
        app.store().member(id).await.unwrap().email,
        "ada@example.org",
        "the page alone changes nothing"
    );
    let changed =
        post(&app, "/account/email/confirm", &[("origin", ORIGIN)], &[("t", &token_of(&link))]).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(app.store().member(id).await.unwrap().email, "ada.new@example.org");

    // Everything we hold, as JSON to download.
    let data = get_with_cookie(&app, "/account/data", &cookie).await;
    assert_eq!(data.status, StatusCode::OK);
    assert!(data.header("content-disposition").starts_with("attachment"));
    assert_eq!(data.header("cache-control"), "no-store");
    let json: serde_json::Value = serde_json::from_str(&data.body).unwrap();
    assert_eq!(json["email"], "ada.new@example.org");
    assert_eq!(json["name"], "Ada Obi");
    assert_eq!(json["newsletters"][0]["name"], "The Week");
    assert_eq!(json["status"], "active");
    assert!(json["consent_at"].is_string());

    // Deleting asks for confirmation, then takes everything.
    let unconfirmed = post(&app, "/account/delete", &[("cookie", &cookie)], &[("csrf", &csrf)]).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store().member(id).await.is_ok());
    let deleted =
        post(&app, "/account/delete", &[("cookie", &cookie)], &[("csrf", &csrf), ("confirm", "delete")])
            .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert!(
        set_cookie(&deleted, "masthead_member")
            .is_some_and(|c| c.contains("Max-Age=0") || c.contains("1970")),
        "the cookie is cleared"
    );
    assert!(app.store().member(id).await.is_err());
    let after = get_with_cookie(&app, "/account", &cookie).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the session went with the account");
    app.finish().await;
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::demo().await;
    let (_, cookie) = signed_in_member(&app, "ben@example.org").await;
    let page = get_with_cookie(&app, "/account", &cookie).await;
    let csrf = attrs(&page.html(), "form.sign-out input[name=csrf]", "value").pop().unwrap();
    let out = post(&app, "/account/sign-out", &[("cookie", &cookie)], &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(get_with_cookie(&app, "/account", &cookie).await.header("location"), "/account/sign-in");
    app.finish().await;
}

#[tokio::test]
async fn following_an_unsubscribe_link_changes_nothing_and_a_one_click_post_unsubscribes() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { continue };
        let weekly = app
            .store()
            .create_newsletter(&masthead_core::NewNewsletter {
                slug: "weekly".into(),
                name: "The Week".into(),
                active: true,
                ..Default::default()
            })
            .await
            .unwrap();
        let (id, _) = signed_in_member(&app, "cy@example.org").await;
        let default = app.store().member(id).await.unwrap().newsletters[0];
        app.store()
            .update_member(
                id,
                &masthead_store::MemberChange {
                    name: String::new(),
                    note: String::new(),
                    newsletters: vec![default, weekly.id],
                    labels: vec![],
                },
            )
            .await
            .unwrap();

        let url = members::unsubscribe_url(app.state.newsroom(), id, Some(weekly.id)).await.unwrap();
        assert!(url.starts_with("https://meridian.example/unsubscribe?t="), "{url}");
        let path = url.trim_start_matches(ORIGIN);
        for _ in 0..3 {
            let shown = app.get(path).await;
            assert_eq!(shown.status, StatusCode::OK);
            assert!(one_text(&shown.html(), ".reader-message").contains("The Week"));
        }
        assert_eq!(app.store().member(id).await.unwrap().newsletters.len(), 2, "a GET never unsubscribes");

        // RFC 8058: the provider POSTs this body to the address, with no cookie and no origin.
        let one_click = post(&app, path, &[], &[("List-Unsubscribe", "One-Click")]).await;
        assert_eq!(one_click.status, StatusCode::OK, "{}", one_click.body);
        assert_eq!(app.store().member(id).await.unwrap().newsletters, vec![default]);
        assert_eq!(
            post(&app, path, &[], &[("List-Unsubscribe", "One-Click")]).await.status,
            StatusCode::OK,
            "twice is fine"
        );

        // The page's own button, from every newsletter: still a member, with none.
        let all = members::unsubscribe_url(app.state.newsroom(), id, None).await.unwrap();
        let page = app.get(all.trim_start_matches(ORIGIN)).await;
        let action = attrs(&page.html(), "form.reader-action", "action").pop().unwrap();
        assert_eq!(post(&app, &action, &[], &[]).await.status, StatusCode::OK);
        let member = app.store().member(id).await.unwrap();
        assert!(member.newsletters.is_empty());
        assert_eq!(member.status, MemberStatus::Active);

        let forged = format!("{}x", path);
        assert_eq!(
            post(&app, &forged, &[], &[("List-Unsubscribe", "One-Click")]).await.status,
            StatusCode::GONE
        );
        app.finish().await;
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../masthead-newsroom/tests/fixtures/members")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A staff member of `role`, signed in: their session cookie.
async fn staff_session(app: &TestApp, role: masthead_core::Role) -> String {
    let user = crate::admin::staff(app, role).await;
    crate::admin::sign_in(app, &user.email, crate::admin::PASSWORD).await.1.expect("signed in")
}

fn admin_csrf(reply: &Reply) -> String {
    attrs(&reply.html(), "input[name=csrf]", "value").pop().expect("a form with a CSRF token")
}

#[tokio::test]
async fn contributors_and_authors_cannot_see_members_or_newsletters() {
    let app = TestApp::demo().await;
    for role in [masthead_core::Role::Contributor, masthead_core::Role::Author] {
        let session = staff_session(&app, role).await;
        let dashboard = get_with_cookie(&app, "/admin/", &session).await;
        assert!(
            attrs(&dashboard.html(), "nav.admin-nav a", "href").iter().all(|h| h != "/admin/members"),
            "{role:?}"
        );
        for uri in ["/admin/members", "/admin/newsletters", "/admin/members/export"] {
            assert_eq!(
                get_with_cookie(&app, uri, &session).await.status,
                StatusCode::FORBIDDEN,
                "{role:?} {uri}"
            );
        }
        let csrf = admin_csrf(&dashboard);
        let added = post(
            &app,
            "/admin/members",
            &[("cookie", &session)],
            &[("csrf", &csrf), ("email", "x@example.org")],
        )
        .await;
        assert_eq!(added.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.store().count_members(&Default::default()).await.unwrap(), 0);
    assert_eq!(
        app.get("/admin/members").await.status,
        StatusCode::SEE_OTHER,
        "signed out: to the sign-in page"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_editor_imports_finds_labels_changes_exports_and_deletes_members() {
    let app = TestApp::demo().await;
    let session = staff_session(&app, masthead_core::Role::Editor).await;
    let list = get_with_cookie(&app, "/admin/members", &session).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.header("cache-control"), "no-store");
    let csrf = admin_csrf(&list);

    // A file with a bad row: refused with its line and column; nothing kept.
    let reply = app
        .send(crate::harness::multipart(
            "/admin/members/import",
            ("cookie", &session),
            &fixture("mailchimp-bad-row.csv"),
            &[("csrf", &csrf)],
        ))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = one_text(&reply.html(), ".form-error");
    assert!(error.contains("line 3, column CONFIRM_TIME"), "{error}");
    assert_eq!(app.store().count_members(&Default::default()).await.unwrap(), 0);

    // Each shape of export.
    for (file, added) in [("ghost.csv", 3), ("substack.csv", 3), ("mailchimp.csv", 2)] {
        let reply = app
            .send(crate::harness::multipart(
                "/admin/members/import",
                ("cookie", &session),
                &fixture(file),
                &[("csrf", &csrf)],
            ))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{file}: {}", reply.body);
        let notice = one_text(&reply.html(), ".form-notice");
        assert!(
            notice.contains(&format!("{added} members added")) && notice.contains("Nobody was e-mailed"),
            "{notice}"
        );
    }
    let without_token = app
        .send(crate::harness::multipart(
            "/admin/members/import",
            ("cookie", &session),
            &fixture("ghost.csv"),
            &[],
        ))
        .await;
    assert_eq!(without_token.status, StatusCode::FORBIDDEN);

    // Search and filters.
    let found = get_with_cookie(&app, "/admin/members?q=ADA", &session).await;
    assert_eq!(texts(&found.html(), "table.members tbody td:first-child"), ["ada@example.org"]);
    let pending = get_with_cookie(&app, "/admin/members?status=pending", &session).await;
    assert_eq!(one_text(&pending.html(), ".member-count").split(' ').next(), Some("3"));
    let lagos = app.store().labels().await.unwrap().into_iter().find(|(l, _)| l.name == "Lagos").unwrap().0;
    let labelled = get_with_cookie(&app, &format!("/admin/members?label={}", lagos.id), &session).await;
    assert_eq!(
        texts(&labelled.html(), "table.members tbody td:first-child"),
        ["chidi@example.org", "ada@example.org"]
    );
    let joined =
        get_with_cookie(&app, "/admin/members?joined_after=2023-01-01&joined_before=2023-03-31", &session)
            .await;
    assert_eq!(
        texts(&joined.html(), "table.members tbody td:first-child"),
        ["ada@example.org", "funmi@example.org"],
        "newest first"
    );

    // A member's page: labels and newsletters changed.
    let ada = app.store().member_by_email("ada@example.org").await.unwrap().unwrap();
    let page = get_with_cookie(&app, &format!("/admin/members/{}", ada.id), &session).await;
    assert_eq!(one_text(&page.html(), ".member-status"), "active");
    let saved = post(
        &app,
        &format!("/admin/members/{}", ada.id),
        &[("cookie", &session)],
        &[("csrf", &csrf), ("name", "Ada O."), ("note", "board member"), ("label", &lagos.id.to_string())],
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let changed = app.store().member(ada.id).await.unwrap();
    assert_eq!(
        (changed.name.as_str(), changed.note.as_str(), changed.newsletters.len()),
        ("Ada O.", "board member", 0)
    );
    assert_eq!(changed.labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["Lagos"]);

    // Added by hand, and labels made and removed.
    let added = post(
        &app,
        "/admin/members",
        &[("cookie", &session)],
        &[("csrf", &csrf), ("email", "New@Example.org"), ("consented", "on")],
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store().member_by_email("new@example.org").await.unwrap().unwrap().status,
        MemberStatus::Active
    );
    let again = post(
        &app,
        "/admin/members",
        &[("cookie", &session)],
        &[("csrf", &csrf), ("email", "new@example.org")],
    )
    .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        post(&app, "/admin/labels", &[("cookie", &session)], &[("csrf", &csrf), ("name", "Board")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post(
            &app,
            &format!("/admin/labels/{}/delete", lagos.id),
            &[("cookie", &session)],
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert!(app.store().member(ada.id).await.unwrap().labels.is_empty());

    // The export, filtered like the list.
    let export = get_with_cookie(&app, "/admin/members/export?status=active", &session).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.header("content-type").starts_with("text/csv"));
    assert!(export.header("content-disposition").contains("members.csv"));
    let lines: Vec<&str> = export.body.lines().collect();
    assert!(lines[0].starts_with("id,email,name,note,subscribed_to_emails"));
    assert_eq!(lines.len(), 1 + 6, "the six active members: {lines:?}");
    assert!(lines.iter().all(|l| !l.contains("bayo@")), "pending ones left out");

    let deleted =
        post(&app, &format!("/admin/members/{}/delete", ada.id), &[("cookie", &session)], &[("csrf", &csrf)])
            .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(app.store().member(ada.id).await.is_err());
    app.finish().await;
}

#[tokio::test]
async fn an_editor_makes_newsletters_that_readers_then_choose_from() {
    let app = TestApp::demo().await;
    let session = staff_session(&app, masthead_core::Role::Editor).await;
    let page = get_with_cookie(&app, "/admin/newsletters", &session).await;
    assert_eq!(texts(&page.html(), "table.newsletters tbody td:first-child"), ["Newsletter"]);
    let csrf = admin_csrf(&page);
    // The compact form only: one newsletter, no choice to make.
    assert!(attrs(&app.get("/subscribe").await.html(), "input[name=newsletter]", "value").is_empty());

    let bad = post(
        &app,
        "/admin/newsletters",
        &[("cookie", &session)],
        &[("csrf", &csrf), ("name", "The Week"), ("sender_email", "not-an-address")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&bad.html(), ".form-error").contains("not-an-address"));
    let made = post(
        &app,
        "/admin/newsletters",
        &[("cookie", &session)],
        &[
            ("csrf", &csrf),
            ("name", "The Week"),
            ("description", "Fridays"),
            ("sender_name", "Meridian Weekly"),
            ("sender_email", "week@meridian.example"),
            ("reply_to", "desk@meridian.example"),
            ("active", "on"),
            ("position", "1"),
        ],
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let week = app
        .store()
        .newsletters()
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.slug == "the-week")
        .expect("made, its slug from its name");
    assert_eq!(
        (week.sender_email.as_deref(), week.reply_to.as_deref(), week.subscribe_by_default),
        (Some("week@meridian.example"), Some("desk@meridian.example"), false)
    );
    let taken = post(
        &app,
        &format!("/admin/newsletters/{}", week.id),
        &[("cookie", &session)],
        &[("csrf", &csrf), ("name", "The Week"), ("slug", "newsletter"), ("active", "on")],
    )
    .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Readers now choose; the default one is ticked.
    let subscribe = app.get("/subscribe").await.html();
    assert_eq!(texts(&subscribe, "form.signup-form fieldset label"), ["Newsletter", "The Week"]);
    assert_eq!(attrs(&subscribe, "input[name=newsletter][checked]", "value").len(), 1);
    let reply = post(
        &app,
        "/subscribe",
        &[("origin", ORIGIN)],
        &[("email", "w@example.org"), ("choose", "1"), ("newsletter", &week.id.to_string())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        app.store().member_by_email("w@example.org").await.unwrap().unwrap().newsletters,
        vec![week.id]
    );
    app.finish().await;
}

#[tokio::test]
async fn the_members_list_pages_through_everyone_once_and_the_export_streams_them_all() {
    let app = TestApp::demo().await;
    let new: Vec<NewMember> = (0..2_345)
        .map(|i| NewMember {
            email: format!("m{i:04}@example.org"),
            name: if i == 7 { "=HYPERLINK(\"http://evil.example\")".into() } else { format!("Member {i}") },
            status: MemberStatus::Active,
            source: MemberSource::Import,
            consent_at: None,
            note: String::new(),
            created_at: Some(jiff::Timestamp::from_second(1_700_000_000 + i / 3).unwrap()),
            newsletters: vec![],
            labels: vec![],
        })
        .collect();
    app.store().import_members(&new, &|_| {}).await.unwrap();
    let session = staff_session(&app, masthead_core::Role::Administrator).await;

    let (mut seen, mut next, mut pages) = (Vec::new(), Some("/admin/members?status=active".to_owned()), 0);
    while let Some(uri) = next.take() {
        let page = get_with_cookie(&app, &uri, &session).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.html();
        seen.extend(texts(&html, "table.members tbody td:first-child"));
        next = attrs(&html, "nav.pager a[rel=next]", "href").pop();
        assert!(next.as_deref().is_none_or(|n| n.contains("status=active")), "the filter is kept: {next:?}");
        pages += 1;
    }
    assert_eq!(pages, 47, "50 a page");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (2_345, 2_345), "everyone, once");

    let export = get_with_cookie(&app, "/admin/members/export", &session).await;
    assert_eq!(export.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(export.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2_345);
    let evil = rows.iter().find(|r| &r[1] == "m0007@example.org").unwrap();
    assert!(evil[2].starts_with("'="), "a formula is not a formula in a spreadsheet: {:?}", &evil[2]);
    app.finish().await;
}

#[tokio::test]
async fn nobody_floods_an_inbox_through_the_sign_up_form() {
    let Some((app, sink)) = app_with_mail(Backend::Sqlite).await else { return };
    let mut answers = Vec::new();
    for _ in 0..7 {
        let reply = post(&app, "/subscribe", &[("origin", ORIGIN)], &[("email", "victim@example.org")]).await;
        answers.push((reply.status, one_text(&reply.html(), ".reader-message")));
    }
    answers.dedup();
    assert_eq!(answers.len(), 1, "the same answer every time: {answers:?}");
    // Signing up sends before it answers: every message there will be is in.
    assert_eq!(mails_to(&sink, "victim@example.org"), members::MAX_MAILS_PER_ADDRESS as usize);
    app.finish().await;
}

/// Sends `request` as it is to a real listener serving the site; everything it answers.
async fn over_tcp(addr: std::net::SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // Not a timing assertion: only how long to wait before calling the test hung.
    tokio::time::timeout(std::time::Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_mail_providers_one_click_post_over_a_real_connection_unsubscribes_and_its_get_does_not() {
    let app = TestApp::demo().await;
    let (id, _) = signed_in_member(&app, "dee@example.org").await;
    let newsletter = app.store().member(id).await.unwrap().newsletters[0];
    let url = members::unsubscribe_url(app.state.newsroom(), id, Some(newsletter)).await.unwrap();
    let path = url.trim_start_matches(ORIGIN).to_owned();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = masthead_web::http::serve::Limits::default();
    let server = tokio::spawn(masthead_web::http::serve::serve(
        listener,
        app.router.clone(),
        None,
        limits,
        async move {
            let _ = stopped.await;
        },
    ));

    // A scanner following the link.
    let get = over_tcp(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: meridian.example\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(get.starts_with("HTTP/1.1 200"), "{get}");
    assert_eq!(
        app.store().member(id).await.unwrap().newsletters,
        vec![newsletter],
        "a GET never unsubscribes"
    );

    // RFC 8058, as a provider sends it: no cookie, no origin, this body.
    let body = "List-Unsubscribe=One-Click";
    let post = over_tcp(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: meridian.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(post.starts_with("HTTP/1.1 200"), "{post}");
    assert!(app.store().member(id).await.unwrap().newsletters.is_empty());

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    app.finish().await;
}
