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
    /// Uploading images and other media (their role bar is an author's).
    UploadMedia,
    /// Deleting articles (the rules of which are `articles::delete`'s); only the scope is asked.
    DeleteArticles,
    ManageAuthorsAndTerms,
    ViewRepublications,
    ManageSettings,
    ManageStaff,
    ViewAuditLog,
    /// Members, their labels and the newsletters: readers' addresses, so editors and up.
    ManageMembers,
    /// E-mailing articles and digests to members: editors and up.
    SendNewsletters,
    /// Approving, refusing and deleting readers' comments, banning their writers, closing an
    /// article's comments: editors and up.
    ModerateComments,
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
            DeleteArticles => true,
            PublishOwn | UploadMedia => self >= Role::Author,
            EditAnyArticle
            | PublishAny
            | ManageAuthorsAndTerms
            | ViewRepublications
            | ManageMembers
            | SendNewsletters
            | ModerateComments => self >= Role::Editor,
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

/// How much of its holder's role an Admin API token may use. A session uses the whole role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Reading only (the API's GET requests).
    Read,
    /// Also writing drafts and uploading media.
    Write,
    /// Also publishing, unpublishing, scheduling and deleting, and managing authors, terms,
    /// outlets, partners and settings.
    Publish,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Publish];

    pub fn key(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Publish => "publish",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope {found:?}; expected read, write or publish")]
pub struct UnknownScope {
    pub found: String,
}

impl FromStr for Scope {
    type Err = UnknownScope;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL.into_iter().find(|r| r.key() == s).ok_or_else(|| UnknownScope { found: s.to_owned() })
    }
}

impl Action {
    /// The scope a token needs for this action, besides a role that may do it.
    pub fn scope(self) -> Scope {
        use Action::*;
        match self {
            ViewRepublications | ViewAuditLog => Scope::Read,
            WriteOwnDraft | EditAnyArticle | UploadMedia => Scope::Write,
            PublishOwn
            | PublishAny
            | DeleteArticles
            | ManageAuthorsAndTerms
            | ManageSettings
            | ManageStaff
            | ManageMembers
            | SendNewsletters
            | ModerateComments => Scope::Publish,
        }
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
    /// Acting through an Admin API token: how much of the role it may use. `None` in a session.
    #[serde(default)]
    pub scope: Option<Scope>,
}

impl User {
    /// Whether this person, as they act now, may do `action`: their role must allow it, and
    /// when they act through a token, its scope too. Every change asks this; reading asks the
    /// role alone (every scope reads).
    pub fn may(&self, action: Action) -> bool {
        self.role.may(action) && self.scope_allows(action.scope())
    }

    /// Whether the token this person acts through (if any) reaches `scope`.
    pub fn scope_allows(&self, scope: Scope) -> bool {
        self.scope.is_none_or(|s| s >= scope)
    }

    /// Whether this person writes under one of `author_ids`.
    pub fn writes_under(&self, author_ids: &[i64]) -> bool {
        self.author_id.is_some_and(|a| author_ids.contains(&a))
    }

    fn is_author_of(&self, article: &crate::Article) -> bool {
        article.authors.iter().any(|a| Some(a.id) == self.author_id)
    }

    /// Editors read anything; authors their own articles; contributors their own drafts (and
    /// everyone what is published, which callers add). The role alone decides.
    pub fn may_read(&self, article: &crate::Article) -> bool {
        self.role.may(Action::EditAnyArticle)
            || (self.is_author_of(article)
                && (self.role.may(Action::PublishOwn) || article.status == crate::ArticleStatus::Draft))
    }

    /// Editors change anything; authors their own articles; contributors their own drafts. A
    /// token must reach `write` for a draft, and `publish` for an article readers may see or
    /// are to see (changing it changes what is published).
    pub fn may_edit(&self, article: &crate::Article) -> bool {
        let needs = if article.status == crate::ArticleStatus::Draft { Scope::Write } else { Scope::Publish };
        self.may_read(article) && self.scope_allows(needs)
    }

    /// Editors publish anything; authors their own articles; contributors nothing.
    pub fn may_publish(&self, article: &crate::Article) -> bool {
        self.may(Action::PublishAny) || (self.may(Action::PublishOwn) && self.is_author_of(article))
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
        assert!(Role::Author.may(UploadMedia) && !Role::Contributor.may(UploadMedia));
        for r in Role::ALL {
            assert_eq!(r.key().parse::<Role>().unwrap(), r);
        }
        assert!("admin".parse::<Role>().is_err());
    }

    #[test]
    fn a_token_uses_no_more_of_the_role_than_its_scope() {
        let user = |scope| User {
            id: 1,
            email: "e@x".into(),
            name: "E".into(),
            role: Role::Editor,
            author_id: None,
            scope,
        };
        assert!(user(None).may(Action::PublishAny), "a session uses the whole role");
        assert!(user(Some(Scope::Read)).may(Action::ViewRepublications));
        assert!(!user(Some(Scope::Read)).may(Action::WriteOwnDraft));
        assert!(user(Some(Scope::Write)).may(Action::EditAnyArticle));
        assert!(user(Some(Scope::Write)).may(Action::UploadMedia));
        assert!(!user(Some(Scope::Write)).may(Action::PublishAny));
        assert!(!user(Some(Scope::Write)).may(Action::ManageAuthorsAndTerms));
        assert!(!user(Some(Scope::Write)).may(Action::DeleteArticles));
        assert!(user(Some(Scope::Publish)).may(Action::PublishAny));
        assert!(!user(Some(Scope::Publish)).may(Action::ManageStaff), "never more than the role");
        for s in Scope::ALL {
            assert_eq!(s.key().parse::<Scope>().unwrap(), s);
        }
    }

    #[test]
    fn emails_are_normalized_for_login() {
        assert_eq!(normalize_email("  Ana@Meridian.Example ").as_deref(), Some("ana@meridian.example"));
        for bad in ["", "ana", "@x", "ana@", "a@b@c", "a b@c.d"] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
    }
}
