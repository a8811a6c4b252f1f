//! `GET /api/admin/articles` per role: contributors and authors see their own articles and the
//! published ones, editors and above everything.

use axum::http::StatusCode;
use masthead_core::Role;
use serde_json::json;

use crate::harness::TestApp;
use crate::harness::api_call as call;

/// The slugs `token` is shown, with `query`.
async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let (status, body) = call(app, token, "GET", &format!("/api/admin/articles{query}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["articles"].as_array().unwrap().iter().map(|a| a["slug"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn each_role_lists_only_the_drafts_it_may_read() {
    let app = TestApp::demo().await;
    let own: Vec<i64> = app
        .store()
        .authors()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.outlet_id.is_none())
        .map(|a| a.id)
        .collect();
    let (mine, theirs) = (own[0], own[1]);
    let contributor = app.api_token(Role::Contributor, Some(mine)).await;
    let author = app.api_token(Role::Author, Some(theirs)).await;
    let editor = app.api_token(Role::Editor, None).await;
    let bylineless = app.api_token(Role::Contributor, None).await;
    for (token, author_id, slug) in
        [(&contributor, mine, "contributors-secret-draft"), (&author, theirs, "authors-secret-draft")]
    {
        let draft = json!({ "title": slug, "slug": slug, "body": "Text.", "author_ids": [author_id] });
        let (status, body) = call(&app, token, "POST", "/api/admin/articles", Some(draft)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let published = app.published().await[0].slug.to_string();

    let seen = listed(&app, &contributor, "").await;
    assert!(seen.contains(&"contributors-secret-draft".to_owned()), "{seen:?}");
    assert!(
        !seen.contains(&"authors-secret-draft".to_owned()),
        "a contributor sees others' drafts: {seen:?}"
    );
    assert!(seen.contains(&published), "published articles are listed");
    let drafts = listed(&app, &contributor, "?status=draft").await;
    assert!(drafts.contains(&"contributors-secret-draft".to_owned()), "{drafts:?}");
    assert!(!drafts.contains(&"authors-secret-draft".to_owned()), "{drafts:?}");
    assert!(!drafts.contains(&published), "{drafts:?}");

    let seen = listed(&app, &author, "").await;
    assert!(seen.contains(&"authors-secret-draft".to_owned()) && seen.contains(&published), "{seen:?}");
    assert!(
        !seen.contains(&"contributors-secret-draft".to_owned()),
        "an author sees others' drafts: {seen:?}"
    );

    let seen = listed(&app, &bylineless, "?status=draft").await;
    assert!(seen.is_empty(), "someone without a byline has no drafts: {seen:?}");

    let seen = listed(&app, &editor, "?status=draft").await;
    assert!(
        seen.contains(&"contributors-secret-draft".to_owned())
            && seen.contains(&"authors-secret-draft".to_owned()),
        "{seen:?}"
    );
    app.finish().await;
}
