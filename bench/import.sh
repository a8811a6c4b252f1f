#!/usr/bin/env bash
# A WordPress import of N synthetic posts (bench/wxr.py: authors, co-authors, categories, tags,
# comments) into an empty site, once on SQLite and once on PostgreSQL, timed with /usr/bin/time
# (wall time and peak memory); a second run of the same export on each, which must change
# nothing. See BENCHMARKS.md, "Imports".
#
# Usage: bench/import.sh [--posts 20000] [--database-url postgres://postgres@127.0.0.1:5432/test] [--smoke]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
POSTS=20000
PROFILE=release
PG_URL="postgres://postgres@127.0.0.1:5432/test"
while [ $# -gt 0 ]; do
  case "$1" in
    --posts) POSTS="$2"; shift ;;
    --database-url) PG_URL="$2"; shift ;;
    --smoke) POSTS=200; PROFILE=debug ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
flag=(); [ "$PROFILE" = release ] && flag=(--release)
cargo build "${flag[@]}" -p masthead --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/masthead"
W="$(mktemp -d /tmp/masthead-import.XXXXXX)"
SCHEMA="bench_import_$$"
cleanup() {
  psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
python3 bench/wxr.py "$POSTS" > "$W/export.xml"
psql "$PG_URL" -qc "CREATE SCHEMA $SCHEMA" >/dev/null
PG="$PG_URL?options=-c%20search_path%3D$SCHEMA"

run() { # backend, data folder, run label, extra arguments
  local backend="$1" data="$2" label="$3"; shift 3
  /usr/bin/time -f "%e %M" -o "$W/time" "$BIN" import wordpress "$W/export.xml" --data "$data" "$@" > "$W/out"
  read -r secs kb < "$W/time"
  articles=$(grep -E '^  articles' "$W/out" | sed 's/^  articles *//')
  printf '%-10s %-6s %8.1f s %7d MB   articles: %s\n' "$backend" "$label" "$secs" $((kb / 1024)) "$articles"
  if [ "$label" = again ] && ! grep -q "articles   0 new, 0 updated, $POSTS unchanged" "$W/out"; then
    echo "the second run changed something:" >&2; cat "$W/out" >&2; exit 1
  fi
}

echo "WordPress import of $POSTS posts ($(du -h "$W/export.xml" | cut -f1)), $PROFILE build"
run sqlite "$W/sqlite" first
run sqlite "$W/sqlite" again
run postgres "$W/pg" first --database-url "$PG"
run postgres "$W/pg" again --database-url "$PG"
