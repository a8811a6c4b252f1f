//! Signing in, sessions, CSRF, throttling, roles: the admin and the Admin API through the router.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use masthead_core::{Role, User};
use masthead_store::NewUser;

use crate::harness::{Reply, TestApp, attrs, one_text, texts};

pub(crate) const PASSWORD: &str = "a long and good passphrase";

pub(crate) async fn staff(app: &TestApp, role: Role) -> User {
    let email = format!("{}@meridian.example", role.key());
    app.store()
        .create_user(&NewUser {
            email,
            name: format!("The {role}"),
            role,
            password_hash: masthead_newsroom::secrets::hash_password(PASSWORD).unwrap(),
            author_id: None,
        })
        .await
        .unwrap()
}

/// `name=value` of a Set-Cookie header of `reply`.
pub(crate) fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

pub(crate) fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

pub(crate) async fn form(app: &TestApp, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let request = Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

pub(crate) async fn get_with(app: &TestApp, uri: &str, header: (&str, &str)) -> Reply {
    app.send(Request::builder().uri(uri).header(header.0, header.1).body(Body::empty()).unwrap()).await
}

/// Signs in; returns the reply to the form and the session cookie (`name=value`), if one was set.
pub(crate) async fn sign_in(app: &TestApp, email: &str, password: &str) -> (Reply, Option<String>) {
    let page = app.get("/admin/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf_cookie = cookie_pair(&set_cookie(&page, "masthead_login_csrf").expect("a sign-in CSRF cookie"));
    let csrf = attrs(&page.html(), "input[name=csrf]", "value").pop().unwrap();
    let reply =
        form(app, "/admin/login", &csrf_cookie, &[("email", email), ("password", password), ("csrf", &csrf)])
            .await;
    let session = set_cookie(&reply, "masthead_session").map(|c| cookie_pair(&c));
    (reply, session)
}

#[tokio::test]
async fn staff_sign_in_with_a_safe_session_cookie_and_sign_out() {
    let app = TestApp::demo().await;
    staff(&app, Role::Editor).await;
    assert_eq!(app.get("/admin/").await.status, StatusCode::SEE_OTHER, "signed out: to the sign-in page");

    let (reply, session) = sign_in(&app, "  Editor@Meridian.example ", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), "/admin/");
    let raw = set_cookie(&reply, "masthead_session").unwrap();
    assert!(raw.contains("HttpOnly") && raw.contains("SameSite=Lax") && raw.contains("Path=/"), "{raw}");
    assert!(raw.contains("Secure"), "the demo site is https, so the cookie is Secure: {raw}");
    let session = session.unwrap();

    let dashboard = get_with(&app, "/admin/", ("cookie", &session)).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert_eq!(dashboard.header("cache-control"), "no-store");
    let html = dashboard.html();
    assert!(one_text(&html, ".admin-who .who").contains("The editor"));
    assert!(texts(&html, ".status-group h2").iter().any(|h| h.starts_with("Recently published")));
    assert!(!attrs(&html, ".status-group a", "href").is_empty());
    // The outlet's fediverse handle, for the newsroom to give out.
    assert!(one_text(&html, ".fediverse").contains("@meridian@"), "{}", one_text(&html, ".fediverse"));

    // Signing out needs the session's CSRF token.
    let refused = form(&app, "/admin/logout", &session, &[("csrf", "forged")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get_with(&app, "/admin/", ("cookie", &session)).await.status,
        StatusCode::OK,
        "still signed in"
    );
    let csrf = attrs(&html, "form[action='/admin/logout'] input[name=csrf]", "value").pop().unwrap();
    let out = form(&app, "/admin/logout", &session, &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get_with(&app, "/admin/", ("cookie", &session)).await.status,
        StatusCode::SEE_OTHER,
        "the session is gone"
    );
    let log = app.store().audit_log(10).await.unwrap();
    assert_eq!(log[0].action, "sign-in");
    app.finish().await;
}

#[tokio::test]
async fn sign_in_without_the_form_token_is_refused() {
    let app = TestApp::demo().await;
    staff(&app, Role::Editor).await;
    let fields = [("email", "editor@meridian.example"), ("password", PASSWORD), ("csrf", "guess")];
    let reply = form(&app, "/admin/login", "", &fields).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(set_cookie(&reply, "masthead_session").is_none());
    let reply = form(&app, "/admin/login", "masthead_login_csrf=other", &fields).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

#[tokio::test]
async fn a_burst_of_sign_ins_beyond_the_password_checks_is_refused_politely() {
    let app = TestApp::demo().await;
    staff(&app, Role::Editor).await;
    let passwords = app.state.newsroom().passwords();
    let places: Vec<_> = std::iter::from_fn(|| passwords.take_place()).collect();
    let (reply, session) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(session.is_none());
    assert_eq!(one_text(&reply.html(), ".form-error"), "Too many sign-ins right now, try again in a moment.");
    assert_eq!(reply.header("retry-after"), "5");
    drop(places);
    let (reply, session) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(session.is_some());
    app.finish().await;
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_with_a_clear_message() {
    let app = TestApp::demo().await;
    staff(&app, Role::Author).await;
    let (reply, session) = sign_in(&app, "nobody@meridian.example", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(session.is_none());
    assert_eq!(one_text(&reply.html(), ".form-error"), "Wrong e-mail address or password.");
    for _ in 0..5 {
        let (reply, _) = sign_in(&app, "author@meridian.example", "wrong").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now.
    let (reply, session) = sign_in(&app, "author@meridian.example", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(session.is_none());
    let message = one_text(&reply.html(), ".form-error");
    assert!(
        message.starts_with("Too many sign-ins for this account from your address. Try again in 15 minutes"),
        "{message}"
    );
    assert_eq!(reply.header("retry-after"), "900");
    // Another account is not affected.
    staff(&app, Role::Editor).await;
    let (reply, session) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(session.is_some());
    app.finish().await;
}

#[tokio::test]
async fn republications_are_shown_to_editors_only() {
    let app = TestApp::demo().await;
    let article = &app.published().await[0];
    app.store()
        .record_republication_view(article.id, "news.example.org", jiff::Timestamp::now())
        .await
        .unwrap();
    staff(&app, Role::Editor).await;
    staff(&app, Role::Contributor).await;

    let (_, editor) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    let page = get_with(&app, "/admin/republications", ("cookie", &editor.unwrap())).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    assert_eq!(texts(&html, "td.host"), ["news.example.org"]);
    assert_eq!(texts(&html, "td.views"), ["1"]);
    assert!(texts(&html, "tbody td a").contains(&article.title));

    let (_, contributor) = sign_in(&app, "contributor@meridian.example", PASSWORD).await;
    let contributor = contributor.unwrap();
    assert_eq!(
        get_with(&app, "/admin/republications", ("cookie", &contributor)).await.status,
        StatusCode::FORBIDDEN
    );
    let dashboard = get_with(&app, "/admin/", ("cookie", &contributor)).await.html();
    assert!(attrs(&dashboard, "a[href='/admin/republications']", "href").is_empty(), "not offered either");
    app.finish().await;
}

#[tokio::test]
async fn the_republications_list_pages_in_the_api_and_the_admin() {
    use masthead_newsroom::republications::PAGE_SIZE;
    let app = TestApp::demo().await;
    let ids: Vec<i64> = app.published().await.iter().take(3).map(|a| a.id).collect();
    let now = jiff::Timestamp::now();
    let per_article = PAGE_SIZE as usize;
    let tallies: Vec<masthead_core::ViewTally> = ids
        .iter()
        .flat_map(|&id| {
            (0..per_article).map(move |n| masthead_core::ViewTally {
                article_id: id,
                host: format!("site-{n}.example"),
                day: masthead_core::republication::view_day(now),
                views: 1,
                first_seen: now - jiff::SignedDuration::from_secs(n as i64 % 7),
                last_seen: now,
            })
        })
        .collect();
    // Fifty sites an article: under the bound of sites per article and day.
    for chunk in tallies.chunks(per_article) {
        app.store().add_republication_views(chunk).await.unwrap();
    }
    let total = ids.len() * per_article;
    let token = app.api_token(Role::Editor, None).await;
    let bearer = format!("Bearer {token}");
    let (mut seen, mut uri, mut pages) =
        (std::collections::BTreeSet::new(), Some("/api/admin/republications".to_owned()), 0);
    while let Some(next) = uri {
        let reply = get_with(&app, &next, ("authorization", &bearer)).await;
        assert_eq!(reply.status, StatusCode::OK, "{next}: {}", reply.body);
        let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        let rows = json["republications"].as_array().unwrap();
        assert!(rows.len() <= PAGE_SIZE as usize);
        for r in rows {
            assert!(
                seen.insert((r["article_id"].as_i64().unwrap(), r["host"].as_str().unwrap().to_owned())),
                "once"
            );
        }
        uri = json["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    assert_eq!(seen.len(), total, "every republication on one page or another");
    assert_eq!(pages, total.div_ceil(PAGE_SIZE as usize));
    let bad = get_with(&app, "/api/admin/republications?after=nonsense", ("authorization", &bearer)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("after"), "{}", bad.body);

    staff(&app, Role::Editor).await;
    let (_, editor) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    let cookie = editor.unwrap();
    let first = get_with(&app, "/admin/republications", ("cookie", &cookie)).await.html();
    assert_eq!(texts(&first, "td.host").len(), PAGE_SIZE as usize);
    let older = attrs(&first, "nav.pages a[rel=next]", "href");
    assert_eq!(older.len(), 1, "a link to the next page");
    let second = get_with(&app, &older[0], ("cookie", &cookie)).await;
    assert_eq!(second.status, StatusCode::OK);
    let second = second.html();
    assert_eq!(texts(&second, "td.host").len(), PAGE_SIZE as usize);
    assert_eq!(attrs(&second, "nav.pages a", "href")[0], "/admin/republications", "back to the newest");
    assert_eq!(
        get_with(&app, "/admin/republications?after=nonsense", ("cookie", &cookie)).await.status,
        StatusCode::BAD_REQUEST
    );
    app.finish().await;
}

#[tokio::test]
async fn the_admin_api_checks_tokens_and_roles() {
    let app = TestApp::demo().await;
    let article = &app.published().await[0];
    app.store().record_republication_view(article.id, "blog.example", jiff::Timestamp::now()).await.unwrap();
    let editor = staff(&app, Role::Editor).await;
    let contributor = staff(&app, Role::Contributor).await;
    let editor_token = masthead_newsroom::secrets::new_token();
    let contributor_token = masthead_newsroom::secrets::new_token();
    app.store()
        .create_api_token(
            editor.id,
            "test",
            &masthead_newsroom::secrets::token_hash(&editor_token),
            masthead_core::Scope::Publish,
            jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24),
        )
        .await
        .unwrap();
    app.store()
        .create_api_token(
            contributor.id,
            "test",
            &masthead_newsroom::secrets::token_hash(&contributor_token),
            masthead_core::Scope::Publish,
            jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24),
        )
        .await
        .unwrap();

    let json = |r: &Reply| serde_json::from_str::<serde_json::Value>(&r.body).unwrap();
    let none = app.get("/api/admin/republications").await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert!(json(&none)["error"].as_str().unwrap().contains("Bearer"));
    let bad = get_with(&app, "/api/admin/republications", ("authorization", "Bearer not-a-token")).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let forbidden = get_with(
        &app,
        "/api/admin/republications",
        ("authorization", &format!("Bearer {contributor_token}")),
    )
    .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(json(&forbidden)["error"].as_str().unwrap().contains("contributor"));
    let ok =
        get_with(&app, "/api/admin/republications", ("authorization", &format!("Bearer {editor_token}")))
            .await;
    assert_eq!(ok.status, StatusCode::OK);
    let list = json(&ok);
    let rows = list["republications"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["host"], "blog.example");
    assert_eq!(rows[0]["title"], article.title.as_str());
    assert_eq!(rows[0]["views"], 1);
    app.finish().await;
}

#[tokio::test]
async fn the_audit_log_is_for_administrators() {
    let app = TestApp::demo().await;
    staff(&app, Role::Administrator).await;
    staff(&app, Role::Editor).await;
    let (_, editor) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    let editor = editor.unwrap();
    assert_eq!(get_with(&app, "/admin/audit", ("cookie", &editor)).await.status, StatusCode::FORBIDDEN);
    let (_, admin) = sign_in(&app, "administrator@meridian.example", PASSWORD).await;
    let page = get_with(&app, "/admin/audit", ("cookie", &admin.unwrap())).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    assert_eq!(texts(&html, "td.action"), ["sign-in", "sign-in"], "both sign-ins, newest first");
    assert_eq!(texts(&html, "td.who"), ["The administrator", "The editor"]);
    app.finish().await;
}

pub(crate) async fn staff_writing_as(app: &TestApp, role: Role, author_id: i64) {
    app.store()
        .create_user(&NewUser {
            email: format!("{}@meridian.example", role.key()),
            name: format!("The {role}"),
            role,
            password_hash: masthead_newsroom::secrets::hash_password(PASSWORD).unwrap(),
            author_id: Some(author_id),
        })
        .await
        .unwrap();
}

/// The CSRF token of the signed-in page at `uri`.
pub(crate) async fn page_token(app: &TestApp, session: &str, uri: &str) -> (Reply, String) {
    let page = get_with(app, uri, ("cookie", session)).await;
    let token = attrs(&page.html(), "form.editor input[name=csrf]", "value").pop().unwrap_or_default();
    (page, token)
}

#[tokio::test]
async fn the_editor_writes_saves_publishes_and_never_overwrites_a_newer_save() {
    let app = TestApp::demo().await;
    let author_id = app.store().authors().await.unwrap()[0].id;
    staff_writing_as(&app, Role::Editor, author_id).await;
    let (_, session) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    let session = session.unwrap();

    let (page, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let author = author_id.to_string();
    let missing =
        form(&app, "/admin/articles/new", &session, &[("csrf", &csrf), ("title", ""), ("body", "Text")])
            .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(one_text(&missing.html(), ".form-error"), "An article needs a headline.");
    let created = form(
        &app,
        "/admin/articles/new",
        &session,
        &[
            ("csrf", &csrf),
            ("title", "Water for the Sahel"),
            ("body", "The *first* draft."),
            ("author_ids", &author),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let edit_url = created.header("location").to_owned();
    assert!(edit_url.starts_with("/admin/articles/"), "{edit_url}");

    let (page, csrf) = page_token(&app, &session, &edit_url).await;
    let html = page.html();
    assert_eq!(attrs(&html, "input[name=title]", "value"), ["Water for the Sahel"]);
    assert_eq!(attrs(&html, "input[name=revision]", "value"), ["1"]);
    assert_eq!(attrs(&html, "input[name=author_ids][checked]", "value"), [author.as_str()]);

    // Two people opened revision 1; the first save wins, the second gets the conflict page.
    let first = [
        ("csrf", csrf.as_str()),
        ("revision", "1"),
        ("title", "Water for the Sahel, revised"),
        ("body", "Mine."),
        ("author_ids", &author),
    ];
    let saved = form(&app, &edit_url, &session, &first).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(one_text(&saved.html(), ".form-notice"), "Saved.");
    let late = [
        ("csrf", csrf.as_str()),
        ("revision", "1"),
        ("title", "A late headline"),
        ("body", "Theirs."),
        ("author_ids", &author),
    ];
    let conflict = form(&app, &edit_url, &session, &late).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    let html = conflict.html();
    assert_eq!(one_text(&html, ".conflict-theirs .conflict-title"), "Water for the Sahel, revised");
    assert_eq!(one_text(&html, ".conflict-yours .conflict-title"), "A late headline");
    assert!(one_text(&html, ".conflict-diff").contains("+Theirs."));
    let id: i64 = edit_url.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(
        app.store().article(id).await.unwrap().title,
        "Water for the Sahel, revised",
        "nothing was overwritten"
    );

    let publish = [
        ("csrf", csrf.as_str()),
        ("revision", "2"),
        ("title", "Water for the Sahel, revised"),
        ("body", "Mine."),
        ("author_ids", &author),
        ("action", "publish"),
    ];
    let published = form(&app, &edit_url, &session, &publish).await;
    assert_eq!(one_text(&published.html(), ".form-notice"), "Published.");
    assert_eq!(app.get("/article/water-for-the-sahel").await.status, StatusCode::OK, "on the public site");

    // The list searches the whole text: every article with these words, the latest change
    // first; a phrase in quotes narrows it to the one.
    let list =
        get_with(&app, "/admin/articles?q=Water+for+the&status=published", ("cookie", &session)).await.html();
    assert_eq!(texts(&list, "tbody a").first().map(String::as_str), Some("Water for the Sahel, revised"));
    let phrase =
        get_with(&app, "/admin/articles?q=%22water+for+the+sahel%22&status=published", ("cookie", &session))
            .await
            .html();
    assert_eq!(texts(&phrase, "tbody a"), ["Water for the Sahel, revised"]);
    let by_author =
        get_with(&app, &format!("/admin/articles?author={author_id}"), ("cookie", &session)).await.html();
    let listed = texts(&by_author, "tbody a");
    assert!(listed.contains(&"Water for the Sahel, revised".to_owned()), "{listed:?}");
    let author_name = app.store().author(author_id).await.unwrap().name;
    for s in app.published().await {
        let theirs = s.authors.iter().any(|a| a.id == author_id);
        assert_eq!(listed.contains(&s.title), theirs, "{} by {author_name}?", s.title);
    }
    let europe = app
        .store()
        .term_by_slug(masthead_core::TermKind::Region, &masthead_core::Slug::parse("europe").unwrap())
        .await
        .unwrap();
    let in_europe =
        get_with(&app, &format!("/admin/articles?region={}", europe.id), ("cookie", &session)).await.html();
    let expected =
        app.store().published_in_term(europe.id, masthead_store::Page::first(100)).await.unwrap().items.len();
    assert_eq!(texts(&in_europe, "tbody a").len(), expected, "the region and its sub-regions");
    app.finish().await;
}

#[tokio::test]
async fn contributors_write_drafts_but_cannot_publish_them() {
    let app = TestApp::demo().await;
    let author_id = app.store().authors().await.unwrap()[0].id;
    staff_writing_as(&app, Role::Contributor, author_id).await;
    let (_, session) = sign_in(&app, "contributor@meridian.example", PASSWORD).await;
    let session = session.unwrap();
    let (_, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    let author = author_id.to_string();
    let created = form(
        &app,
        "/admin/articles/new",
        &session,
        &[("csrf", &csrf), ("title", "A contributor's draft"), ("body", "Text."), ("author_ids", &author)],
    )
    .await;
    let edit_url = created.header("location").to_owned();
    let (page, csrf) = page_token(&app, &session, &edit_url).await;
    assert!(attrs(&page.html(), "button[value=publish]", "value").is_empty(), "no publish button");
    let attempt = [
        ("csrf", csrf.as_str()),
        ("revision", "1"),
        ("title", "A contributor's draft"),
        ("body", "Text."),
        ("author_ids", &author),
        ("action", "publish"),
    ];
    let refused = form(&app, &edit_url, &session, &attempt).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/article/a-contributor-s-draft").await.status, StatusCode::NOT_FOUND);
    let forged = form(
        &app,
        &edit_url,
        &session,
        &[("csrf", "forged"), ("revision", "1"), ("title", "X"), ("body", "Y")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Someone else's article is not theirs to open.
    let other =
        app.published().await.into_iter().find(|s| s.authors.iter().all(|a| a.id != author_id)).unwrap();
    assert_eq!(
        get_with(&app, &format!("/admin/articles/{}", other.id), ("cookie", &session)).await.status,
        StatusCode::FORBIDDEN
    );
    // Nor is a colleague's draft theirs to see listed, in the article list or on the dashboard.
    let mut secret = app.store().article(other.id).await.unwrap();
    let mut draft = app.store().revision_snapshot(secret.id, secret.revision).await.unwrap();
    draft.slug = masthead_core::Slug::parse("an-unannounced-investigation").unwrap();
    draft.title = "An unannounced investigation".into();
    draft.status = masthead_core::ArticleStatus::Draft;
    draft.published_at = None;
    secret = app.store().create_article(&draft).await.unwrap();
    for page in ["/admin/articles", "/admin/articles?status=draft", "/admin/"] {
        let body = get_with(&app, page, ("cookie", &session)).await.body;
        assert!(!body.contains(&secret.title), "{page} shows a colleague's draft");
        let own = ["A contributor&#39;s draft", "A contributor&#x27;s draft", "A contributor's draft"];
        assert!(own.iter().any(|t| body.contains(t)), "{page} lists their own draft: {body}");
    }
    app.finish().await;
}

#[tokio::test]
async fn the_preview_renders_and_sanitises_like_a_save() {
    let app = TestApp::demo().await;
    let author_id = app.store().authors().await.unwrap()[0].id;
    staff_writing_as(&app, Role::Author, author_id).await;
    let (_, session) = sign_in(&app, "author@meridian.example", PASSWORD).await;
    let session = session.unwrap();
    let (_, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    let reply = form(
        &app,
        "/admin/preview",
        &session,
        &[("csrf", &csrf), ("body", "Some *text*<script>x()</script>")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.trim(), "<p>Some <em>text</em></p>");
    let forged = form(&app, "/admin/preview", &session, &[("csrf", "x"), ("body", "y")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        form(&app, "/admin/preview", "", &[("csrf", "x"), ("body", "y")]).await.status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}

#[tokio::test]
async fn administrators_edit_every_text_of_the_article_page() {
    let app = TestApp::demo().await;
    staff(&app, Role::Administrator).await;
    staff(&app, Role::Editor).await;
    let (_, editor) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    assert_eq!(
        get_with(&app, "/admin/settings", ("cookie", &editor.unwrap())).await.status,
        StatusCode::FORBIDDEN
    );

    let (_, session) = sign_in(&app, "administrator@meridian.example", PASSWORD).await;
    let session = session.unwrap();
    let page = get_with(&app, "/admin/settings", ("cookie", &session)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    let csrf = attrs(&html, "form.settings input[name=csrf]", "value").pop().unwrap();
    assert_eq!(attrs(&html, "input[name=title]", "value"), ["The Meridian"]);
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "The Meridian"),
        ("time_zone", "Europe/Belgrade"),
        ("media_contact", "desk@meridian.example"),
        ("disclaimer", "Our authors speak for themselves."),
        ("note_to_readers", "Share widely."),
        ("default_policy", "cc-by-nd"),
    ];
    let saved = form(&app, "/admin/settings", &session, &fields).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(one_text(&saved.html(), ".form-notice"), "Saved.");
    let article = app.published().await.into_iter().find(|s| s.original_outlet.is_none()).unwrap();
    let public = app.get(&format!("/article/{}", article.slug)).await.html();
    assert!(one_text(&public, ".disclaimer").contains("Our authors speak for themselves."));
    assert!(one_text(&public, ".note-to-readers").contains("Share widely."));
    assert!(attrs(&public, ".media-contact a", "href").contains(&"mailto:desk@meridian.example".to_owned()));

    let bad = [
        ("csrf", csrf.as_str()),
        ("title", "The Meridian"),
        ("time_zone", "Mars/Base"),
        ("media_contact", "desk@meridian.example"),
    ];
    let refused = form(&app, "/admin/settings", &session, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&refused.html(), ".form-error").contains("Mars/Base"));
    assert_eq!(
        app.store().site().await.unwrap().time_zone,
        "Europe/Belgrade",
        "nothing of a refused form is saved"
    );
    let forged = form(&app, "/admin/settings", &session, &[("csrf", "x"), ("title", "Hijacked")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

#[tokio::test]
async fn the_editor_warns_that_a_published_address_is_known() {
    let app = TestApp::demo().await;
    let author_id = app.store().authors().await.unwrap()[0].id;
    staff_writing_as(&app, Role::Editor, author_id).await;
    let (_, session) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    let session = session.unwrap();
    let published = app.store().article_by_slug(&app.published().await[0].slug).await.unwrap();
    let (page, csrf) = page_token(&app, &session, &format!("/admin/articles/{}", published.id)).await;
    assert!(one_text(&page.html(), "#slug-note").contains("Readers and feeds know this address"));
    let mut new = app.store().revision_snapshot(published.id, published.revision).await.unwrap();
    new.slug = masthead_core::Slug::parse("a-draft").unwrap();
    new.status = masthead_core::ArticleStatus::Draft;
    new.published_at = None;
    let draft = app.store().create_article(&new).await.unwrap();
    let (draft_page, _) = page_token(&app, &session, &format!("/admin/articles/{}", draft.id)).await;
    assert!(texts(&draft_page.html(), "#slug-note").is_empty(), "nobody knows a draft's address");

    // A refused save shows the form again, note and all.
    let revision = published.revision.to_string();
    let refused = form(
        &app,
        &format!("/admin/articles/{}", published.id),
        &session,
        &[("csrf", &csrf), ("revision", &revision), ("address_known", "1"), ("title", ""), ("body", "Text")],
    )
    .await;
    assert!(refused.body.contains("needs a headline"), "{}", refused.body);
    assert_eq!(texts(&refused.html(), "#slug-note").len(), 1);
    app.finish().await;
}

#[tokio::test]
async fn the_dashboard_dates_each_article_by_what_matters_and_opens_it_in_the_editor() {
    let app = TestApp::demo().await;
    let author_id = app.store().authors().await.unwrap()[0].id;
    staff_writing_as(&app, Role::Editor, author_id).await;
    let (_, session) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    let session = session.unwrap();
    let site = app.store().site().await.unwrap();
    let newest = app.store().article_by_slug(&app.published().await[0].slug).await.unwrap();
    let mut new = app.store().revision_snapshot(newest.id, newest.revision).await.unwrap();
    new.slug = masthead_core::Slug::parse("the-plan").unwrap();
    new.title = "The plan".into();
    new.status = masthead_core::ArticleStatus::Scheduled;
    let at: jiff::Timestamp = "2030-01-01T09:00:00Z".parse().unwrap();
    new.published_at = Some(at);
    let scheduled = app.store().create_article(&new).await.unwrap();

    let html = get_with(&app, "/admin/", ("cookie", &session)).await.html();
    let line = texts(&html, "li").into_iter().find(|l| l.contains("The plan")).expect("listed");
    let local = masthead_core::time::in_zone(at, &site.time_zone).strftime("%-d %B %Y, %H:%M").to_string();
    assert!(line.ends_with(&format!("goes out {local}")), "{line}");
    assert!(attrs(&html, "li a", "href").contains(&format!("/admin/articles/{}", scheduled.id)));
    let published = masthead_core::time::in_zone(newest.published_at.unwrap(), &site.time_zone)
        .strftime("%-d %B %Y, %H:%M")
        .to_string();
    assert!(
        texts(&html, "li")
            .iter()
            .any(|l| l.contains(&newest.title) && l.ends_with(&format!("published {published}")))
    );
    app.finish().await;
}
