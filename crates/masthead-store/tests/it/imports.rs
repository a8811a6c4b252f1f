//! What imports leave behind, on both backends: redirects, import keys and comments.

use masthead_core::{SearchQuery, TermKind};
use masthead_store::{
    ImportedKind, NewComment, Page, Saved, SearchRequest, Store, StoreError, both_backends,
};

use crate::{article, at, author, term};

both_backends!(
    redirects_match_with_or_without_slash_host_and_campaign_parameters,
    a_redirect_is_replaced_never_duplicated_and_never_loops,
    import_keys_remember_what_each_record_became,
    comments_are_saved_once_per_source_key_with_their_replies,
    a_batch_and_its_import_keys_are_written_together,
    a_batch_is_listed_searchable_related_and_recorded_like_single_saves,
);

async fn a_batch_and_its_import_keys_are_written_together(store: Store) {
    let a = author(&store, "Mara").await;
    let batch = vec![article("one", None, vec![a], vec![]), article("two", None, vec![a], vec![])];
    let keys = vec!["post:1".to_owned(), "post:2".to_owned()];
    let ids = store.create_imported_articles(&batch, WP, &keys).await.unwrap();
    assert_eq!(store.import_key(WP, ImportedKind::Article, "post:2").await.unwrap(), Some(ids[1]));
    // A batch that fails writes neither articles nor keys.
    let clash = vec![article("three", None, vec![a], vec![]), article("one", None, vec![a], vec![])];
    let keys = vec!["post:3".to_owned(), "post:4".to_owned()];
    assert!(store.create_imported_articles(&clash, WP, &keys).await.is_err());
    assert_eq!(store.import_key(WP, ImportedKind::Article, "post:3").await.unwrap(), None);
    assert_eq!(store.article_count().await.unwrap(), 2);
}

const WP: &str = "wordpress:https://danube-review.example";

/// What an import's batch writes (table by table on PostgreSQL) is what saving the articles one
/// by one writes: term and author listings, search rows, related articles, first revisions,
/// languages, and each key with what the export said.
async fn a_batch_is_listed_searchable_related_and_recorded_like_single_saves(store: Store) {
    let mara = author(&store, "Mara").await;
    let ivo = author(&store, "Ivo").await;
    let region = term(&store, TermKind::Region, "Balkans", None).await;
    let city = term(&store, TermKind::Region, "Novi Sad", Some(region)).await;
    let tag = term(&store, TermKind::Tag, "Bridges", None).await;
    let mut one = article("bridge-one", Some("2026-11-01T08:00:00Z"), vec![mara, ivo], vec![city, tag]);
    one.title = "Zezelj bridge reopens".into();
    let mut two = article("bridge-two", Some("2026-11-02T08:00:00Z"), vec![ivo], vec![tag]);
    two.title = "Zezelj bridge tolls".into();
    two.language = "sr".into();
    let draft = article("bridge-draft", None, vec![mara], vec![tag]);
    let keys = vec!["post:1".to_owned(), "post:2".to_owned(), "post:3".to_owned()];
    let ids = store.create_imported_articles(&[one.clone(), two, draft], WP, &keys).await.unwrap();

    let slugs = |items: Vec<masthead_core::ArticleSummary>| -> Vec<String> {
        items.into_iter().map(|a| a.slug.to_string()).collect()
    };
    let in_region = store.published_in_term(region, Page::first(10)).await.unwrap();
    assert_eq!(slugs(in_region.items), ["bridge-one"], "listed under the city's region too");
    let tagged = store.published_in_term(tag, Page::first(10)).await.unwrap();
    assert_eq!(slugs(tagged.items), ["bridge-two", "bridge-one"], "the draft is not listed");
    let by_mara = store.published_by_author(mara, Page::first(10)).await.unwrap();
    assert_eq!(slugs(by_mara.items), ["bridge-one"]);
    let found = store
        .search(&SearchRequest {
            query: SearchQuery::parse("zezelj"),
            limit: 10,
            now: at("2026-11-30T12:00:00Z"),
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(found.hits.len(), 2, "both published articles are searchable");
    let related = store.related(ids[0]).await.unwrap();
    assert_eq!(
        related.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ids[1]],
        "the batch's articles find each other"
    );
    assert_eq!(store.revisions(ids[0]).await.unwrap().len(), 1);
    assert_eq!(store.article(ids[1]).await.unwrap().language, "sr");
    let saved = store.article(ids[0]).await.unwrap();
    assert_eq!(saved.authors.iter().map(|a| a.id).collect::<Vec<_>>(), [mara, ivo], "bylines in order");
    assert_eq!(store.import_key(WP, ImportedKind::Article, "post:1").await.unwrap(), Some(ids[0]));
    assert_eq!(
        store.imported_article(WP, "post:1").await.unwrap(),
        Some(one.clone()),
        "what the export said is kept"
    );
    // What a second run reads, in one statement.
    let current = store.imported_current(ids[0], WP, "post:1").await.unwrap().expect("the article is there");
    assert_eq!((current.revision, current.status), (1, masthead_core::ArticleStatus::Published));
    assert_eq!(current.snapshot, store.revision_snapshot(ids[0], 1).await.unwrap());
    assert_eq!(current.imported, Some(one));
    assert_eq!(store.imported_current(ids[0], WP, "post:9").await.unwrap().map(|c| c.imported), Some(None));
    assert!(store.imported_current(999_999, WP, "post:1").await.unwrap().is_none());
}

async fn redirects_match_with_or_without_slash_host_and_campaign_parameters(store: Store) {
    assert!(store.set_redirect("/2019/05/old-slug/", "/article/new-slug").await.unwrap());
    assert!(store.set_redirect("https://danube-review.example/?p=123", "/article/new-slug").await.unwrap());
    assert!(store.set_redirect("/%c5%a1abac/", "/article/sabac").await.unwrap());
    for address in ["/2019/05/old-slug", "/2019/05/old-slug/", "/2019/05/old-slug/?utm_source=feed"] {
        assert_eq!(
            store.redirect_for(address).await.unwrap().as_deref(),
            Some("/article/new-slug"),
            "{address}"
        );
    }
    for address in ["/?p=123", "/index.php?p=123", "/?utm_medium=x&p=123"] {
        assert_eq!(
            store.redirect_for(address).await.unwrap().as_deref(),
            Some("/article/new-slug"),
            "{address}"
        );
    }
    assert_eq!(store.redirect_for("/%C5%A1abac").await.unwrap().as_deref(), Some("/article/sabac"));
    assert_eq!(store.redirect_for("/?p=124").await.unwrap(), None);
    assert_eq!(store.redirect_for("/2019/05/other").await.unwrap(), None);
    assert_eq!(store.redirect_for("/").await.unwrap(), None);

    let all = store.redirects(10).await.unwrap();
    let pairs: Vec<(&str, &str)> = all.iter().map(|r| (r.from_path.as_str(), r.to_path.as_str())).collect();
    assert_eq!(
        pairs,
        [
            ("/%C5%A1abac", "/article/sabac"),
            ("/2019/05/old-slug", "/article/new-slug"),
            ("/?p=123", "/article/new-slug"),
        ]
    );
    assert_eq!(store.redirects(1).await.unwrap().len(), 1);
}

async fn a_redirect_is_replaced_never_duplicated_and_never_loops(store: Store) {
    assert!(store.set_redirect("/old/", "/article/a").await.unwrap());
    assert!(
        !store.set_redirect("/old", "/article/a").await.unwrap(),
        "the same redirect again changes nothing"
    );
    assert!(store.set_redirect("/old", "/article/b").await.unwrap());
    assert_eq!(store.redirect_for("/old").await.unwrap().as_deref(), Some("/article/b"));
    assert_eq!(store.redirects(10).await.unwrap().len(), 1);

    for (from, to) in [("/x/", "/x"), ("/", "/article/a"), ("/y", "//evil.example/"), ("/y", "javascript:x")]
    {
        assert!(
            matches!(store.set_redirect(from, to).await, Err(StoreError::Invalid(_))),
            "{from} → {to} is refused"
        );
    }
    assert_eq!(store.redirects(10).await.unwrap().len(), 1);
}

async fn import_keys_remember_what_each_record_became(store: Store) {
    assert_eq!(store.import_key(WP, ImportedKind::Article, "post:101").await.unwrap(), None);
    store.set_import_key(WP, ImportedKind::Article, "post:101", 15).await.unwrap();
    store.set_import_key(WP, ImportedKind::Term, "category:balkans", 4).await.unwrap();
    store.set_import_key(WP, ImportedKind::Media, "attachment:201", 7).await.unwrap();
    assert_eq!(store.import_key(WP, ImportedKind::Article, "post:101").await.unwrap(), Some(15));
    assert_eq!(store.import_key(WP, ImportedKind::Term, "category:balkans").await.unwrap(), Some(4));
    assert_eq!(store.import_key(WP, ImportedKind::Media, "attachment:201").await.unwrap(), Some(7));
    assert_eq!(store.import_key(WP, ImportedKind::Media, "post:101").await.unwrap(), None, "kinds are apart");
    assert_eq!(
        store
            .import_key("ghost:https://danube-review.example", ImportedKind::Article, "post:101")
            .await
            .unwrap(),
        None,
        "sources are apart"
    );
    store.set_import_key(WP, ImportedKind::Article, "post:101", 16).await.unwrap();
    assert_eq!(store.import_key(WP, ImportedKind::Article, "post:101").await.unwrap(), Some(16), "replaced");
}

async fn comments_are_saved_once_per_source_key_with_their_replies(store: Store) {
    let a = author(&store, "Mara").await;
    let post =
        store.create_article(&article("ring-road", Some("2024-03-05T09:30:00Z"), vec![a], vec![])).await;
    let post = post.unwrap().id;
    let comment = NewComment {
        article_id: post,
        parent_id: None,
        author_name: "Jelena P.".into(),
        author_email: "jelena@mail.example".into(),
        author_url: "https://jelena.example".into(),
        body_html: "<p>Is the 2023 figure <em>before</em> VAT?</p>".into(),
        created_at: at("2024-03-05T11:01:00Z"),
        approved: true,
        source_key: Some(format!("{WP}:comment:11")),
    };
    let (first, saved) = store.upsert_comment(&comment).await.unwrap();
    assert_eq!(saved, Saved::Created);
    let reply = NewComment {
        parent_id: Some(first),
        author_name: "Mara".into(),
        body_html: "<p>Yes.</p>".into(),
        created_at: at("2024-03-05T12:15:00Z"),
        source_key: Some(format!("{WP}:comment:12")),
        ..comment.clone()
    };
    let (second, _) = store.upsert_comment(&reply).await.unwrap();
    assert_eq!(store.upsert_comment(&comment).await.unwrap(), (first, Saved::Unchanged));
    let edited = NewComment { body_html: "<p>Before VAT?</p>".into(), ..comment.clone() };
    assert_eq!(store.upsert_comment(&edited).await.unwrap(), (first, Saved::Updated));

    let comments = store.comments_of(post).await.unwrap();
    assert_eq!(comments.len(), 2, "a known key is never saved twice");
    assert_eq!((comments[0].id, comments[0].body_html.as_str()), (first, "<p>Before VAT?</p>"));
    assert_eq!((comments[1].id, comments[1].parent_id), (second, Some(first)));
    assert_eq!(comments[0].status, masthead_core::CommentStatus::Approved);
    assert_eq!(comments[0].created_at, at("2024-03-05T11:01:00Z"));
    assert_eq!(comments[0].source_key.as_deref(), Some("wordpress:https://danube-review.example:comment:11"));

    // Many at once, as an import's batch writes them: a key met twice is written twice in turn.
    let fresh = NewComment { source_key: Some(format!("{WP}:comment:21")), ..comment.clone() };
    let again = NewComment { body_html: "<p>Second.</p>".into(), ..fresh.clone() };
    let saved = store.upsert_comments(&[fresh, reply.clone(), again]).await.unwrap();
    assert_eq!(saved[0].1, Saved::Created);
    assert_eq!(saved[1], (second, Saved::Unchanged));
    assert_eq!(saved[2], (saved[0].0, Saved::Updated));
    assert_eq!(store.comment(saved[0].0).await.unwrap().body_html, "<p>Second.</p>");

    // Without a key, every save is a new comment.
    let unkeyed = NewComment { source_key: None, approved: false, ..comment.clone() };
    let (one, _) = store.upsert_comment(&unkeyed).await.unwrap();
    let (two, _) = store.upsert_comment(&unkeyed).await.unwrap();
    assert_ne!(one, two);
    assert_eq!(
        store.comments_of(post).await.unwrap().iter().find(|c| c.id == one).unwrap().status,
        masthead_core::CommentStatus::Held
    );

    // Comments go with their article, replies with their parent.
    let missing = NewComment { article_id: 4242, source_key: None, ..comment.clone() };
    assert!(store.upsert_comment(&missing).await.is_err(), "no comment on an article that does not exist");
    store.delete_article(post).await.unwrap();
    assert!(store.comments_of(post).await.unwrap().is_empty());
}
