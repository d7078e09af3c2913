package io.buenavista.core.clients;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.core.types.CodecRegistry;
import io.buenavista.core.types.TypeContext;
import io.buenavista.testing.ForwardingQuerySession;
import io.buenavista.testing.TestHandler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * {@link TestHandler} plus the two things real clients need that it cannot answer:
 * <ul>
 * <li>{@code echo} of SQL literals ({@code ('42'::int4), ('text'), NULL, 5}), which is what pgjdbc's simple query
 * mode and pgbench's simple mode send instead of {@code $n} parameters. A literal with a cast gets that type (its
 * text decoded as PostgreSQL would), a quoted literal without one is {@code text}, a bare integer {@code int4} or
 * {@code int8}, a bare decimal {@code numeric} — as in PostgreSQL.</li>
 * <li>pgjdbc's {@code pg_catalog.pg_type} lookups (by type name, by OID), which it runs for types missing from its
 * built-in table (interval, jsonb): answered from {@link PgType}'s built-in types.</li>
 * </ul>
 * Everything else goes to the wrapped {@link TestHandler}. {@link #prepared()} records the SQL of every prepare.
 */
final class ClientsHandler implements QueryHandler {
    private static final Pattern PARAM_REF = Pattern.compile("\\$[1-9][0-9]*");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]*\\.[0-9]+|-?[0-9]+\\.[0-9]*");
    private static final Map<String, PgType> TYPES_BY_NAME = typesByName();

    private final TestHandler delegate;
    private final CodecRegistry codecs = CodecRegistry.standard();
    private final List<String> prepared = new CopyOnWriteArrayList<>();

    ClientsHandler(TestHandler delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    /** The SQL of every statement prepared so far, in order. */
    List<String> prepared() {
        return List.copyOf(prepared);
    }

    @Override
    public QuerySession open(SessionContext context) {
        QuerySession session = delegate.open(context);
        return new ForwardingQuerySession(session) {
            @Override
            public PreparedQuery prepare(String sql, List<PgType> parameterTypes) {
                prepared.add(sql);
                String text = sql.strip();
                String lower = text.toLowerCase(Locale.ROOT);
                if (lower.contains("pg_catalog.pg_type")) {
                    return catalogLookup(text, parameterTypes);
                }
                if (lower.startsWith("echo ") && !allParameterRefs(text.substring(5))) {
                    return literalEcho(text.substring(5));
                }
                return session.prepare(sql, parameterTypes);
            }

        };
    }

    private static Map<String, PgType> typesByName() {
        Map<String, PgType> m = new HashMap<>();
        for (int oid = 0; oid < 4000; oid++) {
            PgType t = PgType.byOid(oid);
            if (t != null) {
                m.put(t.name(), t);
                if (t.elementType() != null) {
                    m.put(t.elementType().name() + "[]", t);
                }
            }
        }
        String[][] aliases = {{"boolean", "bool"}, {"smallint", "int2"}, {"integer", "int4"}, {"int", "int4"},
                {"bigint", "int8"}, {"real", "float4"}, {"double precision", "float8"}, {"decimal", "numeric"},
                {"character varying", "varchar"}, {"timestamp without time zone", "timestamp"},
                {"timestamp with time zone", "timestamptz"}, {"time without time zone", "time"}};
        for (String[] a : aliases) {
            m.put(a[0], m.get(a[1]));
        }
        return Map.copyOf(m);
    }

    private static boolean allParameterRefs(String list) {
        for (String item : splitTopLevel(list)) {
            if (!PARAM_REF.matcher(item.strip()).matches()) {
                return false;
            }
        }
        return true;
    }

    /** Splits at commas outside quotes and parentheses. */
    private static List<String> splitTopLevel(String list) {
        List<String> items = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '\'') {
                quoted = !quoted; // '' inside a literal toggles twice
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                items.add(list.substring(start, i));
                start = i + 1;
            }
        }
        items.add(list.substring(start));
        return items;
    }

    /** A literal's type and value. */
    private record Literal(PgType type, Object value) {}

    private Literal literal(String expression) {
        String e = expression.strip();
        while (e.startsWith("(") && e.endsWith(")")) {
            e = e.substring(1, e.length() - 1).strip();
        }
        if (e.equalsIgnoreCase("null")) {
            return new Literal(PgType.TEXT, null);
        }
        if (INTEGER.matcher(e).matches()) {
            long v = Long.parseLong(e);
            return v == (int) v ? new Literal(PgType.INT4, (int) v) : new Literal(PgType.INT8, v);
        }
        if (DECIMAL.matcher(e).matches()) {
            return new Literal(PgType.NUMERIC, new java.math.BigDecimal(e));
        }
        if (!e.startsWith("'")) {
            throw syntax(expression);
        }
        StringBuilder text = new StringBuilder();
        int i = 1;
        while (true) {
            if (i >= e.length()) {
                throw syntax(expression);
            }
            char c = e.charAt(i++);
            if (c == '\'') {
                if (i < e.length() && e.charAt(i) == '\'') {
                    text.append('\'');
                    i++;
                } else {
                    break;
                }
            } else {
                text.append(c);
            }
        }
        String rest = e.substring(i).strip();
        if (rest.isEmpty()) {
            return new Literal(PgType.TEXT, text.toString());
        }
        if (!rest.startsWith("::")) {
            throw syntax(expression);
        }
        PgType type = TYPES_BY_NAME.get(rest.substring(2).strip().toLowerCase(Locale.ROOT));
        if (type == null) {
            throw syntax(expression);
        }
        return new Literal(type, codecs.codec(type).decodeText(text.toString(), TypeContext.DEFAULT));
    }

    private PreparedQuery literalEcho(String list) {
        List<Column> columns = new ArrayList<>();
        List<Object> row = new ArrayList<>();
        List<String> items = splitTopLevel(list);
        for (int i = 0; i < items.size(); i++) {
            Literal l = literal(items.get(i));
            columns.add(new Column("p" + (i + 1), l.type()));
            row.add(l.value());
        }
        return new FixedRows(List.of(), columns, parameters -> List.of(row));
    }

    /**
     * pgjdbc's TypeInfoCache queries. The key (type name or OID) is the statement's only parameter or, in simple
     * query mode, the literal after the last {@code =}.
     */
    private PreparedQuery catalogLookup(String sql, List<PgType> declared) {
        String flat = sql.replaceAll("\\s+", " ");
        String lower = flat.toLowerCase(Locale.ROOT);
        boolean hasParam = PARAM_REF.matcher(flat).find();
        List<PgType> params = hasParam ? (declared.isEmpty() ? List.of(PgType.UNKNOWN) : declared) : List.of();
        String inlineKey = hasParam ? null : inlineKey(flat);
        if (lower.startsWith("select pg_type.oid, typname")) {
            List<Column> columns = List.of(new Column("oid", PgType.OID), new Column("typname", PgType.NAME));
            return new FixedRows(params, columns, p -> {
                String name = String.valueOf(hasParam ? p.get(0) : inlineKey);
                PgType t = TYPES_BY_NAME.get(name);
                return t == null ? List.of() : List.of(List.of(t.oid(), t.name()));
            });
        }
        if (lower.startsWith("select n.nspname = any")) {
            List<Column> columns = List.of(new Column("onpath", PgType.BOOL), new Column("nspname", PgType.NAME),
                    new Column("typname", PgType.NAME));
            return new FixedRows(params, columns, p -> {
                PgType t = PgType.byOid(Integer.parseInt(String.valueOf(hasParam ? p.get(0) : inlineKey)));
                return t == null ? List.of() : List.of(List.of(true, "pg_catalog", t.name()));
            });
        }
        if (lower.startsWith("select e.oid, n.nspname = any")) {
            List<Column> columns = List.of(new Column("oid", PgType.OID), new Column("onpath", PgType.BOOL),
                    new Column("nspname", PgType.NAME), new Column("typname", PgType.NAME));
            return new FixedRows(params, columns, p -> {
                PgType t = PgType.byOid(Integer.parseInt(String.valueOf(hasParam ? p.get(0) : inlineKey)));
                PgType e = t == null ? null : t.elementType();
                return e == null ? List.of() : List.of(List.of(e.oid(), true, "pg_catalog", e.name()));
            });
        }
        if (lower.startsWith("select typinput")) {
            List<Column> columns = List.of(new Column("is_array", PgType.BOOL), new Column("typtype", PgType.CHAR),
                    new Column("typname", PgType.NAME), new Column("oid", PgType.OID));
            return new FixedRows(params, columns, p -> {
                PgType t = PgType.byOid(Integer.parseInt(String.valueOf(hasParam ? p.get(0) : inlineKey)));
                return t == null ? List.of() : List.of(List.of(t.isArray(), "b", t.name(), t.oid()));
            });
        }
        throw syntax(sql);
    }

    private static String inlineKey(String flat) {
        int eq = flat.lastIndexOf('=');
        String after = flat.substring(eq + 1).strip();
        int end = after.toUpperCase(Locale.ROOT).indexOf(" ORDER BY");
        if (end >= 0) {
            after = after.substring(0, end);
        }
        after = after.replaceAll("[()\\s]", "");
        int cast = after.indexOf("::");
        if (cast >= 0) {
            after = after.substring(0, cast);
        }
        return after.replace("'", "");
    }

    private static PgException syntax(String sql) {
        return new PgException(SqlState.SYNTAX_ERROR, "syntax error in client test statement: " + sql);
    }

    /** Produces the rows of one execution from its parameters. */
    @FunctionalInterface
    private interface RowSource {
        List<List<Object>> rows(List<Object> parameters);
    }

    /** A statement whose execution returns a fixed, small list of rows. */
    private record FixedRows(List<PgType> parameterTypes, List<Column> columns, RowSource source)
            implements PreparedQuery {
        @Override
        public ExecutionResult execute(List<Object> parameters) {
            List<List<Object>> rows = source.rows(parameters);
            return new ExecutionResult.Rows(new RowCursor() {
                private int index = -1;

                @Override
                public List<Column> columns() {
                    return columns;
                }

                @Override
                public boolean next() {
                    return ++index < rows.size();
                }

                @Override
                public Object get(int column) {
                    return rows.get(index).get(column);
                }

                @Override
                public void close() {}
            });
        }

        @Override
        public void close() {}
    }
}
