package io.buenavista.core.duckdb;

import static io.buenavista.core.duckdb.DuckDbTestSupport.command;
import static io.buenavista.core.duckdb.DuckDbTestSupport.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.api.QuerySession;
import io.buenavista.api.TransactionOptions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

/** The catalog's views and macros are created at the first statement that needs them, not when a session opens. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DuckDbLazyCatalogTest {
    /** Counts the session's TEMP views without naming any catalog object (which would install them). */
    private static final String TEMP_VIEWS = "select count(*) from duckdb_views() where database_name = 'temp'";

    private DuckDbHandler handler;
    private QuerySession session;

    @BeforeEach
    void open() {
        handler = new DuckDbHandler();
        session = handler.open(new DuckDbTestSupport.TestContext());
    }

    @AfterEach
    void close() {
        session.close();
        handler.close();
    }

    private long tempViews() {
        return ((Number) single(session, TEMP_VIEWS)).longValue();
    }

    @Test
    void aSessionThatNeverLooksAtTheCatalogDoesNotGetIt() {
        assertEquals(2, ((Number) single(session, "select $1::int + 1", "1")).intValue());
        assertEquals(0, tempViews());
    }

    @Test
    void theFirstStatementNamingAnObjectInstallsThem() {
        assertEquals(0, tempViews());
        assertTrue(((String) single(session, "SELECT pg_catalog.version()")).startsWith("PostgreSQL "));
        assertTrue(tempViews() > 10);
        assertEquals("tester", single(session, "select current_user"));
        assertEquals("test", single(session, "select CURRENT_DATABASE()"));
    }

    @Test
    void objectsCreatedInARolledBackBlockAreCreatedAgain() {
        session.begin(TransactionOptions.DEFAULT);
        assertTrue(((String) single(session, "select version()")).startsWith("PostgreSQL "));
        session.rollback();
        assertEquals(0, tempViews());
        assertTrue(((String) single(session, "select version()")).startsWith("PostgreSQL "));
        assertTrue(tempViews() > 10);
    }

    @Test
    void objectsCreatedInACommittedBlockStay() {
        session.begin(TransactionOptions.DEFAULT);
        assertTrue(((String) single(session, "select version()")).startsWith("PostgreSQL "));
        session.commit();
        assertTrue(tempViews() > 10);
    }

    @Test
    void aReadOnlyBlockCanStillInstallThem() {
        session.begin(new TransactionOptions(true, null));
        assertEquals("tester", single(session, "select current_user"));
        session.commit();
    }

    @Test
    void aViewOverTheCatalogMadeElsewhereWorksInAFreshSession() {
        try (QuerySession maker = handler.open(new DuckDbTestSupport.TestContext())) {
            command(maker, "CREATE VIEW schemas_of_mine AS SELECT bv_nspname('memory', 'main') AS name");
        }
        assertEquals(0, tempViews());
        assertEquals("public", single(session, "select name from schemas_of_mine"));
        assertTrue(tempViews() > 10);
    }

    @Test
    void namesThatOnlyResembleCatalogObjectsDoNotInstallThem() {
        assertEquals("x", single(session, "select 'x' as versions, 1 as format, 2 as pg_class_count"));
        assertEquals(0, tempViews());
    }

    @Test
    void aSearchPathFromTheStartupIsInForceFromTheStart() {
        command(session, "CREATE SCHEMA s2");
        command(session, "CREATE TABLE s2.t AS SELECT 'in s2' AS v");
        DuckDbTestSupport.TestContext context = new DuckDbTestSupport.TestContext(
                java.util.Map.of("search_path", "s2, public"), new java.util.ArrayList<>());
        try (QuerySession s2 = handler.open(context)) {
            assertEquals("in s2", single(s2, "select v from t"));
            assertEquals("s2", single(s2, "select current_schema()"));
        }
    }

    @Test
    void installingTheObjectsAfterUseKeepsWhereUseWent() {
        command(session, "CREATE SCHEMA s3");
        command(session, "USE memory.s3");
        command(session, "CREATE TABLE x AS SELECT 42 AS v");
        assertTrue(((String) single(session, "select version()")).startsWith("PostgreSQL "));
        assertEquals(42, single(session, "select v from x"));
    }

    /** Whether the session has the catalog's view of that name, asked without naming a catalog object. */
    private boolean hasView(String name) {
        // (DuckDB's own pg_catalog views are TEMP views too, in schema pg_catalog; the name is split, as a name in a
        // string counts as named)
        return ((Number) single(session, "select count(*) from duckdb_views() where database_name = 'temp' "
                + "and schema_name = 'main' and view_name = '" + name.substring(0, 3) + "' || '" + name.substring(3)
                + "'")).longValue() > 0;
    }

    @Test
    void objectsOnDemandWaitForAStatementNamingThem() {
        command(session, "CREATE TABLE t(a INT PRIMARY KEY, b INT REFERENCES t(a))");
        assertTrue(((String) single(session, "select version()")).startsWith("PostgreSQL "));
        assertTrue(hasView("pg_class"));
        assertFalse(hasView("pg_proc"));
        assertFalse(hasView("pg_constraint"));
        assertEquals("FOREIGN KEY (b) REFERENCES t(a)", single(session,
                "select pg_get_constraintdef(oid) from pg_constraint where contype = 'f'"));
        assertTrue(hasView("pg_constraint")); // and the objects it uses
        assertTrue(hasView("bv_constraint_rows"));
        assertFalse(hasView("pg_proc"));
        assertEquals(0L, ((Number) single(session, "select count(*) from pg_proc")).longValue());
        assertTrue(hasView("pg_proc"));
    }

    @Test
    void objectsOnDemandCreatedInARolledBackBlockAreCreatedAgain() {
        assertTrue(((String) single(session, "select version()")).startsWith("PostgreSQL "));
        session.begin(TransactionOptions.DEFAULT);
        assertEquals(0L, ((Number) single(session, "select count(*) from pg_proc")).longValue());
        session.rollback();
        assertFalse(hasView("pg_proc"));
        assertTrue(hasView("pg_class")); // created before the block
        assertEquals(0L, ((Number) single(session, "select count(*) from pg_proc")).longValue());
        assertTrue(hasView("pg_proc"));
    }

    @Test
    void theObjectsCanStillBeInstalledUnderALockedConfiguration() {
        assertEquals("true", single(session, "SELECT current_setting('lock_configuration')")); // the handler's lock
        assertTrue(((String) single(session, "select version()")).startsWith("PostgreSQL "));
        assertEquals("tester", single(session, "select current_user"));
    }
}
