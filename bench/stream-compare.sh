#!/usr/bin/env bash
# Streaming throughput of Buena Vista (DuckDB handler, in memory) against PostgreSQL itself: pgjdbc reads N rows with
# autocommit off and fetch size 10 000 from both in the same invocation (bench/StreamBench.java).
# Usage: bench/stream-compare.sh [ROWS...]   (default: 1000000 10000000)
exec "$(dirname "$0")/run-java-bench.sh" StreamBench "$@"
