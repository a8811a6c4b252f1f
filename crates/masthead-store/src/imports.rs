//! What imports from other systems leave behind: redirects from old addresses, the record each
//! imported item became (`import_keys`, so that a second run updates instead of duplicating),
//! and readers' comments.
//!
//! Redirect addresses are stored in one normal form ([`redirect_path`]) and looked up in the
//! same form, so that `/2019/05/old-slug/`, `/2019/05/old-slug` and
//! `https://old.example/2019/05/old-slug/` are one address. This module never decides what
//! to import and never serves a redirect: the importer and the web edge do.

use std::fmt::Write;

use jiff::Timestamp;

use masthead_core::{CommentStatus, NewArticle};

use crate::comments::{COMMENT_COLUMNS, CommentRow};
use crate::{Result, Store, StoreError, now_seconds, on_db, placeholders, timestamp};

/// An old address and where it now lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// In the form of [`redirect_path`].
    pub from_path: String,
    pub to_path: String,
    pub created_at: Timestamp,
}

/// What an imported record became here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportedKind {
    Article,
    Term,
    Author,
    Media,
}

impl ImportedKind {
    pub fn key(self) -> &'static str {
        match self {
            ImportedKind::Article => "article",
            ImportedKind::Term => "term",
            ImportedKind::Author => "author",
            ImportedKind::Media => "media",
        }
    }
}

/// A reader's comment as an importer (or, later, the comment form) gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    pub article_id: i64,
    /// The comment this one answers.
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_email: String,
    pub author_url: String,
    /// Sanitised HTML.
    pub body_html: String,
    pub created_at: Timestamp,
    pub approved: bool,
    /// The comment's identity where it came from ("wordpress:https://old.example:comment:11"):
    /// saving one with a known key updates it.
    pub source_key: Option<String>,
}

/// What saving a record keyed by its origin did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created,
    Updated,
    Unchanged,
}

/// What `import_keys.imported` keeps of the article `key` became, read back.
pub(crate) fn unpack_imported(key: &str, stored: &str) -> Result<NewArticle> {
    let json = crate::revisions::unpack(stored)
        .map_err(|e| StoreError::Corrupt(format!("the imported copy of {key}: {e}")))?;
    serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("the imported copy of {key}: {e}")))
}

/// An article as an export gave it, in the form `import_keys.imported` keeps it.
pub(crate) fn pack_imported(imported: &NewArticle) -> Result<String> {
    let json = serde_json::to_string(imported)
        .map_err(|e| StoreError::Invalid(format!("the imported article cannot be kept: {e}")))?;
    Ok(crate::revisions::pack(&json))
}

/// Whether a saved comment is what an importer gives again.
fn same_as(row: &CommentRow, new: &NewComment) -> bool {
    row.article_id == new.article_id
        && row.parent_id == new.parent_id
        && row.author_name == new.author_name
        && row.author_email == new.author_email
        && row.author_url == new.author_url
        && row.body_html == new.body_html
        && row.created_at == new.created_at.as_second()
        && row.status == imported_status(new).key()
}

fn imported_status(new: &NewComment) -> CommentStatus {
    if new.approved { CommentStatus::Approved } else { CommentStatus::Held }
}

/// Writes `s` with every percent-escape in one form (RFC 3986 §6.2.2): escapes of letters,
/// digits and `-._~` decoded, the others in upper case, and raw non-ASCII bytes escaped. Old
/// links name the same page as `%c5%a1abac`, `%C5%A1abac` or `šabac`.
fn normalise_escapes(s: &str, out: &mut String) {
    let bytes = s.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let escaped =
            match (b, bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
                (b'%', Some(high), Some(low)) => Some((high * 16 + low) as u8),
                _ => None,
            };
        match escaped {
            Some(v) if v.is_ascii_alphanumeric() || b"-._~".contains(&v) => {
                out.push(char::from(v));
                i += 3;
            }
            Some(v) => {
                let _ = write!(out, "%{v:02X}");
                i += 3;
            }
            None if b.is_ascii() => {
                out.push(char::from(b));
                i += 1;
            }
            None => {
                let _ = write!(out, "%{b:02X}");
                i += 1;
            }
        }
    }
}

/// An old address split into its path and its query, each normalised: no scheme or host, no
/// fragment, no trailing slash (but "/"), `/index.php` dropped from the front (WordPress's
/// `/index.php?p=1` and `/index.php/2019/05/x` are its `/?p=1` and `/2019/05/x`), and the
/// query's parameters sorted.
fn split_address(address: &str) -> Result<(String, Option<String>)> {
    let address = address.trim();
    if address.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(StoreError::Invalid(format!("{address:?} is not an address: it contains spaces")));
    }
    // "https://old.example/x" and "//old.example/x" name the path "/x".
    let rest = match address.split_once("://") {
        Some((scheme, rest)) if !scheme.contains(['/', '?', '#']) => Some(rest),
        _ => address.strip_prefix("//"),
    };
    let local = match rest {
        Some(rest) => rest.find(['/', '?', '#']).map(|i| &rest[i..]).unwrap_or(""),
        None => address,
    };
    let local = local.split('#').next().unwrap_or_default();
    let (raw_path, raw_query) = match local.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (local, None),
    };
    let mut path = String::with_capacity(raw_path.len() + 1);
    if !raw_path.starts_with('/') {
        path.push('/');
    }
    normalise_escapes(raw_path, &mut path);
    if path == "/index.php" {
        path.truncate(1);
    } else if path.starts_with("/index.php/") {
        path.replace_range(.."/index.php".len(), "");
    }
    let trimmed = path.trim_end_matches('/').len().max(1);
    path.truncate(trimmed);
    let query = raw_query.map(|q| {
        let mut parameters: Vec<String> = q
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let mut out = String::with_capacity(p.len());
                normalise_escapes(p, &mut out);
                out
            })
            .collect();
        parameters.sort();
        parameters.join("&")
    });
    Ok((path, query.filter(|q| !q.is_empty())))
}

/// The form an old address is stored and looked up in: path and sorted query, without scheme,
/// host, fragment or trailing slash. `https://old.example/2019/05/Old-Slug/?b=2&a=1#top`
/// becomes `/2019/05/Old-Slug?a=1&b=2`; `/index.php?p=7` becomes `/?p=7`.
pub fn redirect_path(address: &str) -> Result<String> {
    let (path, query) = split_address(address)?;
    Ok(match query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    })
}

/// The stored forms a request may match, best first: the whole address; then, for WordPress's
/// `?p=123` and `?page_id=123` among other parameters (a campaign's `utm_source`), only those;
/// then the path without its query.
fn lookup_paths(path_and_query: &str) -> Result<Vec<String>> {
    let (path, query) = split_address(path_and_query)?;
    let mut paths = Vec::with_capacity(3);
    if let Some(query) = query {
        paths.push(format!("{path}?{query}"));
        let ids: Vec<&str> =
            query.split('&').filter(|p| p.starts_with("p=") || p.starts_with("page_id=")).collect();
        if !ids.is_empty() {
            paths.push(format!("{path}?{}", ids.join("&")));
        }
    }
    paths.push(path);
    paths.dedup();
    Ok(paths)
}

/// Where a redirect may send a reader: a path on this site, or an http(s) address. Non-ASCII
/// is percent-encoded so that it can go in a `Location` header as it is.
fn redirect_target(to: &str) -> Result<String> {
    let to = to.trim();
    let local = to.starts_with('/') && !to.starts_with("//");
    let absolute = to.starts_with("https://") || to.starts_with("http://");
    if !(local || absolute) || to.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(StoreError::Invalid(format!(
            "a redirect must lead to a path on this site or an http(s) address, not {to:?}"
        )));
    }
    let mut out = String::with_capacity(to.len());
    for c in to.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    Ok(out)
}

impl Store {
    /// Sends readers of the old address `from` (a path, with an optional query, or a whole URL
    /// whose host is dropped) to `to`, replacing where it sent them before. True when the
    /// redirect is new or changed.
    pub async fn set_redirect(&self, from: &str, to: &str) -> Result<bool> {
        let outcome = self.set_redirects(&[(from.to_owned(), to.to_owned())]).await?.pop();
        match outcome {
            Some(Ok(changed)) => Ok(changed),
            Some(Err(reason)) => Err(StoreError::Invalid(reason)),
            None => Err(StoreError::Corrupt(format!("the redirect from {from} was not saved"))),
        }
    }

    /// [`Store::set_redirect`] for many at once, in few statements (an import's batch): for each
    /// `(from, to)`, whether it is new or changed, or why it cannot be a redirect. When one old
    /// address comes twice, the last one counts.
    pub async fn set_redirects(
        &self,
        redirects: &[(String, String)],
    ) -> Result<Vec<std::result::Result<bool, String>>> {
        let mut outcomes: Vec<std::result::Result<bool, String>> = Vec::with_capacity(redirects.len());
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut row_of: Vec<Option<usize>> = Vec::with_capacity(redirects.len());
        for (from, to) in redirects {
            let checked = (|| -> Result<(String, String)> {
                let from_path = redirect_path(from)?;
                let to_path = redirect_target(to)?;
                if from_path == "/" {
                    return Err(StoreError::Invalid("the home page cannot be redirected".into()));
                }
                if redirect_path(&to_path).is_ok_and(|to| to == from_path) {
                    return Err(StoreError::Invalid(format!("{from_path} cannot redirect to itself")));
                }
                Ok((from_path, to_path))
            })();
            match checked {
                Ok(row) => {
                    let at = match rows.iter().position(|(f, _)| *f == row.0) {
                        Some(at) => {
                            rows[at] = row;
                            at
                        }
                        None => {
                            rows.push(row);
                            rows.len() - 1
                        }
                    };
                    row_of.push(Some(at));
                    outcomes.push(Ok(false));
                }
                Err(StoreError::Invalid(reason)) => {
                    row_of.push(None);
                    outcomes.push(Err(reason));
                }
                Err(e) => return Err(e),
            }
        }
        let mut changed = std::collections::HashSet::new();
        let now = now_seconds();
        for chunk in rows.chunks(500) {
            let sql = format!(
                "INSERT INTO redirects (from_path, to_path, created_at) VALUES {} \
                 ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path \
                 WHERE redirects.to_path <> excluded.to_path RETURNING from_path",
                (0..chunk.len())
                    .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let written: Vec<String> = on_db!(self, pool => {
                let mut q = sqlx::query_scalar(&sql);
                for (from, to) in chunk {
                    q = q.bind(from).bind(to).bind(now);
                }
                q.fetch_all(pool).await?
            });
            changed.extend(written);
        }
        for (outcome, row) in outcomes.iter_mut().zip(row_of) {
            if let (Ok(flag), Some(at)) = (outcome, row) {
                *flag = changed.contains(&rows[at].0);
            }
        }
        Ok(outcomes)
    }

    /// Where the old address `path_and_query` (as a request names it: `/2019/05/x/`,
    /// `/index.php?p=7&utm_source=feed`) now lives, if it was redirected. One query.
    pub async fn redirect_for(&self, path_and_query: &str) -> Result<Option<String>> {
        let Ok(paths) = lookup_paths(path_and_query) else { return Ok(None) };
        let sql = format!(
            "SELECT from_path, to_path FROM redirects WHERE from_path IN ({})",
            placeholders(1, paths.len())
        );
        let found: Vec<(String, String)> = on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            for path in &paths {
                q = q.bind(path);
            }
            q.fetch_all(pool).await?
        });
        Ok(paths.iter().find_map(|p| found.iter().find(|(from, _)| from == p).map(|(_, to)| to.clone())))
    }

    /// Up to `limit` redirects, by old address.
    pub async fn redirects(&self, limit: u32) -> Result<Vec<Redirect>> {
        let rows: Vec<(String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT from_path, to_path, created_at FROM redirects ORDER BY from_path LIMIT $1")
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(from_path, to_path, at)| Ok(Redirect { from_path, to_path, created_at: timestamp(at)? }))
            .collect()
    }

    /// The record that `key` from `source` became, when it was imported before.
    pub async fn import_key(&self, source: &str, kind: ImportedKind, key: &str) -> Result<Option<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT record_id FROM import_keys WHERE source = $1 AND key = $2 AND kind = $3")
                .bind(source)
                .bind(key)
                .bind(kind.key())
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Every key kept under `source`: what each became.
    pub async fn import_keys_of(&self, source: &str) -> Result<Vec<(ImportedKind, String, i64)>> {
        let rows: Vec<(String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT kind, key, record_id FROM import_keys WHERE source = $1")
                .bind(source)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(kind, key, id)| {
                let kind =
                    [ImportedKind::Article, ImportedKind::Term, ImportedKind::Author, ImportedKind::Media]
                        .into_iter()
                        .find(|k| k.key() == kind)?;
                Some((kind, key, id))
            })
            .collect())
    }

    /// The article that `key` from `source` was when the last import read it from the export;
    /// None when that is not known (keys kept before imports noted it) or the key is unknown.
    pub async fn imported_article(&self, source: &str, key: &str) -> Result<Option<NewArticle>> {
        let found: Option<Option<String>> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT imported FROM import_keys WHERE source = $1 AND key = $2 AND kind = $3")
                .bind(source)
                .bind(key)
                .bind(ImportedKind::Article.key())
                .fetch_optional(pool)
                .await?
        });
        found.flatten().map(|stored| unpack_imported(key, &stored)).transpose()
    }

    /// Notes what the article that `key` from `source` became was in the export this time.
    pub async fn set_imported_article(&self, source: &str, key: &str, imported: &NewArticle) -> Result<()> {
        let packed = pack_imported(imported)?;
        on_db!(self, pool => {
            sqlx::query("UPDATE import_keys SET imported = $4 WHERE source = $1 AND key = $2 AND kind = $3")
                .bind(source)
                .bind(key)
                .bind(ImportedKind::Article.key())
                .bind(packed)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Notes that `key` from `source` became the record `record_id` (replacing what it was).
    pub async fn set_import_key(
        &self,
        source: &str,
        kind: ImportedKind,
        key: &str,
        record_id: i64,
    ) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO import_keys (source, key, kind, record_id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (source, key, kind) DO UPDATE SET record_id = excluded.record_id",
            )
            .bind(source)
            .bind(key)
            .bind(kind.key())
            .bind(record_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// [`Store::upsert_comment`] for many at once, in two statements per few hundred (an
    /// import's batch): their ids and what saving each did, in order. Each comment's parent
    /// must be saved already, and every comment needs a `source_key`, each key once.
    pub async fn upsert_comments(&self, comments: &[NewComment]) -> Result<Vec<(i64, Saved)>> {
        let mut saved = Vec::with_capacity(comments.len());
        // A statement may not write one key twice: a key met again starts the next statement.
        let mut groups: Vec<&[NewComment]> = Vec::new();
        let (mut start, mut keys) = (0, std::collections::HashSet::new());
        for (i, c) in comments.iter().enumerate() {
            if i - start == 300 || !keys.insert(c.source_key.as_deref()) {
                groups.push(&comments[start..i]);
                start = i;
                keys.clear();
                keys.insert(c.source_key.as_deref());
            }
        }
        groups.push(&comments[start..]);
        for chunk in groups.into_iter().filter(|g| !g.is_empty()) {
            let keys: Vec<&str> = chunk
                .iter()
                .map(|c| {
                    c.source_key
                        .as_deref()
                        .ok_or_else(|| StoreError::Invalid("an imported comment needs its key".into()))
                })
                .collect::<Result<_>>()?;
            let sql = format!(
                "SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.source_key IN ({})",
                placeholders(1, keys.len())
            );
            let existing: Vec<CommentRow> = on_db!(self, pool => {
                let mut q = sqlx::query_as(&sql);
                for key in &keys {
                    q = q.bind(*key);
                }
                q.fetch_all(pool).await?
            });
            let found = |key: &str| existing.iter().find(|row| row.source_key.as_deref() == Some(key));
            let changed: Vec<&NewComment> = chunk
                .iter()
                .filter(|c| {
                    !found(c.source_key.as_deref().unwrap_or_default()).is_some_and(|row| same_as(row, c))
                })
                .collect();
            let ids: std::collections::HashMap<String, i64> = self
                .write_comments(&changed)
                .await?
                .into_iter()
                .filter_map(|(id, key)| Some((key?, id)))
                .collect();
            for c in chunk {
                let key = c.source_key.as_deref().unwrap_or_default();
                let row = found(key);
                saved.push(match (ids.get(key), row) {
                    (Some(&id), Some(_)) => (id, Saved::Updated),
                    (Some(&id), None) => (id, Saved::Created),
                    (None, Some(row)) => (row.id, Saved::Unchanged),
                    (None, None) => return Err(StoreError::Corrupt(format!("comment {key} was not saved"))),
                });
            }
        }
        Ok(saved)
    }

    /// Saves a comment; one whose `source_key` is known replaces the one saved before.
    /// Returns its id and what the save did.
    pub async fn upsert_comment(&self, new: &NewComment) -> Result<(i64, Saved)> {
        if new.source_key.is_some() {
            return self
                .upsert_comments(std::slice::from_ref(new))
                .await?
                .pop()
                .ok_or_else(|| StoreError::Corrupt("the comment was not saved".into()));
        }
        let written = self.write_comments(&[new]).await?;
        let (id, _) =
            written.first().ok_or_else(|| StoreError::Corrupt("the comment was not saved".into()))?;
        Ok((*id, Saved::Created))
    }

    /// Writes `comments` in one statement, replacing those whose `source_key` is saved already;
    /// answers each written row's id and key.
    async fn write_comments(&self, comments: &[&NewComment]) -> Result<Vec<(i64, Option<String>)>> {
        if comments.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "INSERT INTO comments (article_id, parent_id, author_name, author_email, author_url, body_html, \
             created_at, status, source_key) VALUES {} \
             ON CONFLICT (source_key) DO UPDATE SET article_id = excluded.article_id, \
             parent_id = excluded.parent_id, author_name = excluded.author_name, \
             author_email = excluded.author_email, author_url = excluded.author_url, \
             body_html = excluded.body_html, created_at = excluded.created_at, status = excluded.status \
             RETURNING id, source_key",
            (0..comments.len())
                .map(|i| format!("({})", placeholders(9 * i + 1, 9)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            for c in comments {
                q = q
                    .bind(c.article_id)
                    .bind(c.parent_id)
                    .bind(&c.author_name)
                    .bind(&c.author_email)
                    .bind(&c.author_url)
                    .bind(&c.body_html)
                    .bind(c.created_at.as_second())
                    .bind(imported_status(c).key())
                    .bind(&c.source_key);
            }
            q.fetch_all(pool).await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_addresses_have_one_form() {
        let same = [
            "/2019/05/old-slug/",
            "/2019/05/old-slug",
            "https://old.example/2019/05/old-slug/",
            "//old.example/2019/05/old-slug#comments",
            "/index.php/2019/05/old-slug/",
            "/2019/05/%6Fld-slug",
        ];
        for address in same {
            assert_eq!(redirect_path(address).unwrap(), "/2019/05/old-slug", "{address}");
        }
        assert_eq!(redirect_path("/?p=123").unwrap(), "/?p=123");
        assert_eq!(redirect_path("/index.php?p=123").unwrap(), "/?p=123");
        assert_eq!(redirect_path("https://old.example?p=123").unwrap(), "/?p=123");
        assert_eq!(redirect_path("https://old.example").unwrap(), "/");
        assert_eq!(redirect_path("/x/?b=2&a=1&").unwrap(), "/x?a=1&b=2");
        assert_eq!(redirect_path("old-slug").unwrap(), "/old-slug");
        assert_eq!(redirect_path("/2024/%c5%a1abac/").unwrap(), "/2024/%C5%A1abac");
        assert_eq!(redirect_path("/2024/šabac").unwrap(), "/2024/%C5%A1abac");
        assert_eq!(redirect_path("/a%2fb").unwrap(), "/a%2Fb", "an escaped slash stays escaped");
        assert!(redirect_path("/a b").is_err());
    }

    #[test]
    fn a_request_matches_its_whole_address_then_its_id_then_its_path() {
        assert_eq!(lookup_paths("/x/").unwrap(), ["/x"]);
        assert_eq!(
            lookup_paths("/index.php?utm_source=feed&p=7").unwrap(),
            ["/?p=7&utm_source=feed", "/?p=7", "/"]
        );
        assert_eq!(lookup_paths("/x/?utm_source=feed").unwrap(), ["/x?utm_source=feed", "/x"]);
        assert_eq!(lookup_paths("/?p=7").unwrap(), ["/?p=7", "/"]);
    }

    #[test]
    fn targets_are_paths_or_web_addresses() {
        assert_eq!(redirect_target("/article/šabac").unwrap(), "/article/%C5%A1abac");
        assert_eq!(redirect_target("https://elsewhere.example/x").unwrap(), "https://elsewhere.example/x");
        for bad in ["//evil.example/", "javascript:alert(1)", "article/x", "/a b"] {
            assert!(redirect_target(bad).is_err(), "{bad}");
        }
    }
}
