//! Feeds, ninjs, JSON-LD, sitemaps: parsed back with real parsers and checked field by field.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use masthead_core::{Article, Provenance, ReusePolicy, TermKind};
use tower::ServiceExt;

use crate::harness::{TestApp, attrs, texts};

/// Every published article of the demo, whole, newest first.
async fn demo_articles(app: &TestApp) -> Vec<Article> {
    let ids: Vec<i64> = app.published().await.iter().map(|s| s.id).collect();
    app.store().articles(&ids).await.unwrap()
}

fn republished_once(articles: &[Article]) -> &Article {
    articles
        .iter()
        .find(|a| matches!(&a.provenance, Provenance::Republished { chain } if chain.len() == 1))
        .expect("a republished demo article")
}

fn parse_feed(body: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("the feed parses: {e}\n{body}"))
}

#[tokio::test]
async fn site_feeds_parse_back_with_every_field() {
    let app = TestApp::demo().await;
    let articles = demo_articles(&app).await;
    let newest = &articles[0];
    let original = republished_once(&articles);
    let origin = original.provenance.original().unwrap();

    for (path, mime) in [
        ("/feed.xml", "application/rss+xml"),
        ("/atom.xml", "application/atom+xml"),
        ("/feed.json", "application/feed+json"),
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(reply.header("content-type").starts_with(mime), "{path}: {}", reply.header("content-type"));
        let feed = parse_feed(&reply.body);
        assert_eq!(feed.title.as_ref().unwrap().content, "The Meridian", "{path}");
        assert_eq!(feed.entries.len(), articles.len().min(20), "{path}");
        let first = &feed.entries[0];
        assert_eq!(first.title.as_ref().unwrap().content, newest.title, "{path}");
        let url = format!("https://meridian.example/article/{}", newest.slug);
        assert!(first.links.iter().any(|l| l.href == url), "{path}: {:?}", first.links);
        assert_eq!(
            first.published.map(|d| d.timestamp()),
            newest.published_at.map(|t| t.as_second()),
            "{path}"
        );
        let names: Vec<&str> = first.authors.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, newest.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), "{path}");
        let categories: Vec<&str> =
            first.categories.iter().map(|c| c.label.as_deref().unwrap_or(&c.term)).collect();
        for t in &newest.terms {
            assert!(
                categories.contains(&t.name.as_str()) || categories.contains(&t.slug.as_str()),
                "{path}: {t:?} in {categories:?}"
            );
        }
        let body = first.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default();
        let first_words: String =
            masthead_core::body::html_to_text(&newest.body.html).chars().take(40).collect();
        assert!(masthead_core::body::html_to_text(&body).starts_with(&first_words), "{path}: full content");
        assert!(!body.contains("href=\"/"), "{path}: links are absolute");
        // The featured image travels as an enclosure or attachment.
        let image =
            format!("https://meridian.example/media/{}", newest.featured.as_ref().unwrap().media.path);
        assert!(reply.body.contains(&image), "{path}: the featured image");
        // The licence.
        let license = newest.effective_policy(&app.store().site().await.unwrap());
        let license_url = license
            .license_url()
            .map(str::to_owned)
            .unwrap_or(format!("https://meridian.example{}", license.terms_path()));
        assert!(reply.body.contains(&license_url), "{path}: the licence {license_url}");
        // The origin of a republished article.
        assert!(reply.body.contains(origin.url.as_str()), "{path}: the original's URL");
    }

    // The original's page is a `via` link; `<source>` names a feed, and none is known yet.
    let rss = app.get("/feed.xml").await.body;
    assert!(rss.contains(&format!("href=\"{}\" rel=\"via\"", origin.url)), "{rss}");
    assert!(!rss.contains("<source"), "{rss}");
    assert!(rss.contains("rel=\"license\""));
    assert!(rss.contains("rel=\"self\""));
    let atom = app.get("/atom.xml").await.body;
    assert!(atom.contains(&format!("href=\"{}\"", origin.url)) && atom.contains("rel=\"via\""), "{atom}");
    assert!(!atom.contains("<source>"), "{atom}");
    // Once the outlet is a source, its feed is the channel the item came from.
    let feed_url = "https://partner.example/feed.xml";
    app.store()
        .create_source(&masthead_core::NewSource {
            outlet_id: origin.outlet.id,
            feed_url: feed_url.parse().unwrap(),
            format: masthead_core::FeedFormat::Auto,
            terms: masthead_core::SourceTerms::Policy(ReusePolicy::CcBy),
            term_ids: vec![],
            auto_publish: false,
            interval_minutes: 30,
        })
        .await
        .unwrap();
    // (A save of the article renews the feeds' cached copies.)
    app.store().set_reuse_policy(original.id, original.reuse_policy).await.unwrap();
    let rss = app.get("/feed.xml").await.body;
    assert!(rss.contains(&format!("<source url=\"{feed_url}\">{}</source>", origin.outlet.name)), "{rss}");
    let atom = app.get("/atom.xml").await.body;
    assert!(atom.contains("<source>") && atom.contains(&format!("<id>{feed_url}</id>")), "{atom}");
    let json: serde_json::Value = serde_json::from_str(&app.get("/feed.json").await.body).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    let item =
        json["items"].as_array().unwrap().iter().find(|i| i["title"] == original.title.as_str()).unwrap();
    assert_eq!(item["external_url"], origin.url.as_str());
    app.finish().await;
}

#[tokio::test]
async fn every_archive_has_its_feeds() {
    let app = TestApp::demo().await;
    let articles = demo_articles(&app).await;
    let author = &articles[0].authors[0];
    let theirs = articles.iter().filter(|a| a.authors.iter().any(|p| p.id == author.id)).count();
    let feed = parse_feed(&app.get(&format!("/author/{}/feed.xml", author.slug)).await.body);
    assert_eq!(feed.entries.len(), theirs);
    assert!(feed.title.unwrap().content.contains(&author.name));

    let europe = app.get("/region/europe/atom.xml").await;
    assert_eq!(europe.status, StatusCode::OK);
    let feed = parse_feed(&europe.body);
    assert!(!feed.entries.is_empty());
    let html = app.get("/region/europe").await.html();
    let listed = attrs(&html, ".summary h2 a", "href").len();
    assert_eq!(feed.entries.len(), listed.min(20), "the feed follows the archive, children included");

    for kind in [TermKind::Theme, TermKind::Tag] {
        let term = &app.store().terms(kind).await.unwrap()[0];
        let reply = app.get(&format!("/{}/{}/feed.json", kind.key(), term.slug)).await;
        assert_eq!(reply.status, StatusCode::OK);
        parse_feed(&reply.body);
    }
    assert_eq!(app.get("/region/atlantis/feed.xml").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/author/Bad%20Slug/feed.json").await.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

#[tokio::test]
async fn feeds_and_pages_answer_conditional_requests() {
    let app = TestApp::demo().await;
    let slug = app.published().await[0].slug.clone();
    for path in [
        "/feed.xml".to_owned(),
        "/atom.xml".to_owned(),
        "/feed.json".to_owned(),
        format!("/article/{slug}"),
        "/sitemap.xml".to_owned(),
    ] {
        let first = app.get(&path).await;
        let etag = first.header("etag").to_owned();
        assert!(etag.starts_with('"') && etag.len() > 10, "{path}: {etag:?}");
        let request =
            Request::builder().uri(&path).header("if-none-match", &etag).body(Body::empty()).unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert!(response.into_body().collect().await.unwrap().to_bytes().is_empty());
        if path.ends_with(".xml") || path.ends_with(".json") {
            let last_modified = first.header("last-modified").to_owned();
            assert!(last_modified.ends_with(" GMT"), "{path}: {last_modified:?}");
            let request = Request::builder()
                .uri(&path)
                .header("if-modified-since", &last_modified)
                .body(Body::empty())
                .unwrap();
            let response = app.router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{path}");
        }
        let request =
            Request::builder().uri(&path).header("if-none-match", "\"stale\"").body(Body::empty()).unwrap();
        assert_eq!(app.router.clone().oneshot(request).await.unwrap().status(), StatusCode::OK, "{path}");
    }
    app.finish().await;
}

#[tokio::test]
async fn every_page_names_its_feeds() {
    let app = TestApp::demo().await;
    let slug = app.published().await[0].slug.clone();
    for path in ["/".to_owned(), format!("/article/{slug}"), "/author/ana-petrovic".to_owned()] {
        let html = app.get(&path).await.html();
        let feeds = attrs(&html, "link[rel=alternate][type='application/rss+xml']", "href");
        assert!(feeds.contains(&"/feed.xml".to_owned()), "{path}: {feeds:?}");
        assert!(!attrs(&html, "link[rel=alternate][type='application/atom+xml']", "href").is_empty());
        assert!(!attrs(&html, "link[rel=alternate][type='application/feed+json']", "href").is_empty());
    }
    let html = app.get("/region/balkans").await.html();
    let feeds = attrs(&html, "link[rel=alternate][type='application/rss+xml']", "href");
    assert!(feeds.contains(&"/region/balkans/feed.xml".to_owned()), "{feeds:?}");
    app.finish().await;
}

#[tokio::test]
async fn ninjs_of_every_demo_article_is_valid_ninjs_2_2() {
    let app = TestApp::demo().await;
    let schema_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ninjs-schema_2.2.json"))
            .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    // The schema refers to the GeoJSON schema for `places[].geojson`, which cannot be fetched
    // here; Masthead never writes `geojson`, so an open stand-in changes nothing it is judged on.
    let geojson = jsonschema::Resource::from_contents(serde_json::json!({})).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .with_resource("https://geojson.org/schema/GeoJSON.json", geojson)
        .build(&schema)
        .unwrap();
    assert!(!validator.is_valid(&serde_json::json!({ "headlines": "not a list" })), "the schema is enforced");
    let site = app.store().site().await.unwrap();
    for a in demo_articles(&app).await {
        let reply = app.get(&format!("/article/{}.ninjs.json", a.slug)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", a.slug);
        assert!(reply.header("content-type").starts_with("application/json"));
        let doc: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", a.slug);
        assert_eq!(doc["uri"], format!("https://meridian.example/article/{}", a.slug));
        assert_eq!(doc["headlines"][0]["value"], a.title.as_str());
        // The demo's articles were saved after their publication dates, as imports are.
        let first: jiff::Timestamp = doc["firstcreated"].as_str().unwrap().parse().unwrap();
        assert!(first <= a.published_at.unwrap(), "{}: first created {first}, after its publication", a.slug);
        if !a.provenance.is_republished() {
            assert_eq!(first, a.published_at.unwrap(), "{}: its first version is its publication", a.slug);
        }
        assert_eq!(doc["copyrightnotice"], a.copyright_line(&site));
        assert_eq!(doc["usageterms"], a.effective_policy(&site).text());
        assert!(doc["rightsinfo"]["linkedrights"].as_str().unwrap().starts_with("https://"));
        if let Some(origin) = a.provenance.original() {
            assert_eq!(doc["infosources"][0]["name"], origin.outlet.name.as_str());
            assert_eq!(doc["infosources"][0]["uri"], origin.url.as_str());
            let altids = doc["altids"].as_array().unwrap();
            assert!(altids.iter().any(|x| x["role"] == "original-url" && x["value"] == origin.url.as_str()));
        }
    }
    // The partners' listing pages through everything, each document valid too.
    let mut seen = 0;
    let mut uri = "/ninjs/items?since=2000-01-01T00:00:00Z".to_owned();
    loop {
        let reply = app.get(&uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        let listing: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        for item in listing["items"].as_array().unwrap() {
            assert!(validator.is_valid(item));
            seen += 1;
        }
        match listing["next"].as_str() {
            Some(next) => uri = next.trim_start_matches("https://meridian.example").to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, app.published().await.len());
    let future = app.get("/ninjs/items?since=2100-01-01T00:00:00Z").await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&future.body).unwrap()["items"],
        serde_json::json!([])
    );
    assert_eq!(app.get("/ninjs/items?since=last-week").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/ninjs/items?after=nope").await.status, StatusCode::BAD_REQUEST);
    app.finish().await;
}

#[tokio::test]
async fn article_pages_carry_json_ld_and_social_cards() {
    let app = TestApp::demo().await;
    let articles = demo_articles(&app).await;
    let site = app.store().site().await.unwrap();
    let a = republished_once(&articles);
    let origin = a.provenance.original().unwrap();
    let html = app.get(&format!("/article/{}", a.slug)).await.html();
    let scripts = texts(&html, "script[type='application/ld+json']");
    assert_eq!(scripts.len(), 1);
    let ld: serde_json::Value = serde_json::from_str(&scripts[0]).unwrap();
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], a.title.as_str());
    assert_eq!(ld["author"][0]["name"], a.authors[0].name.as_str());
    assert_eq!(ld["author"][0]["url"], format!("https://meridian.example/author/{}", a.authors[0].slug));
    let published = ld["datePublished"].as_str().unwrap();
    assert!(
        published.parse::<jiff::Timestamp>().is_ok()
            && (published.ends_with("+01:00") || published.ends_with("+02:00")),
        "{published}"
    );
    assert_eq!(ld["publisher"]["name"], "The Meridian");
    assert_eq!(ld["copyrightHolder"]["name"], origin.outlet.name.as_str());
    assert!(
        ld["license"].as_str().unwrap().starts_with("https://meridian.example/reuse/")
            || ld["license"].as_str().unwrap().starts_with("https://creativecommons.org/")
    );
    assert_eq!(ld["isBasedOn"]["url"], origin.url.as_str());
    assert!(ld["image"]["url"].as_str().unwrap().starts_with("https://meridian.example/media/"));

    let og = |p: &str| attrs(&html, &format!("meta[property='{p}']"), "content");
    assert_eq!(og("og:type"), ["article"]);
    assert_eq!(og("og:title"), [a.title.as_str()]);
    assert_eq!(og("og:url"), [format!("https://meridian.example/article/{}", a.slug)]);
    assert_eq!(og("og:image").len(), 1);
    assert_eq!(og("og:locale"), ["en_US"], "Open Graph's form of the site's language");
    let featured = a.featured.as_ref().unwrap();
    let (width, height) = (featured.media.width.unwrap(), featured.media.height.unwrap());
    assert_eq!(
        (og("og:image:width"), og("og:image:height")),
        (vec![width.to_string()], vec![height.to_string()])
    );
    assert_eq!(attrs(&html, "meta[name='twitter:image:alt']", "content"), [featured.alt.as_str()]);
    assert_eq!(attrs(&html, "meta[name='twitter:card']", "content"), ["summary_large_image"]);
    assert_eq!(attrs(&html, "link[rel=license]", "href").len(), 1);
    assert!(
        attrs(&html, "meta[name=robots]", "content").is_empty(),
        "indexed unless the site says otherwise"
    );
    let _ = site;
    app.finish().await;
}

#[tokio::test]
async fn republished_copies_can_be_kept_out_of_search_engines_per_policy() {
    let app = TestApp::demo().await;
    let articles = demo_articles(&app).await;
    let site = app.store().site().await.unwrap();
    let republished = republished_once(&articles);
    let policy = republished.effective_policy(&site);
    let own = articles
        .iter()
        .find(|a| !a.provenance.is_republished() && a.effective_policy(&site) == policy)
        .unwrap();
    app.store()
        .save_site(&masthead_core::Site { noindex_republished: vec![policy], ..site.clone() })
        .await
        .unwrap();
    let html = app.get(&format!("/article/{}", republished.slug)).await.html();
    assert_eq!(attrs(&html, "meta[name=robots]", "content"), ["noindex"]);
    let html = app.get(&format!("/article/{}", own.slug)).await.html();
    assert!(attrs(&html, "meta[name=robots]", "content").is_empty(), "our own work stays indexed");
    let other = if policy == ReusePolicy::CcBy { ReusePolicy::CcByNd } else { ReusePolicy::CcBy };
    app.store().save_site(&masthead_core::Site { noindex_republished: vec![other], ..site }).await.unwrap();
    let html = app.get(&format!("/article/{}", republished.slug)).await.html();
    assert!(attrs(&html, "meta[name=robots]", "content").is_empty(), "only the policies switched on");
    app.finish().await;
}

#[tokio::test]
async fn sitemaps_and_robots_name_every_public_address() {
    let app = TestApp::demo().await;
    let ids: Vec<i64> = app.published().await.iter().map(|s| s.id).collect();
    // Those republished from other outlets name the original's page as canonical instead.
    let own: Vec<_> = app
        .store()
        .articles(&ids)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| !a.provenance.is_republished())
        .collect();
    // An index, then sitemaps of bounded size: the site's other pages, and articles by spans
    // of ids (the demo's all fall in the first).
    let reply = app.get("/sitemap.xml").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").starts_with("application/xml"));
    assert_eq!(
        texts_of(&reply.body, "loc"),
        ["https://meridian.example/sitemap/pages.xml", "https://meridian.example/sitemap/articles-0.xml"]
    );
    let all = crate::harness::all_sitemaps(&app).await;
    for a in &own {
        assert!(
            all.contains(&format!("<loc>https://meridian.example/article/{}</loc>", a.slug)),
            "{}",
            a.slug
        );
    }
    assert!(all.contains("<loc>https://meridian.example/region/europe</loc>"));
    assert!(all.contains("<loc>https://meridian.example/author/ana-petrovic</loc>"));
    for missing in
        ["/sitemap/articles-1.xml", "/sitemap/articles--1.xml", "/sitemap/1.xml", "/sitemap/zero.xml"]
    {
        assert_eq!(app.get(missing).await.status, StatusCode::NOT_FOUND, "{missing}");
    }

    let news = app.get("/news-sitemap.xml").await.body;
    let recent: Vec<_> = own
        .iter()
        .filter(|a| {
            a.published_at.is_some_and(|t| t >= jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48))
        })
        .collect();
    assert!(!recent.is_empty(), "the demo has fresh articles");
    assert_eq!(news.matches("<news:news>").count(), recent.len());
    assert!(news.contains("<news:name>The Meridian</news:name>"));

    let robots = app.get("/robots.txt").await;
    assert!(robots.body.contains("Sitemap: https://meridian.example/sitemap.xml"));
    assert!(robots.body.contains("Sitemap: https://meridian.example/news-sitemap.xml"));
    app.finish().await;
}

#[tokio::test]
async fn the_home_page_archives_and_authors_describe_themselves_to_machines() {
    let app = TestApp::demo().await;
    let ld_of = |html: &scraper::Html| -> serde_json::Value {
        let scripts = texts(html, "script[type='application/ld+json']");
        assert_eq!(scripts.len(), 1, "one JSON-LD block");
        serde_json::from_str(&scripts[0]).unwrap()
    };
    let home = app.get("/").await.html();
    let ld = ld_of(&home);
    let graph = ld["@graph"].as_array().unwrap();
    let site = graph.iter().find(|n| n["@type"] == "WebSite").expect("a WebSite");
    let outlet = graph.iter().find(|n| n["@type"] == "NewsMediaOrganization").expect("the outlet");
    assert_eq!(site["url"], "https://meridian.example/");
    assert_eq!(site["publisher"]["@id"], outlet["@id"]);
    assert_eq!(
        site["potentialAction"]["target"]["urlTemplate"],
        "https://meridian.example/search?q={search_term_string}"
    );
    let og = |html: &scraper::Html, p: &str| attrs(html, &format!("meta[property='{p}']"), "content");
    assert_eq!(og(&home, "og:type"), ["website"]);
    assert_eq!(og(&home, "og:url"), ["https://meridian.example/"]);
    assert_eq!(og(&home, "og:locale"), ["en_US"]);

    // An article names the same outlet as its publisher.
    let slug = &app.published().await[0].slug;
    let article = app.get(&format!("/article/{slug}")).await.html();
    assert_eq!(ld_of(&article)["publisher"]["@id"], outlet["@id"]);

    let region = app.get("/region/europe").await.html();
    let ld = ld_of(&region);
    assert_eq!(ld["@type"], "CollectionPage");
    assert_eq!(ld["url"], "https://meridian.example/region/europe");
    assert_eq!(ld["isPartOf"]["@id"], site["@id"]);
    assert_eq!(og(&region, "og:url"), ["https://meridian.example/region/europe"]);

    let author = app.get("/author/ana-petrovic").await.html();
    let ld = ld_of(&author);
    assert_eq!(ld["@type"], "ProfilePage");
    assert_eq!(ld["mainEntity"]["@type"], "Person");
    assert_eq!(ld["mainEntity"]["name"], "Ana Petrović");
    assert_eq!(og(&author, "og:type"), ["profile"]);
    app.finish().await;
}

/// The text of every `<{name}>` element in `xml`, in order.
fn texts_of(xml: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    xml.split(&open).skip(1).filter_map(|p| p.split(&close).next()).map(str::to_owned).collect()
}
