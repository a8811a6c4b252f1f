//! Readers' comments through the router: members write, answer, edit and delete; the newsroom
//! holds, approves, bans and closes; the cached article page changes only when what it shows
//! does; mail goes to a real SMTP server on loopback. Also what else the foot of an article
//! shows: imported comments, verified mentions and republications, related articles.

use axum::http::StatusCode;
use jiff::Timestamp;
use masthead_core::{CommentStatus, MemberSource, MemberStatus, MentionKind, NewMember, Role};
use masthead_newsroom::mail::Mailer;
use masthead_store::{MentionOutcome, NewComment, QueueLimits};

use crate::admin::{PASSWORD, form, get_with, sign_in, staff};
use crate::harness::{Backend, Reply, TestApp, attrs, one_text, texts};
use crate::members::post;
use crate::reset::SmtpSink;

const ORIGIN: &str = "https://meridian.example";

/// An active member named `name` (or none), signed in: the cookie and their forms' token.
async fn member(app: &TestApp, email: &str, name: &str) -> (i64, String, String) {
    let m = app
        .store()
        .create_member(&NewMember {
            email: email.into(),
            name: name.into(),
            status: MemberStatus::Active,
            source: MemberSource::Signup,
            consent_at: None,
            note: String::new(),
            created_at: None,
            newsletters: vec![],
            labels: vec![],
        })
        .await
        .unwrap();
    let session = masthead_newsroom::secrets::new_token();
    let csrf = masthead_newsroom::secrets::new_token();
    let hash = masthead_newsroom::secrets::token_hash(&session);
    let expires = Timestamp::now() + jiff::SignedDuration::from_hours(24);
    app.store().create_member_session(m.id, &hash, &csrf, expires).await.unwrap();
    (m.id, format!("masthead_member={session}"), csrf)
}

/// Sends the article page's comment form as a member would, from the site's own page.
async fn comment(app: &TestApp, cookie: &str, fields: &[(&str, &str)]) -> Reply {
    post(app, "/comments", &[("origin", ORIGIN), ("cookie", cookie)], fields).await
}

/// An editor's decision on one comment, through the queue's form.
async fn moderate(app: &TestApp, session: &str, id: i64, action: &str) -> Reply {
    let queue = get_with(app, "/admin/comments", ("cookie", session)).await;
    let csrf = attrs(&queue.html(), "input[name=csrf]", "value").pop().unwrap();
    form(app, "/admin/comments", session, &[("csrf", &csrf), ("action", action), ("id", &id.to_string())])
        .await
}

fn x_cache(reply: &Reply) -> String {
    reply.headers.get("x-cache").and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned()
}

#[tokio::test]
async fn members_comment_the_newsroom_moderates_and_the_page_follows_on_sqlite() {
    members_comment_the_newsroom_moderates_and_the_page_follows(Backend::Sqlite).await;
}

#[tokio::test]
async fn members_comment_the_newsroom_moderates_and_the_page_follows_on_postgres() {
    members_comment_the_newsroom_moderates_and_the_page_follows(Backend::Postgres).await;
}

async fn members_comment_the_newsroom_moderates_and_the_page_follows(backend: Backend) {
    let Some(sink) = SmtpSink::start() else { return };
    let mailer = Mailer::new(Some(&sink.url()), "The Meridian <news@meridian.example>").unwrap();
    let Some(app) = TestApp::demo_with(backend, masthead_web::DEFAULT_PAGE_SIZE, mailer).await else {
        return;
    };
    let published = app.published().await;
    let (a, b) = (&published[0], &published[1]);
    let (page_a, page_b) = (format!("/article/{}", a.slug), format!("/article/{}", b.slug));
    let id = a.id.to_string();

    // The form is on the cached page, for everyone.
    let page = app.get(&page_a).await;
    assert_eq!(attrs(&page.html(), "form.comment-form", "action"), ["/comments"]);
    assert_eq!(attrs(&page.html(), "form.comment-form input[name=article]", "value"), [id.as_str()]);
    assert_eq!(x_cache(&app.get(&page_b).await), "miss");
    assert_eq!(x_cache(&app.get(&page_a).await), "hit");

    // Signed out: refused, and what was typed is kept.
    let reply =
        post(&app, "/comments", &[("origin", ORIGIN)], &[("article", &id), ("text", "My view")]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(one_text(&reply.html(), "textarea[name=text]"), "My view");
    assert!(
        reply
            .html()
            .select(&scraper::Selector::parse("a[href='/account/sign-in']").unwrap())
            .next()
            .is_some()
    );

    let (jelena_id, jelena, jelena_csrf) = member(&app, "jelena@mail.example", "Jelena P.").await;
    // From another site: refused, whoever is signed in.
    let forged = post(
        &app,
        "/comments",
        &[("origin", "https://evil.example"), ("cookie", &jelena)],
        &[("article", &id), ("text", "x")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // A first comment is held: not shown, and the page is not purged.
    let held = comment(
        &app,
        &jelena,
        &[("article", &id), ("text", "Is the *2023* figure before VAT?"), ("notify", "on")],
    )
    .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.body);
    assert!(held.body.contains("waiting"), "{}", held.body);
    let first = app.store().comments_of(a.id).await.unwrap().pop().unwrap();
    assert_eq!((first.status, first.held_for.as_str()), (CommentStatus::Held, "first comment"));
    let cached = app.get(&page_a).await;
    assert_eq!(x_cache(&cached), "hit");
    assert!(texts(&cached.html(), ".comment .comment-body").is_empty());

    // An editor approves it from the queue; the article's page (only) is refreshed.
    staff(&app, Role::Editor).await;
    let (_, session) = sign_in(&app, "editor@meridian.example", PASSWORD).await;
    let session = session.unwrap();
    let queue = get_with(&app, "/admin/comments", ("cookie", &session)).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    assert_eq!(attrs(&queue.html(), "form.comment-queue input[name=id]", "value"), [first.id.to_string()]);
    let csrf = attrs(&queue.html(), "form.comment-queue input[name=csrf]", "value").pop().unwrap();
    let done = form(
        &app,
        "/admin/comments",
        &session,
        &[("csrf", &csrf), ("status", "held"), ("action", "approve"), ("id", &first.id.to_string())],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = app.get(&page_a).await;
    assert_eq!(x_cache(&page), "miss", "the article's page was purged");
    assert_eq!(x_cache(&app.get(&page_b).await), "hit", "another article's page stays");
    let html = page.html();
    assert_eq!(texts(&html, ".comment .comment-author"), ["Jelena P."]);
    assert_eq!(texts(&html, ".comment .comment-body em"), ["2023"]);
    assert_eq!(one_text(&html, "#comments-heading"), "Comments (1)");
    // Lists count them.
    let home = app.get("/").await.html();
    assert!(
        texts(&home, "a.comment-count").contains(&"1 comment".to_owned()),
        "{:?}",
        texts(&home, "a.comment-count")
    );

    // Now known, the member's comments are shown at once.
    let (mara_id, mara, mara_csrf) = member(&app, "mara@mail.example", "").await;
    let shown = comment(&app, &jelena, &[("article", &id), ("text", "And after VAT it is lower.")]).await;
    assert_eq!(shown.status, StatusCode::SEE_OTHER, "{}", shown.body);
    let location = shown.header("location").to_owned();
    assert!(location.starts_with(&format!("{page_a}#comment-")), "{location}");

    // Mara has no name yet: she is asked for one, and what she wrote is kept.
    let reply_page =
        get_with(&app, &format!("/comments/new?article={id}&reply_to={}", first.id), ("cookie", &mara)).await;
    assert_eq!(reply_page.status, StatusCode::OK, "{}", reply_page.body);
    assert_eq!(reply_page.header("cache-control"), "no-store");
    assert_eq!(
        attrs(&reply_page.html(), "form.comment-form input[name=csrf]", "value"),
        [mara_csrf.as_str()]
    );
    let answer = [
        ("csrf", mara_csrf.as_str()),
        ("article", &id),
        ("parent", &first.id.to_string()),
        ("text", "Before."),
    ];
    let unnamed = post(&app, "/comments", &[("cookie", &mara)], &answer).await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unnamed.body);
    assert!(one_text(&unnamed.html(), ".form-error").contains("name"));
    assert_eq!(one_text(&unnamed.html(), "textarea[name=text]"), "Before.");
    // Her first comment is held; once approved it is shown under the one it answers, and
    // Jelena, who asked, hears of it.
    let mut named = answer.to_vec();
    named.push(("name", "Mara"));
    assert_eq!(post(&app, "/comments", &[("cookie", &mara)], &named).await.status, StatusCode::OK);
    let answer_id = app
        .store()
        .comments_of(a.id)
        .await
        .unwrap()
        .iter()
        .find(|c| c.member_id == Some(mara_id))
        .unwrap()
        .id;
    assert_eq!(moderate(&app, &session, answer_id, "approve").await.status, StatusCode::SEE_OTHER);
    let html = app.get(&page_a).await.html();
    assert_eq!(
        texts(&html, &format!("#comment-{} .comment-replies .comment-author", first.id)),
        ["Mara"],
        "answers sit under the comment they answer"
    );
    let mut mailed = false;
    for _ in 0..100 {
        if sink
            .messages()
            .iter()
            .any(|m| m.contains("To: jelena@mail.example") && m.contains("Mara answered your comment"))
        {
            mailed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(mailed, "the writer who asked hears of answers: {:#?}", sink.messages());
    assert_eq!(app.store().member(mara_id).await.unwrap().name, "Mara", "the name given became hers");

    // Links hold a comment; so do the settings' words.
    let linked =
        comment(&app, &jelena, &[("article", &id), ("text", "Cheap flights at www.example.com")]).await;
    assert_eq!(linked.status, StatusCode::OK);
    let mut site = app.store().site().await.unwrap();
    site.comments_held_words = vec!["casino".into()];
    app.store().save_site(&site).await.unwrap();
    comment(&app, &jelena, &[("article", &id), ("text", "Best CASINO bonus")]).await;
    let held: Vec<String> = app
        .store()
        .comments_of(a.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.status == CommentStatus::Held)
        .map(|c| c.held_for)
        .collect();
    assert_eq!(held, ["links", "the word “casino”"]);

    // Too long: refused, saying the limit, and kept.
    let long = "word ".repeat(1_100);
    let refused = comment(&app, &jelena, &[("article", &id), ("text", &long)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_text(&refused.html(), ".form-error").contains("at most 5000"), "{}", refused.body);

    // The writer edits within ten minutes, and deletes.
    let own = app.store().member_comments(jelena_id, 10).await.unwrap();
    let latest_shown = own.iter().find(|q| q.comment.status == CommentStatus::Approved).unwrap().comment.id;
    let page = get_with(&app, &format!("/comments/{latest_shown}"), ("cookie", &jelena)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let edited = post(
        &app,
        &format!("/comments/{latest_shown}"),
        &[("cookie", &jelena)],
        &[("csrf", &jelena_csrf), ("text", "After VAT it is **lower**.")],
    )
    .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    assert_eq!(texts(&app.get(&page_a).await.html(), ".comment-body strong"), ["lower"]);
    let stranger = get_with(&app, &format!("/comments/{latest_shown}"), ("cookie", &mara)).await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND, "nobody else's");
    let no_token =
        post(&app, &format!("/comments/{latest_shown}/delete"), &[("cookie", &jelena)], &[("csrf", "wrong")])
            .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let deleted = post(
        &app,
        &format!("/comments/{latest_shown}/delete"),
        &[("cookie", &jelena)],
        &[("csrf", &jelena_csrf)],
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert!(app.store().comment(latest_shown).await.is_err());

    // The account lists the member's comments.
    let account = get_with(&app, "/account", ("cookie", &jelena)).await.html();
    assert!(!attrs(&account, ".own-comments a", "href").is_empty());
    // And the data they can download holds what they wrote.
    let data = get_with(&app, "/account/data", ("cookie", &jelena)).await;
    let data: serde_json::Value = serde_json::from_str(&data.body).unwrap();
    let written: Vec<&str> =
        data["comments"].as_array().unwrap().iter().filter_map(|c| c["text"].as_str()).collect();
    assert!(written.contains(&"Is the *2023* figure before VAT?"), "{written:?}");

    // Banned: no more comments. Closed: none either, and the form gives way to a notice.
    assert_eq!(moderate(&app, &session, answer_id, "ban").await.status, StatusCode::SEE_OTHER);
    let banned = post(&app, "/comments", &[("cookie", &mara)], &named).await;
    assert_eq!(banned.status, StatusCode::FORBIDDEN);
    assert!(one_text(&banned.html(), ".form-error").contains("no longer comment"));
    let editor_page = get_with(&app, &format!("/admin/articles/{id}"), ("cookie", &session)).await;
    let csrf = attrs(&editor_page.html(), ".comments-panel input[name=csrf]", "value").pop().unwrap();
    let closed = form(
        &app,
        &format!("/admin/articles/{id}/comments"),
        &session,
        &[("csrf", &csrf), ("comments", "closed")],
    )
    .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let html = app.get(&page_a).await.html();
    assert!(attrs(&html, "form.comment-form", "action").is_empty());
    assert_eq!(one_text(&html, ".comments-closed"), "Comments on this article are closed.");
    let late = comment(&app, &jelena, &[("article", &id), ("text", "Late")]).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn comments_close_by_age_and_each_member_and_address_is_limited() {
    let app = TestApp::demo().await;
    let day_ago = Timestamp::now() - jiff::SignedDuration::from_hours(25);
    let a =
        app.published().await.into_iter().find(|s| s.published_at < day_ago).expect("an article a day old");
    let id = a.id.to_string();
    let (_, cookie, _) = member(&app, "busy@mail.example", "Busy").await;
    let mut site = app.store().site().await.unwrap();
    site.comments_close_after_days = 1;
    app.store().save_site(&site).await.unwrap();
    let reply = comment(&app, &cookie, &[("article", &id), ("text", "Too late")]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(one_text(&reply.html(), ".form-error").contains("closed"));

    site.comments_close_after_days = 0;
    app.store().save_site(&site).await.unwrap();
    // A member who wrote as many comments as the hour allows is asked to wait; their text is kept.
    let (busy, cookie, _) = member(&app, "busier@mail.example", "Busier").await;
    for i in 0..masthead_newsroom::comments::PER_MEMBER_PER_HOUR {
        let mut c = masthead_store::NewMemberComment {
            article_id: a.id,
            parent_id: None,
            member_id: busy,
            author_name: "Busier".into(),
            body_html: format!("<p>{i}</p>"),
            body_source: i.to_string(),
            status: CommentStatus::Approved,
            held_for: String::new(),
            notify_replies: false,
            created_at: Timestamp::now(),
        };
        c.created_at = Timestamp::now() - jiff::SignedDuration::from_mins(i);
        app.store().add_comment(&c).await.unwrap();
    }
    let reply = comment(&app, &cookie, &[("article", &id), ("text", "one more")]).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.body);
    assert!(one_text(&reply.html(), ".form-error").contains("last hour"));
    assert_eq!(one_text(&reply.html(), "textarea[name=text]"), "one more");

    // One address may send only so many forms at once, whoever signs them.
    let (_, other, _) = member(&app, "other@mail.example", "Other").await;
    let mut statuses = Vec::new();
    for i in 0..masthead_web::READER_BURST {
        statuses
            .push(comment(&app, &other, &[("article", &id), ("text", &format!("comment {i}"))]).await.status);
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::OK));
}

#[tokio::test]
async fn imported_comments_mentions_republications_and_related_articles_are_shown() {
    let app = TestApp::demo().await;
    let published = app.published().await;
    let a = &published[0];
    app.store()
        .upsert_comment(&NewComment {
            article_id: a.id,
            parent_id: None,
            author_name: "Old Reader".into(),
            author_email: "old@mail.example".into(),
            author_url: "https://old-reader.example/".into(),
            body_html: "<p>From the old site.</p>".into(),
            created_at: "2019-05-01T10:00:00Z".parse().unwrap(),
            approved: true,
            source_key: Some("wordpress:x:comment:1".into()),
        })
        .await
        .unwrap();
    let target = format!("{ORIGIN}/article/{}", a.slug);
    let limits = QueueLimits { pending: 100, pending_per_article: 100 };
    for (source, kind) in [
        ("https://blog.example/post", Some(MentionKind::Mention)),
        ("https://partner.example/copy", Some(MentionKind::Republication)),
        ("https://unchecked.example/x", None),
    ] {
        let queued =
            app.store().queue_webmention(a.id, source, &target, Timestamp::now(), limits).await.unwrap();
        let masthead_store::Queued::Queued(id) = queued else { panic!("{queued:?}") };
        if let Some(kind) = kind {
            app.store()
                .settle_webmention(id, &MentionOutcome::Verified(kind), None, Timestamp::now())
                .await
                .unwrap();
        }
    }
    let html = app.get(&format!("/article/{}", a.slug)).await.html();
    assert_eq!(texts(&html, ".comment .comment-author a"), ["Old Reader"]);
    assert_eq!(attrs(&html, ".comment .comment-author a", "rel"), ["nofollow ugc noopener"]);
    assert_eq!(texts(&html, ".mentions li a"), ["blog.example"]);
    assert_eq!(texts(&html, ".republished-by li a"), ["partner.example"]);
    let related = attrs(&html, ".related-list a", "href");
    assert!(!related.is_empty() && related.len() <= masthead_store::RELATED_COUNT, "{related:?}");
    assert!(!related.contains(&format!("/article/{}", a.slug)), "never itself");
}
