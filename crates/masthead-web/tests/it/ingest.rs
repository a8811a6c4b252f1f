//! Taking partners' articles in, against a real HTTP server on loopback that serves the feed
//! fixtures of `tests/fixtures/feeds/` (written for the project), with ETags and 304s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use masthead_core::{ArticleStatus, FeedFormat, NewSource, Provenance, ReusePolicy, SourceTerms};
use masthead_newsroom::ingest::{PullReport, pull_source};

use crate::harness::{TestApp, attrs, one_text, photo};

/// A file the partner's server serves: its bytes and content type.
type File = (Vec<u8>, &'static str);

/// What the partner's server serves, and how often each path was asked for.
#[derive(Clone, Default)]
struct Partner {
    files: Arc<Mutex<HashMap<String, File>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Partner {
    fn serve(&self, path: &str, bytes: Vec<u8>, content_type: &'static str) {
        self.files.lock().unwrap().insert(path.to_owned(), (bytes, content_type));
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn partner_file(State(p): State<Partner>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    *p.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    if path == "loop" {
        return (StatusCode::FOUND, [(header::LOCATION, "/loop")]).into_response();
    }
    let Some((bytes, content_type)) = p.files.lock().unwrap().get(&path).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", bytes.len() + bytes.iter().map(|b| *b as usize).sum::<usize>());
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    ([(header::CONTENT_TYPE, content_type), (header::ETAG, etag.as_str())], bytes).into_response()
}

/// Starts the partner's server; answers it and its address (`http://127.0.0.1:PORT`).
async fn partner() -> (Partner, String) {
    let p = Partner::default();
    let app = axum::Router::new().route("/{*path}", axum::routing::get(partner_file)).with_state(p.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (p, base)
}

/// A fixture with `{{BASE}}` made the partner's address.
fn fixture(name: &str, base: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/feeds/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    let mut rest = &bytes[..];
    while let Some(i) = rest.windows(8).position(|w| w == b"{{BASE}}") {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(base.as_bytes());
        rest = &rest[i + 8..];
    }
    out.extend_from_slice(rest);
    out
}

async fn source(app: &TestApp, feed: &str, terms: SourceTerms, auto_publish: bool) -> i64 {
    let outlet = app.store().outlet_named("Danube Review", None).await.unwrap();
    let new = NewSource {
        outlet_id: outlet.id,
        feed_url: feed.parse().unwrap(),
        format: FeedFormat::Auto,
        terms,
        term_ids: vec![],
        auto_publish,
        interval_minutes: 30,
    };
    app.store().create_source(&new).await.unwrap().id
}

async fn pull(app: &TestApp, id: i64) -> PullReport {
    pull_source(app.state.newsroom(), id, &|_, _| {}).await.unwrap()
}

async fn article_from(app: &TestApp, original: &str) -> masthead_core::Article {
    let queue = app.store().ingest_queue(100).await.unwrap();
    let entry = queue.iter().find(|e| e.syndication.original_url == original).unwrap_or_else(|| {
        panic!(
            "{original} not taken in: {:?}",
            queue.iter().map(|e| &e.syndication.original_url).collect::<Vec<_>>()
        )
    });
    app.store().article(entry.syndication.article_id).await.unwrap()
}

#[tokio::test]
async fn a_partners_rss_comes_in_once_and_its_changes_become_revisions() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    partner.serve("feed.rss", fixture("partner.rss", &base), "application/rss+xml");
    partner.serve("images/barges.jpg", photo(800, 500), "image/jpeg");
    let id = source(&app, &format!("{base}/feed.rss"), SourceTerms::Policy(ReusePolicy::CcByNd), false).await;

    let first = pull(&app, id).await;
    assert_eq!((first.created, first.updated, first.error.as_deref()), (3, 0, None), "{first:?}");
    assert_eq!(first.problems.len(), 1, "the item without a link: {:?}", first.problems);
    // The undated item is taken in, dated when it came: its original's date is not known.
    let undated = article_from(&app, &format!("{base}/2026/11/undated")).await;
    let Provenance::Republished { chain } = &undated.provenance else { panic!("provenance") };
    assert_eq!(chain[0].published_at, None);
    let barges = article_from(&app, &format!("{base}/2026/11/barges-wait")).await;
    assert_eq!(barges.status, ArticleStatus::Draft, "waits in the queue");
    assert_eq!(barges.authors[0].name, "Mira Kovač");
    assert!(barges.authors[0].outlet_id.is_some(), "an external author, linked to the outlet");
    assert!(!barges.body.html.contains("<script"), "sanitised");
    assert!(
        barges.body.html.contains(&format!("href=\"{base}/2026/10/river-levels\"")),
        "{}",
        barges.body.html
    );
    assert!(barges.body.html.contains(&format!("src=\"{base}/images/chart.png\"")), "{}", barges.body.html);
    let featured = barges.featured.as_ref().expect("the enclosure became the featured image");
    assert_eq!(featured.credit, "Danube Review");
    assert_eq!(barges.reuse_policy, Some(ReusePolicy::CcByNd));
    let Provenance::Republished { chain } = &barges.provenance else { panic!("provenance") };
    assert_eq!(chain.len(), 1);
    assert_eq!(chain[0].byline, "Mira Kovač");
    assert_eq!(chain[0].published_at.unwrap().to_string(), "2026-11-02T08:30:00Z");
    // The item that said it came from elsewhere keeps the whole chain.
    let bridge = article_from(&app, &format!("{base}/2026/11/a-bridge")).await;
    let names: Vec<&str> = match &bridge.provenance {
        Provenance::Republished { chain } => chain.iter().map(|o| o.outlet.name.as_str()).collect(),
        Provenance::Own => vec![],
    };
    assert_eq!(names, vec!["Steppe & River Monitor", "Danube Review"]);
    let log = app.store().source_events(id, 10).await.unwrap();
    assert!(log.iter().any(|e| e.message.contains("it has no link")), "problems are in the source's log");

    // Unchanged: the server answers 304, nothing is written.
    let again = pull(&app, id).await;
    assert!(again.not_modified, "{again:?}");
    assert_eq!(app.store().ingest_queue(100).await.unwrap().len(), 3);
    assert_eq!(partner.hits("feed.rss"), 2);

    // The partner corrects one article and changes the other's guid.
    partner.serve("feed.rss", fixture("partner-updated.rss", &base), "application/rss+xml");
    let changed = pull(&app, id).await;
    assert_eq!((changed.created, changed.updated, changed.unchanged), (0, 1, 2), "{changed:?}");
    let barges = app.store().article(barges.id).await.unwrap();
    assert!(barges.body.html.contains("more than forty barges"));
    assert_eq!(barges.revision, 2, "a new revision of our copy");
    assert!(app.store().syndication(barges.id).await.unwrap().unwrap().changed_upstream_at.is_some());
    assert_eq!(app.store().ingest_queue(100).await.unwrap().len(), 3, "the guid change made no duplicate");
    assert_eq!(partner.hits("images/barges.jpg"), 1, "the image is taken once");
    app.finish().await;
}

#[tokio::test]
async fn atom_json_feed_and_ninjs_keep_their_chains_and_auto_publish_when_allowed() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    partner.serve("feed.atom", fixture("partner.atom", &base), "application/atom+xml");
    partner.serve("feed.json", fixture("partner.json", &base), "application/feed+json");
    partner.serve("ninjs.json", fixture("partner-ninjs.json", &base), "application/json");
    let cc_by = SourceTerms::Policy(ReusePolicy::CcBy);
    let atom = source(&app, &format!("{base}/feed.atom"), cc_by, true).await;
    let json_feed = source(&app, &format!("{base}/feed.json"), SourceTerms::Agreement, true).await;
    let ninjs = source(&app, &format!("{base}/ninjs.json"), cc_by, false).await;
    assert_eq!(pull(&app, atom).await.published, 1);
    assert_eq!(pull(&app, json_feed).await.published, 1);
    assert_eq!(pull(&app, ninjs).await.created, 1);

    let dry_ports = article_from(&app, &format!("{base}/articles/dry-ports")).await;
    assert_eq!(dry_ports.status, ArticleStatus::Published, "published at once, as the source says");
    assert_eq!(dry_ports.authors.len(), 2);
    assert_eq!(dry_ports.provenance.original().unwrap().outlet.name, "Caspian Letter");
    let corridor = article_from(&app, &format!("{base}/article/the-grain-corridor")).await;
    let names: Vec<String> = match &corridor.provenance {
        Provenance::Republished { chain } => chain.iter().map(|o| o.outlet.name.clone()).collect(),
        Provenance::Own => vec![],
    };
    assert_eq!(names, vec!["Black Sea Wire", "Danube Review"], "the partner is named once");

    // The public page: "originally published on", via the partner, with canonical and licence.
    let page = app.get(&dry_ports.path()).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    let line = one_text(&html, ".originally-published");
    assert!(line.starts_with("This article was originally published on Caspian Letter"), "{line}");
    assert!(line.contains("via Danube Review"), "{line}");
    assert_eq!(
        attrs(&html, ".originally-published a", "href")[0],
        "https://caspian.example/2026/10/dry-ports"
    );
    assert_eq!(
        attrs(&html, "link[rel=canonical]", "href"),
        vec!["https://caspian.example/2026/10/dry-ports"]
    );
    assert!(
        attrs(&html, "a[rel=license]", "href")
            .iter()
            .any(|h| h.contains("creativecommons.org/licenses/by/4.0"))
    );
    app.finish().await;
}

#[tokio::test]
async fn terms_that_forbid_publication_are_enforced_in_the_queue_the_api_and_auto_publish() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    partner.serve("feed.json", fixture("partner.json", &base), "application/feed+json");
    let closed = SourceTerms::Policy(ReusePolicy::AllRightsReserved);
    let id = source(&app, &format!("{base}/feed.json"), closed, true).await;
    let report = pull(&app, id).await;
    assert_eq!((report.created, report.published), (1, 0));
    assert!(report.problems[0].contains("kept in the queue"), "{:?}", report.problems);
    let tankers = article_from(&app, &format!("{base}/notes/water-tankers")).await;
    assert_eq!(tankers.status, ArticleStatus::Draft);

    let token = app.api_token(masthead_core::Role::Editor, None).await;
    let publish = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/api/admin/articles/{}/publish", tankers.id))
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let refused = app.send(publish).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(error["field"], "terms");
    assert!(error["error"].as_str().unwrap().contains("allow no republication"), "{error}");
    let queue = axum::http::Request::builder()
        .uri("/api/admin/queue")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let queue: serde_json::Value = serde_json::from_str(&app.send(queue).await.body).unwrap();
    assert!(queue["queue"][0]["refusal"].as_str().unwrap().contains("allow no republication"));
    assert_eq!(app.get(&tankers.path()).await.status, StatusCode::NOT_FOUND, "never on the site");

    // With an agreement, the same article may go out.
    let agreement = app.store().source(id).await.unwrap();
    let new = NewSource {
        outlet_id: agreement.outlet_id,
        feed_url: agreement.feed_url.clone(),
        format: agreement.format,
        terms: SourceTerms::Agreement,
        term_ids: vec![],
        auto_publish: true,
        interval_minutes: 30,
    };
    app.store().update_source(id, &new).await.unwrap();
    let publish = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/api/admin/articles/{}/publish", tankers.id))
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(publish).await.status, StatusCode::OK);
    assert_eq!(app.get(&tankers.path()).await.status, StatusCode::OK);
    app.finish().await;
}

#[tokio::test]
async fn bad_feeds_are_recorded_against_the_source_and_back_off() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("malformed.rss", fixture("malformed.rss", &base), "line 6, column"),
        ("bad-encoding.rss", fixture("bad-encoding.rss", &base), "line 3, column 17: this byte is not UTF-8"),
        ("malformed.json", fixture("malformed.json", &base), "line 5"),
        ("huge.xml", vec![b' '; 3 * 1024 * 1024], "larger than"),
        ("missing.xml", vec![], "the server answered 404"),
    ];
    for (name, bytes, expected) in cases {
        if name != "missing.xml" {
            partner.serve(name, bytes, "application/xml");
        }
        let id = source(&app, &format!("{base}/{name}"), SourceTerms::Agreement, true).await;
        let report = pull(&app, id).await;
        let error = report.error.clone().unwrap_or_else(|| panic!("{name} should fail: {report:?}"));
        assert!(error.contains(expected), "{name}: {error}");
        let stored = app.store().source(id).await.unwrap();
        assert_eq!(
            stored.last_error.as_deref(),
            Some(error.as_str()),
            "the last error is kept for the admin"
        );
        assert_eq!(stored.failures, 1);
        let wait = stored.next_poll_at.as_second() - stored.last_polled_at.unwrap().as_second();
        assert_eq!(wait, 60 * 60, "{name}: the next poll waits twice the interval");
    }
    let id = source(&app, &format!("{base}/loop"), SourceTerms::Agreement, true).await;
    let report = pull(&app, id).await;
    assert!(report.error.unwrap().contains("too many redirects"));
    assert!(partner.hits("loop") <= 6, "redirects are followed a few times, not forever");
    // Nothing was half-written.
    assert!(app.store().ingest_queue(100).await.unwrap().is_empty());
    app.finish().await;
}

#[tokio::test]
async fn editors_add_a_feed_pull_it_and_accept_an_item_in_the_admin() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    partner.serve("feed.atom", fixture("partner.atom", &base), "application/atom+xml");
    let author_id = app.store().authors().await.unwrap()[0].id;
    crate::admin::staff_writing_as(&app, masthead_core::Role::Editor, author_id).await;
    let (_, session) = crate::admin::sign_in(&app, "editor@meridian.example", crate::admin::PASSWORD).await;
    let session = session.unwrap();
    let (_, csrf) = crate::admin::page_token(&app, &session, "/admin/sources").await;
    let outlet = app.store().outlets().await.unwrap()[0].id.to_string();
    let feed = format!("{base}/feed.atom");
    let added = crate::admin::form(
        &app,
        "/admin/sources",
        &session,
        &[
            ("csrf", &csrf),
            ("outlet_id", &outlet),
            ("feed_url", &feed),
            ("format", "auto"),
            ("terms", "cc-by-nd"),
            ("interval_minutes", "30"),
        ],
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = added.header("location").trim_end_matches("?saved").to_owned();
    let bad = crate::admin::form(
        &app,
        "/admin/sources",
        &session,
        &[
            ("csrf", &csrf),
            ("outlet_id", &outlet),
            ("feed_url", "ftp://x"),
            ("terms", "cc-by"),
            ("interval_minutes", "30"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&bad.html(), ".form-error").contains("not an http or https address"));

    let pulled = crate::admin::form(&app, &format!("{page}/pull"), &session, &[("csrf", &csrf)]).await;
    assert_eq!(pulled.status, StatusCode::OK);
    assert!(one_text(&pulled.html(), ".form-notice").contains("1 new"), "{}", pulled.body);
    let queue = crate::admin::get_with(&app, "/admin/queue", ("cookie", &session)).await;
    let accept = attrs(&queue.html(), "table.queue form", "action")[0].clone();
    let accepted = crate::admin::form(&app, &accept, &session, &[("csrf", &csrf)]).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert!(one_text(&accepted.html(), ".form-notice").starts_with("Published"));
    let article = article_from(&app, &format!("{base}/articles/dry-ports")).await;
    assert_eq!(app.get(&article.path()).await.status, StatusCode::OK);

    // Its text is the partner's (-ND): the editor shows it locked, and a changed text is refused.
    let editor =
        crate::admin::get_with(&app, &format!("/admin/articles/{}", article.id), ("cookie", &session)).await;
    assert_eq!(attrs(&editor.html(), "textarea#body[readonly]", "id").len(), 1);
    let revision = article.revision.to_string();
    let author = article.authors[0].id.to_string();
    let changed = crate::admin::form(
        &app,
        &format!("/admin/articles/{}", article.id),
        &session,
        &[
            ("csrf", &csrf),
            ("revision", &revision),
            ("title", &article.title),
            ("body", "Our words."),
            ("body_format", "html"),
            ("author_ids", &author),
        ],
    )
    .await;
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&changed.html(), ".form-error").contains("forbid changes to the text"));
    app.finish().await;
}

#[tokio::test]
async fn a_partner_cannot_rewrite_another_partners_article() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    partner.serve("a.rss", fixture("partner.rss", &base), "application/rss+xml");
    // Partner B sends partner A's addresses with other text.
    partner.serve("b.rss", fixture("partner-updated.rss", &base), "application/rss+xml");
    let a = source(&app, &format!("{base}/a.rss"), SourceTerms::Policy(ReusePolicy::CcByNd), false).await;
    pull(&app, a).await;
    let original = article_from(&app, &format!("{base}/2026/11/barges-wait")).await;

    let other = app.store().outlet_named("Sava Weekly", None).await.unwrap();
    let new = NewSource {
        outlet_id: other.id,
        feed_url: format!("{base}/b.rss").parse().unwrap(),
        format: FeedFormat::Auto,
        terms: SourceTerms::Policy(ReusePolicy::CcBy),
        term_ids: vec![],
        auto_publish: true,
        interval_minutes: 30,
    };
    let b = app.store().create_source(&new).await.unwrap().id;
    let report = pull(&app, b).await;
    assert_eq!((report.updated, report.published), (0, 0), "{report:?}");
    assert!(report.problems.iter().any(|p| p.contains("another partner")), "{:?}", report.problems);

    let after = app.store().article(original.id).await.unwrap();
    assert_eq!(
        (after.revision, &after.body.html),
        (original.revision, &original.body.html),
        "A's article untouched"
    );
    let queue = app.store().ingest_queue(100).await.unwrap();
    let copy = queue
        .iter()
        .find(|e| e.syndication.source_id == Some(b) && e.syndication.duplicate_of == Some(original.id))
        .expect("B's item waits in the queue, naming the article it may duplicate");
    assert_eq!(copy.status, ArticleStatus::Draft, "a possible duplicate is never published by itself");

    // Pulled again, B's item is B's own: it is not matched to A's article a second time.
    partner.serve(
        "b.rss",
        fixture("partner-updated.rss", &base).into_iter().chain(*b" ").collect(),
        "application/rss+xml",
    );
    let again = pull(&app, b).await;
    assert_eq!(again.created, 0, "{again:?}");
    assert_eq!(app.store().article(original.id).await.unwrap().revision, original.revision);
    app.finish().await;
}

#[tokio::test]
async fn an_item_nested_too_deep_is_left_out_alone_with_its_reason_in_the_log() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    let deep = "<div>".repeat(40_000);
    let item = |slug: &str, title: &str, body: &str| {
        format!(
            "<item><title>{title}</title><link>{base}/{slug}</link><guid>{base}/{slug}</guid>\
             <pubDate>Mon, 02 Nov 2026 08:30:00 GMT</pubDate><description><![CDATA[{body}]]></description></item>"
        )
    };
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Danube Review</title>\
         <link>{base}/</link><description>d</description>{}{}</channel></rss>",
        item("deep", "Deep", &deep),
        item("plain", "Plain", "<p>Plain words.</p>")
    );
    partner.serve("feed.rss", feed.into_bytes(), "application/rss+xml");
    let id = source(&app, &format!("{base}/feed.rss"), SourceTerms::Policy(ReusePolicy::CcByNd), false).await;

    let report = pull(&app, id).await;
    assert_eq!((report.created, report.error.as_deref()), (1, None), "{report:?}");
    let plain = article_from(&app, &format!("{base}/plain")).await;
    assert!(plain.body.html.contains("Plain words."));
    let reason = "Deep: it was left out: the text nests `<div>` elements more than 100 levels deep";
    assert!(report.problems.iter().any(|p| p.starts_with(reason)), "{:?}", report.problems);
    let log = app.store().source_events(id, 10).await.unwrap();
    assert!(log.iter().any(|e| e.message.starts_with(reason)), "{log:?}");
}

#[tokio::test]
async fn a_partners_addresses_that_are_not_http_never_reach_a_page() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Danube Review</title>\
         <link>{base}/</link><description>d</description>\
         <item><title>Sourced</title><link>{base}/sourced</link><guid>{base}/sourced</guid>\
         <pubDate>Mon, 02 Nov 2026 08:30:00 GMT</pubDate>\
         <source url=\"javascript:alert(document.domain)\">Steppe Monitor</source>\
         <description>&lt;p&gt;Words.&lt;/p&gt;</description></item>\
         <item><title>Scripted</title><link>javascript:alert(1)</link><guid>scripted</guid>\
         <pubDate>Mon, 02 Nov 2026 08:30:00 GMT</pubDate><description>x</description></item>\
         </channel></rss>"
    );
    partner.serve("feed.rss", feed.into_bytes(), "application/rss+xml");
    let id = source(&app, &format!("{base}/feed.rss"), SourceTerms::Policy(ReusePolicy::CcBy), false).await;
    let report = pull(&app, id).await;
    assert_eq!((report.created, report.error.as_deref()), (1, None), "{report:?}");
    let sourced = article_from(&app, &format!("{base}/sourced")).await;
    let Provenance::Republished { chain } = &sourced.provenance else { panic!("provenance") };
    assert!(chain.iter().all(|o| o.url.scheme() == "http"), "{chain:?}");
    assert!(report.problems.iter().any(|p| p.contains("Steppe Monitor")), "{:?}", report.problems);
    let queue = app.store().ingest_queue(100).await.unwrap();
    assert!(
        queue.iter().all(|e| !e.syndication.original_url.starts_with("javascript")),
        "the scripted item is left out"
    );
    app.finish().await;
}

#[tokio::test]
async fn what_a_lenient_reader_takes_comes_in_whole_with_its_terms_credit_and_standfirst() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    partner.serve("feed.rss", fixture("lenient.rss", &base), "application/rss+xml");
    partner.serve("notes.json", fixture("microposts.json", &base), "application/feed+json");
    partner.serve("images/convoy.jpg", photo(800, 500), "image/jpeg");
    partner.serve("images/tug.jpg", photo(640, 400), "image/jpeg");
    partner.serve("images/silence.jpg", photo(640, 400), "image/jpeg");
    let id = source(&app, &format!("{base}/feed.rss"), SourceTerms::Agreement, false).await;
    let report = pull(&app, id).await;
    assert_eq!((report.created, report.problems.len()), (3, 0), "{report:?}");
    // An image the feed does not describe takes the description its text gives it, and
    // otherwise none: never the headline.
    let tug = article_from(&app, &format!("{base}/2026/11/tug")).await;
    assert_eq!(tug.featured.as_ref().unwrap().alt, "A red tug pushing four barges");
    let silence = article_from(&app, &format!("{base}/2026/11/silence")).await;
    assert_eq!(silence.featured.as_ref().unwrap().alt, "");
    // Its only address was its guid, a permalink.
    let convoys = article_from(&app, &format!("{base}/2026/11/grain-convoys")).await;
    // The description is the standfirst; the photo keeps its own credit and description.
    assert_eq!(convoys.dek, "The first convoy in three weeks left Izmail at dawn, escorted by two tugs.");
    let featured = convoys.featured.as_ref().unwrap();
    assert_eq!(featured.credit, "Photo: Ana Petrović");
    assert_eq!(featured.alt, "Barges loaded with grain under a grey sky");
    // Categories that name our region and theme file it there, whatever their case.
    let mut terms: Vec<&str> = convoys.terms.iter().map(|t| t.name.as_str()).collect();
    terms.sort();
    assert_eq!(terms, ["Balkans", "Trade"]);

    // A micropost without a headline takes its first sentence.
    let notes = source(&app, &format!("{base}/notes.json"), SourceTerms::Agreement, false).await;
    let report = pull(&app, notes).await;
    assert_eq!((report.created, report.problems.len()), (1, 0), "{report:?}");
    let note = article_from(&app, &format!("{base}/notes/1")).await;
    assert_eq!(note.title, "Water at Reni rose 40 cm overnight.");
}

#[tokio::test]
async fn many_articles_may_share_a_headline() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    let items: String = (1..=25)
        .map(|n| {
            format!(
                "<item><title>Morning Briefing</title><link>{base}/briefing/{n}</link><guid>{base}/briefing/{n}</guid>\
                 <pubDate>Wed, 04 Nov 2026 07:{n:02}:00 +0100</pubDate><description>Briefing number {n}.</description></item>"
            )
        })
        .collect();
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Daily</title><link>{base}/</link>\
         <description>d</description>{items}</channel></rss>"
    );
    partner.serve("daily.rss", feed.into_bytes(), "application/rss+xml");
    let id = source(&app, &format!("{base}/daily.rss"), SourceTerms::Agreement, false).await;
    let report = pull(&app, id).await;
    assert_eq!((report.created, report.problems.len()), (25, 0), "{report:?}");
    let again = pull(&app, id).await;
    assert_eq!(again.created, 0, "each is known again: {again:?}");
}

#[tokio::test]
async fn relative_links_in_a_partners_text_point_where_its_feed_says_never_at_the_feed() {
    let app = TestApp::demo().await;
    let (partner, base) = partner().await;
    partner.serve("feeds/steppe.atom", fixture("xml-base.atom", &base), "application/atom+xml");
    partner.serve("feeds/danube.rss", fixture("relative-links.rss", &base), "application/rss+xml");
    partner.serve("steppe/images/cranes.jpg", photo(800, 500), "image/jpeg");
    partner.serve("2026/11/ferries/photos/ferry.jpg", photo(800, 500), "image/jpeg");
    partner.serve("2026/11/locks/lock.jpg", photo(640, 400), "image/jpeg");
    let has = |article: &masthead_core::Article, attribute: &str| {
        assert!(article.body.html.contains(attribute), "{attribute} in {}", article.body.html);
    };

    let atom = source(&app, &format!("{base}/feeds/steppe.atom"), SourceTerms::Agreement, false).await;
    let report = pull(&app, atom).await;
    assert_eq!((report.created, report.problems.len()), (3, 0), "{report:?}");
    // Under the feed's xml:base: its text, its link and its image.
    let cranes = article_from(&app, &format!("{base}/steppe/2026/11/cranes")).await;
    has(&cranes, &format!("href=\"{base}/steppe/maps/khorgos\""));
    has(&cranes, &format!("src=\"{base}/steppe/images/yard.jpg\""));
    assert!(cranes.featured.is_some(), "the image under the feed's base was taken");
    // Under an entry's, itself relative to the feed's.
    let dry_ports = article_from(&app, &format!("{base}/steppe/archive/2025/dry-ports")).await;
    has(&dry_ports, &format!("href=\"{base}/steppe/archive/2025/dry-ports-notes\""));
    // Under its content's.
    let caravans = article_from(&app, &format!("{base}/steppe/2026/11/caravans")).await;
    has(&caravans, &format!("src=\"{base}/media/2026/caravan.jpg\""));

    // Without xml:base, against the article's own address, not the feed's (…/feeds/danube.rss).
    let rss = source(&app, &format!("{base}/feeds/danube.rss"), SourceTerms::Agreement, false).await;
    let report = pull(&app, rss).await;
    assert_eq!((report.created, report.problems.len()), (2, 0), "{report:?}");
    let ferries = article_from(&app, &format!("{base}/2026/11/ferries/timetable")).await;
    has(&ferries, &format!("href=\"{base}/2026/11/ferries/winter\""));
    has(&ferries, &format!("src=\"{base}/2026/11/photos/quay.jpg\""));
    assert!(ferries.featured.is_some(), "the image at the article's address was taken");
    let locks = article_from(&app, &format!("{base}/2026/11/locks/")).await;
    has(&locks, &format!("href=\"{base}/2026/11/locks/history\""));
    assert_eq!(partner.hits("2026/11/locks/lock.jpg"), 1);
    app.finish().await;
}
