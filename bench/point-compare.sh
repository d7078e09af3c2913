#!/usr/bin/env bash
# The protocol's cost over in-process DuckDB: point queries (prepared and text) and a scan, through duckdb_jdbc in the
# bench JVM and through Buena Vista with pgjdbc, plus the same scan from PostgreSQL (bench/PointQueryBench.java).
# Usage: bench/point-compare.sh [SECONDS_PER_RUN] [SCAN_ROWS]   (default: 5 10000000)
exec "$(dirname "$0")/run-java-bench.sh" PointQueryBench "$@"
