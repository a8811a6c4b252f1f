//! Readers who gave us their address: members, the newsletters they chose and the labels the
//! newsroom puts on them. No passwords: members sign in with a link sent by e-mail.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Whether a member has confirmed their address. Only active members are ever sent a newsletter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    /// Signed up, and has not yet followed the confirmation link.
    Pending,
    /// Confirmed (or imported or added with consent).
    Active,
}

/// How a member came to us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberSource {
    /// The sign-up form.
    Signup,
    /// A CSV file from another service.
    Import,
    /// Added by hand in the admin.
    Admin,
}

impl MemberStatus {
    pub const ALL: [MemberStatus; 2] = [MemberStatus::Pending, MemberStatus::Active];

    pub fn key(self) -> &'static str {
        match self {
            MemberStatus::Pending => "pending",
            MemberStatus::Active => "active",
        }
    }
}

impl MemberSource {
    pub fn key(self) -> &'static str {
        match self {
            MemberSource::Signup => "signup",
            MemberSource::Import => "import",
            MemberSource::Admin => "admin",
        }
    }
}

impl fmt::Display for MemberStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl fmt::Display for MemberSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {found:?}")]
pub struct UnknownMemberValue {
    pub what: &'static str,
    pub found: String,
}

impl FromStr for MemberStatus {
    type Err = UnknownMemberValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(MemberStatus::Pending),
            "active" => Ok(MemberStatus::Active),
            _ => Err(UnknownMemberValue { what: "member status", found: s.to_owned() }),
        }
    }
}

impl FromStr for MemberSource {
    type Err = UnknownMemberValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "signup" => Ok(MemberSource::Signup),
            "import" => Ok(MemberSource::Import),
            "admin" => Ok(MemberSource::Admin),
            _ => Err(UnknownMemberValue { what: "member source", found: s.to_owned() }),
        }
    }
}

/// A label the newsroom puts on members ("donor", "Lagos"), to find them and to send to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

/// A member, with the newsletters they receive and their labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: i64,
    /// Trimmed and lower case.
    pub email: String,
    pub name: String,
    pub status: MemberStatus,
    pub source: MemberSource,
    /// When they confirmed their address, or, for an import, when the file says they consented.
    pub consent_at: Option<Timestamp>,
    pub note: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Ids of the newsletters they receive, in the newsletters' order.
    pub newsletters: Vec<i64>,
    pub labels: Vec<Label>,
}

/// A member to create; `email` already normalised, `labels` by name (made when missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub email: String,
    pub name: String,
    pub status: MemberStatus,
    pub source: MemberSource,
    pub consent_at: Option<Timestamp>,
    pub note: String,
    /// When they joined; now when `None`.
    pub created_at: Option<Timestamp>,
    pub newsletters: Vec<i64>,
    pub labels: Vec<String>,
}

/// One of the site's newsletters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Newsletter {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub sender_name: Option<String>,
    pub sender_email: Option<String>,
    pub reply_to: Option<String>,
    /// Whether a new member receives it unless they choose otherwise.
    pub subscribe_by_default: bool,
    /// Whether readers may choose it and sends go out for it.
    pub active: bool,
    pub position: i64,
    pub created_at: Timestamp,
}

/// A newsletter's fields, to create or change it; checked by the use case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewNewsletter {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub sender_name: Option<String>,
    pub sender_email: Option<String>,
    pub reply_to: Option<String>,
    pub subscribe_by_default: bool,
    pub active: bool,
    pub position: i64,
}

/// A label's slug from its name: lower-case ASCII letters and digits, words joined by `-`.
pub fn label_slug(name: &str) -> String {
    let mut out = String::new();
    for word in deunicode::deunicode(name)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_sources_round_trip_and_unknown_ones_are_named() {
        for s in MemberStatus::ALL {
            assert_eq!(s.key().parse::<MemberStatus>(), Ok(s));
        }
        assert_eq!("import".parse::<MemberSource>(), Ok(MemberSource::Import));
        assert_eq!("paid".parse::<MemberStatus>().unwrap_err().found, "paid");
    }

    #[test]
    fn label_slugs_are_plain() {
        assert_eq!(label_slug("  Donors — 2024 "), "donors-2024");
        assert_eq!(label_slug("Lagos / Ìbàdàn"), "lagos-ibadan");
        assert_eq!(label_slug("!!!"), "");
    }
}
