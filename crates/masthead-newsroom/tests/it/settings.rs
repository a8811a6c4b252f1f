//! The settings are checked in the use case, whichever edge they come from.

use masthead_core::Role;
use masthead_newsroom::error::Failure;
use masthead_newsroom::settings;
use masthead_store::Store;
use serde_json::{Map, Value, json};

use crate::{newsroom, person};

fn changes(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

async fn every_edge_gets_the_same_checks(store: Store) {
    let newsroom = newsroom(store.clone());
    let admin = person(&store, Role::Administrator).await;
    let before = store.site().await.unwrap();
    // The admin's form has always refused these; the Admin API took them until the rules moved here.
    for (body, field) in [
        (json!({ "title": " " }), "title"),
        (json!({ "base_url": "javascript:alert(1)" }), "base_url"),
        (json!({ "base_url": "not an address" }), "base_url"),
        (json!({ "time_zone": "Mars/Base" }), "time_zone"),
        (json!({ "colour": "red" }), "colour"),
    ] {
        let failure = settings::change(&newsroom, &admin, &changes(body.clone())).await.unwrap_err();
        assert!(matches!(failure, Failure::Invalid { .. } | Failure::Unknown { .. }), "{body}: {failure:?}");
        assert_eq!(failure.field(), Some(field), "{body}");
    }
    assert_eq!(store.site().await.unwrap(), before, "nothing of a refused change is saved");
    let editor = person(&store, Role::Editor).await;
    let refused = settings::change(&newsroom, &editor, &changes(json!({ "tagline": "x" }))).await;
    assert!(matches!(refused, Err(Failure::Forbidden(_))), "{refused:?}");
    assert!(matches!(settings::editable(&newsroom, &editor).await, Err(Failure::Forbidden(_))));
    assert_eq!(settings::read(&newsroom, &editor).await.unwrap(), before, "anyone on staff reads them");
}

async fn the_audit_names_what_changed(store: Store) {
    let newsroom = newsroom(store.clone());
    let admin = person(&store, Role::Administrator).await;
    let same_title = store.site().await.unwrap().title;
    let body = changes(json!({ "title": same_title, "tagline": "Slow news" }));
    let site = settings::change(&newsroom, &admin, &body).await.unwrap();
    assert_eq!(site.tagline, "Slow news");
    let log = store.audit_log(5).await.unwrap();
    assert_eq!((log[0].action.as_str(), log[0].subject.as_str()), ("settings changed", "tagline"));
    settings::change(&newsroom, &admin, &body).await.unwrap();
    assert_eq!(store.audit_log(5).await.unwrap().len(), log.len(), "a change that changes nothing");
}

masthead_store::both_backends!(every_edge_gets_the_same_checks, the_audit_names_what_changed);
