//! Schema migrations, embedded in the binary and applied at start. Each backend has its own
//! folder of numbered SQL files; both must describe the same tables.

use std::borrow::Cow;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use crate::{Result, Store, on_db};

/// (version, description, SQL)
type Embedded = &'static [(i64, &'static str, &'static str)];

const SQLITE: Embedded = &[
    (1, "foundation", include_str!("../migrations/sqlite/0001_foundation.sql")),
    (2, "republications", include_str!("../migrations/sqlite/0002_republications.sql")),
    (3, "webmentions", include_str!("../migrations/sqlite/0003_webmentions.sql")),
    (4, "accounts", include_str!("../migrations/sqlite/0004_accounts.sql")),
    (5, "article changes", include_str!("../migrations/sqlite/0005_article_changes.sql")),
    (6, "revisions", include_str!("../migrations/sqlite/0006_revisions.sql")),
    (7, "password resets", include_str!("../migrations/sqlite/0007_password_resets.sql")),
    (8, "media variants", include_str!("../migrations/sqlite/0008_media_variants.sql")),
    (9, "sources", include_str!("../migrations/sqlite/0009_sources.sql")),
    (10, "imports", include_str!("../migrations/sqlite/0010_imports.sql")),
    (11, "webmention claims", include_str!("../migrations/sqlite/0011_webmention_claims.sql")),
    (12, "possible duplicates", include_str!("../migrations/sqlite/0012_possible_duplicates.sql")),
    (13, "republish limits", include_str!("../migrations/sqlite/0013_republish_limits.sql")),
    (
        14,
        "sign-in attempts and token scopes",
        include_str!("../migrations/sqlite/0014_sign_in_attempts_and_token_scopes.sql"),
    ),
    (15, "site secrets", include_str!("../migrations/sqlite/0015_site_secrets.sql")),
    (16, "members", include_str!("../migrations/sqlite/0016_members.sql")),
    (17, "mail", include_str!("../migrations/sqlite/0017_mail.sql")),
    (18, "sends", include_str!("../migrations/sqlite/0018_sends.sql")),
    (19, "search", include_str!("../migrations/sqlite/0019_search.sql")),
    (20, "comments", include_str!("../migrations/sqlite/0020_comments.sql")),
    (21, "search_keywords", include_str!("../migrations/sqlite/0021_search_keywords.sql")),
    (22, "first_slug", include_str!("../migrations/sqlite/0022_first_slug.sql")),
    (23, "term_listings", include_str!("../migrations/sqlite/0023_term_listings.sql")),
    (24, "page_changes", include_str!("../migrations/sqlite/0024_page_changes.sql")),
    (25, "author_listings", include_str!("../migrations/sqlite/0025_author_listings.sql")),
    (26, "sitemap_indexes", include_str!("../migrations/sqlite/0026_sitemap_indexes.sql")),
    (27, "corrections", include_str!("../migrations/sqlite/0027_corrections.sql")),
    (28, "image_rights", include_str!("../migrations/sqlite/0028_image_rights.sql")),
    (29, "copy_checks", include_str!("../migrations/sqlite/0029_copy_checks.sql")),
    (30, "translations", include_str!("../migrations/sqlite/0030_translations.sql")),
    (31, "revised_at", include_str!("../migrations/sqlite/0031_revised_at.sql")),
    (32, "writing_desk", include_str!("../migrations/sqlite/0032_writing_desk.sql")),
    (33, "pages", include_str!("../migrations/sqlite/0033_pages.sql")),
    (34, "imported_articles", include_str!("../migrations/sqlite/0034_imported_articles.sql")),
    (35, "federation", include_str!("../migrations/sqlite/0035_federation.sql")),
    (36, "word_counts", include_str!("../migrations/sqlite/0036_word_counts.sql")),
    (
        37,
        "page_changes_in_milliseconds",
        include_str!("../migrations/sqlite/0037_page_changes_in_milliseconds.sql"),
    ),
    (38, "related_from_index", include_str!("../migrations/sqlite/0038_related_from_index.sql")),
];
const POSTGRES: Embedded = &[
    (1, "foundation", include_str!("../migrations/postgres/0001_foundation.sql")),
    (2, "republications", include_str!("../migrations/postgres/0002_republications.sql")),
    (3, "webmentions", include_str!("../migrations/postgres/0003_webmentions.sql")),
    (4, "accounts", include_str!("../migrations/postgres/0004_accounts.sql")),
    (5, "article changes", include_str!("../migrations/postgres/0005_article_changes.sql")),
    (6, "revisions", include_str!("../migrations/postgres/0006_revisions.sql")),
    (7, "password resets", include_str!("../migrations/postgres/0007_password_resets.sql")),
    (8, "media variants", include_str!("../migrations/postgres/0008_media_variants.sql")),
    (9, "sources", include_str!("../migrations/postgres/0009_sources.sql")),
    (10, "imports", include_str!("../migrations/postgres/0010_imports.sql")),
    (11, "webmention claims", include_str!("../migrations/postgres/0011_webmention_claims.sql")),
    (12, "possible duplicates", include_str!("../migrations/postgres/0012_possible_duplicates.sql")),
    (13, "republish limits", include_str!("../migrations/postgres/0013_republish_limits.sql")),
    (
        14,
        "sign-in attempts and token scopes",
        include_str!("../migrations/postgres/0014_sign_in_attempts_and_token_scopes.sql"),
    ),
    (15, "site secrets", include_str!("../migrations/postgres/0015_site_secrets.sql")),
    (16, "members", include_str!("../migrations/postgres/0016_members.sql")),
    (17, "mail", include_str!("../migrations/postgres/0017_mail.sql")),
    (18, "sends", include_str!("../migrations/postgres/0018_sends.sql")),
    (19, "search", include_str!("../migrations/postgres/0019_search.sql")),
    (20, "comments", include_str!("../migrations/postgres/0020_comments.sql")),
    (21, "search_keywords", include_str!("../migrations/postgres/0021_search_keywords.sql")),
    (22, "first_slug", include_str!("../migrations/postgres/0022_first_slug.sql")),
    (23, "term_listings", include_str!("../migrations/postgres/0023_term_listings.sql")),
    (24, "page_changes", include_str!("../migrations/postgres/0024_page_changes.sql")),
    (25, "author_listings", include_str!("../migrations/postgres/0025_author_listings.sql")),
    (26, "sitemap_indexes", include_str!("../migrations/postgres/0026_sitemap_indexes.sql")),
    (27, "corrections", include_str!("../migrations/postgres/0027_corrections.sql")),
    (28, "image_rights", include_str!("../migrations/postgres/0028_image_rights.sql")),
    (29, "copy_checks", include_str!("../migrations/postgres/0029_copy_checks.sql")),
    (30, "translations", include_str!("../migrations/postgres/0030_translations.sql")),
    (31, "revised_at", include_str!("../migrations/postgres/0031_revised_at.sql")),
    (32, "writing_desk", include_str!("../migrations/postgres/0032_writing_desk.sql")),
    (33, "pages", include_str!("../migrations/postgres/0033_pages.sql")),
    (34, "imported_articles", include_str!("../migrations/postgres/0034_imported_articles.sql")),
    (35, "federation", include_str!("../migrations/postgres/0035_federation.sql")),
    (36, "word_counts", include_str!("../migrations/postgres/0036_word_counts.sql")),
    (
        37,
        "page_changes_in_milliseconds",
        include_str!("../migrations/postgres/0037_page_changes_in_milliseconds.sql"),
    ),
    (38, "related_from_index", include_str!("../migrations/postgres/0038_related_from_index.sql")),
];

#[derive(Debug)]
struct Source(Embedded);

impl MigrationSource<'static> for Source {
    fn resolve(
        self,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

impl Store {
    /// Applies pending migrations. Safe to run from several nodes at once: sqlx takes an
    /// advisory lock on PostgreSQL.
    pub async fn migrate(&self) -> Result<()> {
        on_db!(self, pool => {
            let source = match self.db {
                crate::Db::Sqlite(_) => Source(SQLITE),
                crate::Db::Postgres(_) => Source(POSTGRES),
            };
            let migrator = Migrator::new(source).await?;
            migrator.run(pool).await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_backends_have_the_same_migrations() {
        let versions = |m: super::Embedded| m.iter().map(|(v, d, _)| (*v, *d)).collect::<Vec<_>>();
        assert_eq!(versions(super::SQLITE), versions(super::POSTGRES));
    }
}
