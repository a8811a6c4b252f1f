//! Admin API tokens: each staff member makes, lists and revokes their own; an operator at the
//! server makes one for any account (`masthead token create`). A token acts with its holder's
//! role. Its secret is returned once, when it is made; only its SHA-256 hash is kept.

use masthead_core::User;
use masthead_store::{ApiTokenInfo, StoreError};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::secrets::{new_token, token_hash};
use crate::staff::Actor;

/// `actor` makes a token named `name` for `holder`, and gets its secret, which nobody will see
/// again. Staff make tokens for themselves only.
pub async fn create(newsroom: &Newsroom, actor: Actor<'_>, holder: &User, name: &str) -> Outcome<String> {
    if let Actor::Staff(user) = actor
        && user.id != holder.id
    {
        return Err(Failure::Forbidden("Staff make API tokens for themselves only.".into()));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(Failure::invalid(
            "name",
            "Name the token after what will use it (\"newsletter script\"), so you know what to revoke.",
        ));
    }
    let secret = new_token();
    newsroom.store().create_api_token(holder.id, name, &token_hash(&secret)).await?;
    let subject = match actor {
        Actor::Staff(_) => name.to_owned(),
        Actor::Operator => format!("{name} (for {})", holder.email),
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
