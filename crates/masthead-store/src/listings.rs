//! Listings: every published article under each term it is filed under and each term above
//! those (`term_listings`), and under each of its authors (`author_listings`), by publication
//! time, so that an archive of a term and all below it, or of an author, is one range of an
//! index, newest first. Written in each save's transaction ([`list_published!`]); the term
//! listings are rebuilt whole when a term moves (every article below it moves with it), and
//! both after a restore.

use crate::{Result, Store, on_db};

/// The rows of every published article: its terms and their ancestors (`depth` bounds the
/// walk should an import ever have written a cycle).
pub(crate) const LIST_ALL: &str = "WITH RECURSIVE up (article_id, term_id, depth) AS ( \
     SELECT at.article_id, at.term_id, 0 FROM article_terms at JOIN articles a ON a.id = at.article_id \
     WHERE a.status = 'published' AND a.published_at IS NOT NULL \
     UNION ALL \
     SELECT up.article_id, t.parent_id, up.depth + 1 FROM up JOIN terms t ON t.id = up.term_id \
     WHERE t.parent_id IS NOT NULL AND up.depth < 32) \
     INSERT INTO term_listings (term_id, published_at, article_id) \
     SELECT DISTINCT up.term_id, a.published_at, up.article_id FROM up JOIN articles a ON a.id = up.article_id";

/// The rows of article `$1`, published at `$2`.
pub(crate) const LIST_ONE: &str = "WITH RECURSIVE up (term_id, depth) AS ( \
     SELECT term_id, 0 FROM article_terms WHERE article_id = $1 \
     UNION ALL \
     SELECT t.parent_id, up.depth + 1 FROM up JOIN terms t ON t.id = up.term_id \
     WHERE t.parent_id IS NOT NULL AND up.depth < 32) \
     INSERT INTO term_listings (term_id, published_at, article_id) SELECT DISTINCT term_id, $2, $1 FROM up";

/// The author rows of article `$1`, published at `$2`.
pub(crate) const LIST_AUTHORS_ONE: &str = "INSERT INTO author_listings (author_id, published_at, article_id) \
     SELECT DISTINCT author_id, $2, $1 FROM article_authors WHERE article_id = $1";

/// The author rows of every published article.
pub(crate) const LIST_AUTHORS_ALL: &str = "INSERT INTO author_listings (author_id, published_at, article_id) \
     SELECT DISTINCT aa.author_id, a.published_at, a.id FROM article_authors aa JOIN articles a ON a.id = aa.article_id \
     WHERE a.status = 'published' AND a.published_at IS NOT NULL";

/// Writes article `$id`'s listing rows inside the transaction `$tx`, after its terms and
/// authors: none unless it is published (`$status`) with a publication time (`$published_at`,
/// seconds).
macro_rules! list_published {
    ($tx:ident, $id:expr, $status:expr, $published_at:expr) => {{
        sqlx::query("DELETE FROM term_listings WHERE article_id = $1").bind($id).execute(&mut *$tx).await?;
        sqlx::query("DELETE FROM author_listings WHERE article_id = $1").bind($id).execute(&mut *$tx).await?;
        if let (masthead_core::ArticleStatus::Published, Some(at)) = ($status, $published_at) {
            sqlx::query($crate::listings::LIST_ONE).bind($id).bind(at).execute(&mut *$tx).await?;
            sqlx::query($crate::listings::LIST_AUTHORS_ONE).bind($id).bind(at).execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use list_published;

/// Writes every article's term listing rows again inside the transaction `$tx`.
macro_rules! relist_all {
    ($tx:ident) => {{
        sqlx::query("DELETE FROM term_listings").execute(&mut *$tx).await?;
        sqlx::query($crate::listings::LIST_ALL).execute(&mut *$tx).await?.rows_affected()
    }};
}
pub(crate) use relist_all;

impl Store {
    /// Writes every article's listing rows again (terms and authors), in one transaction;
    /// returns how many.
    pub async fn rebuild_listings(&self) -> Result<u64> {
        Ok(on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = relist_all!(tx);
            sqlx::query("DELETE FROM author_listings").execute(&mut *tx).await?;
            let m = sqlx::query(LIST_AUTHORS_ALL).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            n + m
        }))
    }
}
