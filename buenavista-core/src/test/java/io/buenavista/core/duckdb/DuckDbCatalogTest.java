package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.QuerySession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.buenavista.core.duckdb.DuckDbTestSupport.command;
import static io.buenavista.core.duckdb.DuckDbTestSupport.rows;
import static io.buenavista.core.duckdb.DuckDbTestSupport.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The catalog emulation through the SPI, as the core drives a session. */
class DuckDbCatalogTest {
    private DuckDbHandler handler;
    private QuerySession session;

    @BeforeEach
    void open(@TempDir Path dir) throws Exception {
        Path other = dir.resolve("other.duckdb");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + other)) {
            c.createStatement().execute("CREATE TABLE person(person_id INTEGER, name VARCHAR)");
        }
        handler = new DuckDbHandler(DuckDbConfig.inMemory().withAttachment("other", other.toString()));
        session = handler.open(new DuckDbTestSupport.TestContext(Map.of("server_version", "16.0",
                "TimeZone", "Europe/Berlin", "application_name", "catalog-test", "search_path", "\"$user\", public"),
                new ArrayList<>()));
    }

    @AfterEach
    void close() {
        session.close();
        handler.close();
    }

    @Test
    void versionHasTheShapeSqlAlchemyParses() {
        String version = (String) single(session, "select pg_catalog.version()");
        assertTrue(version.matches("PostgreSQL 16\\.0 on x86_64-pc-linux-gnu, compiled by Buena Vista \\S+, "
                + "DuckDB v\\d+\\.\\d+\\.\\d+.*"), version);
        assertTrue(version.matches(".*(?:PostgreSQL|EnterpriseDB) (\\d+)\\.?(\\d+)?(?:\\.(\\d+))?.*"), version);
        assertEquals(version, single(session, "select version()"));
    }

    @Test
    void identityFunctionsAnswerForTheClientsDatabaseAndUser() {
        assertEquals(List.of(List.of("test", "public", "tester", "tester", "tester", "test")),
                rows(session, "select current_database(), current_schema(), current_user, session_user, "
                        + "pg_catalog.current_user(), current_catalog"));
    }

    @Test
    void currentSettingAnswersCoreSettingsFromTheCoreAndOthersFromDuckDb() {
        assertEquals(List.of(List.of("Europe/Berlin", "catalog-test", "16.0")),
                rows(session, "select current_setting('TimeZone'), pg_catalog.current_setting('application_name'),"
                        + " current_setting('server_version', true)"));
        session.settingChanged("application_name", "renamed");
        assertEquals("renamed", single(session, "select current_setting('application_name')"));
        assertEquals("false", single(session, "select current_setting('enable_external_access')"));
        // The core runs SELECT set_config(…) alone as a SET; anywhere else it cannot change what SHOW and
        // current_setting answer, so it fails rather than pretend it did.
        PgException e = assertThrows(PgException.class,
                () -> single(session, "select set_config('application_name', 'x', false) from range(1)"));
        assertEquals("0A000", e.sqlState());
        assertEquals("renamed", single(session, "select current_setting('application_name')"));
    }

    @Test
    void customSettingsReachCurrentSettingButNotPgSettings() {
        PgException e = assertThrows(PgException.class, () -> single(session, "select current_setting('app.id')"));
        assertEquals("42704", e.sqlState());
        assertEquals("unrecognized configuration parameter \"app.id\"", e.getMessage());
        assertEquals(null, single(session, "select current_setting('app.id', true)"));
        session.settingChanged("app.id", "42");
        assertEquals("42", single(session, "select current_setting('App.Id')"));
        assertEquals(0L, single(session, "select count(*) from pg_settings where name = 'app.id'"));
        assertEquals(List.of(), rows(session, "select name from pg_settings where name is null"));
    }

    @Test
    void settingsSurviveUse() {
        // USE of another database needs a server that allows global changes (DuckDbLockdownTest).
        session.close();
        handler.close();
        handler = new DuckDbHandler(handler.config().withAllowGlobalChanges(true));
        session = handler.open(new DuckDbTestSupport.TestContext(Map.of("TimeZone", "Europe/Berlin"),
                new ArrayList<>()));
        command(session, "USE other");
        assertEquals("Europe/Berlin", single(session, "select current_setting('TimeZone')"));
        assertEquals("test", single(session, "select current_database()"));
    }

    @Test
    void hstoreLookupFindsNothing() {
        assertEquals(List.of(), rows(session, "SELECT t.oid, typarray FROM pg_type t JOIN pg_namespace ns "
                + "ON typnamespace = ns.oid WHERE typname = 'hstore'"));
        assertEquals(List.of(List.of(23, 1007)), rows(session,
                "select t.oid, t.typarray from pg_catalog.pg_type t where t.typname = 'int4'"));
    }

    @Test
    void defaultCatalogIsPublicAndAnAttachedCatalogIsASchemaOfItsName() {
        command(session, "CREATE TABLE t(id INTEGER)");
        assertEquals(List.of(List.of("other"), List.of("public")), rows(session,
                "select nspname from pg_catalog.pg_namespace where nspname !~ '^pg_' "
                        + "and nspname <> 'information_schema' order by 1"));
        assertEquals(List.of(List.of("other", "person"), List.of("public", "t")), rows(session,
                "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                        + "where c.relkind = 'r' order by 1, 2"));
    }

    @Test
    void searchPathIsTranslated() {
        command(session, "CREATE TABLE t(id INTEGER)");
        session.settingChanged("search_path", "other, public");
        assertEquals(List.of(List.of(0L)), rows(session, "select count(*) from person"));
        assertEquals(List.of(List.of(0L)), rows(session, "select count(*) from t"));
        assertEquals("other", single(session, "select current_schema()"));
        assertEquals(List.of("pg_catalog", "other", "public"), single(session, "select current_schemas(true)"));
        assertEquals(List.of(List.of("person", true), List.of("t", true)), rows(session,
                "select relname, pg_table_is_visible(oid) from pg_class where relkind = 'r' order by 1"));
        session.settingChanged("search_path", "public");
        assertEquals(List.of(List.of("person", false), List.of("t", true)), rows(session,
                "select relname, pg_table_is_visible(oid) from pg_class where relkind = 'r' order by 1"));
        assertEquals("other.person", single(session,
                "select oid::regclass::text from pg_class where relname = 'person'"));
        assertEquals("public", single(session, "select current_schema()"));
    }

    @Test
    void rolesDatabasesAndSettingsAnswerPlausibly() {
        assertEquals(List.of(List.of("test", "tester", "UTF8")), rows(session,
                "select datname, pg_catalog.pg_get_userbyid(datdba), pg_catalog.pg_encoding_to_char(encoding) "
                        + "from pg_catalog.pg_database"));
        assertEquals(List.of(List.of("tester", 10)), rows(session, "select rolname, oid from pg_roles"));
        assertEquals(List.of(List.of("TimeZone", "Europe/Berlin")),
                rows(session, "select name, setting from pg_settings where name = 'TimeZone'"));
        // DuckDB's own settings are listed too, with the values DuckDB reports for them.
        assertEquals(rows(session, "select 'threads', current_setting('threads')::varchar"),
                rows(session, "select name, setting from pg_settings where name = 'threads'"));
    }

    @Test
    void keywordsAndTables() {
        assertEquals(List.of(List.of("R")), rows(session,
                "select catcode from pg_catalog.pg_get_keywords() where word = 'select'"));
        command(session, "CREATE TABLE t(id INTEGER)");
        assertEquals(List.of(List.of("public", "t", "tester")), rows(session,
                "select schemaname, tablename, tableowner from pg_catalog.pg_tables where tablename = 't'"));
    }

    @Test
    void columnsHavePostgresTypes() {
        command(session, "CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, price DECIMAL(10,2), "
                + "flag BOOLEAN, data BLOB, tags VARCHAR[], ts TIMESTAMP, tstz TIMESTAMPTZ, s STRUCT(a INT))");
        assertEquals(List.of(List.of("id", "integer", true), List.of("name", "text", true),
                List.of("price", "numeric(10,2)", false), List.of("flag", "boolean", false),
                List.of("data", "bytea", false), List.of("tags", "text[]", false),
                List.of("ts", "timestamp without time zone", false), List.of("tstz", "timestamp with time zone", false),
                List.of("s", "json", false)),
                rows(session, "select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull "
                        + "from pg_catalog.pg_attribute a where a.attrelid = 't'::regclass and a.attnum > 0 "
                        + "order by a.attnum"));
    }
}
