//! Admin API tokens through the router: each works no further than its scope, stops at its
//! expiry, and dies with a new password or a disabled account; a new reset link voids older ones.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use masthead_core::{Role, Scope};
use serde_json::{Value, json};

use crate::harness::api_call;
use crate::harness::{Backend, TestApp};

async fn call(app: &TestApp, token: &str, method: &str, uri: &str, body: Option<Value>) -> StatusCode {
    api_call(app, token, method, uri, body).await.0
}

async fn own_author(app: &TestApp) -> i64 {
    app.store().authors().await.unwrap().into_iter().find(|a| a.outlet_id.is_none()).unwrap().id
}

fn draft(author: i64, title: &str) -> Value {
    json!({ "title": title, "body": "Some words.", "author_ids": [author] })
}

/// The id of a new draft by an administrator with the whole role.
async fn new_draft(app: &TestApp, author: i64, title: &str) -> i64 {
    let token = app.api_token(Role::Administrator, Some(author)).await;
    let request = Request::builder()
        .method("POST")
        .uri("/api/admin/articles")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(draft(author, title).to_string()))
        .unwrap();
    let reply = app.send(request).await;
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
    serde_json::from_str::<Value>(&reply.body).unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_token_does_no_more_than_its_scope() {
    let app = TestApp::demo().await;
    let author = own_author(&app).await;
    let id = new_draft(&app, author, "Scoped").await;
    let publish = format!("/api/admin/articles/{id}/publish");
    let article = format!("/api/admin/articles/{id}");

    // An editor's token that may only read.
    let read = app.api_token_with(Role::Editor, Some(author), Scope::Read).await;
    assert_eq!(call(&app, &read, "GET", "/api/admin/articles", None).await, StatusCode::OK);
    assert_eq!(call(&app, &read, "GET", &article, None).await, StatusCode::OK, "reads drafts");
    assert_eq!(
        call(&app, &read, "POST", "/api/admin/articles", Some(draft(author, "No"))).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(call(&app, &read, "POST", &publish, None).await, StatusCode::FORBIDDEN);

    // One that may write drafts, not publish, delete or manage lists.
    let write = app.api_token_with(Role::Editor, Some(author), Scope::Write).await;
    assert_eq!(
        call(&app, &write, "POST", "/api/admin/articles", Some(draft(author, "Yes"))).await,
        StatusCode::CREATED
    );
    assert_eq!(call(&app, &write, "POST", &publish, None).await, StatusCode::FORBIDDEN);
    assert_eq!(call(&app, &write, "DELETE", &article, None).await, StatusCode::FORBIDDEN);
    let author_request = json!({ "name": "New Byline", "slug": "new-byline" });
    assert_eq!(
        call(&app, &write, "POST", "/api/admin/authors", Some(author_request.clone())).await,
        StatusCode::FORBIDDEN
    );

    // One with the whole role.
    let full = app.api_token_with(Role::Editor, Some(author), Scope::Publish).await;
    assert_eq!(call(&app, &full, "POST", &publish, None).await, StatusCode::OK);
    // Once published, changing the article is publishing: a write token may not.
    let change = json!({ "revision": 2, "title": "Changed", "body": "Other words.", "author_ids": [author] });
    assert_eq!(call(&app, &write, "PUT", &article, Some(change)).await, StatusCode::FORBIDDEN);
    assert!(call(&app, &full, "POST", "/api/admin/authors", Some(author_request)).await.is_success());
    assert_eq!(call(&app, &full, "DELETE", &article, None).await, StatusCode::NO_CONTENT);
    app.finish().await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = TestApp::demo().await;
    let user = app
        .store()
        .create_user(&masthead_store::NewUser {
            email: "old@meridian.example".into(),
            name: "Old".into(),
            role: Role::Editor,
            password_hash: "!".into(),
            author_id: None,
        })
        .await
        .unwrap();
    let secret = masthead_newsroom::secrets::new_token();
    let hash = masthead_newsroom::secrets::token_hash(&secret);
    let yesterday = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24);
    app.store().create_api_token(user.id, "old", &hash, Scope::Publish, yesterday).await.unwrap();
    assert_eq!(call(&app, &secret, "GET", "/api/admin/articles", None).await, StatusCode::UNAUTHORIZED);
    app.finish().await;
}

/// A stolen password may have made a token: a new password revokes them all, and so does
/// disabling the account. A reset link mailed later voids the ones before it.
async fn resets_and_disabling_revoke_tokens(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let token = app.api_token(Role::Editor, None).await;
    let user = app.store().user_credentials("editor-0-publish@meridian.example").await.unwrap().unwrap().0;
    assert_eq!(call(&app, &token, "GET", "/api/admin/articles", None).await, StatusCode::OK);

    let newsroom = app.state.newsroom();
    let (older, _) = masthead_newsroom::accounts::send_password_reset(newsroom, &user).await.unwrap();
    let (newer, _) = masthead_newsroom::accounts::send_password_reset(newsroom, &user).await.unwrap();
    let path = |link: &str| link.trim_start_matches("https://meridian.example").to_owned();
    assert_eq!(app.get(&path(&older)).await.status, StatusCode::GONE, "an older link no longer works");
    assert_eq!(app.get(&path(&newer)).await.status, StatusCode::OK);
    let secret = newer.split("token=").nth(1).unwrap();
    let password = "a brand new passphrase".to_owned();
    masthead_newsroom::accounts::choose_password(newsroom, secret, password.clone(), &password)
        .await
        .unwrap();
    assert_eq!(
        call(&app, &token, "GET", "/api/admin/articles", None).await,
        StatusCode::UNAUTHORIZED,
        "a new password revokes the account's tokens"
    );

    let token = app.api_token(Role::Author, None).await;
    let author = app.store().user_credentials("author-0-publish@meridian.example").await.unwrap().unwrap().0;
    app.store().update_staff(author.id, &author.name, author.role, None, true).await.unwrap();
    app.store().update_staff(author.id, &author.name, author.role, None, false).await.unwrap();
    assert_eq!(
        call(&app, &token, "GET", "/api/admin/articles", None).await,
        StatusCode::UNAUTHORIZED,
        "disabling revokes tokens, for good"
    );
    app.finish().await;
}

#[tokio::test]
async fn resets_and_disabling_revoke_tokens_on_sqlite() {
    resets_and_disabling_revoke_tokens(Backend::Sqlite).await;
}

#[tokio::test]
async fn resets_and_disabling_revoke_tokens_on_postgres() {
    resets_and_disabling_revoke_tokens(Backend::Postgres).await;
}
