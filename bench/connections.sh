#!/usr/bin/env bash
# How many idle connections Masthead holds before a new reader is refused, and how it refuses:
# opens idle connections in steps against `masthead serve --demo` and, at each step, asks for
# the home page on a fresh connection. Prints a Markdown table (see BENCHMARKS.md).
#
# Usage: bench/connections.sh [STEPS...]   (default: 256 512 1000 1024 1100 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${*:-256 512 1000 1024 1100 2000}"
cargo build -p masthead --quiet
BIN="${CARGO_TARGET_DIR:-target}/debug/masthead"
DATA="$(mktemp -d /tmp/masthead-conn.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$BIN" serve --demo --data "$DATA" --addr "127.0.0.1:$PORT" >"$DATA/out.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do grep -q "is serving" "$DATA/out.log" 2>/dev/null && break; sleep 0.1; done
python3 - "$PORT" "$SERVER" $STEPS <<'PY'
import resource, socket, sys, time
port, pid, steps = int(sys.argv[1]), sys.argv[2], [int(s) for s in sys.argv[3:]]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
def fresh():
    start = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        status = s.recv(64).split(b"\r\n")[0].decode(errors="replace") or "closed"
        s.close()
    except OSError as e:
        status = f"error: {e.__class__.__name__}"
    return status, (time.monotonic() - start) * 1000
held = []
print("| idle connections held | a fresh reader gets | in ms | server RSS |")
print("| --- | --- | --- | --- |")
for step in steps:
    while len(held) < step:
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError as e:
            print(f"(could open only {len(held)}: {e})")
            break
    time.sleep(0.5)
    status, ms = fresh()
    print(f"| {len(held)} | {status} | {ms:.1f} | {rss():.1f} MB |")
PY
