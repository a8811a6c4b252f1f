//! The permission matrix: every role against every action, in the admin and in the Admin API,
//! through the router. The expected table is written out here, apart from the code that decides,
//! so that a change to either shows up as a failing cell.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use masthead_core::{ArticleStatus, NewAuthor, Role, Slug};
use masthead_store::NewUser;
use serde_json::json;

use crate::admin::{PASSWORD, form, get_with, page_token, sign_in};
use crate::harness::{TestApp, multipart, photo};

/// One staff member, signed in to the admin and holding an API token.
struct Person {
    role: Role,
    author_id: i64,
    session: String,
    csrf: String,
    token: String,
}

#[derive(Debug, Clone, Copy)]
enum Probe {
    WriteOwnDraft,
    PublishOwn,
    OpenOthersArticle,
    PublishOthers,
    UploadIntoOwnDraft,
    MediaLibrary,
    ManageAuthors,
    ManageTerms,
    ManageOutlets,
    ViewRepublications,
    ManageSettings,
    ManageStaff,
    ViewAuditLog,
    OwnApiTokens,
    ApiWriteOwnDraft,
    ApiPublishOwn,
    ApiReadOthersDraft,
    ApiPublishOthers,
    ApiDeleteOthersDraft,
    ApiUpload,
    ApiManageTerms,
    ApiViewRepublications,
    ApiManageSettings,
}

const Y: bool = true;
const N: bool = false;

/// Contributor, author, editor, administrator, owner.
const MATRIX: &[(Probe, [bool; 5])] = &[
    (Probe::WriteOwnDraft, [Y, Y, Y, Y, Y]),
    (Probe::PublishOwn, [N, Y, Y, Y, Y]),
    (Probe::OpenOthersArticle, [N, N, Y, Y, Y]),
    (Probe::PublishOthers, [N, N, Y, Y, Y]),
    (Probe::UploadIntoOwnDraft, [Y, Y, Y, Y, Y]),
    (Probe::MediaLibrary, [N, Y, Y, Y, Y]),
    (Probe::ManageAuthors, [N, N, Y, Y, Y]),
    (Probe::ManageTerms, [N, N, Y, Y, Y]),
    (Probe::ManageOutlets, [N, N, Y, Y, Y]),
    (Probe::ViewRepublications, [N, N, Y, Y, Y]),
    (Probe::ManageSettings, [N, N, N, Y, Y]),
    (Probe::ManageStaff, [N, N, N, Y, Y]),
    (Probe::ViewAuditLog, [N, N, N, Y, Y]),
    (Probe::OwnApiTokens, [Y, Y, Y, Y, Y]),
    (Probe::ApiWriteOwnDraft, [Y, Y, Y, Y, Y]),
    (Probe::ApiPublishOwn, [N, Y, Y, Y, Y]),
    (Probe::ApiReadOthersDraft, [N, N, Y, Y, Y]),
    (Probe::ApiPublishOthers, [N, N, Y, Y, Y]),
    (Probe::ApiDeleteOthersDraft, [N, N, Y, Y, Y]),
    (Probe::ApiUpload, [N, Y, Y, Y, Y]),
    (Probe::ApiManageTerms, [N, N, Y, Y, Y]),
    (Probe::ApiViewRepublications, [N, N, Y, Y, Y]),
    (Probe::ApiManageSettings, [N, N, N, Y, Y]),
];

async fn person(app: &TestApp, role: Role) -> Person {
    let author = app
        .store()
        .create_author(&NewAuthor {
            slug: Slug::parse(&format!("writer-{}", role.key())).unwrap(),
            name: format!("Writer {role}"),
            bio: String::new(),
            links: vec![],
            avatar_media_id: None,
            outlet_id: None,
        })
        .await
        .unwrap();
    let email = format!("{}@meridian.example", role.key());
    let user = app
        .store()
        .create_user(&NewUser {
            email: email.clone(),
            name: format!("The {role}"),
            role,
            password_hash: masthead_newsroom::secrets::hash_password(PASSWORD).unwrap(),
            author_id: Some(author.id),
        })
        .await
        .unwrap();
    let (_, session) = sign_in(app, &email, PASSWORD).await;
    let session = session.expect("signed in");
    let (_, csrf) = page_token(app, &session, "/admin/articles/new").await;
    let token = masthead_newsroom::secrets::new_token();
    app.store()
        .create_api_token(
            user.id,
            "matrix",
            &masthead_newsroom::secrets::token_hash(&token),
            masthead_core::Scope::Publish,
            jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24),
        )
        .await
        .unwrap();
    Person { role, author_id: author.id, session, csrf, token }
}

/// A new draft under `author_id`, made from a demo article's words.
async fn draft(app: &TestApp, author_id: i64, slug: &str) -> i64 {
    let demo = app.published().await[0].id;
    let mut new = app.store().revision_snapshot(demo, 1).await.unwrap();
    new.slug = Slug::parse(slug).unwrap();
    new.status = ArticleStatus::Draft;
    new.published_at = None;
    new.author_ids = vec![author_id];
    new.origins = vec![];
    app.store().create_article(&new).await.unwrap().id
}

async fn api(
    app: &TestApp,
    who: &Person,
    method: &str,
    uri: &str,
    body: Option<serde_json::Value>,
) -> StatusCode {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {}", who.token))
        .header("content-type", "application/json")
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty))
        .unwrap();
    app.send(request).await.status
}

/// Tries `probe` as `who`; `others` is an author who is not them. Answers whether it was allowed.
async fn attempt(app: &TestApp, who: &Person, others: i64, probe: Probe, n: usize) -> bool {
    let (session, csrf) = (who.session.as_str(), who.csrf.as_str());
    let page = |uri: &'static str| async move { get_with(app, uri, ("cookie", session)).await.status };
    let publish_form = |id: i64, title: String| async move {
        let revision = app.store().article(id).await.unwrap().revision.to_string();
        let author = app.store().article(id).await.unwrap().authors[0].id.to_string();
        let fields = [
            ("csrf", csrf),
            ("revision", revision.as_str()),
            ("title", title.as_str()),
            ("body", "Words."),
            ("author_ids", author.as_str()),
            ("action", "publish"),
        ];
        form(app, &format!("/admin/articles/{id}"), session, &fields).await.status
    };
    let status = match probe {
        Probe::WriteOwnDraft => {
            let (title, author) = (format!("Draft {n}"), who.author_id.to_string());
            let fields = [("csrf", csrf), ("title", &title), ("body", "Words."), ("author_ids", &author)];
            form(app, "/admin/articles/new", session, &fields).await.status
        }
        Probe::PublishOwn => {
            let id = draft(app, who.author_id, &format!("own-{n}")).await;
            publish_form(id, format!("Own {n}")).await
        }
        Probe::OpenOthersArticle => {
            let id = draft(app, others, &format!("theirs-{n}")).await;
            get_with(app, &format!("/admin/articles/{id}"), ("cookie", session)).await.status
        }
        Probe::PublishOthers => {
            let id = draft(app, others, &format!("theirs-{n}")).await;
            publish_form(id, format!("Theirs {n}")).await
        }
        Probe::UploadIntoOwnDraft => {
            let id = draft(app, who.author_id, &format!("own-{n}")).await;
            let fields = [("csrf", csrf), ("alt", "A test card")];
            let uri = format!("/admin/articles/{id}/image");
            app.send(multipart(&uri, ("cookie", session), &photo(64, 48), &fields)).await.status
        }
        Probe::MediaLibrary => page("/admin/media").await,
        Probe::ManageAuthors => {
            let name = format!("Guest {n}");
            form(app, "/admin/authors", session, &[("csrf", csrf), ("name", &name)]).await.status
        }
        Probe::ManageTerms => {
            let name = format!("Theme {n}");
            form(app, "/admin/terms", session, &[("csrf", csrf), ("kind", "theme"), ("name", &name)])
                .await
                .status
        }
        Probe::ManageOutlets => {
            let name = format!("Outlet {n}");
            form(app, "/admin/outlets", session, &[("csrf", csrf), ("name", &name)]).await.status
        }
        Probe::ViewRepublications => page("/admin/republications").await,
        Probe::ManageSettings => page("/admin/settings").await,
        Probe::ManageStaff => page("/admin/staff").await,
        Probe::ViewAuditLog => page("/admin/audit").await,
        Probe::OwnApiTokens => {
            form(app, "/admin/tokens", session, &[("csrf", csrf), ("name", "a script")]).await.status
        }
        Probe::ApiWriteOwnDraft => {
            let body =
                json!({ "title": format!("API draft {n}"), "body": "Words.", "author_ids": [who.author_id] });
            api(app, who, "POST", "/api/admin/articles", Some(body)).await
        }
        Probe::ApiPublishOwn => {
            let id = draft(app, who.author_id, &format!("own-{n}")).await;
            api(app, who, "POST", &format!("/api/admin/articles/{id}/publish"), None).await
        }
        Probe::ApiReadOthersDraft => {
            let id = draft(app, others, &format!("theirs-{n}")).await;
            api(app, who, "GET", &format!("/api/admin/articles/{id}"), None).await
        }
        Probe::ApiPublishOthers => {
            let id = draft(app, others, &format!("theirs-{n}")).await;
            api(app, who, "POST", &format!("/api/admin/articles/{id}/publish"), None).await
        }
        Probe::ApiDeleteOthersDraft => {
            let id = draft(app, others, &format!("theirs-{n}")).await;
            api(app, who, "DELETE", &format!("/api/admin/articles/{id}"), None).await
        }
        Probe::ApiUpload => {
            let auth = format!("Bearer {}", who.token);
            let fields = [("alt", "A test card")];
            app.send(multipart("/api/admin/media", ("authorization", &auth), &photo(64, 48), &fields))
                .await
                .status
        }
        Probe::ApiManageTerms => {
            let body = json!({ "kind": "tag", "name": format!("API tag {n}") });
            api(app, who, "POST", "/api/admin/terms", Some(body)).await
        }
        Probe::ApiViewRepublications => api(app, who, "GET", "/api/admin/republications", None).await,
        Probe::ApiManageSettings => {
            api(app, who, "PUT", "/api/admin/settings", Some(json!({ "tagline": format!("Tagline {n}") })))
                .await
        }
    };
    match status {
        StatusCode::OK | StatusCode::CREATED | StatusCode::SEE_OTHER | StatusCode::NO_CONTENT => true,
        StatusCode::FORBIDDEN => false,
        other => panic!("{probe:?} as {}: unexpected {other}", who.role),
    }
}

#[tokio::test]
async fn every_role_against_every_action_in_the_admin_and_the_api() {
    let app = TestApp::demo().await;
    let others = app.store().authors().await.unwrap()[0].id;
    let mut people = Vec::new();
    for role in Role::ALL {
        people.push(person(&app, role).await);
    }
    let mut wrong = Vec::new();
    let mut n = 0;
    for (probe, expected) in MATRIX {
        for (who, expected) in people.iter().zip(expected) {
            n += 1;
            let allowed = attempt(&app, who, others, *probe, n).await;
            if allowed != *expected {
                wrong.push(format!("{probe:?} as {}: allowed = {allowed}, expected {expected}", who.role));
            }
        }
    }
    assert!(wrong.is_empty(), "cells of the permission matrix that do not hold:\n{}", wrong.join("\n"));
    app.finish().await;
}
