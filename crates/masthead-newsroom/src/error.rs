//! Why a use case did not do what it was asked, in words a person can act on, and which field of
//! the request is to blame. Each edge maps these to its own shape: the admin shows the message
//! beside the form, the Admin API answers `{"error", "field"}` with a status, the CLI prints it.

use masthead_store::StoreError;

/// A use case's refusal, or a fault of ours.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The thing named does not exist (or the person may not know that it does).
    #[error("{0}")]
    NotFound(String),
    /// The acting person's role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The acting person may not do this with what they named in `field` (another's byline).
    #[error("{message}")]
    NotPermitted { field: &'static str, message: String },
    /// The request is wrong; `field` names the part to correct.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    /// Someone else saved in the meantime; `current` is the revision now.
    #[error("someone else saved this article in the meantime; it is now at revision {current}")]
    Stale { current: i64 },
    /// The request names something there is none of (a setting that does not exist); `field`
    /// is the name it used, so the field to blame is not one of ours.
    #[error("{message}")]
    Unknown { field: String, message: String },
    /// Something already holds the name or address asked for.
    #[error("{message}")]
    Taken { field: &'static str, message: String },
    /// The partner's terms, or another rule of the newsroom, refuse it.
    #[error("{0}")]
    Refused(String),
    /// The database cannot be reached just now; trying again shortly may work.
    #[error("the site cannot reach its database just now; please try again in a few seconds")]
    Unavailable(String),
    /// The disk is full: nothing was saved. Shown as it is, since only freeing space helps.
    #[error(
        "the disk is full, so nothing was saved; ask whoever runs the site to free some space, then save again"
    )]
    DiskFull(String),
    /// Our fault: the database or the disk failed. Logged, never shown in detail.
    #[error("{0}")]
    Internal(String),
}

pub type Outcome<T> = Result<T, Failure>;

impl Failure {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Failure {
        Failure::Invalid { field, message: message.into() }
    }

    /// The field a person should correct, when one is to blame.
    pub fn field(&self) -> Option<&str> {
        match self {
            Failure::Invalid { field, .. }
            | Failure::Taken { field, .. }
            | Failure::NotPermitted { field, .. } => Some(field),
            Failure::Unknown { field, .. } => Some(field),
            Failure::Stale { .. } => Some("revision"),
            Failure::Refused(_) => Some("terms"),
            _ => None,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::NotFound => Failure::NotFound("no such record".into()),
            StoreError::Stale { current } => Failure::Stale { current },
            StoreError::Refused(reason) => Failure::Refused(reason),
            StoreError::Conflict { what } => {
                Failure::Taken { field: "slug", message: format!("{what} is already taken") }
            }
            StoreError::Invalid(m) => Failure::invalid("", m),
            e @ StoreError::Unavailable(_) => Failure::Unavailable(e.to_string()),
            e @ StoreError::DiskFull(_) => Failure::DiskFull(e.to_string()),
            other => Failure::Internal(other.to_string()),
        }
    }
}

/// `user` may not `what` ("change this article"): their role does not allow it, or the token
/// they act through does not reach far enough, which the message then says.
pub(crate) fn refused(user: &masthead_core::User, what: &str) -> Failure {
    match user.scope {
        Some(scope) => Failure::Forbidden(format!(
            "the {} role, through a token with the {scope} scope, may not {what}",
            user.role
        )),
        None => Failure::Forbidden(format!("the {} role may not {what}", user.role)),
    }
}
