package io.buenavista.core.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

/** PostgreSQL's {@code $n} as JDBC's {@code ?}, and which SQLSTATEs of a driver a PostgreSQL client can be given. */
class JdbcTextTest {
    @Test
    void parametersBecomePlaceholdersInReferenceOrder() {
        JdbcText t = JdbcText.of("SELECT $2, $1 || $2 FROM t WHERE a = $3");
        assertEquals("SELECT ?, ? || ? FROM t WHERE a = ?", t.sql());
        assertEquals(List.of(2, 1, 2, 3), t.bindOrder());
        assertEquals(3, t.parameterCount());
    }

    @Test
    void dollarsInStringsQuotesAndCommentsAreText() {
        String sql = "SELECT '$1', \"$2\", $$ $3 $$, $tag$ $4 $tag$ -- $5\n/* $6 */ FROM t WHERE x = $7";
        JdbcText t = JdbcText.of(sql);
        assertEquals(sql.replace("$7", "?"), t.sql());
        assertEquals(List.of(7), t.bindOrder());
        assertEquals(7, t.parameterCount(), "the client binds $1..$7 even if only $7 is used");
    }

    @Test
    void questionMarkOperatorsAreEscapedForPgjdbcOnly() {
        String sql = "SELECT j ? 'a', j ?| array['b'], j ?& array['c'], '?' FROM t WHERE k = $1";
        assertEquals("SELECT j ?? 'a', j ??| array['b'], j ??& array['c'], '?' FROM t WHERE k = ?",
                JdbcText.of(sql, true).sql());
        assertEquals("SELECT j ? 'a', j ?| array['b'], j ?& array['c'], '?' FROM t WHERE k = ?",
                JdbcText.of(sql, false).sql());
        assertEquals(List.of(1), JdbcText.of(sql, true).bindOrder());
    }

    @Test
    void noParameters() {
        JdbcText t = JdbcText.of("SELECT 1");
        assertEquals("SELECT 1", t.sql());
        assertEquals(List.of(), t.bindOrder());
        assertEquals(0, t.parameterCount());
    }

    @Test
    void onlyPostgresShapedSqlstatesPassThrough() {
        assertTrue(JdbcErrors.isPostgresShaped("42P01"));
        assertTrue(JdbcErrors.isPostgresShaped("23505"));
        assertFalse(JdbcErrors.isPostgresShaped("HY000"), "HANA's and other drivers' catch-all");
        assertFalse(JdbcErrors.isPostgresShaped("S1000"));
        assertFalse(JdbcErrors.isPostgresShaped("00000"));
        assertFalse(JdbcErrors.isPostgresShaped("4200"));
        assertFalse(JdbcErrors.isPostgresShaped("42p01"));
        assertFalse(JdbcErrors.isPostgresShaped(null));
    }
}
