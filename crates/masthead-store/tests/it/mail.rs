//! Suppressions and bounce records, on both backends.

use masthead_store::{BounceKind, NewBounce, Store, SuppressionReason, both_backends};

both_backends!(
    hard_bounces_and_complaints_suppress_soft_ones_are_only_recorded,
    a_suppression_is_found_in_any_case_and_kept_once,
    dkim_keys_and_other_site_secrets_can_be_replaced,
);

fn report(email: &str, kind: BounceKind, send_id: Option<i64>, member_id: Option<i64>) -> NewBounce {
    NewBounce {
        email: email.into(),
        send_id,
        member_id,
        kind,
        status: "5.1.1".into(),
        diagnostic: "550 5.1.1 no such user".into(),
    }
}

async fn hard_bounces_and_complaints_suppress_soft_ones_are_only_recorded(store: Store) {
    store.record_bounce(&report("gone@example.org", BounceKind::Hard, Some(7), Some(70))).await.unwrap();
    let mut soft = report("Full@Example.org", BounceKind::Soft, Some(7), Some(71));
    soft.status = "4.2.2".into();
    store.record_bounce(&soft).await.unwrap();
    store.record_bounce(&report("angry@example.org", BounceKind::Complaint, None, None)).await.unwrap();
    store.record_bounce(&report("other@example.org", BounceKind::Soft, Some(8), Some(72))).await.unwrap();

    let gone = store.suppression("gone@example.org").await.unwrap().expect("a hard bounce suppresses");
    assert_eq!(gone.reason, SuppressionReason::Bounced);
    assert_eq!(gone.detail, "5.1.1 550 5.1.1 no such user");
    assert_eq!(
        store.suppression("angry@example.org").await.unwrap().map(|s| s.reason),
        Some(SuppressionReason::Complained)
    );
    assert!(!store.is_suppressed("full@example.org").await.unwrap(), "a soft bounce does not suppress");

    let retries = store.soft_bounces(7).await.unwrap();
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert_eq!(
        (retries[0].email.as_str(), retries[0].member_id, retries[0].status.as_str()),
        ("full@example.org", Some(71), "4.2.2")
    );
    let all: Vec<BounceKind> = store.bounces_for_send(7).await.unwrap().iter().map(|b| b.kind).collect();
    assert_eq!(all, [BounceKind::Hard, BounceKind::Soft]);
    assert_eq!(store.bounces_for_email("ANGRY@example.org").await.unwrap().len(), 1);
}

async fn a_suppression_is_found_in_any_case_and_kept_once(store: Store) {
    assert!(
        store.suppress(" Reader@Example.ORG ", SuppressionReason::Refused, "550 rejected").await.unwrap()
    );
    assert!(
        !store.suppress("reader@example.org", SuppressionReason::Bounced, "later").await.unwrap(),
        "already suppressed"
    );
    let kept = store.suppression("READER@example.org").await.unwrap().unwrap();
    assert_eq!(
        (kept.email.as_str(), kept.reason, kept.detail.as_str()),
        ("reader@example.org", SuppressionReason::Refused, "550 rejected")
    );
    // Hard bounces of an address already suppressed are still recorded.
    store.record_bounce(&report("reader@example.org", BounceKind::Hard, None, None)).await.unwrap();
    assert_eq!(store.bounces_for_email("reader@example.org").await.unwrap().len(), 1);

    let batch: Vec<String> =
        ["a@example.org", "READER@example.org", "b@example.org"].map(String::from).into();
    assert_eq!(store.suppressed_among(&batch).await.unwrap(), ["reader@example.org"]);
    let many: Vec<String> = (0..1200).map(|i| format!("m{i}@example.org")).collect();
    store.suppress("m1100@example.org", SuppressionReason::Bounced, "").await.unwrap();
    assert_eq!(
        store.suppressed_among(&many).await.unwrap(),
        ["m1100@example.org"],
        "past one statement's chunk"
    );
}

async fn dkim_keys_and_other_site_secrets_can_be_replaced(store: Store) {
    assert_eq!(store.find_site_secret("dkim").await.unwrap(), None);
    store.replace_site_secret("dkim", "first").await.unwrap();
    assert_eq!(store.find_site_secret("dkim").await.unwrap().as_deref(), Some("first"));
    store.replace_site_secret("dkim", "second").await.unwrap();
    assert_eq!(store.find_site_secret("dkim").await.unwrap().as_deref(), Some("second"));
    assert_eq!(store.site_secret("dkim", "candidate").await.unwrap(), "second", "the one kept wins");
}
