//! Webmentions from real senders: pages served on loopback by a server the test starts.

use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use masthead_core::{MentionKind, MentionStatus};

use crate::harness::{TestApp, attrs};

/// Starts a server on loopback with the given pages; returns its base URL.
async fn source_site(pages: Vec<(&'static str, String)>) -> String {
    let mut router = axum::Router::new();
    for (path, html) in pages {
        router = router.route(path, get(move || async move { Html(html) }));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn webmentions_are_checked_against_their_source_and_recorded() {
    let app = TestApp::demo().await;
    let article = &app.published().await[0];
    let target = format!("https://meridian.example/article/{}", article.slug);
    // A republished copy: our snippet's tracking image; a page that only links; a page that does not.
    let copy = format!(
        r#"<html><body><h1>{}</h1><p>…</p><img src="https://meridian.example/r/{}.gif?site=127.0.0.1" width="1" height="1" alt=""></body></html>"#,
        article.title, article.id
    );
    let link =
        format!(r#"<html><body><p>As <a href="{target}">The Meridian reported</a>, …</p></body></html>"#);
    let nolink = "<html><body><p>Nothing to see.</p></body></html>".to_owned();
    let base = source_site(vec![("/copy", copy), ("/link", link), ("/nolink", nolink)]).await;

    // Discovery: article pages name the endpoint.
    let html = app.get(&format!("/article/{}", article.slug)).await.html();
    assert_eq!(attrs(&html, "link[rel=webmention]", "href"), ["/webmention"]);

    // A real sender: an HTTP client posting to Masthead on a real listener.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let masthead = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let sender = reqwest::Client::new();
    for path in ["/copy", "/link", "/nolink", "/missing"] {
        let source = format!("{base}{path}");
        let response = sender
            .post(format!("{masthead}/webmention"))
            .form(&[("source", source.as_str()), ("target", target.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 202, "{path}");
    }
    // Nothing counts before the sources are checked.
    assert!(app.store().republications(Some(article.id)).await.unwrap().is_empty());
    // All four come from one host: two a turn, the others left for the next.
    assert_eq!(masthead_newsroom::mentions::check_pending(app.state.newsroom()).await.unwrap(), 2);
    assert_eq!(masthead_newsroom::mentions::check_pending(app.state.newsroom()).await.unwrap(), 2);
    assert_eq!(
        masthead_newsroom::mentions::check_pending(app.state.newsroom()).await.unwrap(),
        0,
        "each is checked once"
    );

    let mentions = app.store().webmentions(article.id).await.unwrap();
    let by_path = |p: &str| mentions.iter().find(|m| m.source == format!("{base}{p}")).unwrap();
    assert_eq!(by_path("/copy").status, MentionStatus::Verified);
    assert_eq!(by_path("/copy").kind, Some(MentionKind::Republication));
    assert_eq!(by_path("/link").kind, Some(MentionKind::Mention));
    assert_eq!(by_path("/nolink").status, MentionStatus::Rejected);
    assert!(by_path("/nolink").error.contains("does not link"), "{}", by_path("/nolink").error);
    assert_eq!(by_path("/missing").status, MentionStatus::Rejected);
    assert!(by_path("/missing").error.contains("404"), "{}", by_path("/missing").error);
    let republications = app.store().republications(Some(article.id)).await.unwrap();
    assert_eq!(republications.iter().map(|r| r.host.as_str()).collect::<Vec<_>>(), ["127.0.0.1"]);
    app.finish().await;
}

#[tokio::test]
async fn malformed_webmentions_get_a_clear_400() {
    let app = TestApp::demo().await;
    let article = &app.published().await[0];
    let target = format!("https://meridian.example/article/{}", article.slug);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("target", target.as_str())], "source parameter is missing"),
        (vec![("source", "https://blog.example/p")], "target parameter is missing"),
        (vec![("source", "not a url"), ("target", target.as_str())], "is not a URL"),
        (vec![("source", "ftp://blog.example/p"), ("target", target.as_str())], "http or https"),
        (vec![("source", target.as_str()), ("target", target.as_str())], "the same page"),
        (
            vec![("source", "https://blog.example/p"), ("target", "https://elsewhere.example/article/x")],
            "is not an article on",
        ),
        (
            vec![
                ("source", "https://blog.example/p"),
                ("target", "https://meridian.example/author/ana-petrovic"),
            ],
            "is not an article on",
        ),
        (
            vec![
                ("source", "https://blog.example/p"),
                ("target", "https://meridian.example/article/no-such"),
            ],
            "not a published article",
        ),
    ];
    for (fields, expected) in cases {
        let reply = app.post_form("/webmention", &fields).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(reply.body.contains(expected), "{fields:?}: expected {expected:?}");
    }
    assert!(app.store().pending_webmentions(10).await.unwrap().is_empty(), "nothing was queued");
    // One client cannot queue mentions without end.
    for _ in 0..masthead_newsroom::mentions::MAX_MENTIONS_PER_CLIENT {
        app.post_form("/webmention", &[("source", "https://blog.example/p"), ("target", target.as_str())])
            .await;
    }
    let reply = app
        .post_form("/webmention", &[("source", "https://blog.example/p"), ("target", target.as_str())])
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    app.finish().await;
}

#[tokio::test]
async fn a_full_queue_refuses_mentions_and_queues_nothing_more() {
    use masthead_newsroom::mentions::QUEUE_LIMITS;
    let app = TestApp::demo().await;
    let published = app.published().await;
    let target = |a: &masthead_core::ArticleSummary| format!("https://meridian.example/article/{}", a.slug);
    // One article's share of the queue.
    for n in 0..QUEUE_LIMITS.pending_per_article {
        let source = format!("https://blog{n}.example/p");
        let reply =
            app.post_form("/webmention", &[("source", &source), ("target", &target(&published[0]))]).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{n}: {}", reply.body);
    }
    let reply = app
        .post_form("/webmention", &[("source", "https://late.example/p"), ("target", &target(&published[0]))])
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.body.contains("too many Webmentions of this article"), "{}", reply.body);
    assert_eq!(reply.header("retry-after"), "600");
    // The whole queue, filled behind the endpoint's back.
    let unbounded = masthead_store::QueueLimits { pending: i64::MAX, pending_per_article: i64::MAX };
    let now = jiff::Timestamp::now();
    let pending = app.store().pending_webmentions(500).await.unwrap().len() as i64;
    for n in pending..QUEUE_LIMITS.pending {
        let source = format!("https://filler{n}.example/p");
        app.store()
            .queue_webmention(published[1].id, &source, &target(&published[1]), now, unbounded)
            .await
            .unwrap();
    }
    let reply = app
        .post_form("/webmention", &[("source", "https://late.example/p"), ("target", &target(&published[2]))])
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.body.contains("too many Webmentions are waiting"), "{}", reply.body);
    assert!(app.store().webmentions(published[2].id).await.unwrap().is_empty(), "nothing more queued");
    app.finish().await;
}

/// A server on `ip` (any loopback address) whose every page answers `page`, after `delay`.
async fn site_on(ip: &str, page: String, delay: std::time::Duration) -> String {
    let router = axum::Router::new().fallback(get(move || async move {
        tokio::time::sleep(delay).await;
        Html(page)
    }));
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_slow_source_host_does_not_hold_up_the_others_in_a_turn() {
    use masthead_newsroom::mentions::{CHECK_LIMITS, CheckLimits, QUEUE_LIMITS, check_turn};
    let app = TestApp::demo().await;
    let article = &app.published().await[0];
    let target = format!("https://meridian.example/article/{}", article.slug);
    let link = format!(r#"<p><a href="{target}">a link</a></p>"#);
    // A source that never answers in time, and two that do, each on its own loopback address.
    let slow = site_on("127.0.0.1", link.clone(), std::time::Duration::from_secs(3600)).await;
    let fast = [
        site_on("127.0.0.2", link.clone(), std::time::Duration::ZERO).await,
        site_on("127.0.0.3", link.clone(), std::time::Duration::ZERO).await,
    ];
    let now = jiff::Timestamp::now();
    // The slow host's mentions are the oldest: a queue in order would check them first.
    for n in 0..6 {
        let at = now - jiff::SignedDuration::from_secs(100 - n);
        app.store()
            .queue_webmention(article.id, &format!("{slow}/p{n}"), &target, at, QUEUE_LIMITS)
            .await
            .unwrap();
    }
    let per_host = CHECK_LIMITS.per_host as usize;
    for (h, base) in fast.iter().enumerate() {
        for n in 0..per_host {
            let source = format!("{base}/p{n}");
            app.store()
                .queue_webmention(
                    article.id,
                    &source,
                    &target,
                    now + jiff::SignedDuration::from_secs(h as i64),
                    QUEUE_LIMITS,
                )
                .await
                .unwrap();
        }
    }
    // A short deadline keeps the test short; what is asserted is what one turn settled.
    let limits = CheckLimits { deadline: std::time::Duration::from_secs(1), ..CHECK_LIMITS };
    let settled = check_turn(app.state.newsroom(), limits).await.unwrap();
    assert_eq!(settled, 3 * per_host, "two of the slow host's, and every other host's");
    let mentions = app.store().webmentions(article.id).await.unwrap();
    let of = |base: &str| mentions.iter().filter(move |m| m.source.starts_with(base)).collect::<Vec<_>>();
    for base in &fast {
        assert!(of(base).iter().all(|m| m.status == MentionStatus::Verified), "{:?}", of(base));
    }
    let slow_ones = of(&slow);
    let rejected: Vec<_> = slow_ones.iter().filter(|m| m.status == MentionStatus::Rejected).collect();
    assert_eq!(rejected.len(), per_host, "at most two fetches from one host in a turn");
    assert!(rejected.iter().all(|m| m.error.contains("did not answer within")), "{rejected:?}");
    assert_eq!(
        slow_ones.iter().filter(|m| m.status == MentionStatus::Pending).count(),
        4,
        "left for later turns"
    );
    app.finish().await;
}
