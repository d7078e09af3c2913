package io.buenavista.core.duckdb;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals("where oid = bv_regclass_oid('t')", CatalogRewrites.rewrite("where oid = 't'::regclass"));
        assertEquals("select bv_regclass_name(bv_regclass_oid('t'))::text",
                CatalogRewrites.rewrite("select 't'::regclass::text"));
        assertEquals("select bv_regclass_name(c.oid)::text from pg_class c",
                CatalogRewrites.rewrite("select c.oid::pg_catalog.regclass::pg_catalog.text from pg_catalog.pg_class c"));
        assertEquals("select bv_regclass_oid(f(a.b, 'x'))::oid",
                CatalogRewrites.rewrite("select f(a.b, 'x')::regclass::oid"));
        assertEquals("select bv_regtype_name(basetype)::text",
                CatalogRewrites.rewrite("select basetype::regtype::text"));
        assertEquals("select bv_regnamespace_name(s.ns) AS \"ns\"", CatalogRewrites.rewrite("select s.ns::regnamespace"));
        assertEquals("select bv_regclass_oid($1) = c.oid", CatalogRewrites.rewrite("select $1::regclass = c.oid"));
    }

    @Test
    void aRegCastThatIsAWholeSelectItemGivesTheName() {
        assertEquals("select bv_regtype_name(bv_regtype_oid('int4')) AS \"regtype\"",
                CatalogRewrites.rewrite("select 'int4'::regtype"));
        assertEquals("select bv_regclass_name(bv_regclass_oid('t')) AS r, bv_regclass_name(x) AS \"x\" from t",
                CatalogRewrites.rewrite("select 't'::regclass AS r, x::regclass from t"));
        assertEquals("select 1, f(a, b), bv_regclass_name(bv_regclass_oid($1)) \"r\";",
                CatalogRewrites.rewrite("select 1, f(a, b), $1::regclass \"r\";"));
        assertEquals("select * from (select distinct bv_regclass_name(bv_regclass_oid('t')) AS \"regclass\") s",
                CatalogRewrites.rewrite("select * from (select distinct 't'::regclass) s"));
        // inside expressions, comparisons and joins the literal stays an OID
        for (String sql : new String[] {"select c.oid = 't'::regclass from pg_class c",
                "select * from pg_class where oid = 't'::regclass", "select f('t'::regclass)",
                "select 1 from a join b on b.oid = 't'::regclass", "select 't'::regclass is null",
                "select * from t order by 1, 't'::regclass", "select x in ('t'::regclass, 'u'::regclass)"}) {
            String out = CatalogRewrites.rewrite(sql);
            assertTrue(out.contains("bv_regclass_oid('t')"), out);
            assertFalse(out.contains("_name("), out);
        }
    }

    @Test
    void arrayLiteralsCastToAnArrayTypeBecomeLists() {
        assertEquals("select (['1', NULL, '-3'])::int4[]",
                CatalogRewrites.rewrite("select ('{\"1\",NULL,\"-3\"}')::int4[]"));
        assertEquals("select ['a,b', 'q\"uote', 'back\\slash', NULL, 'NULL', '', ' sp ', 'it''s']::text[]",
                CatalogRewrites.rewrite("select '{\"a,b\",\"q\\\"uote\",\"back\\\\slash\",NULL,\"NULL\",\"\","
                        + "\" sp \",\"it''s\"}'::text[]"));
        assertEquals("select []::int8[], ['a', 'b c']::varchar[]",
                CatalogRewrites.rewrite("select '{}'::int8[], '{ a , b c }'::name[]"));
        assertEquals("select ['1', '0', NULL]::bool[]", CatalogRewrites.rewrite("select '{1,0,null}'::bool[]"));
        // multidimensional and malformed literals are left for DuckDB to refuse
        assertEquals("select '{{1,2},{3,4}}'::int[]", CatalogRewrites.rewrite("select '{{1,2},{3,4}}'::int[]"));
        assertEquals("select '{1,,2}'::int[]", CatalogRewrites.rewrite("select '{1,,2}'::int[]"));
        assertEquals("select '{\"a}'::text[]", CatalogRewrites.rewrite("select '{\"a}'::text[]"));
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

    @Test
    void informationSchemaHelperFunctionsLoseTheirSchema() {
        assertEquals("select (_pg_expandarray(i.indkey)).n, information_schema.tables.x from pg_index i",
                CatalogRewrites.rewrite("select (information_schema._pg_expandarray(i.indkey)).n, "
                        + "information_schema.tables.x from pg_catalog.pg_index i"));
    }

    @Test
    void likePatternsWithABackslashEscapeWithIt() {
        assertEquals("where n LIKE 'pg\\_%' ESCAPE '\\' and m not like E'x\\\\_' ESCAPE '\\' and o like 'a\\%' escape '!'",
                CatalogRewrites.rewrite("where n LIKE 'pg\\_%' and m not like E'x\\\\_' and o like 'a\\%' escape '!'"));
        String plain = "select * from t where a like 'x_%'";
        assertSame(plain, CatalogRewrites.rewrite(plain));
    }
}
