#!/usr/bin/env python3
"""Grows a generated outlet to many times its size for the search benchmark at sizes that
`masthead generate` would take hours to reach: the articles are copied (with their regions,
themes, tags, authors and search rows) as many times as asked, each copy with its own ids and
slugs. The originals' dates (and their listings) move back first, so that the copies fill the years between and a
larger id still means a more recent article, as on a real site.

The copies repeat the originals' words, so each word is in as large a share of the articles as
before and a name stays as rare, in proportion, as it was.

Usage: bench/grow_site.py sqlite PATH TIMES
       bench/grow_site.py postgres TIMES | psql URL    (prints the SQL)
"""

import sys
import time

ARTICLE_COLUMNS = (
    "slug, title, dek, body_format, body_source, body_html, excerpt, status, created_at, "
    "updated_at, published_at, time_zone, featured_media_id, featured_alt, featured_credit, "
    "reuse_policy, revision"
)


def copy_statements(k, base, span, postgres):
    """The statements that make copy k (1, 2, …) of the first `base` articles, `span` seconds
    after them; `base` and `span` are SQL (numbers, or psql's variables)."""
    offset = f"{k} * {base}"
    select = ARTICLE_COLUMNS.replace("slug,", f"slug || '-copy-{k}',", 1).replace(
        "published_at,", f"published_at + {k} * {span},", 1
    )
    statements = [
        f"INSERT INTO articles (id, {ARTICLE_COLUMNS}) SELECT id + {offset}, {select} "
        f"FROM articles WHERE id <= {base}",
        f"INSERT INTO article_terms (article_id, term_id, position) "
        f"SELECT article_id + {offset}, term_id, position FROM article_terms WHERE article_id <= {base}",
        f"INSERT INTO article_authors (article_id, author_id, position) "
        f"SELECT article_id + {offset}, author_id, position FROM article_authors WHERE article_id <= {base}",
        f"INSERT INTO term_listings (term_id, published_at, article_id) "
        f"SELECT term_id, published_at + {k} * {span}, article_id + {offset} FROM term_listings "
        f"WHERE article_id <= {base}",
        f"INSERT INTO author_listings (author_id, published_at, article_id) "
        f"SELECT author_id, published_at + {k} * {span}, article_id + {offset} FROM author_listings "
        f"WHERE article_id <= {base}",
    ]
    if postgres:
        statements.append(
            f"INSERT INTO article_search (article_id, title, dek, body, document) "
            f"SELECT article_id + {offset}, title, dek, body, document FROM article_search "
            f"WHERE article_id <= {base}"
        )
    else:
        statements.append(
            f"INSERT INTO article_search (rowid, title, dek, body) "
            f"SELECT rowid + {offset}, title, dek, body FROM article_search WHERE rowid <= {base}"
        )
    return statements


def moved_back(base, span, times):
    """The originals move back by (times - 1) spans; copy k then comes k spans after them."""
    return (
        f"UPDATE articles SET published_at = published_at - ({times} - 1) * {span} WHERE id <= {base}",
        f"UPDATE term_listings SET published_at = published_at - ({times} - 1) * {span} WHERE article_id <= {base}",
        f"UPDATE author_listings SET published_at = published_at - ({times} - 1) * {span} WHERE article_id <= {base}",
    )


def sqlite(path, times):
    import sqlite3

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -262144")
    base, newest, oldest = db.execute(
        "SELECT COUNT(*), MAX(published_at), MIN(published_at) FROM articles"
    ).fetchone()
    if db.execute("SELECT MAX(id) FROM articles").fetchone()[0] != base:
        sys.exit("the articles' ids are not 1 to their number: grow a freshly generated site")
    span = newest - oldest + 1800
    db.execute("BEGIN")
    for statement in moved_back(base, span, times):
        db.execute(statement)
    db.execute("COMMIT")
    for k in range(1, times):
        started = time.monotonic()
        db.execute("BEGIN")
        for statement in copy_statements(k, base, span, False):
            db.execute(statement)
        db.execute("COMMIT")
        print(f"copy {k} of {times - 1}: {time.monotonic() - started:.1f} s", file=sys.stderr)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def postgres(times):
    # The base's figures are read by psql itself into variables; the text index is dropped
    # while the rows go in and built once at the end.
    print("\\set ON_ERROR_STOP on")
    print("SELECT COUNT(*) AS base, MAX(published_at) - MIN(published_at) + 1800 AS span FROM articles \\gset")
    print("SELECT :base = MAX(id) AS contiguous FROM articles \\gset")
    print("\\if :contiguous \\else \\echo 'the ids are not 1 to their number' \\q \\endif")
    print("DROP INDEX article_search_document;")
    for statement in moved_back(":base", ":span", times):
        print(statement + ";")
    for k in range(1, times):
        print("\\echo copy %d of %d" % (k, times - 1))
        print("BEGIN;")
        for statement in copy_statements(k, ":base", ":span", True):
            print(statement + ";")
        print("COMMIT;")
    print("SET maintenance_work_mem = '1GB';")
    print("\\echo building the text index")
    print("CREATE INDEX article_search_document ON article_search USING GIN (document);")
    print("SELECT setval(pg_get_serial_sequence('articles', 'id'), (SELECT MAX(id) FROM articles));")
    print("VACUUM ANALYZE;")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "sqlite":
        sqlite(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "postgres":
        postgres(int(sys.argv[2]))
    else:
        sys.exit(__doc__)
