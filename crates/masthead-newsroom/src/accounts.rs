//! Signing in and out, and passwords: the limits that protect sign-in and reset links from
//! guessing, reset links (by the form, for a new colleague, by `masthead user reset-password`),
//! and choosing a new password with one.
//!
//! Nobody is signed in yet when these run, so they take no acting user: what they trust is the
//! password, or the reset link. Their answers reveal no accounts: a wrong address and a wrong
//! password are refused alike, and in the same time (an unknown address is checked against a
//! dummy hash). Argon2 is slow and memory-hungry on purpose, so it runs on a blocking thread, a
//! few at a time (`passwords`).

use std::fmt;
use std::sync::LazyLock;

use jiff::{SignedDuration, Timestamp};
use masthead_core::User;
use masthead_core::account::normalize_email;
use masthead_store::{Attempt, AttemptLimit};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::mail::{Delivery, MailError};
use crate::secrets::{hash_password, new_token, token_hash, verify_password_in};

/// Sign-in attempts allowed for one account from one address within [`THROTTLE_WINDOW_MINUTES`]:
/// the limit a guesser meets first, and the only one that the owner, elsewhere, does not share.
pub const MAX_ATTEMPTS_PER_PAIR: i64 = 5;
/// Sign-in attempts allowed from one address, at any accounts, within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_ATTEMPTS_PER_ADDRESS: i64 = 20;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Sign-in attempts allowed for one account from all addresses together within
/// [`ACCOUNT_WINDOW_MINUTES`]: slow enough for guessing from many addresses to get nowhere,
/// high enough that a guesser's few tries do not lock the owner out.
pub const MAX_ATTEMPTS_PER_ACCOUNT: i64 = 50;
pub const ACCOUNT_WINDOW_MINUTES: i64 = 60;
/// Reset links asked for per account, and per address, within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_RESET_REQUESTS_PER_ACCOUNT: i64 = 3;
pub const MAX_RESET_REQUESTS_PER_ADDRESS: i64 = 10;

/// How long a session lasts.
pub const SESSION_DAYS: i64 = 14;
/// How long a reset link works.
pub const RESET_LINK_HOURS: i64 = 1;
/// The shortest password accepted for a staff account.
pub const MIN_PASSWORD_LEN: usize = 12;

/// A hash to verify against when the account does not exist, so that a wrong address takes as
/// long to refuse as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("not a real password").unwrap_or_default());

/// The sign-in limits' keys: one per account from one address, one per address, one per
/// account. (A normalised address has no spaces, so the pair's key is unambiguous.)
fn pair_key(email: &str, address: &str) -> String {
    format!("pair:{email} {address}")
}

fn address_key(address: &str) -> String {
    format!("ip:{address}")
}

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

/// How a sign-in went.
pub enum SignIn {
    /// Signed in: `session` is the token to hand back as a cookie; it lasts [`SESSION_DAYS`].
    SignedIn { user: User, session: String },
    /// Wrong e-mail address or password: one answer for both.
    Refused,
    /// Too many attempts lately: nothing was checked.
    Throttled(Wait),
    /// Too many sign-ins at this moment for the server to check another password soon
    /// ([`crate::passwords`]): nothing was checked or counted; try again in a few seconds.
    Busy,
}

impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignIn::SignedIn { user, .. } => write!(f, "SignedIn({})", user.email),
            SignIn::Refused => f.write_str("Refused"),
            SignIn::Throttled(wait) => write!(f, "Throttled({wait:?})"),
            SignIn::Busy => f.write_str("Busy"),
        }
    }
}

/// Whose attempts stopped a sign-in, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// "this account from your address", "your address" or "this account".
    pub whom: &'static str,
    /// At least 1.
    pub minutes: i64,
}

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.minutes == 1 { "" } else { "s" };
        write!(f, "Too many sign-ins for {}. Try again in {} minute{plural}.", self.whom, self.minutes)
    }
}

/// Someone signs in with `email` and `password` from `address` (the client's IP address, or
/// "unknown").
///
/// The attempt is counted before the password is checked, in one step that refuses it past a
/// limit ([`Store::record_attempt`]), so that guesses sent at once cannot all read the same
/// count and all be checked. A successful sign-in takes its attempt back and forgets its
/// address's earlier attempts at the account; the others stay.
///
/// [`Store::record_attempt`]: masthead_store::Store::record_attempt
pub async fn sign_in(newsroom: &Newsroom, email: &str, password: String, address: &str) -> Outcome<SignIn> {
    let store = newsroom.store();
    let email =
        normalize_email(email).ok_or_else(|| Failure::invalid("email", "Enter an e-mail address."))?;
    let now = Timestamp::now();
    let (pair_key, address_key, account_key) =
        (pair_key(&email, address), address_key(address), account_key(&email));
    let window = SignedDuration::from_mins(THROTTLE_WINDOW_MINUTES);
    let limits = [
        AttemptLimit { key: &pair_key, max: MAX_ATTEMPTS_PER_PAIR, window },
        AttemptLimit { key: &address_key, max: MAX_ATTEMPTS_PER_ADDRESS, window },
        AttemptLimit {
            key: &account_key,
            max: MAX_ATTEMPTS_PER_ACCOUNT,
            window: SignedDuration::from_mins(ACCOUNT_WINDOW_MINUTES),
        },
    ];
    let attempt = match store.record_attempt(&limits, now).await? {
        Attempt::Counted { ids } => ids,
        Attempt::Refused { limit, free_at } => {
            let whom = ["this account from your address", "your address", "this account"][limit];
            let minutes = (free_at.duration_since(now).as_secs() + 59) / 60;
            return Ok(SignIn::Throttled(Wait { whom, minutes: minutes.max(1) }));
        }
    };
    let credentials = store.user_credentials(&email).await?;
    let hash = credentials.as_ref().map(|(_, h)| h.clone());
    let check =
        move |memory: &mut _| verify_password_in(&password, hash.as_deref().unwrap_or(&DUMMY_HASH), memory);
    let Some(verified) = newsroom.passwords().check(check).await else {
        // Nothing was checked: the attempt does not count against anyone.
        store.forget_attempts(&attempt).await?;
        return Ok(SignIn::Busy);
    };
    let user = match (credentials, verified) {
        (Some((user, _)), true) => user,
        _ => return Ok(SignIn::Refused),
    };
    store.forget_attempts(&attempt).await?;
    store.clear_attempts(&pair_key).await?;
    let session = new_token();
    let expires = now + SignedDuration::from_hours(24 * SESSION_DAYS);
    store.create_session(user.id, &token_hash(&session), &new_token(), expires).await?;
    store.audit(Some(user.id), "sign-in", &user.email).await?;
    Ok(SignIn::SignedIn { user, session })
}

/// Ends the session whose token is `session`.
pub async fn sign_out(newsroom: &Newsroom, session: &str) -> Outcome<()> {
    newsroom.store().delete_session(&token_hash(session)).await?;
    Ok(())
}

/// What became of a request for a reset link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetRequest {
    /// Done, if the account exists: the answer is the same either way. `to_the_log` when no
    /// mail server is configured (the link, if any, is in the server's log).
    Accepted { to_the_log: bool },
    /// Too many links asked for this account or from this address lately.
    Throttled,
    /// The account exists and its message could not be sent.
    NotSent,
}

/// Someone at `address` asks for a link to choose a new password for `email`.
pub async fn request_password_reset(
    newsroom: &Newsroom,
    email: &str,
    address: &str,
) -> Outcome<ResetRequest> {
    let store = newsroom.store();
    let email =
        normalize_email(email).ok_or_else(|| Failure::invalid("email", "Enter an e-mail address."))?;
    let window = SignedDuration::from_mins(THROTTLE_WINDOW_MINUTES);
    let (account_key, address_key) = (format!("reset:{email}"), format!("reset-ip:{address}"));
    let limits = [
        AttemptLimit { key: &account_key, max: MAX_RESET_REQUESTS_PER_ACCOUNT, window },
        AttemptLimit { key: &address_key, max: MAX_RESET_REQUESTS_PER_ADDRESS, window },
    ];
    if let Attempt::Refused { .. } = store.record_attempt(&limits, Timestamp::now()).await? {
        return Ok(ResetRequest::Throttled);
    }
    let mut logged = false;
    if let Some((user, _)) = store.user_credentials(&email).await? {
        match send_password_reset(newsroom, &user).await {
            Ok((_, delivery)) => logged = delivery == Delivery::Logged,
            Err(e) => {
                tracing::error!(error = %e, "could not send a password reset link");
                return Ok(ResetRequest::NotSent);
            }
        }
    }
    // Only a missing mail server is said, and it is said whether or not the account exists.
    Ok(ResetRequest::Accepted { to_the_log: logged || !newsroom.mailer().is_configured() })
}

/// Creates a reset link for `user` and mails it (or logs it); returns the link and what
/// happened to the message. Used by the form, for a new colleague, and by `masthead user
/// reset-password`.
pub async fn send_password_reset(
    newsroom: &Newsroom,
    user: &User,
) -> std::result::Result<(String, Delivery), SendResetError> {
    let store = newsroom.store();
    let site = store.site().await?;
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
    let subject = format!("Reset your password for {}", site.title);
    let delivery = newsroom.mailer().send(&user.email, &subject, &body).await?;
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

/// What a reset link that no longer works says.
const EXPIRED: &str = "This link has expired or has been used. Ask for a new one.";

/// Whether the reset link carrying `token` still works; [`Failure::NotFound`] when it does not.
pub async fn check_reset_link(newsroom: &Newsroom, token: &str) -> Outcome<()> {
    let works = !token.is_empty()
        && newsroom.store().password_reset(&token_hash(token), Timestamp::now(), false).await?.is_some();
    if works { Ok(()) } else { Err(Failure::NotFound(EXPIRED.into())) }
}

/// Someone with the reset link carrying `token` chooses `password` (typed twice: `again`). The
/// link is used up; every other session of the account ends, and the account's sign-in
/// attempts are forgotten.
pub async fn choose_password(
    newsroom: &Newsroom,
    token: &str,
    password: String,
    again: &str,
) -> Outcome<User> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(too_short());
    }
    if password != again {
        return Err(Failure::invalid("again", "The two passwords differ."));
    }
    let store = newsroom.store();
    let Some(user) = store.password_reset(&token_hash(token), Timestamp::now(), true).await? else {
        return Err(Failure::NotFound(EXPIRED.into()));
    };
    let hash = new_password_hash(newsroom, password).await?;
    store.set_password_hash(user.id, &hash).await?;
    store.clear_attempts(&account_key(&user.email)).await?;
    store.audit(Some(user.id), "password reset", &user.email).await?;
    Ok(user)
}

fn too_short() -> Failure {
    Failure::invalid("password", format!("The password must have at least {MIN_PASSWORD_LEN} characters."))
}

/// `password`'s Argon2id hash, made on a blocking thread in one of the places for Argon2, once
/// it is long enough.
pub(crate) async fn new_password_hash(newsroom: &Newsroom, password: String) -> Outcome<String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(too_short());
    }
    newsroom
        .passwords()
        .run(move || hash_password(&password))
        .await
        .map_err(|e| Failure::Internal(format!("the password could not be hashed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_says_whose_failures_and_how_long() {
        let one = Wait { whom: "this account", minutes: 1 };
        assert_eq!(one.to_string(), "Too many sign-ins for this account. Try again in 1 minute.");
        let many = Wait { whom: "your address", minutes: 15 };
        assert_eq!(many.to_string(), "Too many sign-ins for your address. Try again in 15 minutes.");
    }
}
