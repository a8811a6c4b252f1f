//! Staff accounts: who may sign in, with which role and under which byline. Administrators add
//! and change colleagues; only the owner makes or changes an owner; nobody changes their own
//! role or disables themselves.
//!
//! Two kinds of people act here, and [`Actor`] says which: a colleague signed in to the admin,
//! whose role decides, or an operator at the server's shell (`masthead user add`, `token
//! create`, `user reset-password`). An operator can read and write the database anyway, so no
//! role would protect anything from them: they may do what the owner may, and the audit log
//! records them as nobody signed in.
//!
//! A colleague added in the admin gets a link to choose their password, so no password is ever
//! chosen for someone by someone else; only an operator sets one, at the server.

use masthead_core::account::normalize_email;
use masthead_core::{Action, Role, User};
use masthead_store::{NewUser, StoreError};

use crate::accounts::{SendResetError, new_password_hash, send_password_reset};
use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::mail::Delivery;

/// A password hash no password matches: the account signs in only after choosing one.
const NO_PASSWORD_YET: &str = "!";

/// Who acts on staff accounts.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A colleague signed in to the admin; their role decides.
    Staff(&'a User),
    /// Someone with shell access to the server (the command line): may do what the owner may.
    Operator,
}

impl Actor<'_> {
    pub(crate) fn may(self, action: Action) -> bool {
        match self {
            Actor::Staff(user) => user.may(action),
            Actor::Operator => true,
        }
    }

    fn role(self) -> Role {
        match self {
            Actor::Staff(user) => user.role,
            Actor::Operator => Role::Owner,
        }
    }

    /// Whom the audit log names: nobody, for an operator.
    pub(crate) fn user_id(self) -> Option<i64> {
        match self {
            Actor::Staff(user) => Some(user.id),
            Actor::Operator => None,
        }
    }

    fn manager(self) -> Outcome<()> {
        if self.may(Action::ManageStaff) {
            Ok(())
        } else {
            Err(Failure::Forbidden("Only administrators manage staff accounts.".into()))
        }
    }
}

/// A colleague as the staff list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colleague {
    pub user: User,
    /// A disabled account cannot sign in, and its sessions have ended.
    pub disabled: bool,
}

/// The staff list, for administrators.
pub async fn list(newsroom: &Newsroom, user: &User) -> Outcome<Vec<Colleague>> {
    Actor::Staff(user).manager()?;
    let people = newsroom.store().staff_list().await?;
    Ok(people.into_iter().map(|(user, disabled)| Colleague { user, disabled }).collect())
}

/// The account signed in with `email`, for an administrator or an operator.
pub async fn account(newsroom: &Newsroom, actor: Actor<'_>, email: &str) -> Outcome<User> {
    actor.manager()?;
    let email = normalize_email(email)
        .ok_or_else(|| Failure::invalid("email", format!("{email:?} is not an e-mail address.")))?;
    match newsroom.store().user_credentials(&email).await? {
        Some((user, _)) => Ok(user),
        None => Err(Failure::NotFound(format!("There is no staff account for {email}."))),
    }
}

/// A colleague to add.
#[derive(Debug, Clone)]
pub struct NewColleague {
    /// As typed: it is normalised here.
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The byline they write under.
    pub author_id: Option<i64>,
}

/// How a new colleague gets their first password.
#[derive(Clone)]
pub enum FirstPassword {
    /// A link to choose it, mailed to them (or written to the log without a mail server).
    Invite,
    /// Typed at the server by an operator; a colleague in the admin sends a link instead.
    Chosen(String),
}

impl std::fmt::Debug for FirstPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FirstPassword::Invite => f.write_str("Invite"),
            FirstPassword::Chosen(_) => f.write_str("Chosen(…)"),
        }
    }
}

/// A colleague added, and how their link to choose a password went, when they were sent one.
#[derive(Debug)]
pub struct Added {
    pub user: User,
    /// `None` when an operator chose the password. A link that could not be sent leaves the
    /// account in place: they can ask for another with "Forgot your password".
    pub invitation: Option<Result<Delivery, SendResetError>>,
}

/// `actor` adds a colleague.
pub async fn add(
    newsroom: &Newsroom,
    actor: Actor<'_>,
    new: NewColleague,
    password: FirstPassword,
) -> Outcome<Added> {
    actor.manager()?;
    let email = normalize_email(&new.email).ok_or_else(|| match new.email.trim() {
        "" => Failure::invalid("email", "Give the colleague's e-mail address."),
        typed => Failure::invalid("email", format!("{typed:?} is not an e-mail address.")),
    })?;
    let name = new.name.trim().to_owned();
    if name.is_empty() {
        return Err(Failure::invalid("name", "Give the colleague's name."));
    }
    role_allowed(actor, None, new.role)?;
    let password_hash = match &password {
        FirstPassword::Invite => NO_PASSWORD_YET.to_owned(),
        FirstPassword::Chosen(_) if matches!(actor, Actor::Staff(_)) => {
            return Err(Failure::Forbidden(
                "A colleague chooses their own password: add them, and they get a link.".into(),
            ));
        }
        FirstPassword::Chosen(password) => new_password_hash(newsroom, password.clone()).await?,
    };
    let user = newsroom
        .store()
        .create_user(&NewUser {
            email: email.clone(),
            name,
            role: new.role,
            password_hash,
            author_id: new.author_id,
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                Failure::Taken { field: "email", message: format!("An account for {email} exists already.") }
            }
            StoreError::Invalid(m) => {
                Failure::invalid("author_id", format!("The account cannot be made: {m}."))
            }
            other => other.into(),
        })?;
    newsroom
        .store()
        .audit(actor.user_id(), "staff added", &format!("{} ({})", user.email, user.role))
        .await?;
    let invitation = match password {
        FirstPassword::Chosen(_) => None,
        FirstPassword::Invite => {
            let sent = send_password_reset(newsroom, &user).await.map(|(_, delivery)| delivery);
            if let Err(e) = &sent {
                tracing::error!(error = %e, "could not send a new colleague's link");
            }
            Some(sent)
        }
    };
    Ok(Added { user, invitation })
}

/// What an administrator changes about a colleague.
#[derive(Debug, Clone)]
pub struct StaffChange {
    /// Empty: the name stays.
    pub name: String,
    pub role: Role,
    pub author_id: Option<i64>,
    /// Disabling ends the account's sessions at once.
    pub disabled: bool,
}

/// `user` changes colleague `id`'s name, role, byline, or whether they may sign in.
pub async fn change(newsroom: &Newsroom, user: &User, id: i64, change: StaffChange) -> Outcome<User> {
    let actor = Actor::Staff(user);
    actor.manager()?;
    let target = newsroom.store().user(id).await.map_err(|e| match e {
        StoreError::NotFound => Failure::NotFound("no such staff account".into()),
        other => other.into(),
    })?;
    role_allowed(actor, Some(&target), change.role)?;
    if change.disabled && id == user.id {
        return Err(Failure::invalid("disabled", "You cannot disable your own account."));
    }
    let name = Some(change.name.trim()).filter(|n| !n.is_empty()).unwrap_or(&target.name);
    let changed = newsroom
        .store()
        .update_staff(id, name, change.role, change.author_id, change.disabled)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => {
                Failure::invalid("author_id", format!("The account cannot be changed: {m}."))
            }
            other => other.into(),
        })?;
    let what = if change.disabled { "disabled".to_owned() } else { changed.role.to_string() };
    newsroom.store().audit(Some(user.id), "staff changed", &format!("{} ({what})", changed.email)).await?;
    Ok(changed)
}

/// Whether `actor` may give `target` (or a new account, when `None`) the role `role`.
fn role_allowed(actor: Actor<'_>, target: Option<&User>, role: Role) -> Outcome<()> {
    let myself = match actor {
        Actor::Staff(me) => target.filter(|t| t.id == me.id),
        Actor::Operator => None,
    };
    if myself.is_some_and(|me| role != me.role) {
        Err(Failure::invalid("role", "You cannot change your own role; ask another administrator."))
    } else if (role == Role::Owner || target.is_some_and(|t| t.role == Role::Owner))
        && actor.role() != Role::Owner
    {
        Err(Failure::invalid("role", "Only the owner makes or changes an owner."))
    } else {
        Ok(())
    }
}
