#!/usr/bin/env bash
# One article delivered to FOLLOWERS followers on HOSTS loopback servers (each 127.x.y.z address
# is a server; one sink process answers for all of them, bench/inbox_sink.py): the time from the
# publish call until every server has it, the requests made (shared inboxes: one per server),
# and the server's peak memory. Masthead pinned to core 0, the sink to core 1. See
# BENCHMARKS.md, "Federation".
#
# Usage: bench/federation.sh [--followers 10000] [--hosts 1000] [--smoke]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
FOLLOWERS=10000
HOSTS=1000
PROFILE=release
while [ $# -gt 0 ]; do
  case "$1" in
    --followers) FOLLOWERS="$2"; shift ;;
    --hosts) HOSTS="$2"; shift ;;
    --smoke) FOLLOWERS=100; HOSTS=10; PROFILE=debug ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command -v curl >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null; }
flag=(); [ "$PROFILE" = release ] && flag=(--release)
cargo build "${flag[@]}" -p masthead --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/masthead"
W="$(mktemp -d /tmp/masthead-federation.XXXXXX)"
MP=18380; SP=18399
cleanup() { jobs -p | xargs -r kill 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
up() { for _ in $(seq 240); do curl -fs -o /dev/null "$1" && return 0; sleep 0.5; done; echo "$1 did not answer" >&2; return 1; }
db() { python3 - "$W/site/masthead.db" "$@"; }

# The demo site, with what it has published already sent (to nobody): only the new article goes.
"$BIN" serve --demo --data "$W/site" --addr 127.0.0.1:$MP >"$W/first.log" 2>&1 & PID=$!
up http://127.0.0.1:$MP/
for _ in $(seq 240); do
  left=$(db <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM article_changes WHERE federated_at IS NULL").fetchone()[0])
PY
)
  [ "$left" = 0 ] && break; sleep 0.5
done
kill $PID; wait $PID 2>/dev/null || true

# FOLLOWERS followers of the outlet, spread evenly over HOSTS servers with shared inboxes.
db "$FOLLOWERS" "$HOSTS" "$SP" <<'PY'
import sqlite3, sys, time
path, followers, hosts, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
con = sqlite3.connect(path)
rows = []
for i in range(followers):
    h = i % hosts
    ip = f"127.1.{h // 250}.{h % 250 + 1}"
    base = f"http://{ip}:{port}"
    rows.append(("outlet", f"{base}/users/u{i}", f"{base}/users/u{i}/inbox", f"{base}/inbox", ip, f"{base}/follows/{i}", int(time.time())))
con.executemany("INSERT INTO federation_followers (actor, follower, inbox, shared_inbox, host, follow_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
con.commit()
PY

taskset -c 1 python3 bench/inbox_sink.py $SP & 
taskset -c 0 "$BIN" serve --data "$W/site" --addr 127.0.0.1:$MP --allow-private-fetch >"$W/serve.log" 2>&1 & PID=$!
up http://127.0.0.1:$MP/
up http://127.0.0.1:$SP/count
printf 'correct horse battery staple\n' | "$BIN" user add --data "$W/site" \
  --email editor@meridian.example --name "Bench Editor" --role editor --password-stdin >/dev/null
TOKEN="$("$BIN" token create --data "$W/site" --email editor@meridian.example --scope publish 2>/dev/null)"
before=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)

python3 - "127.0.0.1:$MP" "127.0.0.1:$SP" "$TOKEN" "$HOSTS" "$FOLLOWERS" "$PID" "$before" <<'PY'
import http.client, json, sys, time
site, sink, token, hosts, followers, pid, before = sys.argv[1:8]
hosts = int(hosts)
def call(addr, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(addr, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    reply = conn.getresponse(); data = reply.read(); conn.close()
    return reply.status, data
auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
article = {"title": "Grain exports through Constanța fall for the third month", "body": "The port's figures for October show exports down by a fifth."}
status, body = call(site, "POST", "/api/admin/articles", json.dumps(article), auth)
assert status in (200, 201), (status, body)
article_id = json.loads(body)["id"]
# The outlet's keys are made the first time anyone asks for its document (a follow does,
# on a real site): made here, before the clock starts.
assert call(site, "GET", "/ap/outlet")[0] == 200
start = time.perf_counter()
wall = time.time()
status, body = call(site, "POST", f"/api/admin/articles/{article_id}/publish", None, auth)
assert status == 200, (status, body)
while True:
    seen = json.loads(call(sink, "GET", "/count")[1])
    if seen["hosts"] >= hosts:
        break
    if time.perf_counter() - start > 600:
        sys.exit(f"only {seen['hosts']} of {hosts} servers had it after 600 s")
    time.sleep(0.05)
took = time.perf_counter() - start
status = open(f"/proc/{pid}/status").read()
peak = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM"))
rss = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmRSS"))
print("| followers | servers | publish → every server has it | publish → first delivery | first → last delivery | requests made | RSS before / after / peak |")
print("| --- | --- | --- | --- | --- | --- | --- |")
print(f"| {followers} | {hosts} | {took:.2f} s | {seen['first'] - wall:.2f} s | {seen['last'] - seen['first']:.2f} s | {seen['requests']} | {int(before)/1024:.0f} / {rss/1024:.0f} / {peak/1024:.0f} MB |")
PY
