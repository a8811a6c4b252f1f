//! Staff accounts: the limits that protect sign-in and password resets from guessing, and
//! password reset links (by the form, by an administrator, by `masthead user reset-password`).

use jiff::{SignedDuration, Timestamp};
use masthead_core::{Site, User};
use masthead_store::Store;

use crate::mail::{Delivery, MailError, Mailer};
use crate::secrets::{new_token, token_hash};

/// Failed sign-ins allowed per account, and per address, within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

/// How long a reset link works.
pub const RESET_LINK_HOURS: i64 = 1;
/// The shortest password accepted for a staff account.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Creates a reset link for `user` and mails it (or logs it); returns the link and what
/// happened to the message. Used by the form and by `masthead user reset-password`.
pub async fn send_password_reset(
    store: &Store,
    mailer: &Mailer,
    site: &Site,
    user: &User,
) -> std::result::Result<(String, Delivery), SendResetError> {
    let token = new_token();
    let expires = Timestamp::now() + SignedDuration::from_hours(RESET_LINK_HOURS);
    store.create_password_reset(user.id, &token_hash(&token), expires).await?;
    let link = site.url(&format!("/admin/reset?token={token}"));
    let body = format!(
        "Someone, probably you, asked to reset the password of your {} account ({}).\n\n\
         Choose a new password here within {RESET_LINK_HOURS} hour; the link works once:\n\n{link}\n\n\
         If you did not ask, ignore this message: your password stays as it is.\n",
        site.title, user.email
    );
    let delivery =
        mailer.send(&user.email, &format!("Reset your password for {}", site.title), &body).await?;
    store.audit(Some(user.id), "password reset requested", &user.email).await?;
    Ok((link, delivery))
}

#[derive(Debug, thiserror::Error)]
pub enum SendResetError {
    #[error(transparent)]
    Store(#[from] masthead_store::StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
}
