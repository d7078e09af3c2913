package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.sql.NestingLimit;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NumericCastsTest {
    @Test
    void bareNumericCastsOfParametersAreLeftOut() {
        assertEquals(new NumericCasts.Rewritten("select $1 + $2, $3 ", Set.of(0, 2)),
                NumericCasts.rewrite("select $1::numeric + $2, $3 :: DECIMAL"));
    }

    @Test
    void castsWithPrecisionArraysLiteralsAndColumnsStay() {
        for (String sql : new String[] {"select $1::numeric(10,2)", "select $1::numeric (10, 2)",
                "select $1::numeric[]", "select '1'::numeric", "select x::numeric(5) from t",
                "select '$1::numeric'", "select $1::int", "select $1::numerics", "select 1 -- $1::numeric"}) {
            assertEquals(new NumericCasts.Rewritten(sql, Set.of()), NumericCasts.rewrite(sql), sql);
        }
    }

    @Test
    void aBareNumericCastOfANumericCastIsLeftOut() {
        assertEquals(new NumericCasts.Rewritten("select '1.50'::DECIMAL(3,2), '2'::numeric, '5'::BIGINT::DECIMAL(38,0)",
                Set.of()), NumericCasts.rewrite("select '1.50'::DECIMAL(3,2)::numeric, '2'::numeric::numeric, "
                        + "'5'::BIGINT::numeric"));
        // pgjdbc's simple mode
        assertEquals(new NumericCasts.Rewritten("select ('1.50'::DECIMAL(3,2))", Set.of()),
                NumericCasts.rewrite("select ('1.50'::DECIMAL(3,2))::numeric"));
        assertEquals(new NumericCasts.Rewritten("select (1)::VARCHAR::DECIMAL(38,16), "
                + "f(x::VARCHAR::DECIMAL(38,16))::VARCHAR::DECIMAL(38,16)", Set.of()),
                NumericCasts.rewrite("select (1)::numeric, f(x::numeric)::numeric"));
    }

    @Test
    void otherBareNumericCastsBecomeTheWideDecimal() {
        assertEquals(new NumericCasts.Rewritten("select x::VARCHAR::DECIMAL(38,16), avg(y)::VARCHAR::DECIMAL(38,16) "
                + "+ $1 from t", Set.of(0)), NumericCasts.rewrite("select x::numeric, avg(y)::NUMERIC + $1::decimal from t"));
    }

    @Test
    void theProbeTypesTheParametersWide() {
        assertEquals("select ($1::DECIMAL(38,16)) + $2, '$1'",
                NumericCasts.typed("select $1 + $2, '$1'", Set.of(0)));
    }

    /**
     * The parentheses around a cast's operand are unwrapped in a loop bounded like any nesting: deeper than
     * {@link NestingLimit#MAX_DEPTH} is 54001 (each level costs a scan, so it must not be unbounded).
     */
    @Test
    void deeplyParenthesizedOperandsAreBounded() {
        int ok = 900;
        assertEquals(new NumericCasts.Rewritten("select " + "(".repeat(ok) + "1::int" + ")".repeat(ok)
                + "::DECIMAL(38,0)", Set.of()), NumericCasts.rewrite("select " + "(".repeat(ok) + "1::int"
                + ")".repeat(ok) + "::numeric"));
        int n = 20_000;
        PgException e = assertThrows(PgException.class, () -> NumericCasts.rewrite("select " + "(".repeat(n)
                + "1::int" + ")".repeat(n) + "::numeric"));
        assertEquals(SqlState.STACK_DEPTH_LIMIT_EXCEEDED, e.sqlState());
    }
}
