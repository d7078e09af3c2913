#!/usr/bin/env bash
# The relay (`buenavista.jar proxy`) against PostgreSQL itself, side by side in one invocation, with pgbench.
# Usage: bench/proxy-compare.sh [SECONDS_PER_RUN] [POOL_SIZE]
# Runs `select :n::int + 1` with -M simple|extended|prepared at -c 1 -j 1 and -c 8 -j 2, plus -C -c 4 (a new
# connection per transaction), directly against PostgreSQL on 127.0.0.1:5432 (db test, user postgres, trust) and
# through the proxy, interleaved; prints tps, the ratio proxy/direct and the proxy's CPU per transaction (/proc).
# A first increment of issue 8's benchmark: no PgBouncer column, no scale-10 pgbench -S, no 1 M-row stream yet.
# Needs: the jar (mvn -B -q -DskipTests package) and pgbench.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
pool=${2:-10}
jar=buenavista-examples/target/buenavista.jar
[ -f "$jar" ] || mvn -B -q -DskipTests package
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
java -jar "$jar" proxy --backend postgresql://127.0.0.1:5432/test --pool-size "$pool" --pool-wait 60 \
  --port "$port" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do grep -q "Connect with" "$work/server.log" && break; sleep 0.5; done
printf '\\set n random(1, 1000)\nselect :n::int + 1;\n' > "$work/select.sql"
hz=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }

run() { # port mode clients threads [-C]; prints "tps transactions"
  pgbench -n "${@:5}" -h 127.0.0.1 -p "$1" -U postgres -M "$2" -f "$work/select.sql" -c "$3" -j "$4" \
    -T "$seconds" test 2>/dev/null \
    | awk '/^number of transactions actually processed/ {split($0, a, ": "); split(a[2], b, "/"); n=b[1]}
           /^tps = / {t=$3} END {print t, n}'
}

# Warm the JVM up.
run "$port" prepared 4 2 > /dev/null
printf '%-26s %12s %12s %7s %14s\n' case direct_tps proxy_tps ratio proxy_cpu_us/tx
for case in "simple 1 1" "extended 1 1" "prepared 1 1" "simple 8 2" "extended 8 2" "prepared 8 2" \
            "simple 4 2 -C"; do
  set -- $case
  read -r pg _ < <(run 5432 "$@")
  before=$(cpu_ticks)
  read -r bv n < <(run "$port" "$@")
  after=$(cpu_ticks)
  ratio=$(python3 -c "print(f'{$bv/$pg:.2f}')")
  cpu=$(python3 -c "print(f'{($after-$before)/$hz*1e6/max($n,1):.0f}')")
  printf '%-26s %12.0f %12.0f %7s %14s\n' "-M $1 -c $2 -j $3 ${4:-}" "$pg" "$bv" "$ratio" "$cpu"
done
echo "(${seconds}s per run; ratio = proxy / direct, higher is better; CPU from /proc at ${hz} ticks/s)"
