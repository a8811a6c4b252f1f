//! The site's own pages, its menu, footer links and colour, and the curated front page:
//! through the admin's forms, seen on the public site.

use axum::http::StatusCode;
use masthead_core::{Role, TermKind};

use crate::admin::{PASSWORD, form, page_token, sign_in, staff_writing_as};
use crate::harness::{Backend, TestApp, attrs, one_text, texts};

async fn session(app: &TestApp, role: Role) -> String {
    let author_id = app.store().authors().await.unwrap()[0].id;
    staff_writing_as(app, role, author_id).await;
    sign_in(app, &format!("{}@meridian.example", role.key()), PASSWORD).await.1.expect("a session")
}

async fn pages_menus_and_colours(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let editor = session(&app, Role::Editor).await;
    let (_, csrf) = page_token(&app, &editor, "/admin/pages/new").await;
    let made = form(
        &app,
        "/admin/pages/new",
        &editor,
        &[
            ("csrf", &csrf),
            ("title", "About us"),
            ("body", "<p>We are <strong>The Meridian</strong>.</p>"),
            ("body_format", "html"),
        ],
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let edit = made.header("location").to_owned();
    let about = app.get("/about-us").await;
    assert_eq!(about.status, StatusCode::OK);
    assert_eq!(one_text(&about.html(), "h1.headline"), "About us");
    assert!(about.body.contains("We are <strong>The Meridian</strong>."));

    // The site's own addresses and another page's are refused, saying why.
    let reserved =
        form(&app, "/admin/pages/new", &editor, &[("csrf", &csrf), ("title", "Search"), ("body", "x")]).await;
    assert_eq!(reserved.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&reserved.html(), ".form-error").contains("/search is one of the site's own addresses"));
    let taken =
        form(&app, "/admin/pages/new", &editor, &[("csrf", &csrf), ("title", "About us"), ("body", "y")])
            .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The search page is still the search page.
    assert_eq!(app.get("/search?q=water").await.status, StatusCode::OK);
    // An address that is no page is still not found.
    assert_eq!(app.get("/no-such-page").await.status, StatusCode::NOT_FOUND);

    // The menu, the footer's links and the accent colour, set by an administrator.
    let admin = session(&app, Role::Administrator).await;
    let (page, csrf) = page_token(&app, &admin, "/admin/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    let mut fields: Vec<(String, String)> = Vec::new();
    let html = page.html();
    for name in ["title", "tagline", "base_url", "language", "time_zone", "copyright_holder", "media_contact"]
    {
        let value = attrs(&html, &format!("input[name={name}]"), "value").pop().unwrap_or_default();
        fields.push((name.into(), value));
    }
    let send = |extra: &[(&str, &str)]| {
        let mut all: Vec<(String, String)> = fields.clone();
        all.push(("csrf".into(), csrf.clone()));
        all.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        all
    };

    let bad = send(&[("accent_color", "red; background: url(x)")]);
    let refused = form(&app, "/admin/settings", &admin, &pairs(&bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&refused.html(), ".form-error").contains("#rrggbb"));
    let bad = send(&[("menu", "About | javascript:alert(1)")]);
    let refused = form(&app, "/admin/settings", &admin, &pairs(&bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let good = send(&[
        ("accent_color", "#225588"),
        ("menu", "About | /about-us\nSupport us | https://support.example/meridian"),
        ("footer_links", "Corrections | /corrections"),
    ]);
    let saved = form(&app, "/admin/settings", &admin, &pairs(&good)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let home = app.get("/").await.html();
    assert_eq!(
        attrs(&home, "nav.sections li.menu-link a", "href"),
        ["/about-us", "https://support.example/meridian"]
    );
    assert_eq!(texts(&home, ".footer-links a"), ["Corrections"]);
    let colours = attrs(&home, "link[rel=stylesheet][href^='/site.css']", "href");
    assert_eq!(colours, ["/site.css?accent=225588"]);
    let css = app.get(&colours[0]).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.body.trim(), ":root { --accent: #225588; }");
    assert_eq!(app.get("/site.css?accent=000000").await.status, StatusCode::NOT_FOUND, "only the colour set");

    // Deleted, the page is gone.
    let (_, csrf) = page_token(&app, &editor, &edit).await;
    let deleted =
        form(&app, &format!("{edit}/delete"), &editor, &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/about-us").await.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

async fn the_front_page_leads_with_what_editors_choose(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let editor = session(&app, Role::Editor).await;
    let published = app.published().await;
    let (lead, pin) = (&published[3], &published[5]);
    let region =
        app.store().terms(TermKind::Region).await.unwrap().into_iter().find(|t| t.name == "Sahel").unwrap();
    let (page, csrf) = page_token(&app, &editor, "/admin/front").await;
    assert_eq!(page.status, StatusCode::OK);
    let (lead_id, pin_field, region_id) =
        (lead.id.to_string(), format!("pin_{}", pin.id), region.id.to_string());
    let saved = form(
        &app,
        "/admin/front",
        &editor,
        &[("csrf", &csrf), ("lead", &lead_id), (&pin_field, "1"), ("section", &region_id)],
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let home = app.get("/").await.html();
    assert_eq!(texts(&home, ".front-lead h2 a, .front-lead h3 a"), std::slice::from_ref(&lead.title));
    assert_eq!(texts(&home, ".front-pinned h2 a, .front-pinned h3 a"), std::slice::from_ref(&pin.title));
    assert_eq!(texts(&home, ".front-section .front-heading a"), ["Sahel"]);
    let latest: Vec<String> = texts(&home, "main > article h2 a, main > article h3 a");
    assert!(!latest.contains(&lead.title), "the lead is not listed twice: {latest:?}");

    // An article that is not published cannot lead.
    let author = app.store().authors().await.unwrap()[0].id.to_string();
    let (_, csrf) = page_token(&app, &editor, "/admin/articles/new").await;
    let draft = form(
        &app,
        "/admin/articles/new",
        &editor,
        &[("csrf", &csrf), ("title", "A draft"), ("body", "Text"), ("author_ids", &author)],
    )
    .await;
    let draft_id = draft.header("location").rsplit('/').next().unwrap().to_owned();
    let (_, csrf) = page_token(&app, &editor, "/admin/front").await;
    let refused = form(&app, "/admin/front", &editor, &[("csrf", &csrf), ("lead", &draft_id)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&refused.html(), ".form-error").contains("is not published"));

    // Authors do not curate it.
    let author_session = session(&app, Role::Author).await;
    let (page, _) = page_token(&app, &author_session, "/admin/front").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

#[tokio::test]
async fn pages_menus_and_colours_on_sqlite() {
    pages_menus_and_colours(Backend::Sqlite).await;
}

#[tokio::test]
async fn pages_menus_and_colours_on_postgres() {
    pages_menus_and_colours(Backend::Postgres).await;
}

#[tokio::test]
async fn the_front_page_leads_with_what_editors_choose_on_sqlite() {
    the_front_page_leads_with_what_editors_choose(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_front_page_leads_with_what_editors_choose_on_postgres() {
    the_front_page_leads_with_what_editors_choose(Backend::Postgres).await;
}

/// A partner's feed (never polled here) that files what it brings under `term_ids`.
async fn partner_feed(app: &TestApp, term_ids: Vec<i64>) -> masthead_core::Source {
    let outlet = app.store().outlet_named("Danube Dispatch", None).await.unwrap();
    app.store()
        .create_source(&masthead_core::NewSource {
            outlet_id: outlet.id,
            feed_url: "https://danube.example/feed.xml".parse().unwrap(),
            format: masthead_core::FeedFormat::Auto,
            terms: masthead_core::SourceTerms::Agreement,
            term_ids,
            auto_publish: false,
            interval_minutes: 30,
        })
        .await
        .unwrap()
}

fn pairs(all: &[(String, String)]) -> Vec<(&str, &str)> {
    all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn a_term_merged_into_another_leaves_a_redirect(backend: Backend) {
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let editor = session(&app, Role::Editor).await;
    let tags = app.store().terms(TermKind::Tag).await.unwrap();
    let from = tags.iter().find(|t| t.name == "Drought").unwrap().clone();
    let into = tags.iter().find(|t| t.name == "Ports").unwrap().clone();
    let before = app.get(&format!("/tag/{}", from.slug)).await;
    assert_eq!(before.status, StatusCode::OK);
    let filed: Vec<String> = texts(&before.html(), "main article.summary h2 a");
    assert!(!filed.is_empty());

    // A partner's feed files what it brings under the term.
    let partner = partner_feed(&app, vec![from.id]).await;
    let filed_ids: Vec<i64> = app
        .published()
        .await
        .into_iter()
        .filter(|s| s.terms.iter().any(|t| t.id == from.id))
        .map(|s| s.id)
        .collect();

    let (page, csrf) = page_token(&app, &editor, &format!("/admin/terms/{}", from.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let into_id = into.id.to_string();
    let unticked = form(
        &app,
        &format!("/admin/terms/{}/merge", from.id),
        &editor,
        &[("csrf", &csrf), ("into", &into_id)],
    )
    .await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    let merged = form(
        &app,
        &format!("/admin/terms/{}/merge", from.id),
        &editor,
        &[("csrf", &csrf), ("into", &into_id), ("confirm", "yes")],
    )
    .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    assert!(app.store().term(from.id).await.is_err(), "the merged term is gone");

    let old = app.get(&format!("/tag/{}", from.slug)).await;
    assert_eq!(old.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(old.header("location"), format!("/tag/{}", into.slug));
    let feed = app.get(&format!("/tag/{}/feed.xml", from.slug)).await;
    assert_eq!(feed.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(feed.header("location"), format!("/tag/{}/feed.xml", into.slug));
    let archive: Vec<String> =
        texts(&app.get(&format!("/tag/{}", into.slug)).await.html(), "main article.summary h2 a");
    for title in &filed {
        assert!(archive.contains(title), "{title} is filed under the term it was merged into: {archive:?}");
    }
    assert_eq!(
        app.store().source(partner.id).await.unwrap().term_ids,
        vec![into.id],
        "the feed files under the other"
    );
    // Its articles still publish and unpublish (their saved revisions named the merged term).
    let id = filed_ids[0].to_string();
    let unpublished =
        form(&app, "/admin/articles/bulk", &editor, &[("csrf", &csrf), ("ids", &id), ("bulk", "unpublish")])
            .await;
    assert_eq!(unpublished.status, StatusCode::SEE_OTHER);
    assert!(unpublished.header("location").contains("1+of+1"), "{}", unpublished.header("location"));
    let republished =
        form(&app, "/admin/articles/bulk", &editor, &[("csrf", &csrf), ("ids", &id), ("bulk", "publish")])
            .await;
    assert!(republished.header("location").contains("1+of+1"), "{}", republished.header("location"));
    let article = app.store().article(filed_ids[0]).await.unwrap();
    assert!(article.terms.iter().any(|t| t.id == into.id), "{:?}", article.terms);

    // A region cannot be merged into one below it.
    let regions = app.store().terms(TermKind::Region).await.unwrap();
    let europe = regions.iter().find(|t| t.name == "Europe").unwrap();
    let serbia = regions.iter().find(|t| t.name == "Serbia").unwrap();
    let (_, csrf) = page_token(&app, &editor, &format!("/admin/terms/{}", europe.id)).await;
    let refused = form(
        &app,
        &format!("/admin/terms/{}/merge", europe.id),
        &editor,
        &[("csrf", &csrf), ("into", &serbia.id.to_string()), ("confirm", "yes")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&refused.html(), ".form-error").contains("merge the other way"));
    app.finish().await;
}

#[tokio::test]
async fn a_term_merged_into_another_leaves_a_redirect_on_sqlite() {
    a_term_merged_into_another_leaves_a_redirect(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_term_merged_into_another_leaves_a_redirect_on_postgres() {
    a_term_merged_into_another_leaves_a_redirect(Backend::Postgres).await;
}

#[tokio::test]
async fn authors_without_bylines_and_partners_feeds_can_be_deleted() {
    let app = TestApp::demo().await;
    let editor = session(&app, Role::Editor).await;
    // An author with bylines is refused, saying why.
    let author = app.store().authors().await.unwrap()[0].clone();
    let (_, csrf) = page_token(&app, &editor, &format!("/admin/authors/{}", author.id)).await;
    let refused = form(
        &app,
        &format!("/admin/authors/{}/delete", author.id),
        &editor,
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(one_text(&refused.html(), ".form-error").contains("byline"), "{}", refused.body);
    assert!(app.store().author(author.id).await.is_ok());
    // One without is deleted.
    let new = masthead_core::NewAuthor {
        slug: masthead_core::Slug::parse("guest-once").unwrap(),
        name: "Guest Once".into(),
        bio: String::new(),
        links: vec![],
        avatar_media_id: None,
        outlet_id: None,
    };
    let guest = app.store().create_author(&new).await.unwrap();
    let gone = form(
        &app,
        &format!("/admin/authors/{}/delete", guest.id),
        &editor,
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(app.store().author(guest.id).await.is_err());

    // A partner's feed goes; nothing it brought in does.
    let source = partner_feed(&app, vec![]).await;
    let published = app.published().await.len();
    let (_, csrf) = page_token(&app, &editor, &format!("/admin/sources/{}", source.id)).await;
    let (page, _) = page_token(&app, &editor, &format!("/admin/sources/{}", source.id)).await;
    assert_eq!(
        attrs(&page.html(), "form.delete-source", "action"),
        [format!("/admin/sources/{}/delete", source.id)]
    );
    let deleted = form(
        &app,
        &format!("/admin/sources/{}/delete", source.id),
        &editor,
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(app.store().source(source.id).await.is_err());
    assert_eq!(app.published().await.len(), published);
    app.finish().await;
}
