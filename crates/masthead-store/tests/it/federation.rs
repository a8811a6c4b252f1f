//! Federation's tables: followers and where activities go, deliveries claimed and retried,
//! activities received and kept until checked, what followers were sent, likes and boosts.

use masthead_store::{NewActivity, NewFollower, Store, both_backends};

use crate::{article, at, author};

both_backends!(
    followers_are_kept_once_and_delivered_to_once_per_server,
    deliveries_are_claimed_a_few_per_server_retried_and_given_up,
    received_activities_wait_under_leases_until_done,
    one_server_cannot_fill_the_inbox_queue,
    a_deleted_article_that_followers_were_sent_is_queued_for_its_delete,
    likes_and_boosts_are_counted_once_per_account_and_taken_back,
);

fn follower(actor: &str, who: &str, host: &str, shared: bool) -> NewFollower {
    NewFollower {
        actor: actor.into(),
        follower: format!("https://{host}/users/{who}"),
        inbox: format!("https://{host}/users/{who}/inbox"),
        shared_inbox: if shared { format!("https://{host}/inbox") } else { String::new() },
        host: host.into(),
        follow_id: format!("https://{host}/follows/{who}"),
    }
}

async fn followers_are_kept_once_and_delivered_to_once_per_server(store: Store) {
    let now = at("2026-12-01T10:00:00Z");
    assert!(store.add_follower(&follower("outlet", "ana", "social.example", true), now).await.unwrap());
    assert!(!store.add_follower(&follower("outlet", "ana", "social.example", true), now).await.unwrap());
    store.add_follower(&follower("outlet", "bo", "social.example", true), now).await.unwrap();
    store.add_follower(&follower("author:7", "ana", "social.example", true), now).await.unwrap();
    store.add_follower(&follower("outlet", "cy", "small.example", false), now).await.unwrap();
    assert_eq!(store.follower_count("outlet").await.unwrap(), 3);
    assert_eq!(store.follower_count("author:7").await.unwrap(), 1);
    assert_eq!(
        store.followers("outlet", None, 2).await.unwrap(),
        vec!["https://small.example/users/cy", "https://social.example/users/ana"]
    );
    // Three followers of two of ours on one server with a shared inbox: one delivery there.
    let targets = store.delivery_targets(&["outlet".into(), "author:7".into()], None, 100).await.unwrap();
    assert_eq!(
        targets,
        vec![
            ("https://small.example/users/cy/inbox".to_string(), "small.example".to_string()),
            ("https://social.example/inbox".to_string(), "social.example".to_string()),
        ]
    );
    let after = store
        .delivery_targets(&["outlet".into()], Some("https://small.example/users/cy/inbox"), 100)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(
        store
            .followed_by_follow("https://social.example/users/bo", "https://social.example/follows/bo")
            .await
            .unwrap(),
        Some("outlet".to_string())
    );
    assert_eq!(store.remove_follower(Some("outlet"), "https://social.example/users/bo").await.unwrap(), 1);
    // An inbox that is gone takes its followers with it: a personal one its follower, a
    // shared one its server's.
    store.add_follower(&follower("outlet", "dee", "gone.example", false), now).await.unwrap();
    store.add_follower(&follower("outlet", "eve", "gone.example", false), now).await.unwrap();
    assert_eq!(store.remove_followers_at("https://gone.example/users/dee/inbox").await.unwrap(), 1);
    assert_eq!(store.remove_followers_at("https://social.example/inbox").await.unwrap(), 2);
    store.add_follower(&follower("outlet", "ana", "social.example", true), now).await.unwrap();
    store.add_follower(&follower("author:7", "ana", "social.example", true), now).await.unwrap();
    assert_eq!(store.remove_follower(Some("outlet"), "https://gone.example/users/eve").await.unwrap(), 1);
    // An account deleted on its server leaves every one of ours.
    assert_eq!(store.remove_follower(None, "https://social.example/users/ana").await.unwrap(), 2);
    assert_eq!(store.follower_count("outlet").await.unwrap(), 1);
}

async fn deliveries_are_claimed_a_few_per_server_retried_and_given_up(store: Store) {
    let now = at("2026-12-01T10:00:00Z");
    let activity = NewActivity {
        id: "https://news.example/ap/activities/1".into(),
        actor: "outlet".into(),
        kind: "Create".into(),
        article_id: None,
        body: r#"{"type":"Create"}"#.into(),
    };
    let mut targets: Vec<(String, String)> =
        (0..3).map(|i| (format!("https://a.example/users/{i}/inbox"), "a.example".to_string())).collect();
    targets.push(("https://b.example/inbox".into(), "b.example".into()));
    store.send_activity(&activity, &targets, now).await.unwrap();
    // Queued twice, delivered once.
    store.send_activity(&activity, &targets, now).await.unwrap();
    assert_eq!(store.deliveries_waiting().await.unwrap(), 4);
    assert_eq!(store.activity(&activity.id).await.unwrap().as_deref(), Some(r#"{"type":"Create"}"#));

    let claimed = store.claim_deliveries(10, 2, now).await.unwrap();
    let hosts: Vec<&str> = claimed.iter().map(|d| d.host.as_str()).collect();
    assert_eq!(hosts, vec!["a.example", "a.example", "b.example"]);
    assert!(claimed.iter().all(|d| d.scheme == "rfc9421" && d.attempts == 1 && d.body.contains("Create")));
    // A server with deliveries under way gets no more until they end.
    assert!(store.claim_deliveries(10, 2, now).await.unwrap().is_empty());

    store.delivered(claimed[0].id, "a.example", "cavage").await.unwrap();
    store
        .delivery_failed(
            claimed[1].id,
            "a.example",
            "the server answered 503",
            Some(at("2026-12-01T10:05:00Z")),
            true,
            now,
        )
        .await
        .unwrap();
    // A refusal of one activity says nothing of the server; a server error does.
    store
        .delivery_failed(claimed[2].id, "b.example", "the server answered 400", None, false, now)
        .await
        .unwrap();
    assert_eq!(store.deliveries_waiting().await.unwrap(), 2);
    // The third to a.example was never claimed; the failed one waits for its time.
    let later = at("2026-12-01T10:01:00Z");
    let next = store.claim_deliveries(10, 5, later).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].scheme, "cavage", "the scheme the server took last");
    store.delivered(next[0].id, "a.example", "cavage").await.unwrap();
    let retry = store.claim_deliveries(10, 5, at("2026-12-01T10:06:00Z")).await.unwrap();
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].attempts, 2);
    store.delivered(retry[0].id, "a.example", "rfc9421").await.unwrap();

    // Many at once: each delivery done, each server's scheme the last one it took.
    let many = NewActivity { id: "https://news.example/ap/activities/2".into(), ..activity.clone() };
    let targets: Vec<(String, String)> =
        (0..400).map(|i| (format!("https://h{i}.example/inbox"), format!("h{i}.example"))).collect();
    store.send_activity(&many, &targets, now).await.unwrap();
    let claimed = store.claim_deliveries(500, 1, now).await.unwrap();
    assert_eq!(claimed.len(), 400);
    let done: Vec<(i64, String, &str)> = claimed.iter().map(|d| (d.id, d.host.clone(), "cavage")).collect();
    store.delivered_many(&done).await.unwrap();
    assert_eq!(store.deliveries_waiting().await.unwrap(), 0);
    store
        .send_activity(
            &NewActivity { id: "https://news.example/ap/activities/3".into(), ..activity.clone() },
            &targets[..2],
            now,
        )
        .await
        .unwrap();
    assert!(store.claim_deliveries(10, 1, now).await.unwrap().iter().all(|d| d.scheme == "cavage"));

    // b.example fails from 10:00, five times in a row: dropped a week later, with its followers
    // (not after one failure, nor before the week).
    store.add_follower(&follower("outlet", "dee", "b.example", true), now).await.unwrap();
    for n in 0..5 {
        let one = NewActivity { id: format!("https://news.example/ap/activities/b{n}"), ..activity.clone() };
        store
            .send_activity(&one, &[("https://b.example/inbox".into(), "b.example".into())], now)
            .await
            .unwrap();
        let claimed = store.claim_deliveries(10, 1, now).await.unwrap();
        let to_b = claimed.iter().find(|d| d.host == "b.example").unwrap();
        store.delivery_failed(to_b.id, "b.example", "unreachable", None, true, now).await.unwrap();
        for d in claimed.iter().filter(|d| d.host != "b.example") {
            store.delivered(d.id, &d.host, "cavage").await.unwrap();
        }
        if n == 0 {
            assert!(
                store.drop_dead_hosts(at("2026-12-08T10:00:01Z")).await.unwrap().is_empty(),
                "one failure"
            );
        }
    }
    assert!(store.drop_dead_hosts(at("2026-12-01T09:00:00Z")).await.unwrap().is_empty());
    assert_eq!(
        store.drop_dead_hosts(at("2026-12-08T10:00:01Z")).await.unwrap(),
        vec!["b.example".to_string()]
    );
    assert_eq!(store.follower_count("outlet").await.unwrap(), 0);
}

async fn one_server_cannot_fill_the_inbox_queue(store: Store) {
    let now = at("2026-12-01T10:00:00Z");
    for n in 0..masthead_store::MAX_INBOX_PER_HOST {
        let body = n.to_string();
        let queued = store.queue_received(
            "shared",
            "https://news.example/ap/inbox",
            "[]",
            &body,
            "flood.example",
            now,
        );
        assert!(queued.await.unwrap().is_some());
    }
    let more =
        store.queue_received("shared", "https://news.example/ap/inbox", "[]", "{}", "flood.example", now);
    assert_eq!(more.await.unwrap(), None, "that server's share is full");
    let other =
        store.queue_received("shared", "https://news.example/ap/inbox", "[]", "{}", "social.example", now);
    assert!(other.await.unwrap().is_some(), "others are still heard");
}

async fn received_activities_wait_under_leases_until_done(store: Store) {
    let now = at("2026-12-01T10:00:00Z");
    // Each activity is done once; its id is forgotten once no signature of it can hold.
    assert!(store.first_sight("https://s.example/a/1", now).await.unwrap());
    assert!(!store.first_sight("https://s.example/a/1", now).await.unwrap());
    assert_eq!(store.forget_seen(now, 10).await.unwrap(), 0);
    assert_eq!(store.forget_seen(at("2026-12-01T12:00:01Z"), 10).await.unwrap(), 1);
    assert!(store.first_sight("https://s.example/a/1", now).await.unwrap());
    let first = store
        .queue_received("shared", "https://news.example/ap/inbox", "[]", "{}", "s.example", now)
        .await
        .unwrap();
    let second = store
        .queue_received("outlet", "https://news.example/ap/outlet/inbox", "[]", "{\"a\":1}", "t.example", now)
        .await
        .unwrap();
    assert!(first.is_some() && second.is_some());
    let claimed = store.claim_received(10, now).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert_eq!(claimed[1].inbox, "outlet");
    assert!(store.claim_received(10, now).await.unwrap().is_empty(), "leased");
    store.forget_received(claimed[0].id).await.unwrap();
    store.retry_received(claimed[1].id, at("2026-12-01T10:10:00Z")).await.unwrap();
    assert!(store.claim_received(10, at("2026-12-01T10:09:00Z")).await.unwrap().is_empty());
    let again = store.claim_received(10, at("2026-12-01T10:10:01Z")).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
}

async fn a_deleted_article_that_followers_were_sent_is_queued_for_its_delete(store: Store) {
    let ana = author(&store, "Ana").await;
    let sent = store
        .create_article(&article("sent", Some("2026-01-01T00:00:00Z"), vec![ana], vec![]))
        .await
        .unwrap();
    let never = store
        .create_article(&article("never", Some("2026-01-02T00:00:00Z"), vec![ana], vec![]))
        .await
        .unwrap();
    let now = at("2026-12-01T10:00:00Z");
    let changes = store.unfederated_changes(100).await.unwrap();
    assert!(changes.iter().any(|(_, a)| *a == sent.id));
    let ids: Vec<i64> = changes.iter().map(|(c, _)| *c).collect();
    assert_eq!(store.mark_federated(&ids, now).await.unwrap(), ids.len() as u64);
    assert_eq!(store.mark_federated(&ids, now).await.unwrap(), 0, "another node got there first");
    assert!(store.unfederated_changes(100).await.unwrap().is_empty());
    store.set_sent_object(sent.id, "sent", "abc", now).await.unwrap();
    store.delete_article(sent.id).await.unwrap();
    store.delete_article(never.id).await.unwrap();
    assert_eq!(store.objects_being_deleted(10).await.unwrap(), vec![sent.id]);
    store.set_sent_object(sent.id, "deleted", "", now).await.unwrap();
    assert!(store.objects_being_deleted(10).await.unwrap().is_empty());
    let objects = store.sent_objects(&[sent.id, never.id]).await.unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].state, "deleted");
}

async fn likes_and_boosts_are_counted_once_per_account_and_taken_back(store: Store) {
    let ana = author(&store, "Ana").await;
    let post = store
        .create_article(&article("liked", Some("2026-01-01T00:00:00Z"), vec![ana], vec![]))
        .await
        .unwrap();
    let now = at("2026-12-01T10:00:00Z");
    store
        .add_reaction(post.id, "https://a.example/users/1", "like", "https://a.example/likes/1", now)
        .await
        .unwrap();
    store
        .add_reaction(post.id, "https://a.example/users/1", "like", "https://a.example/likes/2", now)
        .await
        .unwrap();
    store
        .add_reaction(post.id, "https://b.example/users/2", "like", "https://b.example/likes/9", now)
        .await
        .unwrap();
    store
        .add_reaction(post.id, "https://b.example/users/2", "announce", "https://b.example/boosts/9", now)
        .await
        .unwrap();
    assert_eq!(store.reaction_counts(post.id).await.unwrap(), (2, 1));
    // Only the account that liked may take its like back.
    assert_eq!(
        store.remove_reaction("https://b.example/users/2", "https://a.example/likes/2").await.unwrap(),
        None
    );
    assert_eq!(
        store.remove_reaction("https://a.example/users/1", "https://a.example/likes/2").await.unwrap(),
        Some(post.id)
    );
    assert_eq!(store.reaction_counts(post.id).await.unwrap(), (1, 1));
}
