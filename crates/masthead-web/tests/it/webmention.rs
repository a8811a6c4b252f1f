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
    assert_eq!(masthead_newsroom::mentions::check_pending(app.state.newsroom()).await.unwrap(), 4);
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
