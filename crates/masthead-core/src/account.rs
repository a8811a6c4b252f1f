//! Staff accounts and what each role may do: the permissions newsrooms know from Ghost and
//! WordPress. The web edge asks [`Role::may`] before every action; nothing else decides.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Writes drafts; cannot publish, cannot upload outside their own drafts.
    Contributor,
    /// Writes and publishes their own articles.
    Author,
    /// Publishes anyone's work; manages authors and terms.
    Editor,
    /// Everything an editor does, plus staff, settings and partners.
    Administrator,
    /// The site's owner: everything, and cannot be removed by administrators.
    Owner,
}

/// Something a staff member may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    WriteOwnDraft,
    PublishOwn,
    EditAnyArticle,
    PublishAny,
    ManageAuthorsAndTerms,
    ViewRepublications,
    ManageSettings,
    ManageStaff,
    ViewAuditLog,
}

impl Role {
    pub const ALL: [Role; 5] =
        [Role::Contributor, Role::Author, Role::Editor, Role::Administrator, Role::Owner];

    pub fn key(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Administrator => "administrator",
            Role::Owner => "owner",
        }
    }

    pub fn may(self, action: Action) -> bool {
        use Action::*;
        match action {
            WriteOwnDraft => true,
            PublishOwn => self >= Role::Author,
            EditAnyArticle | PublishAny | ManageAuthorsAndTerms | ViewRepublications => self >= Role::Editor,
            ManageSettings | ManageStaff | ViewAuditLog => self >= Role::Administrator,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {found:?}; expected owner, administrator, editor, author or contributor")]
pub struct UnknownRole {
    pub found: String,
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.key() == s).ok_or_else(|| UnknownRole { found: s.to_owned() })
    }
}

/// A staff member, without their password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    /// Lower case.
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The byline this person writes under, when they have one.
    pub author_id: Option<i64>,
}

impl User {
    /// Whether this person writes under one of `author_ids`.
    pub fn writes_under(&self, author_ids: &[i64]) -> bool {
        self.author_id.is_some_and(|a| author_ids.contains(&a))
    }

    fn is_author_of(&self, article: &crate::Article) -> bool {
        article.authors.iter().any(|a| Some(a.id) == self.author_id)
    }

    /// Editors change anything; authors their own articles; contributors their own drafts.
    pub fn may_edit(&self, article: &crate::Article) -> bool {
        self.role.may(Action::EditAnyArticle)
            || (self.is_author_of(article)
                && (self.role.may(Action::PublishOwn) || article.status == crate::ArticleStatus::Draft))
    }

    /// Editors publish anything; authors their own articles; contributors nothing.
    pub fn may_publish(&self, article: &crate::Article) -> bool {
        self.role.may(Action::PublishAny) || (self.role.may(Action::PublishOwn) && self.is_author_of(article))
    }
}

/// An e-mail address as staff log in with it: trimmed, lower case, with one "@" between two
/// non-empty parts. (Deliverability is for the mail server to judge.)
pub fn normalize_email(s: &str) -> Option<String> {
    let e = s.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    (!local.is_empty() && !domain.is_empty() && !domain.contains('@') && !e.contains(char::is_whitespace))
        .then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grow_in_power() {
        use Action::*;
        assert!(Role::Contributor.may(WriteOwnDraft));
        assert!(!Role::Contributor.may(PublishOwn));
        assert!(Role::Author.may(PublishOwn) && !Role::Author.may(PublishAny));
        assert!(
            Role::Editor.may(PublishAny)
                && Role::Editor.may(ViewRepublications)
                && !Role::Editor.may(ManageSettings)
        );
        assert!(Role::Administrator.may(ManageStaff) && Role::Owner.may(ViewAuditLog));
        for r in Role::ALL {
            assert_eq!(r.key().parse::<Role>().unwrap(), r);
        }
        assert!("admin".parse::<Role>().is_err());
    }

    #[test]
    fn emails_are_normalized_for_login() {
        assert_eq!(normalize_email("  Ana@Meridian.Example ").as_deref(), Some("ana@meridian.example"));
        for bad in ["", "ana", "@x", "ana@", "a@b@c", "a b@c.d"] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
    }
}
