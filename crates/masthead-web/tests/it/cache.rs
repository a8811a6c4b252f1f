//! The page cache: hits, compression, 304s, precise purges, and two nodes on one PostgreSQL
//! database hearing each other's changes; and pages whose cost does not grow with their length.

use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::outbound::Outbound;
use masthead_store::Store;
use masthead_web::{AppState, Theme, router};
use tower::ServiceExt;

use crate::harness::{Backend, TestApp};

async fn get(
    app: &axum::Router,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, String, Vec<u8>, axum::http::HeaderMap) {
    let mut request = Request::builder().uri(uri);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let x_cache = headers.get("x-cache").and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, x_cache, body, headers)
}

async fn retitle(store: &Store, id: i64, title: &str) {
    let current = store.article(id).await.unwrap();
    let mut new = store.revision_snapshot(id, current.revision).await.unwrap();
    new.title = title.into();
    new.published_at = current.published_at;
    store.update_article(id, current.revision, &new, None).await.unwrap();
}

#[tokio::test]
async fn pages_are_kept_compressed_and_dropped_only_when_what_they_show_changes() {
    let app = TestApp::demo().await;
    let published = app.published().await;
    let a = &published[0];
    // Another article with no author or term in common with the first.
    let b = published
        .iter()
        .find(|s| {
            s.authors.iter().all(|x| a.authors.iter().all(|y| x.id != y.id))
                && s.terms.iter().all(|x| a.terms.iter().all(|y| x.id != y.id))
        })
        .expect("two unrelated articles in the demo");
    let (page_a, page_b) = (format!("/article/{}", a.slug), format!("/article/{}", b.slug));
    let author_a = a.authors[0].path();
    let r = &app.router;

    let (status, first, body, headers) = get(r, &page_a, &[]).await;
    assert_eq!((status, first.as_str()), (StatusCode::OK, "miss"));
    let keys = headers["surrogate-key"].to_str().unwrap().to_owned();
    assert!(keys.split(' ').any(|k| k == format!("article-{}", a.id)), "{keys}");
    assert!(headers["cache-tag"].to_str().unwrap().contains(','), "Cache-Tag is comma-separated");
    let (_, second, again, _) = get(r, &page_a, &[]).await;
    assert_eq!(second, "hit");
    assert_eq!(body, again, "the same bytes");

    // Compressed once, served as the client asks.
    let (_, _, gz, headers) = get(r, &page_a, &[("accept-encoding", "gzip")]).await;
    assert_eq!(headers["content-encoding"], "gzip");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, body);
    let (_, _, br, headers) = get(r, &page_a, &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(headers["content-encoding"], "br");
    let mut unbrotli = Vec::new();
    brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut unbrotli).unwrap();
    assert_eq!(unbrotli, body);
    assert!(br.len() < body.len() / 2);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, cached, body304, _) = get(r, &page_a, &[("if-none-match", &etag)]).await;
    assert_eq!((status, cached.as_str(), body304.len()), (StatusCode::NOT_MODIFIED, "hit", 0));

    // Warm the pages that matter, then change article A.
    for path in ["/", "/feed.xml", &author_a, &page_b, "/sitemap.xml", "/robots.txt"] {
        get(r, path, &[]).await;
        assert_eq!(get(r, path, &[]).await.1, "hit", "{path}");
    }
    retitle(app.store(), a.id, "A headline changed a moment ago").await;
    let (_, cached, body, _) = get(r, &page_a, &[]).await;
    assert_eq!(cached, "miss");
    assert!(String::from_utf8_lossy(&body).contains("A headline changed a moment ago"));
    for path in ["/", "/feed.xml", &author_a, "/sitemap.xml"] {
        let (_, cached, body, _) = get(r, path, &[]).await;
        assert_eq!(cached, "miss", "{path} shows the article and is refreshed");
        if path != "/sitemap.xml" {
            assert!(String::from_utf8_lossy(&body).contains("A headline changed a moment ago"), "{path}");
        }
    }
    assert_eq!(get(r, &page_b, &[]).await.1, "hit", "an unrelated article's page stays");
    assert_eq!(get(r, "/robots.txt", &[]).await.1, "hit");

    // An author's new bio reaches their pages, not the others.
    let mut author = app.store().author(a.authors[0].id).await.unwrap();
    author.bio = "A new one-line bio.".into();
    let new = masthead_core::NewAuthor {
        slug: author.slug.clone(),
        name: author.name.clone(),
        bio: author.bio.clone(),
        links: author.links.clone(),
        avatar_media_id: None,
        outlet_id: author.outlet_id,
    };
    get(r, &page_a, &[]).await;
    app.store().update_author(author.id, &new).await.unwrap();
    let (_, cached, body, _) = get(r, &page_a, &[]).await;
    assert_eq!(cached, "miss");
    assert!(String::from_utf8_lossy(&body).contains("A new one-line bio."));
    assert_eq!(get(r, &page_b, &[]).await.1, "hit");

    // Settings touch every page.
    let mut site = app.store().site().await.unwrap();
    site.tagline = "A new tagline".into();
    app.store().save_site(&site).await.unwrap();
    assert_eq!(get(r, &page_b, &[]).await.1, "miss");
    assert_eq!(get(r, "/robots.txt", &[]).await.1, "miss");

    // What is not public is never kept.
    assert_eq!(get(r, "/admin/login", &[]).await.1, "none");
    let (status, cached, _, _) = get(r, "/article/no-such-article", &[]).await;
    assert_eq!((status, cached.as_str()), (StatusCode::NOT_FOUND, "none"));
    app.page_cache_off_serves_fresh().await;
    app.finish().await;
}

impl TestApp {
    /// With the cache off, every answer is rendered.
    async fn page_cache_off_serves_fresh(&self) {
        self.state.page_cache().set_capacity(0);
        assert_eq!(get(&self.router, "/", &[]).await.1, "none");
        assert_eq!(self.state.page_cache().usage(), (0, 0));
        self.state.page_cache().set_capacity(masthead_web::http::page_cache::DEFAULT_CACHE_BYTES);
    }
}

/// A second node: its own store, state and router on the first one's database.
async fn second_node(app: &TestApp) -> (Store, axum::Router) {
    let store = Store::open(&app.db.location).await.unwrap();
    // Listening before the node starts serving, as `masthead serve` would be by its first request.
    store.listen_to_other_nodes().await.unwrap();
    let media = std::env::temp_dir();
    let state = AppState::new(
        store.clone(),
        Theme::load(None).unwrap(),
        media,
        masthead_web::DEFAULT_PAGE_SIZE,
        Outbound::new(true).unwrap(),
        Mailer::log_only(),
    );
    (store, router(state))
}

#[tokio::test]
async fn a_change_on_one_node_reaches_every_nodes_cache_within_a_second() {
    // A node that stops hearing changes must fail this test, not hang the suite.
    tokio::time::timeout(std::time::Duration::from_secs(60), two_nodes_share_changes())
        .await
        .expect("the two-node test finished within a minute");
}

async fn two_nodes_share_changes() {
    let Some(app) = TestApp::demo_on(Backend::Postgres, masthead_web::DEFAULT_PAGE_SIZE).await else {
        return;
    };
    let first_store = app.store().clone();
    let (second_store, second) = second_node(&app).await;
    let article = app.published().await[0].clone();
    let path = format!("/article/{}", article.slug);
    get(&second, &path, &[]).await;
    assert_eq!(get(&second, &path, &[]).await.1, "hit");
    retitle(&first_store, article.id, "Changed on the first node").await;
    let start = std::time::Instant::now();
    loop {
        let (_, cached, body, _) = get(&second, &path, &[]).await;
        if String::from_utf8_lossy(&body).contains("Changed on the first node") {
            assert_eq!(cached, "miss");
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "the second node still serves the old page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    second_store.close().await;
    app.finish().await;
}

/// Database round trips for `path`, rendered afresh.
async fn cost(app: &TestApp, path: &str) -> u64 {
    let before = app.store().round_trips();
    let (status, _, _, _) = get(&app.router, path, &[]).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    app.store().round_trips() - before
}

#[tokio::test]
async fn a_page_costs_the_same_queries_however_many_articles_it_lists() {
    let short = TestApp::demo_on(Backend::Sqlite, 2).await.unwrap();
    let long = TestApp::demo_on(Backend::Sqlite, 12).await.unwrap();
    let slug = short.published().await[0].slug.clone();
    let region = short.published().await[0]
        .terms
        .iter()
        .find(|t| t.kind == masthead_core::TermKind::Region)
        .map(|t| t.path())
        .unwrap_or_else(|| "/region/europe".into());
    for app in [&short, &long] {
        app.state.page_cache().set_capacity(0);
    }
    for path in [
        "/".to_owned(),
        "/author/ana-petrovic".to_owned(),
        region,
        "/feed.xml".to_owned(),
        "/ninjs/items".to_owned(),
        format!("/article/{slug}"),
    ] {
        let (a, b) = (cost(&short, &path).await, cost(&long, &path).await);
        assert_eq!(a, b, "{path}: {a} round trips for a short page, {b} for a long one");
        assert!(a <= 12, "{path}: {a} round trips");
    }
    assert!(long.published().await.len() > 2, "the long pages list more than the short ones");
    short.finish().await;
    long.finish().await;
}

/// A GET over a real connection: (status, headers, body).
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = client.get(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn cache_hits_are_answered_before_the_router_exactly_as_through_it() {
    let app = TestApp::demo().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(masthead_web::http::serve::serve(
        listener,
        app.router.clone(),
        Some(app.state.fast_path()),
        masthead_web::http::serve::Limits::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let article = app.published().await[0].clone();
    let url = format!("http://{addr}/article/{}", article.slug);
    let fast = || app.state.metrics().fast_hits();

    for accept in [&[][..], &[("accept-encoding", "gzip")][..], &[("accept-encoding", "br, gzip")][..]] {
        let before = fast();
        let (status, _, _) = fetch(&client, &url, accept).await;
        assert_eq!(status, 200);
        assert_eq!(fast(), before, "the first answer in an encoding goes through the router");
        let (status, answered, fast_body) = fetch(&client, &url, accept).await;
        assert_eq!(status, 200);
        assert_eq!(fast(), before + 1, "then hits are answered before it: {accept:?}");
        // What the router itself answers to the same request.
        let path = format!("/article/{}", article.slug);
        let (_, through_cache, body, through) = get(&app.router, &path, accept).await;
        assert_eq!(through_cache, "hit");
        assert_eq!(fast_body, body, "the same bytes");
        let sorted = |h: Vec<(String, String)>| {
            let mut h: Vec<(String, String)> = h.into_iter().filter(|(k, _)| k != "date").collect();
            h.sort();
            h
        };
        let answered =
            sorted(answered.iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned())).collect());
        let through =
            sorted(through.iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned())).collect());
        assert_eq!(answered, through, "the same headers");
        assert!(answered.iter().any(|(k, _)| k == "content-security-policy"));
    }

    // A conditional request goes the whole way, and is told nothing changed.
    let (_, headers, _) = fetch(&client, &url, &[]).await;
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let before = fast();
    let (status, _, _) = fetch(&client, &url, &[("if-none-match", &etag)]).await;
    assert_eq!((status, fast()), (304, before));

    // A change is seen at once: the kept answer goes with the page.
    retitle(app.store(), article.id, "Answered fresh after a change").await;
    let (status, headers, body) = fetch(&client, &url, &[]).await;
    assert_eq!((status, &headers["x-cache"]), (200, &"miss".parse().unwrap()));
    assert!(String::from_utf8_lossy(&body).contains("Answered fresh after a change"));
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    app.finish().await;
}
