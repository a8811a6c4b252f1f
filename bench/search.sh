#!/usr/bin/env bash
# Search on synthetic outlets (about 1,000 words per article, names drawn by Zipf's law), on
# SQLite and on PostgreSQL: the time to generate the site (every save writes its search row and
# chooses its related articles in its transaction), the time `masthead search reindex` takes
# to build the index again from every article, and the latency of a mix of queries through
# `Store::search` (bench tool `search_latency`, pinned to one core with taskset; PostgreSQL's
# server on the other). With --grow, the largest generated site is then copied over itself
# (bench/grow_site.py) up to each size given, and searched again. See BENCHMARKS.md, "Search".
#
# Usage: bench/search.sh [--sizes "10000 100000"] [--grow "1000000"]
#                        [--backends "sqlite postgres"] [--runs 50] [--smoke]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

SIZES="10000 100000"
GROW=""
BACKENDS="sqlite postgres"
RUNS=50
PROFILE=release
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift ;;
    --grow) GROW="$2"; shift ;;
    --backends) BACKENDS="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    --smoke) SIZES=300; GROW=900; RUNS=3; PROFILE=debug ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }

flag=(); [ "$PROFILE" = release ] && flag=(--release)
cargo build "${flag[@]}" -p masthead --quiet
cargo build "${flag[@]}" -p masthead-demo --example search_latency --quiet
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE"
BIN="$TARGET/masthead"
LATENCY="$TARGET/examples/search_latency"
WORK="$(mktemp -d /tmp/masthead-search.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
PG="postgres://postgres@127.0.0.1:5432"
export PGOPTIONS="-c client_min_messages=warning"
last_core=$(( $(nproc) - 1 ))

seconds() { awk '{ printf "%.1f", $1 }' "$1"; }

# Searches the site ($1 backend, $2 data folder, $3 database) with the latency tool.
search() {
  local backend="$1" data="$2" db="$3" size target
  if [ "$backend" = postgres ]; then
    psql "$PG/$db" -qc "VACUUM ANALYZE" >/dev/null
    size="$(psql "$PG/$db" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")"
    target=(postgres "$PG/$db")
  else
    size="$(du -sh "$data/masthead.db" | cut -f1)"
    target=(sqlite "$data/masthead.db")
  fi
  echo "database $size"
  taskset -c "$last_core" "$LATENCY" "${target[@]}" "$RUNS"
}

largest="$(echo $SIZES | tr ' ' '\n' | sort -n | tail -1)"
for backend in $BACKENDS; do
  for n in $SIZES; do
    echo "== $n articles on $backend"
    data="$WORK/site-$n-$backend"
    db="masthead_search_bench_$n"
    args=(--data "$data")
    if [ "$backend" = postgres ]; then
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
      args+=(--database-url "$PG/$db")
    fi
    "$BIN" init "${args[@]}" --base-url https://meridian.example/ >/dev/null
    /usr/bin/time -f "%e" -o "$WORK/generate.s" "$BIN" generate "${args[@]}" --articles "$n" >/dev/null
    /usr/bin/time -f "%e %M" -o "$WORK/reindex.s" "$BIN" search reindex "${args[@]}" >/dev/null
    echo "generate: $(seconds "$WORK/generate.s") s; reindex: $(cut -d' ' -f1 "$WORK/reindex.s") s, peak $(( $(cut -d' ' -f2 "$WORK/reindex.s") / 1024 )) MB"
    search "$backend" "$data" "$db"
    if [ "$n" = "$largest" ] && [ -n "$GROW" ]; then
      have="$n"
      for size in $GROW; do
        times=$(( size / have ))
        [ $(( times * have )) = "$size" ] && [ "$times" -gt 1 ] || { echo "--grow $size is not a multiple of $have" >&2; exit 2; }
        echo "== $size articles on $backend (the $have-article site copied $times times over)"
        if [ "$backend" = postgres ]; then
          /usr/bin/time -f "%e" -o "$WORK/grow.s" sh -c "python3 bench/grow_site.py postgres $times | psql -q '$PG/$db' >/dev/null"
        else
          /usr/bin/time -f "%e" -o "$WORK/grow.s" python3 bench/grow_site.py sqlite "$data/masthead.db" "$times" 2>/dev/null
        fi
        echo "grown in $(seconds "$WORK/grow.s") s"
        search "$backend" "$data" "$db"
        have="$size"
      done
    fi
    if [ "$backend" = postgres ]; then
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
    fi
    rm -rf "$data"
  done
done
