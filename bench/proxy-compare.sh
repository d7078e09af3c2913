#!/usr/bin/env bash
# The relay (`buenavista.jar proxy`) against PostgreSQL itself and PgBouncer, side by side in one invocation.
# Usage: bench/proxy-compare.sh [SECONDS_PER_RUN] [POOL_SIZE]
# Runs `select :n::int + 1` with -M simple|extended|prepared at -c 1 -j 1 and -c 8 -j 2, plus -C -c 4 (a new
# connection per transaction), directly against PostgreSQL on 127.0.0.1:5432 (db test, user postgres, trust),
# through the proxy and through PgBouncer 1.18 (session pooling, same pool size), interleaved; prints tps, the ratio
# to direct and each pooler's CPU per transaction (/proc).
# The -c 64 -j 2 cells run when POOL_SIZE is at least 64 (session pooling gives each client a backend for its
# life; PostgreSQL then needs max_connections of at least 200: direct, proxy and PgBouncer hold 64 each). Then the 1 M-row stream (`select g, md5(g::text) from generate_series(1, 1000000) g`, pgjdbc, fetch size
# 10 000; bench/RelayStreamBench.java), with the proxy's RSS before and its peak after. Not yet: scale-10 pgbench -S.
# PROXY_CASES picks cells, e.g. PROXY_CASES='simple 1 1;prepared 1 1;simple 4 2 -C' (';'-separated "MODE CLIENTS
# THREADS [-C]"); PROXY_STREAM=0 skips the stream; PROXY_JAR runs another build of the jar (e.g. a baseline copy).
# Needs: the jar (mvn -B -q -DskipTests package) and pgbench; installs the Debian package pgbouncer when missing
# (as root; without it the PgBouncer columns stay empty). PgBouncer refuses to run as root: it runs as postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
pool=${2:-10}
jar=${PROXY_JAR:-buenavista-examples/target/buenavista.jar}
[ -f "$jar" ] || mvn -B -q -o -DskipTests package
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
work=$(mktemp -d)
chmod 755 "$work"
bouncer=
trap 'kill $server ${bouncer:-} 2>/dev/null || true; rm -rf "$work"' EXIT
java -jar "$jar" proxy --backend postgresql://127.0.0.1:5432/test --pool-size "$pool" --pool-wait 60 \
  --port "$port" > "$work/server.log" 2>&1 &
server=$!

if ! command -v pgbouncer > /dev/null && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq pgbouncer > /dev/null 2>&1 || true
fi
bport=
if command -v pgbouncer > /dev/null; then
  bport=$(free_port)
  printf '"postgres" ""\n' > "$work/users.txt"
  cat > "$work/pgbouncer.ini" <<INI
[databases]
test = host=127.0.0.1 port=5432 dbname=test user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bport
unix_socket_dir =
auth_type = trust
auth_file = $work/users.txt
pool_mode = session
default_pool_size = $pool
max_client_conn = 500
logfile = $work/pgbouncer.log
INI
  as_postgres=()
  if [ "$(id -u)" = 0 ]; then
    as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    chown postgres "$work"
  fi
  "${as_postgres[@]}" pgbouncer "$work/pgbouncer.ini" > /dev/null 2>&1 &
  bouncer=$!
  for _ in $(seq 1 60); do (exec 3<> "/dev/tcp/127.0.0.1/$bport") 2> /dev/null && break; sleep 0.5; done
  if ! (exec 3<> "/dev/tcp/127.0.0.1/$bport") 2> /dev/null; then
    echo "PgBouncer did not start; its log:" >&2
    cat "$work/pgbouncer.log" >&2 || true
    bport=
  fi
fi
for _ in $(seq 1 60); do grep -q "Connect with" "$work/server.log" && break; sleep 0.5; done
printf '\\set n random(1, 1000)\nselect :n::int + 1;\n' > "$work/select.sql"
hz=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # port mode clients threads [-C]; prints "tps transactions"
  pgbench -n "${@:5}" -h 127.0.0.1 -p "$1" -U postgres -M "$2" -f "$work/select.sql" -c "$3" -j "$4" \
    -T "$seconds" test 2>/dev/null \
    | awk '/^number of transactions actually processed/ {split($0, a, ": "); split(a[2], b, "/"); n=b[1]}
           /^tps = / {t=$3} END {print t, n}'
}

measured() { # pid port mode clients threads [-C]; prints "tps cpu_us_per_tx"
  local pid=$1 before after tps n
  shift
  before=$(cpu_ticks "$pid")
  read -r tps n < <(run "$@")
  after=$(cpu_ticks "$pid")
  echo "$tps $(python3 -c "print(f'{($after-$before)/$hz*1e6/max(${n:-0},1):.0f}')")"
}

# Warm the JVM up.
run "$port" prepared 4 2 > /dev/null
[ -n "$bport" ] && run "$bport" prepared 4 2 > /dev/null
printf '%-26s %10s %10s %10s %7s %7s %10s %10s\n' case direct proxy pgbouncer proxy/d pgb/d proxy_us pgb_us
cases=("simple 1 1" "extended 1 1" "prepared 1 1" "simple 8 2" "extended 8 2" "prepared 8 2")
[ "$pool" -ge 64 ] && cases+=("simple 64 2" "extended 64 2" "prepared 64 2")
cases+=("simple 4 2 -C")
if [ -n "${PROXY_CASES:-}" ]; then IFS=';' read -r -a cases <<< "$PROXY_CASES"; fi
for case in "${cases[@]}"; do
  set -- $case
  read -r pg _ < <(run 5432 "$@")
  read -r bv bvcpu < <(measured "$server" "$port" "$@")
  pb=0; pbcpu=-
  [ -n "$bport" ] && read -r pb pbcpu < <(measured "$bouncer" "$bport" "$@")
  printf '%-26s %10.0f %10.0f %10.0f %7s %7s %10s %10s\n' "-M $1 -c $2 -j $3 ${4:-}" "$pg" "$bv" "$pb" \
    "$(python3 -c "print(f'{$bv/$pg:.2f}')")" "$(python3 -c "print(f'{$pb/$pg:.2f}')")" "$bvcpu" "$pbcpu"
done
echo "(${seconds}s per run; ratios to direct, higher is better; CPU per transaction from /proc at ${hz} ticks/s)"

[ "${PROXY_STREAM:-1}" = 0 ] && exit 0
# The 1 M-row stream, direct and through each pooler, interleaved (median of 3).
mvn -B -q -pl buenavista-core -am compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" > "$work/mvn.log" 2>&1 \
  || { cat "$work/mvn.log"; exit 1; }
rss_kb() { awk '/^'"$2"':/ {print $2}' "/proc/$1/status"; }
rss_before=$(rss_kb "$server" VmRSS)
targets=("direct=jdbc:postgresql://127.0.0.1:5432/test?user=postgres"
         "proxy=jdbc:postgresql://127.0.0.1:$port/test?user=postgres")
[ -n "$bport" ] && targets+=("pgbouncer=jdbc:postgresql://127.0.0.1:$bport/test?user=postgres")
java -cp "$(cat "$work/cp.txt")" bench/RelayStreamBench.java 3 1000000 "${targets[@]}"
echo "proxy RSS before the stream $((rss_before / 1024)) MB, peak $(( $(rss_kb "$server" VmHWM) / 1024 )) MB"
