#!/usr/bin/env bash
# The relay (`buenavista.jar proxy`) against PostgreSQL itself and PgBouncer 1.18, side by side in one invocation.
# Usage: bench/proxy-compare.sh [--quick] [SECONDS_PER_RUN] [POOL_SIZE]
#
# Sets up a private PostgreSQL 15 cluster (initdb in a temp dir, a free port, trust on 127.0.0.1, max_connections
# 300), a scale-10 pgbench database in it, the proxy and PgBouncer (session pooling, both with POOL_SIZE backends,
# default 64), warms the JVM up, then runs the built-in select-only script (`pgbench -n -S`) directly, through the
# proxy and through PgBouncer, interleaved (each round runs every cell on the three targets, the targets' order
# rotating from round to round): -M simple|extended|prepared with -c 1 -j 1, -c 8 -j 2 and -c 64 -j 2, and
# -M simple -c 4 -j 2 -C (a new connection per transaction: the pool's job). Then the 1 M-row stream
# (`select g, md5(g::text) from generate_series(1, 1000000) g`, pgjdbc, autocommit off, fetch size 10 000;
# bench/RelayStreamBench.java, median of 3) through the same three. Progress goes to stderr; stdout gets a markdown
# section for bench/proxy-results.md: date, commit, median tps per cell and target, each pooler's ratio to direct
# (median and range of the rounds' ratios), each pooler's CPU per transaction (utime + stime from /proc, median) and
# peak RSS (VmHWM). pgbench's -T includes the initial connections, opened one after the other by each thread: cells
# with more than 8 clients run longer on every target by what that costs direct (measured after the warm-up).
#
# Full mode: 10 s per run, 5 rounds (about 25 minutes). Quick mode (--quick or PROXY_QUICK=1): 3 s per run,
# 3 rounds, every cell (about 7 minutes, 8 on a loaded machine). SECONDS_PER_RUN overrides either; PROXY_ROUNDS sets
# the rounds.
# PROXY_CASES picks cells, e.g. PROXY_CASES='simple 1 1;prepared 1 1;simple 4 2 -C' (';'-separated "MODE CLIENTS
# THREADS [-C]"); a cell with more clients than POOL_SIZE is skipped (session pooling: each client holds a backend).
# PROXY_STREAM=0 skips the stream; PROXY_JAR runs another build of the jar (e.g. a baseline copy); PROXY_JAVA_OPTS
# adds JVM options to the proxy (e.g. -Xmx256m); PROXY_SCALE changes the pgbench scale (default 10).
#
# Needs: the jar (mvn -B -q -o -DskipTests package; built when missing), PostgreSQL 15 binaries in
# /usr/lib/postgresql/15/bin, python3, Maven (pgjdbc's class path for the stream); installs the Debian package
# pgbouncer when missing (as root; without it the PgBouncer columns stay empty). initdb, postgres and PgBouncer refuse
# to run as root: as root they run as the `postgres` user. The shared cluster on 5432 is not used. Everything started
# here (proxy, PgBouncer, the private postmaster) is stopped and the temp dir removed on exit, Ctrl-C or failure.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${PROXY_QUICK:-0}
if [ "${1:-}" = --quick ]; then quick=1; shift; fi
if [ "$quick" = 1 ]; then seconds=${1:-3}; rounds=${PROXY_ROUNDS:-3}; else seconds=${1:-10}; rounds=${PROXY_ROUNDS:-5}; fi
pool=${2:-64}
scale=${PROXY_SCALE:-10}
jar=${PROXY_JAR:-buenavista-examples/target/buenavista.jar}
bin=/usr/lib/postgresql/15/bin
[ -x "$bin/initdb" ] || { echo "PostgreSQL 15 binaries not found in $bin" >&2; exit 1; }
[ -f "$jar" ] || mvn -B -q -o -DskipTests package
log() { echo "[$(date +%T)] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
started=$(date +%s)
load_before=$(cut -d' ' -f1 /proc/loadavg)

cases=("simple 1 1" "extended 1 1" "prepared 1 1" "simple 8 2" "extended 8 2" "prepared 8 2"
       "simple 64 2" "extended 64 2" "prepared 64 2" "simple 4 2 -C")
if [ -n "${PROXY_CASES:-}" ]; then IFS=';' read -r -a cases <<< "$PROXY_CASES"; fi
kept=()
for case in "${cases[@]}"; do
  read -r _ clients _ connect <<< "$case"
  if [ -z "$connect" ] && [ "$clients" -gt "$pool" ]; then
    log "skipping '$case': more clients than the pool size $pool"
  else
    kept+=("$case")
  fi
done
cases=("${kept[@]}")
max_clients=1
for case in "${cases[@]}"; do
  read -r _ clients _ <<< "$case"
  [ "$clients" -gt "$max_clients" ] && max_clients=$clients
done

work=$(mktemp -d)
chmod 755 "$work"
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  chown postgres "$work"
fi
server=
bouncer=
stop_pid() { # TERM, then KILL after 10 s; only our own children
  kill "$1" 2> /dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2> /dev/null || break; sleep 0.1; done
  kill -9 "$1" 2> /dev/null || true
  wait "$1" 2> /dev/null || true
}
cleanup() {
  set +e
  trap - INT TERM HUP
  [ -n "$server" ] && stop_pid "$server"
  [ -n "$bouncer" ] && stop_pid "$bouncer"
  if [ -f "$work/data/postmaster.pid" ]; then
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$work/data" -m fast -w -t 60 stop > /dev/null 2>&1 \
      || "${as_postgres[@]}" "$bin/pg_ctl" -D "$work/data" -m immediate -w -t 30 stop > /dev/null 2>&1
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# pgjdbc's class path for the stream, before anything is measured (a fresh machine has no installed snapshot, so it
# is built in the reactor).
if [ "${PROXY_STREAM:-1}" != 0 ]; then
  log "class path for the stream (Maven)"
  # Offline first; a fresh machine may not have the dependency plugin yet, which only Maven Central has.
  mvn -B -q -o -pl buenavista-core -am compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" \
    > "$work/mvn.log" 2>&1 \
    || mvn -B -q -pl buenavista-core -am compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" \
      > "$work/mvn.log" 2>&1 || { cat "$work/mvn.log" >&2; exit 1; }
fi

# The private cluster. Direct, proxy and PgBouncer each hold up to 64 backends in the -c 64 cells.
pgport=$(free_port)
max_connections=$(( 2 * pool + max_clients + 20 > 300 ? 2 * pool + max_clients + 20 : 300 ))
log "initdb on port $pgport (max_connections $max_connections)"
"${as_postgres[@]}" "$bin/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N \
  > "$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
cat >> "$work/data/postgresql.conf" <<CONF
# bench/proxy-compare.sh: a throwaway cluster for a read-only benchmark
listen_addresses = '127.0.0.1'
port = $pgport
unix_socket_directories = '$work'
max_connections = $max_connections
# scale 10 is about 160 MB: all of it in PostgreSQL's own cache
shared_buffers = 256MB
# durability only slows down pgbench -i; nothing here outlives the run
fsync = off
synchronous_commit = off
full_page_writes = off
# no background work between cells (pgbench -i vacuums and analyzes itself), no checkpoint during the runs
autovacuum = off
max_wal_size = 4GB
checkpoint_timeout = 1h
CONF
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$work/data/pg_hba.conf"
"${as_postgres[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w -t 60 start > /dev/null \
  || { cat "$work/postgres.log" >&2; exit 1; }
"$bin/psql" -q -X -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c 'create database bench' > /dev/null
log "pgbench -i -s $scale"
"$bin/pgbench" -i -q -s "$scale" -h 127.0.0.1 -p "$pgport" -U postgres bench > "$work/init.log" 2>&1 \
  || { cat "$work/init.log" >&2; exit 1; }

port=$(free_port)
# shellcheck disable=SC2086
java ${PROXY_JAVA_OPTS:-} -jar "$jar" proxy --backend "postgresql://127.0.0.1:$pgport/bench" --pool-size "$pool" \
  --pool-wait 60 --port "$port" > "$work/server.log" 2>&1 &
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
bench = host=127.0.0.1 port=$pgport dbname=bench user=postgres
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
  "${as_postgres[@]}" pgbouncer "$work/pgbouncer.ini" > /dev/null 2>&1 &
  bouncer=$!
  for _ in $(seq 1 60); do (exec 3<> "/dev/tcp/127.0.0.1/$bport") 2> /dev/null && break; sleep 0.5; done
  if ! (exec 3<> "/dev/tcp/127.0.0.1/$bport") 2> /dev/null; then
    log "PgBouncer did not start; its log:"
    cat "$work/pgbouncer.log" >&2 || true
    stop_pid "$bouncer"
    bouncer=
    bport=
  fi
fi
for _ in $(seq 1 60); do grep -q "Connect with" "$work/server.log" || ! kill -0 "$server" 2> /dev/null && break; sleep 0.5; done
grep -q "Connect with" "$work/server.log" || { log "the proxy did not start; its log:"; cat "$work/server.log" >&2; exit 1; }

hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^'"$2"':/ {print $2}' "/proc/$1/status"; }

run() { # seconds port mode clients threads [-C]; prints "tps transactions connect_ms", tps nan without transactions
  "$bin/pgbench" -n -S "${@:6}" -h 127.0.0.1 -p "$2" -U postgres -M "$3" -c "$4" -j "$5" -T "$1" bench \
    > "$work/pgbench.out" 2>&1 || true
  # -T counts the initial connections too; the tps pgbench prints leaves them out (but not -C's reconnections).
  awk '/^number of transactions actually processed/ {split($0, a, ": "); split(a[2], b, "/"); n=b[1]}
       /^initial connection time = / {c=$5} /^tps = / {t=$3}
       END {print (t != "" && n > 0 ? t : "nan"), n + 0, c + 0}' "$work/pgbench.out"
}

targets=(direct proxy)
declare -A target_port=([direct]=$pgport [proxy]=$port) target_pid=([proxy]=$server)
if [ -n "$bport" ]; then targets+=(pgbouncer); target_port[pgbouncer]=$bport; target_pid[pgbouncer]=$bouncer; fi

# Warm-up, not recorded: PostgreSQL's cache, the proxy's JIT (every mode and new connections), and both pools opened
# to the largest cell's size.
log "warm-up"
wc=$(( pool < 8 ? pool : 8 ))
run "$seconds" "$pgport" prepared 8 2 > /dev/null
for mode in simple extended prepared; do run "$seconds" "$port" "$mode" "$wc" 2 > /dev/null; done
run "$seconds" "$port" simple "$wc" 2 -C > /dev/null
if [ -n "$bport" ]; then run "$seconds" "$bport" prepared "$wc" 2 > /dev/null; fi
for p in "$port" ${bport:+"$bport"}; do run 2 "$p" prepared "$max_clients" $(( max_clients < 2 ? 1 : 2 )) > /dev/null; done
# pgbench's threads open their clients one after the other within -T, and a new PostgreSQL backend takes 10-60 ms
# here: cells with more than 8 clients get that much more time on every target, so that direct keeps a full window.
connect_ms=$("$bin/pgbench" -n -S -C -c 1 -j 1 -t 20 -h 127.0.0.1 -p "$pgport" -U postgres bench 2>&1 \
  | awk '/^average connection time = / {printf "%.0f\n", $5}')
extra() { # clients threads; prints the seconds added to the cell's -T
  if [ "$1" -gt 8 ]; then
    python3 -c "import math; print(math.ceil(${connect_ms:-0} * math.ceil($1 / $2) / 1000))"
  else
    echo 0
  fi
}
longer=
if [ "$max_clients" -gt 8 ]; then
  longer=" The -c $max_clients cells ran $(extra "$max_clients" 2) s longer: pgbench's -T includes the initial \
connections, and a direct one took ${connect_ms:-?} ms."
  log "a direct connection takes ${connect_ms:-?} ms: -c $max_clients -j 2 cells run $(extra "$max_clients" 2) s longer"
fi
rss_warm=$(rss_kb "$server" VmRSS)
estimate=40
for case in "${cases[@]}"; do
  read -r _ clients threads _ <<< "$case"
  estimate=$(( estimate + rounds * ${#targets[@]} * (seconds + $(extra "$clients" "$threads") + 1) ))
done
log "${#cases[@]} cells x ${#targets[@]} targets x $rounds rounds of ${seconds}s, then the stream: about \
$(( (estimate + 59) / 60 )) min to go"

: > "$work/results.tsv"
for ((r = 0; r < rounds; r++)); do
  for i in "${!cases[@]}"; do
    # shellcheck disable=SC2086
    set -- ${cases[$i]}
    label="-M $1 -c $2 -j $3${4:+ $4}"
    line="round $((r + 1))/$rounds $label:"
    for ((k = 0; k < ${#targets[@]}; k++)); do
      t=${targets[$(( (k + r) % ${#targets[@]} ))]}
      pid=${target_pid[$t]:-}
      before=0
      [ -n "$pid" ] && before=$(cpu_ticks "$pid")
      duration=$(( seconds + $(extra "$2" "$3") ))
      read -r tps n initial_ms < <(run "$duration" "${target_port[$t]}" "$@")
      ticks=0
      [ -n "$pid" ] && ticks=$(( $(cpu_ticks "$pid") - before ))
      if [ "$tps" = nan ] || grep -q -E 'error|abort' "$work/pgbench.out"; then
        log "pgbench against $t ($label) failed or had no transactions; its output ends:"
        tail -4 "$work/pgbench.out" >&2
      fi
      if [ $(( duration * 1000 - ${initial_ms%.*} )) -lt $(( seconds * 750 )) ]; then
        log "$t: the initial connections took ${initial_ms%.*} ms of the ${duration}s run"
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$t" "$r" "$tps" "$n" "$ticks" >> "$work/results.tsv"
      line+=" $t ${tps%.*}"
    done
    log "$line"
  done
done
hwm_rt=$(rss_kb "$server" VmHWM)
bhwm_rt=
[ -n "$bport" ] && bhwm_rt=$(rss_kb "$bouncer" VmHWM)

: > "$work/stream.txt"
if [ "${PROXY_STREAM:-1}" != 0 ]; then
  log "1 M-row stream"
  stream_targets=("direct=jdbc:postgresql://127.0.0.1:$pgport/bench?user=postgres"
                  "proxy=jdbc:postgresql://127.0.0.1:$port/bench?user=postgres")
  [ -n "$bport" ] && stream_targets+=("pgbouncer=jdbc:postgresql://127.0.0.1:$bport/bench?user=postgres")
  java -cp "$(cat "$work/cp.txt")" bench/RelayStreamBench.java 3 1000000 "${stream_targets[@]}" > "$work/stream.txt"
  cat "$work/stream.txt" >&2
fi
hwm_all=$(rss_kb "$server" VmHWM)
bhwm_all=
[ -n "$bport" ] && bhwm_all=$(rss_kb "$bouncer" VmHWM)

commit=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
git diff --quiet HEAD 2> /dev/null || commit="$commit + uncommitted changes"
[ -n "${PROXY_JAR:-}" ] && commit="$commit, jar $PROXY_JAR"
mode_name=full
[ "$quick" = 1 ] && mode_name=quick
pgbouncer_version=
[ -n "$bport" ] && pgbouncer_version=$(pgbouncer --version | head -1)
log "done in $(( ($(date +%s) - started + 59) / 60 )) min"
CASES=$(printf '%s\n' "${cases[@]}") TARGETS="${targets[*]}" HZ=$hz \
HEADER="## $(date -u '+%Y-%m-%d %H:%M') UTC, commit $commit ($mode_name: $rounds round$([ "$rounds" = 1 ] || echo s) of ${seconds}s, interleaved)" \
SETUP="pgbench -n -S on a private PostgreSQL $("$bin/postgres" --version | awk '{print $3}') cluster, scale $scale; \
proxy and ${pgbouncer_version:-PgBouncer (not run)} in session pooling with $pool backends; $(nproc) cores, load \
average $load_before before and $(cut -d' ' -f1 /proc/loadavg) after.$longer" \
RSS="proxy RSS $((rss_warm / 1024)) MB after the warm-up, peak $((hwm_rt / 1024)) MB over the round trips and \
$((hwm_all / 1024)) MB over the whole run${bhwm_all:+; PgBouncer peak $((bhwm_rt / 1024)) MB over the \
round trips and $((bhwm_all / 1024)) MB over the whole run}." \
python3 - "$work/results.tsv" "$work/stream.txt" <<'PY'
import os, statistics, sys

cases = os.environ["CASES"].splitlines()
targets = os.environ["TARGETS"].split()
hz = int(os.environ["HZ"])
runs = {}  # (case, target) -> [(round, tps, transactions, ticks)]
for row in open(sys.argv[1]):
    i, t, r, tps, n, ticks = row.split("\t")
    runs.setdefault((int(i), t), []).append((int(r), float(tps), int(n), int(ticks)))

def med(values):
    values = [v for v in values if v == v]  # without the failed runs (nan)
    return statistics.median(values) if values else float("nan")

def num(x, digits=0):
    return "–" if x != x else f"{x:,.{digits}f}".replace(",", " ")

print(os.environ["HEADER"])
print()
print(os.environ["SETUP"])
print()
names = {"direct": "direct", "proxy": "proxy", "pgbouncer": "PgBouncer"}
poolers = [t for t in targets if t != "direct"]
print("| case | " + " | ".join(names[t] + " tps" for t in targets)
      + "".join(f" | {names[t]}/direct" for t in poolers)
      + "".join(f" | {names[t]} CPU µs/tx" for t in poolers) + " |")
print("|---" + "|---:" * (len(targets) + 2 * len(poolers)) + "|")
for i, case in enumerate(cases):
    mode, clients, threads, *connect = case.split()
    label = f"-M {mode} -c {clients} -j {threads}" + (" " + " ".join(connect) if connect else "")
    tps = {t: med([x[1] for x in runs.get((i, t), [])]) for t in targets}
    cells = [num(tps[t]) for t in targets]
    direct_by_round = {x[0]: x[1] for x in runs.get((i, "direct"), [])}
    for t in poolers:
        ratios = sorted(x[1] / direct_by_round[x[0]] for x in runs.get((i, t), [])
                        if x[1] == x[1] and direct_by_round.get(x[0], 0) > 0)
        cell = num(med(ratios), 2)
        if len(ratios) > 1:
            cell += f" ({ratios[0]:.2f}–{ratios[-1]:.2f})"
        cells.append(cell)
    for t in poolers:
        cells.append(num(med([x[3] / hz * 1e6 / x[2] if x[2] > 0 else float("nan")
                              for x in runs.get((i, t), [])])))
    print(f"| {label} | " + " | ".join(cells) + " |")
stream = {}
for row in open(sys.argv[2]):
    parts = row.split()  # stream NAME ROWS/S rows/s RATIO of direct
    if len(parts) >= 5 and parts[0] == "stream":
        stream[parts[1]] = (float(parts[2]), float(parts[4]))
if stream:
    cells = [num(stream.get(t, (float("nan"),))[0]) for t in targets]
    cells += [num(stream.get(t, (0, float("nan")))[1], 2) for t in poolers]
    cells += ["–" for _ in poolers]
    print("| 1 M-row stream, rows/s (pgjdbc, fetch size 10 000, median of 3) | " + " | ".join(cells) + " |")
print()
print(f"tps and CPU: medians of the rounds; ratios: median and range of the rounds' ratios to direct in the same "
      f"round; CPU per transaction is utime + stime from /proc at {hz} ticks/s. " + os.environ["RSS"])
PY
