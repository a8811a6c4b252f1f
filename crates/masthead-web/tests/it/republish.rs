//! The republish snippet for every policy, and the beacon that counts republications.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use masthead_core::republication::{MAX_HOSTS_PER_DAY, OTHER_HOSTS};
use masthead_core::{Article, ReusePolicy};
use masthead_web::state::BEACON_BURST;
use scraper::Html;
use tower::ServiceExt;

use crate::harness::{TestApp, attrs, one_text, texts};

async fn with_policy(app: &TestApp, policy: ReusePolicy) -> Article {
    // Republish the newest republished article under each policy in turn: it has every
    // attribution element (provenance, image credit, bio).
    let ids: Vec<i64> = app.published().await.iter().map(|s| s.id).collect();
    let articles = app.store().articles(&ids).await.unwrap();
    let a = articles.into_iter().find(|a| a.provenance.is_republished()).unwrap();
    app.store().set_reuse_policy(a.id, Some(policy)).await.unwrap();
    app.store().article(a.id).await.unwrap()
}

#[tokio::test]
async fn snippet_carries_every_attribution_under_each_policy_that_allows_it() {
    let app = TestApp::demo().await;
    for policy in ReusePolicy::ALL {
        let a = with_policy(&app, policy).await;
        let origin = a.provenance.original().unwrap();
        let reply = app.get(&format!("/article/{}/republish.json", a.slug)).await;
        assert_eq!(reply.status, StatusCode::OK, "{policy:?}");
        let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(json["allowed"], policy.allows_republication(), "{policy:?}");
        assert_eq!(json["policy"]["key"], policy.key());
        // The original's page, as our own page names it: a copy of our copy must not start a
        // chain of canonicals.
        let canonical = origin.url.to_string();
        assert_eq!(json["canonical"], canonical.as_str());
        let ours = app.get(&format!("/article/{}", a.slug)).await.html();
        assert_eq!(attrs(&ours, "link[rel=canonical]", "href"), [canonical.as_str()]);
        if !policy.allows_republication() {
            assert!(json["html"].is_null(), "no copy-ready HTML under {policy:?}");
            let page = app.get(&format!("/article/{}/republish", a.slug)).await.html();
            assert!(texts(&page, "textarea.snippet").is_empty());
            assert!(one_text(&page, ".permission").contains("press@meridian.example"), "how to ask");
            continue;
        }
        let html = json["html"].as_str().unwrap();
        let snippet = scraper::Html::parse_fragment(html);
        assert_eq!(one_text(&snippet, "h1"), a.title, "{policy:?}");
        let byline = attrs(&snippet, "p a", "href");
        assert!(
            byline.contains(&format!("https://meridian.example/author/{}", a.authors[0].slug)),
            "{byline:?}"
        );
        let body_start: String = masthead_core::body::html_to_text(&a.body.html).chars().take(60).collect();
        assert!(masthead_core::body::html_to_text(html).contains(&body_start), "the body as published");
        assert!(!html.contains("href=\"/") && !html.contains("src=\"/"), "every address absolute");
        let featured = a.featured.as_ref().unwrap();
        assert_eq!(one_text(&snippet, "figcaption"), featured.credit, "the image credit");
        assert!(html.contains(&format!(
            "This article was originally published on <a href=\"{}\">{}</a>",
            origin.url, origin.outlet.name
        )));
        assert!(html.contains(&a.copyright_line(&app.store().site().await.unwrap())), "the copyright line");
        let license = attrs(&snippet, "a[rel=license]", "href");
        assert_eq!(license.len(), 1, "{policy:?}");
        if let Some(url) = policy.license_url() {
            assert_eq!(license[0], url);
        }
        assert_eq!(html.contains("The text must not be edited."), !policy.allows_derivatives(), "{policy:?}");
        let beacon = attrs(&snippet, "img[width='1']", "src");
        assert_eq!(beacon, [format!("https://meridian.example/r/{}.gif", a.id)]);
        assert_eq!(json["canonical_tag"], format!("<link rel=\"canonical\" href=\"{canonical}\">"));

        let page = app.get(&format!("/article/{}/republish", a.slug)).await;
        assert_eq!(page.status, StatusCode::OK);
        let doc = page.html();
        assert!(texts(&doc, "textarea.snippet")[0].contains(&a.title));
        assert_eq!(attrs(&doc, "meta[name=robots]", "content"), ["noindex"]);
    }
    app.finish().await;
}

#[tokio::test]
async fn the_article_page_links_to_its_republish_page_and_sites_get_their_own_beacon() {
    let app = TestApp::demo().await;
    let a = with_policy(&app, ReusePolicy::CcBy).await;
    let html = app.get(&format!("/article/{}", a.slug)).await.html();
    assert_eq!(attrs(&html, ".republish-link a", "href"), [format!("/article/{}/republish", a.slug)]);
    let json: serde_json::Value = serde_json::from_str(
        &app.get(&format!("/article/{}/republish.json?site=https://News.Example.org/x", a.slug)).await.body,
    )
    .unwrap();
    assert!(json["html"].as_str().unwrap().contains(&format!("/r/{}.gif?site=news.example.org", a.id)));
    // The page gives the site its code, and previews it with the image that counts for no site;
    // without a site, the preview is the code itself.
    let plain = format!("https://meridian.example/r/{}.gif", a.id);
    for (query, beacon) in
        [("?site=news.example.org", format!("{plain}?site=news.example.org")), ("", plain.clone())]
    {
        let page = app.get(&format!("/article/{}/republish{query}", a.slug)).await.html();
        let code = Html::parse_fragment(&texts(&page, "textarea.snippet")[0]);
        assert_eq!(attrs(&code, "img[width='1']", "src"), [beacon]);
        assert_eq!(attrs(&page, ".preview img[width='1']", "src"), std::slice::from_ref(&plain));
        assert_eq!(
            texts(&page, ".preview h1"),
            texts(&code, "h1"),
            "the preview shows the article the code holds"
        );
    }
    assert_eq!(
        app.get(&format!("/article/{}/republish?site=not%20a%20site", a.slug)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.get(&format!("/article/{}/elsewhere", a.slug)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/article/no-such/republish").await.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

async fn hit(app: &TestApp, uri: &str, referer: Option<&str>) {
    hit_from(app, uri, referer, "192.0.2.1").await
}

/// A request for the image from the client address `ip`.
async fn hit_from(app: &TestApp, uri: &str, referer: Option<&str>, ip: &str) {
    let mut request = Request::builder().uri(uri);
    if let Some(r) = referer {
        request = request.header("referer", r);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let addr = SocketAddr::new(ip.parse().unwrap(), 40000);
    request.extensions_mut().insert(ConnectInfo(addr));
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/gif");
    assert!(response.headers().get("set-cookie").is_none(), "no cookies");
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("no-store"));
}

#[tokio::test]
async fn beacon_counts_each_republishing_host_separately_without_cookies() {
    let app = TestApp::demo().await;
    let a = with_policy(&app, ReusePolicy::CcBy).await;
    let gif = format!("/r/{}.gif", a.id);
    hit(&app, &gif, Some("https://news.example.org/2026/11/copy")).await;
    hit(&app, &gif, Some("https://news.example.org/another-page")).await;
    hit(&app, &format!("{gif}?site=blog.example"), None).await;
    hit(&app, &gif, Some("https://meridian.example/article/x/republish")).await; // our own preview
    hit(&app, &gif, None).await; // nobody to credit
    hit(&app, "/r/424242.gif", Some("https://news.example.org/")).await; // no such article
    hit(&app, "/r/garbage.gif", Some("https://news.example.org/")).await;
    assert!(app.store().republications(None).await.unwrap().is_empty(), "counted in memory first");
    assert_eq!(
        flush(&app).await,
        3,
        "one tally per article, site and day (the unknown article's dropped as written)"
    );

    let counted = app.store().republications(Some(a.id)).await.unwrap();
    let mut by_host: Vec<(String, i64, usize)> =
        counted.iter().map(|r| (r.host.clone(), r.total_views, r.days.len())).collect();
    by_host.sort();
    assert_eq!(by_host, [("blog.example".to_owned(), 1, 1), ("news.example.org".to_owned(), 2, 1)]);
    assert_eq!(app.store().republications(None).await.unwrap().len(), 2, "nothing else was recorded");
    app.finish().await;
}

/// Writes what the image counted in memory, as the `flush-views` job does.
async fn flush(app: &TestApp) -> usize {
    masthead_newsroom::republications::flush_views(app.state.newsroom()).await.unwrap()
}

/// A made-up host name, different for each `n`, in no order.
fn made_up_host(n: usize) -> String {
    format!("x{:016x}.example", (n as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

#[tokio::test]
async fn many_made_up_sites_record_at_most_the_bound_of_rows() {
    let app = TestApp::demo().await;
    let a = with_policy(&app, ReusePolicy::CcBy).await;
    let hits = MAX_HOSTS_PER_DAY * 3;
    for n in 0..hits {
        // From many addresses, so that no client's limit hides the bound.
        let ip = format!("198.51.{}.{}", n / 250, 1 + n % 250);
        hit_from(&app, &format!("/r/{}.gif?site={}", a.id, made_up_host(n)), None, &ip).await;
    }
    flush(&app).await;
    let rows = app.store().republications(Some(a.id)).await.unwrap();
    assert_eq!(rows.len(), MAX_HOSTS_PER_DAY + 1, "the bound of sites, and one bucket for the rest");
    assert_eq!(rows.iter().map(|r| r.total_views).sum::<i64>(), hits as i64, "every view counted once");
    let other = rows.iter().find(|r| r.host == OTHER_HOSTS).unwrap();
    assert_eq!(other.total_views, (hits - MAX_HOSTS_PER_DAY) as i64);
    app.finish().await;
}

#[tokio::test]
async fn an_invalid_site_is_not_recorded_and_the_referer_counts_instead() {
    let app = TestApp::demo().await;
    let a = with_policy(&app, ReusePolicy::CcBy).await;
    let gif = format!("/r/{}.gif", a.id);
    let long = format!("{}.example", "a".repeat(64));
    let huge = format!("{}.example", "a.".repeat(200));
    for bad in [
        "localhost",
        "10.0.0.1",
        "news.example:8080",
        "%5B%3A%3A1%5D",
        "b%C3%BCcher.example",
        "a..b",
        &long,
        &huge,
        "other",
    ] {
        hit(&app, &format!("{gif}?site={bad}"), None).await;
    }
    hit(&app, &format!("{gif}?site=not%20a%20host"), Some("https://Copy.Example.org:8443/page")).await;
    hit(&app, &gif, Some("http://127.0.0.1/page")).await;
    flush(&app).await;
    let hosts: Vec<String> =
        app.store().republications(Some(a.id)).await.unwrap().into_iter().map(|r| r.host).collect();
    assert_eq!(hosts, ["copy.example.org"], "only the valid Referer's host");
    app.finish().await;
}

#[tokio::test]
async fn each_client_address_counts_only_within_its_limit() {
    let app = TestApp::demo().await;
    let a = with_policy(&app, ReusePolicy::CcBy).await;
    let gif = format!("/r/{}.gif?site=news.example.org", a.id);
    let hits = BEACON_BURST as usize * 3;
    for _ in 0..hits {
        hit_from(&app, &gif, None, "203.0.113.9").await;
    }
    hit_from(&app, &gif, None, "203.0.113.10").await;
    flush(&app).await;
    let views = app.store().republications(Some(a.id)).await.unwrap()[0].total_views;
    // Tokens come back with time, so a slow run may count a few more than the burst; never
    // all the hits of one address. The other address still counts.
    assert!(views > BEACON_BURST as i64 && views < hits as i64, "{views} of {hits}");
    app.finish().await;
}
