//! Members, newsletters, labels and members' sessions, on both backends.

use jiff::{SignedDuration, Timestamp};
use masthead_core::{MemberSource, MemberStatus, NewMember, NewNewsletter};
use masthead_store::{MemberChange, MemberFilter, Store, StoreError, both_backends};

both_backends!(
    the_site_starts_with_one_default_newsletter_and_can_have_more,
    members_round_trip_with_newsletters_and_labels,
    a_taken_address_is_a_conflict_and_writes_nothing,
    members_are_found_by_search_and_filters_a_page_at_a_time,
    import_is_all_or_nothing_and_skips_known_addresses,
    confirming_unsubscribing_and_deleting_a_member,
    sign_in_links_work_once_and_sessions_expire,
);

pub(crate) fn member(email: &str, status: MemberStatus, newsletters: Vec<i64>, labels: &[&str]) -> NewMember {
    NewMember {
        email: email.into(),
        name: String::new(),
        status,
        source: MemberSource::Signup,
        consent_at: None,
        note: String::new(),
        created_at: None,
        newsletters,
        labels: labels.iter().map(|l| l.to_string()).collect(),
    }
}

async fn default_newsletter(store: &Store) -> i64 {
    store.newsletters().await.unwrap()[0].id
}

async fn the_site_starts_with_one_default_newsletter_and_can_have_more(store: Store) {
    let all = store.newsletters().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].slug.as_str(), all[0].name.as_str()), ("newsletter", "Newsletter"));
    assert!(all[0].subscribe_by_default && all[0].active);

    let weekly = store
        .create_newsletter(&NewNewsletter {
            slug: "weekly".into(),
            name: "The Week".into(),
            description: "Every Friday".into(),
            sender_email: Some("week@meridian.example".into()),
            position: -1,
            active: true,
            ..NewNewsletter::default()
        })
        .await
        .unwrap();
    let all = store.newsletters().await.unwrap();
    assert_eq!(
        all.iter().map(|n| n.slug.as_str()).collect::<Vec<_>>(),
        ["weekly", "newsletter"],
        "by position"
    );
    assert!(!weekly.subscribe_by_default);
    assert_eq!(weekly.sender_email.as_deref(), Some("week@meridian.example"));

    let mut change =
        NewNewsletter { name: "The Weekend".into(), slug: "weekly".into(), ..NewNewsletter::default() };
    change.position = 5;
    let changed = store.update_newsletter(weekly.id, &change).await.unwrap();
    assert_eq!((changed.name.as_str(), changed.active, changed.position), ("The Weekend", false, 5));
    change.slug = "newsletter".into();
    assert!(matches!(store.update_newsletter(weekly.id, &change).await, Err(StoreError::Conflict { .. })));
    assert!(matches!(store.update_newsletter(9999, &change).await, Err(StoreError::NotFound)));
}

async fn members_round_trip_with_newsletters_and_labels(store: Store) {
    let n = default_newsletter(&store).await;
    let mut new = member("ana@meridian.example", MemberStatus::Active, vec![n], &["Donors", "Lagos"]);
    new.name = "Ana".into();
    new.note = "met at the fair".into();
    new.consent_at = Some(Timestamp::from_second(1_700_000_000).unwrap());
    let ana = store.create_member(&new).await.unwrap();
    assert_eq!(ana.email, "ana@meridian.example");
    assert_eq!((ana.name.as_str(), ana.note.as_str()), ("Ana", "met at the fair"));
    assert_eq!((ana.status, ana.source), (MemberStatus::Active, MemberSource::Signup));
    assert_eq!(ana.newsletters, vec![n]);
    assert_eq!(ana.labels.iter().map(|l| l.slug.as_str()).collect::<Vec<_>>(), ["donors", "lagos"]);
    assert_eq!(store.member(ana.id).await.unwrap(), ana);
    assert_eq!(store.member_by_email("ana@meridian.example").await.unwrap(), Some(ana.clone()));
    assert_eq!(store.member_by_email("nobody@meridian.example").await.unwrap(), None);

    // A second member with one of the same labels shares it.
    let ben = store
        .create_member(&member("ben@meridian.example", MemberStatus::Pending, vec![], &["donors"]))
        .await
        .unwrap();
    assert_eq!(ben.labels, vec![ana.labels[0].clone()]);
    let labels = store.labels().await.unwrap();
    assert_eq!(
        labels.iter().map(|(l, n)| (l.name.as_str(), *n)).collect::<Vec<_>>(),
        [("Donors", 2), ("Lagos", 1)]
    );

    let lagos = ana.labels[1].id;
    let changed = store
        .update_member(
            ana.id,
            &MemberChange {
                name: "Ana B.".into(),
                note: String::new(),
                newsletters: vec![],
                labels: vec![lagos],
            },
        )
        .await
        .unwrap();
    assert_eq!((changed.name.as_str(), changed.newsletters.len()), ("Ana B.", 0));
    assert_eq!(changed.labels.iter().map(|l| l.id).collect::<Vec<_>>(), [lagos]);

    store.delete_label(lagos).await.unwrap();
    assert!(store.member(ana.id).await.unwrap().labels.is_empty(), "the label went, the member stayed");
    let made = store.create_label("Readers' club", "readers-club").await.unwrap();
    assert!(matches!(
        store.create_label("Readers club", "readers-club").await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(made.name, "Readers' club");
}

async fn a_taken_address_is_a_conflict_and_writes_nothing(store: Store) {
    store.create_member(&member("ana@meridian.example", MemberStatus::Active, vec![], &[])).await.unwrap();
    let again = store
        .create_member(&member("ana@meridian.example", MemberStatus::Pending, vec![], &["new label"]))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
    assert!(store.labels().await.unwrap().is_empty(), "nothing of the refused member was kept");
    let bad =
        store.create_member(&member("cy@meridian.example", MemberStatus::Active, vec![424242], &[])).await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "an unknown newsletter: {bad:?}");
    assert_eq!(store.member_by_email("cy@meridian.example").await.unwrap(), None);
}

async fn members_are_found_by_search_and_filters_a_page_at_a_time(store: Store) {
    let n = default_newsletter(&store).await;
    let start = Timestamp::from_second(1_750_000_000).unwrap();
    for i in 0..25i64 {
        let mut new = member(
            &format!("reader{i:02}@example.org"),
            if i % 2 == 0 { MemberStatus::Active } else { MemberStatus::Pending },
            if i % 3 == 0 { vec![n] } else { vec![] },
            if i % 5 == 0 { &["vip"] } else { &[] },
        );
        new.name = format!("Reader_{i}");
        new.created_at = Some(start + SignedDuration::from_hours(i));
        store.create_member(&new).await.unwrap();
    }
    // Every member once, newest first, in pages of 10.
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let page = store.members(&MemberFilter::default(), after, 10).await.unwrap();
        seen.extend(page.members.iter().map(|m| m.email.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(seen[0], "reader24@example.org");
    assert_eq!(seen[24], "reader00@example.org");

    let emails =
        |page: masthead_store::MemberPage| page.members.into_iter().map(|m| m.email).collect::<Vec<_>>();
    let search = MemberFilter { search: Some("READER_1".into()), ..Default::default() };
    // "_" is a letter here, not a wildcard: names Reader_1, Reader_10 … Reader_19.
    assert_eq!(store.count_members(&search).await.unwrap(), 11);
    let by_mail = MemberFilter { search: Some("reader07@".into()), ..Default::default() };
    assert_eq!(emails(store.members(&by_mail, None, 50).await.unwrap()), ["reader07@example.org"]);
    let subscribed =
        MemberFilter { newsletter: Some(n), status: Some(MemberStatus::Active), ..Default::default() };
    assert_eq!(
        emails(store.members(&subscribed, None, 50).await.unwrap()),
        [
            "reader24@example.org",
            "reader18@example.org",
            "reader12@example.org",
            "reader06@example.org",
            "reader00@example.org"
        ]
    );
    let vip = store.labels().await.unwrap()[0].0.id;
    let window = MemberFilter {
        label: Some(vip),
        joined_after: Some(start + SignedDuration::from_hours(5)),
        joined_before: Some(start + SignedDuration::from_hours(20)),
        ..Default::default()
    };
    assert_eq!(
        emails(store.members(&window, None, 50).await.unwrap()),
        ["reader15@example.org", "reader10@example.org", "reader05@example.org"]
    );

    let recipients = store.newsletter_recipients(n, None, 0, 3).await.unwrap();
    assert_eq!(
        recipients.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["reader00@example.org", "reader06@example.org", "reader12@example.org"]
    );
    let rest = store.newsletter_recipients(n, None, recipients[2].0, 10).await.unwrap();
    assert_eq!(rest.len(), 2, "only active members who receive it");
    assert_eq!(recipients[0].2, "Reader_0");
    let labelled = store.newsletter_recipients(n, Some(vip), 0, 10).await.unwrap();
    let labelled: Vec<&str> = labelled.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(labelled, ["reader00@example.org"], "and carry the label");
}

async fn import_is_all_or_nothing_and_skips_known_addresses(store: Store) {
    let n = default_newsletter(&store).await;
    store.create_member(&member("known@example.org", MemberStatus::Active, vec![], &[])).await.unwrap();
    let mut rows: Vec<NewMember> = (0..1200)
        .map(|i| {
            let mut m = member(&format!("m{i}@example.org"), MemberStatus::Active, vec![n], &["imported"]);
            m.source = MemberSource::Import;
            m
        })
        .collect();
    rows.push(member("known@example.org", MemberStatus::Pending, vec![n], &[]));
    rows.push(member("m3@example.org", MemberStatus::Pending, vec![], &[]));
    let told = std::sync::Mutex::new(Vec::new());
    let count = store.import_members(&rows, &|n| told.lock().unwrap().push(n)).await.unwrap();
    assert_eq!((count.created, count.skipped), (1200, 2));
    assert_eq!(told.lock().unwrap().last(), Some(&1202));
    let known = store.member_by_email("known@example.org").await.unwrap().unwrap();
    assert!(known.newsletters.is_empty(), "a known member is left as they were");
    assert_eq!(
        store.count_members(&MemberFilter { newsletter: Some(n), ..Default::default() }).await.unwrap(),
        1200
    );

    // A bad row (an unknown newsletter) late in a file: nothing of the file is kept.
    let mut bad: Vec<NewMember> = (0..50)
        .map(|i| member(&format!("x{i}@example.org"), MemberStatus::Active, vec![], &["later"]))
        .collect();
    bad.push(member("y@example.org", MemberStatus::Active, vec![987654], &[]));
    assert!(store.import_members(&bad, &|_| {}).await.is_err());
    assert_eq!(store.member_by_email("x0@example.org").await.unwrap(), None);
    assert_eq!(store.labels().await.unwrap().len(), 1, "not even its labels");
}

async fn confirming_unsubscribing_and_deleting_a_member(store: Store) {
    let n = default_newsletter(&store).await;
    let other = store
        .create_newsletter(&NewNewsletter {
            slug: "other".into(),
            name: "Other".into(),
            active: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .id;
    let pending = store
        .create_member(&member("ana@example.org", MemberStatus::Pending, vec![n, other], &[]))
        .await
        .unwrap();
    assert_eq!(pending.consent_at, None);
    let at = Timestamp::from_second(1_760_000_000).unwrap();
    let active = store.activate_member(pending.id, at).await.unwrap();
    assert_eq!((active.status, active.consent_at), (MemberStatus::Active, Some(at)));
    let again = store.activate_member(pending.id, at + SignedDuration::from_hours(1)).await.unwrap();
    assert_eq!(again.consent_at, Some(at), "consent keeps its first date");

    assert!(store.unsubscribe_member(active.id, Some(n)).await.unwrap());
    assert!(!store.unsubscribe_member(active.id, Some(n)).await.unwrap(), "twice changes nothing");
    assert_eq!(store.member(active.id).await.unwrap().newsletters, vec![other]);
    assert!(store.unsubscribe_member(active.id, None).await.unwrap());
    let left = store.member(active.id).await.unwrap();
    assert!(left.newsletters.is_empty());
    assert_eq!(left.status, MemberStatus::Active, "still a member, with no newsletters");

    store.create_member(&member("ben@example.org", MemberStatus::Active, vec![], &[])).await.unwrap();
    assert!(matches!(
        store.set_member_email(active.id, "ben@example.org").await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.set_member_email(active.id, "ana.new@example.org").await.unwrap().email,
        "ana.new@example.org"
    );

    store
        .create_member_session(active.id, "hash", "csrf", Timestamp::now() + SignedDuration::from_hours(1))
        .await
        .unwrap();
    store.delete_member(active.id).await.unwrap();
    assert!(matches!(store.member(active.id).await, Err(StoreError::NotFound)));
    assert_eq!(
        store.member_session("hash", Timestamp::now()).await.unwrap(),
        None,
        "sessions go with the member"
    );
    assert!(matches!(store.delete_member(active.id).await, Err(StoreError::NotFound)));
}

async fn sign_in_links_work_once_and_sessions_expire(store: Store) {
    let ana =
        store.create_member(&member("ana@example.org", MemberStatus::Active, vec![], &[])).await.unwrap();
    assert!(store.use_sign_in_link(ana.id, 100).await.unwrap());
    assert!(!store.use_sign_in_link(ana.id, 100).await.unwrap(), "the same link twice");
    assert!(!store.use_sign_in_link(ana.id, 99).await.unwrap(), "an older link");
    assert!(store.use_sign_in_link(ana.id, 101).await.unwrap(), "a newer link");

    let now = Timestamp::now();
    store.create_member_session(ana.id, "h1", "c1", now + SignedDuration::from_hours(1)).await.unwrap();
    let (found, csrf) = store.member_session("h1", now).await.unwrap().unwrap();
    assert_eq!((found.id, csrf.as_str()), (ana.id, "c1"));
    assert_eq!(store.member_session_count(ana.id, now).await.unwrap(), 1);
    assert_eq!(
        store.member_session("h1", now + SignedDuration::from_hours(2)).await.unwrap(),
        None,
        "expired"
    );
    store.delete_member_session("h1").await.unwrap();
    assert_eq!(store.member_session("h1", now).await.unwrap(), None);
}
