#!/usr/bin/env bash
# A cached article page with 200 comments against one with none, and nginx serving the
# 200-comment page's bytes (gzip_static) beside them: each server pinned to core 0, wrk to
# core 1 (taskset). See BENCHMARKS.md, "Comments".
#
# Usage: bench/comments.sh [--comments 200] [--duration 10] [--smoke]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
COMMENTS=200
DUR=10
PROFILE=release
while [ $# -gt 0 ]; do
  case "$1" in
    --comments) COMMENTS="$2"; shift ;;
    --duration) DUR="$2"; shift ;;
    --smoke) DUR=1; PROFILE=debug ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
need=()
for tool in wrk curl nginx; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
[ ${#need[@]} -gt 0 ] && { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk curl nginx-light >/dev/null; }
flag=(); [ "$PROFILE" = release ] && flag=(--release)
cargo build "${flag[@]}" -p masthead --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/masthead"
W="$(mktemp -d /tmp/masthead-comments.XXXXXX)"; chmod 755 "$W"
MP=18280; NP=18299
cleanup() { jobs -p | xargs -r kill 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
up() { for _ in $(seq 120); do curl -fs -o /dev/null "$1" && return 0; sleep 0.5; done; return 1; }

# The demo site, then COMMENTS approved comments (a tenth of them answers) on its newest article.
"$BIN" serve --demo --data "$W/site" --addr 127.0.0.1:$MP >"$W/first.log" 2>&1 & PID=$!
up http://127.0.0.1:$MP/; kill $PID; wait $PID 2>/dev/null || true
read -r WITH WITHOUT < <(python3 - "$W/site/masthead.db" "$COMMENTS" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2])
rows = db.execute("SELECT id, slug FROM articles WHERE status = 'published' ORDER BY published_at DESC LIMIT 2").fetchall()
(with_id, with_slug), (_, without_slug) = rows
db.execute("DELETE FROM comments WHERE article_id IN (?, ?)", (rows[0][0], rows[1][0]))
parent = None
for i in range(n):
    text = f"<p>Comment {i}: the freight figures for the second quarter look lower than the ministry said, and the port's own numbers agree.</p>"
    cur = db.execute(
        "INSERT INTO comments (article_id, parent_id, author_name, body_html, body_source, created_at, status) "
        "VALUES (?, ?, ?, ?, '', strftime('%s','now') - ?, 'approved')",
        (with_id, parent if i % 10 == 9 else None, f"Reader {i}", text, (n - i) * 60))
    if i % 10 == 0:
        parent = cur.lastrowid
db.commit()
print(f"/article/{with_slug} /article/{without_slug}")
PY
)
taskset -c 0 "$BIN" serve --data "$W/site" --addr 127.0.0.1:$MP >"$W/serve.log" 2>&1 &
up "http://127.0.0.1:$MP$WITH"
mkdir -p "$W/www"; curl -fsS "http://127.0.0.1:$MP$WITH" > "$W/www/a.html"; gzip -6 -k "$W/www/a.html"; chmod -R a+rX "$W/www"
shown=$(grep -o 'class="comment"' "$W/www/a.html" | wc -l)
cat > "$W/nginx.conf" <<NG
worker_processes 1; worker_cpu_affinity 01; daemon off; pid $W/nginx.pid; error_log $W/nginx.err;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000; gzip_static on;
  server { listen 127.0.0.1:$NP; root $W/www; location / { default_type text/html; } } }
NG
nginx -c "$W/nginx.conf" -p "$W" &
up "http://127.0.0.1:$NP/a.html"
size() { curl -fsS -H "Accept-Encoding: gzip" -o /dev/null -w '%{size_download}' "$1"; }
rps() { taskset -c 1 wrk -t1 -c32 -d"${DUR}s" -H "Accept-Encoding: gzip" "$1" 2>/dev/null | awk '/Requests\/sec/ {print $2}'; }
echo "| page | comments shown | bytes (gzip) | req/s, run 1 | req/s, run 2 |"
echo "| --- | --- | --- | --- | --- |"
for _ in 1; do
  a1=$(rps "http://127.0.0.1:$MP$WITHOUT"); b1=$(rps "http://127.0.0.1:$MP$WITH"); n1=$(rps "http://127.0.0.1:$NP/a.html")
  a2=$(rps "http://127.0.0.1:$MP$WITHOUT"); b2=$(rps "http://127.0.0.1:$MP$WITH"); n2=$(rps "http://127.0.0.1:$NP/a.html")
  echo "| Masthead, no comments | 0 | $(size "http://127.0.0.1:$MP$WITHOUT") | $a1 | $a2 |"
  echo "| Masthead, $COMMENTS comments | $shown | $(size "http://127.0.0.1:$MP$WITH") | $b1 | $b2 |"
  echo "| nginx, the $COMMENTS-comment page's bytes | $shown | $(size "http://127.0.0.1:$NP/a.html") | $n1 | $n2 |"
done
