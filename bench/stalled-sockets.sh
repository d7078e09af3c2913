#!/usr/bin/env bash
# What sockets that never finish their startup cost the server (bench/StalledSocketsBench.java): starts the jar
# (DuckDB handler, in memory) on a free port, opens N sockets that trickle one byte a second, and prints the server's
# threads and resident memory each second, with the time a legitimate client needs to log in meanwhile.
# Usage: bench/stalled-sockets.sh [SOCKETS] [SECONDS]   (default: 2000 20)
# Needs: the jar (mvn -B -q -DskipTests package) and a file-descriptor limit above SOCKETS (ulimit -n).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=buenavista-examples/target/buenavista.jar
[ -f "$jar" ] || mvn -B -q -DskipTests package
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
java -jar "$jar" duckdb --port "$port" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do grep -q "Connect with" "$work/server.log" && break; sleep 0.5; done
java bench/StalledSocketsBench.java "$server" 127.0.0.1 "$port" "$@"
