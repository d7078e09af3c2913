#!/usr/bin/env bash
# Streaming throughput of Buena Vista (DuckDB handler, in memory) against PostgreSQL itself: pgjdbc reads N rows with
# autocommit off and fetch size 10 000 from both in the same invocation (bench/StreamBench.java).
# Usage: bench/stream-compare.sh [ROWS...]   (default: 1000000 10000000)
# Needs: the jar (mvn -B -q -DskipTests package), Maven (for pgjdbc's class path), and PostgreSQL on 127.0.0.1:5432
# (db test, user postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=buenavista-examples/target/buenavista.jar
[ -f "$jar" ] || mvn -B -q -DskipTests package
work=$(mktemp -d)
# pgjdbc from the test class path of the core module, as the build resolved it.
mvn -B -o -q -pl buenavista-core dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" > /dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
java -jar "$jar" duckdb --port "$port" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do grep -q "Connect with" "$work/server.log" && break; sleep 0.5; done
java -cp "$(cat "$work/cp.txt")" bench/StreamBench.java \
  "jdbc:postgresql://127.0.0.1:5432/test?user=postgres" \
  "jdbc:postgresql://127.0.0.1:$port/bench?user=bench" "$@"
