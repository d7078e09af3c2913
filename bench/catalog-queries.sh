#!/usr/bin/env bash
# Catalog look-ups as psql and pgjdbc make them (\d t, \d tr, \dt, \df; DatabaseMetaData getTables, getColumns,
# getPrimaryKeys, getImportedKeys), Buena Vista (DuckDB) against PostgreSQL side by side
# (bench/CatalogQueriesBench.java). Needs psql on the PATH.
# Usage: bench/catalog-queries.sh [ROUNDS]   (default: 5)
exec "$(dirname "$0")/run-java-bench.sh" CatalogQueriesBench "$@"
