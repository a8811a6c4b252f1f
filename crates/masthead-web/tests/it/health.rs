//! `/healthz` and `/readyz` for load balancers: alive, and ready only while the database answers.

use axum::http::StatusCode;
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::outbound::Outbound;
use masthead_store::Store;
use masthead_web::{AppState, Theme, router};
use tower::ServiceExt;

use crate::harness::{Backend, TestApp};

async fn status_of(app: &axum::Router, path: &str) -> (StatusCode, serde_json::Value, String) {
    let request = axum::http::Request::builder().uri(path).body(axum::body::Body::empty()).unwrap();
    let reply = app.clone().oneshot(request).await.unwrap();
    let status = reply.status();
    let cache =
        reply.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = axum::body::to_bytes(reply.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or_default(), cache)
}

async fn ready_until_the_database_goes(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let (status, body, cache) = status_of(&app.router, "/healthz").await;
    assert_eq!((status, cache.as_str()), (StatusCode::OK, "no-store"), "{body}");
    // A node is ready once it hears the other nodes (on PostgreSQL, its listener runs).
    app.store().listen_to_other_nodes().await.unwrap();
    let (status, body, _) = status_of(&app.router, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["database"].as_str(), body["listener"].as_str()), (Some("reachable"), Some("live")));

    // A node whose database is gone is alive but not ready.
    let store = Store::open(&app.db.location).await.unwrap();
    let state = AppState::new(
        store.clone(),
        Theme::load(None).unwrap(),
        std::env::temp_dir(),
        masthead_web::DEFAULT_PAGE_SIZE,
        Outbound::new(true).unwrap(),
        Mailer::log_only(),
    );
    let node = router(state);
    store.close().await;
    assert_eq!(status_of(&node, "/healthz").await.0, StatusCode::OK);
    let (status, body, _) = status_of(&node, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["database"], "unreachable");
    app.finish().await;
}

#[tokio::test]
async fn ready_until_the_database_goes_on_sqlite() {
    ready_until_the_database_goes(Backend::Sqlite).await;
}

#[tokio::test]
async fn ready_until_the_database_goes_on_postgres() {
    ready_until_the_database_goes(Backend::Postgres).await;
}
