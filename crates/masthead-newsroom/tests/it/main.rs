//! The use cases and jobs on real databases: most tests run on a fresh SQLite file and on a
//! fresh PostgreSQL schema (`masthead_store::both_backends!`), for the rules that live only
//! here; the jobs also talk to servers on loopback.

use masthead_core::{Role, User};
use masthead_newsroom::context::Newsroom;
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::outbound::Outbound;
use masthead_store::{NewUser, Store};

mod accounts;
mod bounces;
mod jobs;
mod mail;
mod members;
mod sends;
mod settings;

/// The newsroom's tools over `store`, with mail to the log and no media written.
pub(crate) fn newsroom(store: Store) -> Newsroom {
    let outbound = Outbound::new(false).expect("an HTTP client");
    Newsroom::new(store, std::env::temp_dir().join("masthead-newsroom-tests"), outbound, Mailer::log_only())
}

/// A staff member with `role`, signed in nowhere, with no password.
pub(crate) async fn person(store: &Store, role: Role) -> User {
    store
        .create_user(&NewUser {
            email: format!("{}@meridian.example", role.key()),
            name: format!("The {role}"),
            role,
            password_hash: "!".into(),
            author_id: None,
        })
        .await
        .expect("a staff account")
}
