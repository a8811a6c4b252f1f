#!/usr/bin/env bash
# Publish-to-visible across nodes: two `masthead serve` nodes on one PostgreSQL database, each
# with its own data folder; the page cache on. An editor's token unpublishes and publishes an
# article through node A's Admin API, again and again; after each answer, node B is asked for
# the article's page until it shows the change (410 Gone, then 200). The time from A's answer
# to B's first changed answer is the publish-to-visible latency: the notification, B's purge
# and B's render. p50 and p99 are reported. See BENCHMARKS.md, "Scale-out".
#
# Usage: bench/visible.sh [--rounds 200] [--smoke]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
ROUNDS=200
PROFILE=release
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift ;;
    --smoke) ROUNDS=5; PROFILE=debug ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
flag=(); [ "$PROFILE" = release ] && flag=(--release)
cargo build "${flag[@]}" -p masthead --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/masthead"
WORK="$(mktemp -d /tmp/masthead-visible.XXXXXX)"
PG="postgres://postgres@127.0.0.1:5432"
DB="masthead_visible_$$"
export PGOPTIONS="-c client_min_messages=warning"
psql "$PG/postgres" -qc "CREATE DATABASE $DB" >/dev/null
# Each node's process id is kept in a file: `start` runs in a command substitution, a subshell
# whose variables the script never sees.
cleanup() {
  for file in "$WORK"/*.pid; do
    if [ -f "$file" ]; then
      pid="$(cat "$file")"
      kill "$pid" 2>/dev/null || true
      # Until it has let go of the database.
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
URL="$PG/$DB"

# Starts a node ($1 name, the rest its flags) and prints its address.
start() {
  local name="$1"; shift
  mkdir -p "$WORK/$name"
  "$BIN" serve --addr 127.0.0.1:0 --data "$WORK/$name" --database-url "$URL" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  echo $! >"$WORK/$name.pid"
  for _ in $(seq 1 300); do
    if grep -q " at http://" "$WORK/$name.out" 2>/dev/null; then
      sed -n 's|.* at http://\([^/]*\)/.*|\1|p' "$WORK/$name.out" | head -n 1
      return
    fi
    sleep 0.1
  done
  echo "node $name did not start" >&2; cat "$WORK/$name.err" >&2; exit 1
}

A="$(start a --demo)"
B="$(start b)"
printf 'correct horse battery staple\n' | "$BIN" user add --data "$WORK/a" --database-url "$URL" \
  --email editor@meridian.example --name "Bench Editor" --role editor --password-stdin >/dev/null
TOKEN="$("$BIN" token create --data "$WORK/a" --database-url "$URL" --email editor@meridian.example --scope publish 2>/dev/null)"

python3 - "$A" "$B" "$TOKEN" "$ROUNDS" <<'PY'
import http.client, json, sys, time
a, b, token, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def request(addr, method, path, headers=None):
    conn = http.client.HTTPConnection(addr, timeout=10)
    conn.request(method, path, headers=headers or {})
    reply = conn.getresponse()
    body = reply.read()
    conn.close()
    return reply.status, body

auth = {"Authorization": f"Bearer {token}"}
status, body = request(a, "GET", "/api/admin/articles?status=published&limit=1", auth)
article = json.loads(body)["articles"][0]
page = f"/article/{article['slug']}"
waits = []
for n in range(rounds):
    for action, expect in (("unpublish", 410), ("publish", 200)):
        # B has the page in its cache before the change.
        request(b, "GET", page); request(b, "GET", page)
        status, body = request(a, "POST", f"/api/admin/articles/{article['id']}/{action}", auth)
        assert status == 200, (status, body)
        start = time.perf_counter()
        while True:
            status, _ = request(b, "GET", page)
            if status == expect:
                break
            if time.perf_counter() - start > 30:
                sys.exit(f"node B did not show the {action} within 30 s")
        waits.append((time.perf_counter() - start) * 1000)
waits.sort()
pick = lambda q: waits[min(len(waits) - 1, int(q * len(waits)))]
print(f"{len(waits)} changes through node A, seen on node B: "
      f"p50 {pick(0.50):.1f} ms, p99 {pick(0.99):.1f} ms, max {waits[-1]:.1f} ms")
PY
