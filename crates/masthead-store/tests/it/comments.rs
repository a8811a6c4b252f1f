//! Comments written by members and moderated by the newsroom; related articles chosen at save.

use masthead_core::{ArticleStatus, CommentStatus, MemberStatus, Role, TermKind};
use masthead_store::{
    Moderation, NewMemberComment, NewUser, QueueLimits, RELATED_COUNT, Store, Surroundings, both_backends,
};

use crate::members::member;
use crate::{article, at, author, term};

both_backends!(
    members_comments_are_shown_counted_edited_and_deleted,
    the_queue_moderates_in_bulk_and_bans,
    comment_notices_go_to_those_who_asked,
    related_articles_share_terms_and_headline_words,
    a_word_in_many_headlines_relates_nothing,
    an_article_pages_surroundings_in_one_read_are_what_each_read_gives,
);

fn comment(
    article_id: i64,
    member_id: i64,
    text: &str,
    status: CommentStatus,
    when: &str,
) -> NewMemberComment {
    NewMemberComment {
        article_id,
        parent_id: None,
        member_id,
        author_name: "Jelena".into(),
        body_html: format!("<p>{text}</p>"),
        body_source: text.into(),
        status,
        held_for: if status == CommentStatus::Held { "first comment".into() } else { String::new() },
        notify_replies: false,
        created_at: at(when),
    }
}

async fn members_comments_are_shown_counted_edited_and_deleted(store: Store) {
    let a = author(&store, "Mara").await;
    let post = store
        .create_article(&article("ring-road", Some("2026-03-05T09:30:00Z"), vec![a], vec![]))
        .await
        .unwrap();
    let jelena =
        store.create_member(&member("jelena@mail.example", MemberStatus::Active, vec![], &[])).await.unwrap();
    let mut changes = store.changes();

    let first = store
        .add_comment(&comment(post.id, jelena.id, "Held first", CommentStatus::Held, "2026-03-05T10:00:00Z"))
        .await
        .unwrap();
    assert!(changes.try_recv().is_err(), "a held comment changes no page");
    assert!(store.shown_comments(post.id).await.unwrap().is_empty(), "held comments are not shown");
    let record = store.commenter_record(jelena.id, at("2026-03-05T09:00:00Z")).await.unwrap();
    assert_eq!((record.approved, record.recent, record.banned), (0, 1, false));

    let shown = store
        .add_comment(&comment(post.id, jelena.id, "Shown", CommentStatus::Approved, "2026-03-05T10:05:00Z"))
        .await
        .unwrap();
    assert_eq!(changes.try_recv().unwrap().as_slice(), ["article:".to_owned() + &post.id.to_string()]);
    let mut reply = comment(post.id, jelena.id, "A reply", CommentStatus::Approved, "2026-03-05T10:06:00Z");
    reply.parent_id = Some(shown.id);
    let reply = store.add_comment(&reply).await.unwrap();
    let ids: Vec<i64> = store.shown_comments(post.id).await.unwrap().iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![shown.id, reply.id], "oldest first, replies naming their parent");
    assert_eq!(store.commenter_record(jelena.id, at("2026-03-05T10:04:00Z")).await.unwrap().recent, 2);

    // Lists count what is shown.
    let listing = store.published(masthead_store::Page::first(10)).await.unwrap();
    assert_eq!(listing.items[0].comments, 2);

    let edited = store
        .edit_comment(
            shown.id,
            "<p>Edited</p>",
            "Edited",
            CommentStatus::Approved,
            "",
            at("2026-03-05T10:08:00Z"),
        )
        .await
        .unwrap();
    assert_eq!((edited.body_source.as_str(), edited.edited_at), ("Edited", Some(at("2026-03-05T10:08:00Z"))));

    // Deleting a comment others answered leaves a placeholder without its words or name.
    store.delete_comment(shown.id).await.unwrap();
    let placeholder = store.comment(shown.id).await.unwrap();
    assert_eq!(placeholder.status, CommentStatus::Deleted);
    assert!(placeholder.body_html.is_empty() && placeholder.author_name.is_empty());
    assert_eq!(store.shown_comments(post.id).await.unwrap().len(), 2);
    assert_eq!(store.published(masthead_store::Page::first(10)).await.unwrap().items[0].comments, 1);
    // One nobody answered goes altogether.
    store.delete_comment(first.id).await.unwrap();
    assert!(store.comment(first.id).await.is_err());

    // The member's own list, newest first, with the article.
    let own = store.member_comments(jelena.id, 10).await.unwrap();
    assert_eq!(own.iter().map(|q| q.comment.id).collect::<Vec<_>>(), vec![reply.id]);
    assert_eq!(own[0].article_slug, "ring-road");

    // A member who deletes their account takes their comments with them.
    store.delete_member(jelena.id).await.unwrap();
    assert!(store.comments_of(post.id).await.unwrap().is_empty());
}

async fn the_queue_moderates_in_bulk_and_bans(store: Store) {
    let a = author(&store, "Mara").await;
    let post = store
        .create_article(&article("bridge", Some("2026-03-05T09:30:00Z"), vec![a], vec![]))
        .await
        .unwrap();
    let spammer =
        store.create_member(&member("spam@mail.example", MemberStatus::Active, vec![], &[])).await.unwrap();
    let reader =
        store.create_member(&member("reader@mail.example", MemberStatus::Active, vec![], &[])).await.unwrap();
    let mut held = Vec::new();
    for (i, who) in [spammer.id, reader.id, spammer.id, reader.id].into_iter().enumerate() {
        let c =
            comment(post.id, who, &format!("c{i}"), CommentStatus::Held, &format!("2026-03-05T10:0{i}:00Z"));
        held.push(store.add_comment(&c).await.unwrap().id);
    }
    let page = store.comment_queue(CommentStatus::Held, None, 3).await.unwrap();
    assert_eq!(page.iter().map(|q| q.comment.id).collect::<Vec<_>>(), vec![held[3], held[2], held[1]]);
    assert_eq!(page[0].article_title, "Title of bridge");
    let last = &page[2].comment;
    let rest = store.comment_queue(CommentStatus::Held, Some((last.created_at, last.id)), 3).await.unwrap();
    assert_eq!(rest.iter().map(|q| q.comment.id).collect::<Vec<_>>(), vec![held[0]], "the next page");

    let mut changes = store.changes();
    let before = store
        .moderate_comments(&[held[1], held[3]], Moderation::Approve, at("2026-03-06T00:00:00Z"))
        .await
        .unwrap();
    assert!(before.iter().all(|c| c.status == CommentStatus::Held), "returned as they were");
    assert_eq!(
        changes.try_recv().unwrap().as_slice(),
        [format!("article:{}", post.id)],
        "one purge for the article"
    );
    assert_eq!(store.shown_comments(post.id).await.unwrap().len(), 2);

    store.moderate_comments(&[held[0]], Moderation::Ban, at("2026-03-06T00:00:00Z")).await.unwrap();
    assert!(store.commenter_record(spammer.id, at("2026-03-01T00:00:00Z")).await.unwrap().banned);
    assert!(!store.commenter_record(reader.id, at("2026-03-01T00:00:00Z")).await.unwrap().banned);
    assert_eq!(store.comment(held[0]).await.unwrap().status, CommentStatus::Spam);
    store
        .moderate_comments(&[held[0], held[2]], Moderation::Delete, at("2026-03-06T00:00:00Z"))
        .await
        .unwrap();
    assert!(store.comment(held[2]).await.is_err());
    let counts = store.comment_counts().await.unwrap();
    assert!(
        counts.contains(&(CommentStatus::Approved, 2)) && counts.contains(&(CommentStatus::Held, 0)),
        "{counts:?}"
    );

    assert!(!store.comments_closed(post.id).await.unwrap());
    store.set_comments_closed(post.id, true).await.unwrap();
    store.set_comments_closed(post.id, true).await.unwrap();
    assert!(store.comments_closed(post.id).await.unwrap());
    store.set_comments_closed(post.id, false).await.unwrap();
    assert!(!store.comments_closed(post.id).await.unwrap());
}

async fn comment_notices_go_to_those_who_asked(store: Store) {
    let mara = author(&store, "Mara").await;
    let guest = author(&store, "Guest").await;
    store
        .create_user(&NewUser {
            email: "mara@meridian.example".into(),
            name: "Mara".into(),
            role: Role::Author,
            password_hash: "x".into(),
            author_id: Some(mara),
        })
        .await
        .unwrap();
    let post = store
        .create_article(&article("tolls", Some("2026-03-05T09:30:00Z"), vec![mara, guest], vec![]))
        .await
        .unwrap();
    let asks =
        store.create_member(&member("asks@mail.example", MemberStatus::Active, vec![], &[])).await.unwrap();
    let mut wants = comment(post.id, asks.id, "Tell me", CommentStatus::Approved, "2026-03-05T10:00:00Z");
    wants.notify_replies = true;
    let wants = store.add_comment(&wants).await.unwrap();
    let quiet = store
        .add_comment(&comment(post.id, asks.id, "Quiet", CommentStatus::Approved, "2026-03-05T10:01:00Z"))
        .await
        .unwrap();
    let (parent, authors) = store.comment_recipients(post.id, Some(wants.id)).await.unwrap();
    assert_eq!(parent.as_deref(), Some("asks@mail.example"));
    assert_eq!(authors, vec!["mara@meridian.example".to_owned()], "bylines without an account get nothing");
    assert_eq!(store.comment_recipients(post.id, Some(quiet.id)).await.unwrap().0, None);
    assert_eq!(store.comment_recipients(post.id, None).await.unwrap().0, None);
}

async fn related_articles_share_terms_and_headline_words(store: Store) {
    let a = author(&store, "Mara").await;
    let danube = term(&store, TermKind::Region, "Danube", None).await;
    let freight = term(&store, TermKind::Tag, "Freight", None).await;
    let titled = |slug: &str, title: &str, terms: Vec<i64>, when: Option<&str>| {
        let mut new = article(slug, when, vec![a], terms);
        new.title = title.into();
        new
    };
    let same_tag = store
        .create_article(&titled(
            "barges",
            "Barges carry less grain",
            vec![freight],
            Some("2026-01-01T00:00:00Z"),
        ))
        .await
        .unwrap();
    let same_words = store
        .create_article(&titled(
            "locks",
            "Hydropower dams and shipping locks",
            vec![],
            Some("2026-01-02T00:00:00Z"),
        ))
        .await
        .unwrap();
    let same_region = store
        .create_article(&titled("ports", "New ports open", vec![danube], Some("2026-01-03T00:00:00Z")))
        .await
        .unwrap();
    let draft = store
        .create_article(&titled("draft", "Hydropower shipping draft", vec![freight], None))
        .await
        .unwrap();
    let unrelated = store
        .create_article(&titled("budget", "Budget vote delayed", vec![], Some("2026-01-04T00:00:00Z")))
        .await
        .unwrap();

    let post = store
        .create_article(&titled(
            "river",
            "Hydropower and shipping on one river",
            vec![danube, freight],
            Some("2026-02-01T00:00:00Z"),
        ))
        .await
        .unwrap();
    let related: Vec<i64> = store.related(post.id).await.unwrap().iter().map(|s| s.id).collect();
    assert_eq!(
        related,
        vec![same_words.id, same_tag.id, same_region.id],
        "drafts and the unrelated left out"
    );
    assert!(!related.contains(&draft.id) && !related.contains(&unrelated.id));
    assert!(related.len() <= RELATED_COUNT);

    // Chosen at save: unpublishing one leaves it out of what is shown at once.
    store.set_status(same_tag.id, ArticleStatus::Unpublished, None, None).await.unwrap();
    let related: Vec<i64> = store.related(post.id).await.unwrap().iter().map(|s| s.id).collect();
    assert_eq!(related, vec![same_words.id, same_region.id]);
}

async fn a_word_in_many_headlines_relates_nothing(store: Store) {
    let a = author(&store, "Mara").await;
    let titled = |slug: String, title: String, dek: &str| {
        let mut new = article(&slug, Some("2026-01-01T00:00:00Z"), vec![a], vec![]);
        new.title = title;
        new.dek = dek.into();
        new
    };
    let ferries = store
        .create_article(&titled("ferries".into(), "Ferries to Zanzibar".into(), "Timetables change."))
        .await
        .unwrap();
    // A word in more headlines than RARE_WORD_ARTICLES says nothing about any of them.
    let reports: Vec<_> =
        (0..210).map(|i| titled(format!("weather-{i}"), format!("Weather report {i}"), "")).collect();
    let ids = store.create_articles(&reports).await.unwrap();
    assert_eq!(store.related(ids[0]).await.unwrap(), vec![], "\"weather\" is in 210 headlines");

    let post = store
        .create_article(&titled("storm".into(), "Weather: a storm over Zanzibar".into(), "Report."))
        .await
        .unwrap();
    let related: Vec<i64> = store.related(post.id).await.unwrap().iter().map(|s| s.id).collect();
    assert_eq!(related, vec![ferries.id], "only the rare word relates, not \"weather\" or \"report\"");
}

/// The one statement an article page reads around its article gives what the four reads it
/// replaces give: related articles, shown comments (answers and the wish to hear of them
/// kept), whether the newsroom closed them, and Webmentions.
async fn an_article_pages_surroundings_in_one_read_are_what_each_read_gives(store: Store) {
    let a = author(&store, "Mara").await;
    let tag = term(&store, TermKind::Tag, "Bridges", None).await;
    let older = store
        .create_article(&article("bridge-tolls", Some("2026-03-04T09:30:00Z"), vec![a], vec![tag]))
        .await
        .unwrap();
    let post = store
        .create_article(&article("bridge-opens", Some("2026-03-05T09:30:00Z"), vec![a], vec![tag]))
        .await
        .unwrap();
    let empty = store.article_surroundings(post.id).await.unwrap();
    assert!(empty.comments.is_empty() && empty.mentions.is_empty() && !empty.comments_closed);
    let jelena =
        store.create_member(&member("jelena@mail.example", MemberStatus::Active, vec![], &[])).await.unwrap();
    let mut asked = comment(post.id, jelena.id, "Tell me", CommentStatus::Approved, "2026-03-05T10:00:00Z");
    asked.notify_replies = true;
    let first = store.add_comment(&asked).await.unwrap();
    let mut answer =
        comment(post.id, jelena.id, "An answer", CommentStatus::Approved, "2026-03-05T10:05:00Z");
    answer.parent_id = Some(first.id);
    let answered = store.add_comment(&answer).await.unwrap();
    store
        .add_comment(&comment(post.id, jelena.id, "Held", CommentStatus::Held, "2026-03-05T10:06:00Z"))
        .await
        .unwrap();
    // Saved last, written first (an import): shown first, as its time says.
    let earliest = store
        .add_comment(&comment(
            post.id,
            jelena.id,
            "Imported",
            CommentStatus::Approved,
            "2026-03-05T09:45:00Z",
        ))
        .await
        .unwrap();
    store.set_comments_closed(post.id, true).await.unwrap();
    let limits = QueueLimits { pending: 100, pending_per_article: 10 };
    for (source, received) in [
        ("https://copy.example/a", "2026-03-06T08:00:00Z"),
        ("https://copy.example/b", "2026-03-06T07:00:00Z"),
    ] {
        store
            .queue_webmention(
                post.id,
                source,
                "https://us.example/article/bridge-opens",
                at(received),
                limits,
            )
            .await
            .unwrap();
    }

    store
        .add_reaction(
            post.id,
            "https://s.example/u/1",
            "like",
            "https://s.example/l/1",
            at("2026-03-06T09:00:00Z"),
        )
        .await
        .unwrap();
    store
        .add_reaction(
            post.id,
            "https://s.example/u/2",
            "like",
            "https://s.example/l/2",
            at("2026-03-06T09:00:00Z"),
        )
        .await
        .unwrap();
    store
        .add_reaction(
            post.id,
            "https://s.example/u/2",
            "announce",
            "https://s.example/b/2",
            at("2026-03-06T09:00:00Z"),
        )
        .await
        .unwrap();

    let around = store.article_surroundings(post.id).await.unwrap();
    let (likes, boosts) = store.reaction_counts(post.id).await.unwrap();
    let each = Surroundings {
        related: store.related(post.id).await.unwrap(),
        comments: store.shown_comments(post.id).await.unwrap(),
        comments_closed: store.comments_closed(post.id).await.unwrap(),
        mentions: store.webmentions(post.id).await.unwrap(),
        likes,
        boosts,
    };
    assert_eq!((around.likes, around.boosts), (2, 1));
    assert_eq!(around, each);
    // The page's one statement: the article as read alone, and the same surroundings.
    let (article, with_it) = store.article_page(&post.slug).await.unwrap();
    assert_eq!(article, store.article_by_slug(&post.slug).await.unwrap());
    assert_eq!(with_it, each);
    // The export's batches read the same rows as the page does.
    let batch = store.published_pages(None, 100).await.unwrap();
    let (in_batch, around_in_batch) =
        batch.iter().find(|(a, _)| a.id == post.id).expect("the post is published");
    assert_eq!((in_batch, around_in_batch), (&article, &each));
    assert_eq!(around.related.iter().map(|r| r.id).collect::<Vec<_>>(), [older.id]);
    let shown: Vec<i64> = around.comments.iter().map(|c| c.id).collect();
    assert_eq!(shown, [earliest.id, first.id, answered.id], "oldest first; the held one is not shown");
    assert!(around.comments[1].notify_replies);
    assert!(around.comments_closed);
    let sources: Vec<&str> = around.mentions.iter().map(|m| m.source.as_str()).collect();
    assert_eq!(sources, ["https://copy.example/a", "https://copy.example/b"], "newest first");
}
