#!/usr/bin/env bash
# One DKIM-signed newsletter to N members, handed to Postfix's smtp-sink on loopback, while the
# site serves a cached page under load: messages/s, the send's peak memory, and the page's
# requests/s during the send; beside it, in the same run, the sink's own accept rate
# (Postfix's smtp-source pushing the same number of messages of the same size), which is the
# ceiling any sender can reach here. See BENCHMARKS.md, "Sending newsletters".
#
# Usage: bench/newsletter.sh [--members 100000] [--algorithm ed25519|rsa] [--connections 8]
#                            [--no-page-load] [--smoke]
#   --no-page-load   the send alone, without wrk asking for the cached page meanwhile
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

MEMBERS=100000
ALGORITHM=ed25519
CONNECTIONS=8
SMOKE=0
PAGE_LOAD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --members) MEMBERS="$2"; shift ;;
    --algorithm) ALGORITHM="$2"; shift ;;
    --connections) CONNECTIONS="$2"; shift ;;
    --smoke) SMOKE=1; MEMBERS=500 ;;
    --no-page-load) PAGE_LOAD=0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

need=()
for tool in wrk curl; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
[ -x /usr/bin/time ] || need+=(time)
[ -x /usr/sbin/smtp-sink ] || need+=(postfix)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ "$SMOKE" = 1 ]; then
  cargo build -p masthead --quiet
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/masthead"
else
  cargo build --release -p masthead --quiet
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/masthead"
fi
WORK="$(mktemp -d /tmp/masthead-newsletter.XXXXXX)"
chmod 777 "$WORK" # smtp-sink writes as nobody
cleanup() { jobs -p | xargs -r kill 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sink_user=(); [ "$(id -u)" = 0 ] && sink_user=(-u nobody)

DATA="$WORK/site"
echo "== a site with one article and $MEMBERS members"
"$BIN" init --data "$DATA" --base-url https://meridian.example/ >/dev/null
"$BIN" generate --data "$DATA" --articles 20 >/dev/null
python3 - "$WORK/members.csv" "$MEMBERS" <<'PY'
import csv, sys
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["email", "name", "subscribed_to_emails", "created_at"])
    for i in range(int(sys.argv[2])):
        w.writerow([f"reader{i}@example.org", f"Reader {i}", "true", "2026-01-01T00:00:00.000Z"])
PY
"$BIN" members import --data "$DATA" "$WORK/members.csv" >/dev/null
"$BIN" mail dkim --data "$DATA" --domain meridian.example --selector bench --algorithm "$ALGORITHM" >/dev/null
SLUG="$(sqlite3 "$DATA/masthead.db" "SELECT slug FROM articles WHERE status = 'published' ORDER BY published_at DESC LIMIT 1" 2>/dev/null \
  || python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT slug FROM articles WHERE status='published' ORDER BY published_at DESC LIMIT 1\").fetchone()[0])" "$DATA/masthead.db")"

echo "== the site serving the article from its cache"
PORT="$(free_port)"
"$BIN" serve --data "$DATA" --addr "127.0.0.1:$PORT" --no-jobs >/dev/null 2>&1 &
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break; sleep 0.1; done
PAGE="http://127.0.0.1:$PORT/article/$SLUG"
curl -fsS -o /dev/null "$PAGE"

SINK_PORT="$(free_port)"
/usr/sbin/smtp-sink "${sink_user[@]}" -c "127.0.0.1:$SINK_PORT" 1024 >"$WORK/sink.log" 2>&1 &
SINK=$!
sleep 0.3

echo "== the send: $MEMBERS messages, DKIM $ALGORITHM, $CONNECTIONS connections, the page under load meanwhile"
if [ "$PAGE_LOAD" = 1 ]; then
  wrk -t1 -c8 -d600s "$PAGE" >"$WORK/wrk.txt" 2>&1 &
  WRK=$!
else
  : >"$WORK/wrk.txt"
  WRK=
fi
START=$(date +%s.%N)
/usr/bin/time -f "%M %U %S" -o "$WORK/send.rss" "$BIN" newsletter send --data "$DATA" --article "$SLUG" \
  --smtp-url "smtp://127.0.0.1:$SINK_PORT" --smtp-connections "$CONNECTIONS" \
  --mail-from "The Meridian <news@meridian.example>" --bounce-address bounces@meridian.example >"$WORK/send.txt"
END=$(date +%s.%N)
if [ -n "$WRK" ]; then kill -INT "$WRK"; wait "$WRK" 2>/dev/null || true; fi
SEND_SECONDS=$(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.2f", b - a }')
RATE=$(awk -v n="$MEMBERS" -v s="$SEND_SECONDS" 'BEGIN { printf "%.0f", n / s }')
RSS_MB=$(awk '{ printf "%.1f", $1 / 1024 }' "$WORK/send.rss")
# The sender's own CPU time, user and system: what one core would do alone.
CPU_S=$(awk '{ printf "%.1f", $2 + $3 }' "$WORK/send.rss")
PER_CORE=$(awk -v n="$MEMBERS" -v c="$CPU_S" 'BEGIN { printf "%.0f", n / c }')
PAGE_RPS=$(awk '/Requests\/sec/ { print $2 }' "$WORK/wrk.txt"); PAGE_RPS="${PAGE_RPS:-no load}"
SIZE=$(python3 -c "import sys; print(int(sys.argv[1]))" "$(grep -o '[0-9]* recipients' "$WORK/send.txt" | head -1 | cut -d' ' -f1)")

echo "== the sink alone: smtp-source, the same number of messages of about the same size"
SINK2_PORT="$(free_port)"
/usr/sbin/smtp-sink "${sink_user[@]}" "127.0.0.1:$SINK2_PORT" 1024 >/dev/null 2>&1 &
sleep 0.3
BYTES=30000
S2=$(date +%s.%N)
/usr/sbin/smtp-source -s "$CONNECTIONS" -m "$MEMBERS" -l "$BYTES" -f news@meridian.example -t reader@example.org "127.0.0.1:$SINK2_PORT"
E2=$(date +%s.%N)
SINK_RATE=$(awk -v n="$MEMBERS" -v a="$S2" -v b="$E2" 'BEGIN { printf "%.0f", n / (b - a) }')

echo
echo "| members | DKIM | connections | send time s | messages/s | sender CPU s (messages per CPU-second) | sink alone, messages/s | send peak RSS MB | cached page req/s during the send |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| $SIZE | $ALGORITHM | $CONNECTIONS | $SEND_SECONDS | $RATE | $CPU_S ($PER_CORE) | $SINK_RATE | $RSS_MB | $PAGE_RPS |"
[ "$SMOKE" = 1 ] && echo "SMOKE MODE: figures are not meaningful."
tail -n 2 "$WORK/send.txt"
if [ -n "$WRK" ]; then
  grep -E "Socket errors|Non-2xx" "$WORK/wrk.txt" || echo "wrk: every request answered, no socket errors"
fi
