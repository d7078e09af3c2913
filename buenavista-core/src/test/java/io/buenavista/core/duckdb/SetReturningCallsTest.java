package io.buenavista.core.duckdb;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SetReturningCallsTest {
    @Test
    void aCallThatIsASelectListItemIsUnnested() {
        assertEquals("select unnest(generate_series(1, 3))", SetReturningCalls.rewrite("select generate_series(1, 3)"));
        assertEquals("select x, unnest(pg_catalog.generate_series(1, x)) AS n from t",
                SetReturningCalls.rewrite("select x, pg_catalog.generate_series(1, x) AS n from t"));
        assertEquals("select * from (select unnest(generate_series(1, 2)) g) s",
                SetReturningCalls.rewrite("select * from (select generate_series(1, 2) g) s"));
    }

    @Test
    void callsInFromClausesAndArgumentsStay() {
        for (String sql : new String[] {"select * from generate_series(1, 3)", "select x from t, generate_series(1, 3) g",
                "select * from t join generate_series(1, 2) g on true", "select len(generate_series(1, 3))",
                "select 'generate_series(1, 3)'", "select count(*) from t where x in (select * from generate_series(1, 2))"}) {
            assertEquals(sql, SetReturningCalls.rewrite(sql));
        }
    }
}
