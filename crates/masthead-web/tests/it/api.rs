//! The Admin API's articles: roles, validation, conflicts, and its OpenAPI document kept true.

use axum::http::StatusCode;
use masthead_core::Role;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call};

struct Staffer {
    token: String,
}

/// A staff member of `role` who writes under the byline of `author_id`, with an API token.
async fn staffer(app: &TestApp, role: Role, author_id: Option<i64>) -> Staffer {
    Staffer { token: app.api_token(role, author_id).await }
}

async fn call(
    app: &TestApp,
    who: &Staffer,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    api_call(app, &who.token, method, uri, body).await
}

/// Ids of two of the demo's own authors.
async fn two_authors(app: &TestApp) -> (i64, i64) {
    let own: Vec<i64> = app
        .store()
        .authors()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.outlet_id.is_none())
        .map(|a| a.id)
        .collect();
    (own[0], own[1])
}

fn draft(author: i64, title: &str) -> Value {
    json!({ "title": title, "body": "A *first* paragraph.\n\nA second one.", "author_ids": [author] })
}

#[tokio::test]
async fn roles_decide_who_writes_publishes_and_deletes() {
    let app = TestApp::demo().await;
    let (mine, theirs) = two_authors(&app).await;
    let contributor = staffer(&app, Role::Contributor, Some(mine)).await;
    let author = staffer(&app, Role::Author, Some(mine)).await;
    let editor = staffer(&app, Role::Editor, None).await;

    // Contributors write drafts under their own byline, and cannot publish them.
    let (status, created) =
        call(&app, &contributor, "POST", "/api/admin/articles", Some(draft(mine, "Contributor's draft")))
            .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["slug"], "contributor-s-draft");
    let id = created["id"].as_i64().unwrap();
    let (status, err) =
        call(&app, &contributor, "POST", "/api/admin/articles", Some(draft(theirs, "Not mine"))).await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::FORBIDDEN, Some("author_ids")));
    let (status, err) =
        call(&app, &contributor, "POST", &format!("/api/admin/articles/{id}/publish"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    assert_eq!(
        app.get(&format!("/article/{}", created["slug"].as_str().unwrap())).await.status,
        StatusCode::NOT_FOUND
    );

    // Authors publish their own work, not others'.
    let (status, published) =
        call(&app, &author, "POST", &format!("/api/admin/articles/{id}/publish"), None).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["status"], "published");
    let page = app.get("/article/contributor-s-draft").await;
    assert_eq!(page.status, StatusCode::OK, "published articles are on the public site");
    let (_, other) =
        call(&app, &editor, "POST", "/api/admin/articles", Some(draft(theirs, "Someone else's"))).await;
    let other_id = other["id"].as_i64().unwrap();
    let (status, _) =
        call(&app, &author, "POST", &format!("/api/admin/articles/{other_id}/publish"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(&app, &author, "DELETE", &format!("/api/admin/articles/{other_id}"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Editors do anything; every publication is in the audit log.
    let (status, _) = call(&app, &editor, "POST", &format!("/api/admin/articles/{id}/unpublish"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.get("/article/contributor-s-draft").await.status, StatusCode::GONE);
    let (status, _) = call(&app, &editor, "DELETE", &format!("/api/admin/articles/{other_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&app, &editor, "GET", &format!("/api/admin/articles/{other_id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let actions: Vec<String> =
        app.store().audit_log(20).await.unwrap().into_iter().map(|e| e.action).collect();
    for expected in ["article published", "article unpublished", "article deleted"] {
        assert!(actions.contains(&expected.to_owned()), "{expected} in {actions:?}");
    }
    app.finish().await;
}

#[tokio::test]
async fn errors_name_the_field_and_a_stale_save_is_a_conflict() {
    let app = TestApp::demo().await;
    let (mine, _) = two_authors(&app).await;
    let editor = staffer(&app, Role::Editor, Some(mine)).await;
    for (body, field) in [
        (json!({ "title": " ", "body": "x", "author_ids": [mine] }), "title"),
        (json!({ "title": "T", "slug": "Not A Slug", "body": "x", "author_ids": [mine] }), "slug"),
        (json!({ "title": "T", "body": "x", "body_format": "docx", "author_ids": [mine] }), "body_format"),
        (json!({ "title": "T", "body": "x", "reuse_policy": "cc0", "author_ids": [mine] }), "reuse_policy"),
        (json!({ "title": "T", "body": "x", "author_ids": [999_999] }), "author_ids"),
        (json!({ "title": "T", "body": "x", "time_zone": "Mars/Base", "author_ids": [mine] }), "time_zone"),
        (
            json!({ "title": "T", "body": "x", "featured_media_id": 999_999, "author_ids": [mine] }),
            "featured_media_id",
        ),
    ] {
        let (status, err) = call(&app, &editor, "POST", "/api/admin/articles", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert_eq!(err["field"], field, "{body}: {err}");
        assert!(!err["error"].as_str().unwrap().is_empty());
        assert!(!err["error"].as_str().unwrap().contains("FOREIGN KEY"), "{err}");
    }
    let (status, err) =
        call(&app, &editor, "POST", "/api/admin/articles", Some(json!({ "title": "T", "bogus": 1 }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let taken = app.published().await[0].slug.to_string();
    let (status, err) = call(
        &app,
        &editor,
        "POST",
        "/api/admin/articles",
        Some(json!({ "title": "T", "slug": taken, "body": "x", "author_ids": [mine] })),
    )
    .await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("slug")));

    let (_, created) =
        call(&app, &editor, "POST", "/api/admin/articles", Some(draft(mine, "Shared draft"))).await;
    let id = created["id"].as_i64().unwrap();
    let mut first = draft(mine, "First editor's headline");
    first["revision"] = json!(1);
    first["slug"] = json!("shared-draft");
    let (status, saved) = call(&app, &editor, "PUT", &format!("/api/admin/articles/{id}"), Some(first)).await;
    assert_eq!((status, saved["revision"].as_i64()), (StatusCode::OK, Some(2)), "{saved}");
    let mut second = draft(mine, "Second editor's headline");
    second["revision"] = json!(1);
    second["slug"] = json!("shared-draft");
    let (status, err) = call(&app, &editor, "PUT", &format!("/api/admin/articles/{id}"), Some(second)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["field"], "revision");
    assert!(err["error"].as_str().unwrap().contains("revision 2"));
    let (_, now) = call(&app, &editor, "GET", &format!("/api/admin/articles/{id}"), None).await;
    assert_eq!(now["title"], "First editor's headline", "the first save is not overwritten");
    // The history: every save, a diff, and a restore that is itself a save.
    let (_, history) = call(&app, &editor, "GET", &format!("/api/admin/articles/{id}/revisions"), None).await;
    let revisions: Vec<i64> =
        history["revisions"].as_array().unwrap().iter().map(|r| r["revision"].as_i64().unwrap()).collect();
    assert_eq!(revisions, [2, 1]);
    assert_eq!(history["revisions"][0]["changed"], json!(["title"]));
    let (_, two) = call(&app, &editor, "GET", &format!("/api/admin/articles/{id}/revisions/2"), None).await;
    let diff = two["diff"]["title"].as_str().unwrap();
    assert!(diff.contains("-Shared draft") && diff.contains("+First editor's headline"), "{diff}");
    assert_eq!(two["diff"]["body"], "", "the body did not change");
    let (status, err) = call(
        &app,
        &editor,
        "POST",
        &format!("/api/admin/articles/{id}/revisions/1/restore"),
        Some(json!({ "revision": 1 })),
    )
    .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::CONFLICT, Some("revision")),
        "restoring over a stale view"
    );
    let (status, restored) = call(
        &app,
        &editor,
        "POST",
        &format!("/api/admin/articles/{id}/revisions/1/restore"),
        Some(json!({ "revision": 2 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!((restored["title"].as_str(), restored["revision"].as_i64()), (Some("Shared draft"), Some(3)));
    let (status, _) =
        call(&app, &editor, "GET", &format!("/api/admin/articles/{id}/revisions/99"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Scheduling wants a future time with its offset.
    for at in ["tomorrow", "2001-01-01T00:00:00Z"] {
        let (status, err) = call(
            &app,
            &editor,
            "POST",
            &format!("/api/admin/articles/{id}/schedule"),
            Some(json!({ "at": at })),
        )
        .await;
        assert_eq!(
            (status, err["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("at")),
            "{at}: {err}"
        );
    }
    let (status, scheduled) = call(
        &app,
        &editor,
        "POST",
        &format!("/api/admin/articles/{id}/schedule"),
        Some(json!({ "at": "2099-01-01T08:00:00+01:00" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{scheduled}");
    assert_eq!(scheduled["status"], "scheduled");
    assert_eq!(scheduled["published_at"], "2099-01-01T07:00:00Z");
    let (_, list) = call(&app, &editor, "GET", "/api/admin/articles?status=scheduled", None).await;
    assert!(list["articles"].as_array().unwrap().iter().any(|a| a["id"] == id));
    let (_, list) = call(&app, &editor, "GET", "/api/admin/articles?status=draft", None).await;
    assert!(list["articles"].as_array().unwrap().iter().all(|a| a["id"] != id));
    let (_, list) = call(&app, &editor, "GET", "/api/admin/articles", None).await;
    assert!(list["articles"].as_array().unwrap().iter().any(|a| a["id"] == id));
    let (status, _) = call(&app, &editor, "GET", "/api/admin/articles?status=lost", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.finish().await;
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_what_the_router_answers() {
    let app = TestApp::demo().await;
    let (mine, _) = two_authors(&app).await;
    let owner = staffer(&app, Role::Owner, Some(mine)).await;
    let (status, doc) = call(&app, &owner, "GET", "/api/admin/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, masthead_web::api::openapi::OPERATIONS.len());
    let (_, created) =
        call(&app, &owner, "POST", "/api/admin/articles", Some(draft(mine, "For the document"))).await;
    let id = created["id"].as_i64().unwrap().to_string();
    let mut operations: Vec<(&String, &String)> = paths
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| (path, m)))
        .collect();
    // Deleting last, so that every other operation finds the article.
    operations.sort_by_key(|(_, method)| *method == "delete");
    let outlet = app.store().outlets().await.unwrap()[0].id;
    let source = json!({ "outlet_id": outlet, "feed_url": "http://127.0.0.1:9/feed.xml", "terms": "cc-by" });
    let (status, source) = call(&app, &owner, "POST", "/api/admin/sources", Some(source)).await;
    assert_eq!(status, StatusCode::CREATED, "{source}");
    let source_id = source["id"].as_i64().unwrap().to_string();
    for (path, method) in operations {
        let id = if path.starts_with("/api/admin/sources/") { &source_id } else { &id };
        let uri = path.replace("{id}", id).replace("{revision}", "1");
        let body = matches!(method.as_str(), "post" | "put").then(|| {
            let mut b = draft(mine, "For the document");
            b["revision"] = json!(1);
            b
        });
        let (status, _) = call(&app, &owner, &method.to_uppercase(), &uri, body).await;
        assert!(
            status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is documented but answers {status}"
        );
    }
    // And nothing undocumented answers under /api/admin/: no other method on a documented path.
    for (path, item) in paths {
        let uri = path.replace("{id}", &source_id).replace("{revision}", "1");
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                let (status, _) = call(&app, &owner, &method.to_uppercase(), &uri, None).await;
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} answers but is not documented"
                );
            }
        }
    }
    assert_eq!(call(&app, &owner, "GET", "/api/admin/nothing-here", None).await.0, StatusCode::NOT_FOUND);
    app.finish().await;
}

#[tokio::test]
async fn authors_terms_outlets_and_settings_through_the_api() {
    let app = TestApp::demo().await;
    let (mine, _) = two_authors(&app).await;
    let author = staffer(&app, Role::Author, Some(mine)).await;
    let editor = staffer(&app, Role::Editor, None).await;
    let admin = staffer(&app, Role::Administrator, None).await;

    let (status, list) = call(&app, &author, "GET", "/api/admin/terms?kind=region", None).await;
    assert_eq!(status, StatusCode::OK);
    let europe = list["terms"].as_array().unwrap().iter().find(|t| t["slug"] == "europe").unwrap()["id"]
        .as_i64()
        .unwrap();
    let new_region = json!({ "kind": "region", "name": "Caucasus", "parent_id": europe });
    assert_eq!(
        call(&app, &author, "POST", "/api/admin/terms", Some(new_region.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, term) = call(&app, &editor, "POST", "/api/admin/terms", Some(new_region)).await;
    assert_eq!(status, StatusCode::CREATED, "{term}");
    assert_eq!((term["slug"].as_str(), term["parent_id"].as_i64()), (Some("caucasus"), Some(europe)));
    assert_eq!(app.get("/region/caucasus").await.status, StatusCode::OK, "the archive exists at once");
    let term_id = term["id"].as_i64().unwrap();
    for (body, field) in [
        (json!({ "kind": "region", "name": " " }), "name"),
        (json!({ "kind": "region", "name": "X", "slug": "Bad Slug" }), "slug"),
        (json!({ "kind": "region", "name": "X", "parent_id": 999_999 }), "parent_id"),
        (json!({ "kind": "tag", "name": "X", "parent_id": europe }), "parent_id"),
    ] {
        let (status, err) = call(&app, &editor, "POST", "/api/admin/terms", Some(body.clone())).await;
        assert_eq!(
            (status, err["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body}: {err}"
        );
    }
    let (status, err) = call(
        &app,
        &editor,
        "PUT",
        &format!("/api/admin/terms/{europe}"),
        Some(json!({ "kind": "region", "name": "Europe", "parent_id": term_id })),
    )
    .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("parent_id")),
        "no cycles: {err}"
    );

    let (status, outlet) = call(
        &app,
        &editor,
        "POST",
        "/api/admin/outlets",
        Some(json!({ "name": "Steppe Wire", "homepage": "https://steppe-wire.example/" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{outlet}");
    let (status, err) = call(
        &app,
        &editor,
        "POST",
        "/api/admin/outlets",
        Some(json!({ "name": "X", "homepage": "not a url" })),
    )
    .await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("homepage")));
    let (status, writer) = call(
        &app,
        &editor,
        "POST",
        "/api/admin/authors",
        Some(json!({ "name": "Aigerim Sadykova", "bio": "Aigerim Sadykova reports from Almaty.", "outlet_id": outlet["id"] })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{writer}");
    assert_eq!(writer["slug"], "aigerim-sadykova");
    let (status, err) = call(
        &app,
        &editor,
        "POST",
        "/api/admin/authors",
        Some(json!({ "name": "Dup", "slug": "aigerim-sadykova" })),
    )
    .await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("slug")));
    let writer_id = writer["id"].as_i64().unwrap();
    let (status, writer) = call(
        &app,
        &editor,
        "PUT",
        &format!("/api/admin/authors/{writer_id}"),
        Some(json!({ "name": "Aigerim Sadykova", "slug": "aigerim-sadykova", "bio": "Now in Astana." })),
    )
    .await;
    assert_eq!((status, writer["bio"].as_str()), (StatusCode::OK, Some("Now in Astana.")));

    let change = json!({ "title": "The Meridian Weekly", "time_zone": "Asia/Almaty" });
    assert_eq!(
        call(&app, &editor, "PUT", "/api/admin/settings", Some(change.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, site) = call(&app, &admin, "PUT", "/api/admin/settings", Some(change)).await;
    assert_eq!(status, StatusCode::OK, "{site}");
    assert_eq!(
        (site["title"].as_str(), site["tagline"].as_str()),
        (Some("The Meridian Weekly"), Some("Independent analysis from the edges of the map")),
        "other settings stay"
    );
    assert_eq!(one_text_of(&app.get("/").await.body, ".site-title"), "The Meridian Weekly");
    for (body, field) in [
        (json!({ "time_zone": "Mars/Base" }), "time_zone"),
        (json!({ "media_contact": "nobody" }), "media_contact"),
        (json!({ "colour": "red" }), "colour"),
        (json!({ "default_policy": "cc0" }), "default_policy"),
    ] {
        let (status, err) = call(&app, &admin, "PUT", "/api/admin/settings", Some(body.clone())).await;
        assert_eq!(
            (status, err["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body}: {err}"
        );
    }
    let log = app.store().audit_log(5).await.unwrap();
    assert_eq!((log[0].action.as_str(), log[0].subject.as_str()), ("settings changed", "time_zone, title"));
    app.finish().await;
}

fn one_text_of(html: &str, selector: &str) -> String {
    crate::harness::one_text(&scraper::Html::parse_document(html), selector)
}

#[tokio::test]
async fn a_body_nested_too_deep_is_refused_with_a_field_error() {
    let app = TestApp::demo().await;
    let (mine, _) = two_authors(&app).await;
    let editor = staffer(&app, Role::Editor, Some(mine)).await;
    let quotes = format!("{} the end", ">".repeat(20_000));
    let divs = "<div>".repeat(100_000);
    for (body, format, what) in [(quotes, "markdown", "quotes"), (divs, "html", "`<div>` elements")] {
        let request = json!({ "title": "Deep", "body": body, "body_format": format, "author_ids": [mine] });
        let (status, err) = call(&app, &editor, "POST", "/api/admin/articles", Some(request)).await;
        assert_eq!(
            (status, err["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("body")),
            "{err}"
        );
        let message = err["error"].as_str().unwrap();
        assert!(message.contains(&format!("nests {what} more than 100 levels deep")), "{message}");
    }
}

#[tokio::test]
async fn addresses_that_are_not_http_are_refused_wherever_they_come_in() {
    let app = TestApp::demo().await;
    let (mine, _) = two_authors(&app).await;
    let admin = staffer(&app, Role::Administrator, Some(mine)).await;
    let outlet = app.store().outlets().await.unwrap()[0].id;
    let before = app.store().recent_articles(None, 500).await.unwrap().len();
    let site_before = app.store().site().await.unwrap();
    for hostile in
        ["javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>", "ftp://x/"]
    {
        // Provenance: the address would land in links, the canonical link, JSON-LD, ninjs, feeds
        // and the snippet that other sites paste.
        let mut article = draft(mine, "Borrowed");
        article["origins"] = json!([{ "outlet_id": outlet, "url": hostile, "byline": "A. N. Other" }]);
        let (status, err) = call(&app, &admin, "POST", "/api/admin/articles", Some(article)).await;
        assert!(status.is_client_error(), "{hostile}: {status} {err}");
        assert!(err["error"].as_str().unwrap_or_default().contains("http"), "{hostile}: {err}");
        // A partner's homepage, the settings' public address and WebSub hub.
        let (status, err) = call(
            &app,
            &admin,
            "POST",
            "/api/admin/outlets",
            Some(json!({ "name": format!("Outlet {}", hostile.len()), "homepage": hostile })),
        )
        .await;
        assert_eq!(
            (status, err["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("homepage")),
            "{err}"
        );
        for setting in ["base_url", "websub_hub"] {
            let (status, err) =
                call(&app, &admin, "PUT", "/api/admin/settings", Some(json!({ setting: hostile }))).await;
            assert_eq!(
                (status, err["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(setting)),
                "{setting} = {hostile}: {err}"
            );
        }
    }
    assert_eq!(app.store().recent_articles(None, 500).await.unwrap().len(), before, "nothing was saved");
    let site = app.store().site().await.unwrap();
    assert_eq!((site.base_url, site.websub_hub), (site_before.base_url, site_before.websub_hub));
    app.finish().await;
}

#[tokio::test]
async fn a_new_headline_keeps_the_address_unless_a_new_one_is_given() {
    let app = TestApp::demo().await;
    let (mine, _) = two_authors(&app).await;
    let editor = staffer(&app, Role::Editor, Some(mine)).await;
    let (_, created) =
        call(&app, &editor, "POST", "/api/admin/articles", Some(draft(mine, "First headline"))).await;
    let id = created["id"].as_i64().unwrap();
    let (_, published) =
        call(&app, &editor, "POST", &format!("/api/admin/articles/{id}/publish"), None).await;
    let mut change = draft(mine, "A better headline");
    change["revision"] = published["revision"].clone();
    let (status, saved) =
        call(&app, &editor, "PUT", &format!("/api/admin/articles/{id}"), Some(change)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["slug"], "first-headline", "ids and addresses never change by themselves");
    assert_eq!(app.get("/article/first-headline").await.status, StatusCode::OK);
    let feed = app.get("/feed.xml").await.body;

    // An address given on purpose: the old one, and what lives under it, answer 301.
    let mut change = draft(mine, "A better headline");
    change["slug"] = json!("better-address");
    change["revision"] = saved["revision"].clone();
    let (status, saved) =
        call(&app, &editor, "PUT", &format!("/api/admin/articles/{id}"), Some(change)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(app.get("/article/better-address").await.status, StatusCode::OK);
    for (old, new) in [
        ("/article/first-headline", "/article/better-address"),
        ("/article/first-headline.ninjs.json", "/article/better-address.ninjs.json"),
        ("/article/first-headline/republish", "/article/better-address/republish"),
    ] {
        let reply = app.get(old).await;
        assert_eq!(reply.status, StatusCode::MOVED_PERMANENTLY, "{old}");
        assert_eq!(reply.header("location"), new);
        assert_eq!(app.get(new).await.status, StatusCode::OK, "{new}");
    }

    // Feeds and ninjs still name it by its first address; their links lead to the new one.
    let first = "https://meridian.example/article/first-headline";
    let now = "https://meridian.example/article/better-address";
    let guid = format!("<guid>{first}</guid>");
    assert!(feed.contains(&guid), "{feed}");
    let rss = app.get("/feed.xml").await.body;
    assert!(rss.contains(&guid) && rss.contains(&format!("<link>{now}</link>")), "{rss}");
    let atom = app.get("/atom.xml").await.body;
    assert!(
        atom.contains(&format!("<id>{first}</id>")) && atom.contains(&format!("href=\"{now}\"")),
        "{atom}"
    );
    let json: Value = serde_json::from_str(&app.get("/feed.json").await.body).unwrap();
    let item = json["items"].as_array().unwrap().iter().find(|i| i["url"] == now).expect("the item");
    assert_eq!(item["id"], first);
    let ninjs: Value =
        serde_json::from_str(&app.get("/article/better-address.ninjs.json").await.body).unwrap();
    assert_eq!(ninjs["uri"], first);

    // Moved back: the first address is the page again, with no redirect in the way.
    let mut change = draft(mine, "A better headline");
    change["slug"] = json!("first-headline");
    change["revision"] = saved["revision"].clone();
    let (status, saved) =
        call(&app, &editor, "PUT", &format!("/api/admin/articles/{id}"), Some(change)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(app.get("/article/first-headline").await.status, StatusCode::OK);
    assert_eq!(app.get("/article/better-address").await.header("location"), "/article/first-headline");
    app.finish().await;
}

#[tokio::test]
async fn a_draft_s_address_changes_leave_nothing_behind() {
    let app = TestApp::demo().await;
    let (mine, _) = two_authors(&app).await;
    let editor = staffer(&app, Role::Editor, Some(mine)).await;
    let (_, created) =
        call(&app, &editor, "POST", "/api/admin/articles", Some(draft(mine, "Working title"))).await;
    let id = created["id"].as_i64().unwrap();
    let mut change = draft(mine, "Working title");
    change["slug"] = json!("final-address");
    change["revision"] = created["revision"].clone();
    let (status, _) = call(&app, &editor, "PUT", &format!("/api/admin/articles/{id}"), Some(change)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, published) =
        call(&app, &editor, "POST", &format!("/api/admin/articles/{id}/publish"), None).await;
    assert_eq!(published["slug"], "final-address");
    // Nobody outside knew the draft's address: it is not kept, and feeds name the article by
    // the address it was published at.
    assert_eq!(app.get("/article/working-title").await.status, StatusCode::NOT_FOUND);
    let rss = app.get("/feed.xml").await.body;
    assert!(rss.contains("<guid>https://meridian.example/article/final-address</guid>"), "{rss}");
    app.finish().await;
}
