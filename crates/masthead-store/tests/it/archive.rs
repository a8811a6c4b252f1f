//! The archive's tables: a dump restores into an empty site exactly, on each backend and from
//! one backend to the other.

use masthead_core::{ArticleStatus, FeedFormat, NewMedia, NewOutlet, NewSource, Role, SourceTerms, TermKind};
use masthead_store::{NewUser, Store, StoreError, both_backends};

use crate::{article, author, term};

both_backends!(a_dump_restores_into_an_empty_site_exactly);

/// A small site with something in every kind of record.
async fn fill(store: &Store) {
    let ana = author(store, "Ana Petrović").await;
    let europe = term(store, TermKind::Region, "Europe", None).await;
    let balkans = term(store, TermKind::Region, "Balkans", Some(europe)).await;
    // A parent made after its child: the restore must not trip over the order of ids.
    let world = term(store, TermKind::Region, "World", None).await;
    let europe_moved = masthead_core::NewTerm {
        kind: TermKind::Region,
        slug: masthead_core::Slug::parse("europe").unwrap(),
        name: "Europe".into(),
        description: String::new(),
        parent_id: Some(world),
    };
    store.update_term(europe, &europe_moved).await.unwrap();
    let outlet = store
        .create_outlet(&NewOutlet {
            slug: masthead_core::Slug::parse("danube-review").unwrap(),
            name: "Danube Review".into(),
            homepage: None,
        })
        .await
        .unwrap();
    let media = store
        .create_media(&NewMedia {
            path: "2026/11/bridge.jpg".into(),
            mime_type: "image/jpeg".into(),
            size_bytes: 1234,
            width: Some(1200),
            height: Some(675),
            alt: "A bridge".into(),
            credit: "Desk".into(),
            variant_widths: vec![480, 960],
            licence: String::new(),
            travels: true,
        })
        .await
        .unwrap();
    let mut new = article("bridges", Some("2026-11-20T08:00:00Z"), vec![ana], vec![balkans]);
    new.featured_media_id = Some(media.id);
    let a = store.create_article(&new).await.unwrap();
    let mut second = store.revision_snapshot(a.id, 1).await.unwrap();
    second.title = "Bridges, revised".into();
    store.update_article(a.id, 1, &second, None).await.unwrap();
    store.create_article(&article("draft", None, vec![ana], vec![])).await.unwrap();
    let user = store
        .create_user(&NewUser {
            email: "ana@example.org".into(),
            name: "Ana".into(),
            role: Role::Editor,
            password_hash: "$argon2id$secret".into(),
            author_id: Some(ana),
        })
        .await
        .unwrap();
    store
        .create_api_token(user.id, "script", "hash-of-token", masthead_core::Scope::Write, at_far_future())
        .await
        .unwrap();
    store.audit(Some(user.id), "article published", "bridges").await.unwrap();
    let source = NewSource {
        outlet_id: outlet.id,
        feed_url: "https://danube.example/feed.xml".parse().unwrap(),
        format: FeedFormat::Rss,
        terms: SourceTerms::Agreement,
        term_ids: vec![balkans],
        auto_publish: true,
        interval_minutes: 30,
    };
    store.create_source(&source).await.unwrap();
    store.record_republication_view(a.id, "news.example.org", jiff::Timestamp::now()).await.unwrap();
    // Readers: a second newsletter, a member who receives both, with a label.
    let weekly = store
        .create_newsletter(&masthead_core::NewNewsletter {
            slug: "weekly".into(),
            name: "The Week".into(),
            sender_email: Some("week@example.org".into()),
            active: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let default = store.newsletters().await.unwrap()[0].id;
    store
        .create_member(&masthead_core::NewMember {
            email: "reader@example.org".into(),
            name: "Rea".into(),
            status: masthead_core::MemberStatus::Active,
            source: masthead_core::MemberSource::Signup,
            consent_at: Some(jiff::Timestamp::from_second(1_760_000_000).unwrap()),
            note: "a note".into(),
            created_at: None,
            newsletters: vec![default, weekly.id],
            labels: vec!["donor".into()],
        })
        .await
        .unwrap();
    let bounce = masthead_store::NewBounce {
        email: "gone@example.org".into(),
        send_id: Some(1),
        member_id: Some(2),
        kind: masthead_store::BounceKind::Hard,
        status: "5.1.1".into(),
        diagnostic: "550 no such user".into(),
    };
    store.record_bounce(&bounce).await.unwrap();
}

async fn a_dump_restores_into_an_empty_site_exactly(store: Store) {
    fill(&store).await;
    let dump = store.dump(false).await.unwrap();
    assert!(dump.iter().all(|t| t.name != "api_tokens"), "no tokens without --with-credentials");
    let users = dump.iter().find(|t| t.name == "users").unwrap();
    assert_eq!(users.rows[0]["password_hash"], "!", "no password hashes either");

    // Into a fresh database of the same kind.
    let fresh = match store.backend() {
        "sqlite" => masthead_store::testing::TestDb::sqlite().await,
        _ => masthead_store::testing::TestDb::postgres().await.expect("PostgreSQL runs for this test"),
    };
    fresh.store.restore(&dump).await.unwrap();
    assert_eq!(fresh.store.dump(false).await.unwrap(), dump, "every row of every table, ids and all");
    let a = fresh.store.article_by_slug(&masthead_core::Slug::parse("bridges").unwrap()).await.unwrap();
    assert_eq!((a.title.as_str(), a.revision), ("Bridges, revised", 2));
    assert_eq!(fresh.store.revisions(a.id).await.unwrap().len(), 2);
    assert!(
        fresh.store.is_suppressed("gone@example.org").await.unwrap(),
        "a bounced address stays suppressed"
    );
    assert_eq!(fresh.store.bounces_for_send(1).await.unwrap().len(), 1);
    // New records continue after the restored ids.
    let next = author(&fresh.store, "Somebody New").await;
    assert!(next > store.authors().await.unwrap().iter().map(|x| x.id).max().unwrap());
    // Only into an empty site, and then nothing changes.
    let again = fresh.store.restore(&dump).await;
    assert!(matches!(again, Err(StoreError::Invalid(m)) if m.contains("not empty")));

    // With credentials, hashes and tokens come along.
    let full = store.dump(true).await.unwrap();
    assert!(full.iter().any(|t| t.name == "api_tokens" && t.rows.len() == 1));
    fresh.finish().await;
}

#[tokio::test]
async fn an_archive_made_on_sqlite_restores_on_postgresql() {
    let Some(pg) = masthead_store::testing::TestDb::postgres().await else { return };
    let lite = masthead_store::testing::TestDb::sqlite().await;
    fill(&lite.store).await;
    pg.store.restore(&lite.store.dump(false).await.unwrap()).await.unwrap();
    for (a, b) in [(&lite.store, &pg.store)] {
        let slug = masthead_core::Slug::parse("bridges").unwrap();
        assert_eq!(a.article_by_slug(&slug).await.unwrap(), b.article_by_slug(&slug).await.unwrap());
        assert_eq!(a.sources().await.unwrap(), b.sources().await.unwrap());
        assert_eq!(a.authors().await.unwrap(), b.authors().await.unwrap());
        assert_eq!(a.terms(TermKind::Region).await.unwrap(), b.terms(TermKind::Region).await.unwrap());
        assert_eq!(a.site().await.unwrap(), b.site().await.unwrap());
        assert_eq!(a.newsletters().await.unwrap(), b.newsletters().await.unwrap());
        let email = "reader@example.org";
        assert_eq!(a.member_by_email(email).await.unwrap(), b.member_by_email(email).await.unwrap());
        assert_eq!(b.member_by_email(email).await.unwrap().unwrap().newsletters.len(), 2);
        let draft = masthead_core::Slug::parse("draft").unwrap();
        assert_eq!(b.article_by_slug(&draft).await.unwrap().status, ArticleStatus::Draft);
    }
    lite.finish().await;
    pg.finish().await;
}

fn at_far_future() -> jiff::Timestamp {
    "2100-01-01T00:00:00Z".parse().unwrap()
}
