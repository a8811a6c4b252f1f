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
        assert!(app.state.media_dir().unwrap().join(&file).is_file(), "{file} is on disk");
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
    assert!(!app.state.media_dir().unwrap().join("uploads").exists(), "no file was written");
    app.finish().await;
}

#[tokio::test]
async fn only_media_judged_by_content_is_served_and_never_through_a_link() {
    let app = TestApp::demo().await;
    let dir = app.state.media_dir().unwrap().join("uploads/2019/05");
    std::fs::create_dir_all(&dir).unwrap();
    // What an imported uploads folder may hold: a page that loads a script of our origin, the
    // script, a JPEG named like a page, and links out of the folder.
    std::fs::write(dir.join("page.html"), "<script src=\"/media/uploads/2019/05/steal.js\"></script>")
        .unwrap();
    std::fs::write(dir.join("steal.js"), "fetch('/admin/staff')").unwrap();
    std::fs::write(dir.join("photo.html"), photo(40, 30)).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd.jpg")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.jpg"), photo(40, 30)).unwrap();
    std::os::unix::fs::symlink(outside.path(), app.state.media_dir().unwrap().join("linked")).unwrap();

    for refused in [
        "/media/uploads/2019/05/page.html",
        "/media/uploads/2019/05/steal.js",
        "/media/uploads/2019/05/passwd.jpg",
        "/media/linked/secret.jpg",
        "/media/uploads/2019/05/../../../../../etc/passwd",
        "/media/uploads/2019/05/%2e%2e/%2e%2e/linked/secret.jpg",
        "/media/uploads/2019/05/",
    ] {
        assert_eq!(app.get(refused).await.status, StatusCode::NOT_FOUND, "{refused}");
    }
    let served = app.get("/media/uploads/2019/05/photo.html").await;
    assert_eq!(served.status, StatusCode::OK);
    let header =
        |name: &str| served.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(header("content-type"), "image/jpeg", "the content decides the type");
    assert!(
        header("content-security-policy").starts_with("sandbox"),
        "{}",
        header("content-security-policy")
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    // The demo's own illustrations (SVG) are still served, sandboxed.
    let page = app.get("/").await.body;
    let svg =
        page.split("src=\"/media/").nth(1).map(|rest| format!("/media/{}", rest.split('"').next().unwrap()));
    if let Some(svg) = svg.filter(|s| s.ends_with(".svg")) {
        let reply = app.get(&svg).await;
        assert_eq!(reply.status, StatusCode::OK, "{svg}");
        assert_eq!(reply.headers["content-type"], "image/svg+xml");
    }
    app.finish().await;
}
