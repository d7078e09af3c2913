package io.buenavista.core.duckdb;

import io.buenavista.core.sql.NestingLimit;
import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlToken;
import io.buenavista.core.sql.SqlToken.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static io.buenavista.core.duckdb.CatalogRewrites.isPunct;

/**
 * Casts to PostgreSQL's unconstrained {@code numeric}, which DuckDB reads as {@code DECIMAL(18,3)}: 1.23456 would
 * become 1.235, and 16 integer digits an error. Rewritten, token by token, before DuckDB prepares:
 * <ul>
 *   <li>of a parameter ({@code $1::numeric}): left out. DuckDB types a parameter it could not infer from the value
 *       bound at each execution (1.23456 as {@code DECIMAL(6,5)}), which keeps every digit as PostgreSQL does; the
 *       statement is described through a probe in which those parameters are {@link #WIDE_TYPE};</li>
 *   <li>of what is already a decimal ({@code ('1.50'::numeric)::numeric}, as pgjdbc's simple mode sends a numeric
 *       parameter): left out, as it changes nothing in PostgreSQL; of an integer cast (the catalog rewrites turn the
 *       literal {@code '5'::numeric} into {@code '5'::BIGINT}): {@code DECIMAL(38,0)};</li>
 *   <li>of anything else ({@code x::numeric}, {@code avg(x)::numeric}): {@link #WIDE_TYPE} by way of text, so that a
 *       double keeps its shortest digits; {@link DuckDbTypes#map} reports that type as unconstrained numeric
 *       without trailing zeros.</li>
 * </ul>
 * Casts with a precision, to arrays, and of string literals (the catalog rewrites give those their exact type) stay.
 */
final class NumericCasts {
    private NumericCasts() {}

    /**
     * DuckDB's type for an unconstrained numeric that is not a parameter: the widest decimal, with 22 integer and 16
     * fractional digits (a double's precision).
     */
    static final String WIDE_TYPE = "DECIMAL(38,16)";

    private static final Set<String> NUMERIC_NAMES = Set.of("numeric", "decimal");

    /**
     * The statement as DuckDB is to run it.
     *
     * @param sql    the text DuckDB runs
     * @param params the 0-based indexes of the parameters whose numeric cast was left out
     */
    record Rewritten(String sql, Set<Integer> params) {}

    static Rewritten rewrite(String sql) {
        if (!mayHaveNumericCast(sql)) {
            return new Rewritten(sql, Set.of());
        }
        List<SqlToken> t = new ArrayList<>();
        for (SqlToken token : SqlLexer.tokenize(sql)) {
            if (!token.isTrivia()) {
                t.add(token);
            }
        }
        StringBuilder out = new StringBuilder(sql.length() + 16);
        Set<Integer> params = new TreeSet<>();
        boolean changed = false;
        int pos = 0;
        for (int i = 1; i + 2 < t.size(); i++) {
            if (!isPunct(t, i, ":") || !isPunct(t, i + 1, ":") || !isBareNumeric(t, i + 2)) {
                continue;
            }
            SqlToken operand = t.get(i - 1);
            String replacement;
            if (operand.kind() == Kind.PARAMETER && parameterIndex(operand) >= 0) {
                params.add(parameterIndex(operand));
                replacement = "";
            } else if (operand.kind() == Kind.STRING) {
                continue;
            } else {
                replacement = switch (operandCast(t, i - 1)) {
                    case DECIMAL -> "";
                    case INTEGER -> "::DECIMAL(38,0)";
                    // through text: a double then keeps its shortest digits (1.23456, not 1.2345600000000002)
                    case OTHER -> "::VARCHAR::" + WIDE_TYPE;
                };
            }
            out.append(sql, pos, t.get(i).offset()).append(replacement);
            pos = t.get(i + 2).end();
            changed = true;
        }
        if (!changed) {
            return new Rewritten(sql, Set.of());
        }
        return new Rewritten(out.append(sql, pos, sql.length()).toString(), Set.copyOf(params));
    }

    /** Whether token {@code i} is the type of a cast to numeric without precision, not an array. */
    private static boolean isBareNumeric(List<SqlToken> t, int i) {
        return t.get(i).kind() == Kind.WORD && NUMERIC_NAMES.contains(t.get(i).value())
                && !(i + 1 < t.size() && t.get(i + 1).kind() == Kind.LEFT_PAREN) && !isPunct(t, i + 1, "[");
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
        // A loop over the parentheses around the operand, each costing a scan back: bounded like any nesting.
        NestingLimit nesting = new NestingLimit();
        while (true) {
            nesting.enter();
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
                        && isPunct(t, open - 2, ":") && isPunct(t, open - 3, ":");
                if (!typeModifier) {
                    // (x::numeric) is still that cast; f(x::numeric) is a function's result
                    boolean call = before.kind() == Kind.QUOTED_IDENTIFIER
                            || before.kind() == Kind.WORD && !NOT_FUNCTIONS.contains(before.value());
                    if (call) {
                        return Inner.OTHER;
                    }
                    last--;
                    continue;
                }
                type = open - 1;
            }
            if (type < 2 || t.get(type).kind() != Kind.WORD || !isPunct(t, type - 1, ":")
                    || !isPunct(t, type - 2, ":")) {
                return Inner.OTHER;
            }
            String name = t.get(type).value();
            return NUMERIC_NAMES.contains(name) ? Inner.DECIMAL
                    : INTEGER_NAMES.contains(name) && type == last ? Inner.INTEGER : Inner.OTHER;
        }
    }

    /** The statement with each of these parameters written {@code ($n::DECIMAL(38,16))}. */
    static String typed(String sql, Set<Integer> params) {
        String typed = DuckDbTypes.castParameters(sql, n -> params.contains(n) ? WIDE_TYPE : null);
        return typed == null ? sql : typed;
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
}
