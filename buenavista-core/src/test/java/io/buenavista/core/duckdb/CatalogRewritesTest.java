package io.buenavista.core.duckdb;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class CatalogRewritesTest {

    @Test
    void statementsWithoutCatalogWordsAreReturnedAsTheyAre() {
        String sql = "select a, b from t where x = $1";
        assertSame(sql, CatalogRewrites.rewrite(sql));
    }

    @Test
    void pgCatalogPrefixIsStripped() {
        assertEquals("select version(), n.nspname from pg_namespace n",
                CatalogRewrites.rewrite("select pg_catalog.version(), n.nspname from pg_catalog.pg_namespace n"));
        assertEquals("select 1::text", CatalogRewrites.rewrite("select 1::pg_catalog.text"));
        assertEquals("select * from \"pg_class\"", CatalogRewrites.rewrite("select * from \"pg_catalog\".\"pg_class\""));
    }

    @Test
    void stringsCommentsAndQuotedNamesAreLeftAlone() {
        String sql = "select 'pg_catalog.version()', \"x::regclass\" -- pg_catalog.x\nfrom t";
        assertEquals(sql, CatalogRewrites.rewrite(sql));
    }

    @Test
    void operatorAndCollateClausesBecomePlainSql() {
        assertEquals("where c.relname ~ '^(t)$' ",
                CatalogRewrites.rewrite("where c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default"));
        assertEquals("where a  = b", CatalogRewrites.rewrite("where a COLLATE \"default\" = b"));
    }

    @Test
    void regclassOfALiteralIsAnOidLookupAndOfAnythingElseAName() {
        assertEquals("select bv_regclass_oid('t')", CatalogRewrites.rewrite("select 't'::regclass"));
        assertEquals("select bv_regclass_name(bv_regclass_oid('t'))::text",
                CatalogRewrites.rewrite("select 't'::regclass::text"));
        assertEquals("select bv_regclass_name(c.oid)::text from pg_class c",
                CatalogRewrites.rewrite("select c.oid::pg_catalog.regclass::pg_catalog.text from pg_catalog.pg_class c"));
        assertEquals("select bv_regclass_oid(f(a.b, 'x'))::oid",
                CatalogRewrites.rewrite("select f(a.b, 'x')::regclass::oid"));
        assertEquals("select bv_regtype_name(basetype)::text",
                CatalogRewrites.rewrite("select basetype::regtype::text"));
        assertEquals("select bv_regnamespace_name(s.ns)", CatalogRewrites.rewrite("select s.ns::regnamespace"));
        assertEquals("select bv_regclass_oid($1)", CatalogRewrites.rewrite("select $1::regclass"));
    }

    @Test
    void typesDuckDbLacksAreCastToVarchar() {
        assertEquals("select a.attname::varchar, 'x'::varchar",
                CatalogRewrites.rewrite("select a.attname::name, 'x'::\"char\""));
    }

    @Test
    void arrayLiteralsAfterEqualsBecomeLists() {
        assertEquals("case when pol.polroles = [0] then 1 end",
                CatalogRewrites.rewrite("case when pol.polroles = '{0}' then 1 end"));
    }

    @Test
    void functionsWithAnotherNameInDuckDb() {
        assertEquals("select json_object('a', 1)", CatalogRewrites.rewrite("select json_build_object('a', 1)"));
    }
}
