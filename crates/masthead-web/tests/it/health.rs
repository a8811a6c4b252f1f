//! `/healthz` and `/readyz` for load balancers: alive, and ready only while the database answers;
//! `/metrics` for monitoring.

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

/// `/metrics` as a monitoring system on this machine reads it: what a node did and what waits.
async fn scrape(app: &axum::Router, from: [u8; 4], headers: &[(&str, &str)]) -> (StatusCode, String) {
    let mut request = axum::http::Request::builder().uri("/metrics");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(axum::body::Body::empty()).unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((from, 40_000))));
    let reply = app.clone().oneshot(request).await.unwrap();
    let status = reply.status();
    let body = axum::body::to_bytes(reply.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The value of the sample `line` begins with.
fn sample(body: &str, line: &str) -> f64 {
    body.lines()
        .find_map(|l| l.strip_prefix(line).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no {line} in\n{body}"))
}

async fn metrics_count_requests_cache_hits_connections_and_queues(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    app.store().listen_to_other_nodes().await.unwrap();
    for _ in 0..3 {
        status_of(&app.router, "/").await;
    }
    status_of(&app.router, "/article/no-such-article").await;
    let (status, body) = scrape(&app.router, [127, 0, 0, 1], &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(sample(&body, "masthead_http_requests_total{status=\"2xx\",cache=\"miss\"}"), 1.0);
    assert_eq!(sample(&body, "masthead_http_requests_total{status=\"2xx\",cache=\"hit\"}"), 2.0);
    assert!(sample(&body, "masthead_http_requests_total{status=\"4xx\",cache=\"none\"}") >= 1.0);
    assert!(sample(&body, "masthead_http_request_duration_seconds_count") >= 4.0);
    assert!(sample(&body, "masthead_page_cache_pages") >= 1.0);
    assert!(sample(&body, "masthead_db_connections_open") >= 1.0);
    assert_eq!(sample(&body, "masthead_listener_up"), 1.0);
    assert!(sample(&body, "masthead_listener_silence_seconds") < 5.0);
    assert_eq!(sample(&body, "masthead_job_queue_depth{queue=\"sources_due\"}"), 0.0);
    assert!(body.contains("masthead_job_queue_depth{queue=\"scheduled_due\"}"), "{body}");
    assert_eq!(sample(&body, "masthead_job_queue_depth{queue=\"activities_undelivered\"}"), 0.0);
    assert_eq!(sample(&body, "masthead_job_queue_depth{queue=\"activities_unchecked\"}"), 0.0);
    assert!(body.ends_with("# EOF\n"), "OpenMetrics ends with # EOF");

    // Not for the public: from elsewhere, or forwarded by a proxy, it is not there.
    assert_eq!(scrape(&app.router, [203, 0, 113, 9], &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        scrape(&app.router, [127, 0, 0, 1], &[("x-forwarded-for", "203.0.113.9")]).await.0,
        StatusCode::NOT_FOUND
    );
    // With a token, from anywhere that has it.
    app.state.metrics().set_token(Some("scrape-secret".into()));
    assert_eq!(scrape(&app.router, [127, 0, 0, 1], &[]).await.0, StatusCode::NOT_FOUND);
    let with = [("authorization", "Bearer scrape-secret")];
    assert_eq!(scrape(&app.router, [203, 0, 113, 9], &with).await.0, StatusCode::OK);
    let wrong = [("authorization", "Bearer scrape-secreT")];
    assert_eq!(scrape(&app.router, [203, 0, 113, 9], &wrong).await.0, StatusCode::NOT_FOUND);
    app.finish().await;
}

#[tokio::test]
async fn metrics_count_requests_cache_hits_connections_and_queues_on_sqlite() {
    metrics_count_requests_cache_hits_connections_and_queues(Backend::Sqlite).await;
}

#[tokio::test]
async fn metrics_count_requests_cache_hits_connections_and_queues_on_postgres() {
    metrics_count_requests_cache_hits_connections_and_queues(Backend::Postgres).await;
}
