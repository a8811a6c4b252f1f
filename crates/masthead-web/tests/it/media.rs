//! Image uploads through the Admin API, and the resized copies on the public page.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use masthead_core::Role;
use serde_json::{Value, json};

use crate::harness::{TestApp, attrs, multipart, photo};

async fn upload(app: &TestApp, token: &str, file: &[u8], fields: &[(&str, &str)]) -> (StatusCode, Value) {
    let auth = format!("Bearer {token}");
    let reply = app.send(multipart("/api/admin/media", ("authorization", &auth), file, fields)).await;
    (reply.status, serde_json::from_str(&reply.body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn uploaded_photos_get_resized_copies_that_pages_offer_in_srcset() {
    let app = TestApp::demo().await;
    let author_id = app.store().authors().await.unwrap()[0].id;
    let editor = app.api_token(Role::Editor, Some(author_id)).await;
    // Named .png, but a JPEG: the content decides.
    let (status, media) = upload(
        &app,
        &editor,
        &photo(2000, 1200),
        &[("alt", "Cranes at the dry port"), ("credit", "Photo: Ana")],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{media}");
    assert_eq!(media["mime_type"], "image/jpeg");
    assert_eq!((media["width"].as_i64(), media["height"].as_i64()), (Some(2000), Some(1200)));
    assert_eq!(media["variant_widths"], json!([480, 960, 1600]));
    let path = media["path"].as_str().unwrap();
    assert!(path.starts_with("uploads/") && path.ends_with(".jpg"), "{path}");
    for file in [path.to_owned(), masthead_core::media::variant_path(path, 480)] {
        assert!(app.state.media_dir().join(&file).is_file(), "{file} is on disk");
        assert_eq!(app.get(&format!("/media/{file}")).await.status, StatusCode::OK);
    }

    // An article with this image offers the copies.
    let body = json!({ "title": "Dry ports", "body": "Text.", "author_ids": [author_id], "featured_media_id": media["id"] });
    let request = Request::builder()
        .method("POST")
        .uri("/api/admin/articles")
        .header("authorization", format!("Bearer {editor}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let created: Value = serde_json::from_str(&app.send(request).await.body).unwrap();
    let id = created["id"].as_i64().unwrap();
    app.store().set_status(id, masthead_core::ArticleStatus::Published, None, None).await.unwrap();
    let html = app.get("/article/dry-ports").await.html();
    let srcset = attrs(&html, "figure.featured img", "srcset").pop().expect("a srcset");
    assert!(
        srcset.contains("-w480.jpg 480w")
            && srcset.contains("-w1600.jpg 1600w")
            && srcset.contains(".jpg 2000w"),
        "{srcset}"
    );
    assert_eq!(attrs(&html, "figure.featured img", "alt"), ["Cranes at the dry port"]);
    app.finish().await;
}

#[tokio::test]
async fn bad_uploads_get_clear_errors_and_leave_nothing() {
    let app = TestApp::demo().await;
    let author_id = app.store().authors().await.unwrap()[0].id;
    let editor = app.api_token(Role::Editor, Some(author_id)).await;
    let contributor = app.api_token(Role::Contributor, Some(author_id)).await;
    let jpeg = photo(300, 200);

    let (status, _) = upload(&app, &contributor, &jpeg, &[("alt", "x")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, err) = upload(&app, &editor, &jpeg, &[]).await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("alt")));
    let (status, err) = upload(&app, &editor, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", &[("alt", "x")]).await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("file")));
    assert!(err["error"].as_str().unwrap().contains("only JPEG, PNG and WebP"), "{err}");
    let (status, err) = upload(&app, &editor, &jpeg[..jpeg.len() / 2], &[("alt", "x")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["error"].as_str().unwrap().contains("incomplete"), "{err}");
    let too_big = vec![0u8; 21 * 1024 * 1024];
    let (status, err) = upload(&app, &editor, &too_big, &[("alt", "x")]).await;
    assert!(
        status == StatusCode::UNPROCESSABLE_ENTITY
            || status == StatusCode::PAYLOAD_TOO_LARGE
            || status == StatusCode::BAD_REQUEST,
        "{status} {err}"
    );
    assert!(!app.state.media_dir().join("uploads").exists(), "no file was written");
    app.finish().await;
}
