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

/// Rows gathered with their order's key, each as `[[key, …], row]`
/// ([`ordered_array`]), read into their row structs in that order.
pub(crate) fn ordered_json_rows<T: serde::de::DeserializeOwned>(
    what: &str,
    text: Option<&str>,
) -> Result<Vec<T>> {
    let rows: Vec<Keyed<T>> = parse(what, text)?.unwrap_or_default();
    Ok(in_order(rows, false))
}

/// Rows gathered in groups, each as [`ordered_aggregate`] writes it, side by side in one JSON
/// array (a group of none may be null), read as one set in the order of their keys; a row
/// found in two groups (the same key) is read once.
pub(crate) fn ordered_json_groups<T: serde::de::DeserializeOwned>(
    what: &str,
    text: Option<&str>,
) -> Result<Vec<T>> {
    let groups: Vec<Option<Vec<Keyed<T>>>> = parse(what, text)?.unwrap_or_default();
    Ok(in_order(groups.into_iter().flatten().flatten().collect(), true))
}

/// The JSON `text` of a column; none for SQL NULL or an empty text. `what` names it in the error.
fn parse<U: serde::de::DeserializeOwned>(what: &str, text: Option<&str>) -> Result<Option<U>> {
    match text {
        None | Some("") => Ok(None),
        Some(text) => {
            serde_json::from_str(text).map(Some).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
        }
    }
}

/// The rows sorted by their keys, without them; with `once`, a row whose key the one before
/// it has is left out.
fn in_order<T>(mut rows: Vec<Keyed<T>>, once: bool) -> Vec<T> {
    rows.sort_by(|(a, _), (b, _)| a.cmp(b));
    if once {
        rows.dedup_by(|(a, _), (b, _)| a == b);
    }
    rows.into_iter().map(|(_, row)| row).collect()
}

/// A relation of the row `FROM {from}` as a JSON array of `[[key, …], {pairs}]`, with `keys`
/// the expressions it is ordered by, each ascending (a descending one is negated), as text
/// (NULL for none on PostgreSQL), read by [`ordered_json_rows`]. The order is applied when the
/// rows are read, not by the aggregate: SQLite builds a temporary b-tree for every ordered
/// aggregate of every statement (a tenth of an uncached article page's time, with eight of
/// them), where sorting the few rows after reading them costs nothing.
pub(crate) fn ordered_array(postgres: bool, pairs: &str, keys: &[&str], from: &str) -> String {
    let aggregate = ordered_aggregate(postgres, pairs, keys, from);
    if postgres { format!("CAST({aggregate} AS TEXT)") } else { aggregate }
}

/// [`ordered_array`] as a JSON value rather than its text on PostgreSQL, to be put in another
/// JSON value (as [`ordered_json_groups`] reads them).
pub(crate) fn ordered_aggregate(postgres: bool, pairs: &str, keys: &[&str], from: &str) -> String {
    let keys = keys.join(", ");
    if postgres {
        format!(
            "(SELECT json_agg(json_build_array(json_build_array({keys}), json_build_object({pairs}))) FROM {from})"
        )
    } else {
        format!("(SELECT json_group_array(json_array(json_array({keys}), json_object({pairs}))) FROM {from})")
    }
}

/// A row with its order's key.
type Keyed<T> = (Vec<SortKey>, T);

/// One part of a row's order: numbers before texts, as SQLite orders them; texts by their
/// bytes (SQLite's `BINARY`).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Number(i64),
    Text(String),
}

impl<'de> serde::Deserialize<'de> for SortKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SortKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<SortKey, E> {
                Ok(SortKey::Number(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<SortKey, E> {
                i64::try_from(v).map(SortKey::Number).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<SortKey, E> {
                Ok(SortKey::Text(v.to_owned()))
            }
        }
        deserializer.deserialize_any(Visitor)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_in_the_order_of_their_keys() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Row {
            name: String,
        }
        let names = |json: &str| -> Vec<String> {
            ordered_json_rows::<Row>("rows", Some(json)).unwrap().into_iter().map(|r| r.name).collect()
        };
        // By the first key, then the next; numbers (negative for newest first) before texts.
        let json = r#"[[[2, 1], {"name": "c"}], [[1, 9], {"name": "b"}], [[1, -3], {"name": "a"}],
                       [["sr", 4], {"name": "e"}], [["en", 7], {"name": "d"}]]"#;
        assert_eq!(names(json), ["a", "b", "c", "d", "e"]);
        assert!(ordered_json_rows::<Row>("rows", None).unwrap().is_empty());
        assert!(ordered_json_rows::<Row>("rows", Some("")).unwrap().is_empty());
        let err = ordered_json_rows::<Row>("the bylines of article 7", Some(r#"[[[1.5], {"name": "x"}]]"#))
            .unwrap_err();
        assert!(err.to_string().contains("the bylines of article 7"), "{err}");
        // Groups side by side read as one set, each row once.
        let groups = r#"[[[["sr", 4], {"name": "c"}]], null, [[["en", 9], {"name": "b"}], [["sr", 4], {"name": "c"}]], []]"#;
        let rows = ordered_json_groups::<Row>("rows", Some(groups)).unwrap();
        assert_eq!(rows.into_iter().map(|r| r.name).collect::<Vec<_>>(), ["b", "c"]);
    }
}
