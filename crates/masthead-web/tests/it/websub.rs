//! WebSub: changed articles are announced to a real hub on loopback.

use std::sync::{Arc, Mutex};

use axum::Form;
use axum::routing::post;
use masthead_core::{ReusePolicy, Site};

use crate::harness::TestApp;

/// A hub on loopback that records every `hub.url` it is told of.
async fn hub() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let record = seen.clone();
    let router = axum::Router::new().route(
        "/hub",
        post(move |Form(f): Form<Vec<(String, String)>>| async move {
            let mode = f.iter().find(|(k, _)| k == "hub.mode").map(|(_, v)| v.clone()).unwrap_or_default();
            let url = f.iter().find(|(k, _)| k == "hub.url").map(|(_, v)| v.clone()).unwrap_or_default();
            record.lock().unwrap().push((mode, url));
            axum::http::StatusCode::NO_CONTENT
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/hub"), seen)
}

#[tokio::test]
async fn changed_articles_are_announced_to_the_hub_once() {
    let app = TestApp::demo().await;
    // The demo's own articles went out before a hub was configured: nothing to tell.
    assert_eq!(masthead_newsroom::websub::announce_changes(app.state.newsroom()).await.unwrap(), 0);

    let (hub_url, seen) = hub().await;
    let site = app.store().site().await.unwrap();
    app.store().save_site(&Site { websub_hub: Some(hub_url.parse().unwrap()), ..site }).await.unwrap();
    let reply = app.get("/feed.xml").await;
    // WebSub §4: the hub and the topic in the HTTP headers too, for every feed.
    for feed in ["/feed.xml", "/atom.xml", "/feed.json"] {
        let link = app
            .get(feed)
            .await
            .headers
            .get("link")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(link.contains(&format!("<{hub_url}>; rel=\"hub\"")), "{feed}: {link}");
        assert!(link.contains(&format!("{feed}>; rel=\"self\"")), "{feed}: {link}");
    }
    let rss = reply.body;
    assert!(
        rss.contains(&format!("href=\"{hub_url}\" rel=\"hub\""))
            || rss.contains(&format!("rel=\"hub\" href=\"{hub_url}\"")),
        "{rss}"
    );

    let summary = &app.published().await[0];
    let article = app.store().article(summary.id).await.unwrap();
    app.store().set_reuse_policy(article.id, Some(ReusePolicy::CcBy)).await.unwrap();
    let announced = masthead_newsroom::websub::announce_changes(app.state.newsroom()).await.unwrap();
    let seen_now = seen.lock().unwrap().clone();
    assert_eq!(seen_now.len(), announced);
    assert!(seen_now.iter().all(|(mode, _)| mode == "publish"));
    let urls: Vec<&str> = seen_now.iter().map(|(_, u)| u.as_str()).collect();
    for expected in [
        "https://meridian.example/feed.xml",
        "https://meridian.example/atom.xml",
        "https://meridian.example/feed.json",
    ] {
        assert!(urls.contains(&expected), "{expected} in {urls:?}");
    }
    let author_feed = format!("https://meridian.example/author/{}/feed.xml", article.authors[0].slug);
    assert!(urls.contains(&author_feed.as_str()), "{author_feed}");
    for t in &article.terms {
        let feed = format!("https://meridian.example/{}/{}/atom.xml", t.kind.key(), t.slug);
        assert!(urls.contains(&feed.as_str()), "{feed}");
    }
    assert_eq!(
        masthead_newsroom::websub::announce_changes(app.state.newsroom()).await.unwrap(),
        0,
        "announced once"
    );
    assert_eq!(seen.lock().unwrap().len(), announced);
    app.finish().await;
}

#[tokio::test]
async fn a_failing_hub_leaves_the_changes_queued() {
    let app = TestApp::demo().await;
    masthead_newsroom::websub::announce_changes(app.state.newsroom()).await.unwrap();
    let site = app.store().site().await.unwrap();
    // Nothing listens on port 9 of loopback.
    app.store()
        .save_site(&Site { websub_hub: Some("http://127.0.0.1:9/hub".parse().unwrap()), ..site })
        .await
        .unwrap();
    let id = app.published().await[0].id;
    app.store().set_reuse_policy(id, Some(ReusePolicy::CcBy)).await.unwrap();
    assert!(masthead_newsroom::websub::announce_changes(app.state.newsroom()).await.is_err());
    assert_eq!(app.store().unannounced_changes(10).await.unwrap().len(), 1, "kept for the next attempt");
    app.finish().await;
}
