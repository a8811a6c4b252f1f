//! Headers and limits every response keeps to: HSTS on an https site, what `robots.txt` keeps
//! crawlers out of, and `413` for a request body over the limit.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use masthead_core::Role;

use crate::admin::{PASSWORD, page_token, sign_in};
use crate::harness::TestApp;

#[tokio::test]
async fn every_response_of_an_https_site_carries_hsts() {
    let app = TestApp::demo().await;
    for uri in ["/", "/feed.xml", "/no-such-page", "/api/admin/articles", "/admin/login"] {
        let reply = app.get(uri).await;
        assert_eq!(
            reply.header("strict-transport-security"),
            "max-age=31536000; includeSubDomains",
            "{uri} answered {}",
            reply.status
        );
    }
    // A site served over plain http must never send it.
    let mut site = app.store().site().await.unwrap();
    site.base_url = "http://127.0.0.1:8080/".parse().unwrap();
    app.store().save_site(&site).await.unwrap();
    assert_eq!(app.get("/").await.header("strict-transport-security"), "");
    app.finish().await;
}

#[tokio::test]
async fn robots_keep_crawlers_out_of_the_admin_the_api_and_the_beacons() {
    let app = TestApp::demo().await;
    let robots = app.get("/robots.txt").await.body;
    for path in ["/admin/", "/api/", "/r/"] {
        assert!(robots.lines().any(|l| l == format!("Disallow: {path}")), "{path}:\n{robots}");
    }
    app.finish().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_not_400() {
    let app = TestApp::demo().await;
    let token = app.api_token(Role::Editor, None).await;
    let huge = "x".repeat(3 * 1024 * 1024);
    let body = serde_json::json!({ "title": "Huge", "body": huge }).to_string();
    let request = Request::builder()
        .method("POST")
        .uri("/api/admin/articles")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    assert!(reply.body.contains("larger than the 2 MiB allowed"), "{}", reply.body);
    // Malformed JSON of an ordinary size is still a 400.
    let request = Request::builder()
        .method("POST")
        .uri("/api/admin/articles")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from("{"))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::BAD_REQUEST);

    // The same through the admin's forms.
    let user = app
        .store()
        .create_user(&masthead_store::NewUser {
            email: "editor@meridian.example".into(),
            name: "Editor".into(),
            role: Role::Editor,
            password_hash: masthead_newsroom::secrets::hash_password(PASSWORD).unwrap(),
            author_id: None,
        })
        .await
        .unwrap();
    let (_, session) = sign_in(&app, &user.email, PASSWORD).await;
    let session = session.expect("signed in");
    let (_, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("csrf", csrf.as_str()), ("title", "Huge"), ("body", huge.as_str())])
        .finish();
    let request = Request::builder()
        .method("POST")
        .uri("/admin/articles/new")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &session)
        .body(Body::from(form))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body.contains("larger than the 2 MiB allowed"), "{}", reply.body);
    app.finish().await;
}
