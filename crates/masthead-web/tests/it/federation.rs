//! Federation against a real peer: a small ActivityPub server built on Fedify
//! (`tests/federation-peer`, started on loopback) follows the outlet, receives and verifies what
//! we send (Accept, Create, Update, Delete), replies, likes and unfollows; and what it sends with
//! a signature that does not hold changes nothing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use masthead_core::{ArticleStatus, CommentStatus, ReusePolicy};
use masthead_newsroom::federation;
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp};

/// The peer, stopped when dropped.
struct Peer {
    child: Child,
    base: String,
    actor: String,
    /// `reader@127.0.0.1:PORT`.
    handle: String,
    client: reqwest::Client,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Peer {
    /// Starts the peer; `None` when its npm project is not installed and CI does not ask for it.
    fn start() -> Option<Peer> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/federation-peer");
        let node = dir.join("node_modules/.bin/node");
        if !node.exists() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the federation peer is not installed: run `npm ci` in tests/federation-peer"
            );
            eprintln!("skipped: the federation peer is not installed (npm ci in tests/federation-peer)");
            return None;
        }
        let mut child = Command::new(node)
            .arg(dir.join("peer.mjs"))
            .args(["--port", "0", "--exit-with-stdin"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the peer starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let ready: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("the peer said {line:?}: {e}"));
        Some(Peer {
            child,
            base: ready["base"].as_str().unwrap().to_string(),
            actor: ready["actor"].as_str().unwrap().to_string(),
            handle: ready["handle"].as_str().unwrap().to_string(),
            client: reqwest::Client::new(),
        })
    }

    async fn call(&self, path: &str, body: Value) -> Value {
        let reply = self
            .client
            .post(format!("{}/control/{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = reply.status();
        let doc: Value = serde_json::from_str(&reply.text().await.unwrap()).unwrap();
        assert!(status.is_success(), "{path}: {status} {doc}");
        doc
    }

    async fn get(&self, path: &str) -> Value {
        let reply = self.client.get(format!("{}/control/{path}", self.base)).send().await.unwrap();
        serde_json::from_str(&reply.text().await.unwrap()).unwrap()
    }

    /// What the peer received of `kind`, waiting for at least `min` of them.
    async fn received(&self, kind: &str, min: usize) -> Vec<Value> {
        let doc = self.get(&format!("inbox?type={kind}&min={min}&timeout_ms=100")).await;
        doc["received"].as_array().cloned().unwrap_or_default()
    }
}

/// Runs the federation jobs' turns until `done` holds (or ten seconds pass).
async fn until<F, Fut>(app: &TestApp, what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let newsroom = app.state.newsroom();
    for _ in 0..100 {
        let now = jiff::Timestamp::now();
        federation::process_received(newsroom, now).await.unwrap();
        federation::federate_changes(newsroom, now).await.unwrap();
        federation::deliver_due(newsroom, now).await.unwrap();
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never happened: {what}");
}

fn article(headline: &str, author: i64) -> masthead_core::NewArticle {
    let mut new = masthead_core::NewArticle {
        slug: masthead_core::Slug::from_title(headline).unwrap(),
        title: headline.into(),
        dek: "What the port's figures say.".into(),
        body: masthead_core::render_body(
            masthead_core::BodyFormat::Markdown,
            "The terminal loaded 1.2m tonnes in October, half of its capacity.",
        )
        .unwrap(),
        excerpt: String::new(),
        status: ArticleStatus::Published,
        published_at: None,
        time_zone: "Europe/Bucharest".into(),
        author_ids: vec![author],
        term_ids: vec![],
        featured_media_id: None,
        featured_alt: String::new(),
        featured_credit: String::new(),
        reuse_policy: Some(ReusePolicy::CcBy),
        origins: vec![],
        language: String::new(),
        translation_of: None,
    };
    new.make_publishable();
    new
}

#[tokio::test]
async fn a_fedify_server_follows_the_outlet_and_verifies_what_it_is_sent_on_sqlite() {
    a_fedify_server_follows_the_outlet_and_verifies_what_it_is_sent(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_fedify_server_follows_the_outlet_and_verifies_what_it_is_sent_on_postgres() {
    a_fedify_server_follows_the_outlet_and_verifies_what_it_is_sent(Backend::Postgres).await;
}

async fn a_fedify_server_follows_the_outlet_and_verifies_what_it_is_sent(backend: Backend) {
    let Some(peer) = Peer::start() else { return };
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let base = app.serve().await;
    let host = base.trim_start_matches("http://").trim_end_matches('/').to_string();
    let outlet = format!("{base}ap/outlet");
    // The demo's articles become the outbox before anyone follows.
    until(&app, "the demo's articles in the outbox", || async {
        app.store().unfederated_changes(1).await.unwrap().is_empty()
    })
    .await;

    // WebFinger names the outlet, and Fedify reads our actor document.
    let finger = app.get(&format!("/.well-known/webfinger?resource=acct:meridian@{host}")).await;
    assert_eq!(finger.status, 200, "{}", finger.body);
    let jrd: Value = serde_json::from_str(&finger.body).unwrap();
    assert_eq!(jrd["links"][0]["href"], outlet.as_str());
    let follow = peer.call("follow", json!({ "handle": format!("meridian@{host}") })).await;
    assert_eq!(follow["actor"]["id"], outlet.as_str(), "{follow}");
    assert_eq!(follow["actor"]["type"], "Organization");
    assert!(follow["actor"]["publicKey"]["publicKeyPem"].as_str().unwrap().contains("BEGIN PUBLIC KEY"));

    // Our Accept reaches it, signed the RFC 9421 way, and Fedify verifies it.
    until(&app, "the Accept", || async { !peer.received("Accept", 1).await.is_empty() }).await;
    let accept = &peer.received("Accept", 1).await[0];
    assert_eq!(accept["verified"], true, "{accept}");
    assert_eq!(accept["actor"], outlet.as_str());
    assert_eq!(accept["signature"], "rfc9421", "{accept}");
    assert_eq!(app.store().follower_count("outlet").await.unwrap(), 1);

    // A new article reaches it as Create{Article}, verified.
    let author = app.store().authors().await.unwrap().into_iter().find(|a| a.outlet_id.is_none()).unwrap();
    let headline = "Constanța's grain terminal runs at half capacity";
    let post = app.store().create_article(&article(headline, author.id)).await.unwrap();
    until(&app, "the Create", || async { !peer.received("Create", 1).await.is_empty() }).await;
    let create = &peer.received("Create", 1).await[0];
    assert_eq!(create["verified"], true, "{create}");
    let object = &create["activity"]["object"];
    assert_eq!(object["type"], "Article");
    assert_eq!(object["name"], headline);
    assert_eq!(object["url"], format!("{base}article/{}", post.slug).as_str());
    assert_eq!(object["preview"]["type"], "Note");
    let object_id = object["id"].as_str().unwrap().to_string();
    // The object answers at its id.
    let fetched = app.get(object_id.trim_start_matches(base.trim_end_matches('/'))).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.header("content-type"), "application/activity+json; charset=utf-8");

    // The author is an account of its own: followed by the slug of their archive, it sends
    // their articles to its followers.
    let author_actor = format!("{base}ap/authors/{}", author.id);
    let follow = peer.call("follow", json!({ "handle": format!("{}@{host}", author.slug) })).await;
    assert_eq!(follow["actor"]["id"], author_actor.as_str(), "{follow}");
    until(&app, "the author's Accept", || async { peer.received("Accept", 2).await.len() >= 2 }).await;
    app.store().create_article(&article("The ferry timetable, explained", author.id)).await.unwrap();
    until(&app, "the second article, from both", || async { peer.received("Create", 3).await.len() >= 3 })
        .await;
    let creates = peer.received("Create", 3).await;
    let from_author =
        creates.iter().find(|c| c["actor"] == author_actor.as_str()).expect("a Create from the author");
    assert_eq!(from_author["verified"], true, "{from_author}");
    assert_eq!(from_author["activity"]["object"]["attributedTo"][0], author_actor.as_str());

    // A reply becomes a comment held for the newsroom, its writer named; a like is counted.
    let reply = peer
        .call("reply", json!({ "in_reply_to": object_id, "to": outlet, "content": "<p>Good piece<script>x</script></p>" }))
        .await;
    let note_id = reply["note_id"].as_str().unwrap().to_string();
    until(&app, "the reply as a comment", || async {
        !app.store().comments_of(post.id).await.unwrap().is_empty()
    })
    .await;
    let comment = app.store().comments_of(post.id).await.unwrap().remove(0);
    assert_eq!(comment.status, CommentStatus::Held);
    assert_eq!(comment.author_url, peer.actor);
    // Named by the handle its server's WebFinger confirms.
    assert!(comment.author_name.contains(&format!("@{}", peer.handle)), "{}", comment.author_name);
    assert_eq!(comment.body_html, "<p>Good piece</p>");
    peer.call("like", json!({ "object": object_id, "to": outlet })).await;
    until(&app, "the like", || async { app.store().reaction_counts(post.id).await.unwrap() == (1, 0) }).await;
    let page = app.get(&format!("/article/{}", post.slug)).await;
    assert!(page.body.contains("On the fediverse: 1 like."), "the like is shown on the page");
    assert!(
        page.body.contains(&format!(
            r#"<link rel="alternate" type="application/activity+json" href="{object_id}">"#
        ))
    );

    // An edit that followers see goes as Update; a save that changes nothing they see, not.
    app.store().set_reuse_policy(post.id, Some(ReusePolicy::CcByNd)).await.unwrap();
    until(&app, "the Update", || async { !peer.received("Update", 1).await.is_empty() }).await;
    assert_eq!(peer.received("Update", 1).await[0]["verified"], true);

    // Deleting the reply there deletes the comment here.
    peer.call("delete", json!({ "object": note_id, "to": outlet })).await;
    until(&app, "the comment deleted", || async {
        app.store().comments_of(post.id).await.unwrap().is_empty()
    })
    .await;

    // A Follow whose signature does not hold is taken in (202) and then refused: no follower.
    let forged = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#forged-follow", peer.actor),
        "type": "Follow",
        "actor": peer.actor,
        "object": format!("{base}ap/authors/{}", author.id),
    });
    for tamper in ["body", "key"] {
        let sent = peer
            .call("send-signed", json!({ "inbox": format!("{base}ap/inbox"), "activity": forged, "spec": "draft-cavage", "tamper": tamper }))
            .await;
        assert!(matches!(sent["status"].as_u64(), Some(202 | 401)), "{sent}");
    }
    let mut turns = 0;
    until(&app, "a few turns", || {
        turns += 1;
        let enough = turns > 5;
        async move { enough }
    })
    .await;
    // Taken, the forged Follow would be the one the follow is known by.
    let forged_id = format!("{}#forged-follow", peer.actor);
    assert_eq!(app.store().followed_by_follow(&peer.actor, &forged_id).await.unwrap(), None);

    // Deleting the article sends Delete with a Tombstone; its id answers 410.
    app.store().delete_article(post.id).await.unwrap();
    until(&app, "the Delete", || async { !peer.received("Delete", 1).await.is_empty() }).await;
    let delete = &peer.received("Delete", 1).await[0];
    assert_eq!(delete["verified"], true);
    assert_eq!(delete["activity"]["object"]["type"], "Tombstone");
    assert_eq!(app.get(object_id.trim_start_matches(base.trim_end_matches('/'))).await.status, 410);

    // Unfollowing leaves no follower.
    peer.call("unfollow", json!({ "actor": outlet })).await;
    until(&app, "the unfollow", || async { app.store().follower_count("outlet").await.unwrap() == 0 }).await;

    // A blocked server's follow is refused.
    let mut site = app.store().site().await.unwrap();
    site.fediverse_blocked = vec!["127.0.0.1".into()];
    app.store().save_site(&site).await.unwrap();
    peer.call("follow", json!({ "actor": outlet })).await;
    let mut turns = 0;
    until(&app, "a few turns", || {
        turns += 1;
        let enough = turns > 5;
        async move { enough }
    })
    .await;
    assert_eq!(app.store().follower_count("outlet").await.unwrap(), 0);
    app.finish().await;
}

/// What a fake inbox saw of each request: its `Host`, and whether it carried an RFC 9421
/// signature (`Signature-Input`) or a draft-cavage one (`keyId=` in `Signature`).
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, bool, bool)>>>;

/// An inbox on `ip` that refuses RFC 9421 signatures (401) and takes draft-cavage ones
/// (`old`), answers 503 to everything (`down`), or 410 (`gone`).
async fn fake_inbox(ip: &str, behaviour: &'static str, seen: Seen) -> String {
    use axum::http::{HeaderMap, StatusCode};
    let listener = tokio::net::TcpListener::bind(format!("{ip}:0")).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let seen = seen.clone();
        async move {
            let rfc9421 = headers.contains_key("signature-input");
            let cavage =
                headers.get("signature").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("keyId="));
            let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            seen.lock().unwrap().push((host, rfc9421, cavage));
            if behaviour == "down" {
                StatusCode::SERVICE_UNAVAILABLE
            } else if behaviour == "gone" {
                StatusCode::GONE
            } else if rfc9421 {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::ACCEPTED
            }
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test]
async fn a_server_that_refuses_rfc9421_is_sent_draft_cavage_one_down_is_tried_again_one_gone_loses_its_followers()
 {
    let app = TestApp::demo().await;
    app.serve().await;
    let newsroom = app.state.newsroom();
    federation::federate_changes(newsroom, jiff::Timestamp::now()).await.unwrap();
    let seen: Seen = Default::default();
    let old_fashioned = fake_inbox("127.0.0.2", "old", seen.clone()).await;
    let down = fake_inbox("127.0.0.3", "down", seen.clone()).await;
    let gone = fake_inbox("127.0.0.4", "gone", seen.clone()).await;
    for (base, host) in [(&old_fashioned, "127.0.0.2"), (&down, "127.0.0.3"), (&gone, "127.0.0.4")] {
        app.store()
            .add_follower(
                &masthead_store::NewFollower {
                    actor: "outlet".into(),
                    follower: format!("{base}/users/x"),
                    inbox: format!("{base}/users/x/inbox"),
                    shared_inbox: format!("{base}/inbox"),
                    host: host.into(),
                    follow_id: format!("{base}/follows/1"),
                },
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
    }
    let author = app.store().authors().await.unwrap().into_iter().find(|a| a.outlet_id.is_none()).unwrap();
    app.store().create_article(&article("Ferries resume on the Danube", author.id)).await.unwrap();
    let now = jiff::Timestamp::now();
    federation::federate_changes(newsroom, now).await.unwrap();
    let done = federation::deliver_due(newsroom, now).await.unwrap();
    assert_eq!((done.sent, done.retried, done.given_up), (1, 1, 1));
    // The server whose inbox is gone has no followers left here.
    let left = app.store().followers("outlet", None, 100).await.unwrap();
    assert!(!left.contains(&format!("{gone}/users/x")) && left.len() == 2, "{left:?}");
    {
        let seen = seen.lock().unwrap();
        let to_old: Vec<(bool, bool)> = seen
            .iter()
            .filter(|(h, ..)| old_fashioned.ends_with(h.as_str()))
            .map(|(_, r, c)| (*r, *c))
            .collect();
        // The double knock: RFC 9421 refused, then the same activity signed the older way.
        assert_eq!(to_old, vec![(true, false), (false, true)]);
    }
    // The server that is down is tried again later, not at once.
    assert_eq!(app.store().deliveries_waiting().await.unwrap(), 1);
    assert!(app.store().claim_deliveries(10, 4, now).await.unwrap().is_empty());

    // The next article goes to the old-fashioned server signed its way at once.
    seen.lock().unwrap().clear();
    app.store().create_article(&article("The river port reopens", author.id)).await.unwrap();
    // Published now: `now` above may already be in the past.
    let later = jiff::Timestamp::now();
    federation::federate_changes(newsroom, later).await.unwrap();
    federation::deliver_due(newsroom, later).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let to_old: Vec<(bool, bool)> =
        seen.iter().filter(|(h, ..)| old_fashioned.ends_with(h.as_str())).map(|(_, r, c)| (*r, *c)).collect();
    assert_eq!(to_old, vec![(false, true)], "{seen:?}");
    app.finish().await;
}

/// A fixture of `server`'s (`tests/fixtures/activitypub/<server>/<name>.json`) with the
/// placeholders filled in; `None` when that server does not send it.
fn fixture(server: &str, name: &str, fill: &[(&str, String)]) -> Option<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/activitypub")
        .join(server)
        .join(format!("{name}.json"));
    let mut text = std::fs::read_to_string(path).ok()?;
    for (placeholder, value) in fill {
        text = text.replace(placeholder, value);
    }
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{server}/{name}.json: {e}")))
}

/// A server that serves `documents` at their ids (path and query), a WebFinger answer for
/// each actor, and takes any POST.
async fn fake_server(listener: tokio::net::TcpListener, documents: Vec<Value>) {
    use axum::http::{StatusCode, Uri, header};
    use axum::response::IntoResponse;
    let documents = std::sync::Arc::new(documents);
    let app = axum::Router::new().fallback(move |uri: Uri, method: axum::http::Method| {
        let documents = documents.clone();
        async move {
            if method == axum::http::Method::POST {
                return StatusCode::ACCEPTED.into_response();
            }
            let asked = uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
            let path_of = |id: &str| {
                let u = url::Url::parse(id).unwrap();
                match u.query() {
                    Some(q) => format!("{}?{q}", u.path()),
                    None => u.path().to_string(),
                }
            };
            if uri.path() == "/.well-known/webfinger" {
                let resource = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                    .find(|(k, _)| k == "resource")
                    .map(|(_, v)| v.trim_start_matches("acct:").to_string())
                    .unwrap_or_default();
                let user = resource.split('@').next().unwrap_or_default().to_string();
                if let Some(actor) = documents.iter().find(|d| d["preferredUsername"] == user.as_str()) {
                    let jrd = json!({
                        "subject": format!("acct:{resource}"),
                        "links": [{ "rel": "self", "type": "application/activity+json", "href": actor["id"] }],
                    });
                    return ([(header::CONTENT_TYPE, "application/jrd+json")], jrd.to_string()).into_response();
                }
            }
            match documents.iter().find(|d| d["id"].as_str().map(path_of).as_deref() == Some(asked.as_str())) {
                Some(doc) => ([(header::CONTENT_TYPE, "application/activity+json")], doc.to_string()).into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    axum::serve(listener, app).await.unwrap();
}

/// The text of some HTML as a reader sees it: tags dropped, entities read, paragraphs and line
/// breaks as spaces, runs of white space as one.
fn visible(html: &str) -> String {
    let spaced = html.replace("</p>", " </p>").replace("<br", " <br");
    let text: String = scraper::Html::parse_fragment(&spaced).root_element().text().collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn what_mastodon_pleroma_misskey_wordpress_and_lemmy_send_is_understood_on_sqlite() {
    what_mastodon_pleroma_misskey_wordpress_and_lemmy_send_is_understood(Backend::Sqlite).await;
}

#[tokio::test]
async fn what_mastodon_pleroma_misskey_wordpress_and_lemmy_send_is_understood_on_postgres() {
    what_mastodon_pleroma_misskey_wordpress_and_lemmy_send_is_understood(Backend::Postgres).await;
}

async fn what_mastodon_pleroma_misskey_wordpress_and_lemmy_send_is_understood(backend: Backend) {
    use masthead_formats::http_signatures::{self as sig, PrivateKey, Scheme, Signer};
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/activitypub");
    let key =
        PrivateKey::from_pem(&std::fs::read_to_string(fixtures.join("remote-key.pem")).unwrap()).unwrap();
    let public_pem = std::fs::read_to_string(fixtures.join("remote-key.pub.pem")).unwrap();
    let Some(app) = TestApp::demo_on(backend, masthead_web::DEFAULT_PAGE_SIZE).await else { return };
    let base = app.serve().await;
    let newsroom = app.state.newsroom();
    let author = app.store().authors().await.unwrap().into_iter().find(|a| a.outlet_id.is_none()).unwrap();
    let post =
        app.store().create_article(&article("The harbour bond vote, explained", author.id)).await.unwrap();
    let inbox = url::Url::parse(&format!("{base}ap/inbox")).unwrap();

    for server in ["mastodon", "pleroma", "misskey", "wordpress", "lemmy"] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = format!("http://{}", listener.local_addr().unwrap());
        let fill = vec![
            ("{{PEER}}", peer.clone()),
            ("{{OUTLET}}", format!("{base}ap/outlet")),
            ("{{OUTLET_FOLLOWERS}}", format!("{base}ap/outlet/followers")),
            ("{{ARTICLE}}", format!("{base}ap/articles/{}", post.id)),
            ("{{ARTICLE_URL}}", format!("{base}article/{}", post.slug)),
            ("{{PUBLIC_KEY_PEM}}", public_pem.replace('\n', "\\n")),
            ("{{NOW}}", jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
        ];
        let expected = fixture(server, "expected", &fill).unwrap();
        let actor = fixture(server, "actor", &fill).unwrap();
        let mut documents = vec![actor.clone()];
        documents.extend(fixture(server, "group", &fill));
        tokio::spawn(fake_server(listener, documents.clone()));

        // Each activity signed the draft-cavage way (as all five sign today) by its sender's key.
        // `name`, or when it ends in "#again" the same activity under a new id (a second Follow).
        let deliver = |name: &'static str| {
            let again = name.strip_suffix("#again");
            let activity = fixture(server, again.unwrap_or(name), &fill).map(|mut a| {
                if again.is_some() {
                    a["id"] = json!(format!("{}#again", a["id"].as_str().unwrap()));
                }
                a
            });
            let documents = documents.clone();
            let (inbox, key) = (inbox.clone(), &key);
            async move {
                let Some(activity) = activity else { return false };
                let sender =
                    activity["actor"].as_str().or(activity["actor"]["id"].as_str()).unwrap().to_string();
                let key_id =
                    documents.iter().find(|d| d["id"] == sender.as_str()).unwrap()["publicKey"]["id"]
                        .as_str()
                        .unwrap()
                        .to_string();
                let body = activity.to_string();
                let request = sig::Outgoing { method: "POST", url: &inbox, body: body.as_bytes() };
                let headers = sig::sign(
                    &request,
                    &Signer { key_id: &key_id, key },
                    Scheme::Cavage,
                    jiff::Timestamp::now(),
                )
                .unwrap();
                let mut post = reqwest::Client::new()
                    .post(inbox.clone())
                    .header("content-type", "application/activity+json")
                    .body(body);
                for (name, value) in headers {
                    post = post.header(name, value);
                }
                let status = post.send().await.unwrap().status();
                assert_eq!(status, 202, "{server}/{name}.json");
                true
            }
        };
        let settle = || async {
            for _ in 0..5 {
                federation::process_received(newsroom, jiff::Timestamp::now()).await.unwrap();
            }
        };
        let actor_id = actor["id"].as_str().unwrap().to_string();
        let comment = || async {
            app.store().comments_of(post.id).await.unwrap().into_iter().find(|c| c.author_url == actor_id)
        };

        assert!(deliver("follow").await);
        settle().await;
        let followers = app.store().followers("outlet", None, 1000).await.unwrap();
        assert!(followers.contains(&actor_id), "{server}: the Follow was taken");

        assert!(deliver("reply").await);
        settle().await;
        let reply = comment().await.unwrap_or_else(|| panic!("{server}: the reply became no comment"));
        assert_eq!(visible(&reply.body_html), expected["reply_text"].as_str().unwrap(), "{server}");
        assert!(!reply.body_html.contains("script") && !reply.body_html.contains("onerror"), "{server}");
        assert_eq!(reply.status, CommentStatus::Held);
        let handle = expected["handle"].as_str().unwrap();
        assert!(reply.author_name.contains(&format!("@{handle}@")), "{server}: {}", reply.author_name);

        if deliver("update-reply").await {
            settle().await;
            let edited = comment().await.unwrap();
            assert_eq!(visible(&edited.body_html), expected["update_text"].as_str().unwrap(), "{server}");
        }

        for (name, counts) in
            [("like", "like_counts"), ("announce", "announce_counts"), ("emoji-react", ""), ("dislike", "")]
        {
            let before = app.store().reaction_counts(post.id).await.unwrap();
            if deliver(name).await {
                settle().await;
                let after = app.store().reaction_counts(post.id).await.unwrap();
                let counted = after != before;
                assert_eq!(
                    counted,
                    expected[counts].as_bool().unwrap_or(false),
                    "{server}/{name}: {before:?} → {after:?}"
                );
                if name == "like" && counted {
                    assert!(deliver("undo-like").await);
                    settle().await;
                    assert_eq!(
                        app.store().reaction_counts(post.id).await.unwrap().0,
                        before.0,
                        "{server}: the like undone"
                    );
                }
            }
        }
        // Leave no boost behind for the next server's counts.
        app.store()
            .remove_reaction(&actor_id, fixture(server, "announce", &fill).unwrap()["id"].as_str().unwrap())
            .await
            .unwrap();

        assert!(deliver("delete-reply").await);
        settle().await;
        assert!(comment().await.is_none(), "{server}: the reply deleted there is deleted here");

        assert!(deliver("undo-follow").await);
        settle().await;
        assert!(
            !app.store().followers("outlet", None, 1000).await.unwrap().contains(&actor_id),
            "{server}: unfollowed"
        );

        // The same request again changes nothing: it was done once.
        assert!(deliver("follow").await);
        settle().await;
        assert!(
            !app.store().followers("outlet", None, 1000).await.unwrap().contains(&actor_id),
            "{server}: replayed"
        );
        assert!(deliver("follow#again").await);
        settle().await;
        assert!(
            app.store().followers("outlet", None, 1000).await.unwrap().contains(&actor_id),
            "{server}: again"
        );
        assert!(deliver("delete-actor").await);
        settle().await;
        assert!(
            !app.store().followers("outlet", None, 1000).await.unwrap().contains(&actor_id),
            "{server}: a deleted account follows no more"
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn the_documents_other_servers_read_answer_as_activitypub_says() {
    let app = TestApp::demo().await;
    let base = app.serve().await;
    let host = base.trim_start_matches("http://").trim_end_matches('/').to_string();
    let json = |reply: &crate::harness::Reply| -> Value {
        serde_json::from_str(&reply.body).unwrap_or_else(|e| {
            panic!("{}: {e}: {}", reply.status, reply.body.chars().take(2000).collect::<String>())
        })
    };
    let newsroom = app.state.newsroom();
    // Every published article of the demo sent (to nobody yet): the outbox lists them.
    federation::federate_changes(newsroom, jiff::Timestamp::now()).await.unwrap();

    // WebFinger by handle, by the actor's address and by its page; a handle on another host is
    // not ours.
    let author = app.store().authors().await.unwrap().into_iter().find(|a| a.outlet_id.is_none()).unwrap();
    for resource in [
        format!("acct:{}@{host}", author.slug),
        format!("{base}ap/authors/{}", author.id),
        format!("{base}author/{}", author.slug),
    ] {
        let reply = app.get(&format!("/.well-known/webfinger?resource={}", urlencode(&resource))).await;
        assert_eq!(reply.status, 200, "{resource}: {}", reply.body);
        assert_eq!(json(&reply)["subject"], format!("acct:{}@{host}", author.slug).as_str());
        assert_eq!(json(&reply)["links"][0]["href"], format!("{base}ap/authors/{}", author.id).as_str());
    }
    let elsewhere = app
        .get(&format!("/.well-known/webfinger?resource={}", urlencode("acct:meridian@other.example")))
        .await;
    assert_eq!(elsewhere.status, 404);
    assert_eq!(json(&elsewhere)["error"], "there is no such account here", "errors are JSON");
    assert_eq!(app.get("/.well-known/webfinger").await.status, 400);

    // NodeInfo, through its well-known links.
    let links = json(&app.get("/.well-known/nodeinfo").await);
    assert_eq!(links["links"][0]["href"], format!("{base}nodeinfo/2.1").as_str());
    let info = json(&app.get("/nodeinfo/2.1").await);
    assert_eq!(info["software"]["name"], "masthead");
    assert_eq!(info["protocols"][0], "activitypub");

    // The author as a Person with both keys; a partner's byline is no account here.
    let person = json(&app.get(&format!("/ap/authors/{}", author.id)).await);
    assert_eq!(person["type"], "Person");
    assert_eq!(person["preferredUsername"], author.slug.to_string().as_str());
    assert_eq!(person["assertionMethod"][0]["type"], "Multikey");
    assert!(person["assertionMethod"][0]["publicKeyMultibase"].as_str().unwrap().starts_with("z6Mk"));
    assert_eq!(person["endpoints"]["sharedInbox"], format!("{base}ap/inbox").as_str());
    if let Some(partner) = app.store().authors().await.unwrap().into_iter().find(|a| a.outlet_id.is_some()) {
        assert_eq!(app.get(&format!("/ap/authors/{}", partner.id)).await.status, 404);
    }
    assert_eq!(app.get("/ap/authors/999999").await.status, 404);

    // The outbox: a collection, then pages of Create activities, newest first, to the end.
    let outbox = json(&app.get("/ap/outlet/outbox").await);
    let total = outbox["totalItems"].as_i64().unwrap();
    assert!(total > 0, "{outbox}");
    let mut next = outbox["first"].as_str().map(str::to_string);
    let mut seen = 0;
    while let Some(page) = next {
        let page = json(&app.get(page.trim_start_matches(base.trim_end_matches('/'))).await);
        let items = page["orderedItems"].as_array().unwrap();
        assert!(items.iter().all(|a| a["type"] == "Create" && a["object"]["type"] == "Article"));
        seen += items.len();
        next = page["next"].as_str().map(str::to_string);
    }
    assert_eq!(seen as i64, total, "every Create once");

    // Featured: the front page's pinned stories.
    let published = app.published().await;
    let mut site = app.store().site().await.unwrap();
    site.front_page.pinned = vec![published[1].id];
    app.store().save_site(&site).await.unwrap();
    let featured = json(&app.get("/ap/outlet/featured").await);
    assert_eq!(featured["totalItems"], 1);
    assert_eq!(featured["orderedItems"][0]["id"], format!("{base}ap/articles/{}", published[1].id).as_str());
    let followers = json(&app.get("/ap/outlet/followers").await);
    assert_eq!(followers["totalItems"], 0);
    assert!(followers.get("orderedItems").is_none(), "who follows is not published");

    // A draft is no object; an unsigned activity is refused at the door.
    let mut draft = article("Not yet", author.id);
    draft.status = ArticleStatus::Draft;
    let draft = app.store().create_article(&draft).await.unwrap();
    assert_eq!(app.get(&format!("/ap/articles/{}", draft.id)).await.status, 404);
    let unsigned = app
        .send(
            axum::http::Request::post("/ap/inbox")
                .header("content-type", "application/activity+json")
                .body(axum::body::Body::from(
                    json!({ "id": "https://x.example/1", "type": "Follow", "actor": "https://x.example/u", "object": format!("{base}ap/outlet") })
                        .to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(unsigned.status, 401, "{}", unsigned.body);
    app.finish().await;
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn an_account_deleted_on_its_server_stops_following_though_its_key_is_gone() {
    use masthead_formats::http_signatures::{self as sig, PrivateKey, Scheme, Signer};
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/activitypub");
    let key =
        PrivateKey::from_pem(&std::fs::read_to_string(fixtures.join("remote-key.pem")).unwrap()).unwrap();
    let app = TestApp::demo().await;
    let base = app.serve().await;
    // A server that no longer has the account: every document answers 404.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let peer = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(fake_server(listener, Vec::new()));
    let actor = format!("{peer}/users/gone");
    for who in [&actor, &format!("{peer}/users/other")] {
        app.store()
            .add_follower(
                &masthead_store::NewFollower {
                    actor: "outlet".into(),
                    follower: who.to_string(),
                    inbox: format!("{who}/inbox"),
                    shared_inbox: String::new(),
                    host: "127.0.0.1".into(),
                    follow_id: format!("{who}/follow"),
                },
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
    }
    let inbox = url::Url::parse(&format!("{base}ap/inbox")).unwrap();
    let newsroom = app.state.newsroom().clone();
    let send = |activity: Value| {
        let (inbox, key, actor, newsroom) = (inbox.clone(), &key, actor.clone(), newsroom.clone());
        async move {
            let body = activity.to_string();
            let key_id = format!("{actor}#main-key");
            let request = sig::Outgoing { method: "POST", url: &inbox, body: body.as_bytes() };
            let headers =
                sig::sign(&request, &Signer { key_id: &key_id, key }, Scheme::Cavage, jiff::Timestamp::now())
                    .unwrap();
            let mut post = reqwest::Client::new().post(inbox).body(body);
            for (name, value) in headers {
                post = post.header(name, value);
            }
            assert_eq!(post.send().await.unwrap().status(), 202);
            federation::process_received(&newsroom, jiff::Timestamp::now()).await.unwrap();
        }
    };
    // Its Delete of someone else proves nothing; its Delete of itself is what its server says.
    send(json!({ "id": format!("{actor}#delete-other"), "type": "Delete", "actor": actor, "object": format!("{peer}/users/other") }))
        .await;
    assert_eq!(app.store().follower_count("outlet").await.unwrap(), 2);
    send(json!({ "id": format!("{actor}#delete"), "type": "Delete", "actor": actor, "object": actor })).await;
    assert_eq!(app.store().followers("outlet", None, 10).await.unwrap(), vec![format!("{peer}/users/other")]);
    app.finish().await;
}

/// Posts `activity` to our shared inbox signed the draft-cavage way with the test key under
/// `key_id`, then lets the job check and do it.
async fn post_signed(app: &TestApp, base: &str, key_id: &str, activity: &Value) {
    use masthead_formats::http_signatures::{self as sig, PrivateKey, Scheme, Signer};
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/activitypub");
    let key =
        PrivateKey::from_pem(&std::fs::read_to_string(fixtures.join("remote-key.pem")).unwrap()).unwrap();
    let inbox = url::Url::parse(&format!("{base}ap/inbox")).unwrap();
    let body = activity.to_string();
    let request = sig::Outgoing { method: "POST", url: &inbox, body: body.as_bytes() };
    let headers =
        sig::sign(&request, &Signer { key_id, key: &key }, Scheme::Cavage, jiff::Timestamp::now()).unwrap();
    let mut post = reqwest::Client::new().post(inbox).body(body);
    for (name, value) in headers {
        post = post.header(name, value);
    }
    assert_eq!(post.send().await.unwrap().status(), 202);
    for _ in 0..3 {
        federation::process_received(app.state.newsroom(), jiff::Timestamp::now()).await.unwrap();
    }
}

#[tokio::test]
async fn no_server_speaks_for_an_account_of_another_and_no_account_takes_over_another_s_reply() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/activitypub");
    let public_pem = std::fs::read_to_string(fixtures.join("remote-key.pub.pem")).unwrap();
    let app = TestApp::demo().await;
    let base = app.serve().await;
    let author = app.store().authors().await.unwrap().into_iter().find(|a| a.outlet_id.is_none()).unwrap();
    let post = app.store().create_article(&article("Who owns the harbour", author.id)).await.unwrap();
    let outlet = format!("{base}ap/outlet");
    let person = |origin: &str, name: &str, key_id: &str| {
        json!({
            "id": format!("{origin}/users/{name}"), "type": "Person", "preferredUsername": name,
            "inbox": format!("{origin}/users/{name}/inbox"),
            "publicKey": { "id": key_id, "owner": format!("{origin}/users/{name}"), "publicKeyPem": public_pem },
        })
    };
    // The server bob is really on, and one that claims to speak for him.
    let victim_listener = tokio::net::TcpListener::bind("127.0.0.6:0").await.unwrap();
    let victim = format!("http://{}", victim_listener.local_addr().unwrap());
    let evil_listener = tokio::net::TcpListener::bind("127.0.0.5:0").await.unwrap();
    let evil = format!("http://{}", evil_listener.local_addr().unwrap());
    let bob = format!("{victim}/users/bob");
    tokio::spawn(fake_server(victim_listener, vec![]));
    // evil serves, at its own /users/bob, a document that says it is the victim's bob, with
    // evil's key (the fake server finds documents by path).
    let forged = person(&victim, "bob", &format!("{evil}/users/bob#main-key"));
    tokio::spawn(fake_server(evil_listener, vec![forged]));
    let follow =
        json!({ "id": format!("{victim}/follows/1"), "type": "Follow", "actor": bob, "object": outlet });
    post_signed(&app, &base, &format!("{evil}/users/bob#main-key"), &follow).await;
    assert_eq!(app.store().follower_count("outlet").await.unwrap(), 0, "evil's key does not speak for bob");
    assert!(app.store().remote_actor(&bob).await.unwrap().is_none(), "nor does its document replace bob's");

    // Two accounts of one server: carol replies; mallory cannot edit or delete carol's reply.
    let listener = tokio::net::TcpListener::bind("127.0.0.7:0").await.unwrap();
    let server = format!("http://{}", listener.local_addr().unwrap());
    let (carol, mallory) = (format!("{server}/users/carol"), format!("{server}/users/mallory"));
    tokio::spawn(fake_server(
        listener,
        vec![
            person(&server, "carol", &format!("{carol}#main-key")),
            person(&server, "mallory", &format!("{mallory}#main-key")),
        ],
    ));
    let note = |actor: &str, text: &str| {
        json!({ "id": format!("{carol}/notes/1"), "type": "Note", "attributedTo": actor,
                "inReplyTo": format!("{base}ap/articles/{}", post.id), "content": format!("<p>{text}</p>") })
    };
    let reply = json!({ "id": format!("{carol}/notes/1/create"), "type": "Create", "actor": carol, "object": note(&carol, "Carol's reply") });
    post_signed(&app, &base, &format!("{carol}#main-key"), &reply).await;
    let edit = json!({ "id": format!("{mallory}/edits/1"), "type": "Update", "actor": mallory, "object": note(&mallory, "Mallory's words") });
    post_signed(&app, &base, &format!("{mallory}#main-key"), &edit).await;
    let delete = json!({ "id": format!("{mallory}/deletes/1"), "type": "Delete", "actor": mallory, "object": format!("{carol}/notes/1") });
    post_signed(&app, &base, &format!("{mallory}#main-key"), &delete).await;
    let comments = app.store().comments_of(post.id).await.unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body_html, "<p>Carol's reply</p>");
    assert_eq!(comments[0].author_url, carol);
    // Mallory may answer Carol's reply: the answer goes under it, and an answer to the answer
    // goes under Carol's too (one level, as readers' answers).
    for (n, answering) in [(1, format!("{carol}/notes/1")), (2, format!("{mallory}/notes/1"))] {
        let answer = json!({ "id": format!("{mallory}/notes/{n}/create"), "type": "Create", "actor": mallory,
            "object": { "id": format!("{mallory}/notes/{n}"), "type": "Note", "attributedTo": mallory,
                        "inReplyTo": answering, "content": format!("<p>Answer {n}</p>") } });
        post_signed(&app, &base, &format!("{mallory}#main-key"), &answer).await;
    }
    let all = app.store().comments_of(post.id).await.unwrap();
    let parents: Vec<Option<i64>> =
        all.iter().filter(|c| c.author_url == mallory).map(|c| c.parent_id).collect();
    assert_eq!(parents, vec![Some(comments[0].id), Some(comments[0].id)]);
    // An Update of a note we never had makes nothing.
    let stray = json!({ "id": format!("{carol}/edits/9"), "type": "Update", "actor": carol,
                        "object": { "id": format!("{carol}/notes/9"), "type": "Note", "attributedTo": carol,
                                    "inReplyTo": format!("{base}ap/articles/{}", post.id), "content": "<p>new?</p>" } });
    post_signed(&app, &base, &format!("{carol}#main-key"), &stray).await;
    assert_eq!(app.store().comments_of(post.id).await.unwrap().len(), 3);
    app.finish().await;
}
