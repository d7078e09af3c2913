package io.buenavista.core.duckdb;

import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlToken;
import io.buenavista.core.sql.SqlToken.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parameters of PostgreSQL's unconstrained {@code numeric}. DuckDB's bare {@code NUMERIC} is {@code DECIMAL(18,3)}:
 * {@code select $1::numeric} would round 1.23456 to 1.235 and refuse 16 integer digits. DuckDB types a parameter it
 * could not infer from the value bound at each execution (1.23456 as {@code DECIMAL(6,5)}), which is exactly
 * PostgreSQL's behaviour. So a bare numeric cast of a parameter is left out of the text DuckDB runs, and the
 * statement is described through a probe in which those parameters are {@code DECIMAL(38,16)}, so that Describe can
 * announce numeric columns before any value is known.
 */
final class NumericParameters {
    private NumericParameters() {}

    /** The type a numeric parameter has in the probe that describes the statement, and where DuckDB cannot do without. */
    static final String PROBE_TYPE = "DECIMAL(38,16)";

    private static final Set<String> NUMERIC_NAMES = Set.of("numeric", "decimal");

    /**
     * The statement without its bare numeric casts of parameters.
     *
     * @param sql    the text DuckDB runs
     * @param params the 0-based indexes of the parameters whose cast was left out
     */
    record Uncast(String sql, Set<Integer> params) {}

    /** Leaves out {@code ::numeric} and {@code ::decimal} (without precision, not an array) right after a parameter. */
    static Uncast uncast(String sql) {
        if (!mayHaveNumericCast(sql)) {
            return new Uncast(sql, Set.of());
        }
        List<SqlToken> t = new ArrayList<>();
        for (SqlToken token : SqlLexer.tokenize(sql)) {
            if (!token.isTrivia()) {
                t.add(token);
            }
        }
        StringBuilder out = new StringBuilder(sql.length());
        Set<Integer> params = new TreeSet<>();
        boolean changed = false;
        int pos = 0;
        for (int i = 0; i + 3 < t.size(); i++) {
            if (t.get(i).kind() != Kind.PARAMETER || !punct(t, i + 1, ":") || !punct(t, i + 2, ":")
                    || !isBareNumeric(t, i + 3)) {
                continue;
            }
            int index = parameterIndex(t.get(i));
            if (index < 0) {
                continue;
            }
            out.append(sql, pos, t.get(i).end());
            pos = t.get(i + 3).end();
            params.add(index);
        }
        // A bare numeric cast of what is already numeric changes nothing in PostgreSQL, and in DuckDB it narrows to
        // DECIMAL(18,3): pgjdbc's simple mode sends ?::numeric as '1.50'::numeric::numeric.
        // An integer cast gets a decimal one instead: CatalogRewrites writes the literal '5'::numeric as '5'::BIGINT.
        for (int i = 1; i + 2 < t.size(); i++) {
            if (!punct(t, i, ":") || !punct(t, i + 1, ":") || !isBareNumeric(t, i + 2) || t.get(i).offset() < pos) {
                continue;
            }
            Inner inner = operandCast(t, i - 1);
            if (inner != Inner.OTHER) {
                out.append(sql, pos, t.get(i).offset()).append(inner == Inner.INTEGER ? "::DECIMAL(38,0)" : "");
                pos = t.get(i + 2).end();
                changed = true;
            }
        }
        if (params.isEmpty() && !changed) {
            return new Uncast(sql, Set.of());
        }
        return new Uncast(out.append(sql, pos, sql.length()).toString(), Set.copyOf(params));
    }

    /** Whether token {@code i} is the type of a cast to numeric without precision, not an array. */
    private static boolean isBareNumeric(List<SqlToken> t, int i) {
        return t.get(i).kind() == Kind.WORD && NUMERIC_NAMES.contains(t.get(i).value())
                && !(i + 1 < t.size() && t.get(i + 1).kind() == Kind.LEFT_PAREN) && !punct(t, i + 1, "[");
    }

    /** What a bare numeric cast is applied to: not a known cast, a cast to a decimal, or one to an integer. */
    private enum Inner { OTHER, DECIMAL, INTEGER }

    /** Words that may stand before a parenthesis without naming a function. */
    private static final Set<String> NOT_FUNCTIONS = Set.of("select", "where", "and", "or", "not", "in", "on",
            "from", "when", "then", "else", "case", "by", "as", "values", "is", "between", "having", "return",
            "returning", "set", "like", "limit", "offset", "distinct", "all", "any", "some", "exists", "array");

    private static final Set<String> INTEGER_NAMES = Set.of("bigint", "hugeint", "uhugeint", "int8", "integer",
            "int4", "int", "smallint", "int2");

    /**
     * What the operand ending at token {@code last} is: a cast to numeric or decimal (with or without precision),
     * a cast to an integer type, either in parentheses, or something else.
     */
    private static Inner operandCast(List<SqlToken> t, int last) {
        int type = last;
        if (t.get(last).kind() == Kind.RIGHT_PAREN) {
            int depth = 0;
            int open = last;
            for (; open >= 0; open--) {
                Kind k = t.get(open).kind();
                if (k == Kind.RIGHT_PAREN) {
                    depth++;
                } else if (k == Kind.LEFT_PAREN && --depth == 0) {
                    break;
                }
            }
            if (open <= 0) {
                return Inner.OTHER;
            }
            SqlToken before = t.get(open - 1);
            boolean typeModifier = before.kind() == Kind.WORD && NUMERIC_NAMES.contains(before.value())
                    && punct(t, open - 2, ":") && punct(t, open - 3, ":");
            if (!typeModifier) {
                // (x::numeric) is still that cast; f(x::numeric) is a function's result
                boolean call = before.kind() == Kind.QUOTED_IDENTIFIER
                        || before.kind() == Kind.WORD && !NOT_FUNCTIONS.contains(before.value());
                return call ? Inner.OTHER : operandCast(t, last - 1);
            }
            type = open - 1;
        }
        if (type < 2 || t.get(type).kind() != Kind.WORD || !punct(t, type - 1, ":") || !punct(t, type - 2, ":")) {
            return Inner.OTHER;
        }
        String name = t.get(type).value();
        return NUMERIC_NAMES.contains(name) ? Inner.DECIMAL
                : INTEGER_NAMES.contains(name) && type == last ? Inner.INTEGER : Inner.OTHER;
    }

    /** The statement with each of these parameters written {@code ($n::DECIMAL(38,16))}. */
    static String typed(String sql, Set<Integer> params) {
        StringBuilder out = new StringBuilder(sql.length() + 24 * params.size());
        int pos = 0;
        for (SqlToken t : SqlLexer.tokenize(sql)) {
            if (t.kind() == Kind.PARAMETER && params.contains(parameterIndex(t))) {
                out.append(sql, pos, t.offset()).append('(').append(t.text()).append("::").append(PROBE_TYPE)
                        .append(')');
                pos = t.end();
            }
        }
        return out.append(sql, pos, sql.length()).toString();
    }

    /** Cheap pre-check: a {@code ::} followed by one of the names, in any case and spacing. */
    private static boolean mayHaveNumericCast(String sql) {
        String lower = sql.toLowerCase(Locale.ROOT);
        return lower.contains("::") && (lower.contains("numeric") || lower.contains("decimal"));
    }

    private static int parameterIndex(SqlToken t) {
        try {
            return Integer.parseInt(t.value()) - 1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean punct(List<SqlToken> t, int i, String text) {
        return i < t.size() && t.get(i).kind() == Kind.PUNCTUATION && t.get(i).text().equals(text);
    }
}
