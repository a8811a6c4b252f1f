//! Jobs claim their work in the database, so that any number of runners is safe: two runners
//! on one database, running every job at once, publish a due article once and fetch a
//! Webmention's source once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::{SignedDuration, Timestamp};
use masthead_core::{ArticleStatus, BodyFormat, MentionStatus, NewArticle, Slug, render_body};
use masthead_newsroom::context::Newsroom;
use masthead_newsroom::jobs::{self, Job};
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::outbound::Outbound;
use masthead_store::Store;
use masthead_store::testing::TestDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn article(slug: &str, status: ArticleStatus, published_at: Timestamp) -> NewArticle {
    NewArticle {
        slug: Slug::parse(slug).unwrap(),
        title: slug.to_owned(),
        dek: String::new(),
        body: render_body(BodyFormat::Markdown, "Some text.").unwrap(),
        excerpt: String::new(),
        status,
        published_at: Some(published_at),
        time_zone: "UTC".into(),
        author_ids: vec![],
        term_ids: vec![],
        featured_media_id: None,
        featured_alt: String::new(),
        featured_credit: String::new(),
        reuse_policy: None,
        origins: vec![],
        language: String::new(),
        translation_of: None,
    }
}

/// A page on loopback that links to `target`, counting how often it is fetched.
async fn linking_page(target: String) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let body = format!("<p>As <a href=\"{target}\">reported</a>.</p>");
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            // A slow source: the other runner's turn comes while this one waits for it.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (format!("http://{addr}/post"), hits)
}

fn newsroom(store: Store, media: &std::path::Path) -> Newsroom {
    // The Webmention's source is on loopback, which a real site refuses to fetch.
    Newsroom::new(store, media.to_owned(), Outbound::new(true).unwrap(), Mailer::log_only())
}

async fn two_runners_do_each_item_once(db: TestDb) {
    let media = tempfile::tempdir().unwrap();
    let first = db.store.clone();
    let second = Store::open(&db.location).await.unwrap();
    let now = Timestamp::now();
    let due = first
        .create_article(&article("due", ArticleStatus::Scheduled, now - SignedDuration::from_secs(5)))
        .await
        .unwrap();
    let later = first
        .create_article(&article("later", ArticleStatus::Scheduled, now + SignedDuration::from_hours(24)))
        .await
        .unwrap();
    let live = first.create_article(&article("live", ArticleStatus::Published, now)).await.unwrap();
    let site = first.site().await.unwrap();
    let target = site.url(&live.path());
    let (source, hits) = linking_page(target.clone()).await;
    first
        .queue_webmention(live.id, &source, &target, now, masthead_newsroom::mentions::QUEUE_LIMITS)
        .await
        .unwrap();

    let (one, two) = (newsroom(first.clone(), media.path()), newsroom(second.clone(), media.path()));
    // Both runners take their turn of every job at the same moment.
    for job in Job::ALL {
        let (a, b) = tokio::join!(job.run_once(&one), job.run_once(&two));
        a.unwrap_or_else(|e| panic!("{}: {e}", job.name()));
        b.unwrap_or_else(|e| panic!("{}: {e}", job.name()));
    }

    let published = first.article(due.id).await.unwrap();
    assert_eq!((published.status, published.revision), (ArticleStatus::Published, 2), "published once");
    assert_eq!(
        first.article(later.id).await.unwrap().status,
        ArticleStatus::Scheduled,
        "not before its time"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1, "the Webmention's source was fetched by one runner");
    let mentions = first.webmentions(live.id).await.unwrap();
    assert_eq!(mentions.len(), 1);
    assert_eq!(mentions[0].status, MentionStatus::Verified, "{:?}", mentions[0].error);
    second.close().await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_do_each_item_once_on_sqlite() {
    two_runners_do_each_item_once(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_do_each_item_once_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        two_runners_do_each_item_once(db).await;
    }
}

#[tokio::test]
async fn a_runner_publishes_what_is_due_and_stops_when_told() {
    let db = TestDb::sqlite().await;
    let media = tempfile::tempdir().unwrap();
    let due = article("due", ArticleStatus::Scheduled, Timestamp::now() - SignedDuration::from_secs(5));
    let due = db.store.create_article(&due).await.unwrap();
    let room = newsroom(db.store.clone(), media.path());
    // Each job's first turn comes within about two seconds of the start.
    jobs::run(room, &Job::ALL, tokio::time::sleep(std::time::Duration::from_secs(3))).await;
    assert_eq!(db.store.article(due.id).await.unwrap().status, ArticleStatus::Published);
    db.finish().await;
}

#[tokio::test]
async fn a_runner_stops_when_told_even_while_every_turn_fails() {
    let db = TestDb::sqlite().await;
    let media = tempfile::tempdir().unwrap();
    let room = newsroom(db.store.clone(), media.path());
    // With the database gone, every turn fails; the runner logs, carries on, and still stops.
    db.store.close().await;
    let stopped = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        jobs::run(room, &Job::ALL, tokio::time::sleep(std::time::Duration::from_secs(2))),
    )
    .await;
    assert!(stopped.is_ok(), "the runner stopped when told, although every turn failed");
}
