package io.buenavista.core.duckdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pre-check that lets statements no rule applies to skip the lexer. */
class CatalogRewritesPrecheckTest {
    @ParameterizedTest
    @ValueSource(strings = {"select $1::int + 1", "select 1", "select x::text, y :: bigint[], z::character varying",
            "select created_at::date from orders where id = $1::bigint", "select 'a:b' || c::numeric(10, 2)",
            "select \"names\"::varchar from t"})
    void statementsNoRuleAppliesToAreLeftAlone(String sql) {
        assertFalse(CatalogRewrites.mayNeedRewrite(sql), sql);
        assertSame(sql, CatalogRewrites.rewrite(sql));
    }

    @ParameterizedTest
    @ValueSource(strings = {"select 't'::regclass", "select x :: REGTYPE", "select a::name", "select a::\"char\"",
            "select x::oidvector", "select x::xid", "select * from PG_CATALOG.pg_class",
            "where a OPERATOR(pg_catalog.~) b", "where a collate \"C\" = b", "where a = '{1,2}'",
            "select json_build_object('a', 1)", "select x:: /* why */ regclass", "select x::regrole[]",
            "select ('{\"1\",NULL}')::int4[]", "select '{}'::text[]", "select '{a}' :: text []",
            "select information_schema._pg_expandarray(i.indkey) from pg_index i"})
    void statementsARuleMayApplyToAreLexed(String sql) {
        assertTrue(CatalogRewrites.mayNeedRewrite(sql), sql);
    }

    @Test
    void aCommentBetweenTheColonsAndTheTypeStillGetsTheRewrite() {
        assertEquals("select bv_regclass_oid('t') = 1", CatalogRewrites.rewrite("select 't':: /* c */ regclass = 1"));
        assertEquals("select bv_regclass_oid('t') = 1", CatalogRewrites.rewrite("select 't'::REGCLASS = 1"));
    }
}
