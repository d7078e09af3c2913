#!/usr/bin/env bash
# Runs a single-file Java benchmark (bench/NAME.java) against a fresh Buena Vista server (the runnable jar, DuckDB
# handler, in memory, on a free port) and the PostgreSQL on 127.0.0.1:5432, in one invocation:
#   java -cp <core's test class path: pgjdbc, duckdb_jdbc> bench/NAME.java PG_URL BV_URL ARGS...
# Usage: bench/run-java-bench.sh NAME [ARGS...]
# Needs: the jar (built if missing), Maven (for the class path), and PostgreSQL on 127.0.0.1:5432 (db test, user
# postgres). BV_SERVER_JAVA_OPTS adds JVM options to the server (e.g. -Xmx128m), BV_SERVER_ARGS options of its
# `duckdb` subcommand (e.g. --threads 1), BV_JAR another build of the jar (e.g. a baseline copy).
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1
shift
jar=${BV_JAR:-buenavista-examples/target/buenavista.jar}
[ -f "$jar" ] || mvn -B -q -DskipTests package
work=$(mktemp -d)
mvn -B -q -pl buenavista-core -am compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" > "$work/mvn.log" 2>&1 \
  || { cat "$work/mvn.log"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
# shellcheck disable=SC2086
java ${BV_SERVER_JAVA_OPTS:-} -jar "$jar" duckdb --port "$port" ${BV_SERVER_ARGS:-} > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do grep -q "Connect with" "$work/server.log" && break; sleep 0.5; done
java -cp "$(cat "$work/cp.txt")" "bench/$name.java" \
  "jdbc:postgresql://127.0.0.1:5432/test?user=postgres" \
  "jdbc:postgresql://127.0.0.1:$port/bench?user=bench" "$@"
