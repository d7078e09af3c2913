package io.buenavista.core.duckdb;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NumericParametersTest {
    @Test
    void bareNumericCastsOfParametersAreLeftOut() {
        assertEquals(new NumericParameters.Uncast("select $1 + $2, $3", Set.of(0, 2)),
                NumericParameters.uncast("select $1::numeric + $2, $3 :: DECIMAL"));
    }

    @Test
    void castsWithPrecisionArraysLiteralsAndColumnsStay() {
        for (String sql : new String[] {"select $1::numeric(10,2)", "select $1::numeric (10, 2)",
                "select $1::numeric[]", "select '1'::numeric", "select x::numeric from t",
                "select '$1::numeric'", "select $1::int", "select $1::numerics", "select 1 -- $1::numeric"}) {
            assertEquals(new NumericParameters.Uncast(sql, Set.of()), NumericParameters.uncast(sql), sql);
        }
    }

    @Test
    void aBareNumericCastOfANumericCastIsLeftOut() {
        assertEquals(new NumericParameters.Uncast("select '1.50'::DECIMAL(3,2), '2'::numeric, x::numeric", Set.of()),
                NumericParameters.uncast("select '1.50'::DECIMAL(3,2)::numeric, '2'::numeric::numeric, x::numeric"));
        // pgjdbc's simple mode
        assertEquals(new NumericParameters.Uncast("select ('1.50'::DECIMAL(3,2))", Set.of()),
                NumericParameters.uncast("select ('1.50'::DECIMAL(3,2))::numeric"));
        assertEquals(new NumericParameters.Uncast("select (1)::numeric, f(x::numeric)::numeric", Set.of()),
                NumericParameters.uncast("select (1)::numeric, f(x::numeric)::numeric"));
    }

    @Test
    void theProbeTypesTheParametersWide() {
        assertEquals("select ($1::DECIMAL(38,16)) + $2, '$1'",
                NumericParameters.typed("select $1 + $2, '$1'", Set.of(0)));
    }
}
