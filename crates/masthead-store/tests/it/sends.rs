//! Newsletter sends, on both backends: recipients written once, claimed without overlap, and
//! what a stopped node left put right without sending anyone the e-mail twice.

use masthead_core::{MemberStatus, NewNewsletter};
use masthead_store::{RecipientResult, Store, StoreError, SuppressionReason, both_backends};

use crate::members::member;
use crate::{article, at, author};

both_backends!(
    a_send_goes_to_the_active_members_of_its_newsletters_each_once,
    two_nodes_claim_disjoint_recipients_and_the_send_finishes_once,
    a_stopped_node_leaves_its_unstarted_claims_to_others_and_its_in_flight_messages_uncertain,
    an_article_waits_for_publication_and_goes_out_once,
    a_soft_bounce_after_hand_over_is_tried_again_a_few_times,
);

async fn newsletter(store: &Store, slug: &str) -> i64 {
    store
        .create_newsletter(&NewNewsletter {
            slug: slug.into(),
            name: slug.into(),
            description: String::new(),
            sender_name: None,
            sender_email: None,
            reply_to: None,
            subscribe_by_default: false,
            active: true,
            position: 1,
        })
        .await
        .unwrap()
        .id
}

async fn published_article(store: &Store, slug: &str) -> i64 {
    let a = author(store, &format!("Author {slug}")).await;
    store.create_article(&article(slug, Some("2026-06-01T08:00:00Z"), vec![a], vec![])).await.unwrap().id
}

async fn a_send_goes_to_the_active_members_of_its_newsletters_each_once(store: Store) {
    let weekly = store.newsletters().await.unwrap()[0].id;
    let daily = newsletter(&store, "daily").await;
    let mut ids = Vec::new();
    for new in [
        member("both@example.org", MemberStatus::Active, vec![weekly, daily], &[]),
        member("weekly@example.org", MemberStatus::Active, vec![weekly], &["donor"]),
        member("pending@example.org", MemberStatus::Pending, vec![weekly], &[]),
        member("other@example.org", MemberStatus::Active, vec![], &[]),
        member("bounced@example.org", MemberStatus::Active, vec![daily], &["donor"]),
    ] {
        ids.push(store.create_member(&new).await.unwrap().id);
    }
    store.suppress("bounced@example.org", SuppressionReason::Bounced, "550 5.1.1").await.unwrap();
    let article = published_article(&store, "one").await;
    let send = store.request_article_send(article, &[weekly, daily], &[], 0, None).await.unwrap();
    let now = at("2026-06-01T09:00:00Z");
    assert_eq!(store.due_sends(now).await.unwrap().len(), 1);
    assert_eq!(store.start_send(&send, "Subject", "{}", now).await.unwrap(), Some(3));
    assert_eq!(store.start_send(&send, "Subject", "{}", now).await.unwrap(), None, "a send starts once");
    let progress = store.send_progress(send.id).await.unwrap();
    assert_eq!((progress.total, progress.left, progress.suppressed), (3, 2, 1));
    let claimed = store.claim_recipients(send.id, "n1", now, now.as_second() + 60, 10).await.unwrap();
    let emails: Vec<&str> = claimed.iter().map(|c| c.email.as_str()).collect();
    assert_eq!(emails, ["both@example.org", "weekly@example.org"], "the member in two newsletters once");

    // Labels narrow a send to members who carry one of them.
    let second = published_article(&store, "two").await;
    let labels = store.labels().await.unwrap();
    let donor = labels.iter().find(|(l, _)| l.name == "donor").unwrap().0.id;
    let send = store.request_article_send(second, &[weekly, daily], &[donor], 0, None).await.unwrap();
    assert_eq!(store.start_send(&send, "Subject", "{}", now).await.unwrap(), Some(2));
    let progress = store.send_progress(send.id).await.unwrap();
    assert_eq!((progress.left, progress.suppressed), (1, 1));
}

async fn two_nodes_claim_disjoint_recipients_and_the_send_finishes_once(store: Store) {
    let weekly = store.newsletters().await.unwrap()[0].id;
    for i in 0..50 {
        store
            .create_member(&member(&format!("m{i}@example.org"), MemberStatus::Active, vec![weekly], &[]))
            .await
            .unwrap();
    }
    let article = published_article(&store, "one").await;
    let send = store.request_article_send(article, &[weekly], &[], 0, None).await.unwrap();
    let now = at("2026-06-01T09:00:00Z");
    store.start_send(&send, "S", "{}", now).await.unwrap();
    let until = now.as_second() + 60;
    let mut seen = std::collections::BTreeSet::new();
    loop {
        let (a, b) = tokio::join!(
            store.claim_recipients(send.id, "a", now, until, 7),
            store.claim_recipients(send.id, "b", now, until, 7)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        if a.is_empty() && b.is_empty() {
            break;
        }
        for (node, batch) in [("a", a), ("b", b)] {
            let ids: Vec<i64> = batch.iter().map(|c| c.member_id).collect();
            for id in &ids {
                assert!(seen.insert(*id), "member {id} claimed twice");
            }
            assert_eq!(store.mark_sending(send.id, node, &ids, until).await.unwrap().len(), ids.len());
            let results: Vec<(i64, RecipientResult)> =
                ids.iter().map(|id| (*id, RecipientResult::Sent)).collect();
            store.record_results(send.id, node, &results, now).await.unwrap();
        }
    }
    assert_eq!(seen.len(), 50);
    let p = store.send_progress(send.id).await.unwrap();
    assert_eq!((p.sent, p.left, p.sending), (50, 0, 0));
    let (one, two) =
        tokio::join!(store.finish_send_if_done(send.id, now), store.finish_send_if_done(send.id, now));
    assert!(one.unwrap() ^ two.unwrap(), "finished once");
    assert_eq!(store.send(send.id).await.unwrap().status, "done");
}

async fn a_stopped_node_leaves_its_unstarted_claims_to_others_and_its_in_flight_messages_uncertain(
    store: Store,
) {
    let weekly = store.newsletters().await.unwrap()[0].id;
    for i in 0..10 {
        store
            .create_member(&member(&format!("m{i}@example.org"), MemberStatus::Active, vec![weekly], &[]))
            .await
            .unwrap();
    }
    let article = published_article(&store, "one").await;
    let send = store.request_article_send(article, &[weekly], &[], 0, None).await.unwrap();
    let now = at("2026-06-01T09:00:00Z");
    store.start_send(&send, "S", "{}", now).await.unwrap();
    let until = now.as_second() + 60;
    // Node "dead" claims six, starts handing over three, gets one through, and stops.
    let claimed = store.claim_recipients(send.id, "dead", now, until, 6).await.unwrap();
    let ids: Vec<i64> = claimed.iter().map(|c| c.member_id).collect();
    store.mark_sending(send.id, "dead", &ids[..3], until).await.unwrap();
    store.record_results(send.id, "dead", &[(ids[0], RecipientResult::Sent)], now).await.unwrap();
    // Before the lease runs out nothing changes.
    assert_eq!(store.recover_send(send.id, now).await.unwrap(), (0, 0));
    let later = at("2026-06-01T09:02:00Z");
    assert_eq!(store.recover_send(send.id, later).await.unwrap(), (3, 2));
    // A transient refusal waits for its time; a late result from the stopped node changes nothing.
    let rest = store.claim_recipients(send.id, "alive", later, later.as_second() + 60, 100).await.unwrap();
    assert_eq!(rest.len(), 7, "the three never started and the four never claimed");
    let rest_ids: Vec<i64> = rest.iter().map(|c| c.member_id).collect();
    store.mark_sending(send.id, "alive", &rest_ids, later.as_second() + 60).await.unwrap();
    let mut results: Vec<(i64, RecipientResult)> =
        rest_ids[1..].iter().map(|id| (*id, RecipientResult::Sent)).collect();
    results.push((
        rest_ids[0],
        RecipientResult::Retry { at: later.as_second() + 300, error: "451 try later".into() },
    ));
    store.record_results(send.id, "alive", &results, later).await.unwrap();
    store.record_results(send.id, "dead", &[(ids[1], RecipientResult::Sent)], later).await.unwrap();
    let p = store.send_progress(send.id).await.unwrap();
    assert_eq!((p.sent, p.uncertain, p.left), (7, 2, 1));
    assert!(!store.finish_send_if_done(send.id, later).await.unwrap(), "one waits to be tried again");
    assert!(
        store.claim_recipients(send.id, "alive", later, later.as_second() + 60, 10).await.unwrap().is_empty()
    );
    let retry_at = at("2026-06-01T09:07:00Z");
    let again =
        store.claim_recipients(send.id, "alive", retry_at, retry_at.as_second() + 60, 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 1));
    store.mark_sending(send.id, "alive", &[again[0].member_id], retry_at.as_second() + 60).await.unwrap();
    store
        .record_results(send.id, "alive", &[(again[0].member_id, RecipientResult::Sent)], retry_at)
        .await
        .unwrap();
    assert!(store.finish_send_if_done(send.id, retry_at).await.unwrap());
    let uncertain = store.send_recipients_in(send.id, "uncertain", 0, 10).await.unwrap();
    assert_eq!(uncertain.iter().map(|u| u.0).collect::<Vec<_>>(), vec![ids[1], ids[2]]);
}

async fn an_article_waits_for_publication_and_goes_out_once(store: Store) {
    let weekly = store.newsletters().await.unwrap()[0].id;
    let a = author(&store, "Ana").await;
    let draft = store.create_article(&article("draft", None, vec![a], vec![])).await.unwrap().id;
    let send = store.request_article_send(draft, &[weekly], &[], 0, None).await.unwrap();
    let now = at("2026-06-01T09:00:00Z");
    assert!(store.due_sends(now).await.unwrap().is_empty(), "a draft does not go out");
    // Asking again while it waits changes the request; after it started, it is refused.
    let again = store.request_article_send(draft, &[weekly], &[], 5, None).await.unwrap();
    assert_eq!((again.id, again.due_at), (send.id, 5));
    let published = published_article(&store, "live").await;
    let send = store.request_article_send(published, &[weekly], &[], 0, None).await.unwrap();
    store.start_send(&send, "S", "{}", now).await.unwrap();
    assert!(matches!(
        store.request_article_send(published, &[weekly], &[], 0, None).await,
        Err(StoreError::Conflict { .. })
    ));
    let waiting = store.request_article_send(draft, &[weekly], &[], 0, None).await.unwrap();
    assert!(store.cancel_waiting_send(waiting.id).await.unwrap());
    assert!(!store.cancel_waiting_send(send.id).await.unwrap(), "a started send cannot be cancelled");
}

async fn a_soft_bounce_after_hand_over_is_tried_again_a_few_times(store: Store) {
    let weekly = store.newsletters().await.unwrap()[0].id;
    let member = store
        .create_member(&member("full@example.org", MemberStatus::Active, vec![weekly], &[]))
        .await
        .unwrap();
    let article = published_article(&store, "one").await;
    let send = store.request_article_send(article, &[weekly], &[], 0, None).await.unwrap();
    let now = at("2026-06-01T09:00:00Z");
    store.start_send(&send, "S", "{}", now).await.unwrap();
    let until = now.as_second() + 60;
    let claimed = store.claim_recipients(send.id, "n", now, until, 10).await.unwrap();
    store.mark_sending(send.id, "n", &[claimed[0].member_id], until).await.unwrap();
    store.record_results(send.id, "n", &[(member.id, RecipientResult::Sent)], now).await.unwrap();
    assert!(store.finish_send_if_done(send.id, now).await.unwrap());

    // The mailbox was full: the send takes it up again, and tries once more after the wait.
    let retry_at = now.as_second() + 3600;
    assert!(store.retry_after_soft_bounce(send.id, member.id, retry_at, 3).await.unwrap());
    assert_eq!(store.send(send.id).await.unwrap().status, "sending");
    assert!(
        store.claim_recipients(send.id, "n", now, until, 10).await.unwrap().is_empty(),
        "not before its time"
    );
    let later = at("2026-06-01T10:00:01Z");
    let again = store.claim_recipients(send.id, "n", later, later.as_second() + 60, 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 1));
    store.mark_sending(send.id, "n", &[member.id], later.as_second() + 60).await.unwrap();
    store.record_results(send.id, "n", &[(member.id, RecipientResult::Sent)], later).await.unwrap();
    // A second soft bounce is the last one tried with a limit of three attempts; the third is not.
    assert!(store.retry_after_soft_bounce(send.id, member.id, retry_at, 3).await.unwrap());
    let last = at("2026-06-01T11:00:00Z");
    store.claim_recipients(send.id, "n", last, last.as_second() + 60, 10).await.unwrap();
    store.mark_sending(send.id, "n", &[member.id], last.as_second() + 60).await.unwrap();
    store.record_results(send.id, "n", &[(member.id, RecipientResult::Sent)], last).await.unwrap();
    assert!(!store.retry_after_soft_bounce(send.id, member.id, retry_at, 3).await.unwrap());
    // A bounce for a message that was never marked sent changes nothing.
    assert!(!store.retry_after_soft_bounce(send.id, member.id + 1000, retry_at, 3).await.unwrap());
}
