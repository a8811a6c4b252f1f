#!/usr/bin/env bash
# Resident memory of `masthead serve` while N sign-ins arrive at once (BENCHMARKS.md, "Memory
# under a burst of sign-ins"). Each sign-in comes from its own loopback address (127.0.x.y), at
# an address with no account, so that no limit on attempts stops it and every one costs an
# Argon2 check (the dummy hash): what is measured is the bound on checks at once, not throttling.
#
# Usage: bench/signin-memory.sh [--binary PATH] [--sign-ins N] [--port PORT]
#   --binary    the masthead binary (default: $CARGO_TARGET_DIR or target, release, else debug;
#               Argon2 is optimised in both profiles)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
BIN=""
N=200
PORT=18787
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BIN="$2"; shift ;;
    --sign-ins) N="$2"; shift ;;
    --port) PORT="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$BIN" ]; then
  if [ -x "$TARGET/release/masthead" ]; then BIN="$TARGET/release/masthead"; else
    cargo build -q -p masthead; BIN="$TARGET/debug/masthead"; fi
fi

DATA="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT
BASE="http://127.0.0.1:$PORT"
"$BIN" init --data "$DATA" --base-url "$BASE/" >/dev/null 2>&1
echo "a long enough passphrase" |
  "$BIN" user add --data "$DATA" --email owner@bench.example --name Bench --role owner --password-stdin >/dev/null 2>&1
RUST_LOG=warn "$BIN" serve --data "$DATA" --addr "127.0.0.1:$PORT" --no-jobs >"$DATA/serve.log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -sf -o /dev/null "$BASE/admin/login" && break; sleep 0.1; done

kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"; }
mib() { echo "$(( $1 / 1024 ))"; }
IDLE=$(kib VmRSS)

JAR="$DATA/jar"
CSRF=$(curl -s -c "$JAR" "$BASE/admin/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$CSRF" ] || { echo "no sign-in form at $BASE/admin/login" >&2; exit 1; }
export BASE JAR CSRF
START=$(date +%s.%N)
seq 1 "$N" | xargs -P "$N" -I{} sh -c '
  i={}; from="127.0.$((i / 250 + 1)).$((i % 250 + 1))"
  curl -s -o /dev/null -w "%{http_code}\n" --interface "$from" -b "$JAR" \
    --data-urlencode "csrf=$CSRF" --data-urlencode "email=nobody$i@bench.example" \
    --data-urlencode "password=wrong guess $i" "$BASE/admin/login"' >"$DATA/codes"
END=$(date +%s.%N)
PEAK=$(kib VmHWM)
sleep 5
AFTER=$(kib VmRSS)

echo "binary:   $BIN"
echo "sign-ins: $N at once, answered in $(echo "$END - $START" | bc) s: $(sort "$DATA/codes" | uniq -c | awk '{ printf "%s x %s  ", $1, $2 }')"
echo "RSS:      idle $(mib "$IDLE") MiB, peak $(mib "$PEAK") MiB, 5 s after $(mib "$AFTER") MiB"
