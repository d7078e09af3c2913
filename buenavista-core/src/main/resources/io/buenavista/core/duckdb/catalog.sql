-- PostgreSQL catalog emulation for a DuckDB session: TEMP macros and views created on each session connection by
-- DuckDbCatalog (so they survive USE and a locked configuration). Unqualified names resolve to the temp catalog
-- first; CatalogRewrites strips "pg_catalog." so that qualified references reach these objects too.
-- Per-session values come from DuckDB variables set by DuckDbCatalog: bv_settings (MAP of core-owned and custom
-- settings, lower-case names), bv_database (the client's database name), bv_user, bv_version, bv_default_db (DuckDB's
-- default catalog, shown as schema public), bv_visible (schema names on the search path), bv_catalog_objects,
-- bv_keywords (the keywords quote_ident quotes); the last two are MAPs to true, read with map_contains.
-- Statements are separated by a semicolon at the end of a line. A statement after a comment line "-- on demand" is
-- left out of a session's first installation, and run (with those of the objects it uses) before the first statement
-- that names its object: those cost DuckDB the most to create, as it binds each object when it is created.

-- ---- schema mapping: the default catalog's main is public, an attached catalog X's main is schema X ----
CREATE OR REPLACE TEMP MACRO bv_nspname(db, sch) AS CASE
    WHEN db = 'system' THEN CASE WHEN sch IN ('pg_catalog', 'information_schema') THEN sch END
    WHEN db = 'temp' THEN CASE WHEN sch = 'main' THEN 'pg_temp' END
    WHEN db = getvariable('bv_default_db') THEN CASE WHEN sch = 'main' THEN 'public' ELSE sch END
    WHEN sch = 'main' THEN db
    END;
CREATE OR REPLACE TEMP MACRO bv_nspoid(db, sch, duck_oid) AS CASE
    WHEN db = 'system' AND sch = 'pg_catalog' THEN 11
    WHEN db = getvariable('bv_default_db') AND sch = 'main' THEN 2200
    ELSE duck_oid END;

-- ---- types: DuckDB type names to built-in PostgreSQL OIDs, as DuckDbTypes maps result columns ----
-- Lookups are constant MAPs rather than long CASE chains: macros expand in place, so every argument is copied
-- into each WHEN of the chains it reaches, and nested chains (format_type of bv_type_oid, as in pg_attribute) made
-- expression trees of tens of thousands of nodes that DuckDB took seconds to bind and optimize per statement.
CREATE OR REPLACE TEMP MACRO bv_scalar_oid(t) AS coalesce(MAP {'BOOLEAN': 16, 'TINYINT': 21, 'UTINYINT': 21,
        'SMALLINT': 21, 'USMALLINT': 23, 'INTEGER': 23, 'UINTEGER': 20, 'BIGINT': 20, 'UBIGINT': 1700,
        'HUGEINT': 1700, 'UHUGEINT': 1700, 'VARINT': 1700, 'BIGNUM': 1700, 'FLOAT': 700, 'DOUBLE': 701,
        'BLOB': 17, 'DATE': 1082, 'TIME': 1083, 'TIME_NS': 1083, 'TIMESTAMP WITH TIME ZONE': 1184,
        'INTERVAL': 1186, 'UUID': 2950, 'JSON': 114}[t],
    CASE WHEN t LIKE 'DECIMAL%' THEN 1700 WHEN t LIKE 'TIMESTAMP%' THEN 1114
        WHEN t LIKE 'STRUCT%' OR t LIKE 'MAP%' OR t LIKE 'UNION%' THEN 114 ELSE 25 END);
CREATE OR REPLACE TEMP MACRO bv_array_oid(e) AS coalesce(MAP {16: 1000, 17: 1001, 21: 1005, 23: 1007, 20: 1016,
    25: 1009, 700: 1021, 701: 1022, 1700: 1231, 1082: 1182, 1083: 1183, 1114: 1115, 1184: 1185, 1186: 1187,
    2950: 2951}[e], 114);
CREATE OR REPLACE TEMP MACRO bv_type_oid(t) AS CASE
    WHEN regexp_matches(t, '\[[0-9]*\]$') THEN
        CASE WHEN regexp_matches(t, '\]\[[0-9]*\]$') OR regexp_matches(t, '^(STRUCT|MAP|UNION)') THEN 114
        ELSE bv_array_oid(bv_scalar_oid(regexp_replace(t, '\[[0-9]*\]$', ''))) END
    ELSE bv_scalar_oid(t) END;
CREATE OR REPLACE TEMP MACRO bv_typmod(t, p, s) AS CASE
    WHEN regexp_matches(t, '^DECIMAL\([0-9]+,[0-9]+\)(\[[0-9]*\])?$') THEN p * 65536 + s + 4 ELSE -1 END;
CREATE OR REPLACE TEMP MACRO bv_format_scalar(o, m) AS CASE o
    WHEN 1042 THEN 'character' || CASE WHEN m > 4 THEN '(' || (m - 4) || ')' ELSE '' END
    WHEN 1043 THEN 'character varying' || CASE WHEN m > 4 THEN '(' || (m - 4) || ')' ELSE '' END
    WHEN 1700 THEN 'numeric' || CASE WHEN m > 4 THEN '(' || ((m - 4) // 65536) || ',' || ((m - 4) % 65536) || ')'
        ELSE '' END
    ELSE coalesce(MAP {16: 'boolean', 17: 'bytea', 18: '"char"', 19: 'name', 20: 'bigint', 21: 'smallint',
        23: 'integer', 24: 'regproc', 25: 'text', 26: 'oid', 114: 'json', 700: 'real', 701: 'double precision',
        705: 'unknown', 1082: 'date', 1083: 'time without time zone', 1114: 'timestamp without time zone',
        1184: 'timestamp with time zone', 1186: 'interval', 1266: 'time with time zone', 2205: 'regclass',
        2206: 'regtype', 2278: 'void', 2950: 'uuid', 3802: 'jsonb', 4089: 'regnamespace'}[o], '???') END;
CREATE OR REPLACE TEMP MACRO bv_array_elem(o) AS MAP {1000: 16, 1001: 17, 1002: 18, 1003: 19, 1005: 21, 1007: 23,
    1009: 25, 1014: 1042, 1015: 1043, 1016: 20, 1021: 700, 1022: 701, 1028: 26, 1115: 1114, 1182: 1082,
    1183: 1083, 1185: 1184, 1187: 1186, 1231: 1700, 1270: 1266, 199: 114, 2951: 2950, 3807: 3802}[o];
CREATE OR REPLACE TEMP MACRO format_type(o, m) AS CASE
    WHEN o IS NULL THEN NULL
    WHEN bv_array_elem(o) IS NOT NULL THEN bv_format_scalar(bv_array_elem(o), m) || '[]'
    ELSE bv_format_scalar(o, m) END;

-- on demand
CREATE OR REPLACE TEMP VIEW pg_type AS
SELECT t.oid::INTEGER AS oid, t.typname, 11 AS typnamespace, 10 AS typowner, t.typlen::SMALLINT AS typlen,
    t.typlen BETWEEN 1 AND 8 AS typbyval, 'b' AS typtype, t.typcategory, false AS typispreferred,
    true AS typisdefined, ',' AS typdelim, 0 AS typrelid, '-' AS typsubscript,
    coalesce(bv_array_elem(t.oid), 0) AS typelem, t.typarray, t.typname || 'in' AS typinput,
    t.typname || 'out' AS typoutput, t.typname || 'recv' AS typreceive, t.typname || 'send' AS typsend,
    '-' AS typmodin, '-' AS typmodout, '-' AS typanalyze, 'i' AS typalign, 'p' AS typstorage,
    false AS typnotnull, 0 AS typbasetype, -1 AS typtypmod, 0 AS typndims, 0 AS typcollation,
    NULL::VARCHAR AS typdefaultbin, NULL::VARCHAR AS typdefault, NULL::VARCHAR[] AS typacl
FROM (VALUES
    (16, 'bool', 1, 'B', 1000), (17, 'bytea', -1, 'U', 1001), (18, 'char', 1, 'Z', 1002),
    (19, 'name', 64, 'S', 1003), (20, 'int8', 8, 'N', 1016), (21, 'int2', 2, 'N', 1005),
    (23, 'int4', 4, 'N', 1007), (24, 'regproc', 4, 'N', 1008), (25, 'text', -1, 'S', 1009),
    (26, 'oid', 4, 'N', 1028), (114, 'json', -1, 'U', 199), (700, 'float4', 4, 'N', 1021),
    (701, 'float8', 8, 'N', 1022), (705, 'unknown', -2, 'X', 0), (1042, 'bpchar', -1, 'S', 1014),
    (1043, 'varchar', -1, 'S', 1015), (1082, 'date', 4, 'D', 1182), (1083, 'time', 8, 'D', 1183),
    (1114, 'timestamp', 8, 'D', 1115), (1184, 'timestamptz', 8, 'D', 1185), (1186, 'interval', 16, 'T', 1187),
    (1266, 'timetz', 12, 'D', 1270), (1700, 'numeric', -1, 'N', 1231), (2205, 'regclass', 4, 'N', 2210),
    (2206, 'regtype', 4, 'N', 2211), (2278, 'void', 4, 'P', 0), (2276, 'any', 4, 'P', 0),
    (2249, 'record', -1, 'P', 2287), (2950, 'uuid', 16, 'U', 2951),
    (3802, 'jsonb', -1, 'U', 3807), (4089, 'regnamespace', 4, 'N', 4090),
    (1000, '_bool', -1, 'A', 0), (1001, '_bytea', -1, 'A', 0), (1002, '_char', -1, 'A', 0),
    (1003, '_name', -1, 'A', 0), (1005, '_int2', -1, 'A', 0), (1007, '_int4', -1, 'A', 0),
    (1009, '_text', -1, 'A', 0), (1014, '_bpchar', -1, 'A', 0), (1015, '_varchar', -1, 'A', 0),
    (1016, '_int8', -1, 'A', 0), (1021, '_float4', -1, 'A', 0), (1022, '_float8', -1, 'A', 0),
    (1028, '_oid', -1, 'A', 0), (1115, '_timestamp', -1, 'A', 0), (1182, '_date', -1, 'A', 0),
    (1183, '_time', -1, 'A', 0), (1185, '_timestamptz', -1, 'A', 0), (1187, '_interval', -1, 'A', 0),
    (1231, '_numeric', -1, 'A', 0), (1270, '_timetz', -1, 'A', 0), (199, '_json', -1, 'A', 0),
    (2951, '_uuid', -1, 'A', 0), (3807, '_jsonb', -1, 'A', 0), (2287, '_record', -1, 'A', 0)
) AS t(oid, typname, typlen, typcategory, typarray);
CREATE OR REPLACE TEMP VIEW pg_range AS
SELECT 0 AS rngtypid, 0 AS rngsubtype, 0 AS rngmultitypid, 0 AS rngcollation, 0 AS rngsubopc,
    '-' AS rngcanonical, '-' AS rngsubdiff
WHERE false;

-- ---- identity and settings ----
CREATE OR REPLACE TEMP MACRO version() AS getvariable('bv_version');
CREATE OR REPLACE TEMP MACRO current_database() AS getvariable('bv_database');
CREATE OR REPLACE TEMP MACRO current_catalog() AS getvariable('bv_database');
CREATE OR REPLACE TEMP MACRO current_user() AS getvariable('bv_user');
CREATE OR REPLACE TEMP MACRO session_user() AS getvariable('bv_user');
CREATE OR REPLACE TEMP MACRO "user"() AS getvariable('bv_user');
CREATE OR REPLACE TEMP MACRO current_role() AS getvariable('bv_user');
-- bv_visible is pg_catalog followed by the existing schemas of the search path.
CREATE OR REPLACE TEMP MACRO current_schema() AS getvariable('bv_visible')[2];
CREATE OR REPLACE TEMP MACRO current_schemas(implicit) AS
    CASE WHEN implicit THEN getvariable('bv_visible') ELSE getvariable('bv_visible')[2:] END;
CREATE OR REPLACE TEMP MACRO bv_is_visible(ns) AS ns = 'pg_temp' OR list_contains(getvariable('bv_visible'), ns);
-- DuckDB settings that hold the server's paths or credentials stay hidden, as PostgreSQL hides data_directory
-- from those without pg_read_all_settings: by name, and any other whose value looks like a path. (CASE, not
-- coalesce: DuckDB evaluates all of coalesce's arguments, and a subquery for every row.)
CREATE OR REPLACE TEMP MACRO bv_hidden_setting(n) AS lower(n) IN ('allowed_directories', 'allowed_paths',
    'secret_directory', 'temp_directory', 'home_directory', 'extension_directory', 'extension_directories',
    'extension_repository_directory', 'log_query_path', 'profile_output', 'profiling_output', 'file_search_path',
    'custom_extension_repository', 'autoinstall_extension_repository', 'http_proxy', 'http_proxy_username',
    'http_proxy_password', 'password', 'user', 'username', 'ca_cert_file');
CREATE OR REPLACE TEMP MACRO current_setting(n) AS CASE
        WHEN map_contains(getvariable('bv_settings'), lower(n)) THEN getvariable('bv_settings')[lower(n)]
        WHEN bv_hidden_setting(n)
        THEN error('must be superuser or have privileges of pg_read_all_settings to examine "' || n || '"')
        WHEN contains(n, '.') THEN error('unrecognized configuration parameter "' || n || '"')
        ELSE (SELECT bv_ds.value FROM duckdb_settings() bv_ds
            WHERE lower(bv_ds.name) = lower(n) AND coalesce(bv_ds.value, '') NOT LIKE '%/%') END,
    (n, missing_ok) AS CASE
        WHEN map_contains(getvariable('bv_settings'), lower(n)) THEN getvariable('bv_settings')[lower(n)]
        WHEN bv_hidden_setting(n)
        THEN error('must be superuser or have privileges of pg_read_all_settings to examine "' || n || '"')
        -- A custom (dotted) setting the session never made: the core holds every one it made.
        WHEN contains(n, '.') THEN CASE WHEN missing_ok THEN NULL::VARCHAR
            ELSE error('unrecognized configuration parameter "' || n || '"') END
        ELSE (SELECT bv_ds.value FROM duckdb_settings() bv_ds
            WHERE lower(bv_ds.name) = lower(n) AND coalesce(bv_ds.value, '') NOT LIKE '%/%') END;
-- (The aliases inside macros are bv_-prefixed: DuckDB expands a macro's argument inside its body, so an argument
-- naming the client's alias, e.g. current_setting(s.name), would otherwise bind to an alias of the body.)
-- The core runs SELECT set_config(…) alone as a SET; anywhere else it could not change what SHOW and
-- current_setting answer, so it fails rather than pretend.
CREATE OR REPLACE TEMP MACRO set_config(n, v, is_local) AS
    error('set_config is supported only as a statement of its own: SELECT set_config(name, value, is_local)');
CREATE OR REPLACE TEMP MACRO pg_backend_pid() AS 0;
CREATE OR REPLACE TEMP MACRO pg_get_userbyid(o) AS getvariable('bv_user');
CREATE OR REPLACE TEMP MACRO pg_encoding_to_char(e) AS 'UTF8';
-- Quoted unless a lower-case identifier that is no keyword beyond the unreserved ones, as PostgreSQL does.
-- (bv_keywords holds those keywords, read once when the catalog is installed: a subquery here would be planned
-- anew for every name a catalog view quotes, and could not be used inside a lambda.)
CREATE OR REPLACE TEMP MACRO quote_ident(s) AS CASE
    WHEN regexp_full_match(s, '[a-z_][a-z0-9_]*') AND NOT map_contains(getvariable('bv_keywords'), s) THEN s
    ELSE '"' || replace(s, '"', '""') || '"' END;
CREATE OR REPLACE TEMP MACRO obj_description(o) AS NULL::VARCHAR, (o, c) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO col_description(o, n) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO shobj_description(o, c) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_get_expr(e, r) AS e, (e, r, p) AS e;
CREATE OR REPLACE TEMP MACRO array_upper(a, d) AS CASE WHEN d = 1 AND len(a) > 0 THEN len(a) END;
CREATE OR REPLACE TEMP MACRO array_lower(a, d) AS CASE WHEN d = 1 AND len(a) > 0 THEN 1 END;
CREATE OR REPLACE TEMP MACRO pg_relation_is_publishable(r) AS false;
CREATE OR REPLACE TEMP MACRO pg_get_statisticsobjdef_columns(o) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_is_in_recovery() AS false;
CREATE OR REPLACE TEMP MACRO txid_current() AS 1;

CREATE OR REPLACE TEMP VIEW pg_database AS
SELECT 16384 AS oid, getvariable('bv_database') AS datname, 10 AS datdba, 6 AS encoding, 'c' AS datlocprovider,
    false AS datistemplate, true AS datallowconn, -1 AS datconnlimit, 0 AS datfrozenxid, 0 AS datminmxid,
    1663 AS dattablespace, 'C' AS datcollate, 'C' AS datctype, NULL::VARCHAR AS daticulocale,
    NULL::VARCHAR AS datcollversion, NULL::VARCHAR[] AS datacl;
CREATE OR REPLACE TEMP VIEW pg_roles AS
SELECT getvariable('bv_user') AS rolname, false AS rolsuper, true AS rolinherit, false AS rolcreaterole,
    false AS rolcreatedb, true AS rolcanlogin, false AS rolreplication, -1 AS rolconnlimit,
    '********' AS rolpassword, NULL::TIMESTAMPTZ AS rolvaliduntil, false AS rolbypassrls,
    NULL::VARCHAR[] AS rolconfig, 10 AS oid;
CREATE OR REPLACE TEMP VIEW pg_user AS
SELECT getvariable('bv_user') AS usename, 10 AS usesysid, false AS usecreatedb, false AS usesuper,
    false AS userepl, false AS usebypassrls, '********' AS passwd, NULL::TIMESTAMPTZ AS valuntil,
    NULL::VARCHAR[] AS useconfig;
-- on demand
CREATE OR REPLACE TEMP VIEW pg_settings AS
SELECT getvariable('bv_setting_names')[s.key] AS name, s.value AS setting, NULL::VARCHAR AS unit, 'Buena Vista' AS category,
    NULL::VARCHAR AS short_desc, NULL::VARCHAR AS extra_desc, 'user' AS context, 'string' AS vartype,
    'session' AS source, NULL::VARCHAR AS min_val, NULL::VARCHAR AS max_val, NULL::VARCHAR[] AS enumvals,
    s.value AS boot_val, s.value AS reset_val, NULL::VARCHAR AS sourcefile, NULL::INTEGER AS sourceline,
    false AS pending_restart
FROM (SELECT unnest(map_entries(getvariable('bv_settings')), recursive := true)) s
WHERE map_contains(getvariable('bv_setting_names'), s.key) -- custom settings are not listed, as in PostgreSQL
UNION ALL
SELECT d.name, d.value, NULL, 'DuckDB', d.description, NULL, 'user',
    CASE WHEN d.input_type = 'BOOLEAN' THEN 'bool' WHEN d.input_type IN ('BIGINT', 'UBIGINT') THEN 'integer'
        ELSE 'string' END,
    'default', NULL, NULL, NULL, d.value, d.value, NULL, NULL, false
FROM duckdb_settings() d
WHERE NOT map_contains(getvariable('bv_settings'), lower(d.name)) AND NOT bv_hidden_setting(d.name)
    AND coalesce(d.value, '') NOT LIKE '%/%'
UNION ALL
-- PostgreSQL's compiled-in limits, which clients read (pgjdbc's getImportedKeys needs max_index_keys).
SELECT f.name, f.setting, NULL, 'Preset Options', NULL, NULL, 'internal', 'integer', 'default', f.setting, f.setting,
    NULL, f.setting, f.setting, NULL, NULL, false
FROM (VALUES ('max_index_keys', '32'), ('max_function_args', '100')) f(name, setting);

-- ---- relations ----
CREATE OR REPLACE TEMP VIEW pg_namespace AS
SELECT bv_nspoid(database_name, schema_name, oid) AS oid, bv_nspname(database_name, schema_name) AS nspname,
    10 AS nspowner, NULL::VARCHAR[] AS nspacl
FROM duckdb_schemas()
WHERE bv_nspname(database_name, schema_name) IS NOT NULL;

-- Every relation with what its source says of it alone. The lookups by OID or name (pg_table_is_visible, ::regclass)
-- read this view, which has no joins: bv_relations adds what needs the foreign keys.
CREATE OR REPLACE TEMP VIEW bv_relnames AS
SELECT table_oid AS oid, table_name AS relname, database_name AS db, schema_name AS sch, schema_oid, 'r' AS relkind,
    column_count AS relnatts, check_constraint_count AS relchecks, index_count AS bv_index_count,
    "temporary" AS is_temp, estimated_size AS reltuples
FROM duckdb_tables()
UNION ALL
SELECT view_oid, view_name, database_name, schema_name, schema_oid, 'v', column_count, 0, 0, "temporary", 0
FROM duckdb_views()
WHERE NOT internal AND NOT (database_name = 'temp' AND map_contains(getvariable('bv_catalog_objects'), view_name))
UNION ALL
SELECT sequence_oid, sequence_name, database_name, schema_name, schema_oid, 'S', 0, 0, 0, "temporary", 0
FROM duckdb_sequences()
UNION ALL
SELECT index_oid, index_name, database_name, schema_name, schema_oid, 'i', 1, 0, 0, false, 0
FROM duckdb_indexes()
UNION ALL
-- DuckDB keeps primary keys out of duckdb_indexes(); PostgreSQL shows them as indexes named <table>_pkey, and a
-- unique constraint's index named as the constraint.
SELECT table_oid * 1000 + constraint_index,
    CASE constraint_type WHEN 'PRIMARY KEY' THEN table_name || '_pkey' ELSE constraint_name END, database_name,
    schema_name, schema_oid, 'i', len(constraint_column_indexes), 0, 0, false, 0
FROM duckdb_constraints()
WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE');

CREATE OR REPLACE TEMP VIEW bv_relations AS
SELECT r.* EXCLUDE (bv_index_count),
    -- DuckDB counts a foreign key's own index too; PostgreSQL gives the referencing table none.
    r.bv_index_count > coalesce(fk.keys, 0) AS relhasindex,
    -- PostgreSQL enforces a foreign key with triggers on both tables; psql shows foreign keys only then.
    fk.bv_name IS NOT NULL AS relhastriggers
-- (The foreign keys of a table and those referencing it, counted in one aggregate over one scan, joined once:
-- each join and aggregate costs DuckDB milliseconds to plan and run on every statement that reads pg_class.)
FROM bv_relnames r
LEFT JOIN (SELECT database_name, schema_name, bv_key.bv_name, count(*) FILTER (WHERE bv_key.bv_own) AS keys
        FROM (SELECT database_name, schema_name, unnest([{'bv_name': table_name, 'bv_own': true},
                {'bv_name': referenced_table, 'bv_own': false}]) AS bv_key
            FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY')
        GROUP BY ALL) fk ON r.relkind = 'r' AND fk.database_name = r.db AND fk.schema_name = r.sch
    AND fk.bv_name = r.relname;

CREATE OR REPLACE TEMP VIEW pg_class AS
SELECT oid, relname, bv_nspoid(db, sch, schema_oid) AS relnamespace, 0 AS reltype, 0 AS reloftype,
    10 AS relowner, CASE relkind WHEN 'r' THEN 2 WHEN 'S' THEN 2 WHEN 'i' THEN 403 ELSE 0 END AS relam,
    oid AS relfilenode, 0 AS reltablespace,
    CASE relkind WHEN 'i' THEN 1 ELSE 0 END AS relpages, reltuples::FLOAT AS reltuples, 0 AS relallvisible,
    0 AS reltoastrelid, relhasindex, false AS relisshared, CASE WHEN is_temp THEN 't' ELSE 'p' END AS relpersistence,
    relkind, relnatts::SMALLINT AS relnatts, relchecks::SMALLINT AS relchecks, false AS relhasrules,
    relhastriggers, false AS relhassubclass, false AS relrowsecurity, false AS relforcerowsecurity,
    true AS relispopulated, 'd' AS relreplident, false AS relispartition, 0 AS relrewrite, 0 AS relfrozenxid,
    0 AS relminmxid, NULL::VARCHAR[] AS relacl, NULL::VARCHAR[] AS reloptions, NULL::VARCHAR AS relpartbound
FROM bv_relations
WHERE bv_nspname(db, sch) IS NOT NULL;

-- on demand
CREATE OR REPLACE TEMP VIEW pg_attribute AS
SELECT c.table_oid AS attrelid, c.column_name AS attname, bv_type_oid(c.data_type) AS atttypid,
    -1 AS attstattarget, -1::SMALLINT AS attlen, c.column_index::SMALLINT AS attnum, 0 AS attndims,
    -1 AS attcacheoff, bv_typmod(c.data_type, c.numeric_precision, c.numeric_scale) AS atttypmod,
    false AS attbyval, 'x' AS attalign,
    CASE WHEN bv_type_oid(c.data_type) IN (16, 20, 21, 23, 26, 700, 701, 1082, 1083, 1114, 1184, 1186, 2950) THEN 'p'
        WHEN bv_type_oid(c.data_type) = 1700 THEN 'm' ELSE 'x' END AS attstorage, '' AS attcompression, NOT c.is_nullable AS attnotnull,
    c.column_default IS NOT NULL AS atthasdef, false AS atthasmissing, '' AS attidentity, '' AS attgenerated,
    false AS attisdropped, true AS attislocal, 0 AS attinhcount, 0 AS attcollation, NULL::VARCHAR[] AS attacl,
    NULL::VARCHAR[] AS attoptions, NULL::VARCHAR[] AS attfdwoptions, NULL::VARCHAR AS attmissingval
FROM duckdb_columns() c
WHERE bv_nspname(c.database_name, c.schema_name) IS NOT NULL;

-- on demand
CREATE OR REPLACE TEMP VIEW pg_attrdef AS
SELECT table_oid * 1000 + column_index AS oid, table_oid AS adrelid, column_index::SMALLINT AS adnum,
    column_default AS adbin
FROM duckdb_columns()
WHERE column_default IS NOT NULL AND bv_nspname(database_name, schema_name) IS NOT NULL;

-- One row per index; names holds each key's column name or expression, indkey its attnum (0 for an expression, as
-- PostgreSQL has it). Expressions are split at ", ", so one with a comma inside shows as two keys.
-- on demand
CREATE OR REPLACE TEMP VIEW bv_indexes AS
SELECT x.*, list_transform(x.names, lambda bv_n: coalesce(cols.numbers[bv_n], 0)::SMALLINT) AS indkey
FROM (SELECT index_oid AS indexrelid, table_oid AS indrelid, database_name AS db, schema_name AS sch,
        index_name AS name, table_name, is_unique AS indisunique, false AS indisprimary,
        string_split(replace(regexp_extract(sql, '\((.*)\)', 1), '"', ''), ', ') AS names, NULL::BIGINT AS conoid
    FROM duckdb_indexes()) x
-- (the column numbers of indexed tables only: duckdb_columns() lists every column of every view, the catalog's too)
LEFT JOIN (SELECT table_oid, MAP(list(column_name), list(column_index::SMALLINT)) AS numbers FROM duckdb_columns()
    WHERE table_oid IN (SELECT table_oid FROM duckdb_indexes()) GROUP BY table_oid) cols ON cols.table_oid = x.indrelid
UNION ALL
-- a primary key's index, named <table>_pkey, and a unique constraint's, named as the constraint
SELECT table_oid * 1000 + constraint_index, table_oid, database_name, schema_name,
    CASE constraint_type WHEN 'PRIMARY KEY' THEN table_name || '_pkey' ELSE constraint_name END, table_name, true,
    constraint_type = 'PRIMARY KEY', constraint_column_names, table_oid * 1000 + 500 + constraint_index,
    list_transform(constraint_column_indexes, lambda bv_i: (bv_i + 1)::SMALLINT)
FROM duckdb_constraints()
WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE');

-- indkey and indoption are int2vectors in PostgreSQL; here lists, which is what clients do with them (unnest,
-- ANY, information_schema._pg_expandarray). PostgreSQL subscripts an int2vector from 0, a list from 1.
-- on demand
CREATE OR REPLACE TEMP VIEW pg_index AS
SELECT indexrelid, indrelid, len(indkey)::SMALLINT AS indnatts, len(indkey)::SMALLINT AS indnkeyatts, indisunique,
    false AS indnullsnotdistinct, indisprimary, false AS indisexclusion, true AS indimmediate,
    false AS indisclustered, true AS indisvalid, false AS indcheckxmin, true AS indisready, true AS indislive,
    false AS indisreplident, indkey, list_transform(indkey, lambda k: 0) AS indcollation,
    list_transform(indkey, lambda k: 0) AS indclass, list_transform(indkey, lambda k: 0::SMALLINT) AS indoption,
    NULL::VARCHAR AS indexprs, NULL::VARCHAR AS indpred
FROM bv_indexes
WHERE bv_nspname(db, sch) IS NOT NULL;

-- information_schema._pg_expandarray (CatalogRewrites drops the schema): one row per element, as a struct of the
-- element x and its position n; two calls in one select list expand in step, as in PostgreSQL.
CREATE OR REPLACE TEMP MACRO _pg_expandarray(a) AS
    unnest(list_transform(range(1, len(a) + 1), lambda i: {'x': a[i], 'n': i}));

-- Names joined with ", ", each quoted as PostgreSQL quotes it; NULL for no names, as string_agg answers.
CREATE OR REPLACE TEMP MACRO bv_quote_idents(l) AS
    nullif(array_to_string(list_transform(l, lambda bv_n: quote_ident(bv_n)), ', '), '');

-- The constraints PostgreSQL would list, each with its OID and what pg_get_constraintdef answers: what needs no
-- other table. (pg_get_constraintdef reads this view alone, without the joins of bv_constraints.)
-- on demand
CREATE OR REPLACE TEMP VIEW bv_constraint_rows AS
SELECT k.*, k.table_oid * 1000 + 500 + k.constraint_index AS oid,
    CASE k.constraint_type
        WHEN 'PRIMARY KEY' THEN 'PRIMARY KEY (' || bv_quote_idents(k.constraint_column_names) || ')'
        WHEN 'UNIQUE' THEN 'UNIQUE (' || bv_quote_idents(k.constraint_column_names) || ')'
        WHEN 'CHECK' THEN 'CHECK (' || k.expression || ')'
        WHEN 'FOREIGN KEY' THEN 'FOREIGN KEY (' || bv_quote_idents(k.constraint_column_names)
            || ') REFERENCES ' || quote_ident(k.referenced_table) || '('
            || bv_quote_idents(k.referenced_column_names) || ')'
        ELSE k.constraint_text END AS bv_definition
FROM duckdb_constraints() k
WHERE k.constraint_type <> 'NOT NULL' AND bv_nspname(k.database_name, k.schema_name) IS NOT NULL;

-- A foreign key references its table by name in DuckDB: confrelid, confkey and conindid (the referenced primary
-- key's index) are looked up; it is named <table>_<columns>_fkey, as PostgreSQL names it. bv_definition is what
-- pg_get_constraintdef answers; pg_constraint below shows PostgreSQL's columns only.
-- on demand
CREATE OR REPLACE TEMP VIEW bv_constraints AS
SELECT k.oid,
    CASE k.constraint_type WHEN 'PRIMARY KEY' THEN k.table_name || '_pkey'
        WHEN 'FOREIGN KEY' THEN k.table_name || '_' || array_to_string(k.constraint_column_names, '_') || '_fkey'
        ELSE k.constraint_name END AS conname,
    bv_nspoid(k.database_name, k.schema_name, k.schema_oid) AS connamespace,
    CASE k.constraint_type WHEN 'CHECK' THEN 'c' WHEN 'UNIQUE' THEN 'u' WHEN 'PRIMARY KEY' THEN 'p'
        WHEN 'FOREIGN KEY' THEN 'f' END AS contype,
    false AS condeferrable, false AS condeferred, true AS convalidated, k.table_oid AS conrelid, 0 AS contypid,
    CASE WHEN k.constraint_type IN ('PRIMARY KEY', 'UNIQUE') THEN k.table_oid * 1000 + k.constraint_index
        WHEN k.constraint_type = 'FOREIGN KEY' THEN coalesce(pk.table_oid * 1000 + pk.constraint_index, 0)
        ELSE 0 END AS conindid,
    0 AS conparentid,
    CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN coalesce(rt.table_oid, 0) ELSE 0 END AS confrelid,
    CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN 'a' ELSE ' ' END AS confupdtype,
    CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN 'a' ELSE ' ' END AS confdeltype,
    CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN 's' ELSE ' ' END AS confmatchtype,
    true AS conislocal, 0 AS coninhcount, false AS connoinherit,
    list_transform(k.constraint_column_indexes, lambda i: (i + 1)::SMALLINT) AS conkey,
    -- the referenced columns' numbers, those not found left out; NULL when none is found
    CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN nullif(list_filter(list_transform(k.referenced_column_names,
        lambda bv_n: rt.columns[bv_n]), lambda bv_i: bv_i IS NOT NULL), []) END AS confkey,
    k.expression AS conbin, k.bv_definition
-- (The referenced table and its primary key are joined rather than looked up in correlated subqueries, which DuckDB
-- plans as joins anyway, at a cost paid on every statement that reads pg_constraint.)
FROM bv_constraint_rows k
LEFT JOIN (SELECT t.database_name, t.schema_name, t.table_name, t.table_oid, c.columns
    FROM duckdb_tables() t
    -- (the column numbers of referenced tables only: duckdb_columns() lists every column of every view too)
    LEFT JOIN (SELECT table_oid, MAP(list(column_name), list(column_index::SMALLINT)) AS columns
        FROM duckdb_columns() WHERE table_name IN (SELECT referenced_table FROM duckdb_constraints()
            WHERE constraint_type = 'FOREIGN KEY') GROUP BY table_oid) c ON c.table_oid = t.table_oid) rt ON k.constraint_type = 'FOREIGN KEY' AND rt.database_name = k.database_name
    AND rt.schema_name = k.schema_name AND rt.table_name = k.referenced_table
LEFT JOIN (SELECT database_name, schema_name, table_name, table_oid, constraint_index FROM duckdb_constraints()
        WHERE constraint_type = 'PRIMARY KEY') pk ON k.constraint_type = 'FOREIGN KEY'
    AND pk.database_name = k.database_name AND pk.schema_name = k.schema_name AND pk.table_name = k.referenced_table;

-- on demand
CREATE OR REPLACE TEMP VIEW pg_constraint AS
SELECT oid, conname, connamespace, contype, condeferrable, condeferred, convalidated, conrelid, contypid, conindid,
    conparentid, confrelid, confupdtype, confdeltype, confmatchtype, conislocal, coninhcount, connoinherit, conkey,
    confkey, NULL::BIGINT[] AS conpfeqop, NULL::BIGINT[] AS conppeqop, NULL::BIGINT[] AS conffeqop,
    NULL::SMALLINT[] AS confdelsetcols, NULL::BIGINT[] AS conexclop, conbin
FROM bv_constraints;

-- pg_get_constraintdef and pg_get_indexdef take the answer from a MAP of all OIDs, built by an uncorrelated subquery,
-- which DuckDB plans and runs once; a correlated subquery becomes a join of the caller's rows with the whole view,
-- which cost more. (Not so for the relations, where the MAP needs an aggregate to keep each OID once.)
-- on demand
CREATE OR REPLACE TEMP MACRO pg_get_constraintdef(o) AS
        (SELECT MAP(list(bv_con.oid), list(bv_con.bv_definition)) FROM bv_constraint_rows bv_con)[o::BIGINT],
    (o, p) AS (SELECT MAP(list(bv_con.oid), list(bv_con.bv_definition)) FROM bv_constraint_rows bv_con)[o::BIGINT];
-- Key columns quoted as PostgreSQL quotes them; expressions (indkey 0) as they are.
CREATE OR REPLACE TEMP MACRO bv_index_key(x, c) AS CASE WHEN x.indkey[c] = 0 THEN x.names[c]
    ELSE quote_ident(x.names[c]) END;
CREATE OR REPLACE TEMP MACRO bv_indexdef_of(x) AS 'CREATE ' || CASE WHEN x.indisunique THEN 'UNIQUE ' ELSE '' END
    || 'INDEX ' || quote_ident(x.name) || ' ON ' || quote_ident(bv_nspname(x.db, x.sch)) || '.'
    || quote_ident(x.table_name) || ' USING btree ('
    || nullif(array_to_string(list_transform(range(1, len(x.names) + 1), lambda bv_c: bv_index_key(x, bv_c)), ', '), '')
    || ')';
-- (Each index once: a MAP's keys must be unique, and an OID made up for a key's index could in principle be taken.)
-- on demand
CREATE OR REPLACE TEMP MACRO bv_index_map() AS (SELECT MAP(list(bv_x.indexrelid), list(bv_x.bv_ix))
    FROM (SELECT bv_ix.indexrelid, any_value(bv_ix) AS bv_ix FROM bv_indexes bv_ix GROUP BY bv_ix.indexrelid) bv_x);
-- With a column number, the key column's name (or expression) alone, as PostgreSQL answers. (The index's row is a
-- lambda's argument: a macro's argument would be copied, lookup and all, wherever the body names it; and one lookup
-- serves both cases, where DuckDB would plan and run the subqueries of every CASE branch.)
-- on demand
CREATE OR REPLACE TEMP MACRO pg_get_indexdef(o) AS
        list_transform([bv_index_map()[o::BIGINT]], lambda bv_ix: bv_indexdef_of(bv_ix))[1],
    (o, c, p) AS list_transform([bv_index_map()[o::BIGINT]],
        lambda bv_ix: CASE WHEN c = 0 THEN bv_indexdef_of(bv_ix) ELSE bv_index_key(bv_ix, c) END)[1];

-- No partitions: a table is its only ancestor. psql calls it both in a select list and in FROM, there WITH
-- ORDINALITY AS a(relid, depth), which DuckDB ignores for a table macro: the table form has the ordinality column
-- depth (1) of its own.
CREATE OR REPLACE TEMP MACRO pg_partition_ancestors(o) AS TRY_CAST(o AS BIGINT);
CREATE OR REPLACE TEMP MACRO pg_partition_ancestors(o) AS TABLE
SELECT TRY_CAST(o AS BIGINT) AS relid, 1::BIGINT AS depth;
CREATE OR REPLACE TEMP MACRO pg_table_is_visible(o) AS
    coalesce((SELECT bv_is_visible(bv_nspname(bv_rel.db, bv_rel.sch)) FROM bv_relnames bv_rel WHERE bv_rel.oid = o LIMIT 1), false);
CREATE OR REPLACE TEMP MACRO pg_type_is_visible(o) AS true;
CREATE OR REPLACE TEMP MACRO pg_function_is_visible(o) AS true;
-- The name quoted where it needs it, and qualified where its schema is not on the search path, as PostgreSQL prints it.
CREATE OR REPLACE TEMP MACRO bv_regclass_name(o) AS (SELECT CASE WHEN bv_is_visible(bv_nspname(bv_rel.db, bv_rel.sch))
        THEN quote_ident(bv_rel.relname) ELSE quote_ident(bv_nspname(bv_rel.db, bv_rel.sch)) || '.' || quote_ident(bv_rel.relname) END
    FROM bv_relnames bv_rel WHERE bv_rel.oid = o LIMIT 1);
-- A number names the relation with that OID, as in PostgreSQL (psql's \d sends '16384'::regclass).
-- A name part as PostgreSQL reads it: "Quoted" exactly, unquoted folded (DuckDB's own names are case-insensitive).
CREATE OR REPLACE TEMP MACRO bv_ident_matches(part, ident) AS CASE WHEN part LIKE '"%"'
    THEN replace(part[2:-2], '""', '"') = ident ELSE lower(part) = lower(ident) END;
CREATE OR REPLACE TEMP MACRO bv_regclass_oid(name) AS (SELECT bv_rel.oid FROM bv_relnames bv_rel,
        (SELECT regexp_extract_all(name, '"(?:[^"]|"")*"|[^."]+') AS p) bv_parts
    WHERE bv_rel.oid = TRY_CAST(name AS BIGINT)
       OR len(bv_parts.p) = 1 AND bv_ident_matches(bv_parts.p[1], bv_rel.relname) AND bv_is_visible(bv_nspname(bv_rel.db, bv_rel.sch))
       OR len(bv_parts.p) = 2 AND bv_ident_matches(bv_parts.p[1], bv_nspname(bv_rel.db, bv_rel.sch)) AND bv_ident_matches(bv_parts.p[2], bv_rel.relname)
    ORDER BY bv_nspname(bv_rel.db, bv_rel.sch) <> 'pg_temp', list_position(getvariable('bv_visible'), bv_nspname(bv_rel.db, bv_rel.sch))
    LIMIT 1);
-- on demand
CREATE OR REPLACE TEMP MACRO bv_regtype_oid(name) AS (SELECT bv_ty.oid FROM pg_type bv_ty
    WHERE bv_ty.typname = name OR format_type(bv_ty.oid, NULL) = name LIMIT 1);
-- (o is bound once in a subquery: format_type names its argument many times, and o may be a lookup itself.)
CREATE OR REPLACE TEMP MACRO bv_regtype_name(o) AS (SELECT format_type(bv_arg.o, NULL) FROM (SELECT o AS o) bv_arg);
CREATE OR REPLACE TEMP MACRO bv_regnamespace_name(o) AS (SELECT bv_ns.nspname FROM pg_namespace bv_ns WHERE bv_ns.oid = o);
CREATE OR REPLACE TEMP MACRO bv_regnamespace_oid(name) AS (SELECT bv_ns.oid FROM pg_namespace bv_ns WHERE bv_ns.nspname = name);
CREATE OR REPLACE TEMP MACRO bv_regrole_oid(name) AS CASE WHEN name = getvariable('bv_user') THEN 10 END;

-- ---- relations PostgreSQL has and DuckDB does not: present and empty ----
CREATE OR REPLACE TEMP VIEW pg_am AS
SELECT * FROM (VALUES (2, 'heap', 'heap_tableam_handler', 't'), (403, 'btree', 'bthandler', 'i'))
    AS a(oid, amname, amhandler, amtype);
CREATE OR REPLACE TEMP VIEW pg_collation AS
SELECT 100 AS oid, 'default' AS collname, 11 AS collnamespace, 10 AS collowner, 'd' AS collprovider,
    true AS collisdeterministic, -1 AS collencoding, NULL::VARCHAR AS collcollate, NULL::VARCHAR AS collctype,
    NULL::VARCHAR AS colliculocale, NULL::VARCHAR AS collversion;
CREATE OR REPLACE TEMP VIEW pg_inherits AS
SELECT 0 AS inhrelid, 0 AS inhparent, 0 AS inhseqno, false AS inhdetachpending WHERE false;
CREATE OR REPLACE TEMP VIEW pg_policy AS
SELECT 0 AS oid, '' AS polname, 0 AS polrelid, '' AS polcmd, true AS polpermissive, [0] AS polroles,
    NULL::VARCHAR AS polqual, NULL::VARCHAR AS polwithcheck WHERE false;
CREATE OR REPLACE TEMP VIEW pg_statistic_ext AS
SELECT 0 AS oid, 0 AS stxrelid, '' AS stxname, 0 AS stxnamespace, 10 AS stxowner, -1 AS stxstattarget,
    NULL::SMALLINT[] AS stxkeys, ['d'] AS stxkind, NULL::VARCHAR AS stxexprs WHERE false;
CREATE OR REPLACE TEMP VIEW pg_publication AS
SELECT 0 AS oid, '' AS pubname, 10 AS pubowner, false AS puballtables, false AS pubinsert, false AS pubupdate,
    false AS pubdelete, false AS pubtruncate, false AS pubviaroot WHERE false;
CREATE OR REPLACE TEMP VIEW pg_publication_namespace AS
SELECT 0 AS oid, 0 AS pnpubid, 0 AS pnnspid WHERE false;
CREATE OR REPLACE TEMP VIEW pg_publication_rel AS
SELECT 0 AS oid, 0 AS prpubid, 0 AS prrelid, NULL::VARCHAR AS prqual, NULL::SMALLINT[] AS prattrs WHERE false;
CREATE OR REPLACE TEMP VIEW pg_description AS
SELECT 0 AS objoid, 0 AS classoid, 0 AS objsubid, '' AS description WHERE false;
CREATE OR REPLACE TEMP VIEW pg_extension AS
SELECT 0 AS oid, '' AS extname, 10 AS extowner, 11 AS extnamespace, false AS extrelocatable, '' AS extversion,
    NULL::INTEGER[] AS extconfig, NULL::VARCHAR[] AS extcondition
WHERE false;
-- DuckDB has no triggers. (PostgreSQL enforces a foreign key with internal triggers, which psql leaves out of \d.)
CREATE OR REPLACE TEMP VIEW pg_trigger AS
SELECT 0 AS oid, 0 AS tgrelid, 0 AS tgparentid, '' AS tgname, 0 AS tgfoid, 0::SMALLINT AS tgtype,
    'O' AS tgenabled, false AS tgisinternal, 0 AS tgconstrrelid, 0 AS tgconstrindid, 0 AS tgconstraint,
    false AS tgdeferrable, false AS tginitdeferred, 0::SMALLINT AS tgnargs, NULL::SMALLINT[] AS tgattr,
    NULL::BLOB AS tgargs, NULL::VARCHAR AS tgqual, NULL::VARCHAR AS tgoldtable, NULL::VARCHAR AS tgnewtable
WHERE false;
CREATE OR REPLACE TEMP MACRO pg_get_triggerdef(o) AS NULL::VARCHAR, (o, p) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP VIEW pg_stat_activity AS
SELECT 16384 AS datid, getvariable('bv_database') AS datname, 0 AS pid, getvariable('bv_user') AS usename,
    getvariable('bv_settings')['application_name'] AS application_name, 'active' AS state, NULL::VARCHAR AS query;
CREATE OR REPLACE TEMP MACRO pg_get_serial_sequence(t, c) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP VIEW pg_sequence AS
SELECT 0 AS seqrelid, 20 AS seqtypid, 1::BIGINT AS seqstart, 1::BIGINT AS seqincrement, 1::BIGINT AS seqmax,
    1::BIGINT AS seqmin, 1::BIGINT AS seqcache, false AS seqcycle WHERE false;
-- DuckDB's own functions are left out (pg_catalog's are PostgreSQL's, not these); user macros show with the
-- PostgreSQL names of their parameter types; an untyped parameter, and a scalar macro's result, which DuckDB only
-- knows once bound, as "any"; a table macro returns SETOF record. proargtypes is an oidvector in PostgreSQL, whose
-- text (space-separated OIDs) is what clients parse.
-- (The type OIDs are computed in an inner select: macros expand in place, and format_type(bv_type_oid(x)) would
-- make DuckDB bind an expression tree of exponential size.)
CREATE OR REPLACE TEMP MACRO bv_format_argtype(o) AS CASE o WHEN 2276 THEN '"any"' ELSE format_type(o, NULL) END;
-- on demand
CREATE OR REPLACE TEMP VIEW pg_proc AS
SELECT oid, proname, pronamespace, 10 AS proowner, 14 AS prolang, 100::FLOAT AS procost,
    CASE WHEN proretset THEN 1000 ELSE 0 END::FLOAT AS prorows, 0 AS provariadic, '-' AS prosupport,
    'f' AS prokind, false AS prosecdef, false AS proleakproof, false AS proisstrict, proretset, 'v' AS provolatile,
    'u' AS proparallel, len(proargnames)::SMALLINT AS pronargs, 0::SMALLINT AS pronargdefaults, prorettype,
    array_to_string(bv_argtypes, ' ') AS proargtypes, NULL::INTEGER[] AS proallargtypes,
    NULL::VARCHAR[] AS proargmodes, proargnames, NULL::VARCHAR AS proargdefaults, NULL::INTEGER[] AS protrftypes,
    prosrc, NULL::VARCHAR AS probin, NULL::VARCHAR AS prosqlbody, NULL::VARCHAR[] AS proconfig,
    NULL::VARCHAR[] AS proacl,
    CASE WHEN proretset THEN 'SETOF record' ELSE bv_format_argtype(prorettype) END AS bv_result,
    array_to_string(list_transform(list_zip(proargnames, bv_argtypes),
        lambda a: a[1] || ' ' || bv_format_argtype(a[2])), ', ') AS bv_arguments
FROM (SELECT f.function_oid AS oid, f.function_name AS proname,
        bv_nspoid(f.database_name, f.schema_name, s.oid) AS pronamespace,
        f.function_type = 'table_macro' AS proretset,
        CASE WHEN f.function_type = 'table_macro' THEN 2249 WHEN f.return_type IS NULL THEN 2276
            ELSE bv_type_oid(f.return_type) END AS prorettype,
        list_transform(f.parameter_types, lambda t: CASE WHEN t IS NULL THEN 2276 ELSE bv_type_oid(t) END)
            AS bv_argtypes,
        f.parameters AS proargnames, f.macro_definition AS prosrc
    -- (DuckDB's own pg_proc would scan duckdb_functions(), thousands of rows, a second time)
    FROM duckdb_functions() f
    JOIN duckdb_schemas() s ON s.database_name = f.database_name AND s.schema_name = f.schema_name
    WHERE NOT f.internal AND f.database_name <> 'temp' AND bv_nspname(f.database_name, f.schema_name) IS NOT NULL);
-- on demand
CREATE OR REPLACE TEMP MACRO pg_get_function_result(o) AS (SELECT bv_fn.bv_result FROM pg_proc bv_fn WHERE bv_fn.oid = o);
-- on demand
CREATE OR REPLACE TEMP MACRO pg_get_function_arguments(o) AS (SELECT bv_fn.bv_arguments FROM pg_proc bv_fn WHERE bv_fn.oid = o);
-- on demand
CREATE OR REPLACE TEMP MACRO pg_get_function_identity_arguments(o) AS
    (SELECT bv_fn.bv_arguments FROM pg_proc bv_fn WHERE bv_fn.oid = o);
CREATE OR REPLACE TEMP MACRO pg_get_keywords() AS TABLE
SELECT keyword_name AS word,
    CASE keyword_category WHEN 'reserved' THEN 'R' WHEN 'unreserved' THEN 'U' WHEN 'column_name' THEN 'C'
        ELSE 'T' END AS catcode,
    false AS barelabel,
    CASE keyword_category WHEN 'reserved' THEN 'reserved' WHEN 'unreserved' THEN 'unreserved'
        WHEN 'column_name' THEN 'unreserved (cannot be function or type name)'
        ELSE 'reserved (can be function or type name)' END AS catdesc,
    'can be bare label' AS baredesc
FROM duckdb_keywords();
-- on demand
CREATE OR REPLACE TEMP VIEW pg_tables AS
SELECT n.nspname AS schemaname, c.relname AS tablename, getvariable('bv_user') AS tableowner,
    NULL::VARCHAR AS tablespace, c.relhasindex AS hasindexes, false AS hasrules, c.relhastriggers AS hastriggers,
    false AS rowsecurity
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r';

-- ---- DBeaver ----
-- What DBeaver's PostgreSQL plugin reads when it connects, browses the navigator and opens a table's properties
-- (DuckDbDBeaverQueriesTest replays its statements). No partitions, rules, tablespaces or statistics in DuckDB:
-- those answer empty, sizes as unknown (NULL, which DBeaver shows as no size).
CREATE OR REPLACE TEMP MACRO pg_get_partkeydef(o) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_get_ruledef(o) AS NULL::VARCHAR, (o, p) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_tablespace_location(o) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_database_size(o) AS NULL::BIGINT;
CREATE OR REPLACE TEMP MACRO pg_relation_size(o) AS NULL::BIGINT, (o, f) AS NULL::BIGINT;
CREATE OR REPLACE TEMP MACRO pg_total_relation_size(o) AS NULL::BIGINT;
CREATE OR REPLACE TEMP MACRO pg_stat_get_numscans(o) AS 0::BIGINT;
-- The single encoding the server speaks, which DBeaver lists from the conversions' target encodings.
CREATE OR REPLACE TEMP VIEW pg_conversion AS
SELECT 4402 AS oid, 'utf8' AS conname, 11 AS connamespace, 10 AS conowner, 6 AS conforencoding,
    6 AS contoencoding, '-' AS conproc, true AS condefault;
CREATE OR REPLACE TEMP VIEW pg_shdescription AS
SELECT 0 AS objoid, 0 AS classoid, '' AS description WHERE false;
CREATE OR REPLACE TEMP VIEW pg_language AS
SELECT 0 AS oid, '' AS lanname, 10 AS lanowner, false AS lanispl, false AS lanpltrusted, 0 AS lanplcallfoid,
    0 AS laninline, 0 AS lanvalidator, NULL::VARCHAR[] AS lanacl WHERE false;
CREATE OR REPLACE TEMP VIEW pg_rewrite AS
SELECT 0 AS oid, '' AS rulename, 0 AS ev_class, '' AS ev_type, '' AS ev_enabled, false AS is_instead,
    NULL::VARCHAR AS ev_qual, NULL::VARCHAR AS ev_action WHERE false;
CREATE OR REPLACE TEMP VIEW pg_policies AS
SELECT '' AS schemaname, '' AS tablename, '' AS policyname, '' AS permissive, NULL::VARCHAR[] AS roles,
    '' AS cmd, NULL::VARCHAR AS qual, NULL::VARCHAR AS with_check WHERE false;
-- PostgreSQL answers a view's query alone (DBeaver puts CREATE OR REPLACE VIEW … AS before it); DuckDB's own
-- pg_get_viewdef answers the whole CREATE VIEW statement.
CREATE OR REPLACE TEMP MACRO bv_viewdef(o) AS (SELECT regexp_replace(bv_vw.sql,
        '^CREATE (OR REPLACE )?(TEMP(ORARY)? )?VIEW ("([^"]|"")*"|[^ ]+)( \([^)]*\))? AS ', '')
    FROM duckdb_views() bv_vw WHERE bv_vw.view_oid = o);
CREATE OR REPLACE TEMP MACRO pg_get_viewdef(o) AS bv_viewdef(o), (o, p) AS bv_viewdef(o);

-- ---- psql's other meta-commands (\l+, \dt+, \du, \dC, \do, \dy) ----
CREATE OR REPLACE TEMP VIEW pg_tablespace AS
SELECT * FROM (VALUES (1663, 'pg_default', 10, NULL::VARCHAR[], NULL::VARCHAR[]),
        (1664, 'pg_global', 10, NULL::VARCHAR[], NULL::VARCHAR[]))
    AS t(oid, spcname, spcowner, spcacl, spcoptions);
CREATE OR REPLACE TEMP MACRO pg_table_size(o) AS NULL::BIGINT;
CREATE OR REPLACE TEMP MACRO pg_indexes_size(o) AS NULL::BIGINT;
CREATE OR REPLACE TEMP VIEW pg_auth_members AS
SELECT 0 AS oid, 0 AS roleid, 0 AS member, 0 AS grantor, false AS admin_option, false AS inherit_option,
    false AS set_option WHERE false;
CREATE OR REPLACE TEMP VIEW pg_cast AS
SELECT 0 AS oid, 0 AS castsource, 0 AS casttarget, 0 AS castfunc, 'e' AS castcontext, 'f' AS castmethod WHERE false;
CREATE OR REPLACE TEMP VIEW pg_operator AS
SELECT 0 AS oid, '' AS oprname, 0 AS oprnamespace, 10 AS oprowner, 'b' AS oprkind, false AS oprcanmerge,
    false AS oprcanhash, 0 AS oprleft, 0 AS oprright, 0 AS oprresult, 0 AS oprcom, 0 AS oprnegate,
    '-' AS oprcode, '-' AS oprrest, '-' AS oprjoin WHERE false;
CREATE OR REPLACE TEMP MACRO pg_operator_is_visible(o) AS true;
CREATE OR REPLACE TEMP VIEW pg_event_trigger AS
SELECT 0 AS oid, '' AS evtname, '' AS evtevent, 10 AS evtowner, 0 AS evtfoid, 'O' AS evtenabled,
    NULL::VARCHAR[] AS evttags WHERE false;
