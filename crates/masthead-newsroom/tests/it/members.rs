//! Members' CSV imports and exports, and the rights around members, on both backends.

use masthead_core::{MemberSource, MemberStatus, Role};
use masthead_newsroom::error::Failure;
use masthead_newsroom::members::{self, MemberRequest};
use masthead_newsroom::members_csv::Shape;
use masthead_newsroom::staff::Actor;
use masthead_store::{MemberFilter, Store, both_backends};

use crate::{newsroom, person};

both_backends!(
    a_ghost_export_is_imported_with_consent_labels_and_dates,
    a_substack_export_keeps_who_turned_email_off,
    a_mailchimp_export_keeps_opt_in_and_confirmation_times,
    a_bad_row_refuses_the_whole_file_naming_its_line_and_column,
    an_export_reads_back_as_the_same_members,
    only_editors_and_up_manage_members,
);

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/members").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn member(store: &Store, email: &str) -> masthead_core::Member {
    store.member_by_email(email).await.unwrap().unwrap_or_else(|| panic!("{email} was imported"))
}

async fn a_ghost_export_is_imported_with_consent_labels_and_dates(store: Store) {
    let n = newsroom(store.clone());
    let summary = members::import_csv(Actor::Operator, &n, &fixture("ghost.csv"), &|_, _| {}).await.unwrap();
    assert_eq!(summary.shape, Shape::Ghost);
    assert_eq!((summary.rows, summary.created, summary.skipped, summary.active), (3, 3, 0, 2));
    let default = store.newsletters().await.unwrap()[0].id;
    let ada = member(&store, "ada@example.org").await;
    assert_eq!((ada.name.as_str(), ada.note.as_str()), ("Ada Obi", "Met at the book fair"));
    assert_eq!((ada.status, ada.source), (MemberStatus::Active, MemberSource::Import));
    assert_eq!(ada.newsletters, vec![default]);
    assert_eq!(ada.created_at.to_string(), "2023-03-02T09:15:00Z");
    assert_eq!(ada.consent_at.map(|t| t.to_string()).as_deref(), Some("2023-03-02T09:15:00Z"));
    assert_eq!(ada.labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["donor", "Lagos"]);
    let bayo = member(&store, "bayo@example.org").await;
    assert_eq!(
        (bayo.status, bayo.consent_at, bayo.newsletters.len()),
        (MemberStatus::Pending, None, 0),
        "not subscribed: no consent"
    );
    assert_eq!(
        member(&store, "chidi@example.org").await.labels,
        vec![ada.labels[1].clone()],
        "one Lagos label"
    );

    // The same file again adds nobody.
    let again = members::import_csv(Actor::Operator, &n, &fixture("ghost.csv"), &|_, _| {}).await.unwrap();
    assert_eq!((again.created, again.skipped), (0, 3));
}

async fn a_substack_export_keeps_who_turned_email_off(store: Store) {
    let n = newsroom(store.clone());
    let summary =
        members::import_csv(Actor::Operator, &n, &fixture("substack.csv"), &|_, _| {}).await.unwrap();
    assert_eq!((summary.shape, summary.created, summary.active), (Shape::Substack, 3, 2));
    assert_eq!(member(&store, "dami@example.org").await.status, MemberStatus::Active);
    let efe = member(&store, "efe@example.org").await;
    assert_eq!((efe.status, efe.consent_at), (MemberStatus::Pending, None));
    assert_eq!(efe.created_at.to_string(), "2022-12-01T08:30:00Z");
}

async fn a_mailchimp_export_keeps_opt_in_and_confirmation_times(store: Store) {
    let n = newsroom(store.clone());
    let summary =
        members::import_csv(Actor::Operator, &n, &fixture("mailchimp.csv"), &|_, _| {}).await.unwrap();
    assert_eq!((summary.shape, summary.created, summary.active), (Shape::Mailchimp, 2, 1));
    let gozie = member(&store, "gozie@example.org").await;
    assert_eq!((gozie.name.as_str(), gozie.status), ("Gozie Eze", MemberStatus::Active));
    assert_eq!(
        gozie.consent_at.map(|t| t.to_string()).as_deref(),
        Some("2021-06-01T10:05:00Z"),
        "the confirmation time"
    );
    assert_eq!(gozie.labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["Abuja", "donor"]);
    let halima = member(&store, "halima@example.org").await;
    assert_eq!(
        (halima.status, halima.note.as_str()),
        (MemberStatus::Pending, "Called in July"),
        "no opt-in time: no consent"
    );
}

async fn a_bad_row_refuses_the_whole_file_naming_its_line_and_column(store: Store) {
    let n = newsroom(store.clone());
    for (file, expected) in [
        ("ghost-bad-row.csv", "line 3, column created_at: \"last tuesday\" is not a date and time"),
        ("substack-bad-row.csv", "line 3, column email: \"kemi at example.org\" is not an e-mail address"),
        ("mailchimp-bad-row.csv", "line 3, column CONFIRM_TIME: \"soon\" is not a date and time"),
    ] {
        match members::import_csv(Actor::Operator, &n, &fixture(file), &|_, _| {}).await {
            Err(Failure::Invalid { field: "file", message }) => assert_eq!(message, expected, "{file}"),
            other => panic!("{file}: {other:?}"),
        }
    }
    assert_eq!(
        store.count_members(&MemberFilter::default()).await.unwrap(),
        0,
        "nothing of any file was kept"
    );
}

async fn an_export_reads_back_as_the_same_members(store: Store) {
    let n = newsroom(store.clone());
    members::import_csv(Actor::Operator, &n, &fixture("ghost.csv"), &|_, _| {}).await.unwrap();
    let mut csv = Vec::new();
    let count =
        members::export_csv(Actor::Operator, &n, &MemberFilter::default(), &mut csv, &|_| {}).await.unwrap();
    assert_eq!(count, 3);
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(
        text.starts_with(
            "id,email,name,note,subscribed_to_emails,labels,created_at,status,newsletters,consent_at\n"
        ),
        "{text}"
    );
    assert!(text.contains(",ada@example.org,Ada Obi,Met at the book fair,true,\"donor,Lagos\",2023-03-02T09:15:00Z,active,newsletter,2023-03-02T09:15:00Z"), "{text}");

    // Into another site: the same people, the same consent.
    let other = masthead_store::testing::TestDb::sqlite().await;
    let there = newsroom(other.store.clone());
    let summary = members::import_csv(Actor::Operator, &there, &csv, &|_, _| {}).await.unwrap();
    assert_eq!((summary.shape, summary.created, summary.active), (Shape::Ghost, 3, 2));
    let ada = member(&other.store, "ada@example.org").await;
    assert_eq!(ada.labels.len(), 2);
    assert_eq!(ada.consent_at, member(&store, "ada@example.org").await.consent_at);
    other.finish().await;
}

async fn only_editors_and_up_manage_members(store: Store) {
    let n = newsroom(store.clone());
    let contributor = person(&store, Role::Contributor).await;
    let author = person(&store, Role::Author).await;
    let editor = person(&store, Role::Editor).await;
    for who in [&contributor, &author] {
        let seen = members::list(Actor::Staff(who), &n, &MemberFilter::default(), None, 10).await;
        assert!(matches!(seen, Err(Failure::Forbidden(_))), "{:?}", who.role);
        let import = members::import_csv(Actor::Staff(who), &n, &fixture("ghost.csv"), &|_, _| {}).await;
        assert!(matches!(import, Err(Failure::Forbidden(_))));
    }
    let request = MemberRequest { email: " New@Example.org ".into(), consented: true, ..Default::default() };
    let added = members::add(Actor::Staff(&editor), &n, request.clone()).await.unwrap();
    assert_eq!(
        (added.email.as_str(), added.status, added.source),
        ("new@example.org", MemberStatus::Active, MemberSource::Admin)
    );
    assert!(matches!(
        members::add(Actor::Staff(&editor), &n, request).await,
        Err(Failure::Taken { field: "email", .. })
    ));
    let (page, total) =
        members::list(Actor::Staff(&editor), &n, &MemberFilter::default(), None, 10).await.unwrap();
    assert_eq!((page.members.len(), total), (1, 1));
    assert!(matches!(members::delete(Actor::Staff(&author), &n, added.id).await, Err(Failure::Forbidden(_))));
    members::delete(Actor::Staff(&editor), &n, added.id).await.unwrap();
    assert_eq!(store.count_members(&MemberFilter::default()).await.unwrap(), 0);
}
