//! The newsroom's own pages in the admin: authors, terms, outlets, the media library, an
//! article's history, API tokens and staff; and the editor's tags, author order and provenance.

use axum::http::StatusCode;
use masthead_core::{Provenance, Role};

use crate::admin::{PASSWORD, form, get_with, page_token, sign_in, staff_writing_as};
use crate::harness::{TestApp, attrs, multipart, one_text, photo, texts};

/// The demo site with an editor (or `role`) signed in: (app, session, csrf).
async fn signed_in(role: Role) -> (TestApp, String, String) {
    let app = TestApp::demo().await;
    let author_id = app.store().authors().await.unwrap()[0].id;
    staff_writing_as(&app, role, author_id).await;
    let (_, session) = sign_in(&app, &format!("{}@meridian.example", role.key()), PASSWORD).await;
    let session = session.unwrap();
    let (_, csrf) = page_token(&app, &session, "/admin/articles/new").await;
    (app, session, csrf)
}

#[tokio::test]
async fn editors_manage_authors_terms_and_outlets_with_clear_errors() {
    let (app, session, csrf) = signed_in(Role::Editor).await;
    let made = form(
        &app,
        "/admin/authors",
        &session,
        &[
            ("csrf", &csrf),
            ("name", "Tomás Ferreira-Lind"),
            ("bio", "Tomás Ferreira-Lind covers the Western Balkans."),
            ("links", "Website https://ana.example/\nMastodon https://social.example/@ana"),
        ],
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let edit = made.header("location").to_owned();
    let page = get_with(&app, &edit, ("cookie", &session)).await;
    assert_eq!(one_text(&page.html(), ".form-notice"), "Saved.");
    let author =
        app.store().authors().await.unwrap().into_iter().find(|a| a.name == "Tomás Ferreira-Lind").unwrap();
    assert_eq!(author.slug.as_str(), "tomas-ferreira-lind");
    assert_eq!(author.links.len(), 2);
    assert_eq!(author.links[1].label, "Mastodon");
    let public = app.get(&author.path()).await;
    assert!(public.body.contains("covers the Western Balkans"), "the archive shows the bio");

    let bad_link = form(
        &app,
        &edit,
        &session,
        &[("csrf", &csrf), ("name", "Tomás Ferreira-Lind"), ("links", "Website ana dot example")],
    )
    .await;
    assert_eq!(bad_link.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&bad_link.html(), ".form-error").contains("Link line 1"), "{}", bad_link.body);
    assert_eq!(attrs(&bad_link.html(), "textarea#links", "id").len(), 1, "the form comes back");
    assert!(bad_link.body.contains("Website ana dot example"), "with what was typed");
    let nameless = form(&app, "/admin/authors", &session, &[("csrf", &csrf), ("name", " ")]).await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Terms: a region within a region; a theme cannot lie within a region; no cycles.
    let europe = app.store().terms(masthead_core::TermKind::Region).await.unwrap()[0].clone();
    let parent = europe.id.to_string();
    let region = form(
        &app,
        "/admin/terms",
        &session,
        &[("csrf", &csrf), ("kind", "region"), ("name", "Lower Danube"), ("parent_id", &parent)],
    )
    .await;
    assert_eq!(region.status, StatusCode::SEE_OTHER, "{}", region.body);
    let lower = app
        .store()
        .term_by_slug(masthead_core::TermKind::Region, &masthead_core::Slug::parse("lower-danube").unwrap())
        .await;
    assert_eq!(lower.unwrap().parent_id, Some(europe.id));
    let mixed = form(
        &app,
        "/admin/terms",
        &session,
        &[("csrf", &csrf), ("kind", "theme"), ("name", "Rivers"), ("parent_id", &parent)],
    )
    .await;
    assert_eq!(mixed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(one_text(&mixed.html(), ".form-error"), "A theme can only lie within another theme.");
    let lower_id =
        region.header("location").trim_end_matches("?saved").rsplit('/').next().unwrap().to_owned();
    let cycle = form(
        &app,
        &format!("/admin/terms/{}", europe.id),
        &session,
        &[("csrf", &csrf), ("kind", "region"), ("name", &europe.name), ("parent_id", &lower_id)],
    )
    .await;
    assert_eq!(cycle.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", cycle.body);

    // Outlets.
    let outlet = form(
        &app,
        "/admin/outlets",
        &session,
        &[("csrf", &csrf), ("name", "Danube Review"), ("homepage", "https://danube.example/")],
    )
    .await;
    assert_eq!(outlet.status, StatusCode::SEE_OTHER);
    let bad = form(
        &app,
        "/admin/outlets",
        &session,
        &[("csrf", &csrf), ("name", "X"), ("homepage", "not an address")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&bad.html(), ".form-error").contains("not a web address"), "{}", bad.body);
    let listed = get_with(&app, "/admin/outlets", ("cookie", &session)).await;
    assert!(texts(&listed.html(), "table.records a").contains(&"Danube Review".to_owned()));
    let forged = form(&app, "/admin/outlets", &session, &[("csrf", "forged"), ("name", "Y")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

#[tokio::test]
async fn the_editor_orders_authors_adds_tags_and_keeps_provenance() {
    let (app, session, csrf) = signed_in(Role::Editor).await;
    let authors = app.store().authors().await.unwrap();
    let (first, second) = (authors[0].id.to_string(), authors[1].id.to_string());
    let outlet = app.store().outlets().await.unwrap()[0].clone();
    let outlet_id = outlet.id.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "Grain through the straits"),
        ("body", "Ships wait at the straits."),
        ("author_ids", first.as_str()),
        ("author_ids", second.as_str()),
        (format!("author_pos_{first}").leak(), "2"),
        (format!("author_pos_{second}").leak(), "1"),
        ("new_tags", "Shipping, Grain trade, shipping"),
        ("origin_outlet_id", outlet_id.as_str()),
        ("origin_url", "https://partner.example/2026/grain"),
        ("origin_published", "2026-11-02T09:30"),
        ("origin_byline", "By the partner's desk"),
        ("origin_outlet_id", ""),
        ("origin_url", ""),
        ("origin_published", ""),
        ("origin_byline", ""),
    ];
    let made = form(&app, "/admin/articles/new", &session, &fields).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let id: i64 = made.header("location").rsplit('/').next().unwrap().parse().unwrap();
    let article = app.store().article(id).await.unwrap();
    let order: Vec<String> = article.authors.iter().map(|a| a.id.to_string()).collect();
    assert_eq!(order, vec![second.clone(), first.clone()], "the byline follows the numbers");
    let tags: Vec<&str> = article.terms_of(masthead_core::TermKind::Tag).map(|t| t.name.as_str()).collect();
    assert_eq!(tags, vec!["Shipping", "Grain trade"], "new tags made once each");
    let Provenance::Republished { chain } = &article.provenance else { panic!("provenance kept") };
    assert_eq!(chain[0].outlet.id, outlet.id);
    assert_eq!(chain[0].url.as_str(), "https://partner.example/2026/grain");
    assert_eq!(chain[0].byline, "By the partner's desk");
    assert!(chain[0].published_at.is_some());

    // The editor shows it all back, and a plain save keeps it.
    let page = get_with(&app, &format!("/admin/articles/{id}"), ("cookie", &session)).await;
    let html = page.html();
    assert_eq!(attrs(&html, "input[name=origin_url]", "value")[0], "https://partner.example/2026/grain");
    assert_eq!(attrs(&html, "input[name=origin_published]", "value")[0], "2026-11-02T09:30");
    assert_eq!(attrs(&html, "input[name=author_ids]", "value")[..2], [second.clone(), first.clone()]);
    let mut pairs: Vec<(String, String)> = Vec::new();
    for input in html.select(
        &scraper::Selector::parse("form.editor input, form.editor textarea, form.editor select").unwrap(),
    ) {
        let Some(name) = input.value().attr("name") else { continue };
        let value = match input.value().name() {
            "textarea" => input.text().collect::<String>(),
            "select" => input
                .select(&scraper::Selector::parse("option[selected]").unwrap())
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or_default()
                .to_owned(),
            _ if input.value().attr("type") == Some("checkbox")
                && input.value().attr("checked").is_none() =>
            {
                continue;
            }
            _ => input.value().attr("value").unwrap_or_default().to_owned(),
        };
        pairs.push((name.to_owned(), value));
    }
    pairs.push(("action".into(), "publish".into()));
    let fields: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = form(&app, &format!("/admin/articles/{id}"), &session, &fields).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let article = app.store().article(id).await.unwrap();
    assert_eq!(article.provenance.original().unwrap().url.as_str(), "https://partner.example/2026/grain");
    assert_eq!(article.authors[0].id.to_string(), second);
    let public = app.get(&article.path()).await;
    let line = one_text(&public.html(), ".originally-published");
    assert!(line.contains(&outlet.name), "{line}");
    assert_eq!(
        attrs(&public.html(), ".originally-published a", "href")[0],
        "https://partner.example/2026/grain"
    );

    // A provenance line needs an outlet and an address.
    let bad = [
        ("csrf", csrf.as_str()),
        ("title", "Half a source"),
        ("body", "Text."),
        ("author_ids", first.as_str()),
        ("origin_outlet_id", ""),
        ("origin_url", "https://partner.example/x"),
        ("origin_published", ""),
        ("origin_byline", ""),
    ];
    let refused = form(&app, "/admin/articles/new", &session, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(one_text(&refused.html(), ".form-error"), "Provenance line 1: choose the outlet.");
    app.finish().await;
}

#[tokio::test]
async fn history_shows_each_revision_as_a_diff_and_restores_it() {
    let (app, session, csrf) = signed_in(Role::Editor).await;
    let author = app.store().authors().await.unwrap()[0].id.to_string();
    let base = [("csrf", csrf.as_str()), ("title", "Bridges"), ("author_ids", author.as_str())];
    let made = form(
        &app,
        "/admin/articles/new",
        &session,
        &[&base[..], &[("body", "The old bridge stands.")]].concat(),
    )
    .await;
    let edit = made.header("location").to_owned();
    let second = [&base[..], &[("revision", "1"), ("body", "The old bridge fell.")]].concat();
    assert_eq!(form(&app, &edit, &session, &second).await.status, StatusCode::OK);

    let history = get_with(&app, &format!("{edit}/revisions"), ("cookie", &session)).await;
    assert_eq!(history.status, StatusCode::OK);
    let links = texts(&history.html(), "table.revisions a");
    assert_eq!(links, vec!["Revision 2", "Revision 1"], "newest first");
    assert!(history.body.contains("The editor"), "who saved");
    assert_eq!(
        texts(&history.html(), "table.revisions td:nth-child(4)")[1],
        "Headline, Address, Standfirst, Text, Excerpt, Status, Publication time, Time zone, Authors, \
         Regions, themes and tags, Featured image, Image description, Image credit, Reuse terms, \
         Where it first appeared, Language, Translation of",
        "the fields a first save set, as a person names them"
    );
    assert!(!history.body.contains("term_ids") && !history.body.contains("featured_media_id"));
    let diff = get_with(&app, &format!("{edit}/revisions/2"), ("cookie", &session)).await;
    let html = diff.html();
    assert_eq!(texts(&html, ".word-diff del"), ["stands."], "word by word");
    assert_eq!(texts(&html, ".word-diff ins"), ["fell."]);
    assert!(!diff.body.contains("No newline"), "{}", diff.body);

    let restore_csrf = attrs(
        &get_with(&app, &format!("{edit}/revisions/1"), ("cookie", &session)).await.html(),
        "form input[name=csrf]",
        "value",
    )[1]
    .clone();
    let restored = form(
        &app,
        &format!("{edit}/revisions/1/restore"),
        &session,
        &[("csrf", &restore_csrf), ("revision", "2")],
    )
    .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    let article = app.store().article(id).await.unwrap();
    assert_eq!((article.body.source.as_str(), article.revision), ("The old bridge stands.", 3));
    // A restore from a page that is out of date is refused, and says why.
    let stale = form(
        &app,
        &format!("{edit}/revisions/2/restore"),
        &session,
        &[("csrf", &restore_csrf), ("revision", "2")],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(one_text(&stale.html(), ".form-error").contains("Someone saved this article"));
    assert_eq!(app.store().article(id).await.unwrap().revision, 3, "nothing overwritten");

    // Restoring a published article asks first: the live page would change at once.
    app.store().set_status(id, masthead_core::ArticleStatus::Published, None, None).await.unwrap();
    let restore = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        let (edit, session) = (edit.clone(), session.clone());
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form(app, &format!("{edit}/revisions/2/restore"), &session, &fields).await
        }
    };
    let asked = restore(vec![("csrf", restore_csrf.clone()), ("revision", "4".into())]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(one_text(&asked.html(), ".form-error").contains("This article is published"));
    assert_eq!(attrs(&asked.html(), "input[name=confirm]", "value"), ["yes"]);
    assert_eq!(app.store().article(id).await.unwrap().revision, 4, "nothing restored yet");
    let done =
        restore(vec![("csrf", restore_csrf.clone()), ("revision", "4".into()), ("confirm", "yes".into())])
            .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(app.store().article(id).await.unwrap().body.source, "The old bridge fell.");
    app.finish().await;
}

#[tokio::test]
async fn staff_make_and_revoke_their_own_api_tokens() {
    let (app, session, csrf) = signed_in(Role::Author).await;
    let made = form(&app, "/admin/tokens", &session, &[("csrf", &csrf), ("name", "newsletter script")]).await;
    assert_eq!(made.status, StatusCode::CREATED);
    let token = one_text(&made.html(), "output.token");
    assert_eq!(token.len(), 64);
    let call = |token: String| {
        let app = &app;
        async move {
            get_with(app, "/api/admin/articles", ("authorization", &format!("Bearer {token}"))).await.status
        }
    };
    assert_eq!(call(token.clone()).await, StatusCode::OK);
    let list = get_with(&app, "/admin/tokens", ("cookie", &session)).await;
    assert!(list.body.contains("newsletter script"));
    assert_eq!(one_text(&list.html(), "table.tokens tbody td:nth-child(2)"), "read", "read unless asked");
    let write = [("csrf", csrf.as_str()), ("name", "drafts"), ("scope", "write"), ("expires_days", "7")];
    assert_eq!(form(&app, "/admin/tokens", &session, &write).await.status, StatusCode::CREATED);
    let forever =
        [("csrf", csrf.as_str()), ("name", "forever"), ("scope", "write"), ("expires_days", "9999")];
    assert_eq!(
        form(&app, "/admin/tokens", &session, &forever).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let list = get_with(&app, "/admin/tokens", ("cookie", &session)).await;
    assert!(!list.body.contains(&token), "a token is shown only once");
    let revoke = attrs(&list.html(), "table.tokens form", "action")[1].clone();
    assert_eq!(form(&app, &revoke, &session, &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(call(token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(form(&app, &revoke, &session, &[("csrf", &csrf)]).await.status, StatusCode::NOT_FOUND);
    let nameless = form(&app, "/admin/tokens", &session, &[("csrf", &csrf), ("name", "")]).await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.finish().await;
}

#[tokio::test]
async fn the_media_library_lists_uploads_and_refuses_bad_files() {
    let (app, session, csrf) = signed_in(Role::Author).await;
    let upload = |file: Vec<u8>, alt: &'static str| {
        let (app, session, csrf) = (&app, session.clone(), csrf.clone());
        async move {
            app.send(multipart(
                "/admin/media",
                ("cookie", &session),
                &file,
                &[("csrf", &csrf), ("alt", alt), ("credit", "Photo: Desk")],
            ))
            .await
        }
    };
    let done = upload(photo(1200, 800), "Barges on the river").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let library = get_with(&app, done.header("location"), ("cookie", &session)).await;
    assert!(one_text(&library.html(), ".form-notice").starts_with("Uploaded as image number"));
    let alts = texts(&library.html(), ".media-item .alt");
    assert_eq!(alts[0], "Barges on the river", "newest first");
    let thumb = attrs(&library.html(), ".media-item img", "src")[0].clone();
    assert!(thumb.ends_with("-w480.jpg"), "the smallest copy: {thumb}");
    assert_eq!(app.get(&thumb).await.status, StatusCode::OK);

    let bad = upload(b"GIF89a not really".to_vec(), "A fake").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&bad.html(), ".form-error").starts_with("The image was not accepted"), "{}", bad.body);
    let mut truncated = photo(600, 400);
    truncated.truncate(truncated.len() / 2);
    assert_eq!(upload(truncated, "Half").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_alt = upload(photo(50, 50), "").await;
    assert_eq!(one_text(&no_alt.html(), ".form-error"), "Describe the image for readers who cannot see it.");
    let library = get_with(&app, "/admin/media", ("cookie", &session)).await;
    assert_eq!(texts(&library.html(), ".media-item").len(), alts.len(), "nothing kept of refused files");
    app.finish().await;
}

#[tokio::test]
async fn administrators_add_staff_who_then_choose_a_password() {
    let (app, session, csrf) = signed_in(Role::Administrator).await;
    let add = |email: &'static str, role: &'static str| {
        let (app, session, csrf) = (&app, session.clone(), csrf.clone());
        async move {
            form(
                app,
                "/admin/staff",
                &session,
                &[("csrf", &csrf), ("name", "Mira Kovač"), ("email", email), ("role", role)],
            )
            .await
        }
    };
    let added = add("Mira@Meridian.example", "author").await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert!(one_text(&added.html(), ".form-notice").contains("in the server's log"), "no mail server here");
    let (user, hash) = app.store().user_credentials("mira@meridian.example").await.unwrap().unwrap();
    assert_eq!(user.role, Role::Author);
    assert!(!masthead_newsroom::secrets::verify_password("", &hash), "no password until she chooses one");
    assert_eq!(add("mira@meridian.example", "editor").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let owner = add("boss@meridian.example", "owner").await;
    assert_eq!(one_text(&owner.html(), ".form-error"), "Only the owner makes or changes an owner.");

    // Promote her; then disable her, which ends her sessions.
    let promote = form(
        &app,
        &format!("/admin/staff/{}", user.id),
        &session,
        &[("csrf", &csrf), ("role", "editor"), ("author_id", "")],
    )
    .await;
    assert_eq!(promote.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store().user(user.id).await.unwrap().role, Role::Editor);
    app.store()
        .set_password_hash(user.id, &masthead_newsroom::secrets::hash_password(PASSWORD).unwrap())
        .await
        .unwrap();
    let (_, hers) = sign_in(&app, "mira@meridian.example", PASSWORD).await;
    let hers = hers.expect("she signs in");
    let disable = form(
        &app,
        &format!("/admin/staff/{}", user.id),
        &session,
        &[("csrf", &csrf), ("role", "editor"), ("disabled", "on")],
    )
    .await;
    assert_eq!(disable.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get_with(&app, "/admin/", ("cookie", &hers)).await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );

    // Nobody locks themselves out.
    let me = app.store().user_credentials("administrator@meridian.example").await.unwrap().unwrap().0;
    let myself = form(
        &app,
        &format!("/admin/staff/{}", me.id),
        &session,
        &[("csrf", &csrf), ("role", "administrator"), ("disabled", "on")],
    )
    .await;
    assert_eq!(one_text(&myself.html(), ".form-error"), "You cannot disable your own account.");
    let demote =
        form(&app, &format!("/admin/staff/{}", me.id), &session, &[("csrf", &csrf), ("role", "author")])
            .await;
    assert_eq!(demote.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.finish().await;
}
