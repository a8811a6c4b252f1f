//! Nodes on one PostgreSQL database hear each other's changes, and a node whose listener is
//! lost, falls silent or misses a notification finds out by itself within seconds.

use std::time::Duration;

use masthead_store::testing::TestDb;
use masthead_store::{Store, StoreOptions};
use tokio::sync::broadcast;

/// A second node on the test's database, beating five times a second, listening through
/// `listen_url` when given.
async fn node(db: &TestDb, listen_url: Option<String>) -> Store {
    let options =
        StoreOptions { heartbeat: Duration::from_millis(200), listen_url, ..StoreOptions::default() };
    let store = Store::open_with(&db.location, &options).await.unwrap();
    store.listen_to_other_nodes().await.unwrap();
    store
}

/// Waits up to `within` for a change announced with `key`; how long it took.
async fn hears(
    changes: &mut broadcast::Receiver<masthead_store::Changed>,
    key: &str,
    within: Duration,
) -> Duration {
    let start = std::time::Instant::now();
    let found = tokio::time::timeout(within, async {
        loop {
            match changes.recv().await {
                Ok(keys) if keys.iter().any(|k| k == key) => return,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("the store stopped announcing"),
            }
        }
    })
    .await;
    assert!(found.is_ok(), "nothing announced {key:?} within {within:?}");
    start.elapsed()
}

async fn postgres() -> Option<TestDb> {
    TestDb::postgres().await
}

#[tokio::test]
async fn a_node_hears_the_keys_of_another_nodes_writes_on_postgres() {
    let Some(db) = postgres().await else { return };
    let other = node(&db, None).await;
    let mut changes = other.changes();
    let author = crate::author(&db.store, "Ana Petrović").await;
    hears(&mut changes, &format!("author:{author}"), Duration::from_secs(5)).await;
    assert!(other.hears_other_nodes());
    other.close().await;
    db.finish().await;
}

#[tokio::test]
async fn a_node_whose_listener_is_ended_listens_again_and_drops_every_page_on_postgres() {
    let Some(db) = postgres().await else { return };
    let other = node(&db, None).await;
    let mut changes = other.changes();
    assert_eq!(db.end_listeners().await, 1, "one node listens");
    hears(&mut changes, "all", Duration::from_secs(5)).await;
    let author = crate::author(&db.store, "Bo Lindqvist").await;
    hears(&mut changes, &format!("author:{author}"), Duration::from_secs(5)).await;
    other.close().await;
    db.finish().await;
}

#[tokio::test]
async fn a_node_whose_connection_goes_silent_listens_again_within_seconds_on_postgres() {
    let Some(db) = postgres().await else { return };
    let database = std::env::var("MASTHEAD_TEST_DATABASE_URL")
        .unwrap_or_else(|_| masthead_store::testing::DEFAULT_TEST_DATABASE_URL.to_owned());
    let relay = masthead_store::testing::SilentRelay::start(&database);
    let other = node(&db, Some(relay.url(&database))).await;
    let mut changes = other.changes();
    let before = crate::author(&db.store, "Ana Petrović").await;
    hears(&mut changes, &format!("author:{before}"), Duration::from_secs(5)).await;

    // No reset, no FIN: the bytes stop, as when a firewall forgets the connection.
    relay.go_silent();
    let purged_after = hears(&mut changes, "all", Duration::from_secs(5)).await;
    assert!(purged_after >= Duration::from_millis(500), "not before the listener was silent for a while");
    let after = crate::author(&db.store, "Bo Lindqvist").await;
    hears(&mut changes, &format!("author:{after}"), Duration::from_secs(5)).await;
    assert!(other.hears_other_nodes());
    other.close().await;
    db.finish().await;
}

#[tokio::test]
async fn a_change_whose_notification_was_lost_is_read_from_the_record_on_postgres() {
    let Some(db) = postgres().await else { return };
    let other = node(&db, None).await;
    let mut changes = other.changes();
    db.record_change_unheard("article:424242 listing").await;
    let took = hears(&mut changes, "article:424242", Duration::from_secs(8)).await;
    // Two seconds by the database's clock, counted in milliseconds (with whole seconds it
    // could be anything from one to two); the margin is for the time the write took to return.
    assert!(
        took >= Duration::from_millis(1500),
        "heard from the record {took:?} after it was written, before the notification had its two seconds"
    );
    // Once only.
    let again = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            if let Ok(keys) = changes.recv().await
                && keys.iter().any(|k| k == "article:424242")
            {
                return;
            }
        }
    })
    .await;
    assert!(again.is_err(), "a change read from the record is announced once");
    // A change recorded by a node of the version before milliseconds, still running while the
    // others are upgraded: read from the record all the same.
    db.record_change_unheard_in_seconds("article:434343").await;
    hears(&mut changes, "article:434343", Duration::from_secs(8)).await;
    other.close().await;
    db.finish().await;
}
