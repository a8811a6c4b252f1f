//! Old addresses through the router: a stored redirect answers 301, everything else is as it was.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::harness::{TestApp, one_text};

#[tokio::test]
async fn a_stored_redirect_answers_301_to_the_new_address() {
    let app = TestApp::demo().await;
    let slug = app.published().await[0].slug.clone();
    let to = format!("/article/{slug}");
    app.store().set_redirect("/2019/05/old-slug/", &to).await.unwrap();
    app.store().set_redirect("https://danube-review.example/?p=123", &to).await.unwrap();

    for from in
        ["/2019/05/old-slug/", "/2019/05/old-slug", "/?p=123", "/index.php?p=123", "/?p=123&utm_source=x"]
    {
        let reply = app.get(from).await;
        assert_eq!(reply.status, StatusCode::MOVED_PERMANENTLY, "{from}");
        assert_eq!(reply.header("location"), to, "{from}");
    }
    let head = Request::builder().method("HEAD").uri("/2019/05/old-slug").body(Body::empty()).unwrap();
    assert_eq!(app.send(head).await.status, StatusCode::MOVED_PERMANENTLY);
    let followed = app.get(&to).await;
    assert_eq!(followed.status, StatusCode::OK, "the new address is the article");

    // Only reading is redirected: a form posted to an old address is not sent elsewhere.
    let post = Request::builder().method("POST").uri("/2019/05/old-slug").body(Body::empty()).unwrap();
    assert_ne!(app.send(post).await.status, StatusCode::MOVED_PERMANENTLY);
    app.finish().await;
}

#[tokio::test]
async fn pages_the_site_serves_are_never_redirected() {
    let app = TestApp::demo().await;
    let published = app.published().await;
    let (first, second) = (&published[0].slug, &published[1].slug);
    // A redirect stored over an address the site serves is never used.
    app.store().set_redirect(&format!("/article/{first}"), &format!("/article/{second}")).await.unwrap();
    let reply = app.get(&format!("/article/{first}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("location"), "");

    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(app.get("/?p=999").await.status, StatusCode::OK, "an unknown id is the home page, as before");
    app.finish().await;
}

#[tokio::test]
async fn an_unknown_address_is_still_the_themed_404() {
    let app = TestApp::demo().await;
    app.store().set_redirect("/2019/05/old-slug", "/article/x").await.unwrap();
    for uri in ["/2019/05/other-slug/", "/article/no-such-article", "/media/no-such-file.jpg"] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(one_text(&reply.html(), "h1"), "Page not found", "{uri}");
    }
    app.finish().await;
}

#[tokio::test]
async fn a_redirect_to_an_unpublished_article_is_a_404() {
    let app = TestApp::demo().await;
    let demo = app.published().await[0].id;
    let mut new = app.store().revision_snapshot(demo, 1).await.unwrap();
    new.slug = masthead_core::Slug::parse("a-private-draft").unwrap();
    new.status = masthead_core::ArticleStatus::Draft;
    new.published_at = None;
    app.store().create_article(&new).await.unwrap();
    // What a WordPress import stores for a draft or a private post.
    app.store().set_redirect("/?p=555", "/article/a-private-draft").await.unwrap();
    app.store()
        .set_redirect("/2019/05/private-post/", "https://meridian.example/article/a-private-draft")
        .await
        .unwrap();
    app.store().set_redirect("/?p=556", "/article/no-such-article").await.unwrap();
    for from in ["/?p=555", "/2019/05/private-post/", "/?p=556"] {
        let reply = app.get(from).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{from}");
        assert_eq!(reply.header("location"), "", "{from}");
        assert!(!reply.body.contains("a-private-draft"), "{from}");
    }
    app.finish().await;
}

#[tokio::test]
async fn an_imported_sites_feed_and_archive_addresses_lead_to_ours() {
    let app = TestApp::demo().await;
    let author = &app.store().authors().await.unwrap()[0].slug;
    let tag = app.store().terms(masthead_core::TermKind::Tag).await.unwrap()[0].slug.clone();
    let cases = [
        // WordPress
        ("/feed/".to_owned(), "/feed.xml".to_owned()),
        ("/feed/atom/".to_owned(), "/atom.xml".to_owned()),
        ("/category/balkans/".to_owned(), "/region/balkans".to_owned()),
        ("/category/europe/balkans/feed/".to_owned(), "/region/balkans/feed.xml".to_owned()),
        ("/category/energy/".to_owned(), "/theme/energy".to_owned()),
        (format!("/tag/{tag}/"), format!("/tag/{tag}")),
        (format!("/tag/{tag}/feed/"), format!("/tag/{tag}/feed.xml")),
        (format!("/author/{author}/"), format!("/author/{author}")),
        (format!("/author/{author}/feed/"), format!("/author/{author}/feed.xml")),
        // Ghost
        ("/rss/".to_owned(), "/feed.xml".to_owned()),
        (format!("/tag/{tag}/rss/"), format!("/tag/{tag}/feed.xml")),
        (format!("/author/{author}/rss/"), format!("/author/{author}/feed.xml")),
    ];
    for (old, ours) in &cases {
        let reply = app.get(old).await;
        assert_eq!(reply.status, StatusCode::MOVED_PERMANENTLY, "{old}");
        assert_eq!(reply.header("location"), ours, "{old}");
        assert_eq!(app.get(ours).await.status, StatusCode::OK, "{ours}");
    }
    // Nothing of ours by that name: still not found.
    for old in ["/category/atlantis/", "/tag/no-such-tag/feed/", "/author/nobody/rss/"] {
        assert_eq!(app.get(old).await.status, StatusCode::NOT_FOUND, "{old}");
    }
    app.finish().await;
}
