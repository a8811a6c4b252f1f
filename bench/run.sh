#!/usr/bin/env bash
# Masthead beside its peers on this machine, in one run (see BENCHMARKS.md):
#   - a synthetic outlet of N articles (`masthead generate`) for each size;
#   - one article page from Masthead's page cache and the same bytes as a file from nginx
#     (same worker count, gzip alike), under the same wrk load: requests/s, p50, p99, ratio;
#   - the same per core: each server pinned to core 0 (nginx with one worker), wrk to core 1,
#     with and without compression, so that the server's own cost shows (with wrk sharing the
#     server's cores, the load generator is what saturates);
#   - uncached rendering (cache off, the server on one core) of article, home and archive pages;
#   - `masthead export static` against `hugo` building the same articles;
#   - peak memory of the server idle, under load, and of the export.
# Results go to bench/results/latest.md and into BENCHMARKS.md between its markers.
#
# Usage: bench/run.sh [--smoke] [--sizes "1000 10000 100000"] [--export-sizes "1000 10000"]
#   --smoke   a few seconds at a small size, as CI runs it so that the script cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

SIZES="1000 10000 100000"
EXPORT_SIZES="1000 10000"
DURATION=15s
CONNECTIONS=64
SMOKE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; SIZES="300"; EXPORT_SIZES="300"; DURATION=2s; CONNECTIONS=16 ;;
    --sizes) SIZES="$2"; shift ;;
    --export-sizes) EXPORT_SIZES="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

need=()
for tool in wrk nginx hugo hyperfine curl; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  pkgs=("${need[@]/nginx/nginx-light}")
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

# Smoke runs check that the script works, not how fast: the test build's binary will do.
if [ "$SMOKE" = 1 ]; then
  echo "== building masthead"
  cargo build -p masthead --quiet
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/masthead"
else
  echo "== building masthead (release)"
  cargo build --release -p masthead --quiet
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/masthead"
fi
WORK="$(mktemp -d /tmp/masthead-bench.XXXXXX)"
chmod 755 "$WORK" # nginx's workers read the static copy as another user
CORES="$(nproc)"
cleanup() { jobs -p | xargs -r kill 2>/dev/null || true; [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

wait_for() {
  for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "nothing answers at $1" >&2; return 1
}

# wrk's summary as "requests/s p50 p99" (latencies in ms).
run_wrk() {
  local out
  out="$(taskset -c "${WRK_CPU:-0-$((CORES - 1))}" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H 'Accept-Encoding: gzip' "$1")"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.2f %.2f\n", rps, p50, p99 }' <<<"$out"
}

# wrk alone on the last core against a server on core 0: "requests/s p99" (ms), for $2 as
# Accept-Encoding.
pinned_wrk() {
  local out
  out="$(taskset -c "$((CORES - 1))" wrk -t1 -c32 -d"$DURATION" --latency -H "Accept-Encoding: $2" "$1")"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.2f\n", rps, p99 }' <<<"$out"
}
PER_CORE=()

start_masthead() { # data port [extra flags...]
  local data="$1" port="$2"; shift 2
  RUST_LOG=warn "$BIN" serve --data "$data" --addr "127.0.0.1:$port" "$@" >"$WORK/serve.log" 2>&1 &
  echo $!
}

RESULTS="$WORK/results.md"
{
  echo "Run of $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -m), $CORES cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(. /etc/os-release && echo "$PRETTY_NAME")."
  echo "Versions: $("$BIN" --version), $(nginx -v 2>&1 | sed 's/.*: //'), $(hugo version | awk '{print $1, $2}'), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}'), $(hyperfine --version)."
  echo "wrk: 2 threads, $CONNECTIONS connections, $DURATION, Accept-Encoding: gzip.$([ "$SMOKE" = 1 ] && echo ' SMOKE MODE: figures are not meaningful.')"
  echo
  echo "| articles | cached article req/s (Masthead / nginx = ratio) | p50 ms (M / n) | p99 ms (M / n) | uncached, one core: article / home / archive pages/s | RSS idle / under load |"
  echo "| --- | --- | --- | --- | --- | --- |"
} >"$RESULTS"

declare -A HOME_RATE ARCHIVE_RATE
for N in $SIZES; do
  DATA="$WORK/data-$N"
  echo "== $N articles: generating"
  "$BIN" generate --data "$DATA" --articles "$N" | tail -1
  PAGE="/article/article-1"

  # Cached: Masthead on every core, nginx with as many workers, the same page.
  PORT="$(free_port)"
  PID="$(start_masthead "$DATA" "$PORT")"
  wait_for "http://127.0.0.1:$PORT/"
  sleep 1
  IDLE="$(rss_kb "$PID")"
  mkdir -p "$WORK/static-$N$PAGE"
  curl -fsS "http://127.0.0.1:$PORT$PAGE" -o "$WORK/static-$N$PAGE/index.html"
  # Masthead keeps its pages compressed; so does nginx here (gzip_static), at the same level.
  gzip -6 -k -f "$WORK/static-$N$PAGE/index.html"
  NGINX_PORT="$(free_port)"
  cat >"$WORK/nginx.conf" <<CONF
worker_processes $CORES;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/html;
  gzip_static on; gzip on; gzip_comp_level 6; gzip_min_length 256;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/static-$N; index index.html; }
}
CONF
  nginx -c "$WORK/nginx.conf" -p "$WORK"
  wait_for "http://127.0.0.1:$NGINX_PORT$PAGE/"
  echo "== $N articles: cached article page, Masthead then nginx"
  read -r M_RPS M_P50 M_P99 <<<"$(run_wrk "http://127.0.0.1:$PORT$PAGE")"
  LOADED="$(hwm_kb "$PID")"
  read -r N_RPS N_P50 N_P99 <<<"$(run_wrk "http://127.0.0.1:$NGINX_PORT$PAGE/")"
  kill "$(cat "$WORK/nginx.pid")"; rm -f "$WORK/nginx.pid"
  kill "$PID"; wait "$PID" 2>/dev/null || true

  # Per core: each server on core 0, nginx with one worker there too, wrk alone on core 1.
  if [ "$CORES" -ge 2 ]; then
    echo "== $N articles: cached article page per core, Masthead then nginx"
    PORT="$(free_port)"
    PID="$(taskset -c 0 "$BIN" serve --data "$DATA" --addr "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 & echo $!)"
    wait_for "http://127.0.0.1:$PORT/"
    NGINX_PORT="$(free_port)"
    sed -e "s/^worker_processes .*/worker_processes 1; worker_cpu_affinity 01;/" \
        -e "s/listen 127.0.0.1:[0-9]*;/listen 127.0.0.1:$NGINX_PORT;/" "$WORK/nginx.conf" >"$WORK/nginx-one.conf"
    nginx -c "$WORK/nginx-one.conf" -p "$WORK"
    wait_for "http://127.0.0.1:$NGINX_PORT$PAGE/"
    line="| $N |"
    for encoding in identity gzip; do
      read -r m_rps m_p99 <<<"$(pinned_wrk "http://127.0.0.1:$PORT$PAGE" "$encoding")"
      read -r n_rps n_p99 <<<"$(pinned_wrk "http://127.0.0.1:$NGINX_PORT$PAGE/" "$encoding")"
      line="$line $m_rps / $n_rps = **$(awk -v a="$m_rps" -v b="$n_rps" 'BEGIN { printf "%.2f", a / b }')** ($m_p99 / $n_p99 ms) |"
    done
    PER_CORE+=("$line")
    kill "$(cat "$WORK/nginx.pid")"; rm -f "$WORK/nginx.pid"
    kill "$PID"; wait "$PID" 2>/dev/null || true
  fi

  # Uncached: every request rendered, the server on one core and wrk on the other.
  PORT="$(free_port)"
  PID="$(taskset -c 0 "$BIN" serve --data "$DATA" --addr "127.0.0.1:$PORT" --page-cache-mb 0 >"$WORK/serve.log" 2>&1 & echo $!)"
  wait_for "http://127.0.0.1:$PORT/"
  echo "== $N articles: uncached article, home and archive pages"
  WRK_CPU=$((CORES - 1))
  export WRK_CPU
  read -r U_ARTICLE _ _ <<<"$(run_wrk "http://127.0.0.1:$PORT$PAGE")"
  read -r U_HOME _ _ <<<"$(run_wrk "http://127.0.0.1:$PORT/")"
  read -r U_ARCHIVE _ _ <<<"$(run_wrk "http://127.0.0.1:$PORT/region/region-1")"
  unset WRK_CPU
  kill "$PID"; wait "$PID" 2>/dev/null || true
  HOME_RATE[$N]="$U_HOME"; ARCHIVE_RATE[$N]="$U_ARCHIVE"

  RATIO="$(awk -v a="$M_RPS" -v b="$N_RPS" 'BEGIN { printf "%.2f", a / b }')"
  echo "| $N | $M_RPS / $N_RPS = **$RATIO** | $M_P50 / $N_P50 | $M_P99 / $N_P99 | $U_ARTICLE / $U_HOME / $U_ARCHIVE | $(mb "$IDLE") MB / $(mb "$LOADED") MB |" >>"$RESULTS"
done

if [ ${#PER_CORE[@]} -gt 0 ]; then
  {
    echo
    echo "Per core: each server pinned to core 0 (nginx with one worker), wrk -t1 -c32 alone on core $((CORES - 1))."
    echo
    echo "| articles | cached article, identity: Masthead / nginx req/s (p99 ms) | with gzip |"
    echo "| --- | --- | --- |"
    printf '%s\n' "${PER_CORE[@]}"
  } >>"$RESULTS"
fi

{
  echo
  echo "| articles | \`masthead export static\` | \`hugo\` | Masthead / Hugo time | export peak RSS | files (Masthead / Hugo) |"
  echo "| --- | --- | --- | --- | --- | --- |"
} >>"$RESULTS"
for N in $EXPORT_SIZES; do
  DATA="$WORK/data-$N"
  [ -d "$DATA" ] || "$BIN" generate --data "$DATA" --articles "$N" >/dev/null
  echo "== $N articles: static export against Hugo"
  python3 "$ROOT/bench/hugo_site.py" "$DATA" "$WORK/hugo-$N"
  RUNS=3; [ "$SMOKE" = 1 ] && RUNS=1
  hyperfine --runs "$RUNS" --export-json "$WORK/export-$N.json" \
    --prepare "rm -rf $WORK/out-m-$N $WORK/out-h-$N" \
    "$BIN export static --data $DATA $WORK/out-m-$N" \
    "hugo --quiet --source $WORK/hugo-$N --destination $WORK/out-h-$N" >/dev/null
  read -r T_M T_H <<<"$(python3 -c "import json,sys; r=json.load(open('$WORK/export-$N.json'))['results']; print(r[0]['mean'], r[1]['mean'])")"
  rm -rf "$WORK/out-m-$N"
  PEAK="$(/usr/bin/time -f '%M' "$BIN" export static --data "$DATA" "$WORK/out-m-$N" 2>&1 >/dev/null | tail -1)"
  FILES_M="$(find "$WORK/out-m-$N" -type f | wc -l)"
  FILES_H="$(find "$WORK/out-h-$N" -type f | wc -l)"
  echo "| $N | $(printf '%.2f' "$T_M") s | $(printf '%.2f' "$T_H") s | **$(awk -v a="$T_M" -v b="$T_H" 'BEGIN { printf "%.2f", a / b }')** | $(mb "$PEAK") MB | $FILES_M / $FILES_H |" >>"$RESULTS"
done

FIRST="$(echo "$SIZES" | awk '{print $1}')"
LAST="$(echo "$SIZES" | awk '{print $NF}')"
if [ "$FIRST" != "$LAST" ]; then
  {
    echo
    echo "Uncached home page at $LAST articles: $(awk -v a="${HOME_RATE[$LAST]}" -v b="${HOME_RATE[$FIRST]}" 'BEGIN { printf "%.0f%%", 100 * a / b }') of its rate at $FIRST; archive page: $(awk -v a="${ARCHIVE_RATE[$LAST]}" -v b="${ARCHIVE_RATE[$FIRST]}" 'BEGIN { printf "%.0f%%", 100 * a / b }')."
  } >>"$RESULTS"
fi

mkdir -p "$ROOT/bench/results"
cp "$RESULTS" "$ROOT/bench/results/latest.md"
cat "$RESULTS"
if [ "$SMOKE" = 0 ] && [ -f "$ROOT/BENCHMARKS.md" ]; then
  python3 - "$ROOT/BENCHMARKS.md" "$RESULTS" <<'PY'
import sys
path, results = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
start, end = "<!-- results:start -->", "<!-- results:end -->"
if start in text and end in text:
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    open(path, "w").write(head + start + "\n" + results + "\n" + end + tail)
PY
  echo "== BENCHMARKS.md updated"
fi
