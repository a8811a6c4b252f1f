//! The editor's autosaved drafts: a slot per article and writer, apart from the article.

use masthead_core::Role;
use masthead_store::{NewUser, Store, both_backends};

use crate::{article, at, author};

both_backends!(a_writer_s_draft_is_kept_apart_replaced_and_discarded);

async fn a_writer_s_draft_is_kept_apart_replaced_and_discarded(store: Store) {
    let mara = author(&store, "Mara").await;
    let post = store.create_article(&article("tolls", None, vec![mara], vec![])).await.unwrap();
    let mut users = Vec::new();
    for email in ["mara@meridian.example", "ed@meridian.example"] {
        let user = store
            .create_user(&NewUser {
                email: email.into(),
                name: email.into(),
                role: Role::Author,
                password_hash: "x".into(),
                author_id: None,
            })
            .await
            .unwrap();
        users.push(user.id);
    }
    let (mara_user, editor) = (users[0], users[1]);
    assert_eq!(store.draft(post.id, mara_user).await.unwrap(), None);

    store
        .save_draft(post.id, mara_user, 1, r#"{"body":"<p>one</p>"}"#, at("2026-12-01T10:00:00Z"))
        .await
        .unwrap();
    store
        .save_draft(post.id, mara_user, 1, r#"{"body":"<p>two</p>"}"#, at("2026-12-01T10:00:05Z"))
        .await
        .unwrap();
    store
        .save_draft(post.id, editor, 1, r#"{"body":"<p>theirs</p>"}"#, at("2026-12-01T10:01:00Z"))
        .await
        .unwrap();
    let kept = store.draft(post.id, mara_user).await.unwrap().expect("kept");
    assert_eq!(kept.fields, r#"{"body":"<p>two</p>"}"#, "the newest autosave replaces the one before");
    assert_eq!(kept.saved_at, at("2026-12-01T10:00:05Z"));
    assert_eq!(store.draft(post.id, editor).await.unwrap().unwrap().fields, r#"{"body":"<p>theirs</p>"}"#);
    // The article itself is untouched.
    assert_eq!(store.article(post.id).await.unwrap().body.source, post.body.source);

    store.discard_draft(post.id, mara_user).await.unwrap();
    assert_eq!(store.draft(post.id, mara_user).await.unwrap(), None);
    assert!(store.draft(post.id, editor).await.unwrap().is_some(), "another writer's draft stays");
}
