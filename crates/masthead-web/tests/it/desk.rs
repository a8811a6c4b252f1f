//! The writing desk's server side, through the router: embeds (the allowlist, the stored form,
//! the page's click-to-load placeholder and its frame policy), Markdown pasted into the rich
//! editor, the image card's upload, and autosave to a draft slot that never touches the
//! article.

use axum::http::StatusCode;
use masthead_core::Role;

use crate::admin::{PASSWORD, form, get_with, page_token, sign_in, staff_writing_as};
use crate::harness::{Backend, TestApp, attrs, multipart, photo};

async fn signed_in(app: &TestApp, role: Role) -> String {
    let author_id = app.store().authors().await.unwrap()[0].id;
    staff_writing_as(app, role, author_id).await;
    let email = format!("{}@meridian.example", role.key());
    sign_in(app, &email, PASSWORD).await.1.expect("a session")
}

async fn embeds_are_stored_shown_behind_a_click_and_framed_by_the_page_s_policy(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let session = signed_in(&app, Role::Editor).await;

    // The editor asks whether an address can be embedded.
    let asked =
        get_with(&app, "/admin/embed?url=https%3A%2F%2Fyoutu.be%2FdQw4w9WgXcQ", ("cookie", &session)).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let answer: serde_json::Value = serde_json::from_str(&asked.body).unwrap();
    assert_eq!(answer["provider"], "YouTube");
    assert_eq!(answer["frame"], "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ");
    let refused =
        get_with(&app, "/admin/embed?url=https%3A%2F%2Ftracker.example%2Fplayer", ("cookie", &session)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let why: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    assert!(why["error"].as_str().unwrap().contains("tracker.example is not a provider we embed"), "{why}");
    // Not signed in: nothing.
    assert_ne!(app.get("/admin/embed?url=https%3A%2F%2Fyoutu.be%2FdQw4w9WgXcQ").await.status, StatusCode::OK);

    // Markdown pasted into the editor comes back as the stored HTML, a lone address as its embed.
    let (_, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    let pasted = form(
        &app,
        "/admin/markdown",
        &session,
        &[("csrf", &csrf), ("markdown", "## Numbers\n\n- one\n- two\n\nhttps://vimeo.com/76979871\n")],
    )
    .await;
    assert_eq!(pasted.status, StatusCode::OK);
    assert!(
        pasted.body.contains("<h2>Numbers</h2>") && pasted.body.contains("<li>one</li>"),
        "{}",
        pasted.body
    );
    assert!(
        pasted.body.contains(r#"data-embed="https://player.vimeo.com/video/76979871?dnt=1""#),
        "{}",
        pasted.body
    );
    let forged = form(&app, "/admin/markdown", &session, &[("csrf", "forged"), ("markdown", "x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // An article written in the editor's HTML, with an embed, a map and a frame from elsewhere.
    let author = app.store().authors().await.unwrap()[0].id.to_string();
    let body = concat!(
        r#"<p>Watch the launch.</p>"#,
        r#"<figure class="embed" data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a><figcaption>The launch</figcaption></figure>"#,
        r#"<figure class="embed" data-embed="https://www.openstreetmap.org/export/embed.html?bbox=19.8,44.7,20.6,44.9"><a href="https://www.openstreetmap.org/">map</a></figure>"#,
        r#"<figure class="embed" data-embed="https://tracker.example/frame"><a href="https://tracker.example/">x</a></figure>"#,
        r#"<iframe src="https://tracker.example/direct"></iframe>"#,
    );
    let created = form(
        &app,
        "/admin/articles/new",
        &session,
        &[
            ("csrf", &csrf),
            ("title", "The launch, on video"),
            ("body", body),
            ("body_format", "html"),
            ("author_ids", &author),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let edit = created.header("location").to_owned();
    let (_, csrf) = page_token(&app, &session, &edit).await;
    let publish = form(
        &app,
        &edit,
        &session,
        &[
            ("csrf", &csrf),
            ("revision", "1"),
            ("title", "The launch, on video"),
            ("body", body),
            ("body_format", "html"),
            ("author_ids", &author),
            ("action", "publish"),
        ],
    )
    .await;
    assert_eq!(publish.status, StatusCode::OK, "{}", publish.body);
    let published = app.published().await;
    let article = published.iter().find(|a| a.title == "The launch, on video").expect("published");
    let page = app.get(&format!("/article/{}", article.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    assert_eq!(
        attrs(&html, ".body figure.embed", "data-embed").len(),
        2,
        "the allowlist's two frames are kept, the other is not: {}",
        page.body
    );
    assert!(!page.body.contains("tracker.example/frame") && !page.body.contains("<iframe"), "{}", page.body);
    // No request to a third party until the reader asks: the frame is a data attribute and a
    // link; the page's one script is the click-to-load.
    assert_eq!(
        attrs(&html, ".body figure.embed a", "href")[0],
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    );
    assert!(attrs(&html, "script[src]", "src").iter().any(|s| s.starts_with("/assets/embed.")));
    let policy = page.header("content-security-policy");
    assert!(
        policy.ends_with("; frame-src https://www.youtube-nocookie.com https://www.openstreetmap.org"),
        "exactly the page's frames: {policy}"
    );
    assert!(policy.contains("script-src 'self'"), "{policy}");
    // The cached copy of the page answers with the same policy.
    let again = app.get(&format!("/article/{}", article.slug)).await;
    assert_eq!(again.header("content-security-policy"), policy);
    // A page without embeds allows no frames and loads no script.
    let plain = published.iter().find(|a| a.id != article.id).unwrap();
    let other = app.get(&format!("/article/{}", plain.slug)).await;
    assert!(!other.header("content-security-policy").contains("frame-src"));
    assert!(!attrs(&other.html(), "script[src]", "src").iter().any(|s| s.starts_with("/assets/embed.")));
    app.finish().await;
}

async fn autosave_keeps_a_draft_apart_from_the_published_article(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let session = signed_in(&app, Role::Editor).await;
    let article = app.published().await.into_iter().next().unwrap();
    let edit = format!("/admin/articles/{}", article.id);
    let (page, csrf) = page_token(&app, &session, &edit).await;
    assert!(attrs(&page.html(), "form.editor", "data-draft").is_empty(), "no draft yet");
    let before = app.get(&format!("/article/{}", article.slug)).await.body;

    let saved = form(
        &app,
        &format!("{edit}/draft"),
        &session,
        &[
            ("csrf", &csrf),
            ("revision", "1"),
            ("title", "An unsaved headline"),
            ("dek", ""),
            ("excerpt", ""),
            ("body", "<p>Half a thought</p>"),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::NO_CONTENT, "{}", saved.body);
    // Readers see nothing of it, and the article's revision stands.
    assert_eq!(app.get(&format!("/article/{}", article.slug)).await.body, before);
    assert_eq!(app.store().article(article.id).await.unwrap().title, article.title);

    // Reopened (a closed tab), the editor offers it back.
    let (page, _) = page_token(&app, &session, &edit).await;
    let kept = attrs(&page.html(), "form.editor", "data-draft");
    let kept: serde_json::Value = serde_json::from_str(&kept[0]).unwrap();
    assert_eq!(kept["title"], "An unsaved headline");
    assert_eq!(kept["body"], "<p>Half a thought</p>");

    // Someone without the right to change the article cannot write its draft.
    let forged = form(&app, &format!("{edit}/draft"), &session, &[("csrf", "forged"), ("title", "x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let missing =
        form(&app, "/admin/articles/999999/draft", &session, &[("csrf", &csrf), ("title", "x")]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Discarded, it is gone.
    let discarded = form(&app, &format!("{edit}/draft/discard"), &session, &[("csrf", &csrf)]).await;
    assert_eq!(discarded.status, StatusCode::NO_CONTENT);
    let (page, _) = page_token(&app, &session, &edit).await;
    assert!(attrs(&page.html(), "form.editor", "data-draft").is_empty());
    app.finish().await;
}

#[tokio::test]
async fn the_image_card_uploads_with_its_rights_and_requires_a_description() {
    let app = TestApp::demo().await;
    let session = signed_in(&app, Role::Contributor).await;
    let (_, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    let author = app.store().authors().await.unwrap()[0].id.to_string();
    let created = form(
        &app,
        "/admin/articles/new",
        &session,
        &[("csrf", &csrf), ("title", "A contributor's draft"), ("body", "Text"), ("author_ids", &author)],
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let id = created.header("location").rsplit('/').next().unwrap().to_owned();

    let image = photo(900, 600);
    let without_alt = app
        .send(multipart(
            "/admin/media/upload.json",
            ("cookie", &session),
            &image,
            &[("csrf", &csrf), ("article", &id), ("alt", "")],
        ))
        .await;
    assert_eq!(without_alt.status, StatusCode::UNPROCESSABLE_ENTITY);
    let why: serde_json::Value = serde_json::from_str(&without_alt.body).unwrap();
    assert_eq!(why["error"], "Describe the image for readers who cannot see it.");

    // A contributor adds images to their own draft, not to the library at large.
    let library = app
        .send(multipart(
            "/admin/media/upload.json",
            ("cookie", &session),
            &image,
            &[("csrf", &csrf), ("alt", "x")],
        ))
        .await;
    assert_eq!(library.status, StatusCode::FORBIDDEN, "{}", library.body);
    let uploaded = app
        .send(multipart(
            "/admin/media/upload.json",
            ("cookie", &session),
            &image,
            &[
                ("csrf", &csrf),
                ("article", &id),
                ("alt", "Herders at the well"),
                ("credit", "Photo: Agency"),
                ("licence", "Agency: our own use only"),
            ],
        ))
        .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
    let card: serde_json::Value = serde_json::from_str(&uploaded.body).unwrap();
    assert!(card["url"].as_str().unwrap().starts_with("/media/"), "{card}");
    assert_eq!(card["alt"], "Herders at the well");
    assert_eq!(card["travels"], false, "an unchecked box: it stays home");
    assert_eq!(card["width"], 900);
    let media = app.store().media(card["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!((media.credit.as_str(), media.travels), ("Photo: Agency", false));
    app.finish().await;
}

async fn previews_show_the_page_as_readers_will_see_it_and_links_expire(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let session = signed_in(&app, Role::Editor).await;
    let author = app.store().authors().await.unwrap()[0].id.to_string();
    let (_, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    let created = form(
        &app,
        "/admin/articles/new",
        &session,
        &[("csrf", &csrf), ("title", "Not yet public"), ("body", "The saved text."), ("author_ids", &author)],
    )
    .await;
    let edit = created.header("location").to_owned();
    let (page, csrf) = page_token(&app, &session, &edit).await;
    assert_eq!(attrs(&page.html(), "button[formaction$='/preview']", "formtarget"), ["_blank"]);

    // The writer's unsaved changes, as readers will see them: the whole page, not saved.
    let shown = form(
        &app,
        &format!("{edit}/preview"),
        &session,
        &[
            ("csrf", &csrf),
            ("revision", "1"),
            ("title", "A better headline"),
            ("dek", "A standfirst"),
            ("excerpt", ""),
            ("body", "<h2>Findings</h2><p>The unsaved text.</p>"),
        ],
    )
    .await;
    assert_eq!(shown.status, StatusCode::SEE_OTHER);
    let link = shown.header("location").to_owned();
    assert!(link.starts_with("/preview/"), "{link}");
    let preview = app.get(&link).await;
    assert_eq!(preview.status, StatusCode::OK);
    let html = preview.html();
    assert_eq!(crate::harness::one_text(&html, "h1.headline"), "A better headline");
    assert!(
        preview.body.contains("<h2 id=") || preview.body.contains("<h2>Findings</h2>"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("The unsaved text."));
    assert!(
        preview.body.contains("nav") && preview.body.contains("site-footer"),
        "the whole page, chrome and all"
    );
    assert_eq!(attrs(&html, "meta[name=robots]", "content"), ["noindex"]);
    assert_eq!(preview.header("cache-control"), "private, no-store");
    assert_eq!(crate::harness::texts(&html, ".preview-banner").len(), 1);
    let article = app.store().article(edit.rsplit('/').next().unwrap().parse().unwrap()).await.unwrap();
    assert_eq!(article.title, "Not yet public", "nothing was saved");
    assert_eq!(app.get(&format!("/article/{}", article.slug)).await.status, StatusCode::NOT_FOUND);

    // A link for someone outside the newsroom: the saved article, without signing in.
    let shared = form(&app, &format!("{edit}/share"), &session, &[("csrf", &csrf)]).await;
    assert_eq!(shared.status, StatusCode::OK);
    let notice = crate::harness::one_text(&shared.html(), ".form-notice");
    let address = notice.rsplit(' ').next().unwrap().to_owned();
    let path = address.strip_prefix("https://meridian.example").expect("an address on the site");
    let outside = app.get(path).await;
    assert_eq!(outside.status, StatusCode::OK);
    assert_eq!(crate::harness::one_text(&outside.html(), "h1.headline"), "Not yet public");
    // A forged or altered token opens nothing.
    let mut forged = path.to_owned();
    forged.push('x');
    assert_eq!(app.get(&forged).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/preview/YXJ0aWNsZSAx.99999999999.AAAA").await.status, StatusCode::NOT_FOUND);
    // A withdrawn article is gone from preview links too.
    let withdrawn_preview = {
        let signer = app.state.newsroom().signer().await.unwrap();
        let published = app.published().await.into_iter().next().unwrap();
        let token = signer.sign(
            masthead_newsroom::signing::Purpose::Preview,
            &format!("article {}", published.id),
            i64::MAX,
        );
        let editor_user = app.store().user_credentials("editor@meridian.example").await.unwrap().unwrap().0;
        let current = app.store().article(published.id).await.unwrap();
        masthead_newsroom::articles::withdraw(
            app.state.newsroom(),
            &editor_user,
            published.id,
            current.revision,
            "A court order.",
        )
        .await
        .unwrap();
        token
    };
    assert_eq!(app.get(&format!("/preview/{withdrawn_preview}")).await.status, StatusCode::GONE);
    // An expired one says so.
    let signer = app.state.newsroom().signer().await.unwrap();
    let old =
        signer.sign(masthead_newsroom::signing::Purpose::Preview, &format!("article {}", article.id), 1);
    assert_eq!(app.get(&format!("/preview/{old}")).await.status, StatusCode::GONE);
    app.finish().await;
}

async fn the_list_deletes_and_acts_in_bulk(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let session = signed_in(&app, Role::Editor).await;
    let published = app.published().await;
    let (page, _) = page_token(&app, &session, "/admin/articles").await;
    let html = page.html();
    let csrf = attrs(&html, "form.bulk input[name=csrf]", "value").pop().unwrap();
    // Each line has its byline, its publication date and its picture.
    let first = &published[0];
    let full = app.store().article(first.id).await.unwrap();
    let bylines = crate::harness::texts(&html, "td.byline");
    assert!(
        bylines.contains(&full.authors.iter().map(|a| a.name.clone()).collect::<Vec<_>>().join(", ")),
        "{bylines:?}"
    );
    assert!(attrs(&html, "td.thumb img", "src").iter().all(|s| s.starts_with("/media/")));
    assert!(!attrs(&html, "td.thumb img", "src").is_empty(), "demo articles have pictures");

    // File two articles under a theme at once.
    let theme = app.store().terms(masthead_core::TermKind::Theme).await.unwrap().pop().unwrap();
    let (a, b) = (published[0].id.to_string(), published[1].id.to_string());
    let term = theme.id.to_string();
    let filed = form(
        &app,
        "/admin/articles/bulk",
        &session,
        &[("csrf", &csrf), ("ids", &a), ("ids", &b), ("bulk", "file"), ("term", &term)],
    )
    .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    for id in [published[0].id, published[1].id] {
        assert!(app.store().article(id).await.unwrap().terms.iter().any(|t| t.id == theme.id));
    }
    let done = get_with(&app, filed.header("location"), ("cookie", &session)).await;
    assert_eq!(crate::harness::one_text(&done.html(), ".form-notice"), "2 of 2 articles done.");

    // Deleting asks first.
    let unasked =
        form(&app, "/admin/articles/bulk", &session, &[("csrf", &csrf), ("ids", &a), ("bulk", "delete")])
            .await;
    assert_eq!(unasked.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.store().article(published[0].id).await.unwrap().id, published[0].id);

    // Deleted, a published article's address answers 410 Gone, and it leaves feeds and sitemaps.
    let slug = published[0].slug.to_string();
    let deleted = form(
        &app,
        "/admin/articles/bulk",
        &session,
        &[("csrf", &csrf), ("ids", &a), ("bulk", "delete"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/article/{slug}")).await.status, StatusCode::GONE);
    assert!(!app.get("/feed.xml").await.body.contains(&slug));
    assert!(!crate::harness::all_sitemaps(&app).await.contains(&slug));
    assert_eq!(app.get("/article/never-was-here").await.status, StatusCode::NOT_FOUND);

    // One article from the editor's own form.
    let edit = format!("/admin/articles/{b}");
    let (_, csrf) = page_token(&app, &session, &edit).await;
    let unticked = form(&app, &format!("{edit}/delete"), &session, &[("csrf", &csrf)]).await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    let gone = form(&app, &format!("{edit}/delete"), &session, &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/article/{}", published[1].slug)).await.status, StatusCode::GONE);
    app.finish().await;
}

#[tokio::test]
async fn the_list_deletes_and_acts_in_bulk_on_sqlite() {
    the_list_deletes_and_acts_in_bulk(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_list_deletes_and_acts_in_bulk_on_postgres() {
    the_list_deletes_and_acts_in_bulk(Backend::Postgres).await;
}

#[tokio::test]
async fn previews_show_the_page_as_readers_will_see_it_and_links_expire_on_sqlite() {
    previews_show_the_page_as_readers_will_see_it_and_links_expire(Backend::Sqlite).await;
}

#[tokio::test]
async fn previews_show_the_page_as_readers_will_see_it_and_links_expire_on_postgres() {
    previews_show_the_page_as_readers_will_see_it_and_links_expire(Backend::Postgres).await;
}

#[tokio::test]
async fn embeds_are_stored_shown_behind_a_click_and_framed_by_the_page_s_policy_on_sqlite() {
    embeds_are_stored_shown_behind_a_click_and_framed_by_the_page_s_policy(Backend::Sqlite).await;
}

#[tokio::test]
async fn embeds_are_stored_shown_behind_a_click_and_framed_by_the_page_s_policy_on_postgres() {
    embeds_are_stored_shown_behind_a_click_and_framed_by_the_page_s_policy(Backend::Postgres).await;
}

#[tokio::test]
async fn autosave_keeps_a_draft_apart_from_the_published_article_on_sqlite() {
    autosave_keeps_a_draft_apart_from_the_published_article(Backend::Sqlite).await;
}

#[tokio::test]
async fn autosave_keeps_a_draft_apart_from_the_published_article_on_postgres() {
    autosave_keeps_a_draft_apart_from_the_published_article(Backend::Postgres).await;
}

#[tokio::test]
async fn the_automatic_excerpt_follows_the_text() {
    let app = TestApp::demo().await;
    let session = signed_in(&app, Role::Editor).await;
    let author = app.store().authors().await.unwrap()[0].id.to_string();
    let (_, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    let created = form(
        &app,
        "/admin/articles/new",
        &session,
        &[
            ("csrf", &csrf),
            ("title", "Excerpts"),
            ("body", "First version of the text."),
            ("author_ids", &author),
        ],
    )
    .await;
    let edit = created.header("location").to_owned();
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(app.store().article(id).await.unwrap().excerpt, "First version of the text.");
    let (page, csrf) = page_token(&app, &session, &edit).await;
    let offered = crate::harness::texts(&page.html(), "textarea#excerpt");
    assert_eq!(offered, [""], "the made excerpt is not offered as the newsroom's own");
    let saved = form(
        &app,
        &edit,
        &session,
        &[
            ("csrf", &csrf),
            ("revision", "1"),
            ("title", "Excerpts"),
            ("body", "Second version."),
            ("excerpt", ""),
            ("author_ids", &author),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(app.store().article(id).await.unwrap().excerpt, "Second version.");
    // One the newsroom wrote stays.
    let (_, csrf) = page_token(&app, &session, &edit).await;
    form(
        &app,
        &edit,
        &session,
        &[
            ("csrf", &csrf),
            ("revision", "2"),
            ("title", "Excerpts"),
            ("body", "Third."),
            ("excerpt", "Our own words."),
            ("author_ids", &author),
        ],
    )
    .await;
    let (page, _) = page_token(&app, &session, &edit).await;
    assert_eq!(crate::harness::texts(&page.html(), "textarea#excerpt"), ["Our own words."]);
    app.finish().await;
}

#[tokio::test]
async fn the_media_library_is_searched_shows_where_an_image_is_used_and_deletes_only_unused_ones() {
    let app = TestApp::demo().await;
    let session = signed_in(&app, Role::Editor).await;
    let (page, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let upload = |credit: &'static str| {
        multipart(
            "/admin/media/upload.json",
            ("cookie", &session),
            &photo(300, 200),
            &[("csrf", &csrf), ("alt", "A well"), ("credit", credit), ("travels", "yes")],
        )
    };
    let used: serde_json::Value =
        serde_json::from_str(&app.send(upload("Photo: Sahel Agency")).await.body).unwrap();
    let unused: serde_json::Value =
        serde_json::from_str(&app.send(upload("Photo: Nobody")).await.body).unwrap();
    let (used_id, unused_id) = (used["id"].as_i64().unwrap(), unused["id"].as_i64().unwrap());

    // An article shows the first one in its text.
    let author = app.store().authors().await.unwrap()[0].id.to_string();
    let body = format!(
        r#"<figure class="image"><img src="{}" alt="A well"></figure><p>Text.</p>"#,
        used["url"].as_str().unwrap()
    );
    let created = form(
        &app,
        "/admin/articles/new",
        &session,
        &[
            ("csrf", &csrf),
            ("title", "Wells"),
            ("body", &body),
            ("body_format", "html"),
            ("author_ids", &author),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);

    let found = get_with(&app, "/admin/media?q=sahel+agency", ("cookie", &session)).await.html();
    let numbers = crate::harness::texts(&found, ".media-item strong");
    assert_eq!(numbers, [format!("No. {used_id}")], "found by its credit");

    let item = get_with(&app, &format!("/admin/media/{used_id}"), ("cookie", &session)).await.html();
    assert_eq!(crate::harness::texts(&item, "ul.uses a"), ["Wells"]);
    let refused = form(
        &app,
        &format!("/admin/media/{used_id}/delete"),
        &session,
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(crate::harness::one_text(&refused.html(), ".form-error").contains("\u{201c}Wells\u{201d}"));
    assert_eq!(app.get(used["url"].as_str().unwrap()).await.status, StatusCode::OK);

    let deleted = form(
        &app,
        &format!("/admin/media/{unused_id}/delete"),
        &session,
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(unused["url"].as_str().unwrap()).await.status,
        StatusCode::NOT_FOUND,
        "its file is gone too"
    );
    assert!(app.store().media(unused_id).await.is_err());
    app.finish().await;
}

#[tokio::test]
async fn our_own_audio_is_uploaded_from_the_editor_and_played_from_the_library() {
    let app = TestApp::demo().await;
    let session = signed_in(&app, Role::Author).await;
    let (_, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    // An MP3 as its first bytes say (an ID3 header), whatever its name.
    let mut mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x0f".to_vec();
    mp3.extend([0u8; 64]);
    let uploaded = app
        .send(multipart(
            "/admin/media/upload.json",
            ("cookie", &session),
            &mp3,
            &[("csrf", &csrf), ("alt", "The interview"), ("credit", "The Meridian")],
        ))
        .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
    let card: serde_json::Value = serde_json::from_str(&uploaded.body).unwrap();
    assert_eq!(card["kind"], "audio/mpeg");
    let url = card["url"].as_str().unwrap().to_owned();
    assert!(url.ends_with(".mp3"), "{url}");
    let served = app.get(&url).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), "audio/mpeg");

    // In an article, the player keeps it; a player of someone else's file does not.
    let author = app.store().authors().await.unwrap()[0].id.to_string();
    let body = format!(
        r#"<figure class="embed"><audio controls src="{url}"></audio><figcaption>The interview</figcaption></figure><figure class="embed"><audio controls src="https://elsewhere.example/a.mp3"></audio></figure>"#
    );
    let created = form(
        &app,
        "/admin/articles/new",
        &session,
        &[
            ("csrf", &csrf),
            ("title", "The interview"),
            ("body", &body),
            ("body_format", "html"),
            ("author_ids", &author),
        ],
    )
    .await;
    let id: i64 = created.header("location").rsplit('/').next().unwrap().parse().unwrap();
    let html = app.store().article(id).await.unwrap().body.html;
    assert!(html.contains(&format!(r#"<audio controls="" src="{url}">"#)), "{html}");
    assert!(!html.contains("elsewhere.example"), "{html}");
    let library = get_with(&app, "/admin/media?q=interview", ("cookie", &session)).await.html();
    assert_eq!(attrs(&library, ".media-item audio", "src"), [url]);
    app.finish().await;
}
