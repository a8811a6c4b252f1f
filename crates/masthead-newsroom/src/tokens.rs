//! Admin API tokens: each staff member makes, lists and revokes their own; an operator at the
//! server makes one for any account (`masthead token create`). A token acts with its holder's
//! role, no further than its scope (`read`, `write`, `publish`: `masthead_core::Scope`), until
//! it expires ([`DEFAULT_DAYS`] unless asked otherwise); a new password or a disabled account
//! revokes every token of the account. Its secret is returned once, when it is made; only its
//! SHA-256 hash is kept.

use jiff::{SignedDuration, Timestamp};
use masthead_core::{Scope, User};
use masthead_store::{ApiTokenInfo, StoreError};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::secrets::{new_token, token_hash};
use crate::staff::Actor;

/// How long a token works unless its maker says otherwise, and the longest it may.
pub const DEFAULT_DAYS: i64 = 90;
pub const MAX_DAYS: i64 = 365;

/// A token to make: what it is for, how far it reaches, and for how many days it works.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub scope: Scope,
    pub days: i64,
}

/// `actor` makes `token` for `holder`, and gets its secret, which nobody will see again. Staff
/// make tokens for themselves only.
pub async fn create(
    newsroom: &Newsroom,
    actor: Actor<'_>,
    holder: &User,
    token: &NewToken,
) -> Outcome<String> {
    if let Actor::Staff(user) = actor
        && user.id != holder.id
    {
        return Err(Failure::Forbidden("Staff make API tokens for themselves only.".into()));
    }
    let name = token.name.trim();
    if name.is_empty() {
        return Err(Failure::invalid(
            "name",
            "Name the token after what will use it (\"newsletter script\"), so you know what to revoke.",
        ));
    }
    if !(1..=MAX_DAYS).contains(&token.days) {
        return Err(Failure::invalid(
            "expires_days",
            format!("A token works from 1 to {MAX_DAYS} days; make a new one when it expires."),
        ));
    }
    let secret = new_token();
    let expires = Timestamp::now() + SignedDuration::from_hours(24 * token.days);
    newsroom.store().create_api_token(holder.id, name, &token_hash(&secret), token.scope, expires).await?;
    let scope = token.scope;
    let subject = match actor {
        Actor::Staff(_) => format!("{name} ({scope}, {} days)", token.days),
        Actor::Operator => format!("{name} ({scope}, {} days, for {})", token.days, holder.email),
    };
    newsroom.store().audit(actor.user_id(), "API token created", &subject).await?;
    Ok(secret)
}

/// `user`'s own tokens, without their secrets.
pub async fn list(newsroom: &Newsroom, user: &User) -> Outcome<Vec<ApiTokenInfo>> {
    Ok(newsroom.store().api_tokens(user.id).await?)
}

/// `user` revokes their token `id`; another's token is, to them, no token at all.
pub async fn revoke(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<()> {
    newsroom.store().revoke_api_token(user.id, id).await.map_err(|e| match e {
        StoreError::NotFound => Failure::NotFound("no such token".into()),
        other => other.into(),
    })?;
    newsroom.store().audit(Some(user.id), "API token revoked", &format!("token {id}")).await?;
    Ok(())
}
