//! Staff accounts and API tokens: who may add whom, and who chooses a password.

use masthead_core::{Role, Scope, User};
use masthead_newsroom::accounts::{self, SignIn};
use masthead_newsroom::error::Failure;
use masthead_newsroom::secrets::{hash_password, token_hash, verify_password};
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
    let token = |name: &str| tokens::NewToken { name: name.into(), scope: Scope::Write, days: 90 };
    let refused = tokens::create(&newsroom, Actor::Staff(&admin), &author, &token("a script")).await;
    assert!(matches!(refused, Err(Failure::Forbidden(_))), "{refused:?}");
    let nameless = tokens::create(&newsroom, Actor::Operator, &author, &token("  ")).await;
    assert_eq!(nameless.unwrap_err().field(), Some("name"));
    let forever = tokens::NewToken { days: 10_000, ..token("forever") };
    let forever = tokens::create(&newsroom, Actor::Operator, &author, &forever).await;
    assert_eq!(forever.unwrap_err().field(), Some("expires_days"));

    let secret = tokens::create(&newsroom, Actor::Operator, &author, &token("command line")).await.unwrap();
    let now = jiff::Timestamp::now();
    let holder = store.user_by_api_token(&token_hash(&secret), now).await.unwrap();
    assert_eq!(holder, Some(User { scope: Some(Scope::Write), ..author.clone() }));
    let in_91_days = now + jiff::SignedDuration::from_hours(24 * 91);
    assert_eq!(store.user_by_api_token(&token_hash(&secret), in_91_days).await.unwrap(), None, "expired");
    let log = store.audit_log(1).await.unwrap();
    assert_eq!(
        (log[0].user.as_deref(), log[0].subject.as_str()),
        (None, "command line (write, 90 days, for author@meridian.example)")
    );
    let listed = tokens::list(&newsroom, &author).await.unwrap();
    assert_eq!(listed.len(), 1);
    let theirs = tokens::revoke(&newsroom, &admin, listed[0].id).await;
    assert!(matches!(theirs, Err(Failure::NotFound(_))), "another's token is no token: {theirs:?}");
    tokens::revoke(&newsroom, &author, listed[0].id).await.unwrap();
    assert_eq!(store.user_by_api_token(&token_hash(&secret), now).await.unwrap(), None);
}

masthead_store::both_backends!(
    an_operator_at_the_server_adds_anyone_with_a_password,
    in_the_admin_nobody_chooses_a_colleagues_password,
    staff_make_tokens_for_themselves_and_operators_for_anyone,
    a_hundred_guesses_at_once_check_only_the_limit,
    sign_ins_beyond_the_places_for_argon2_are_told_to_come_back,
    the_owner_elsewhere_signs_in_while_a_guesser_is_throttled,
);

/// The attack on the running site: a hundred wrong passwords sent at once for one account, from
/// one address. Every attempt is counted before its password is checked, so five are checked
/// (and refused) and the rest are throttled unchecked.
async fn a_hundred_guesses_at_once_check_only_the_limit(store: Store) {
    let newsroom = newsroom(store.clone());
    let editor = person(&store, Role::Editor).await;
    let guesses: Vec<_> = (0..100)
        .map(|n| {
            let (newsroom, email) = (newsroom.clone(), editor.email.clone());
            tokio::spawn(async move {
                accounts::sign_in(&newsroom, &email, format!("guess {n}"), "203.0.113.9").await.unwrap()
            })
        })
        .collect();
    let (mut wrong, mut throttled) = (0, 0);
    for guess in guesses {
        match guess.await.unwrap() {
            SignIn::Refused => wrong += 1,
            SignIn::Throttled(_) => throttled += 1,
            other => panic!("a guess got in: {other:?}"),
        }
    }
    assert_eq!((wrong, throttled), (accounts::MAX_ATTEMPTS_PER_PAIR as usize, 95));
    assert_eq!(newsroom.passwords().started(), accounts::MAX_ATTEMPTS_PER_PAIR as u64, "passwords checked");
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let counted = store.attempts(&format!("account:{}", editor.email), since).await.unwrap().0;
    assert_eq!(counted, accounts::MAX_ATTEMPTS_PER_PAIR, "only the checked attempts are counted");
}

/// Throttling the guesser's address at an account must not lock the account's owner out.
async fn the_owner_elsewhere_signs_in_while_a_guesser_is_throttled(store: Store) {
    let newsroom = newsroom(store.clone());
    let owner = person(&store, Role::Owner).await;
    store.set_password_hash(owner.id, &hash_password(PASSWORD).unwrap()).await.unwrap();
    for n in 0..accounts::MAX_ATTEMPTS_PER_PAIR {
        let guess = accounts::sign_in(&newsroom, &owner.email, format!("guess {n}"), "203.0.113.9").await;
        assert!(matches!(guess, Ok(SignIn::Refused)), "{guess:?}");
    }
    let guesser = accounts::sign_in(&newsroom, &owner.email, PASSWORD.into(), "203.0.113.9").await.unwrap();
    let SignIn::Throttled(wait) = guesser else { panic!("the guesser goes on: {guesser:?}") };
    assert_eq!(wait.whom, "this account from your address");
    let elsewhere =
        accounts::sign_in(&newsroom, &owner.email, PASSWORD.into(), "198.51.100.7").await.unwrap();
    assert!(matches!(elsewhere, SignIn::SignedIn { .. }), "the owner is locked out: {elsewhere:?}");
    // Their success takes their own attempt back; the guesser's stay counted against the account.
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let counted = store.attempts(&format!("account:{}", owner.email), since).await.unwrap().0;
    assert_eq!(counted, accounts::MAX_ATTEMPTS_PER_PAIR);
}

/// The other attack: sign-ins at once beyond the few places for Argon2 (each check takes about
/// 19 MiB) wait a moment and are then told to come back, unchecked and uncounted, instead of
/// piling up hashes in memory.
async fn sign_ins_beyond_the_places_for_argon2_are_told_to_come_back(store: Store) {
    let newsroom = newsroom(store.clone());
    let editor = person(&store, Role::Editor).await;
    store.set_password_hash(editor.id, &hash_password(PASSWORD).unwrap()).await.unwrap();
    let places: Vec<_> = std::iter::from_fn(|| newsroom.passwords().take_place()).collect();
    assert!(places.len() >= masthead_newsroom::passwords::MIN_AT_ONCE, "{} places", places.len());
    let busy = accounts::sign_in(&newsroom, &editor.email, PASSWORD.into(), "198.51.100.7").await.unwrap();
    assert!(matches!(busy, SignIn::Busy), "{busy:?}");
    assert_eq!(newsroom.passwords().started(), 0, "nothing was checked");
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let counted = store.attempts(&format!("account:{}", editor.email), since).await.unwrap().0;
    assert_eq!(counted, 0, "nor counted against anyone");
    drop(places);
    let again = accounts::sign_in(&newsroom, &editor.email, PASSWORD.into(), "198.51.100.7").await.unwrap();
    assert!(matches!(again, SignIn::SignedIn { .. }), "{again:?}");
}
