#!/usr/bin/env bash
# ColumnLabels (Java reader) against a json_serialize_sql labeller: exactness against PostgreSQL 15, cost per
# statement, robustness (see bench/ColumnLabelsBench.java; results in bench/column-labels-results.md).
# The bench calls package-private code, so it is compiled next to the core's classes rather than launched as a single
# file. Needs PostgreSQL on 127.0.0.1:5432 (db test, user postgres). BV_BENCH_CP, if set, is the class path of the
# core's dependencies (pgjdbc, duckdb_jdbc, gson); otherwise Maven's dependency plugin writes it.
# BV_MVN_OPTS adds Maven options (e.g. -o).
# Usage: bench/column-labels.sh [exactness] [cost] [robustness]   (all three by default; robustness takes ~10 min)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mvn -B ${BV_MVN_OPTS:-} -q -pl buenavista-core -am test-compile > "$work/mvn.log" 2>&1 || { cat "$work/mvn.log"; exit 1; }
cp=${BV_BENCH_CP:-}
if [ -z "$cp" ]; then
  mvn -B ${BV_MVN_OPTS:-} -q -pl buenavista-core dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$work/cp.txt" > "$work/mvn.log" 2>&1 || { cat "$work/mvn.log"; exit 1; }
  cp=$(cat "$work/cp.txt")
fi
cp="$work/bench:buenavista-core/target/classes:buenavista-core/target/test-classes:buenavista-api/target/classes:$cp"
javac -d "$work/bench" -cp "$cp" bench/ColumnLabelsBench.java
java -cp "$cp" io.buenavista.core.duckdb.ColumnLabelsBench "$@"
