package io.buenavista.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs statements on the real PostgreSQL 15 and checks that the command tag built from the classification (with
 * PostgreSQL's row count) is exactly the tag PostgreSQL sent. Objects are temporary or created in a transaction
 * that is rolled back.
 */
class CommandTagsAgainstPostgresTest {

    private static final List<String> STATEMENTS = List.of(
            "create temp table bv_t (a int, b text)",
            "insert into bv_t values (1, 'x'), (2, 'y')",
            "insert into bv_t select 3, 'z' returning a",
            "update bv_t set b = 'w' where a > 1",
            "delete from bv_t where a = 3",
            "select * from bv_t",
            "(select 1) union (select 2)",
            "values (1), (2), (3)",
            "table bv_t",
            "with x as (select 1 as a) insert into bv_t select a, 'q' from x",
            "with x as (delete from bv_t where b = 'q' returning *) select * from x",
            "merge into bv_t t using (values (2)) s(a) on t.a = s.a when matched then update set b = 'm'",
            "select * into temp bv_t2 from bv_t",
            "create temp table bv_t3 as select * from bv_t",
            "create temp table bv_t4 (a) as select 1 with no data",
            "create temp view bv_v as select 1 as one",
            "create or replace temp view bv_v as select 2 as one",
            "create unique index bv_i on bv_t3 (a)",
            "create temp sequence bv_s",
            "alter table bv_t add column c int",
            "alter sequence bv_s restart",
            "comment on table bv_t is 'c'",
            "truncate bv_t2",
            "analyze bv_t",
            "vacuum bv_t2",
            "explain select 1",
            "show work_mem",
            "show time zone",
            "set work_mem = '8MB'",
            "reset work_mem",
            "set time zone 'UTC'",
            "reset all",
            "set session characteristics as transaction read write",
            "prepare bv_p as select 1",
            "deallocate bv_p",
            "deallocate all",
            "listen bv_chan",
            "notify bv_chan",
            "unlisten *",
            "do $$ begin end $$",
            "discard plans",
            "copy (select 1 union select 2) to stdout",
            "begin",
            "set transaction isolation level repeatable read",
            "set local work_mem = '1MB'",
            "set constraints all deferred",
            "declare bv_c cursor for select generate_series(1, 5)",
            "fetch 2 from bv_c",
            "move 1 in bv_c",
            "close bv_c",
            "close all",
            "savepoint bv_sp",
            "release savepoint bv_sp",
            "savepoint bv_sp2",
            "rollback to savepoint bv_sp2",
            "lock table bv_t in access share mode",
            "create schema bv_lexer_tmp",
            "create table bv_lexer_tmp.t (a int)",
            "create function bv_lexer_tmp.f() returns int language sql as $$ select 1 $$",
            "create or replace function bv_lexer_tmp.f2() returns int language sql begin atomic select 1; end",
            "create procedure bv_lexer_tmp.p() language sql as $$ select 1 $$",
            "call bv_lexer_tmp.p()",
            "create materialized view bv_lexer_tmp.mv as select 1",
            "create materialized view bv_lexer_tmp.mv2 as select 1 with no data",
            "refresh materialized view bv_lexer_tmp.mv",
            "drop materialized view bv_lexer_tmp.mv2",
            "create type bv_lexer_tmp.e as enum ('a')",
            "create domain bv_lexer_tmp.d as int",
            "alter type bv_lexer_tmp.e add value 'b'",
            "create role bv_lexer_role",
            "grant select on bv_t to bv_lexer_role",
            "revoke select on bv_t from bv_lexer_role",
            "grant pg_read_all_data to bv_lexer_role",
            "revoke pg_read_all_data from bv_lexer_role",
            "create user bv_lexer_user",
            "alter user bv_lexer_user with connection limit 1",
            "drop user bv_lexer_user",
            "drop role bv_lexer_role",
            "drop schema bv_lexer_tmp cascade",
            "rollback",
            "begin isolation level serializable, read only",
            "commit and chain",
            "rollback",
            "start transaction read write",
            "end",
            "begin work",
            "abort",
            "commit",
            "rollback",
            "drop view bv_v",
            "drop index bv_i",
            "drop table bv_t3, bv_t4",
            "drop sequence bv_s",
            "discard temp",
            "discard all");

    @Test
    void tagsMatchPostgres() throws Exception {
        try (PgWireProbe pg = new PgWireProbe("127.0.0.1", 5432, "postgres", "test")) {
            for (String sql : STATEMENTS) {
                PgWireProbe.Result result = pg.query(sql);
                assertNull(result.errorCode(), () -> sql + " failed on PostgreSQL: " + result.errorMessage());
                assertEquals(1, result.tags().size(), sql);
                String tag = result.tags().get(0);
                assertEquals(tag, StatementClassifier.classify(sql).commandTag(trailingCount(tag)), sql);
            }
        }
    }

    @Test
    void splitStatementsRunOneByOneGiveTheTagsOfTheWholeQuery() throws Exception {
        String query = "select 1; /* ; */ values (1), (2) -- ;\n;; select 'a;b', $$;$$, \"?column?\" from "
                + "(select 1 as \"?column?\") s;";
        try (PgWireProbe pg = new PgWireProbe("127.0.0.1", 5432, "postgres", "test")) {
            List<String> whole = pg.query(query).tags();
            List<String> oneByOne = new java.util.ArrayList<>();
            for (SqlStatement statement : SqlLexer.split(query)) {
                oneByOne.addAll(pg.query(statement.text()).tags());
            }
            assertEquals(List.of("SELECT 1", "SELECT 2", "SELECT 1"), whole);
            assertEquals(whole, oneByOne);
        }
    }

    private static long trailingCount(String tag) {
        int space = tag.lastIndexOf(' ');
        String last = tag.substring(space + 1);
        return last.chars().allMatch(Character::isDigit) ? Long.parseLong(last) : 0;
    }
}
