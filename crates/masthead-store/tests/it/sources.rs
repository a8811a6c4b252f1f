//! Sources and the articles taken in from them, on both backends.

use jiff::Timestamp;
use masthead_core::{ArticleStatus, FeedFormat, NewOutlet, NewSource, ReusePolicy, Site, Slug, SourceTerms};
use masthead_store::{Store, StoreError, SyndicationRecord, both_backends};

use crate::{article, author};

both_backends!(
    failures_back_off_and_success_remembers_the_validators,
    items_are_known_again_by_guid_address_or_text,
    the_partners_terms_decide_publication_and_edits,
    partner_authors_and_chain_outlets_are_made_once,
);

async fn outlet(store: &Store, name: &str) -> i64 {
    store
        .create_outlet(&NewOutlet {
            slug: Slug::from_title(name).unwrap(),
            name: name.into(),
            homepage: None,
        })
        .await
        .unwrap()
        .id
}

pub(crate) fn new_source(outlet_id: i64, url: &str, terms: SourceTerms) -> NewSource {
    NewSource {
        outlet_id,
        feed_url: url.parse().unwrap(),
        format: FeedFormat::Auto,
        terms,
        term_ids: vec![],
        auto_publish: false,
        interval_minutes: 30,
    }
}

fn record(source_id: i64, key: &str, url: &str, hash: &str, terms: SourceTerms) -> SyndicationRecord {
    SyndicationRecord {
        source_id,
        item_key: key.into(),
        terms,
        original_url: url.into(),
        content_hash: hash.into(),
        original_updated_at: None,
        duplicate_of: None,
    }
}

async fn failures_back_off_and_success_remembers_the_validators(store: Store) {
    let o = outlet(&store, "Danube Review").await;
    let source = store
        .create_source(&new_source(o, "https://danube.example/feed", SourceTerms::Agreement))
        .await
        .unwrap();
    assert_eq!(source.outlet_name, "Danube Review");
    let bad =
        NewSource { interval_minutes: 1, ..new_source(o, "https://x.example/f", SourceTerms::Agreement) };
    assert!(matches!(store.create_source(&bad).await, Err(StoreError::Invalid(_))));
    let again =
        store.create_source(&new_source(o, "https://danube.example/feed", SourceTerms::Agreement)).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "one source per feed");

    let now = Timestamp::now();
    let failed = store.finish_poll(&source, now, Err("the server answered 500".into())).await.unwrap();
    assert_eq!((failed.failures, failed.last_error.as_deref()), (1, Some("the server answered 500")));
    assert_eq!(failed.next_poll_at.as_second(), now.as_second() + 60 * 60, "twice the interval");
    let failed = store.finish_poll(&failed, now, Err("again".into())).await.unwrap();
    assert_eq!(failed.next_poll_at.as_second(), now.as_second() + 120 * 60, "and twice again");
    let ok = store.finish_poll(&failed, now, Ok((Some("\"v2\"".into()), None))).await.unwrap();
    assert_eq!((ok.failures, ok.last_error, ok.etag.as_deref()), (0, None, Some("\"v2\"")));
    assert_eq!(ok.next_poll_at.as_second(), now.as_second() + 30 * 60);
    assert!(ok.last_success_at.is_some());

    store.log_source_event(source.id, "item 3: it has no link").await.unwrap();
    assert_eq!(store.source_events(source.id, 10).await.unwrap()[0].message, "item 3: it has no link");
}

async fn items_are_known_again_by_guid_address_or_text(store: Store) {
    let o = outlet(&store, "Danube Review").await;
    let a = author(&store, "Mira").await;
    let terms = SourceTerms::Policy(ReusePolicy::CcBy);
    let source = store.create_source(&new_source(o, "https://danube.example/feed", terms)).await.unwrap();
    let url = "https://danube.example/2026/barges";
    let first = store
        .create_syndicated(
            &article("barges", None, vec![a], vec![]),
            &record(source.id, "g1", url, "h1", terms),
        )
        .await
        .unwrap();
    let by_key =
        store.find_syndicated(source.id, "g1", "https://other.example/", "zz").await.unwrap().unwrap();
    assert_eq!(by_key.article_id, first.id);
    let by_url = store.find_syndicated(source.id, "new-guid", url, "zz").await.unwrap().unwrap();
    assert_eq!(by_url.article_id, first.id, "a changed guid, the same address");
    let by_text =
        store.find_syndicated(source.id, "g9", "https://mirror.example/x", "h1").await.unwrap().unwrap();
    assert_eq!(by_text.article_id, first.id, "the same text under another address");
    assert!(
        store.find_syndicated(source.id, "g2", "https://danube.example/other", "h2").await.unwrap().is_none()
    );

    // The partner changes it: a new revision, marked for the editors, until one of them saves.
    let mut changed = store.revision_snapshot(first.id, 1).await.unwrap();
    changed.body = masthead_core::render_body(masthead_core::BodyFormat::Html, "<p>New text.</p>").unwrap();
    let updated = store
        .update_syndicated(first.id, 1, &changed, &record(source.id, "g1b", url, "h1b", terms))
        .await
        .unwrap();
    assert_eq!(updated.revision, 2);
    let seen = store.syndication(first.id).await.unwrap().unwrap();
    assert!(seen.changed_upstream_at.is_some());
    assert_eq!(seen.content_hash, "h1b");
    assert_eq!(
        store.find_syndicated(source.id, "g1b", "-", "-").await.unwrap().unwrap().article_id,
        first.id
    );
    assert_eq!(store.revisions(first.id).await.unwrap()[0].user_id, None, "saved by Masthead, not a person");
    let queue = store.ingest_queue(10).await.unwrap();
    assert_eq!((queue.len(), queue[0].outlet.as_deref()), (1, Some("Danube Review")));
    store.update_article(first.id, 2, &changed, Some(editor(&store).await)).await.unwrap();
    assert_eq!(store.syndication(first.id).await.unwrap().unwrap().changed_upstream_at, None);
    // Deleting the source keeps the articles and what is known of them.
    assert!(store.syndication(first.id).await.unwrap().is_some());
}

async fn editor(store: &Store) -> i64 {
    store
        .create_user(&masthead_store::NewUser {
            email: "editor@example.org".into(),
            name: "Editor".into(),
            role: masthead_core::Role::Editor,
            password_hash: "!".into(),
            author_id: None,
        })
        .await
        .unwrap()
        .id
}

async fn the_partners_terms_decide_publication_and_edits(store: Store) {
    let o = outlet(&store, "Steppe Monitor").await;
    let a = author(&store, "Daniyar").await;
    let make = |slug: &'static str, terms: SourceTerms, published: bool| {
        let store = store.clone();
        async move {
            let source = store
                .create_source(&new_source(o, &format!("https://steppe.example/{slug}.xml"), terms))
                .await
                .unwrap();
            let new = article(slug, published.then_some("2026-11-01T08:00:00Z"), vec![a], vec![]);
            let rec = record(source.id, slug, &format!("https://steppe.example/{slug}"), slug, terms);
            store.create_syndicated(&new, &rec).await
        }
    };
    let closed = make("closed", SourceTerms::Policy(ReusePolicy::AllRightsReserved), true).await;
    assert!(
        matches!(&closed, Err(StoreError::Refused(r)) if r.contains("allow no republication")),
        "{closed:?}"
    );
    let closed = make("closed2", SourceTerms::Policy(ReusePolicy::AllRightsReserved), false).await.unwrap();
    let mut publish = store.revision_snapshot(closed.id, 1).await.unwrap();
    publish.status = ArticleStatus::Published;
    let refused = store.update_article(closed.id, 1, &publish, None).await;
    assert!(matches!(refused, Err(StoreError::Refused(_))), "the queue may hold it, not publish it");
    assert_eq!(store.article(closed.id).await.unwrap().status, ArticleStatus::Draft);

    // Non-commercial terms: fine until the site says it is commercial.
    let nc = make("nc", SourceTerms::Policy(ReusePolicy::CcByNcNd), false).await.unwrap();
    let mut publish = store.revision_snapshot(nc.id, 1).await.unwrap();
    publish.status = ArticleStatus::Published;
    store.save_site(&Site { commercial: true, ..Site::default() }).await.unwrap();
    let refused = store.update_article(nc.id, 1, &publish, None).await;
    assert!(matches!(&refused, Err(StoreError::Refused(r)) if r.contains("non-commercial")), "{refused:?}");
    store.save_site(&Site::default()).await.unwrap();
    let published = store.update_article(nc.id, 1, &publish, None).await.unwrap();
    assert_eq!(published.status, ArticleStatus::Published);

    // -ND: the text stays as the partner wrote it; the headline may change.
    let mut edited = store.revision_snapshot(nc.id, 2).await.unwrap();
    edited.body = masthead_core::render_body(masthead_core::BodyFormat::Markdown, "Our own words.").unwrap();
    let refused = store.update_article(nc.id, 2, &edited, None).await;
    assert!(
        matches!(&refused, Err(StoreError::Refused(r)) if r.contains("forbid changes to the text")),
        "{refused:?}"
    );
    let mut retitled = store.revision_snapshot(nc.id, 2).await.unwrap();
    retitled.title = "A better headline".into();
    assert_eq!(store.update_article(nc.id, 2, &retitled, None).await.unwrap().title, "A better headline");

    // New terms on the source apply to what was taken in.
    let source_id = store.syndication(closed.id).await.unwrap().unwrap().source_id.unwrap();
    let mut changed = new_source(o, "https://steppe.example/closed2.xml", SourceTerms::Agreement);
    changed.auto_publish = true;
    store.update_source(source_id, &changed).await.unwrap();
    let mut publish = store.revision_snapshot(closed.id, 1).await.unwrap();
    publish.status = ArticleStatus::Published;
    assert_eq!(
        store.update_article(closed.id, 1, &publish, None).await.unwrap().status,
        ArticleStatus::Published,
        "a written agreement allows it"
    );
}

async fn partner_authors_and_chain_outlets_are_made_once(store: Store) {
    let danube = store.outlet_named("Danube Review", None).await.unwrap();
    assert_eq!(store.outlet_named("Danube Review", None).await.unwrap().id, danube.id);
    let steppe = store.outlet_named("Steppe Monitor", None).await.unwrap();
    let mira = store.external_author("Mira Kovač", &danube).await.unwrap();
    assert_eq!((mira.slug.as_str(), mira.outlet_id), ("mira-kovac", Some(danube.id)));
    assert_eq!(store.external_author("Mira Kovač", &danube).await.unwrap().id, mira.id);
    let namesake = store.external_author("Mira Kovač", &steppe).await.unwrap();
    assert_ne!(namesake.id, mira.id, "another outlet's Mira is another person");
    assert_eq!(namesake.slug.as_str(), "mira-kovac-steppe-monitor");
}

/// Two application instances on one database: each due source is claimed by one of them, and
/// not again while that one polls it.
async fn each_source_is_polled_by_one_instance(location: masthead_store::Location) {
    let first = Store::open(&location).await.unwrap();
    let second = Store::open(&location).await.unwrap();
    let o = outlet(&first, "Danube Review").await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let url = format!("https://danube.example/feed-{i}.xml");
        ids.push(first.create_source(&new_source(o, &url, SourceTerms::Agreement)).await.unwrap().id);
    }
    let now = Timestamp::now();
    let (one, two) = tokio::join!(first.claim_due_sources(now, 3), second.claim_due_sources(now, 3));
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!((one.len(), two.len()), (3, 3), "a few at a time");
    let rest = first.claim_due_sources(now, 100).await.unwrap();
    let mut all: Vec<i64> = one.iter().chain(&two).chain(&rest).map(|s| s.id).collect();
    all.sort_unstable();
    assert_eq!(all, ids, "every due source claimed once");
    assert!(second.claim_due_sources(now, 100).await.unwrap().is_empty(), "held while being polled");
    // A poll that outlasts a third of its lease extends it; only the poll that holds it can.
    let held = now.as_second() + masthead_store::LEASE_SECONDS;
    let renewed =
        first.renew_source_lease(ids[1], held, now + jiff::SignedDuration::from_secs(200)).await.unwrap();
    assert_eq!(renewed, Some(held + 200));
    assert_eq!(first.renew_source_lease(ids[1], held, now).await.unwrap(), None, "not with an old lease");
    let after_first_lease = now + jiff::SignedDuration::from_secs(masthead_store::LEASE_SECONDS + 1);
    assert!(
        !second.claim_source(ids[1], after_first_lease).await.unwrap(),
        "still held after the first lease ran out"
    );
    assert!(!second.claim_source(ids[0], now).await.unwrap(), "not even by hand");
    let source = first.source(ids[0]).await.unwrap();
    first.finish_poll(&source, now, Ok((None, None))).await.unwrap();
    assert!(second.claim_source(ids[0], now).await.unwrap(), "released after the poll");
    let later = now + jiff::SignedDuration::from_secs(masthead_store::LEASE_SECONDS + 1);
    assert_eq!(
        second.claim_due_sources(later, 100).await.unwrap().len(),
        6,
        "a lease left by a stopped node expires"
    );
    first.close().await;
    second.close().await;
}

#[tokio::test]
async fn each_source_is_polled_by_one_instance_on_sqlite() {
    let db = masthead_store::testing::TestDb::sqlite().await;
    each_source_is_polled_by_one_instance(db.location.clone()).await;
    db.finish().await;
}

#[tokio::test]
async fn each_source_is_polled_by_one_instance_on_postgres() {
    if let Some(db) = masthead_store::testing::TestDb::postgres().await {
        each_source_is_polled_by_one_instance(db.location.clone()).await;
        db.finish().await;
    }
}
