//! Staff accounts and API tokens: who may add whom, and who chooses a password.

use masthead_core::Role;
use masthead_newsroom::error::Failure;
use masthead_newsroom::secrets::{token_hash, verify_password};
use masthead_newsroom::staff::{self, Actor, FirstPassword, NewColleague};
use masthead_newsroom::tokens;
use masthead_store::Store;

use crate::{newsroom, person};

const PASSWORD: &str = "a long enough passphrase";

fn colleague(email: &str, role: Role) -> NewColleague {
    NewColleague { email: email.into(), name: "Mira Kovač".into(), role, author_id: None }
}

async fn an_operator_at_the_server_adds_anyone_with_a_password(store: Store) {
    let newsroom = newsroom(store.clone());
    let chosen = FirstPassword::Chosen(PASSWORD.into());
    let added =
        staff::add(&newsroom, Actor::Operator, colleague(" Boss@Meridian.example", Role::Owner), chosen)
            .await
            .unwrap();
    assert_eq!((added.user.email.as_str(), added.user.role), ("boss@meridian.example", Role::Owner));
    assert!(added.invitation.is_none());
    let (_, hash) = store.user_credentials("boss@meridian.example").await.unwrap().unwrap();
    assert!(verify_password(PASSWORD, &hash));
    let log = store.audit_log(1).await.unwrap();
    assert_eq!((log[0].user.as_deref(), log[0].action.as_str()), (None, "staff added"), "nobody signed in");

    let short = FirstPassword::Chosen("short".into());
    let refused =
        staff::add(&newsroom, Actor::Operator, colleague("bo@meridian.example", Role::Editor), short).await;
    assert_eq!(refused.unwrap_err().field(), Some("password"));
    let again = FirstPassword::Chosen(PASSWORD.into());
    let taken =
        staff::add(&newsroom, Actor::Operator, colleague("boss@meridian.example", Role::Editor), again).await;
    assert!(matches!(taken, Err(Failure::Taken { field: "email", .. })), "{taken:?}");
}

async fn in_the_admin_nobody_chooses_a_colleagues_password(store: Store) {
    let newsroom = newsroom(store.clone());
    let admin = person(&store, Role::Administrator).await;
    let chosen = FirstPassword::Chosen(PASSWORD.into());
    let refused =
        staff::add(&newsroom, Actor::Staff(&admin), colleague("mira@meridian.example", Role::Author), chosen)
            .await;
    assert!(matches!(refused, Err(Failure::Forbidden(_))), "{refused:?}");
    assert!(store.user_credentials("mira@meridian.example").await.unwrap().is_none());
    let owner = staff::add(
        &newsroom,
        Actor::Staff(&admin),
        colleague("boss@meridian.example", Role::Owner),
        FirstPassword::Invite,
    )
    .await;
    assert_eq!(owner.unwrap_err().to_string(), "Only the owner makes or changes an owner.");
    let editor = person(&store, Role::Editor).await;
    let refused = staff::account(&newsroom, Actor::Staff(&editor), "administrator@meridian.example").await;
    assert!(matches!(refused, Err(Failure::Forbidden(_))), "{refused:?}");
}

async fn staff_make_tokens_for_themselves_and_operators_for_anyone(store: Store) {
    let newsroom = newsroom(store.clone());
    let author = person(&store, Role::Author).await;
    let admin = person(&store, Role::Administrator).await;
    let refused = tokens::create(&newsroom, Actor::Staff(&admin), &author, "a script").await;
    assert!(matches!(refused, Err(Failure::Forbidden(_))), "{refused:?}");
    let nameless = tokens::create(&newsroom, Actor::Operator, &author, "  ").await;
    assert_eq!(nameless.unwrap_err().field(), Some("name"));

    let secret = tokens::create(&newsroom, Actor::Operator, &author, "command line").await.unwrap();
    assert_eq!(store.user_by_api_token(&token_hash(&secret)).await.unwrap(), Some(author.clone()));
    let log = store.audit_log(1).await.unwrap();
    assert_eq!(
        (log[0].user.as_deref(), log[0].subject.as_str()),
        (None, "command line (for author@meridian.example)")
    );
    let listed = tokens::list(&newsroom, &author).await.unwrap();
    assert_eq!(listed.len(), 1);
    let theirs = tokens::revoke(&newsroom, &admin, listed[0].id).await;
    assert!(matches!(theirs, Err(Failure::NotFound(_))), "another's token is no token: {theirs:?}");
    tokens::revoke(&newsroom, &author, listed[0].id).await.unwrap();
    assert_eq!(store.user_by_api_token(&token_hash(&secret)).await.unwrap(), None);
}

masthead_store::both_backends!(
    an_operator_at_the_server_adds_anyone_with_a_password,
    in_the_admin_nobody_chooses_a_colleagues_password,
    staff_make_tokens_for_themselves_and_operators_for_anyone,
);
