//! A `TestApp`: the demo outlet in a fresh database, and requests through the router.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use masthead_core::ArticleSummary;
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::outbound::Outbound;
use masthead_store::testing::TestDb;
use masthead_store::{Page, Store};
use masthead_web::{AppState, Theme, router};
use scraper::{Html, Selector};
use tower::ServiceExt;

pub const BASE_URL: &str = "https://meridian.example/";

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    pub router: axum::Router,
    _media: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

pub enum Backend {
    Sqlite,
    Postgres,
}

impl TestApp {
    /// The demo outlet on SQLite.
    pub async fn demo() -> TestApp {
        TestApp::demo_on(Backend::Sqlite, masthead_web::DEFAULT_PAGE_SIZE).await.expect("SQLite always runs")
    }

    /// The demo outlet on `backend`; `None` when PostgreSQL is skipped (see `TestDb::postgres`).
    pub async fn demo_on(backend: Backend, page_size: u32) -> Option<TestApp> {
        TestApp::demo_with(backend, page_size, Mailer::log_only()).await
    }

    /// The demo outlet, sending mail with `mailer`.
    pub async fn demo_with(backend: Backend, page_size: u32, mailer: Mailer) -> Option<TestApp> {
        // Errors the server logs (a failing template, a database error) show with the test.
        let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("masthead=info,warn").try_init();
        let db = match backend {
            Backend::Sqlite => TestDb::sqlite().await,
            Backend::Postgres => TestDb::postgres().await?,
        };
        let media = tempfile::tempdir().unwrap();
        masthead_demo::seed(&db.store, media.path(), BASE_URL.parse().unwrap(), jiff::Timestamp::now())
            .await
            .expect("the demo seeds");
        // Tests talk to servers on loopback, which a real site refuses.
        let outbound = Outbound::new(true).unwrap();
        let state = AppState::new(
            db.store.clone(),
            Theme::load(None).unwrap(),
            media.path().to_owned(),
            page_size,
            outbound,
            mailer,
        );
        Some(TestApp { router: router(state.clone()), state, db, _media: media })
    }

    /// A staff member of `role`, writing under `author_id`, and an Admin API token for them
    /// with the whole of the role (the publish scope).
    pub async fn api_token(&self, role: masthead_core::Role, author_id: Option<i64>) -> String {
        self.api_token_with(role, author_id, masthead_core::Scope::Publish).await
    }

    /// A staff member of `role`, writing under `author_id`, and an Admin API token with `scope`.
    pub async fn api_token_with(
        &self,
        role: masthead_core::Role,
        author_id: Option<i64>,
        scope: masthead_core::Scope,
    ) -> String {
        let user = self
            .store()
            .create_user(&masthead_store::NewUser {
                email: format!("{}-{}-{scope}@meridian.example", role.key(), author_id.unwrap_or(0)),
                name: role.key().into(),
                role,
                password_hash: "$argon2id$unused".into(),
                author_id,
            })
            .await
            .unwrap();
        let token = masthead_newsroom::secrets::new_token();
        self.store()
            .create_api_token(
                user.id,
                "test",
                &masthead_newsroom::secrets::token_hash(&token),
                scope,
                jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24),
            )
            .await
            .unwrap();
        token
    }

    /// Serves the site on a real listener on loopback, at its own address from now on (links in
    /// its feeds and pages point there); answers that address, ending in `/`.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        self.store().present_at(base.parse().unwrap());
        let router = self.router.clone();
        tokio::spawn(masthead_web::http::serve::serve(
            listener,
            router,
            None,
            masthead_web::http::serve::Limits::default(),
            std::future::pending::<()>(),
        ));
        base
    }

    pub fn store(&self) -> &Store {
        &self.db.store
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::builder().uri(uri).body(Body::empty()).unwrap()).await
    }

    /// POSTs a form (`application/x-www-form-urlencoded`).
    pub async fn post_form(&self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let request = Request::builder()
            .method("POST")
            .uri(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// Every published article, newest first.
    pub async fn published(&self) -> Vec<ArticleSummary> {
        self.store().published(Page::first(200)).await.unwrap().items
    }

    pub async fn finish(self) {
        self.db.finish().await;
    }
}

/// The texts of the elements matching `selector`.
pub fn texts(html: &Html, selector: &str) -> Vec<String> {
    let sel = Selector::parse(selector).unwrap();
    html.select(&sel)
        .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// The `attr` of the elements matching `selector`.
pub fn attrs(html: &Html, selector: &str, attr: &str) -> Vec<String> {
    let sel = Selector::parse(selector).unwrap();
    html.select(&sel).filter_map(|e| e.value().attr(attr).map(str::to_owned)).collect()
}

pub fn one_text(html: &Html, selector: &str) -> String {
    let all = texts(html, selector);
    assert_eq!(all.len(), 1, "expected exactly one {selector}, found {all:?}");
    all.into_iter().next().unwrap()
}

/// A JPEG photograph-like image of the given size.
pub fn photo(width: u32, height: u32) -> Vec<u8> {
    use image::codecs::jpeg::JpegEncoder;
    use image::{DynamicImage, Rgb, RgbImage};
    let img = RgbImage::from_fn(width, height, |x, y| Rgb([(x % 255) as u8, (y % 255) as u8, 120]));
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img).write_with_encoder(JpegEncoder::new_with_quality(&mut out, 85)).unwrap();
    out
}

/// A multipart upload of `file` (as the field `file`) and `fields` to `uri`, with one header
/// (the session cookie or the bearer token).
pub fn multipart(uri: &str, header: (&str, &str), file: &[u8], fields: &[(&str, &str)]) -> Request<Body> {
    let boundary = "masthead-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
            .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::builder()
        .method("POST")
        .uri(uri)
        .header(header.0, header.1)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap()
}

/// An Admin API request with `token`, and a JSON body when given; answers the status and the
/// JSON that came back (`null` when none).
pub async fn api_call(
    app: &TestApp,
    token: &str,
    method: &str,
    uri: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let mut request =
        Request::builder().method(method).uri(uri).header("authorization", format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            request = request.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let reply = app.send(request.body(body).unwrap()).await;
    (reply.status, serde_json::from_str(&reply.body).unwrap_or(serde_json::Value::Null))
}

/// Every sitemap the index at `/sitemap.xml` names, fetched and joined: what a crawler reads.
pub async fn all_sitemaps(app: &TestApp) -> String {
    let index = app.get("/sitemap.xml").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.body.contains("<sitemapindex"), "{}", index.body);
    let mut all = String::new();
    for part in index.body.split("<loc>").skip(1) {
        let url = part.split("</loc>").next().unwrap();
        let path = url.strip_prefix(BASE_URL.trim_end_matches('/')).expect("a sitemap on the site");
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        all.push_str(&reply.body);
    }
    all
}
