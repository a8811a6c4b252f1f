//! A real PostgreSQL outage: the site's role is cut off from the database (its connections
//! ended, new ones refused) while the test looks on. Pages already cached are still served;
//! the rest are told `503` with `Retry-After`, quickly; and once the database is back, the site
//! recovers by itself, without serving what changed meanwhile from its old copies.

use std::time::Duration;

use axum::Router;
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::outbound::Outbound;
use masthead_store::testing::CutOffRole;
use masthead_store::{Page, Store, StoreOptions};
use masthead_web::{AppState, Theme, router};

use crate::harness::{BASE_URL, Reply};

/// Not a timing assertion: only how long to wait before calling a test hung.
const GUARD: Duration = Duration::from_secs(60);

async fn get(router: &Router, uri: &str) -> Reply {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let request = axum::http::Request::builder().uri(uri).body(axum::body::Body::empty()).unwrap();
    let answer = tokio::time::timeout(GUARD, router.clone().oneshot(request)).await;
    let response = answer.unwrap_or_else(|_| panic!("GET {uri} hung")).unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

#[tokio::test]
async fn through_a_database_outage_cached_pages_are_served_and_the_rest_told_503() {
    let Some(role) = CutOffRole::new().await else { return };
    let options = StoreOptions { acquire_timeout: Duration::from_secs(1), ..StoreOptions::default() };
    let store = Store::open_with(&role.location, &options).await.expect("the role's store opens");
    let media = tempfile::tempdir().unwrap();
    masthead_demo::seed(&store, media.path(), BASE_URL.parse().unwrap(), jiff::Timestamp::now())
        .await
        .unwrap();
    let state = AppState::new(
        store.clone(),
        Theme::load(None).unwrap(),
        media.path().to_owned(),
        masthead_web::DEFAULT_PAGE_SIZE,
        Outbound::new(true).unwrap(),
        Mailer::log_only(),
    );
    let router = router(state);
    let published = store.published(Page::first(50)).await.unwrap().items;
    let article = format!("/article/{}", published[0].slug);
    let author = format!("/author/{}", published[0].authors[0].slug);
    assert_eq!(get(&router, &article).await.status, 200);
    assert_eq!(get(&router, &article).await.header("x-cache"), "hit");

    role.cut_off().await;
    let cached = get(&router, &article).await;
    assert_eq!(cached.status, 200, "{}", cached.body);
    assert_eq!(cached.header("x-cache"), "hit");
    let uncached = get(&router, &author).await;
    assert_eq!(uncached.status, 503, "{}", uncached.body);
    assert!(uncached.header("retry-after").parse::<u32>().is_ok(), "{:?}", uncached.headers);
    assert!(uncached.body.contains("<html"), "the theme's error page: {}", uncached.body);
    // The cached page is still served after the failures, and after the notifications' loss.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(get(&router, &article).await.status, 200);

    // Another node, which the outage spared, renames the site meanwhile: this node cannot hear it.
    let other = Store::open(&role.other_node()).await.unwrap();
    let mut site = other.site().await.unwrap();
    site.title = "The Meridian, renamed during the outage".into();
    other.save_site(&site).await.unwrap();
    other.close().await;

    role.restore().await;
    // What the last look saw, for the message when the pages never recover.
    let last = std::sync::Mutex::new(String::new());
    let recovered = tokio::time::timeout(GUARD, async {
        loop {
            let page = get(&router, &author).await;
            let cached = get(&router, &article).await;
            if page.status == 200 && cached.body.contains("renamed during the outage") {
                break;
            }
            *last.lock().unwrap() = format!(
                "the author's page {} ({}), the article {} ({}), renamed: {}, the store hears other nodes: {}",
                page.status,
                page.header("x-cache"),
                cached.status,
                cached.header("x-cache"),
                cached.body.contains("renamed during the outage"),
                store.hears_other_nodes(),
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    if recovered.await.is_err() {
        panic!("once the database is back, pages are fresh again; last seen: {}", last.lock().unwrap());
    }
    store.close().await;
    role.finish().await;
}
