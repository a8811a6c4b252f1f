//! Regions, themes and tags, and their trees.

use masthead_core::{NewTerm, Slug, Term, TermKind};

use crate::rows::{TERM_COLUMNS, TermRow};
use crate::{Result, Store, StoreError, on_db};

impl Store {
    pub async fn create_term(&self, new: &NewTerm) -> Result<Term> {
        self.check_parent(None, new).await?;
        let id: i64 = on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO terms (kind, slug, name, description, parent_id) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(new.kind.key())
            .bind(new.slug.as_str())
            .bind(&new.name)
            .bind(&new.description)
            .bind(new.parent_id)
            .fetch_one(pool)
            .await?
        });
        self.changed(vec![format!("term:{id}"), "listing".to_owned(), "nav".to_owned()]).await;
        self.term(id).await
    }

    /// Changes a term; its kind stays what it was.
    pub async fn update_term(&self, id: i64, new: &NewTerm) -> Result<Term> {
        let current = self.term(id).await?;
        if current.kind != new.kind {
            return Err(StoreError::Invalid(format!("a {} cannot become a {}", current.kind, new.kind)));
        }
        self.check_parent(Some(id), new).await?;
        let moved = current.parent_id != new.parent_id;
        // The top regions and themes are in every page's navigation.
        let mut keys = vec![format!("term:{id}")];
        if moved {
            // The archives of every term it left or joined list other articles now (rare:
            // every cached page goes).
            keys.push("all".to_owned());
        }
        if current.kind.is_hierarchical() && (current.parent_id.is_none() || new.parent_id.is_none()) {
            keys.push("nav".to_owned());
        }
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE terms SET slug = $1, name = $2, description = $3, parent_id = $4 WHERE id = $5")
                .bind(new.slug.as_str())
                .bind(&new.name)
                .bind(&new.description)
                .bind(new.parent_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            // Every article below the term is now listed under other terms above it.
            if moved {
                crate::listings::relist_all!(tx);
            }
            crate::notify::announce_in!(self, &mut *tx, &keys);
            tx.commit().await?;
        });
        self.changed_here(keys);
        self.term(id).await
    }

    /// Merges term `from` into `into` (of the same kind), in one transaction: every article filed
    /// under `from` is filed under `into` (once), the terms below `from` move below `into`, the
    /// addresses of `from`'s archive and feeds send readers to `into`'s, and `from` is deleted.
    pub async fn merge_term(&self, from: i64, into: i64) -> Result<Term> {
        let (old, new) = (self.term(from).await?, self.term(into).await?);
        if from == into {
            return Err(StoreError::Invalid("a term cannot be merged into itself".into()));
        }
        if old.kind != new.kind {
            return Err(StoreError::Invalid(format!("a {} cannot be merged into a {}", old.kind, new.kind)));
        }
        if self.term_path(into).await?.iter().any(|t| t.id == from) {
            return Err(StoreError::Invalid(format!(
                "{} is below {}: merge the other way",
                new.name, old.name
            )));
        }
        let now = jiff::Timestamp::now().as_second();
        let (old_base, new_base) = (old.path(), new.path());
        let keys = vec!["all".to_owned()];
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO article_terms (article_id, term_id, position) \
                 SELECT t.article_id, $2, t.position FROM article_terms t WHERE t.term_id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM article_terms o WHERE o.article_id = t.article_id AND o.term_id = $2)",
            )
            .bind(from)
            .bind(into)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM article_terms WHERE term_id = $1").bind(from).execute(&mut *tx).await?;
            sqlx::query("UPDATE terms SET parent_id = $2 WHERE parent_id = $1").bind(from).bind(into).execute(&mut *tx).await?;
            for suffix in ["", "/feed.xml", "/atom.xml", "/feed.json"] {
                sqlx::query(
                    "INSERT INTO redirects (from_path, to_path, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path",
                )
                .bind(format!("{old_base}{suffix}"))
                .bind(format!("{new_base}{suffix}"))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            // Addresses that sent readers to the old archive now send them to the new one.
            sqlx::query("UPDATE redirects SET to_path = $2 || substr(to_path, CAST($3 AS INTEGER)) WHERE to_path = $1 OR to_path LIKE $4")
                .bind(&old_base)
                .bind(&new_base)
                .bind(i64::try_from(old_base.len() + 1).unwrap_or(i64::MAX))
                .bind(format!("{old_base}/%"))
                .execute(&mut *tx)
                .await?;
            // Saved revisions, newsletter digests and partners' feeds that name it name the other.
            sqlx::query("UPDATE merged_terms SET into_id = $2 WHERE into_id = $1").bind(from).bind(into).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO merged_terms (from_id, into_id) VALUES ($1, $2) \
                 ON CONFLICT (from_id) DO UPDATE SET into_id = excluded.into_id",
            )
            .bind(from)
            .bind(into)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE digests SET term_id = $2 WHERE term_id = $1").bind(from).bind(into).execute(&mut *tx).await?;
            let feeds: Vec<(i64, String)> = sqlx::query_as("SELECT id, term_ids FROM sources WHERE term_ids <> ''")
                .fetch_all(&mut *tx)
                .await?;
            for (source, listed) in feeds {
                let ids: Vec<i64> = listed.split(',').filter_map(|t| t.trim().parse().ok()).collect();
                if !ids.contains(&from) {
                    continue;
                }
                let mut kept: Vec<i64> = Vec::with_capacity(ids.len());
                for id in ids.into_iter().map(|t| if t == from { into } else { t }) {
                    if !kept.contains(&id) {
                        kept.push(id);
                    }
                }
                let joined = kept.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                sqlx::query("UPDATE sources SET term_ids = $2 WHERE id = $1")
                    .bind(source)
                    .bind(joined)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM terms WHERE id = $1").bind(from).execute(&mut *tx).await?;
            crate::listings::relist_all!(tx);
            crate::notify::announce_in!(self, &mut *tx, &keys);
            tx.commit().await?;
        });
        self.changed_here(keys);
        self.term(into).await
    }

    /// A parent must be of the same, hierarchical kind, and not the term itself or below it.
    async fn check_parent(&self, id: Option<i64>, new: &NewTerm) -> Result<()> {
        if let Some(parent_id) = new.parent_id {
            if !new.kind.is_hierarchical() {
                return Err(StoreError::Invalid(format!("a {} cannot have a parent", new.kind)));
            }
            let parent = self.term(parent_id).await?;
            if parent.kind != new.kind {
                return Err(StoreError::Invalid(format!(
                    "the parent of a {} must be a {}, not a {}",
                    new.kind, new.kind, parent.kind
                )));
            }
            if let Some(id) = id
                && self.term_path(parent_id).await?.iter().any(|t| t.id == id)
            {
                return Err(StoreError::Invalid(
                    "a term cannot be placed under itself or one of its own children".into(),
                ));
            }
        }
        Ok(())
    }

    pub async fn term(&self, id: i64) -> Result<Term> {
        let sql = format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.id = $1");
        let row: TermRow = on_db!(self, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await?);
        row.into_term()
    }

    pub async fn term_by_slug(&self, kind: TermKind, slug: &Slug) -> Result<Term> {
        let sql = format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.kind = $1 AND t.slug = $2");
        let row: TermRow = on_db!(self, pool => {
            sqlx::query_as(&sql).bind(kind.key()).bind(slug.as_str()).fetch_one(pool).await?
        });
        row.into_term()
    }

    /// Every term of `kind`, ordered by name.
    pub async fn terms(&self, kind: TermKind) -> Result<Vec<Term>> {
        let sql = format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.kind = $1 ORDER BY t.name, t.id");
        let rows: Vec<TermRow> =
            on_db!(self, pool => sqlx::query_as(&sql).bind(kind.key()).fetch_all(pool).await?);
        rows.into_iter().map(TermRow::into_term).collect()
    }

    /// The term and its ancestors, root first: Europe, Balkans, Serbia.
    pub async fn term_path(&self, id: i64) -> Result<Vec<Term>> {
        // `depth` guards against a cycle that a bad import could have written.
        let sql = format!(
            "WITH RECURSIVE up (id, depth) AS ( \
                 SELECT id, 0 FROM terms WHERE id = $1 \
                 UNION ALL \
                 SELECT t.parent_id, up.depth + 1 FROM terms t JOIN up ON t.id = up.id \
                 WHERE t.parent_id IS NOT NULL AND up.depth < 32) \
             SELECT {TERM_COLUMNS} FROM terms t JOIN up ON t.id = up.id ORDER BY up.depth DESC"
        );
        let rows: Vec<TermRow> = on_db!(self, pool => sqlx::query_as(&sql).bind(id).fetch_all(pool).await?);
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        rows.into_iter().map(TermRow::into_term).collect()
    }

    /// The ids of a term and every term below it, however deep.
    pub async fn term_subtree(&self, id: i64) -> Result<Vec<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar(
                "WITH RECURSIVE subtree (id, depth) AS ( \
                     SELECT id, 0 FROM terms WHERE id = $1 \
                     UNION ALL \
                     SELECT t.id, subtree.depth + 1 FROM terms t JOIN subtree ON t.parent_id = subtree.id \
                     WHERE subtree.depth < 32) \
                 SELECT id FROM subtree",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The direct children of a term, ordered by name.
    pub async fn term_children(&self, id: i64) -> Result<Vec<Term>> {
        let sql = format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.parent_id = $1 ORDER BY t.name, t.id");
        let rows: Vec<TermRow> = on_db!(self, pool => sqlx::query_as(&sql).bind(id).fetch_all(pool).await?);
        rows.into_iter().map(TermRow::into_term).collect()
    }
}
