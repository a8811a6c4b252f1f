#!/usr/bin/env bash
# Archives and sitemaps as a site grows, on the embedded default (SQLite): `masthead generate`
# at each size (its time and peak memory), then, with the page cache off so that every answer
# is rendered, the server pinned to core 0 and wrk (one thread, 32 connections, gzip) to core
# 1: the home page, a region's archive (a tree of regions), a theme's, a common tag's, a rare
# and old tag's (on the 50 oldest articles only, added here), an author's, a guest writer's
# (on the 3 oldest, added here), the sitemap index,
# the last sitemap of articles and the news sitemap. The last column is the largest size's rate
# as a share of the smallest's. See BENCHMARKS.md, "Scale-out".
#
# With --grow-from N, a size above N is reached by generating N articles and copying them
# (bench/grow_site.py: the copies keep the originals' terms, authors, listings and search rows,
# and fill the years before them), which takes minutes where generating takes hours.
#
# MASTHEAD_BIN=path runs a given build instead of building this checkout (to measure a site
# before and after an upgrade: SCALE_WORK=dir keeps the sites between runs).
#
# Usage: bench/scale.sh [--sizes "1000 1000000"] [--grow-from 100000] [--duration 10s] [--smoke]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
SIZES="1000 1000000"
GROW_FROM=""
DURATION=10s
PROFILE=release
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --grow-from) GROW_FROM="$2"; shift ;;
    --smoke) SIZES="200 400"; GROW_FROM=200; DURATION=1s; PROFILE=debug ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in wrk taskset; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
flag=(); [ "$PROFILE" = release ] && flag=(--release)
if [ -n "${MASTHEAD_BIN:-}" ]; then
  BIN="$MASTHEAD_BIN"
else
  cargo build "${flag[@]}" -p masthead --quiet
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/masthead"
fi
WORK="${SCALE_WORK:-$(mktemp -d /tmp/masthead-scale.XXXXXX)}"
mkdir -p "$WORK"
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; [ -z "${SCALE_WORK:-}" ] && rm -rf "$WORK"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# requests/s of one address, uncached.
rate() {
  taskset -c 1 wrk -t1 -c32 -d"$DURATION" -H 'Accept-Encoding: gzip' "$1" \
    | awk '/Requests\/sec/ { printf "%.0f", $2 }'
}

PAGES=(/ /region/region-1 /theme/theme-1 /tag/tag-1 /tag/rare-and-old /author/writer-a-1 /author/guest-writer /sitemap.xml SITEMAP_LAST /news-sitemap.xml)
declare -A RATE FIRST
for N in $SIZES; do
  DATA="$WORK/site-$N"
  if [ ! -f "$DATA/masthead.db" ]; then
    if [ -n "$GROW_FROM" ] && [ "$N" -gt "$GROW_FROM" ]; then
      echo "== $N articles: generating $GROW_FROM, then copying them $((N / GROW_FROM)) times"
      /usr/bin/time -f "%e %M" -o "$WORK/time-$N" "$BIN" generate --data "$DATA" --articles "$GROW_FROM" | tail -1
      read -r secs kb <"$WORK/time-$N"
      echo "generated $GROW_FROM articles in ${secs} s, peak memory $((kb / 1024)) MB"
      started=$(date +%s)
      python3 bench/grow_site.py sqlite "$DATA/masthead.db" $((N / GROW_FROM))
      echo "grew to $N articles in $(( $(date +%s) - started )) s"
    else
      echo "== $N articles: generating"
      /usr/bin/time -f "%e %M" -o "$WORK/time-$N" "$BIN" generate --data "$DATA" --articles "$N" | tail -1
      read -r secs kb <"$WORK/time-$N"
      echo "generated $N articles in ${secs} s, peak memory $((kb / 1024)) MB"
    fi
    # A tag on the 50 oldest articles only, listed as every term is.
    python3 - "$DATA/masthead.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO terms (kind, slug, name) VALUES ('tag', 'rare-and-old', 'Rare and old')")
tag = db.execute("SELECT id FROM terms WHERE slug = 'rare-and-old'").fetchone()[0]
oldest = db.execute("SELECT id, published_at FROM articles WHERE status = 'published' ORDER BY published_at, id LIMIT 50").fetchall()
db.executemany("INSERT INTO article_terms (article_id, term_id, position) VALUES (?, ?, 99)", [(a, tag) for a, _ in oldest])
db.executemany("INSERT INTO term_listings (term_id, published_at, article_id) VALUES (?, ?, ?)", [(tag, p, a) for a, p in oldest])
# A guest writer with three old pieces.
db.execute("INSERT INTO authors (slug, name, bio, links) VALUES ('guest-writer', 'A guest writer', '', '[]')")
guest = db.execute("SELECT id FROM authors WHERE slug = 'guest-writer'").fetchone()[0]
db.executemany("INSERT INTO article_authors (article_id, author_id, position) VALUES (?, ?, 9)", [(a, guest) for a, _ in oldest[:3]])
if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'author_listings'").fetchone():
    db.executemany("INSERT INTO author_listings (author_id, published_at, article_id) VALUES (?, ?, ?)", [(guest, p, a) for a, p in oldest[:3]])
db.commit()
PY
  fi
  PORT="$(free_port)"
  taskset -c 0 "$BIN" serve --data "$DATA" --addr "127.0.0.1:$PORT" --page-cache-mb 0 --no-jobs >"$WORK/serve-$N.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break; sleep 0.1; done
  last="$(curl -fsS "http://127.0.0.1:$PORT/sitemap.xml" | grep -o '/sitemap/articles-[0-9]*\.xml' | tail -n 1)"
  for page in "${PAGES[@]}"; do
    path="$page"; [ "$page" = SITEMAP_LAST ] && path="$last"
    FIRST[$N,$page]="$(curl -fsS -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT$path" | awk '{ printf "%.0f", $1 * 1000 }')"
    RATE[$N,$page]="$(rate "http://127.0.0.1:$PORT$path")"
    echo "$N articles, $path: first answer ${FIRST[$N,$page]} ms, ${RATE[$N,$page]} req/s"
  done
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
done

read -r -a sizes <<<"$SIZES"
small="${sizes[0]}"; large="${sizes[${#sizes[@]}-1]}"
echo
echo "| address | $small articles: req/s (first answer ms) | $large articles: req/s (first answer ms) | $large as a share of $small |"
echo "| --- | --- | --- | --- |"
for page in "${PAGES[@]}"; do
  name="$page"; [ "$page" = SITEMAP_LAST ] && name="last /sitemap/articles-N.xml"
  share="$(awk -v a="${RATE[$large,$page]}" -v b="${RATE[$small,$page]}" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "-" }')"
  echo "| \`$name\` | ${RATE[$small,$page]} (${FIRST[$small,$page]}) | ${RATE[$large,$page]} (${FIRST[$large,$page]}) | $share |"
done
