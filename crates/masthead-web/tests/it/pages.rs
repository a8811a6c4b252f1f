use axum::http::StatusCode;
use masthead_core::{ArticleStatus, BodyFormat, NewArticle, Provenance, ReusePolicy, Slug, render_body};

use crate::harness::{Backend, TestApp, attrs, one_text, texts};

/// The article republished from Danube Dispatch (a chain of one).
async fn republished_from_partner(app: &TestApp) -> masthead_core::Article {
    for s in app.published().await {
        let a = app.store().article(s.id).await.unwrap();
        if let Provenance::Republished { chain } = &a.provenance
            && chain.len() == 1
        {
            return a;
        }
    }
    panic!("the demo has an article republished from a partner");
}

async fn republished_article_shows_the_whole_anatomy(app: TestApp) {
    let article = republished_from_partner(&app).await;
    let origin = article.provenance.original().unwrap().clone();
    let author = &article.authors[0];
    let reply = app.get(&format!("/article/{}", article.slug)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = reply.html();

    // Headline, dek, byline linking to the author's archive, outlet and date.
    assert_eq!(one_text(&html, "h1.headline"), article.title);
    assert_eq!(one_text(&html, ".article-head .dek"), article.dek);
    assert_eq!(attrs(&html, ".byline a[rel=author]", "href"), [format!("/author/{}", author.slug)]);
    assert_eq!(one_text(&html, ".article-head .outlet"), origin.outlet.name);
    let datetime = attrs(&html, ".article-head time.published", "datetime");
    assert_eq!(datetime.len(), 1);
    assert!(datetime[0].parse::<jiff::Timestamp>().is_ok(), "machine-readable date: {datetime:?}");

    // Region and Theme links.
    let regions = attrs(&html, "a.region", "href");
    let themes = attrs(&html, "a.theme", "href");
    assert!(!regions.is_empty() && regions.iter().all(|h| h.starts_with("/region/")), "{regions:?}");
    assert!(!themes.is_empty() && themes.iter().all(|h| h.starts_with("/theme/")), "{themes:?}");
    assert!(texts(&html, ".terms").join(" ").contains("Region:"));
    assert!(texts(&html, ".terms").join(" ").contains("Theme:"));

    // The body as stored.
    assert!(reply.body.contains(article.body.html.trim()), "the body is on the page");

    // Note to readers, share links and forward-by-e-mail.
    let site = app.store().site().await.unwrap();
    assert!(one_text(&html, ".note-to-readers").contains(&site.note_to_readers));
    let share = attrs(&html, ".share a", "href");
    for prefix in [
        "mailto:",
        "https://mastodonshare.com/",
        "https://bsky.app/",
        "https://x.com/",
        "https://www.facebook.com/",
        "https://www.linkedin.com/",
        "https://t.me/",
        "https://wa.me/",
    ] {
        assert!(share.iter().any(|h| h.starts_with(prefix)), "a {prefix} share link in {share:?}");
    }
    let our_url = format!("https://meridian.example/article/{}", article.slug);
    let encoded_url =
        percent_encoding::utf8_percent_encode(&our_url, percent_encoding::NON_ALPHANUMERIC).to_string();
    assert!(share.iter().all(|h| h.contains(&encoded_url)), "every share link carries our URL");
    let forward = attrs(&html, ".forward a", "href");
    assert!(forward[0].starts_with("mailto:?subject=") && forward[0].contains(&encoded_url), "{forward:?}");

    // Provenance, with a working link to the original.
    let originally = one_text(&html, ".originally-published");
    assert!(
        originally.starts_with(&format!("This article was originally published on {}", origin.outlet.name)),
        "{originally}"
    );
    assert_eq!(attrs(&html, ".originally-published a", "href"), [origin.url.to_string()]);

    // Bio, featured image and credit.
    assert_eq!(texts(&html, ".about-authors .bio"), [author.bio.as_str()]);
    let featured = article.featured.as_ref().unwrap();
    assert_eq!(attrs(&html, "figure.featured img", "src"), [format!("/media/{}", featured.media.path)]);
    assert_eq!(attrs(&html, "figure.featured img", "alt"), [featured.alt.as_str()]);
    assert_eq!(one_text(&html, "figure.featured figcaption.credit"), featured.credit);
    assert!(
        featured.credit.contains(&origin.outlet.name),
        "the credit names the partner: {}",
        featured.credit
    );

    // Source, copyright, reuse policy, "Articles by".
    assert_eq!(
        one_text(&html, ".original-source"),
        format!("The original source of this article is {}.", origin.outlet.name)
    );
    let year = masthead_core::time::in_zone(origin.published_at.unwrap(), &article.time_zone).year();
    assert_eq!(
        one_text(&html, ".copyright"),
        format!("Copyright © {}, {}, {year}", author.name, origin.outlet.name)
    );
    let policy = article.effective_policy(&site);
    assert!(one_text(&html, ".reuse-policy").contains(policy.text()));
    assert_eq!(texts(&html, "a[rel=license]"), [policy.name()]);
    assert_eq!(attrs(&html, ".articles-by a", "href"), [format!("/author/{}", author.slug)]);
    assert!(one_text(&html, ".articles-by").starts_with("Articles by:"));

    // Site notices from the settings.
    assert!(one_text(&html, ".disclaimer").contains(&site.disclaimer));
    assert!(one_text(&html, ".fair-use").contains(&site.fair_use_notice));
    assert!(attrs(&html, ".media-contact a", "href").contains(&format!("mailto:{}", site.media_contact)));
    assert!(one_text(&html, ".membership-call").contains(&site.membership_call));

    // Search engines are pointed at the original.
    assert_eq!(attrs(&html, "link[rel=canonical]", "href"), [origin.url.to_string()]);
    app.finish().await;
}

#[tokio::test]
async fn republished_article_shows_the_whole_anatomy_on_sqlite() {
    republished_article_shows_the_whole_anatomy(TestApp::demo().await).await;
}

#[tokio::test]
async fn republished_article_shows_the_whole_anatomy_on_postgres() {
    if let Some(app) = TestApp::demo_on(Backend::Postgres, 12).await {
        republished_article_shows_the_whole_anatomy(app).await;
    }
}

#[tokio::test]
async fn own_article_is_canonical_here_and_copyrighted_by_the_outlet() {
    let app = TestApp::demo().await;
    let summary = app.published().await.into_iter().find(|s| s.original_outlet.is_none()).unwrap();
    let article = app.store().article(summary.id).await.unwrap();
    let html = app.get(&format!("/article/{}", article.slug)).await.html();
    let url = format!("https://meridian.example/article/{}", article.slug);
    assert_eq!(attrs(&html, "link[rel=canonical]", "href"), [url.as_str()]);
    assert!(texts(&html, ".originally-published").is_empty());
    assert_eq!(one_text(&html, ".article-head .outlet"), "The Meridian");
    assert_eq!(one_text(&html, ".original-source"), "The original source of this article is The Meridian.");
    assert!(one_text(&html, ".copyright").contains(", The Meridian, "));
    app.finish().await;
}

#[tokio::test]
async fn chain_of_republication_names_every_outlet() {
    let app = TestApp::demo().await;
    let mut found = false;
    for s in app.published().await {
        let a = app.store().article(s.id).await.unwrap();
        let Provenance::Republished { chain } = &a.provenance else { continue };
        if chain.len() < 2 {
            continue;
        }
        found = true;
        let html = app.get(&format!("/article/{}", a.slug)).await.html();
        let line = one_text(&html, ".originally-published");
        assert!(line.contains(&format!("originally published on {}", chain[0].outlet.name)), "{line}");
        assert!(line.contains(&format!("via {}", chain[1].outlet.name)), "{line}");
        let links = attrs(&html, ".originally-published a", "href");
        assert_eq!(links, [chain[0].url.to_string(), chain[1].url.to_string()]);
    }
    assert!(found, "the demo has a chain of republication");
    app.finish().await;
}

#[tokio::test]
async fn article_policy_overrides_the_site_default() {
    let app = TestApp::demo().await;
    let mut seen_override = false;
    for s in app.published().await {
        let a = app.store().article(s.id).await.unwrap();
        if let Some(policy @ (ReusePolicy::CcBy | ReusePolicy::CcByNd | ReusePolicy::CcByNcNd)) =
            a.reuse_policy
        {
            seen_override = true;
            let html = app.get(&format!("/article/{}", a.slug)).await.html();
            assert_eq!(attrs(&html, "a[rel=license]", "href"), [policy.license_url().unwrap().to_owned()]);
        }
    }
    assert!(seen_override);
    app.finish().await;
}

#[tokio::test]
async fn home_pages_through_every_article_once() {
    let app = TestApp::demo_on(Backend::Sqlite, 5).await.unwrap();
    let expected: Vec<String> =
        app.published().await.iter().map(|s| format!("/article/{}", s.slug)).collect();
    assert!(expected.len() >= 12);
    let mut seen = Vec::new();
    let mut uri = "/".to_owned();
    loop {
        let reply = app.get(&uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        let html = reply.html();
        seen.extend(attrs(&html, ".summary h2 a", "href"));
        if uri != "/" {
            assert_eq!(attrs(&html, ".pager a:not([rel])", "href"), ["/"], "a way back to the newest");
        }
        match attrs(&html, ".pager a[rel=next]", "href").pop() {
            Some(next) => uri = next,
            None => break,
        }
    }
    assert_eq!(seen, expected, "newest first, each once");
    let first = app.get("/").await.html();
    assert_eq!(texts(&first, ".summary").len(), 5);
    assert!(!texts(&first, ".summary .meta").is_empty());
    app.finish().await;
}

#[tokio::test]
async fn archives_list_their_articles() {
    let app = TestApp::demo().await;
    let all = app.published().await;
    // An author's archive lists exactly their articles.
    let author = all[0].authors[0].clone();
    let reply = app.get(&format!("/author/{}", author.slug)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = reply.html();
    assert_eq!(one_text(&html, "h1"), author.name);
    assert!(one_text(&html, ".description").contains(&author.bio));
    let expected: Vec<String> = all
        .iter()
        .filter(|s| s.authors.iter().any(|a| a.id == author.id))
        .map(|s| format!("/article/{}", s.slug))
        .collect();
    assert_eq!(attrs(&html, ".summary h2 a", "href"), expected);

    // A parent region's archive includes what is filed under its children.
    let serbia = app
        .store()
        .term_by_slug(masthead_core::TermKind::Region, &Slug::parse("serbia").unwrap())
        .await
        .unwrap();
    let path = app.store().term_path(serbia.id).await.unwrap();
    assert!(path.len() >= 3, "the demo nests Serbia two levels deep");
    let top = &path[0];
    let html = app.get(&format!("/region/{}", top.slug)).await.html();
    let listed = attrs(&html, ".summary h2 a", "href");
    let in_serbia: Vec<String> = all
        .iter()
        .filter(|s| s.terms.iter().any(|t| t.id == serbia.id))
        .map(|s| format!("/article/{}", s.slug))
        .collect();
    assert!(!in_serbia.is_empty());
    assert!(in_serbia.iter().all(|a| listed.contains(a)), "{in_serbia:?} within {listed:?}");
    // Breadcrumbs on the child.
    let html = app.get("/region/serbia").await.html();
    let crumbs = texts(&html, ".breadcrumbs li");
    assert_eq!(crumbs, path.iter().map(|t| t.name.clone()).collect::<Vec<_>>());

    // Themes and tags have archives too.
    let theme = all.iter().flat_map(|s| &s.terms).find(|t| t.kind == masthead_core::TermKind::Theme).unwrap();
    assert_eq!(app.get(&format!("/theme/{}", theme.slug)).await.status, StatusCode::OK);
    let tag = masthead_core::TermKind::Tag;
    let tags = app.store().terms(tag).await.unwrap();
    let reply = app.get(&format!("/tag/{}", tags[0].slug)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(one_text(&reply.html(), "h1"), tags[0].name);
    app.finish().await;
}

#[tokio::test]
async fn drafts_are_hidden_and_withdrawn_articles_are_gone() {
    let app = TestApp::demo().await;
    let author = app.published().await[0].authors[0].id;
    let mut new = NewArticle {
        slug: Slug::parse("not-yet").unwrap(),
        title: "Not yet".into(),
        dek: String::new(),
        body: render_body(BodyFormat::Markdown, "Secret draft.").unwrap(),
        excerpt: String::new(),
        status: ArticleStatus::Draft,
        published_at: None,
        time_zone: "UTC".into(),
        author_ids: vec![author],
        term_ids: vec![],
        featured_media_id: None,
        featured_alt: String::new(),
        featured_credit: String::new(),
        reuse_policy: None,
        origins: vec![],
        language: String::new(),
        translation_of: None,
    };
    app.store().create_article(&new).await.unwrap();
    let reply = app.get("/article/not-yet").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(!reply.body.contains("Secret draft"));
    assert!(!app.get("/").await.body.contains("Not yet"));

    new.slug = Slug::parse("withdrawn").unwrap();
    new.status = ArticleStatus::Unpublished;
    app.store().create_article(&new).await.unwrap();
    let reply = app.get("/article/withdrawn").await;
    assert_eq!(reply.status, StatusCode::GONE);
    assert_eq!(one_text(&reply.html(), "h1"), "Article withdrawn");
    app.finish().await;
}

#[tokio::test]
async fn missing_and_malformed_addresses_get_themed_errors_never_a_panic() {
    let app = TestApp::demo().await;
    for uri in [
        "/nope",
        "/article/does-not-exist",
        "/article/Not%20A%20Slug",
        "/article/%FF%FE",
        "/article/..%2F..%2Fetc%2Fpasswd",
        "/author/nobody",
        "/region/atlantis",
        "/theme/",
        "/tag/a--b",
        "/assets/style.0000000000.css",
        "/media/none.svg",
        "/media/../Cargo.toml",
        "/article/a/b/c",
        "/%00",
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        let html = reply.html();
        assert_eq!(one_text(&html, "h1"), "Page not found", "{uri}");
        assert_eq!(one_text(&html, ".site-title"), "The Meridian", "themed: {uri}");
    }
    for uri in
        ["/?after=yesterday", "/?after=1-x", "/author/ana-petrovic?after=%FF", "/region/europe?after=-"]
    {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(one_text(&reply.html(), "h1"), "Bad request", "{uri}");
    }
    for uri in ["/?page=2&utm_source=x", "/?after", "/?&&==", "/?after=1-1&after=2-2"] {
        let status = app.get(uri).await.status;
        assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{uri}: {status}");
    }
    app.finish().await;
}

#[tokio::test]
async fn pages_are_script_free_with_strict_security_headers() {
    let app = TestApp::demo().await;
    let slug = app.published().await[0].slug.clone();
    for uri in ["/".to_owned(), format!("/article/{slug}"), "/region/europe".to_owned(), "/nope".to_owned()] {
        let reply = app.get(&uri).await;
        let csp = reply.header("content-security-policy");
        assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"), "{uri}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{uri}");
        assert_eq!(reply.header("x-content-type-options"), "nosniff");
        // The only script element is data (JSON-LD), which never runs.
        let scripts = reply.body.matches("<script").count();
        let data = reply.body.matches("<script type=\"application/ld+json\">").count();
        assert_eq!(scripts, data, "{uri} runs no script");
        assert!(!reply.body.contains(" style="), "{uri} has no inline style");
        assert!(
            !reply.body.contains("http://") || !reply.body.contains("<link rel=\"stylesheet\" href=\"http")
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn assets_are_fingerprinted_and_cached_for_a_year() {
    let app = TestApp::demo().await;
    let html = app.get("/").await.html();
    let css = attrs(&html, "link[rel=stylesheet]", "href");
    assert_eq!(css.len(), 1);
    assert!(css[0].starts_with("/assets/style.") && css[0].ends_with(".css"), "{css:?}");
    let reply = app.get(&css[0]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "text/css; charset=utf-8");
    assert!(reply.header("cache-control").contains("max-age=31536000"));
    assert!(reply.header("cache-control").contains("immutable"));

    // The featured images are served from the data folder.
    let img = attrs(&html, ".summary img", "src");
    let reply = app.get(&img[0]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "image/svg+xml");
    assert!(reply.body.starts_with("<svg"));
    app.finish().await;
}

#[tokio::test]
async fn section_navigation_links_top_level_regions_and_themes() {
    let app = TestApp::demo().await;
    let html = app.get("/").await.html();
    let nav = attrs(&html, "nav.sections a", "href");
    assert!(nav.contains(&"/region/europe".to_owned()), "{nav:?}");
    assert!(nav.iter().any(|h| h.starts_with("/theme/")), "{nav:?}");
    assert!(!nav.contains(&"/region/serbia".to_owned()), "children are not in the bar");
    assert_eq!(attrs(&html, "html", "lang"), ["en"]);
    app.finish().await;
}

#[tokio::test]
async fn a_database_failure_is_the_themed_500_page() {
    let app = TestApp::demo().await;
    app.store().close().await;
    let reply = app.get("/").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let html = reply.html();
    assert_eq!(one_text(&html, "h1"), "Something went wrong");
    assert!(!reply.body.contains("pool"), "internal details stay in the log");
    assert_eq!(reply.header("cache-control"), "no-store");
}

#[tokio::test]
async fn terms_that_are_not_a_public_licence_have_a_page_of_their_own() {
    let app = TestApp::demo().await;
    let site = app.store().site().await.unwrap();
    for policy in ReusePolicy::ALL {
        let reply = app.get(&policy.terms_path()).await;
        assert_eq!(reply.status, StatusCode::OK, "{policy:?}");
        let html = reply.html();
        assert_eq!(one_text(&html, "h1"), policy.name());
        assert_eq!(one_text(&html, "p.policy"), policy.text());
        assert_eq!(
            attrs(&html, "article a[rel=license]", "href"),
            policy.license_url().into_iter().collect::<Vec<_>>(),
            "{policy:?}: the public licence, when there is one"
        );
        assert!(attrs(&html, ".permission a", "href").contains(&format!("mailto:{}", site.media_contact)));
    }
    assert_eq!(app.get("/reuse/nothing-like-it").await.status, StatusCode::NOT_FOUND);

    // An article under such terms links them, on its page and in what leaves the site.
    let article = app.store().article_by_slug(&app.published().await[0].slug).await.unwrap();
    app.store().set_reuse_policy(article.id, Some(ReusePolicy::CommunityCrossPost)).await.unwrap();
    let terms = "https://meridian.example/reuse/community-cross-post";
    let page = app.get(&article.path()).await.html();
    assert_eq!(attrs(&page, ".reuse-policy a[rel=license]", "href"), [terms]);
    for path in ["/feed.xml", "/atom.xml", &format!("{}.ninjs.json", article.path())] {
        assert!(app.get(path).await.body.contains(terms), "{path}");
    }
    app.finish().await;
}

#[tokio::test]
async fn an_article_without_an_author_has_no_empty_byline() {
    let app = TestApp::demo().await;
    let newest = app.store().article_by_slug(&app.published().await[0].slug).await.unwrap();
    let mut new = app.store().revision_snapshot(newest.id, newest.revision).await.unwrap();
    new.slug = Slug::parse("unsigned").unwrap();
    new.author_ids = vec![];
    new.origins = vec![];
    new.published_at = Some(jiff::Timestamp::now());
    app.store().create_article(&new).await.unwrap();

    let page = app.get("/article/unsigned").await.html();
    assert!(texts(&page, ".byline").is_empty());
    assert!(texts(&page, ".articles-by").is_empty());
    assert!(!one_text(&page, ".article-head .meta").trim_start().starts_with('·'), "no dangling separator");
    let home = app.get("/").await.html();
    assert!(!texts(&home, ".meta").iter().any(|m| m.starts_with("By  ·") || m.starts_with("By ·")));
    let snippet = app.get("/article/unsigned/republish.json").await.body;
    assert!(!snippet.contains("<p>By , ") && !snippet.contains("<p>By ,"), "{snippet}");
    app.finish().await;
}

#[tokio::test]
async fn the_outlets_logo_is_in_the_header_and_names_the_publisher_to_machines() {
    let app = TestApp::demo().await;
    let admin = app.api_token(masthead_core::Role::Administrator, None).await;
    let put = |logo: &str| {
        crate::harness::api_call(
            &app,
            &admin,
            "PUT",
            "/api/admin/settings",
            Some(serde_json::json!({ "logo": logo })),
        )
    };
    let (status, body) = put("javascript:alert(1)").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "logo");
    let home = app.get("/").await.html();
    assert!(attrs(&home, ".site-title img", "src").is_empty(), "no logo until one is set");
    let ld = |html: &scraper::Html| -> serde_json::Value {
        serde_json::from_str(&texts(html, "script[type='application/ld+json']")[0]).unwrap()
    };
    assert!(ld(&home)["@graph"][1].get("logo").is_none());

    let (status, body) = put("/media/demo/logo.svg").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let logo = "https://meridian.example/media/demo/logo.svg";
    let home = app.get("/").await.html();
    assert_eq!(attrs(&home, ".site-title img", "src"), [logo]);
    assert_eq!(attrs(&home, ".site-title img", "alt"), ["The Meridian"]);
    assert_eq!(ld(&home)["@graph"][1]["logo"]["url"], logo);
    let slug = &app.published().await[0].slug;
    let article = app.get(&format!("/article/{slug}")).await.html();
    assert_eq!(ld(&article)["publisher"]["logo"]["@type"], "ImageObject");
    assert_eq!(ld(&article)["publisher"]["logo"]["url"], logo);
    app.finish().await;
}

#[tokio::test]
async fn an_article_changed_after_publication_says_when() {
    let app = TestApp::demo().await;
    let summary = app.published().await.into_iter().last().unwrap();
    let a = app.store().article(summary.id).await.unwrap();
    let page = app.get(&format!("/article/{}", a.slug)).await.html();
    assert!(texts(&page, ".meta .updated").is_empty(), "not changed since it went out");
    // An edit after publication.
    let mut new = app.store().revision_snapshot(a.id, a.revision).await.unwrap();
    new.dek = "A standfirst added later.".into();
    new.published_at = a.published_at;
    app.store().update_article(a.id, a.revision, &new, None).await.unwrap();
    let page = app.get(&format!("/article/{}", a.slug)).await.html();
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get(&a.time_zone).unwrap());
    assert_eq!(texts(&page, ".meta .updated"), [format!("Updated {}", today.strftime("%-d %B %Y"))]);
    app.finish().await;
}
