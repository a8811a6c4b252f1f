//! Readers' search through the router: the page, its JSON, the OpenSearch description, the
//! limit per address, and the newsroom's list searching the text.

use axum::http::StatusCode;

use crate::harness::{TestApp, attrs, texts};

/// The newest article, and a long word of its text that its headline does not have.
async fn word_of_its_text(app: &TestApp) -> (masthead_core::ArticleSummary, String) {
    let article = app.published().await.remove(0);
    let full = app.store().article(article.id).await.unwrap();
    let text = masthead_core::body::html_to_text(&full.body.html);
    let word = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 9)
        .find(|w| !full.title.to_lowercase().contains(&w.to_lowercase()))
        .expect("the demo article has a long word in its text")
        .to_owned();
    (article, word)
}

#[tokio::test]
async fn a_reader_finds_an_article_by_a_word_of_its_text() {
    let app = TestApp::demo().await;
    let (article, word) = word_of_its_text(&app).await;

    let reply = app.get(&format!("/search?q={word}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), "no-store", "a search is never cached");
    let html = reply.html();
    let links = attrs(&html, ".search-result h2 a", "href");
    assert!(links.contains(&format!("/article/{}", article.slug)), "{word}: {links:?}");
    let marked = texts(&html, ".search-result .snippet mark");
    assert!(marked.iter().any(|m| m.eq_ignore_ascii_case(&word)), "the passage marks {word}: {marked:?}");
    assert_eq!(attrs(&html, "input[name=q]", "value")[0], word, "the box keeps the query");

    let json: serde_json::Value =
        serde_json::from_str(&app.get(&format!("/search.json?q={word}")).await.body).unwrap();
    let urls: Vec<&str> =
        json["results"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert!(urls.contains(&format!("https://meridian.example/article/{}", article.slug).as_str()), "{json}");
    assert!(!json["results"][0]["snippet"].as_str().unwrap().contains('\u{E000}'));

    let nothing = app.get("/search?q=zzqxjv").await;
    assert_eq!(nothing.status, StatusCode::OK);
    assert_eq!(texts(&nothing.html(), ".empty"), ["Nothing matched zzqxjv."]);

    let hostile =
        app.get("/search?q=%22%2A%28NEAR%27%3B%20--%5C&from=2026-01-01&to=2026-12-31&page=70000").await;
    assert_eq!(hostile.status, StatusCode::OK, "{}", hostile.body);
    let bad_date = app.get("/search?q=river&from=yesterday").await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
    let unknown_region = app.get("/search?q=river&region=atlantis").await;
    assert_eq!(texts(&unknown_region.html(), ".empty"), ["Nothing matched river."]);
    app.finish().await;
}

#[tokio::test]
async fn browsers_are_offered_the_site_s_search() {
    let app = TestApp::demo().await;
    let home = app.get("/").await.html();
    assert_eq!(attrs(&home, "link[rel=search]", "href"), ["/opensearch.xml"]);
    assert_eq!(attrs(&home, "form.site-search", "action"), ["/search"]);
    let description = app.get("/opensearch.xml").await;
    assert_eq!(description.header("content-type"), "application/opensearchdescription+xml");
    assert_well_formed(&description.body);
    assert!(
        description.body.contains("template=\"https://meridian.example/search?q={searchTerms}\""),
        "{}",
        description.body
    );
    app.finish().await;
}

/// Fails unless quick-xml's reader reads `xml` to its end.
fn assert_well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not XML: {e}: {xml}"),
        }
    }
}

#[tokio::test]
async fn one_address_searching_without_end_is_asked_to_wait() {
    let app = TestApp::demo().await;
    let burst = masthead_web::state::SEARCH_BURST as usize;
    // A search a time, faster than the allowance comes back (one each half second): on a busy
    // machine a few more than the burst may pass before the first is refused, never fewer.
    let mut statuses = Vec::new();
    let last = loop {
        let answer = app.get("/search?q=river").await;
        if answer.status != StatusCode::OK || statuses.len() > burst * 10 {
            break answer;
        }
        statuses.push(answer.status);
    };
    assert!(statuses.len() >= burst, "refused after {} searches", statuses.len());
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS, "after {} searches", statuses.len());
    assert_eq!(last.header("retry-after"), "30");
    assert_eq!(
        app.get("/search").await.status,
        StatusCode::OK,
        "the empty form costs nothing and is always shown"
    );
    app.finish().await;
}

#[tokio::test]
async fn the_admin_api_searches_the_full_text_of_what_the_token_may_see() {
    let app = TestApp::demo().await;
    let (article, word) = word_of_its_text(&app).await;
    let token = app.api_token(masthead_core::Role::Editor, None).await;
    let (status, found) =
        crate::harness::api_call(&app, &token, "GET", &format!("/api/admin/articles?q={word}"), None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let ids: Vec<i64> =
        found["articles"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&article.id), "{word}: {found}");
    let all = app.store().article_count().await.unwrap() as usize;
    assert!(ids.len() < all, "only the articles with the word: {} of {all}", ids.len());
    // Prefixes and hostile syntax are words, never errors.
    let prefix = format!("{}*", &word[..5]);
    let (status, found) = crate::harness::api_call(
        &app,
        &token,
        "GET",
        &format!(
            "/api/admin/articles?q={}",
            url::form_urlencoded::byte_serialize(prefix.as_bytes()).collect::<String>()
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(found["articles"].as_array().unwrap().iter().any(|a| a["id"].as_i64() == Some(article.id)));
    let (status, _) =
        crate::harness::api_call(&app, &token, "GET", "/api/admin/articles?q=%22%29%28NEAR%20OR%20*", None)
            .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) =
        crate::harness::api_call(&app, &token, "GET", "/api/admin/articles?author=x", None).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("author")));
}
