#!/usr/bin/env bash
# Transaction cost of Buena Vista (DuckDB handler, in memory) against PostgreSQL itself, measured with pgbench in the
# same invocation and reported as ratios. Usage: bench/pgbench-compare.sh [SECONDS_PER_RUN] [CLIENTS] [MODES]
# MODES is a space-separated list of simple, extended, prepared and connect (simple protocol with a new connection
# per transaction, pgbench -C: measures session start-up); the default is "simple extended prepared connect".
# Needs: the jar (mvn -B -q -DskipTests package), pgbench, and PostgreSQL on 127.0.0.1:5432 (db test, user postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
clients=${2:-2}
modes=${3:-simple extended prepared connect}
jar=buenavista-examples/target/buenavista.jar
[ -f "$jar" ] || mvn -B -q -DskipTests package
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
java -jar "$jar" duckdb --port "$port" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do grep -q "Connect with" "$work/server.log" && break; sleep 0.5; done

# The same statement on both sides: a one-row query with a parameter, the cheapest round trip a pooler serves.
printf '\\set n random(1, 1000)\nselect :n::int + 1;\n' > "$work/select.sql"

tps() { # host port user db mode
  local protocol=$5 connect=()
  if [ "$protocol" = connect ]; then protocol=simple; connect=(-C); fi
  pgbench -n "${connect[@]}" -h "$1" -p "$2" -U "$3" -M "$protocol" -f "$work/select.sql" -c "$clients" -j "$clients" \
    -T "$seconds" "$4" \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

printf '%-10s %14s %14s %8s\n' mode postgresql buenavista ratio
for mode in $modes; do
  pg=$(tps 127.0.0.1 5432 postgres test "$mode")
  bv=$(tps 127.0.0.1 "$port" bench bench "$mode")
  ratio=$(python3 -c "print(f'{$bv/$pg:.2f}')")
  printf '%-10s %14s %14s %8s\n' "$mode" "$pg" "$bv" "$ratio"
done
echo "(tps with $clients clients for ${seconds}s each; ratio = buenavista / postgresql, higher is better)"
