//! Linked translations: an article and its translations name each other on their pages
//! (`hreflang`, a language switcher, JSON-LD), carry their language in ninjs and feeds, have a
//! feed per language, and a translation keeps its original's provenance and terms.

use axum::http::StatusCode;
use masthead_core::{Article, Role};
use serde_json::json;

use crate::harness::{Backend, TestApp, api_call, attrs, texts};

async fn linked_translations(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let ids: Vec<i64> = app.published().await.iter().map(|s| s.id).collect();
    let original: Article = app
        .store()
        .articles(&ids)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.provenance.is_republished())
        .expect("a republished demo article");
    let site = app.store().site().await.unwrap();
    let editor = app.api_token(Role::Editor, None).await;
    let request = |language: &str, of: i64| {
        json!({
            "title": "Stočari i ratari Sahela prilagođavaju se kišama",
            "body": "Pitajte ratara u centralnom Sahelu šta se promenilo.",
            "author_ids": [original.authors[0].id],
            "language": language,
            "translation_of": of,
        })
    };
    let (status, body) =
        api_call(&app, &editor, "POST", "/api/admin/articles", Some(request("serbian", original.id))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "language", "{body}");
    let (status, body) =
        api_call(&app, &editor, "POST", "/api/admin/articles", Some(request("sr", 999_999))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) =
        api_call(&app, &editor, "POST", "/api/admin/articles", Some(request("sr", original.id))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let (status, _) =
        api_call(&app, &editor, "POST", &format!("/api/admin/articles/{id}/publish"), None).await;
    assert_eq!(status, StatusCode::OK);
    let translation = app.store().article(id).await.unwrap();
    assert_eq!(translation.language, "sr");
    assert_eq!(translation.translation_of, Some(original.id));
    // It keeps its original's provenance and terms.
    assert_eq!(translation.provenance, original.provenance);
    assert_eq!(translation.effective_policy(&site), original.effective_policy(&site));
    assert_eq!(translation.canonical_url(&site), original.canonical_url(&site));

    let ours = |slug: &masthead_core::Slug| format!("https://meridian.example/article/{slug}");
    let page = app.get(&format!("/article/{}", original.slug)).await.html();
    let mut alternates = attrs(&page, "link[rel=alternate][hreflang]", "hreflang");
    alternates.sort();
    assert_eq!(alternates, ["en", "sr"]);
    assert_eq!(attrs(&page, "nav.translations a", "href"), [ours(&translation.slug)]);
    assert_eq!(attrs(&page, "nav.translations a", "lang"), ["sr"]);
    let ld = |html: &scraper::Html| -> serde_json::Value {
        serde_json::from_str(&texts(html, "script[type='application/ld+json']")[0]).unwrap()
    };
    assert_eq!(ld(&page)["workTranslation"][0]["@id"], ours(&translation.slug));
    let page = app.get(&format!("/article/{}", translation.slug)).await.html();
    assert_eq!(attrs(&page, "article.article", "lang"), ["sr"]);
    assert_eq!(attrs(&page, "link[rel=alternate][hreflang=en]", "href"), [ours(&original.slug)]);
    assert_eq!(ld(&page)["translationOfWork"]["@id"], ours(&original.slug));
    assert_eq!(ld(&page)["inLanguage"], "sr");
    assert_eq!(attrs(&page, "meta[property='og:locale']", "content"), ["sr_RS"]);
    let ninjs: serde_json::Value =
        serde_json::from_str(&app.get(&format!("/article/{}.ninjs.json", translation.slug)).await.body)
            .unwrap();
    assert_eq!(ninjs["language"], "sr");

    // A feed per language: the site's language takes the articles without one of their own.
    let serbian = app.get("/language/sr/feed.xml").await;
    assert_eq!(serbian.status, StatusCode::OK);
    let feed = feed_rs::parser::parse(serbian.body.as_bytes()).unwrap();
    let titles: Vec<String> = feed.entries.iter().map(|e| e.title.clone().unwrap().content).collect();
    assert_eq!(titles, std::slice::from_ref(&translation.title));
    assert_eq!(feed.language.as_deref(), Some("sr"));
    let english = app.get("/language/en/atom.xml").await.body;
    let feed = feed_rs::parser::parse(english.as_bytes()).unwrap();
    let titles: Vec<String> = feed.entries.iter().map(|e| e.title.clone().unwrap().content).collect();
    assert!(titles.contains(&original.title) && !titles.contains(&translation.title), "{titles:?}");
    assert_eq!(app.get("/language/Not_a_tag/feed.xml").await.status, StatusCode::NOT_FOUND);

    // A translation of a translation names the original of the group.
    let mut german = request("de", id);
    german["slug"] = json!("sahel-hirten-und-bauern");
    let (status, body) = api_call(&app, &editor, "POST", "/api/admin/articles", Some(german)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["translation_of"], original.id);
    app.finish().await;
}

#[tokio::test]
async fn linked_translations_on_sqlite() {
    linked_translations(Backend::Sqlite).await;
}

#[tokio::test]
async fn linked_translations_on_postgres() {
    linked_translations(Backend::Postgres).await;
}
