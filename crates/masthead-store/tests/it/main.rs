//! The storage conformance suite: every test runs on SQLite and on PostgreSQL.

use jiff::Timestamp;
use masthead_core::article::NewOrigin;
use masthead_core::{
    ArticleStatus, BodyFormat, Cursor, NewArticle, NewAuthor, NewMedia, NewOutlet, NewTerm, Provenance,
    ReusePolicy, Site, Slug, TermKind, render_body,
};
use masthead_core::{MentionKind, MentionStatus, Role, Scope, ViewTally};
use masthead_store::{
    Attempt, MentionOutcome, NewUser, Page, QueueLimits, Queued, Store, StoreError, both_backends,
};

mod archive;
mod comments;
mod disk_full;
mod drafts;
mod federation;
mod imports;
mod mail;
mod members;
mod nodes;
mod search;
mod sends;
mod sources;

both_backends!(
    a_store_answers_pings_and_says_whether_it_hears_other_nodes,
    an_authors_archive_follows_bylines_and_publication,
    older_revisions_are_packed_and_read_back_unchanged,
    settings_default_until_saved_then_round_trip,
    article_round_trips_with_bylines_terms_provenance_and_image,
    an_article_s_word_count_is_kept_with_its_text,
    taken_slug_is_a_conflict,
    the_export_s_bulk_read_gives_each_article_its_bylines_and_terms_in_order,
    failed_article_writes_nothing,
    pagination_walks_every_published_article_once_newest_first,
    region_archive_includes_child_regions,
    the_newsroom_finds_articles_by_status_author_term_and_title,
    author_archive_lists_only_their_articles,
    term_path_is_root_first,
    term_parents_must_be_of_the_same_kind,
    scheduled_article_needs_a_time,
    whole_articles_load_in_the_order_asked,
    partners_poll_changes_since_a_time_page_by_page,
    republication_views_count_per_host_and_day,
    views_added_in_aggregates_add_up_and_name_a_bounded_number_of_sites,
    republications_page_newest_first_by_first_sighting,
    webmentions_queue_then_settle,
    webmentions_queue_within_their_limits,
    webmentions_are_claimed_a_few_per_source_host,
    accounts_sessions_tokens_and_throttling,
    concurrent_attempts_are_counted_up_to_the_limit_and_no_further,
    every_article_change_is_queued_for_announcement_once,
    saves_are_revisions_and_a_stale_save_writes_nothing,
    a_published_article_that_moves_leaves_a_redirect_and_keeps_its_first_address,
    sitemaps_read_published_articles_by_spans_of_ids_and_the_news_by_time,
    an_excerpt_nobody_wrote_follows_the_text,
    authors_terms_and_outlets_can_be_changed,
);

async fn a_published_article_that_moves_leaves_a_redirect_and_keeps_its_first_address(store: Store) {
    let draft = store.create_article(&article("working", None, vec![], vec![])).await.unwrap();
    assert_eq!(draft.first_slug, None);
    let mut new = article("first", Some("2026-11-01T08:00:00Z"), vec![], vec![]);
    let a = store.update_article(draft.id, draft.revision, &new, None).await.unwrap();
    assert_eq!(a.first_slug, Some(slug("first")));
    assert_eq!(store.redirect_for("/article/working").await.unwrap(), None, "a draft's address was nobody's");

    new.slug = slug("second");
    let a = store.update_article(a.id, a.revision, &new, None).await.unwrap();
    assert_eq!(store.redirect_for("/article/first").await.unwrap().as_deref(), Some("/article/second"));
    new.slug = slug("third");
    let a = store.update_article(a.id, a.revision, &new, None).await.unwrap();
    // Each old address leads straight to the page, never along a chain.
    for old in ["/article/first", "/article/second"] {
        assert_eq!(store.redirect_for(old).await.unwrap().as_deref(), Some("/article/third"), "{old}");
    }
    new.slug = slug("first");
    let a = store.update_article(a.id, a.revision, &new, None).await.unwrap();
    assert_eq!(
        store.redirect_for("/article/first").await.unwrap(),
        None,
        "the page itself lives there again"
    );
    assert_eq!(store.redirect_for("/article/third").await.unwrap().as_deref(), Some("/article/first"));
    assert_eq!(a.first_slug, Some(slug("first")));

    // Unpublished and moved: the address it had while public still leads to it.
    new.slug = slug("fourth");
    new.status = ArticleStatus::Unpublished;
    let a = store.update_article(a.id, a.revision, &new, None).await.unwrap();
    assert_eq!(store.redirect_for("/article/first").await.unwrap().as_deref(), Some("/article/fourth"));
    assert_eq!(a.first_slug, Some(slug("first")), "the first address is the article's for good");
}

/// Two application instances on one database publish each scheduled article exactly once.
async fn scheduled_articles_go_live_exactly_once_with_two_instances(location: masthead_store::Location) {
    let first = Store::open(&location).await.unwrap();
    let second = Store::open(&location).await.unwrap();
    let a = author(&first, "Ana").await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let mut new = article(&format!("s{i}"), None, vec![a], vec![]);
        new.status = ArticleStatus::Scheduled;
        new.published_at = Some(at("2026-06-01T08:00:00Z") + jiff::SignedDuration::from_mins(i));
        ids.push(first.create_article(&new).await.unwrap().id);
    }
    let mut later = article("later", None, vec![a], vec![]);
    later.status = ArticleStatus::Scheduled;
    later.published_at = Some(at("2030-01-01T00:00:00Z"));
    let later = first.create_article(&later).await.unwrap();

    let now = at("2026-06-01T09:00:00Z");
    let (one, two) = tokio::join!(first.publish_due(now), second.publish_due(now));
    let (one, two) = (one.unwrap(), two.unwrap());
    let mut all: Vec<i64> = one.iter().chain(&two).copied().collect();
    all.sort_unstable();
    assert_eq!(all, ids, "every due article published, none twice (first: {one:?}, second: {two:?})");
    for id in &ids {
        let article = first.article(*id).await.unwrap();
        assert_eq!((article.status, article.revision), (ArticleStatus::Published, 2), "article {id}");
        assert!(article.published_at.unwrap() <= now, "published at its scheduled time");
    }
    assert_eq!(
        first.article(later.id).await.unwrap().status,
        ArticleStatus::Scheduled,
        "not before its time"
    );
    assert!(second.publish_due(now).await.unwrap().is_empty(), "nothing left to do");
    first.close().await;
    second.close().await;
}

#[tokio::test]
async fn scheduled_articles_go_live_exactly_once_with_two_instances_on_sqlite() {
    let db = masthead_store::testing::TestDb::sqlite().await;
    scheduled_articles_go_live_exactly_once_with_two_instances(db.location.clone()).await;
    db.finish().await;
}

#[tokio::test]
async fn scheduled_articles_go_live_exactly_once_with_two_instances_on_postgres() {
    if let Some(db) = masthead_store::testing::TestDb::postgres().await {
        scheduled_articles_go_live_exactly_once_with_two_instances(db.location.clone()).await;
        db.finish().await;
    }
}

/// A node holds no more PostgreSQL connections than it is allowed, and lets go of those its
/// load no longer needs.
#[tokio::test]
async fn a_node_holds_at_most_its_connections_and_closes_idle_ones_on_postgres() {
    let Some(db) = masthead_store::testing::TestDb::postgres().await else { return };
    let options = masthead_store::StoreOptions {
        max_connections: 3,
        idle_timeout: std::time::Duration::from_secs(1),
        ..masthead_store::StoreOptions::default()
    };
    let store = Store::open_with(&db.location, &options).await.unwrap();
    let mut pings = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let store = store.clone();
        pings.spawn(async move { store.ping().await });
    }
    while let Some(result) = pings.join_next().await {
        result.unwrap().unwrap();
    }
    let (held, _) = store.connections();
    assert!((1..=3).contains(&held), "{held} connections held");
    let mut waited = 0;
    while store.connections().0 > 0 && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(store.connections().0, 0, "idle connections are closed");
    store.ping().await.unwrap();
    db.finish().await;
}

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

pub(crate) fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub(crate) async fn author(store: &Store, name: &str) -> i64 {
    store
        .create_author(&NewAuthor {
            slug: Slug::from_title(name).unwrap(),
            name: name.into(),
            bio: format!("{name} is an independent analyst."),
            links: vec![],
            avatar_media_id: None,
            outlet_id: None,
        })
        .await
        .unwrap()
        .id
}

pub(crate) async fn term(store: &Store, kind: TermKind, name: &str, parent_id: Option<i64>) -> i64 {
    store
        .create_term(&NewTerm {
            kind,
            slug: Slug::from_title(name).unwrap(),
            name: name.into(),
            description: String::new(),
            parent_id,
        })
        .await
        .unwrap()
        .id
}

pub(crate) fn article(
    slug_: &str,
    published_at: Option<&str>,
    author_ids: Vec<i64>,
    term_ids: Vec<i64>,
) -> NewArticle {
    NewArticle {
        slug: slug(slug_),
        title: format!("Title of {slug_}"),
        dek: String::new(),
        body: render_body(BodyFormat::Markdown, "Some *text*.").unwrap(),
        excerpt: String::new(),
        status: if published_at.is_some() { ArticleStatus::Published } else { ArticleStatus::Draft },
        published_at: published_at.map(at),
        time_zone: "Europe/Belgrade".into(),
        author_ids,
        term_ids,
        featured_media_id: None,
        featured_alt: String::new(),
        featured_credit: String::new(),
        reuse_policy: None,
        origins: vec![],
        language: String::new(),
        translation_of: None,
    }
}

async fn settings_default_until_saved_then_round_trip(store: Store) {
    assert_eq!(store.site().await.unwrap(), Site::default());
    let site = Site {
        title: "The Meridian".into(),
        time_zone: "Europe/Belgrade".into(),
        default_policy: ReusePolicy::CcByNd,
        ..Site::default()
    };
    store.save_site(&site).await.unwrap();
    assert_eq!(store.site().await.unwrap(), site);
    let again = Site { tagline: "Changed".into(), ..site };
    store.save_site(&again).await.unwrap();
    assert_eq!(store.site().await.unwrap().tagline, "Changed");
}

async fn article_round_trips_with_bylines_terms_provenance_and_image(store: Store) {
    let first = author(&store, "Ana Petrović").await;
    let second = author(&store, "Drago Bosnic").await;
    let europe = term(&store, TermKind::Region, "Europe", None).await;
    let energy = term(&store, TermKind::Theme, "Energy", None).await;
    let tag = term(&store, TermKind::Tag, "Gas", None).await;
    let original = store
        .create_outlet(&NewOutlet {
            slug: slug("infobrics"),
            name: "InfoBrics".into(),
            homepage: Some("https://infobrics.example/".parse().unwrap()),
        })
        .await
        .unwrap();
    let via = store
        .create_outlet(&NewOutlet {
            slug: slug("danube-dispatch"),
            name: "Danube Dispatch".into(),
            homepage: None,
        })
        .await
        .unwrap();
    let media = store
        .create_media(&NewMedia {
            path: "2026/11/bridge.svg".into(),
            mime_type: "image/svg+xml".into(),
            size_bytes: 1234,
            width: Some(1200),
            height: Some(675),
            alt: "A bridge".into(),
            credit: "Library credit".into(),
            variant_widths: vec![],
            licence: String::new(),
            travels: true,
        })
        .await
        .unwrap();
    let mut new = article(
        "pipeline-politics",
        Some("2026-11-20T08:00:00Z"),
        vec![second, first],
        vec![energy, europe, tag],
    );
    new.dek = "Who pays for the gas".into();
    new.reuse_policy = Some(ReusePolicy::CcByNd);
    new.featured_media_id = Some(media.id);
    new.featured_credit = "Photo: Ana Petrović / InfoBrics".into();
    new.origins = vec![
        NewOrigin {
            outlet_id: original.id,
            url: "https://infobrics.example/post/1".parse().unwrap(),
            published_at: Some(at("2026-11-18T10:00:00Z")),
            byline: "Drago Bosnic".into(),
        },
        NewOrigin {
            outlet_id: via.id,
            url: "https://dd.example/a/1".parse().unwrap(),
            published_at: None,
            byline: "Drago Bosnic".into(),
        },
    ];
    let saved = store.create_article(&new).await.unwrap();
    let loaded = store.article_by_slug(&slug("pipeline-politics")).await.unwrap();
    assert_eq!(saved, loaded);
    assert_eq!(store.article(saved.id).await.unwrap(), loaded);

    assert_eq!(loaded.title, "Title of pipeline-politics");
    assert_eq!(loaded.dek, "Who pays for the gas");
    assert_eq!(loaded.body.html, "<p>Some <em>text</em>.</p>\n");
    assert_eq!(loaded.excerpt, "Some text.");
    assert_eq!(loaded.status, ArticleStatus::Published);
    assert_eq!(loaded.published_at, Some(at("2026-11-20T08:00:00Z")));
    assert_eq!(loaded.time_zone, "Europe/Belgrade");
    let names: Vec<&str> = loaded.authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Drago Bosnic", "Ana Petrović"], "byline order is kept");
    let terms: Vec<&str> = loaded.terms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(terms, ["Energy", "Europe", "Gas"]);
    assert_eq!(loaded.reuse_policy, Some(ReusePolicy::CcByNd));
    let featured = loaded.featured.as_ref().unwrap();
    assert_eq!(featured.media, media);
    assert_eq!(featured.alt, "A bridge", "falls back to the library's alt text");
    assert_eq!(featured.credit, "Photo: Ana Petrović / InfoBrics", "the article's own credit wins");
    let Provenance::Republished { chain } = &loaded.provenance else {
        panic!("expected a republished article")
    };
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].outlet, original);
    assert_eq!(chain[0].url.as_str(), "https://infobrics.example/post/1");
    assert_eq!(chain[0].published_at, Some(at("2026-11-18T10:00:00Z")));
    assert_eq!(chain[1].outlet.name, "Danube Dispatch");
}

async fn an_article_s_word_count_is_kept_with_its_text(store: Store) {
    let a = author(&store, "Ana").await;
    let saved = store.create_article(&article("counted", None, vec![a], vec![])).await.unwrap();
    assert_eq!(saved.word_count, Some(2), "\"Some text.\" is counted when saved");
    // A new text is counted again when it is saved.
    let mut new = article("counted", Some("2026-11-20T08:00:00Z"), vec![a], vec![]);
    new.body = render_body(BodyFormat::Markdown, "Four *words* in\n\n- all").unwrap();
    let updated = store.update_article(saved.id, saved.revision, &new, None).await.unwrap();
    assert_eq!((updated.word_count, updated.words()), (Some(4), 4));
    // Articles saved in a batch (imports) are counted too, each its own; the export's bulk read
    // gives the same count.
    let mut long = article("long", Some("2026-11-21T08:00:00Z"), vec![a], vec![]);
    long.body = render_body(BodyFormat::Markdown, &"word ".repeat(1500)).unwrap();
    let ids = store.create_articles(&[long, article("short", None, vec![a], vec![])]).await.unwrap();
    assert_eq!(store.article(ids[0]).await.unwrap().word_count, Some(1500));
    assert_eq!(store.article(ids[1]).await.unwrap().word_count, Some(2));
    let bulk = store.published_pages(None, 10).await.unwrap();
    let counts: Vec<Option<usize>> = bulk.iter().map(|(article, _)| article.word_count).collect();
    assert_eq!(counts, [Some(1500), Some(4)]);
}

async fn the_export_s_bulk_read_gives_each_article_its_bylines_and_terms_in_order(store: Store) {
    let (ana, ben, cleo) =
        (author(&store, "Ana").await, author(&store, "Ben").await, author(&store, "Cleo").await);
    let europe = term(&store, TermKind::Region, "Europe", None).await;
    let serbia = term(&store, TermKind::Region, "Serbia", Some(europe)).await;
    let energy = term(&store, TermKind::Theme, "Energy", None).await;
    let made = [
        ("one", vec![cleo, ana], vec![energy, serbia]),
        ("two", vec![ana], vec![serbia, europe, energy]),
        ("three", vec![], vec![]),
        ("four", vec![ben, cleo, ana], vec![europe]),
    ];
    for (i, (name, authors, terms)) in made.iter().enumerate() {
        let published = format!("2026-11-0{}T08:00:00Z", i + 1);
        store.create_article(&article(name, Some(&published), authors.clone(), terms.clone())).await.unwrap();
    }
    // In two batches, one of them across the others' authors and terms.
    let mut bulk = store.published_pages(None, 3).await.unwrap();
    let last = bulk.last().map(|(a, _)| Cursor { published_at: a.published_at.unwrap(), id: a.id });
    bulk.extend(store.published_pages(last, 3).await.unwrap());
    let read: Vec<(String, Vec<i64>, Vec<i64>)> = bulk
        .iter()
        .map(|(a, _)| {
            (
                a.slug.to_string(),
                a.authors.iter().map(|p| p.id).collect(),
                a.terms.iter().map(|t| t.id).collect(),
            )
        })
        .collect();
    let expected: Vec<(String, Vec<i64>, Vec<i64>)> = made
        .iter()
        .rev()
        .map(|(name, authors, terms)| (name.to_string(), authors.clone(), terms.clone()))
        .collect();
    assert_eq!(read, expected, "newest first, each byline and term list in its own order");
    // The same whole articles as one read at a time gives.
    for (a, _) in &bulk {
        assert_eq!(a, &store.article(a.id).await.unwrap(), "{}", a.slug);
    }
}

async fn taken_slug_is_a_conflict(store: Store) {
    let a = author(&store, "Ana").await;
    store.create_article(&article("same", None, vec![a], vec![])).await.unwrap();
    let err = store.create_article(&article("same", None, vec![a], vec![])).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict { what } if what.contains("slug")), "{err:?}");
    let err = store
        .create_author(&NewAuthor {
            slug: slug("ana"),
            name: "Another Ana".into(),
            bio: String::new(),
            links: vec![],
            avatar_media_id: None,
            outlet_id: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
}

async fn failed_article_writes_nothing(store: Store) {
    let a = author(&store, "Ana").await;
    let region = term(&store, TermKind::Region, "Europe", None).await;
    // The article row and its first byline are written before the unknown author fails.
    let err = store
        .create_article(&article("half", Some("2026-01-01T00:00:00Z"), vec![a, 9999], vec![region]))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(store.article_count().await.unwrap(), 0);
    assert!(matches!(store.article_by_slug(&slug("half")).await, Err(StoreError::NotFound)));
    assert!(store.published(Page::first(10)).await.unwrap().items.is_empty());
}

async fn pagination_walks_every_published_article_once_newest_first(store: Store) {
    let a = author(&store, "Ana").await;
    // Pairs share a publication time, so the id must break ties.
    for i in 0..25 {
        let when = format!("2026-03-{:02}T12:00:00Z", 1 + i / 2);
        store.create_article(&article(&format!("a{i}"), Some(&when), vec![a], vec![])).await.unwrap();
    }
    store.create_article(&article("a-draft", None, vec![a], vec![])).await.unwrap();
    let drafts = store.recent_articles(Some(ArticleStatus::Draft), 10).await.unwrap();
    assert_eq!(drafts.iter().map(|(_, s, ..)| s.as_str()).collect::<Vec<_>>(), ["a-draft"]);
    assert_eq!(store.recent_articles(Some(ArticleStatus::Published), 100).await.unwrap().len(), 25);
    assert_eq!(store.recent_articles(None, 100).await.unwrap().len(), 26);

    let mut seen = Vec::new();
    let mut page = Page::first(10);
    let mut pages = 0;
    let mut starts = Vec::new();
    loop {
        let listing = store.published(page).await.unwrap();
        pages += 1;
        seen.extend(listing.items.iter().map(|s| (s.published_at, s.id, s.slug.to_string())));
        match listing.next {
            Some(next) => {
                starts.push(next);
                page = Page { after: Some(next), limit: 10 }
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    // The export's list of older pages, read at once, is the pager's.
    assert_eq!(store.published_page_starts(10).await.unwrap(), starts);
    assert_eq!(store.published_page_starts(25).await.unwrap(), [], "one full page, none after it");
    assert_eq!(store.published_page_starts(24).await.unwrap().len(), 1);
    assert_eq!(seen.len(), 25, "every published article once, no draft");
    // The export reads whole articles in batches, in the same order.
    let mut batches = Vec::new();
    let mut after = None;
    loop {
        let batch = store.published_pages(after, 7).await.unwrap();
        let Some((last, _)) = batch.last() else { break };
        after = Some(Cursor { published_at: last.published_at.unwrap(), id: last.id });
        batches.extend(batch.iter().map(|(a, _)| (a.published_at.unwrap(), a.id, a.slug.to_string())));
    }
    assert_eq!(batches, seen);
    // And pages through the lists' keys in memory.
    let keys = store.published_keys().await.unwrap();
    assert_eq!(
        keys.iter().map(|c| (c.published_at, c.id)).collect::<Vec<_>>(),
        seen.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>()
    );
    assert_eq!(store.author_keys(a).await.unwrap(), keys, "one author wrote them all");
    assert!(seen.windows(2).all(|w| (w[0].0, w[0].1) > (w[1].0, w[1].1)), "strictly newest first");
    assert_eq!(seen[0].2, "a24");
    assert!(!seen.iter().any(|s| s.2 == "a-draft"));

    let past_the_end = Cursor { published_at: at("2000-01-01T00:00:00Z"), id: 1 };
    assert!(store.published(Page { after: Some(past_the_end), limit: 10 }).await.unwrap().items.is_empty());
}

async fn region_archive_includes_child_regions(store: Store) {
    let a = author(&store, "Ana").await;
    let europe = term(&store, TermKind::Region, "Europe", None).await;
    let balkans = term(&store, TermKind::Region, "Balkans", Some(europe)).await;
    let serbia = term(&store, TermKind::Region, "Serbia", Some(balkans)).await;
    let asia = term(&store, TermKind::Region, "Asia", None).await;
    store
        .create_article(&article("belgrade", Some("2026-01-03T00:00:00Z"), vec![a], vec![serbia]))
        .await
        .unwrap();
    store
        .create_article(&article("sarajevo", Some("2026-01-02T00:00:00Z"), vec![a], vec![balkans]))
        .await
        .unwrap();
    store.create_article(&article("tokyo", Some("2026-01-01T00:00:00Z"), vec![a], vec![asia])).await.unwrap();
    // Filed under both a region and its parent: listed once.
    store
        .create_article(&article("both", Some("2026-01-04T00:00:00Z"), vec![a], vec![europe, serbia]))
        .await
        .unwrap();

    let slugs =
        |l: masthead_store::Listing| l.items.into_iter().map(|s| s.slug.to_string()).collect::<Vec<_>>();
    assert_eq!(
        slugs(store.published_in_term(europe, Page::first(10)).await.unwrap()),
        ["both", "belgrade", "sarajevo"]
    );
    assert_eq!(
        slugs(store.published_in_term(balkans, Page::first(10)).await.unwrap()),
        ["both", "belgrade", "sarajevo"]
    );
    assert_eq!(slugs(store.published_in_term(serbia, Page::first(10)).await.unwrap()), ["both", "belgrade"]);
    assert_eq!(slugs(store.published_in_term(asia, Page::first(10)).await.unwrap()), ["tokyo"]);
    let first = store.published_in_term(europe, Page::first(2)).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let rest = store.published_in_term(europe, Page { after: first.next, limit: 2 }).await.unwrap();
    assert_eq!(slugs(rest), ["sarajevo"]);
    assert_eq!(store.term_page_starts(europe, 2).await.unwrap(), [first.next.unwrap()]);
    assert_eq!(store.term_page_starts(asia, 2).await.unwrap(), []);
    let europe_keys = store.term_keys(europe).await.unwrap();
    let listed: Vec<i64> =
        store.published_in_term(europe, Page::first(10)).await.unwrap().items.iter().map(|s| s.id).collect();
    assert_eq!(
        europe_keys.iter().map(|c| c.id).collect::<Vec<_>>(),
        listed,
        "the subtree's keys, in the archive's order"
    );
    assert_eq!(europe_keys[1], first.next.unwrap());

    // A region moved to another continent takes its articles along.
    store
        .update_term(
            balkans,
            &NewTerm {
                kind: TermKind::Region,
                slug: Slug::from_title("Balkans").unwrap(),
                name: "Balkans".into(),
                description: String::new(),
                parent_id: Some(asia),
            },
        )
        .await
        .unwrap();
    assert_eq!(slugs(store.published_in_term(europe, Page::first(10)).await.unwrap()), ["both"]);
    assert_eq!(
        slugs(store.published_in_term(asia, Page::first(10)).await.unwrap()),
        ["both", "belgrade", "sarajevo", "tokyo"]
    );
    // Unpublished, it leaves every archive; published again, it is back, at its time.
    let belgrade = store.article_by_slug(&slug("belgrade")).await.unwrap();
    let belgrade = store.set_status(belgrade.id, ArticleStatus::Unpublished, None, None).await.unwrap();
    assert_eq!(slugs(store.published_in_term(serbia, Page::first(10)).await.unwrap()), ["both"]);
    store.set_status(belgrade.id, ArticleStatus::Published, None, None).await.unwrap();
    assert_eq!(slugs(store.published_in_term(serbia, Page::first(10)).await.unwrap()), ["both", "belgrade"]);
    // Rebuilt from scratch (as after a restore), the same.
    assert!(store.rebuild_listings().await.unwrap() > 0);
    assert_eq!(
        slugs(store.published_in_term(asia, Page::first(10)).await.unwrap()),
        ["both", "belgrade", "sarajevo", "tokyo"]
    );
}

async fn author_archive_lists_only_their_articles(store: Store) {
    let ana = author(&store, "Ana").await;
    let bo = author(&store, "Bo").await;
    store.create_article(&article("ana-1", Some("2026-01-01T00:00:00Z"), vec![ana], vec![])).await.unwrap();
    store
        .create_article(&article("joint", Some("2026-01-02T00:00:00Z"), vec![bo, ana], vec![]))
        .await
        .unwrap();
    store.create_article(&article("bo-1", Some("2026-01-03T00:00:00Z"), vec![bo], vec![])).await.unwrap();
    store.create_article(&article("ana-draft", None, vec![ana], vec![])).await.unwrap();
    let listing = store.published_by_author(ana, Page::first(10)).await.unwrap();
    let slugs: Vec<String> = listing.items.iter().map(|s| s.slug.to_string()).collect();
    assert_eq!(slugs, ["joint", "ana-1"]);
    let joint = &listing.items[0];
    assert_eq!(joint.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Bo", "Ana"]);
    assert_eq!(store.author_by_slug(&slug("ana")).await.unwrap().bio, "Ana is an independent analyst.");
}

async fn term_path_is_root_first(store: Store) {
    let europe = term(&store, TermKind::Region, "Europe", None).await;
    let balkans = term(&store, TermKind::Region, "Balkans", Some(europe)).await;
    let serbia = term(&store, TermKind::Region, "Serbia", Some(balkans)).await;
    let path: Vec<String> = store.term_path(serbia).await.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(path, ["Europe", "Balkans", "Serbia"]);
    let children: Vec<String> =
        store.term_children(europe).await.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(children, ["Balkans"]);
    assert!(matches!(store.term_path(424242).await, Err(StoreError::NotFound)));
    let found = store.term_by_slug(TermKind::Region, &slug("balkans")).await.unwrap();
    assert_eq!(found.parent_id, Some(europe));
    assert!(matches!(store.term_by_slug(TermKind::Theme, &slug("balkans")).await, Err(StoreError::NotFound)));
}

async fn term_parents_must_be_of_the_same_kind(store: Store) {
    let europe = term(&store, TermKind::Region, "Europe", None).await;
    let new = |kind| NewTerm {
        kind,
        slug: slug("child"),
        name: "Child".into(),
        description: String::new(),
        parent_id: Some(europe),
    };
    assert!(matches!(store.create_term(&new(TermKind::Theme)).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.create_term(&new(TermKind::Tag)).await, Err(StoreError::Invalid(_))));
    assert!(store.create_term(&new(TermKind::Region)).await.is_ok());
}

async fn scheduled_article_needs_a_time(store: Store) {
    let a = author(&store, "Ana").await;
    let mut new = article("later", None, vec![a], vec![]);
    new.status = ArticleStatus::Scheduled;
    assert!(matches!(store.create_article(&new).await, Err(StoreError::Invalid(_))));
    new.published_at = Some(at("2030-01-01T00:00:00Z"));
    let saved = store.create_article(&new).await.unwrap();
    assert_eq!(saved.status, ArticleStatus::Scheduled);
    assert!(store.published(Page::first(10)).await.unwrap().items.is_empty(), "not public before its time");
    let mut bad_zone = article("zone", None, vec![a], vec![]);
    bad_zone.time_zone = "Mars/Olympus".into();
    assert!(matches!(store.create_article(&bad_zone).await, Err(StoreError::Invalid(_))));
}

async fn whole_articles_load_in_the_order_asked(store: Store) {
    let a = author(&store, "Ana").await;
    let one =
        store.create_article(&article("one", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    let two =
        store.create_article(&article("two", Some("2026-01-02T00:00:00Z"), vec![a], vec![])).await.unwrap();
    let loaded = store.articles(&[two.id, 4242, one.id]).await.unwrap();
    assert_eq!(loaded, vec![two.clone(), one]);
    store.set_reuse_policy(two.id, Some(ReusePolicy::CcByNcNd)).await.unwrap();
    assert_eq!(store.article(two.id).await.unwrap().reuse_policy, Some(ReusePolicy::CcByNcNd));
    store.set_reuse_policy(two.id, None).await.unwrap();
    assert_eq!(store.article(two.id).await.unwrap().reuse_policy, None);
    assert!(matches!(store.set_reuse_policy(4242, None).await, Err(StoreError::NotFound)));
    assert!(store.articles(&[]).await.unwrap().is_empty());
    let index = store.published_index().await.unwrap();
    assert_eq!(index.iter().map(|e| e.slug.as_str()).collect::<Vec<_>>(), ["two", "one"]);
}

async fn partners_poll_changes_since_a_time_page_by_page(store: Store) {
    let a = author(&store, "Ana").await;
    for i in 0..5 {
        store
            .create_article(&article(&format!("p{i}"), Some("2026-01-01T00:00:00Z"), vec![a], vec![]))
            .await
            .unwrap();
    }
    store.create_article(&article("draft", None, vec![a], vec![])).await.unwrap();
    let since = at("2000-01-01T00:00:00Z");
    let (first, next) = store.published_changed_since(since, None, 3).await.unwrap();
    assert_eq!(first.len(), 3);
    let (rest, end) = store.published_changed_since(since, next, 3).await.unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(end, None);
    let mut slugs: Vec<String> = first.iter().chain(&rest).map(|a| a.slug.to_string()).collect();
    slugs.sort();
    assert_eq!(slugs, ["p0", "p1", "p2", "p3", "p4"], "each published article once, no draft");
    let (future, _) = store.published_changed_since(at("2100-01-01T00:00:00Z"), None, 3).await.unwrap();
    assert!(future.is_empty());
}

async fn republication_views_count_per_host_and_day(store: Store) {
    let a = author(&store, "Ana").await;
    let one =
        store.create_article(&article("one", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    let two =
        store.create_article(&article("two", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    for (id, host, when) in [
        (one.id, "news.example", "2026-02-01T09:00:00Z"),
        (one.id, "news.example", "2026-02-01T10:00:00Z"),
        (one.id, "news.example", "2026-02-03T08:00:00Z"),
        (one.id, "blog.example", "2026-02-02T08:00:00Z"),
        (two.id, "news.example", "2026-02-04T08:00:00Z"),
        // A late, out-of-order hit does not move last_seen back.
        (one.id, "news.example", "2026-02-01T11:00:00Z"),
    ] {
        store.record_republication_view(id, host, at(when)).await.unwrap();
    }
    let all = store.republications(None).await.unwrap();
    assert_eq!(all.len(), 3, "one row per article and host");
    let of_one = store.republications(Some(one.id)).await.unwrap();
    let hosts: Vec<&str> = of_one.iter().map(|r| r.host.as_str()).collect();
    assert_eq!(hosts, ["news.example", "blog.example"], "most recently seen first");
    let news = &of_one[0];
    assert_eq!(news.first_seen, at("2026-02-01T09:00:00Z"));
    assert_eq!(news.last_seen, at("2026-02-03T08:00:00Z"));
    assert_eq!(news.total_views, 4);
    assert_eq!(news.days, vec![("2026-02-01".to_owned(), 3), ("2026-02-03".to_owned(), 1)]);
    assert_eq!(of_one[1].total_views, 1);
    // Views of an article that is not there, or not published, are dropped, not an error:
    // they arrive in aggregates with the views of others.
    store.record_republication_view(9999, "x.example", at("2026-02-01T00:00:00Z")).await.unwrap();
    let draft = store.create_article(&article("draft", None, vec![a], vec![])).await.unwrap();
    store.record_republication_view(draft.id, "x.example", at("2026-02-01T00:00:00Z")).await.unwrap();
    assert_eq!(store.republications(None).await.unwrap().len(), 3, "nothing recorded for either");
}

fn tally(article_id: i64, host: &str, day: &str, views: i64, first: &str, last: &str) -> ViewTally {
    ViewTally {
        article_id,
        host: host.to_owned(),
        day: day.to_owned(),
        views,
        first_seen: at(first),
        last_seen: at(last),
    }
}

async fn views_added_in_aggregates_add_up_and_name_a_bounded_number_of_sites(store: Store) {
    use masthead_core::republication::{MAX_HOSTS_PER_DAY, OTHER_HOSTS};
    let a = author(&store, "Ana").await;
    let one =
        store.create_article(&article("one", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    // Two nodes add what each counted of the same site and day: the views add up exactly, and
    // the first and last sightings only widen.
    let node_a =
        [tally(one.id, "news.example", "2026-02-01", 7, "2026-02-01T09:00:00Z", "2026-02-01T10:00:00Z")];
    let node_b =
        [tally(one.id, "news.example", "2026-02-01", 5, "2026-02-01T08:00:00Z", "2026-02-01T09:30:00Z")];
    store.add_republication_views(&node_a).await.unwrap();
    store.add_republication_views(&node_b).await.unwrap();
    let news = &store.republications(Some(one.id)).await.unwrap()[0];
    assert_eq!(news.total_views, 12);
    assert_eq!((news.first_seen, news.last_seen), (at("2026-02-01T08:00:00Z"), at("2026-02-01T10:00:00Z")));

    // Many made-up sites on one day: past the bound, their views count under one bucket.
    let extra = 40;
    let many: Vec<ViewTally> = (0..MAX_HOSTS_PER_DAY + extra)
        .map(|n| {
            tally(
                one.id,
                &format!("s{n}.example"),
                "2026-02-02",
                2,
                "2026-02-02T08:00:00Z",
                "2026-02-02T08:00:00Z",
            )
        })
        .collect();
    store.add_republication_views(&many[..MAX_HOSTS_PER_DAY / 2]).await.unwrap();
    store.add_republication_views(&many[MAX_HOSTS_PER_DAY / 2..]).await.unwrap();
    let all = store.republications(Some(one.id)).await.unwrap();
    let that_day: Vec<&masthead_core::Republication> =
        all.iter().filter(|r| r.days.iter().any(|(d, _)| d == "2026-02-02")).collect();
    assert_eq!(that_day.len(), MAX_HOSTS_PER_DAY + 1, "the bound of sites, and the bucket");
    let other = that_day.iter().find(|r| r.host == OTHER_HOSTS).expect("the bucket");
    assert_eq!(other.total_views, 2 * extra as i64);
    let total: i64 = all.iter().map(|r| r.total_views).sum();
    assert_eq!(total, 12 + 2 * (MAX_HOSTS_PER_DAY + extra) as i64, "no view lost");
    // A site already counted that day still counts by name; the next day starts afresh.
    store.add_republication_views(&[many[0].clone()]).await.unwrap();
    let later =
        tally(one.id, "late.example", "2026-02-03", 1, "2026-02-03T08:00:00Z", "2026-02-03T08:00:00Z");
    store.add_republication_views(&[later]).await.unwrap();
    let all = store.republications(Some(one.id)).await.unwrap();
    assert_eq!(all.iter().find(|r| r.host == "s0.example").unwrap().total_views, 4);
    assert!(all.iter().any(|r| r.host == "late.example"));
}

async fn republications_page_newest_first_by_first_sighting(store: Store) {
    let a = author(&store, "Ana").await;
    let one =
        store.create_article(&article("one", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    let two =
        store.create_article(&article("two", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    let mut tallies = Vec::new();
    for (n, id) in [one.id, two.id].into_iter().enumerate() {
        for h in 0..4 {
            // Two sites share each first sighting, so that the order needs the whole key.
            let when = format!("2026-03-0{}T08:00:00Z", 1 + (h / 2));
            tallies.push(tally(id, &format!("h{h}-{n}.example"), "2026-03-01", 1, &when, &when));
        }
    }
    store.add_republication_views(&tallies).await.unwrap();
    // A view later does not move a row from its page.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.republications_page(after.as_ref(), 3).await.unwrap();
        if page.is_empty() {
            break;
        }
        if seen.len() == 3 {
            store
                .record_republication_view(one.id, "h0-0.example", at("2026-04-01T00:00:00Z"))
                .await
                .unwrap();
        }
        after = page.last().map(|r| r.cursor());
        seen.extend(page.into_iter().map(|r| (r.first_seen, r.article_id, r.host, r.total_views)));
    }
    assert_eq!(seen.len(), 8, "every republication once: {seen:?}");
    let mut sorted = seen.clone();
    sorted.sort_by(|x, y| (y.0, y.1, &y.2).cmp(&(x.0, x.1, &x.2)));
    assert_eq!(seen, sorted, "newest first by first sighting, then article, then host");
    assert!(seen.iter().all(|r| r.3 >= 1), "each with its views");
}

const LIMITS: QueueLimits = QueueLimits { pending: 100, pending_per_article: 100 };

trait QueuedId {
    fn id(self) -> i64;
}

impl QueuedId for Queued {
    fn id(self) -> i64 {
        match self {
            Queued::Queued(id) => id,
            other => panic!("not queued: {other:?}"),
        }
    }
}

async fn webmentions_queue_within_their_limits(store: Store) {
    let a = author(&store, "Ana").await;
    let one =
        store.create_article(&article("one", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    let two =
        store.create_article(&article("two", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    let t = at("2026-03-01T00:00:00Z");
    let limits = QueueLimits { pending: 5, pending_per_article: 3 };
    let queue = |id: i64, n: usize| {
        let store = store.clone();
        async move {
            store
                .queue_webmention(
                    id,
                    &format!("https://s{n}.example/p"),
                    "https://us.example/article/x",
                    t,
                    limits,
                )
                .await
                .unwrap()
        }
    };
    for n in 0..3 {
        assert!(matches!(queue(one.id, n).await, Queued::Queued(_)));
    }
    assert_eq!(queue(one.id, 3).await, Queued::ArticleFull, "three of this article wait");
    assert!(matches!(queue(one.id, 0).await, Queued::Queued(_)), "one already waiting is sent again");
    for n in 10..12 {
        assert!(matches!(queue(two.id, n).await, Queued::Queued(_)));
    }
    assert_eq!(queue(two.id, 12).await, Queued::QueueFull, "five wait in all");
    assert_eq!(store.pending_webmentions(100).await.unwrap().len(), 5, "nothing more queued");
    // Once checked, there is room again.
    let claimed = store.claim_pending_webmentions(10, 5, t).await.unwrap();
    store.settle_webmention(claimed[0].id, &MentionOutcome::Rejected("no".into()), None, t).await.unwrap();
    assert!(matches!(queue(two.id, 12).await, Queued::Queued(_)));
}

async fn webmentions_are_claimed_a_few_per_source_host(store: Store) {
    let a = author(&store, "Ana").await;
    let one =
        store.create_article(&article("one", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    let t = at("2026-03-01T00:00:00Z");
    let mut slow = Vec::new();
    for n in 0..6 {
        let source = format!("https://Slow.example/p{n}");
        slow.push(
            store
                .queue_webmention(one.id, &source, "https://us.example/article/one", t, LIMITS)
                .await
                .unwrap()
                .id(),
        );
    }
    let later = t + jiff::SignedDuration::from_secs(1);
    let fast = store
        .queue_webmention(one.id, "https://fast.example/p", "https://us.example/article/one", later, LIMITS)
        .await
        .unwrap()
        .id();
    let claimed: Vec<i64> =
        store.claim_pending_webmentions(10, 2, t).await.unwrap().iter().map(|m| m.id).collect();
    assert_eq!(claimed, [slow[0], slow[1], fast], "two of the busy host, and the other host's too");
    assert!(
        store.claim_pending_webmentions(10, 2, t).await.unwrap().is_empty(),
        "none from a host whose mentions are being checked"
    );
    for id in [slow[0], slow[1]] {
        store.settle_webmention(id, &MentionOutcome::Rejected("slow".into()), None, t).await.unwrap();
    }
    let next: Vec<i64> =
        store.claim_pending_webmentions(10, 2, t).await.unwrap().iter().map(|m| m.id).collect();
    assert_eq!(next, [slow[2], slow[3]], "the host's next two, once its checks are done");
}

async fn webmentions_queue_then_settle(store: Store) {
    let a = author(&store, "Ana").await;
    let one =
        store.create_article(&article("one", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    let t = at("2026-03-01T00:00:00Z");
    let copy = store
        .queue_webmention(one.id, "https://news.example/copy", "https://us.example/article/one", t, LIMITS)
        .await
        .unwrap()
        .id();
    let link = store
        .queue_webmention(one.id, "https://blog.example/post", "https://us.example/article/one", t, LIMITS)
        .await
        .unwrap()
        .id();
    let spam = store
        .queue_webmention(one.id, "https://spam.example/", "https://us.example/article/one", t, LIMITS)
        .await
        .unwrap()
        .id();
    // Sent again: still one record.
    assert_eq!(
        store
            .queue_webmention(one.id, "https://spam.example/", "https://us.example/article/one", t, LIMITS)
            .await
            .unwrap()
            .id(),
        spam
    );
    assert_eq!(store.pending_webmentions(10).await.unwrap().len(), 3);
    // Checkers claim mentions: of several nodes, each mention goes to one until its lease ends.
    let first = store.claim_pending_webmentions(2, 5, t).await.unwrap();
    assert_eq!(first.iter().map(|m| m.id).collect::<Vec<_>>(), [copy, link], "oldest first");
    let second = store.claim_pending_webmentions(10, 5, t).await.unwrap();
    assert_eq!(second.iter().map(|m| m.id).collect::<Vec<_>>(), [spam]);
    assert!(store.claim_pending_webmentions(10, 5, t).await.unwrap().is_empty(), "all claimed");
    let expired = t + jiff::SignedDuration::from_secs(masthead_store::WEBMENTION_LEASE_SECONDS + 1);
    assert_eq!(
        store.claim_pending_webmentions(10, 5, expired).await.unwrap().len(),
        3,
        "a lost checker's claims lapse"
    );

    let later = at("2026-03-01T00:05:00Z");
    store
        .settle_webmention(
            copy,
            &MentionOutcome::Verified(MentionKind::Republication),
            Some("news.example"),
            later,
        )
        .await
        .unwrap();
    store
        .settle_webmention(link, &MentionOutcome::Verified(MentionKind::Mention), Some("blog.example"), later)
        .await
        .unwrap();
    store
        .settle_webmention(
            spam,
            &MentionOutcome::Rejected("the source does not link to the target".into()),
            None,
            later,
        )
        .await
        .unwrap();
    assert!(store.pending_webmentions(10).await.unwrap().is_empty());

    let all = store.webmentions(one.id).await.unwrap();
    assert_eq!(all.len(), 3);
    let by_source = |s: &str| all.iter().find(|m| m.source == s).unwrap();
    assert_eq!(by_source("https://news.example/copy").kind, Some(MentionKind::Republication));
    assert_eq!(by_source("https://blog.example/post").kind, Some(MentionKind::Mention));
    let rejected = by_source("https://spam.example/");
    assert_eq!(rejected.status, MentionStatus::Rejected);
    assert!(rejected.error.contains("does not link"));
    assert_eq!(rejected.checked_at, Some(later));
    let republications = store.republications(Some(one.id)).await.unwrap();
    assert_eq!(republications.len(), 1, "only the republication counts as one");
    assert_eq!(republications[0].host, "news.example");
    assert_eq!(republications[0].total_views, 0);
}

async fn accounts_sessions_tokens_and_throttling(store: Store) {
    let new = NewUser {
        email: "ana@meridian.example".into(),
        name: "Ana".into(),
        role: Role::Editor,
        password_hash: "$argon2id$placeholder".into(),
        author_id: None,
    };
    let ana = store.create_user(&new).await.unwrap();
    assert_eq!(ana.role, Role::Editor);
    assert!(
        matches!(store.create_user(&new).await, Err(StoreError::Conflict { .. })),
        "one account per address"
    );
    let (found, hash) = store.user_credentials("ana@meridian.example").await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (ana.id, "$argon2id$placeholder"));
    assert!(store.user_credentials("nobody@meridian.example").await.unwrap().is_none());

    let now = at("2026-05-01T12:00:00Z");
    store.create_session(ana.id, "hash-1", "csrf-1", at("2026-05-02T12:00:00Z")).await.unwrap();
    let (user, csrf) = store.session("hash-1", now).await.unwrap().unwrap();
    assert_eq!((user.id, csrf.as_str()), (ana.id, "csrf-1"));
    assert!(store.session("hash-1", at("2026-05-03T00:00:00Z")).await.unwrap().is_none(), "expired");
    assert!(store.session("other", now).await.unwrap().is_none());
    store.set_password_hash(ana.id, "$argon2id$new").await.unwrap();
    assert!(store.session("hash-1", now).await.unwrap().is_none(), "a new password signs out everywhere");
    store.create_session(ana.id, "hash-2", "csrf-2", at("2026-05-02T12:00:00Z")).await.unwrap();
    store.delete_session("hash-2").await.unwrap();
    assert!(store.session("hash-2", now).await.unwrap().is_none());

    let expires = at("2026-08-01T12:00:00Z");
    store.create_api_token(ana.id, "script", "token-hash", Scope::Write, expires).await.unwrap();
    let holder = store.user_by_api_token("token-hash", now).await.unwrap().unwrap();
    assert_eq!((holder.id, holder.scope), (ana.id, Some(Scope::Write)), "acting with the token's scope");
    assert!(store.user_by_api_token("nope", now).await.unwrap().is_none());
    assert!(store.user_by_api_token("token-hash", expires).await.unwrap().is_none(), "expired");
    let listed = store.api_tokens(ana.id).await.unwrap();
    assert_eq!(
        (listed[0].scope, listed[0].expires_at, listed[0].last_used_at),
        (Scope::Write, expires, Some(now))
    );
    store.set_password_hash(ana.id, "$argon2id$newer").await.unwrap();
    assert!(
        store.user_by_api_token("token-hash", now).await.unwrap().is_none(),
        "a new password revokes tokens"
    );
    assert!(store.api_tokens(ana.id).await.unwrap().is_empty());
    store.create_api_token(ana.id, "script", "token-hash-2", Scope::Read, expires).await.unwrap();
    store.update_staff(ana.id, "Ana", Role::Editor, None, true).await.unwrap();
    store.update_staff(ana.id, "Ana", Role::Editor, None, false).await.unwrap();
    assert!(
        store.user_by_api_token("token-hash-2", now).await.unwrap().is_none(),
        "disabling revokes tokens for good"
    );

    let window = jiff::SignedDuration::from_mins(15);
    let limits = |max| {
        [
            masthead_store::AttemptLimit { key: "account:ana", max, window },
            masthead_store::AttemptLimit { key: "ip:10.0.0.1", max: 100, window },
        ]
    };
    let mut first = Vec::new();
    for minute in 0..3 {
        let at = now + jiff::SignedDuration::from_mins(minute);
        match store.record_attempt(&limits(3), at).await.unwrap() {
            Attempt::Counted { ids } => first.push(ids),
            refused => panic!("attempt {minute} refused: {refused:?}"),
        }
    }
    let (count, oldest) = store.attempts("account:ana", now - window).await.unwrap();
    assert_eq!((count, oldest), (3, Some(now)));
    assert_eq!(
        store.record_attempt(&limits(3), now + jiff::SignedDuration::from_mins(3)).await.unwrap(),
        Attempt::Refused { limit: 0, free_at: now + window },
        "the limit refuses, and says when a place frees"
    );
    assert_eq!(store.attempts("ip:10.0.0.1", now - window).await.unwrap().0, 3, "a refusal counts nowhere");
    assert!(
        matches!(
            store
                .record_attempt(&limits(3), now + window + jiff::SignedDuration::from_secs(1))
                .await
                .unwrap(),
            Attempt::Counted { .. }
        ),
        "the oldest attempt has left the window"
    );
    store.forget_attempts(&first[1]).await.unwrap();
    assert_eq!(store.attempts("ip:10.0.0.1", now - window).await.unwrap().0, 3, "one taken back of four");
    store.clear_attempts("account:ana").await.unwrap();
    assert_eq!(store.attempts("account:ana", now - window).await.unwrap().0, 0);
    assert_eq!(store.attempts("ip:10.0.0.1", now - window).await.unwrap().0, 3, "other keys stay");

    store.create_password_reset(ana.id, "reset-hash", at("2026-05-01T13:00:00Z")).await.unwrap();
    assert!(
        store.password_reset("reset-hash", at("2026-05-01T14:00:00Z"), false).await.unwrap().is_none(),
        "expired"
    );
    assert_eq!(
        store.password_reset("reset-hash", now, false).await.unwrap().map(|u| u.id),
        Some(ana.id),
        "looking does not use it"
    );
    assert_eq!(store.password_reset("reset-hash", now, true).await.unwrap().map(|u| u.id), Some(ana.id));
    assert!(store.password_reset("reset-hash", now, true).await.unwrap().is_none(), "a link works once");
    store.create_password_reset(ana.id, "older", at("2026-05-01T13:00:00Z")).await.unwrap();
    store.create_password_reset(ana.id, "newer", at("2026-05-01T13:00:00Z")).await.unwrap();
    assert!(
        store.password_reset("older", now, false).await.unwrap().is_none(),
        "a new link voids older ones"
    );
    assert!(store.password_reset("newer", now, false).await.unwrap().is_some());

    store.audit(Some(ana.id), "login", "ana@meridian.example").await.unwrap();
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].user.as_deref(), log[0].action.as_str()), (Some("Ana"), "login"));
}

/// The attack: a hundred guesses at one account at once. Counting and refusing are one step,
/// so exactly the limit is counted, whatever the interleaving.
async fn concurrent_attempts_are_counted_up_to_the_limit_and_no_further(store: Store) {
    let now = Timestamp::now();
    let tries: Vec<_> = (0..100)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                let address = format!("ip:10.0.0.{}", n % 4);
                let limits = [
                    masthead_store::AttemptLimit {
                        key: "pair:ana",
                        max: 5,
                        window: jiff::SignedDuration::from_mins(15),
                    },
                    masthead_store::AttemptLimit {
                        key: &address,
                        max: 20,
                        window: jiff::SignedDuration::from_mins(15),
                    },
                ];
                store.record_attempt(&limits, now).await.unwrap()
            })
        })
        .collect();
    let mut counted = 0;
    for attempt in tries {
        if let Attempt::Counted { ids } = attempt.await.unwrap() {
            assert_eq!(ids.len(), 2, "one row per key");
            counted += 1;
        }
    }
    assert_eq!(counted, 5);
    assert_eq!(store.attempts("pair:ana", now - jiff::SignedDuration::from_mins(15)).await.unwrap().0, 5);
}

async fn every_article_change_is_queued_for_announcement_once(store: Store) {
    let a = author(&store, "Ana").await;
    let one =
        store.create_article(&article("one", Some("2026-01-01T00:00:00Z"), vec![a], vec![])).await.unwrap();
    store.set_reuse_policy(one.id, Some(ReusePolicy::CcBy)).await.unwrap();
    let changes = store.unannounced_changes(10).await.unwrap();
    assert_eq!(changes.iter().map(|(_, article)| *article).collect::<Vec<_>>(), [one.id, one.id]);
    let ids: Vec<i64> = changes.iter().map(|(id, _)| *id).collect();
    let now = at("2026-01-02T00:00:00Z");
    assert_eq!(store.mark_announced(&ids, now).await.unwrap(), 2);
    assert_eq!(
        store.mark_announced(&ids, now).await.unwrap(),
        0,
        "a second node finds nothing left to claim"
    );
    assert!(store.unannounced_changes(10).await.unwrap().is_empty());
    store.release_changes(&ids[..1]).await.unwrap();
    assert_eq!(store.unannounced_changes(10).await.unwrap().len(), 1, "a failed announcement is retried");
    // A failed write queues nothing.
    assert!(store.create_article(&article("bad", None, vec![a, 9999], vec![])).await.is_err());
    assert_eq!(store.unannounced_changes(10).await.unwrap().len(), 1);

    // Announced changes are pruned once old enough, a bounded number at a time; one waiting
    // to be announced is never pruned.
    assert_eq!(store.prune_announced_changes(now, 10).await.unwrap(), 0, "announced at `now`, not before");
    let later = at("2026-01-03T00:00:00Z");
    assert_eq!(store.prune_announced_changes(later, 10).await.unwrap(), 0, "followers not yet told");
    let told: Vec<i64> = store.unfederated_changes(10).await.unwrap().iter().map(|(id, _)| *id).collect();
    store.mark_federated(&told, now).await.unwrap();
    assert_eq!(store.prune_announced_changes(later, 10).await.unwrap(), 1, "the one announced");
    assert_eq!(store.unannounced_changes(10).await.unwrap().len(), 1, "the released one waits");
    store.set_reuse_policy(one.id, None).await.unwrap();
    let more: Vec<i64> = store.unannounced_changes(10).await.unwrap().iter().map(|(id, _)| *id).collect();
    store.mark_announced(&more, now).await.unwrap();
    let told: Vec<i64> = store.unfederated_changes(10).await.unwrap().iter().map(|(id, _)| *id).collect();
    store.mark_federated(&told, now).await.unwrap();
    assert_eq!(store.prune_announced_changes(later, 1).await.unwrap(), 1, "at most the limit");
    assert_eq!(store.prune_announced_changes(later, 10).await.unwrap(), 1);
    assert_eq!(store.prune_announced_changes(later, 10).await.unwrap(), 0);
}

async fn saves_are_revisions_and_a_stale_save_writes_nothing(store: Store) {
    let ana = author(&store, "Ana").await;
    let bo = author(&store, "Bo").await;
    let region = term(&store, TermKind::Region, "Europe", None).await;
    let first = store.create_article(&article("draft", None, vec![ana], vec![region])).await.unwrap();
    assert_eq!(first.revision, 1);

    // Two editors open revision 1; the first to save wins.
    let mut mine = article("draft", None, vec![ana, bo], vec![region]);
    mine.title = "A better headline".into();
    let saved = store.update_article(first.id, 1, &mine, None).await.unwrap();
    assert_eq!(saved.revision, 2);
    assert_eq!(saved.title, "A better headline");
    assert_eq!(saved.authors.len(), 2, "bylines are replaced");
    let mut theirs = article("draft", None, vec![ana], vec![]);
    theirs.body = render_body(BodyFormat::Markdown, "Their text.").unwrap();
    let err = store.update_article(first.id, 1, &theirs, None).await.unwrap_err();
    assert!(matches!(err, StoreError::Stale { current: 2 }), "{err:?}");
    let now = store.article(first.id).await.unwrap();
    assert_eq!(
        (now.title.as_str(), now.revision, now.terms.len()),
        ("A better headline", 2, 1),
        "nothing of the stale save"
    );
    assert!(matches!(store.update_article(4242, 1, &theirs, None).await, Err(StoreError::NotFound)));

    let revisions = store.revisions(first.id).await.unwrap();
    assert_eq!(revisions.iter().map(|r| r.revision).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(revisions[0].changed, ["author_ids", "title"], "what the second save changed");
    assert!(revisions[1].changed.contains(&"body".to_owned()), "a first save changes everything");

    // Restoring revision 1 is a save of its snapshot.
    let old = store.revision_snapshot(first.id, 1).await.unwrap();
    let restored = store.update_article(first.id, 2, &old, None).await.unwrap();
    assert_eq!(
        (restored.title.as_str(), restored.revision, restored.authors.len()),
        ("Title of draft", 3, 1)
    );
    assert_eq!(store.revisions(first.id).await.unwrap()[0].changed, ["author_ids", "title"]);

    // Publishing and unpublishing are saves too.
    let published = store.set_status(first.id, ArticleStatus::Published, None, None).await.unwrap();
    assert_eq!((published.status, published.revision), (ArticleStatus::Published, 4));
    assert!(published.published_at.is_some());
    assert_eq!(store.revisions(first.id).await.unwrap()[0].changed, ["published_at", "status"]);
    let withdrawn = store.set_status(first.id, ArticleStatus::Unpublished, None, None).await.unwrap();
    assert_eq!(withdrawn.status, ArticleStatus::Unpublished);
    assert_eq!(withdrawn.published_at, published.published_at, "the first publication date is kept");
    store.delete_article(first.id).await.unwrap();
    assert!(matches!(store.article(first.id).await, Err(StoreError::NotFound)));
    assert!(store.revisions(first.id).await.unwrap().is_empty());
    assert!(matches!(store.delete_article(first.id).await, Err(StoreError::NotFound)));
}

async fn authors_terms_and_outlets_can_be_changed(store: Store) {
    let ana = author(&store, "Ana").await;
    let changed = store
        .update_author(
            ana,
            &NewAuthor {
                slug: slug("ana-p"),
                name: "Ana P.".into(),
                bio: "Ana P. writes.".into(),
                links: vec![masthead_core::AuthorLink {
                    label: "Site".into(),
                    url: "https://ana.example/".parse().unwrap(),
                }],
                avatar_media_id: None,
                outlet_id: None,
            },
        )
        .await
        .unwrap();
    assert_eq!((changed.slug.as_str(), changed.links.len()), ("ana-p", 1));

    let europe = term(&store, TermKind::Region, "Europe", None).await;
    let balkans = term(&store, TermKind::Region, "Balkans", Some(europe)).await;
    let new = |name: &str, parent_id| NewTerm {
        kind: TermKind::Region,
        slug: Slug::from_title(name).unwrap(),
        name: name.into(),
        description: "d".into(),
        parent_id,
    };
    let renamed = store.update_term(europe, &new("Europa", None)).await.unwrap();
    assert_eq!((renamed.name.as_str(), renamed.slug.as_str()), ("Europa", "europa"));
    assert!(
        matches!(store.update_term(europe, &new("Europa", Some(balkans))).await, Err(StoreError::Invalid(_))),
        "no cycles"
    );
    assert!(matches!(
        store.update_term(europe, &new("Europa", Some(europe))).await,
        Err(StoreError::Invalid(_))
    ));
    let as_theme = NewTerm { kind: TermKind::Theme, ..new("Europa", None) };
    assert!(matches!(store.update_term(europe, &as_theme).await, Err(StoreError::Invalid(_))), "kinds stay");

    let outlet = store
        .create_outlet(&NewOutlet { slug: slug("dd"), name: "DD".into(), homepage: None })
        .await
        .unwrap();
    let outlet = store
        .update_outlet(
            outlet.id,
            &NewOutlet {
                slug: slug("danube-dispatch"),
                name: "Danube Dispatch".into(),
                homepage: Some("https://dd.example/".parse().unwrap()),
            },
        )
        .await
        .unwrap();
    assert_eq!(store.outlets().await.unwrap(), vec![outlet]);
    assert!(matches!(
        store.update_outlet(4242, &NewOutlet { slug: slug("x"), name: "X".into(), homepage: None }).await,
        Err(StoreError::NotFound)
    ));
}

async fn the_newsroom_finds_articles_by_status_author_term_and_title(store: Store) {
    let ana = author(&store, "Ana").await;
    let bo = author(&store, "Bo").await;
    let europe = term(&store, TermKind::Region, "Europe", None).await;
    let serbia = term(&store, TermKind::Region, "Serbia", Some(europe)).await;
    let mut a = article("gas-deal", Some("2026-01-01T00:00:00Z"), vec![ana], vec![serbia]);
    a.title = "The Gas Deal".into();
    store.create_article(&a).await.unwrap();
    let mut b = article("water", None, vec![bo], vec![europe]);
    b.title = "Water 100% of the time".into();
    store.create_article(&b).await.unwrap();
    let find = |f: masthead_store::ArticleFilter| {
        let store = store.clone();
        async move {
            store
                .find_articles(&f, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|(_, s, ..)| s.to_string())
                .collect::<Vec<_>>()
        }
    };
    use masthead_store::ArticleFilter as F;
    assert_eq!(find(F { author_id: Some(ana), ..F::default() }).await, ["gas-deal"]);
    assert_eq!(
        find(F { term_id: Some(europe), ..F::default() }).await,
        ["water", "gas-deal"],
        "sub-regions count"
    );
    assert_eq!(find(F { status: Some(ArticleStatus::Draft), ..F::default() }).await, ["water"]);
    assert_eq!(find(F { title: Some("gas".into()), ..F::default() }).await, ["gas-deal"], "any case");
    assert_eq!(find(F { title: Some("100%".into()), ..F::default() }).await, ["water"]);
    assert!(
        find(F { title: Some("%".into()), author_id: Some(ana), ..F::default() }).await.is_empty(),
        "% is literal"
    );
    assert!(find(F { author_id: Some(bo), term_id: Some(serbia), ..F::default() }).await.is_empty());
}

async fn a_store_answers_pings_and_says_whether_it_hears_other_nodes(store: Store) {
    store.ping().await.unwrap();
    assert!(store.hears_other_nodes() || store.listen_to_other_nodes().await.is_ok());
    store.listen_to_other_nodes().await.unwrap();
    assert!(store.hears_other_nodes(), "listening, on PostgreSQL; no other nodes, on SQLite");
}

async fn sitemaps_read_published_articles_by_spans_of_ids_and_the_news_by_time(store: Store) {
    assert_eq!(store.published_span().await.unwrap(), None, "nothing published");
    let draft = store.create_article(&article("draft", None, vec![], vec![])).await.unwrap();
    let old =
        store.create_article(&article("old", Some("2026-01-01T00:00:00Z"), vec![], vec![])).await.unwrap();
    let new =
        store.create_article(&article("new", Some("2026-11-29T00:00:00Z"), vec![], vec![])).await.unwrap();
    let outlet = store.outlet_named("Partner", None).await.unwrap();
    let mut copy = article("copy", Some("2026-11-29T06:00:00Z"), vec![], vec![]);
    copy.origins = vec![NewOrigin {
        outlet_id: outlet.id,
        url: "https://partner.example/a".parse().unwrap(),
        published_at: None,
        byline: String::new(),
    }];
    let copy = store.create_article(&copy).await.unwrap();
    let _ = store.create_article(&article("later-draft", None, vec![], vec![])).await.unwrap();

    let span = store.published_span().await.unwrap().unwrap();
    assert_eq!((span.first_id, span.last_id), (old.id, copy.id), "drafts at either end are not counted");
    assert!(span.last_changed >= copy.updated_at);
    let slugs = |entries: Vec<masthead_store::IndexEntry>| {
        entries.into_iter().map(|e| e.slug.as_str().to_owned()).collect::<Vec<_>>()
    };
    // Our own only: the copy's canonical page is the partner's.
    let between = store.own_published_between(draft.id, copy.id + 1).await.unwrap();
    assert_eq!(slugs(between), ["old", "new"]);
    assert_eq!(slugs(store.own_published_between(new.id, new.id + 1).await.unwrap()), ["new"]);
    let since = store.own_published_since(at("2026-11-28T00:00:00Z"), 10).await.unwrap();
    assert_eq!(slugs(since), ["new"]);
    assert_eq!(
        store.own_published_since(at("2025-01-01T00:00:00Z"), 1).await.unwrap().len(),
        1,
        "at most the limit"
    );
}

async fn an_excerpt_nobody_wrote_follows_the_text(store: Store) {
    let mut new = article("story", Some("2026-11-01T08:00:00Z"), vec![], vec![]);
    new.body = render_body(BodyFormat::Markdown, "The first text.").unwrap();
    let a = store.create_article(&new).await.unwrap();
    assert_eq!(a.excerpt, "The first text.");
    // The editor shows the excerpt and sends it back unchanged with a new text.
    new.excerpt = a.excerpt.clone();
    new.body = render_body(BodyFormat::Markdown, "A better text.").unwrap();
    let a = store.update_article(a.id, a.revision, &new, None).await.unwrap();
    assert_eq!(a.excerpt, "A better text.", "made again from the new text");
    // One somebody wrote stays, whatever the text becomes.
    new.excerpt = "In short: better.".into();
    let a = store.update_article(a.id, a.revision, &new, None).await.unwrap();
    new.body = render_body(BodyFormat::Markdown, "The best text.").unwrap();
    let a = store.update_article(a.id, a.revision, &new, None).await.unwrap();
    assert_eq!(a.excerpt, "In short: better.");
}

async fn older_revisions_are_packed_and_read_back_unchanged(store: Store) {
    let mut new = article("long-read", Some("2026-11-01T08:00:00Z"), vec![], vec![]);
    new.body =
        render_body(BodyFormat::Markdown, &"The river carried less freight this year. ".repeat(200)).unwrap();
    let a = store.create_article(&new).await.unwrap();
    new.title = "A long read, revised".into();
    let a = store.update_article(a.id, a.revision, &new, None).await.unwrap();
    let before: Vec<_> = [1, 2].iter().map(|r| (a.id, *r)).collect();
    let mut snapshots = Vec::new();
    for (id, revision) in &before {
        snapshots.push(store.revision_snapshot(*id, *revision).await.unwrap());
    }
    // As saved before snapshots were packed.
    assert_eq!(masthead_store::testing::unpack_revisions(&store).await, 2);
    let heard = std::sync::Mutex::new(Vec::new());
    let packed = store.pack_revisions(1, |done, all| heard.lock().unwrap().push((done, all))).await.unwrap();
    assert_eq!((packed.revisions, packed.packed), (2, 2));
    assert!(packed.bytes_after * 4 < packed.bytes_before, "{packed:?}");
    assert_eq!(*heard.lock().unwrap(), [(1, 2), (2, 2)], "progress by batch");
    for ((id, revision), snapshot) in before.iter().zip(&snapshots) {
        assert_eq!(&store.revision_snapshot(*id, *revision).await.unwrap(), snapshot, "read back unchanged");
    }
    let again = store.pack_revisions(100, |_, _| {}).await.unwrap();
    assert_eq!((again.revisions, again.packed), (2, 0), "packed once");
    // A save after packing still knows what changed since the packed revision.
    new.dek = "Less freight, fewer boats.".into();
    store.update_article(a.id, a.revision, &new, None).await.unwrap();
    let history = store.revisions(a.id).await.unwrap();
    assert_eq!(history[0].changed, ["dek"], "{history:?}");
}

async fn an_authors_archive_follows_bylines_and_publication(store: Store) {
    let ana = author(&store, "Ana Petrović").await;
    let guest = author(&store, "A Guest Writer").await;
    let old = store
        .create_article(&article("old", Some("2019-03-01T08:00:00Z"), vec![guest], vec![]))
        .await
        .unwrap();
    for i in 0..30 {
        let at = format!("2026-11-{:02}T08:00:00Z", i % 28 + 1);
        store.create_article(&article(&format!("news-{i}"), Some(&at), vec![ana], vec![])).await.unwrap();
    }
    let both = store
        .create_article(&article("together", Some("2026-11-29T09:00:00Z"), vec![ana, guest], vec![]))
        .await
        .unwrap();
    let slugs = |l: masthead_store::Listing| {
        l.items.into_iter().map(|a| a.slug.as_str().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(slugs(store.published_by_author(guest, Page::first(10)).await.unwrap()), ["together", "old"]);
    let first = store.published_by_author(ana, Page::first(20)).await.unwrap();
    assert_eq!(first.items.len(), 20);
    assert_eq!(first.items[0].slug.as_str(), "together", "newest first");
    let rest = store.published_by_author(ana, Page { after: first.next, limit: 20 }).await.unwrap();
    assert_eq!(rest.items.len(), 11, "every one of Ana's 31 once, across pages");
    assert_eq!(store.author_page_starts(ana, 20).await.unwrap(), [first.next.unwrap()]);
    assert_eq!(store.author_page_starts(ana, 10).await.unwrap().len(), 3);
    // A byline changed moves the article between archives; unpublished, it leaves them.
    let mut new = article("together", Some("2026-11-29T09:00:00Z"), vec![ana], vec![]);
    new.published_at = both.published_at;
    store.update_article(both.id, both.revision, &new, None).await.unwrap();
    assert_eq!(slugs(store.published_by_author(guest, Page::first(10)).await.unwrap()), ["old"]);
    store.set_status(old.id, ArticleStatus::Unpublished, None, None).await.unwrap();
    assert!(store.published_by_author(guest, Page::first(10)).await.unwrap().items.is_empty());
    assert!(store.rebuild_listings().await.unwrap() > 0);
    assert_eq!(store.published_by_author(ana, Page::first(100)).await.unwrap().items.len(), 31);
}

/// Reading an article (every article page does) is a few index lookups whatever the size of
/// the site: no step reads a list of articles, and its group of translations is found by keys.
/// The texts come first in an article's row: what a page shows of other articles (related
/// ones) and the keys of a list are read from indexes, not from each of those articles' rows.
#[tokio::test]
async fn pages_and_lists_read_other_articles_from_indexes_not_their_rows() {
    let db = masthead_store::testing::TestDb::sqlite().await;
    let store = Store::open(&db.location).await.unwrap();
    let europe = term(&store, TermKind::Region, "Europe", None).await;
    store
        .create_article(&article("water", Some("2026-11-01T08:00:00Z"), vec![], vec![europe]))
        .await
        .unwrap();
    let page = masthead_store::testing::article_page_plan(&store, "water").await;
    assert!(
        page.iter().any(|step| step.starts_with("SEARCH b USING COVERING INDEX articles_sitemap")),
        "the related articles from the index: {page:?}"
    );
    let keys = masthead_store::testing::term_keys_plan(&store, europe).await;
    assert!(
        keys.iter().any(|step| step.starts_with("SEARCH a USING COVERING INDEX articles_ranked")),
        "the keys from the index: {keys:?}"
    );
    assert!(!keys.iter().any(|step| step.starts_with("SEARCH a USING INTEGER PRIMARY KEY")), "{keys:?}");
    store.close().await;
    db.finish().await;
}

#[tokio::test]
async fn reading_an_article_reads_no_list_of_articles() {
    let db = masthead_store::testing::TestDb::sqlite().await;
    let store = Store::open(&db.location).await.unwrap();
    let original = store
        .create_article(&article("original", Some("2026-11-01T08:00:00Z"), vec![], vec![]))
        .await
        .unwrap();
    let mut translated = article("prevod", Some("2026-11-02T08:00:00Z"), vec![], vec![]);
    translated.language = "sr".into();
    translated.translation_of = Some(original.id);
    store.create_article(&translated).await.unwrap();
    let mut german = article("uebersetzung", Some("2026-11-02T09:00:00Z"), vec![], vec![]);
    german.language = "de".into();
    german.translation_of = Some(original.id);
    store.create_article(&german).await.unwrap();
    for i in 0..5 {
        store
            .create_article(&article(&format!("other-{i}"), Some("2026-11-03T08:00:00Z"), vec![], vec![]))
            .await
            .unwrap();
    }
    // The original and the other translation, by language (the site's own, empty, first).
    let read = store.article_by_slug(&slug("prevod")).await.unwrap();
    assert_eq!(
        read.translations.iter().map(|t| t.slug.to_string()).collect::<Vec<_>>(),
        ["original", "uebersetzung"]
    );
    let read = store.article_by_slug(&slug("original")).await.unwrap();
    assert_eq!(
        read.translations.iter().map(|t| t.slug.to_string()).collect::<Vec<_>>(),
        ["uebersetzung", "prevod"]
    );
    for step in masthead_store::testing::article_read_plan(&store, "prevod").await {
        let bounded =
            !step.starts_with("SCAN") || step.contains("media_withheld") || step == "SCAN CONSTANT ROW";
        assert!(bounded && !step.contains("articles_by_status"), "a step that grows with the site: {step}");
    }
    store.close().await;
    db.finish().await;
}
