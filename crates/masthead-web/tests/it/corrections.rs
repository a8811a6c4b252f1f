//! Corrections and withdrawals: what readers, feeds, partners' systems and every republished
//! copy (through its status image) learn when the newsroom corrects or withdraws an article;
//! and a published article's terms, which a change of the site's default leaves alone.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use masthead_core::{Article, ReusePolicy, Role};
use serde_json::json;

use crate::harness::{Backend, TestApp, all_sitemaps, api_call, attrs, texts};

/// The newest published article that is our own work.
async fn own_article(app: &TestApp) -> Article {
    let ids: Vec<i64> = app.published().await.iter().map(|s| s.id).collect();
    let articles = app.store().articles(&ids).await.unwrap();
    articles.into_iter().find(|a| !a.provenance.is_republished()).expect("the demo has its own articles")
}

fn ninjs_validator() -> jsonschema::Validator {
    let schema_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ninjs-schema_2.2.json"))
            .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let geojson = jsonschema::Resource::from_contents(json!({})).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .with_resource("https://geojson.org/schema/GeoJSON.json", geojson)
        .build(&schema)
        .unwrap()
}

fn assert_valid_ninjs(validator: &jsonschema::Validator, doc: &serde_json::Value) {
    let errors: Vec<String> =
        validator.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

const CORRECTION: &str = "An earlier version gave the port's volume for 2025 as 41m tonnes; it was 14m.";

async fn a_correction_reaches_every_place_the_article_travels(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let validator = ninjs_validator();
    let a = own_article(&app).await;
    let editor = app.api_token(Role::Editor, None).await;

    let badge = app.get(&format!("/r/{}/status.svg", a.id)).await;
    assert_eq!(badge.status, StatusCode::OK);
    assert_eq!(badge.header("content-type"), "image/svg+xml");
    assert!(badge.body.contains("Current as of"), "{}", badge.body);
    // Warm the caches that the correction must reach.
    app.get(&format!("/article/{}", a.slug)).await;
    app.get("/atom.xml").await;
    let before = app.store().unannounced_changes(1000).await.unwrap().len();

    // A correction written against an older revision changes nothing.
    let (status, _) = api_call(
        &app,
        &editor,
        "POST",
        &format!("/api/admin/articles/{}/correction", a.id),
        Some(json!({ "revision": a.revision - 1, "text": CORRECTION })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = api_call(
        &app,
        &editor,
        "POST",
        &format!("/api/admin/articles/{}/correction", a.id),
        Some(json!({ "revision": a.revision, "text": "   " })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = api_call(
        &app,
        &editor,
        "POST",
        &format!("/api/admin/articles/{}/correction", a.id),
        Some(json!({ "revision": a.revision, "text": CORRECTION })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revision"], a.revision + 1, "a correction is a new version");
    assert_eq!(body["corrections"][0]["text"], CORRECTION);
    let corrected = app.store().article(a.id).await.unwrap();
    assert_eq!(corrected.body, a.body, "the text itself is untouched");
    let day = corrected.corrections[0].made_at.to_zoned(jiff::tz::TimeZone::get(&a.time_zone).unwrap());
    let day = day.strftime("%-d %B %Y").to_string();

    // The page prints it under the article, dated, and tells machines.
    let page = app.get(&format!("/article/{}", a.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    assert_eq!(texts(&html, ".corrections .correction"), [format!("Correction, {day}: {CORRECTION}")]);
    let ld: serde_json::Value =
        serde_json::from_str(&texts(&html, "script[type='application/ld+json']")[0]).unwrap();
    assert_eq!(ld["correction"][0]["@type"], "CorrectionComment");
    assert_eq!(ld["correction"][0]["text"], CORRECTION);
    assert_eq!(
        ld["dateModified"].as_str().unwrap()[..10],
        ld["correction"][0]["datePublished"].as_str().unwrap()[..10]
    );

    // Feeds carry the updated item, and WebSub is told.
    let atom = app.get("/atom.xml").await.body;
    let feed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    let entry = feed.entries.iter().find(|e| e.title.as_ref().unwrap().content == a.title).unwrap();
    assert!(entry.updated.unwrap().timestamp() >= corrected.corrections[0].made_at.as_second());
    assert!(
        entry.content.as_ref().unwrap().body.as_deref().unwrap().contains("41m tonnes"),
        "the feed's copy"
    );
    assert!(app.store().unannounced_changes(1000).await.unwrap().len() > before, "announced to hubs");

    // Partners' systems see a new version of the same item, still valid ninjs.
    let ninjs: serde_json::Value =
        serde_json::from_str(&app.get(&format!("/article/{}.ninjs.json", a.slug)).await.body).unwrap();
    assert_valid_ninjs(&validator, &ninjs);
    assert_eq!(ninjs["version"], (a.revision + 1).to_string());
    assert_eq!(ninjs["pubstatus"], "usable");
    assert!(ninjs["bodies"][0]["value"].as_str().unwrap().contains(&format!("Correction, {day}:")));

    // The republish JSON and the snippet carry the state, and the status image says it.
    let republish: serde_json::Value =
        serde_json::from_str(&app.get(&format!("/article/{}/republish.json", a.slug)).await.body).unwrap();
    assert_eq!(republish["status"], "corrected");
    assert_eq!(republish["version"], a.revision + 1);
    assert_eq!(republish["corrections"][0]["text"], CORRECTION);
    let snippet = scraper::Html::parse_fragment(republish["html"].as_str().unwrap());
    let status_src = format!("https://meridian.example/r/{}/status.svg", a.id);
    assert!(attrs(&snippet, "img", "src").contains(&status_src), "the snippet shows the status image");
    assert_eq!(texts(&snippet, "p.correction").len(), 1, "and the correction");
    let badge = app.get(&format!("/r/{}/status.svg", a.id)).await;
    assert!(badge.body.contains(&format!("Corrected on {day}")), "{}", badge.body);
    assert!(badge.header("cache-control").contains("max-age=3600"));
    app.finish().await;
}

#[tokio::test]
async fn a_correction_reaches_every_place_the_article_travels_on_sqlite() {
    a_correction_reaches_every_place_the_article_travels(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_correction_reaches_every_place_the_article_travels_on_postgres() {
    a_correction_reaches_every_place_the_article_travels(Backend::Postgres).await;
}

const NOTICE: &str = "This article was withdrawn following a court order of 1 December 2026.";

async fn a_withdrawn_article_is_gone_everywhere_with_its_notice(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let validator = ninjs_validator();
    let a = own_article(&app).await;
    let id_url = format!("https://meridian.example/article/{}", a.slug);
    assert!(app.get("/feed.xml").await.body.contains(&id_url));
    assert!(all_sitemaps(&app).await.contains(&id_url));
    let uri = format!("/api/admin/articles/{}/withdrawal", a.id);
    let body = json!({ "revision": a.revision, "notice": NOTICE });

    // Authors may not withdraw, even their own published work.
    let author = app.api_token(Role::Author, Some(a.authors[0].id)).await;
    let (status, _) = api_call(&app, &author, "POST", &uri, Some(body.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let editor = app.api_token(Role::Editor, None).await;
    let (status, reply) = api_call(&app, &editor, "POST", &uri, Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["status"], "unpublished");
    assert_eq!(reply["withdrawal"]["notice"], NOTICE);
    let (status, _) =
        api_call(&app, &editor, "POST", &uri, Some(json!({ "revision": a.revision + 1, "notice": NOTICE })))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "only a published article is withdrawn");

    let page = app.get(&format!("/article/{}", a.slug)).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains(NOTICE), "the notice in the article's place");
    assert!(!page.body.contains(&a.title), "nothing of the article is shown");
    let ninjs = app.get(&format!("/article/{}.ninjs.json", a.slug)).await;
    assert_eq!(ninjs.status, StatusCode::GONE);
    let doc: serde_json::Value = serde_json::from_str(&ninjs.body).unwrap();
    assert_valid_ninjs(&validator, &doc);
    assert_eq!(doc["pubstatus"], "canceled");
    assert_eq!(doc["uri"], id_url.as_str());
    assert_eq!(doc["ednote"], NOTICE);
    assert!(doc.get("bodies").is_none());
    let republish = app.get(&format!("/article/{}/republish.json", a.slug)).await;
    assert_eq!(republish.status, StatusCode::GONE);
    let republish: serde_json::Value = serde_json::from_str(&republish.body).unwrap();
    assert_eq!(republish["status"], "withdrawn");
    assert_eq!(republish["notice"], NOTICE);

    assert!(!app.get("/feed.xml").await.body.contains(&id_url), "out of the feed");
    assert!(!app.get("/").await.body.contains(&a.title), "out of the home page");
    assert!(!all_sitemaps(&app).await.contains(&id_url), "out of the sitemaps");
    let badge = app.get(&format!("/r/{}/status.svg", a.id)).await;
    assert_eq!(badge.status, StatusCode::OK, "copies still load the status image");
    assert!(badge.body.contains("Withdrawn by The Meridian on"), "{}", badge.body);
    // A draft that was never published has no status image to give away.
    let draft = app.store().find_articles(&Default::default(), 200).await.unwrap();
    if let Some(d) = draft.iter().find(|d| d.3 == masthead_core::ArticleStatus::Draft) {
        assert_eq!(app.get(&format!("/r/{}/status.svg", d.0)).await.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(app.get("/r/999999/status.svg").await.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

#[tokio::test]
async fn a_withdrawn_article_is_gone_everywhere_with_its_notice_on_sqlite() {
    a_withdrawn_article_is_gone_everywhere_with_its_notice(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_withdrawn_article_is_gone_everywhere_with_its_notice_on_postgres() {
    a_withdrawn_article_is_gone_everywhere_with_its_notice(Backend::Postgres).await;
}

async fn a_new_default_policy_leaves_published_articles_on_their_terms(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let site = app.store().site().await.unwrap();
    assert_eq!(site.default_policy, ReusePolicy::CommunityCrossPost);
    let a = own_article(&app).await;
    // Published on the default: non-commercial community cross-posting.
    app.store().set_reuse_policy(a.id, None).await.unwrap();
    let usage = |body: &str| serde_json::from_str::<serde_json::Value>(body).unwrap()["usageterms"].clone();
    let ninjs = format!("/article/{}.ninjs.json", a.slug);
    assert_eq!(usage(&app.get(&ninjs).await.body), ReusePolicy::CommunityCrossPost.text());
    let draft_id = app
        .store()
        .find_articles(&Default::default(), 200)
        .await
        .unwrap()
        .iter()
        .find(|d| d.3 == masthead_core::ArticleStatus::Draft)
        .map(|d| d.0);

    let admin = app.api_token(Role::Administrator, None).await;
    let (status, body) =
        api_call(&app, &admin, "PUT", "/api/admin/settings", Some(json!({ "default_policy": "cc-by-nd" })))
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    assert_eq!(
        usage(&app.get(&ninjs).await.body),
        ReusePolicy::CommunityCrossPost.text(),
        "the published article keeps the terms it went out under"
    );
    let page = app.get(&format!("/article/{}", a.slug)).await.html();
    assert_eq!(
        attrs(&page, "link[rel=license]", "href"),
        ["https://meridian.example/reuse/community-cross-post"]
    );
    let kept = app.store().article(a.id).await.unwrap();
    assert_eq!(kept.reuse_policy, Some(ReusePolicy::CommunityCrossPost));
    assert_eq!(kept.revision, a.revision + 1, "not a new version: only the default moved");
    if let Some(id) = draft_id {
        let draft = app.store().article(id).await.unwrap();
        assert_eq!(draft.reuse_policy, None, "a draft still follows the default");
        assert_eq!(draft.effective_policy(&app.store().site().await.unwrap()), ReusePolicy::CcByNd);
    }
    app.finish().await;
}

#[tokio::test]
async fn a_new_default_policy_leaves_published_articles_on_their_terms_on_sqlite() {
    a_new_default_policy_leaves_published_articles_on_their_terms(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_new_default_policy_leaves_published_articles_on_their_terms_on_postgres() {
    a_new_default_policy_leaves_published_articles_on_their_terms(Backend::Postgres).await;
}

/// Pulls `source` of `app` now.
async fn pull(app: &TestApp, source: i64) -> masthead_newsroom::ingest::PullReport {
    masthead_newsroom::ingest::pull_source(app.state.newsroom(), source, &|_, _| {}).await.unwrap()
}

/// `app` takes in `feed`, published as it comes, from an outlet called `outlet`.
async fn takes_in(app: &TestApp, outlet: &str, feed: &str) -> i64 {
    let outlet = app.store().outlet_named(outlet, None).await.unwrap();
    let new = masthead_core::NewSource {
        outlet_id: outlet.id,
        feed_url: feed.parse().unwrap(),
        format: masthead_core::FeedFormat::Auto,
        terms: masthead_core::SourceTerms::Agreement,
        term_ids: vec![],
        auto_publish: true,
        interval_minutes: 30,
    };
    app.store().create_source(&new).await.unwrap().id
}

/// The article of `app` with the headline `title`.
async fn titled(app: &TestApp, title: &str) -> Article {
    let found = app.store().find_articles(&Default::default(), 500).await.unwrap();
    let id = found.iter().find(|l| l.2 == title).unwrap_or_else(|| panic!("no {title:?} here")).0;
    app.store().article(id).await.unwrap()
}

/// Checks `app`'s originals until none is due; answers the withdrawals.
async fn check_originals(app: &TestApp) -> Vec<i64> {
    let mut withdrawn = Vec::new();
    for _ in 0..100 {
        let found = masthead_newsroom::originals::check_due(app.state.newsroom(), jiff::Timestamp::now())
            .await
            .unwrap();
        if found.is_empty() {
            return withdrawn;
        }
        for f in found {
            if let masthead_newsroom::originals::Found::Withdrawn { article_id, .. } = f {
                withdrawn.push(article_id);
            }
        }
    }
    panic!("the checks never ended");
}

const HEADLINE: &str = "Constanța's grain terminal runs at half capacity";

#[tokio::test]
async fn corrections_and_withdrawals_reach_copies_two_sites_away_and_a_pasted_copy() {
    // A publishes; B takes A's feed in; C takes B's. Each is a whole site on its own listener.
    let a = TestApp::demo().await;
    let a_base = a.serve().await;
    let b = TestApp::demo().await;
    let b_base = b.serve().await;
    let c = TestApp::demo().await;
    c.serve().await;
    let author = a.store().authors().await.unwrap()[0].id;
    let mut new = masthead_core::NewArticle {
        slug: masthead_core::Slug::from_title(HEADLINE).unwrap(),
        title: HEADLINE.into(),
        dek: String::new(),
        body: masthead_core::render_body(
            masthead_core::BodyFormat::Markdown,
            "The terminal loaded 1.2m tonnes in October, half of its capacity.",
        )
        .unwrap(),
        excerpt: String::new(),
        status: masthead_core::ArticleStatus::Published,
        published_at: None,
        time_zone: "Europe/Bucharest".into(),
        author_ids: vec![author],
        term_ids: vec![],
        featured_media_id: None,
        featured_alt: String::new(),
        featured_credit: String::new(),
        reuse_policy: Some(ReusePolicy::CcBy),
        origins: vec![],
        language: String::new(),
        translation_of: None,
    };
    new.make_publishable();
    let original = a.store().create_article(&new).await.unwrap();
    let b_source = takes_in(&b, "Meridian A", &format!("{a_base}feed.xml")).await;
    let c_source = takes_in(&c, "Meridian B", &format!("{b_base}feed.xml")).await;
    assert!(pull(&b, b_source).await.created > 0);
    assert!(pull(&c, c_source).await.created > 0);
    let b_copy = titled(&b, HEADLINE).await;
    let c_copy = titled(&c, HEADLINE).await;
    assert_eq!(b_copy.status, masthead_core::ArticleStatus::Published);
    assert_eq!(c_copy.status, masthead_core::ArticleStatus::Published);
    // The copy pasted into a plain page keeps the snippet, and with it the status image.
    let republish: serde_json::Value =
        serde_json::from_str(&a.get(&format!("/article/{}/republish.json", original.slug)).await.body)
            .unwrap();
    let pasted = scraper::Html::parse_fragment(republish["html"].as_str().unwrap());
    let status_image = attrs(&pasted, "img", "src").into_iter().find(|s| s.ends_with("/status.svg")).unwrap();
    assert!(status_image.starts_with(&a_base), "{status_image}");
    let http = reqwest::Client::new();
    let badge = |url: String| {
        let http = http.clone();
        async move { http.get(&url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(badge(status_image.clone()).await.contains("Current as of"));

    // B checks its own copy as it checks others' copies of its articles: it credits and points
    // to the original.
    let mut own = None;
    for _ in 0..50 {
        let checked =
            masthead_newsroom::copies::check_due(b.state.newsroom(), jiff::Timestamp::now()).await.unwrap();
        if checked.is_empty() {
            break;
        }
        if let Some(c) = checked.into_iter().find(|c| c.article_id == b_copy.id) {
            own = Some(c);
        }
    }
    let own = own.expect("B's own copy was checked");
    assert_eq!(own.verdict, Some(masthead_formats::copies::Verdict::Compliant), "{own:?}");

    // A corrects: B's copy changes at the next pull, as a revision marked changed at the
    // source, and C's from B's.
    let text = "An earlier version said the terminal loaded 2.1m tonnes; it loaded 1.2m.";
    a.store()
        .amend_article(original.id, original.revision, &masthead_store::Amendment::Correct(text.into()), None)
        .await
        .unwrap();
    assert_eq!(pull(&b, b_source).await.updated, 1, "only the corrected item changed");
    let b_corrected = b.store().article(b_copy.id).await.unwrap();
    assert!(b_corrected.body.html.contains(text), "{}", b_corrected.body.html);
    assert!(b_corrected.revision > b_copy.revision);
    assert!(b.store().syndication(b_copy.id).await.unwrap().unwrap().changed_upstream_at.is_some());
    assert!(b.get(&format!("/article/{}", b_copy.slug)).await.body.contains("it loaded 1.2m"));
    assert!(pull(&c, c_source).await.updated >= 1);
    assert!(c.store().article(c_copy.id).await.unwrap().body.html.contains(text));
    assert!(badge(status_image.clone()).await.contains("Corrected on"), "the pasted copy's image");

    // Nothing is withdrawn while the originals stand.
    assert!(check_originals(&b).await.is_empty());

    // A withdraws: B's check finds the original gone and takes its copy down with A's notice,
    // telling its editors; C's check then finds B's copy gone.
    let current = a.store().article(original.id).await.unwrap();
    a.store()
        .amend_article(
            current.id,
            current.revision,
            &masthead_store::Amendment::Withdraw(NOTICE.into()),
            None,
        )
        .await
        .unwrap();
    assert!(badge(status_image.clone()).await.contains("Withdrawn by"), "the pasted copy's image");
    // Checked a moment ago: not due again for hours, unless the check is for later.
    let later = jiff::Timestamp::now()
        + masthead_newsroom::originals::CHECK_EVERY
        + jiff::SignedDuration::from_mins(1);
    let mut withdrawn = Vec::new();
    for _ in 0..100 {
        let found = masthead_newsroom::originals::check_due(b.state.newsroom(), later).await.unwrap();
        if found.is_empty() {
            break;
        }
        for f in found {
            if let masthead_newsroom::originals::Found::Withdrawn { article_id, notice } = f {
                assert!(notice.contains(NOTICE), "A's own notice: {notice}");
                withdrawn.push(article_id);
            }
        }
    }
    assert_eq!(withdrawn, [b_copy.id]);
    let page = b.get(&format!("/article/{}", b_copy.slug)).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains(NOTICE));
    let audit = b.store().audit_log(20).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "copy withdrawn at the source"), "{audit:?}");
    let log = b.store().source_events(b_source, 50).await.unwrap();
    assert!(log.iter().any(|e| e.message.contains("answers 410 Gone")), "{log:?}");
    assert_eq!(check_originals(&c).await, [c_copy.id]);
    assert_eq!(c.get(&format!("/article/{}", c_copy.slug)).await.status, StatusCode::GONE);
    a.finish().await;
    b.finish().await;
    c.finish().await;
}

/// A webhook receiver on loopback: every JSON body POSTed to it.
async fn webhook() -> (std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>, String) {
    use axum::routing::post;
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/hooks/masthead",
        post(move |body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/masthead", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (got, url)
}

#[tokio::test]
async fn registered_republishers_are_told_of_corrections_and_withdrawals_by_mail_and_webhook() {
    let Some(smtp) = crate::reset::SmtpSink::start() else { return };
    let mailer =
        masthead_newsroom::mail::Mailer::new(Some(&smtp.url()), "The Meridian <noreply@meridian.example>")
            .unwrap();
    let app = TestApp::demo_with(Backend::Sqlite, masthead_web::DEFAULT_PAGE_SIZE, mailer).await.unwrap();
    let a = own_article(&app).await;
    let (hooks, hook_url) = webhook().await;
    let page = format!("/article/{}/republish", a.slug);
    let register = |fields: Vec<(&'static str, String)>, origin: &'static str| {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        axum::http::Request::builder()
            .method("POST")
            .uri(page.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", origin)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let form = |email: &str, webhook: &str| {
        vec![
            ("outlet", "Balkan Community Radio".to_owned()),
            ("contact_email", email.to_owned()),
            ("copy_url", "https://radio.example.org/news/constanta".to_owned()),
            ("webhook_url", webhook.to_owned()),
        ]
    };
    // The form is on the republish page, and only our own pages may send it.
    let html = app.get(&page).await.html();
    assert_eq!(attrs(&html, "form.register-form", "action"), [format!("{page}#register")]);
    let foreign = app.send(register(form("desk@radio.example.org", ""), "https://evil.example")).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let nothing = app.send(register(form("", ""), "https://meridian.example")).await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(texts(&nothing.html(), ".form-error")[0].contains("e-mail address or a webhook"));
    let bad = app
        .send(register(form("desk@radio.example.org", "javascript:alert(1)"), "https://meridian.example"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app.send(register(form("desk@radio.example.org", &hook_url), "https://meridian.example")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(texts(&ok.html(), ".form-notice")[0].starts_with("Thank you"));
    // Sent twice, kept once.
    app.send(register(form("desk@radio.example.org", &hook_url), "https://meridian.example")).await;
    let registered = app.store().republishers_of(a.id).await.unwrap();
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].host, "radio.example.org");
    // The registry lists the registered copy under its host, in the admin and the Admin API.
    let editor = app.api_token(Role::Editor, None).await;
    let (status, registry) = api_call(&app, &editor, "GET", "/api/admin/republications", None).await;
    assert_eq!(status, StatusCode::OK);
    let row = registry["republications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["host"] == "radio.example.org" && r["article_id"] == a.id)
        .unwrap_or_else(|| panic!("{registry:#}"));
    assert_eq!(row["copies"][0]["url"], "https://radio.example.org/news/constanta");
    assert_eq!(row["copies"][0]["verdict"], "", "not checked yet");

    let tell = || masthead_newsroom::republishers::tell_due(app.state.newsroom());
    assert_eq!(tell().await.unwrap(), 0, "nothing to tell yet");
    let (status, _) = api_call(
        &app,
        &editor,
        "POST",
        &format!("/api/admin/articles/{}/correction", a.id),
        Some(json!({ "revision": a.revision, "text": CORRECTION })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tell().await.unwrap(), 1);
    assert_eq!(tell().await.unwrap(), 0, "each amendment is told once");
    {
        let hooks = hooks.lock().unwrap();
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0]["status"], "corrected");
        assert_eq!(hooks[0]["text"], CORRECTION);
        assert_eq!(hooks[0]["copy_url"], "https://radio.example.org/news/constanta");
        assert_eq!(hooks[0]["version"], a.revision + 1);
    }
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("To: desk@radio.example.org"), "{}", mail[0]);
    assert!(mail[0].contains(CORRECTION), "{}", mail[0]);

    let (status, _) = api_call(
        &app,
        &editor,
        "POST",
        &format!("/api/admin/articles/{}/withdrawal", a.id),
        Some(json!({ "revision": a.revision + 1, "notice": NOTICE })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tell().await.unwrap(), 1);
    assert_eq!(hooks.lock().unwrap()[1]["status"], "withdrawn");
    assert_eq!(hooks.lock().unwrap()[1]["text"], NOTICE);
    let mail = smtp.messages();
    assert_eq!(mail.len(), 2);
    assert!(mail.iter().any(|m| m.contains("Please take your copy down")));
    app.finish().await;
}

#[tokio::test]
async fn a_webhook_that_fails_is_tried_again_and_then_given_up() {
    let app = TestApp::demo().await;
    let a = own_article(&app).await;
    // Nothing listens here.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let registration = masthead_newsroom::republishers::Registration {
        outlet: "Gone Gazette".into(),
        webhook_url: format!("http://127.0.0.1:{port}/hook"),
        ..Default::default()
    };
    masthead_newsroom::republishers::register(app.state.newsroom(), &a, &registration).await.unwrap();
    app.store()
        .amend_article(a.id, a.revision, &masthead_store::Amendment::Correct(CORRECTION.into()), None)
        .await
        .unwrap();
    for attempt in 1..=masthead_store::MAX_FAILURES {
        assert_eq!(masthead_newsroom::republishers::tell_due(app.state.newsroom()).await.unwrap(), 0);
        assert_eq!(app.store().republishers_of(a.id).await.unwrap()[0].failures, attempt);
    }
    assert!(app.store().republishers_to_tell(10).await.unwrap().is_empty(), "given up after its failures");
    app.finish().await;
}

async fn images_that_may_not_travel_stay_out_of_every_copy(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let ids: Vec<i64> = app.published().await.iter().map(|s| s.id).collect();
    let with_image = app
        .store()
        .articles(&ids)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.featured.is_some() && !a.provenance.is_republished())
        .expect("a demo article of our own with a featured image");
    let featured = with_image.featured.clone().unwrap().media;
    let library = app.store().media_library(None, 100).await.unwrap();
    let other = library.iter().find(|m| m.id != featured.id).expect("a second image").clone();
    // An article of ours that shows the agency's photo in its text.
    let author = app.store().authors().await.unwrap()[0].id;
    let mut new = masthead_core::NewArticle {
        slug: masthead_core::Slug::from_title("The port from above").unwrap(),
        title: "The port from above".into(),
        dek: String::new(),
        body: masthead_core::render_body(
            masthead_core::BodyFormat::Markdown,
            &format!("Cranes stood still.\n\n![The port at dawn](/media/{})\n\nThen they moved.", other.path),
        )
        .unwrap(),
        excerpt: String::new(),
        status: masthead_core::ArticleStatus::Published,
        published_at: None,
        time_zone: "Europe/Belgrade".into(),
        author_ids: vec![author],
        term_ids: vec![],
        featured_media_id: Some(featured.id),
        featured_alt: String::new(),
        featured_credit: String::new(),
        reuse_policy: Some(ReusePolicy::CcBy),
        origins: vec![],
        language: String::new(),
        translation_of: None,
    };
    new.make_publishable();
    let a = app.store().create_article(&new).await.unwrap();
    assert!(a.withheld_images.is_empty(), "every image travels until someone says otherwise");
    assert_eq!(app.get(&format!("/r/image/{}.svg", other.id)).await.status, StatusCode::NOT_FOUND);

    // An editor marks both images as ours to show only.
    let editor = app.api_token(Role::Editor, None).await;
    for (m, credit) in [(&featured, "Photo: Agency A"), (&other, "Photo: Agency B")] {
        let (status, body) = api_call(
            &app,
            &editor,
            "PUT",
            &format!("/api/admin/media/{}", m.id),
            Some(json!({ "credit": credit, "licence": "For our own use only", "travels": false })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["travels"], false);
    }
    let a = app.store().article(a.id).await.unwrap();
    let withheld: Vec<i64> = a.withheld_images.iter().map(|w| w.media_id).collect();
    assert_eq!(withheld, {
        let mut v = vec![featured.id, other.id];
        v.sort();
        v
    });

    // Our own page still shows them.
    let page = app.get(&format!("/article/{}", a.slug)).await.html();
    assert!(attrs(&page, "figure.featured img", "src")[0].contains(&featured.path));
    assert!(attrs(&page, ".body img", "src")[0].contains(&other.path));

    // The snippet, ninjs and every feed leave them out, and name their credit with a link.
    let republish: serde_json::Value =
        serde_json::from_str(&app.get(&format!("/article/{}/republish.json", a.slug)).await.body).unwrap();
    assert!(republish["featured"].is_null(), "{republish:#}");
    let snippet = republish["html"].as_str().unwrap();
    assert!(!snippet.contains(&featured.path) && !snippet.contains(&other.path), "{snippet}");
    let placeholder = format!("https://meridian.example/r/image/{}.svg", other.id);
    assert!(snippet.contains(&placeholder), "{snippet}");
    assert!(snippet.contains("Photo: Agency A; Photo: Agency B"), "{snippet}");
    let page = app.get(&format!("/article/{}/republish", a.slug)).await.html();
    assert!(texts(&page, "p.withheld")[0].contains("Photo: Agency B"));
    let box_ = app.get(&format!("/r/image/{}.svg", other.id)).await;
    assert_eq!(box_.status, StatusCode::OK);
    assert!(box_.body.contains("Photo: Agency B") && box_.body.contains("may not be republished"));
    let ninjs: serde_json::Value =
        serde_json::from_str(&app.get(&format!("/article/{}.ninjs.json", a.slug)).await.body).unwrap();
    assert_valid_ninjs(&ninjs_validator(), &ninjs);
    assert!(ninjs.get("associations").is_none(), "{ninjs:#}");
    assert_eq!(ninjs["profile"], "text-only");
    assert!(!ninjs["bodies"][0]["value"].as_str().unwrap().contains(&other.path));
    for feed in ["/feed.xml", "/atom.xml", "/feed.json"] {
        let body = app.get(feed).await.body;
        assert!(body.contains("The port from above"), "{feed}");
        assert!(feed_has_no_image_of(&body, &a.title, &featured.path), "{feed}: {body}");
        assert!(feed_has_no_image_of(&body, &a.title, &other.path), "{feed}: {body}");
    }
    app.finish().await;
}

/// Whether the feed's entry titled `title` carries no link to the image at `path`.
fn feed_has_no_image_of(feed: &str, title: &str, path: &str) -> bool {
    let parsed = feed_rs::parser::parse(feed.as_bytes()).unwrap();
    let entry = parsed.entries.iter().find(|e| e.title.as_ref().is_some_and(|t| t.content == title)).unwrap();
    let in_links = entry.links.iter().any(|l| l.href.contains(path));
    let in_media = entry
        .media
        .iter()
        .any(|m| m.content.iter().any(|c| c.url.as_ref().is_some_and(|u| u.as_str().contains(path))));
    let in_content = entry.content.as_ref().and_then(|c| c.body.as_deref()).is_some_and(|b| b.contains(path));
    !in_links && !in_media && !in_content
}

#[tokio::test]
async fn images_that_may_not_travel_stay_out_of_every_copy_on_sqlite() {
    images_that_may_not_travel_stay_out_of_every_copy(Backend::Sqlite).await;
}

#[tokio::test]
async fn images_that_may_not_travel_stay_out_of_every_copy_on_postgres() {
    images_that_may_not_travel_stay_out_of_every_copy(Backend::Postgres).await;
}

#[tokio::test]
async fn known_copies_are_checked_politely_and_each_fault_is_told_apart() {
    let app = TestApp::demo().await;
    let a = own_article(&app).await;
    // No edits allowed: a changed text is a fault.
    app.store().set_reuse_policy(a.id, Some(ReusePolicy::CcByNd)).await.unwrap();
    let a = app.store().article(a.id).await.unwrap();
    let republish: serde_json::Value = serde_json::from_str(
        &app.get(&format!("/article/{}/republish.json?site=copy.example", a.slug)).await.body,
    )
    .unwrap();
    let snippet = republish["html"].as_str().unwrap().to_owned();
    let canonical = republish["canonical_tag"].as_str().unwrap().to_owned();
    let ours = format!("https://meridian.example/article/{}", a.slug);
    assert!(snippet.contains(&format!("href=\"{ours}\"")), "{snippet}");
    let beacon = format!("https://meridian.example/r/{}.gif?site=copy.example", a.id);
    assert!(snippet.contains(&beacon), "{snippet}");
    let words: Vec<&str> =
        masthead_core::body::html_to_text(&a.body.html).split_whitespace().map(|_| "").collect();
    assert!(words.len() > 40, "a text long enough to edit");
    // The first paragraph of the text, rewritten.
    let first = scraper::Html::parse_fragment(&a.body.html);
    let plain = scraper::Selector::parse("p").unwrap();
    let paragraph: String = first
        .select(&plain)
        .filter(|p| p.children().count() == 1)
        .map(|p| p.text().collect::<String>())
        .max_by_key(String::len)
        .unwrap();
    let edited = snippet.replace(&quick_escape(&paragraph), "Our summary of what they wrote.");
    assert_ne!(edited, snippet, "the paragraph is rewritten");
    let page = |head: &str, body: &str| {
        format!(
            "<!doctype html><html><head><title>Copy</title>{head}</head><body><nav>Home · World</nav>{body}</body></html>"
        )
    };
    let pages: Vec<(&str, String)> = vec![
        ("compliant", page(&canonical, &snippet)),
        (
            "no-link",
            page(&canonical, &snippet.replace(&format!("href=\"{ours}\""), "href=\"https://copy.example/\"")),
        ),
        ("no-canonical", page("", &snippet)),
        ("edited", page(&canonical, &edited)),
        (
            "no-image",
            page(
                &canonical,
                &snippet.replace(&beacon.replace('&', "&amp;"), "https://copy.example/pixel.gif"),
            ),
        ),
        ("private/blocked", page(&canonical, &snippet)),
    ];
    let served: std::collections::HashMap<String, String> =
        pages.iter().map(|(p, html)| (format!("/{p}"), html.clone())).collect();
    let hits = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = hits.clone();
    let copy_site = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let served = served.clone();
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(uri.path().to_owned());
            if uri.path() == "/robots.txt" {
                return (StatusCode::OK, "User-agent: *\nDisallow: /private/\n".to_owned()).into_response();
            }
            match served.get(uri.path()) {
                Some(html) => ([("content-type", "text/html; charset=utf-8")], html.clone()).into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, copy_site).await.unwrap() });
    for (path, _) in &pages {
        app.store().know_copy(a.id, &format!("{base}/{path}"), "copy.example").await.unwrap();
    }
    app.store().know_copy(a.id, &format!("{base}/gone"), "copy.example").await.unwrap();

    // One page of a host per turn.
    let mut turns = 0;
    loop {
        let checked =
            masthead_newsroom::copies::check_due(app.state.newsroom(), jiff::Timestamp::now()).await.unwrap();
        if checked.is_empty() {
            break;
        }
        assert_eq!(checked.len(), 1, "one page of a host in a turn");
        turns += 1;
        assert!(turns <= 7);
    }
    assert_eq!(turns, 7);
    let verdicts: std::collections::HashMap<String, (String, String)> = app
        .store()
        .copies_of(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.url.trim_start_matches(&base).to_owned(), (c.verdict, c.detail)))
        .collect();
    let verdict = |p: &str| verdicts[p].0.as_str();
    assert_eq!(verdict("/compliant"), "compliant", "{verdicts:#?}");
    assert_eq!(verdict("/no-link"), "attribution-missing", "{verdicts:#?}");
    assert_eq!(verdict("/no-canonical"), "canonical-missing", "{verdicts:#?}");
    assert_eq!(verdict("/edited"), "text-changed", "{verdicts:#?}");
    // The changed words are shown: the rewritten paragraph's, as the original had them.
    let rewritten: Vec<String> = paragraph
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|w| !w.is_empty())
        .take(4)
        .collect();
    assert!(verdicts["/edited"].1.contains(&rewritten.join(" ")), "{rewritten:?} in {verdicts:#?}");
    assert_eq!(verdict("/no-image"), "tracking-removed", "{verdicts:#?}");
    assert_eq!(verdict("/gone"), "gone", "{verdicts:#?}");
    assert_eq!(verdict("/private/blocked"), "unchecked", "robots.txt is obeyed");
    assert!(!hits.lock().unwrap().iter().any(|p| p.starts_with("/private/")), "never fetched");

    // The newsroom sees them on the article and through the API.
    let editor = app.api_token(Role::Editor, None).await;
    let (status, body) =
        api_call(&app, &editor, "GET", &format!("/api/admin/articles/{}/copies", a.id), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["copies"].as_array().unwrap().len(), 7);
    // Checked a moment ago: nothing is due again today.
    assert!(
        masthead_newsroom::copies::check_due(app.state.newsroom(), jiff::Timestamp::now())
            .await
            .unwrap()
            .is_empty()
    );
    app.finish().await;
}

/// `text` as the sanitiser writes it in HTML.
fn quick_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
