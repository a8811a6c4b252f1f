//! Database rows and their conversion into domain types. Rows never leave this crate.

use masthead_core::{Author, AuthorLink, Media, Outlet, Slug, Term};

use crate::{Result, StoreError};

/// Declares a row struct and its `FromRow` for both backends, reading each field from the
/// column of the same name.
macro_rules! row {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        /// Read from a row, or from a JSON object of the same fields (relations gathered in
        /// one statement).
        #[derive(Debug, serde::Deserialize)]
        pub(crate) struct $name { $(pub(crate) $field: $ty),* }

        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $name {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Self { $($field: row.try_get(stringify!($field))?),* })
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Self { $($field: row.try_get(stringify!($field))?),* })
            }
        }
    };
}
pub(crate) use row;

/// Rows gathered as a JSON array in one statement (`json_group_array`, `json_agg`), read into
/// their row structs; none for SQL NULL (PostgreSQL's aggregate of no rows). `what` names them
/// in the error.
pub(crate) fn json_rows<T: serde::de::DeserializeOwned>(what: &str, text: Option<String>) -> Result<Vec<T>> {
    match text {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}"))),
    }
}

pub(crate) fn slug(s: String) -> Result<Slug> {
    Slug::parse(&s).map_err(|e| StoreError::Corrupt(format!("slug {s:?}: {e}")))
}

pub(crate) fn url(s: &str) -> Result<url::Url> {
    url::Url::parse(s).map_err(|e| StoreError::Corrupt(format!("URL {s:?}: {e}")))
}

/// An address stored where only http(s) addresses are kept.
pub(crate) fn absolute(s: &str) -> Result<masthead_core::AbsoluteUrl> {
    masthead_core::AbsoluteUrl::parse(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

row!(OutletRow { id: i64, slug: String, name: String, homepage: Option<String> });

impl OutletRow {
    pub(crate) fn into_outlet(self) -> Result<Outlet> {
        Ok(Outlet {
            id: self.id,
            slug: slug(self.slug)?,
            name: self.name,
            homepage: self.homepage.as_deref().map(absolute).transpose()?,
        })
    }
}

pub(crate) const AUTHOR_COLUMNS: &str =
    "au.id, au.slug, au.name, au.bio, au.links, au.avatar_media_id, au.outlet_id";

row!(AuthorRow {
    id: i64,
    slug: String,
    name: String,
    bio: String,
    links: String,
    avatar_media_id: Option<i64>,
    outlet_id: Option<i64>,
});

impl AuthorRow {
    pub(crate) fn into_author(self) -> Result<Author> {
        let links: Vec<AuthorLink> = serde_json::from_str(&self.links)
            .map_err(|e| StoreError::Corrupt(format!("links of author {}: {e}", self.id)))?;
        Ok(Author {
            id: self.id,
            slug: slug(self.slug)?,
            name: self.name,
            bio: self.bio,
            links,
            avatar_media_id: self.avatar_media_id,
            outlet_id: self.outlet_id,
        })
    }
}

pub(crate) const TERM_COLUMNS: &str = "t.id, t.kind, t.slug, t.name, t.description, t.parent_id";

row!(TermRow { id: i64, kind: String, slug: String, name: String, description: String, parent_id: Option<i64> });

impl TermRow {
    pub(crate) fn into_term(self) -> Result<Term> {
        Ok(Term {
            id: self.id,
            kind: self.kind.parse().map_err(|e| StoreError::Corrupt(format!("term {}: {e}", self.id)))?,
            slug: slug(self.slug)?,
            name: self.name,
            description: self.description,
            parent_id: self.parent_id,
        })
    }
}

pub(crate) const MEDIA_COLUMNS: &str = "m.id, m.path, m.mime_type, m.size_bytes, m.width, m.height, m.alt, m.credit, m.variant_widths, m.licence, m.travels";

row!(MediaRow {
    id: i64,
    path: String,
    mime_type: String,
    size_bytes: i64,
    width: Option<i64>,
    height: Option<i64>,
    alt: String,
    credit: String,
    variant_widths: String,
    licence: String,
    travels: i64,
});

impl MediaRow {
    pub(crate) fn into_media(self) -> Media {
        Media {
            id: self.id,
            path: self.path,
            mime_type: self.mime_type,
            size_bytes: self.size_bytes,
            width: self.width,
            height: self.height,
            alt: self.alt,
            credit: self.credit,
            variant_widths: parse_widths(&self.variant_widths),
            licence: self.licence,
            travels: self.travels != 0,
        }
    }
}

/// "480,960" → [480, 960]; anything unreadable is left out (a missing variant only costs a
/// smaller srcset).
pub(crate) fn parse_widths(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|w| w.trim().parse().ok()).collect()
}

pub(crate) fn join_widths(widths: &[i64]) -> String {
    widths.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}
