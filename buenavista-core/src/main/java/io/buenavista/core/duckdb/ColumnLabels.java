package io.buenavista.core.duckdb;

import io.buenavista.core.sql.NestingLimit;
import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlQuoting;
import io.buenavista.core.sql.SqlToken;
import io.buenavista.core.sql.SqlToken.Kind;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * PostgreSQL's names for the result columns of a query, figured from the client's text the way PostgreSQL's parser
 * names a select-list item that has no alias: after the column, function or SQL keyword construct it is, else after
 * the type it is cast to, else {@code ?column?}. DuckDB names such columns after their expression text
 * ({@code count_star()}, {@code CAST(x AS INTEGER)}, {@code col0}), which clients show as headers and some map by
 * name.
 *
 * <p>Only the outermost select list is read (the first branch of a set operation, the main query of a {@code WITH},
 * the first row of {@code VALUES}, the {@code RETURNING} list of a data change); anything this cannot read with
 * confidence gets no name here, so that the caller keeps DuckDB's. A {@code *} expands to a number of columns this
 * does not know: items before the first one are matched by position, items after the last one by position from the
 * end.
 *
 * <p>Stateless and thread-safe; it lexes the statement once and never looks at rows.
 *
 * <p>Why not DuckDB's parser ({@code json_serialize_sql}), measured by bench/column-labels.sh
 * (bench/column-labels-results.md): on 76 statements checked against PostgreSQL 15 this names all 240 columns
 * right, a labeller over DuckDB's parse tree 207 (7 wrong, 26 unnamed), since the tree has lost identifier case
 * ({@code AS Lower}), rewrites PostgreSQL's constructs ({@code interval '1' day} is {@code to_days}) and serializes
 * no RETURNING list nor syntax DuckDB lacks; it is a query on the connection costing 40 to 340 times this per
 * statement (on a point query about half of DuckDB's own prepare), and 247 MiB of JSON for an 8 MiB select list.
 */
final class ColumnLabels {
    private static final Logger LOG = LoggerFactory.getLogger(ColumnLabels.class);

    private ColumnLabels() {}

    /** PostgreSQL's name for a column it has no better name for. */
    static final String NO_NAME = "?column?";

    /** PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes. */
    private static final int MAX_NAME_BYTES = 63;

    /** Words that end a select list at its top level. */
    private static final Set<String> LIST_ENDS = Set.of("FROM", "INTO", "WHERE", "GROUP", "HAVING", "WINDOW",
            "ORDER", "LIMIT", "OFFSET", "FETCH", "FOR", "UNION", "INTERSECT", "EXCEPT");

    /** Keywords that continue an expression after an operand; any other word there is an alias. */
    private static final Set<String> INFIX_WORDS = Set.of("AND", "OR", "IS", "ISNULL", "NOTNULL", "NOT", "BETWEEN",
            "IN", "LIKE", "ILIKE", "SIMILAR", "ESCAPE", "AT", "COLLATE", "OVERLAPS", "OPERATOR", "UESCAPE");

    /** Reserved words that cannot start an operand (nor be a bare alias). */
    private static final Set<String> NOT_OPERANDS = Set.of("SELECT", "FROM", "WHERE", "AS", "AND", "OR", "WHEN",
            "THEN", "ELSE", "END", "DISTINCT", "ALL", "ON", "IS", "IN", "LIKE", "ILIKE", "BETWEEN", "UNION",
            "INTERSECT", "EXCEPT", "ORDER", "GROUP", "HAVING", "LIMIT", "OFFSET", "WITH", "VALUES", "TABLE", "INTO",
            "WINDOW", "FETCH", "FOR", "USING", "JOIN", "ESCAPE", "COLLATE", "TRY_CAST", "LAMBDA");

    /** Words that may follow a FROM item without being its alias. */
    private static final Set<String> JOIN_WORDS = Set.of("JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS",
            "NATURAL", "ON", "USING", "LATERAL", "POSITIONAL", "ASOF", "ANTI", "SEMI");

    /** SQL-standard value functions written without parentheses, which PostgreSQL names after the keyword. */
    private static final Set<String> VALUE_FUNCTIONS = Set.of("CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP",
            "LOCALTIME", "LOCALTIMESTAMP", "CURRENT_ROLE", "CURRENT_USER", "USER", "SESSION_USER",
            "CURRENT_CATALOG", "CURRENT_SCHEMA");

    /** Keyword constructs with a parenthesized argument list that PostgreSQL names after the keyword. */
    private static final Set<String> NAMED_CONSTRUCTS = Set.of("COALESCE", "GREATEST", "LEAST", "NULLIF",
            "GROUPING", "EXISTS", "ARRAY", "ROW");

    /** Type keywords of PostgreSQL's grammar and the type each stands for (qualifiers aside). */
    private static final Map<String, String> TYPE_KEYWORDS = Map.ofEntries(Map.entry("INT", "int4"),
            Map.entry("INTEGER", "int4"), Map.entry("SMALLINT", "int2"), Map.entry("BIGINT", "int8"),
            Map.entry("REAL", "float4"), Map.entry("FLOAT", "float8"), Map.entry("DOUBLE", "float8"),
            Map.entry("DECIMAL", "numeric"), Map.entry("DEC", "numeric"), Map.entry("NUMERIC", "numeric"),
            Map.entry("BOOLEAN", "bool"), Map.entry("BIT", "bit"), Map.entry("CHARACTER", "bpchar"),
            Map.entry("CHAR", "bpchar"), Map.entry("NCHAR", "bpchar"), Map.entry("NATIONAL", "bpchar"),
            Map.entry("VARCHAR", "varchar"), Map.entry("TIMESTAMP", "timestamp"), Map.entry("TIME", "time"),
            Map.entry("INTERVAL", "interval"));

    /** The fields that may follow {@code INTERVAL}. */
    private static final Set<String> INTERVAL_FIELDS = Set.of("YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND",
            "TO");

    /** Functions with which DuckDB may return several columns for one item. */
    private static final Set<String> WIDE_FUNCTIONS = Set.of("unnest", "columns", "struct_unpack");

    /**
     * PostgreSQL's names for the {@code columnCount} result columns of {@code sql}, with null for each column this
     * cannot name; null when it can name none (not a query, or a form it does not read).
     */
    static List<String> of(String sql, int columnCount) {
        return read(sql).names(columnCount);
    }

    /**
     * The select list of {@code sql}, read before the statement runs (a statement too deeply nested fails here, with
     * nothing done) to name its result's columns once their number is known.
     */
    static SelectList read(String sql) {
        try {
            List<SqlToken> tokens = SqlLexer.significantTokens(sql);
            return new SelectList(new Parser(tokens).statement(0, tokens.size()));
        } catch (Unsure e) {
            return SelectList.UNREAD;
        } catch (RuntimeException e) {
            if (NestingLimit.isTooDeep(e)) {
                throw e;
            }
            // Naming columns is a nicety: a slip in reading odd text must not fail the statement. The text itself is
            // not logged: it may hold a password (CREATE SECRET, ALTER USER).
            LOG.debug("could not name the columns of a statement", e);
            return SelectList.UNREAD;
        }
    }

    /** A statement's select list as {@link #read} found it; its items are null when it names no columns. */
    static final class SelectList {
        static final SelectList UNREAD = new SelectList(null);
        private final List<Item> items;

        private SelectList(List<Item> items) {
            this.items = items;
        }

        /** PostgreSQL's names for {@code columnCount} result columns, as {@link ColumnLabels#of} gives them. */
        List<String> names(int columnCount) {
            return items == null ? null : match(items, columnCount);
        }
    }

    /** A select-list item without an alias: its last token and PostgreSQL's name for it. */
    private record Unaliased(int lastToken, String name) {}

    /**
     * The client's text with PostgreSQL's column names made explicit inside it: on the unaliased items of nested
     * select lists ({@code (SELECT count(*) ...) s}, CTE bodies, which DuckDB would name {@code count_star()}) an
     * {@code AS "count"} is added, and a {@code (VALUES ...) v} without column names gets {@code v(column1, ...)}.
     * An outer query can then name those columns, and {@code SELECT *} over them shows them, as in PostgreSQL. The
     * outermost list is left alone ({@link #of} names its columns). Returns {@code sql} itself when nothing applies or
     * anything is unclear.
     */
    static String nameNestedColumns(String sql) {
        if (!hasNestedQuery(sql)) {
            return sql;
        }
        try {
            List<SqlToken> tokens = SqlLexer.significantTokens(sql);
            List<int[]> inserts = new ArrayList<>(); // {offset, index into texts}
            List<String> texts = new ArrayList<>();
            int[] closers = Parser.closers(tokens);
            for (int i = 1; i < tokens.size(); i++) {
                if (tokens.get(i - 1).kind() != Kind.LEFT_PAREN) {
                    continue;
                }
                SqlToken t = tokens.get(i);
                if (t.isWord("SELECT")) {
                    Parser parser = new Parser(tokens, closers);
                    int end = parser.closeFrom(i - 1);
                    List<Unaliased> found = new ArrayList<>();
                    parser.unaliased = found;
                    parser.statement(i, end);
                    for (Unaliased u : found) {
                        inserts.add(new int[] {tokens.get(u.lastToken()).end(), texts.size()});
                        texts.add(" AS " + SqlQuoting.identifier(u.name()));
                    }
                } else if (t.isWord("VALUES")) {
                    Parser parser = new Parser(tokens, closers);
                    int end = parser.closeFrom(i - 1);
                    String columns = valuesColumns(parser, i, end, tokens);
                    if (columns != null) {
                        inserts.add(new int[] {tokens.get(end + (tokens.get(end + 1).isWord("AS") ? 2 : 1)).end(),
                                texts.size()});
                        texts.add(columns);
                    }
                }
            }
            if (inserts.isEmpty()) {
                return sql;
            }
            inserts.sort((a, b) -> Integer.compare(a[0], b[0]));
            StringBuilder out = new StringBuilder(sql.length() + 16 * inserts.size());
            int pos = 0;
            for (int[] insert : inserts) {
                out.append(sql, pos, insert[0]).append(texts.get(insert[1]));
                pos = insert[0];
            }
            return out.append(sql, pos, sql.length()).toString();
        } catch (RuntimeException e) {
            if (NestingLimit.isTooDeep(e)) {
                throw e;
            }
            LOG.debug("could not name the columns of a nested query", e);
            return sql;
        }
    }

    /**
     * For {@code (VALUES ...) alias} with no column names: {@code (column1, ...)} to write after the alias; null when
     * there is no plain alias or it has column names already.
     */
    private static String valuesColumns(Parser parser, int values, int close, List<SqlToken> tokens) {
        int alias = close + 1;
        if (alias < tokens.size() && tokens.get(alias).isWord("AS")) {
            alias++;
        }
        if (alias >= tokens.size() || !tokens.get(alias).isIdentifier()
                || tokens.get(alias).kind() == Kind.WORD && Parser.isReservedAfterOperand(tokens.get(alias))
                || alias + 1 < tokens.size() && tokens.get(alias + 1).kind() == Kind.LEFT_PAREN) {
            return null;
        }
        List<Item> items;
        try {
            items = parser.statement(values, close);
        } catch (Unsure e) {
            return null;
        }
        if (items == null || items.isEmpty()) {
            return null;
        }
        StringBuilder columns = new StringBuilder("(");
        for (int k = 0; k < items.size(); k++) {
            columns.append(k == 0 ? "" : ", ").append(items.get(k).name());
        }
        return columns.append(')').toString();
    }

    /** Cheap pre-check: a parenthesis followed (after blanks) by SELECT or VALUES. */
    private static boolean hasNestedQuery(String sql) {
        int n = sql.length();
        for (int i = sql.indexOf('('); i >= 0 && i < n; i = sql.indexOf('(', i + 1)) {
            int j = i + 1;
            while (j < n && Character.isWhitespace(sql.charAt(j))) {
                j++;
            }
            if (sql.regionMatches(true, j, "select", 0, 6) || sql.regionMatches(true, j, "values", 0, 6)) {
                return true;
            }
        }
        return false;
    }


    /** {@link #of} without its safety net, for tests. */
    static List<String> figure(String sql, int columnCount) {
        List<SqlToken> tokens = SqlLexer.significantTokens(sql);
        List<Item> items;
        try {
            items = new Parser(tokens).statement(0, tokens.size());
        } catch (Unsure e) {
            return null;
        }
        return items == null ? null : match(items, columnCount);
    }

    /** Lines the items up with the columns; only the items whose place among the columns is certain get one. */
    private static List<String> match(List<Item> items, int columnCount) {
        String[] names = new String[columnCount];
        int first = -1;
        int last = -1;
        boolean star = false;
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).width() != Width.ONE) {
                first = first < 0 ? i : first;
                last = i;
                star |= items.get(i).width() == Width.STAR;
            }
        }
        if (!star && items.size() == columnCount) {
            for (int i = 0; i < columnCount; i++) {
                names[i] = items.get(i).name();
            }
        } else if (first >= 0 && first + items.size() - 1 - last <= columnCount) {
            for (int i = 0; i < first; i++) {
                names[i] = items.get(i).name();
            }
            for (int k = 1; k <= items.size() - 1 - last; k++) {
                names[columnCount - k] = items.get(items.size() - k).name();
            }
        } else {
            return null; // the columns cannot be what this read: DuckDB read the text some other way
        }
        return Arrays.stream(names).allMatch(n -> n == null) ? null : Arrays.asList(names);
    }

    /** How many columns an item makes: one, an unknown number ({@code *}), or one unless DuckDB expands it. */
    private enum Width { ONE, STAR, UNSURE }

    /** One select-list item: its name (null if unknown) and width. */
    private record Item(String name, Width width) {}

    /**
     * A name as PostgreSQL's FigureColnameInternal figures it, with its strength: 0 none, 1 a type name (a cast's
     * target, or {@code case}, which a stronger name from inside wins over), 2 a column, function or construct name.
     */
    private record Name(String text, int strength) {
        static final Name NONE = new Name(null, 0);
        /** {@code *} or {@code x.*}. */
        static final Name STAR = new Name("*", -1);

        String label() {
            return strength == 0 ? NO_NAME : text;
        }
    }

    /** Thrown (without a stack trace) where the text is beyond what this reads with confidence. */
    private static final class Unsure extends RuntimeException {
        static final Unsure INSTANCE = new Unsure();

        private Unsure() {
            super(null, null, false, false);
        }
    }

    private static Unsure unsure() {
        return Unsure.INSTANCE;
    }

    /** A recursive-descent reader of just enough of PostgreSQL's grammar to name select-list items. */
    private static final class Parser {
        private final List<SqlToken> tokens;
        private int pos;
        /** The index the current item (or nested list) ends at. */
        private int limit;
        /** A function DuckDB may expand into several columns was read in the current item. */
        private boolean wide;
        /** Where set, the items read without an alias are added to it. */
        private List<Unaliased> unaliased;
        private final NestingLimit nesting = new NestingLimit();

        /** For each opening bracket, the index of the one closing it (any kind counts alike); -1 for none. */
        private final int[] closers;

        Parser(List<SqlToken> tokens) {
            this(tokens, closers(tokens));
        }

        /** A parser over tokens whose {@link #closers} another parser found already. */
        Parser(List<SqlToken> tokens, int[] closers) {
            this.tokens = tokens;
            this.limit = tokens.size();
            this.closers = closers;
        }

        /**
         * The closing bracket of every opening one, found once: looking for it by scanning at every nesting level
         * would cost time cubic in the depth of nested subqueries.
         */
        static int[] closers(List<SqlToken> tokens) {
            int[] closers = new int[tokens.size()];
            int[] open = new int[tokens.size()];
            int depth = 0;
            for (int i = 0; i < tokens.size(); i++) {
                closers[i] = -1;
                int change = depthChange(tokens.get(i));
                if (change > 0) {
                    open[depth++] = i;
                } else if (change < 0 && depth > 0) {
                    closers[open[--depth]] = i;
                }
            }
            return closers;
        }

        // ---- statements ----

        /** The items of the statement in [from, to), or null for a statement whose columns this does not name. */
        List<Item> statement(int from, int to) {
            int saved = limit;
            limit = to;
            pos = from;
            try {
                skipOpenParens();
                if (atWord("WITH")) {
                    skipWith();
                    skipOpenParens();
                }
                SqlToken t = peek();
                if (t == null || t.kind() != Kind.WORD) {
                    return null;
                }
                switch (t.keyword()) {
                    case "SELECT" -> {
                        pos++;
                        skipDistinct();
                        return list();
                    }
                    case "VALUES" -> {
                        pos++;
                        return values();
                    }
                    case "INSERT", "UPDATE", "DELETE" -> {
                        return returning();
                    }
                    default -> {
                        return null;
                    }
                }
            } finally {
                limit = saved;
            }
        }

        private void skipOpenParens() {
            while (at(Kind.LEFT_PAREN)) {
                pos++;
            }
        }

        /** Skips {@code WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (query), ...}. */
        private void skipWith() {
            pos++;
            if (atWord("RECURSIVE")) {
                pos++;
            }
            while (true) {
                identifier();
                if (at(Kind.LEFT_PAREN)) {
                    pos = close(pos) + 1;
                }
                expectWord("AS");
                if (atWord("NOT")) {
                    pos++;
                }
                if (atWord("MATERIALIZED")) {
                    pos++;
                }
                if (!at(Kind.LEFT_PAREN)) {
                    throw unsure();
                }
                pos = close(pos) + 1;
                if (!atPunctuation(",")) {
                    return;
                }
                pos++;
            }
        }

        private void skipDistinct() {
            if (atWord("ALL")) {
                pos++;
            } else if (atWord("DISTINCT")) {
                pos++;
                if (atWord("ON")) {
                    pos++;
                    if (!at(Kind.LEFT_PAREN)) {
                        throw unsure();
                    }
                    pos = close(pos) + 1;
                }
            }
        }

        /** {@code VALUES (a, b, ...), ...}: PostgreSQL names the columns column1, column2, ... */
        private List<Item> values() {
            if (!at(Kind.LEFT_PAREN)) {
                throw unsure();
            }
            int close = close(pos);
            int count = close == pos + 1 ? 0 : 1;
            int depth = 0;
            for (int i = pos + 1; i < close; i++) {
                SqlToken t = tokens.get(i);
                depth += depthChange(t);
                if (depth == 0 && t.kind() == Kind.PUNCTUATION && t.text().equals(",")) {
                    count++;
                }
            }
            List<Item> items = new ArrayList<>(count);
            for (int i = 1; i <= count; i++) {
                items.add(new Item("column" + i, Width.ONE));
            }
            return items;
        }

        /** The {@code RETURNING} list of a data change, or null when it has none. */
        private List<Item> returning() {
            int depth = 0;
            for (int i = pos; i < limit; i++) {
                SqlToken t = tokens.get(i);
                depth += depthChange(t);
                if (depth == 0 && t.isWord("RETURNING")) {
                    pos = i + 1;
                    return list();
                }
            }
            return null;
        }

        /** The select list from {@code pos} to its end at the top level. */
        private List<Item> list() {
            List<Item> items = new ArrayList<>();
            int start = pos;
            int i = pos;
            for (; i < limit; i++) {
                SqlToken t = tokens.get(i);
                if (endsList(i)) {
                    break;
                }
                int change = depthChange(t);
                if (change != 0) {
                    // Over a bracketed part in one step (scanning it would make nested lists quadratic); an
                    // unbalanced bracket leaves no further item boundary in the list.
                    int close = change > 0 ? closers[i] : -1;
                    if (close < 0 || close >= limit) {
                        i = limit;
                        break;
                    }
                    i = close;
                } else if (t.kind() == Kind.PUNCTUATION && t.text().equals(",")) {
                    items.add(item(start, i));
                    start = i + 1;
                }
            }
            if (start < i) {
                items.add(item(start, i));
            } else if (!items.isEmpty()) {
                throw unsure(); // a trailing comma, which DuckDB accepts and PostgreSQL does not
            }
            return items;
        }

        private boolean endsList(int i) {
            SqlToken t = tokens.get(i);
            if (t.kind() == Kind.RIGHT_PAREN || t.kind() == Kind.SEMICOLON) {
                return true;
            }
            if (t.kind() != Kind.WORD || !LIST_ENDS.contains(t.keyword())) {
                return false;
            }
            SqlToken before = i > 0 ? tokens.get(i - 1) : null;
            if (before != null && before.isWord("AS")) {
                return false; // any keyword may follow AS as a column label: SELECT 1 AS from
            }
            // IS [NOT] DISTINCT FROM, COLLATION FOR (x) and WITHIN GROUP (...) sit inside an item.
            return before == null || !(t.isWord("FROM") && before.isWord("DISTINCT")
                    || t.isWord("FOR") && before.isWord("COLLATION") || t.isWord("GROUP") && before.isWord("WITHIN"));
        }

        /** The item in [from, to): its alias, else its figured name. */
        private Item item(int from, int to) {
            if (from == to) {
                throw unsure();
            }
            int saved = limit;
            limit = to;
            pos = from;
            wide = false;
            try {
                Name name = expression();
                if (name == Name.STAR) {
                    if (pos != limit) {
                        throw unsure(); // DuckDB's * EXCLUDE (...), * REPLACE (...)
                    }
                    return new Item(null, Width.STAR);
                }
                String label = name.label();
                boolean aliased = pos < limit;
                if (atWord("AS")) {
                    pos++;
                    label = alias(peek(), true);
                    pos++;
                } else if (pos < limit) {
                    label = alias(peek(), false);
                    pos++;
                }
                if (pos != limit) {
                    throw unsure();
                }
                if (!aliased && !wide && name.strength() > 0 && unaliased != null) {
                    unaliased.add(new Unaliased(to - 1, truncate(label)));
                }
                return new Item(truncate(label), wide ? Width.UNSURE : Width.ONE);
            } catch (Unsure e) {
                return new Item(null, Width.UNSURE);
            } finally {
                limit = saved;
            }
        }

        private static String alias(SqlToken t, boolean afterAs) {
            if (t == null || !t.isIdentifier()
                    || !afterAs && t.kind() == Kind.WORD && (NOT_OPERANDS.contains(t.keyword())
                            || INFIX_WORDS.contains(t.keyword()))) {
                throw unsure();
            }
            return t.value();
        }

        // ---- expressions ----

        /**
         * Reads an expression and returns its name. Any operator on top makes it nameless, whatever the
         * precedence, except {@code AT TIME ZONE} (the function timezone) and {@code IS NORMALIZED} (is_normalized).
         */
        private Name expression() {
            boolean not = atWord("NOT");
            Name first = unary();
            if (first == Name.STAR) {
                return first;
            }
            int operators = 0;
            String named = null; // the function an operator stands for, if it is the only one
            while (pos < limit) {
                SqlToken t = peek();
                if (t.kind() == Kind.OPERATOR) {
                    pos++;
                    operators++;
                    operand();
                    continue;
                }
                if (t.kind() != Kind.WORD || !INFIX_WORDS.contains(t.keyword())) {
                    break;
                }
                pos++;
                operators++;
                switch (t.keyword()) {
                    case "AND", "OR", "ESCAPE" -> operand();
                    case "IS" -> named = is();
                    case "ISNULL", "NOTNULL" -> { }
                    case "NOT" -> {
                        if (!(atWord("BETWEEN") || atWord("IN") || atWord("LIKE") || atWord("ILIKE")
                                || atWord("SIMILAR"))) {
                            throw unsure();
                        }
                    }
                    case "BETWEEN" -> {
                        if (atWord("SYMMETRIC") || atWord("ASYMMETRIC")) {
                            pos++;
                        }
                        operand();
                    }
                    case "IN" -> {
                        if (!at(Kind.LEFT_PAREN)) {
                            throw unsure();
                        }
                        pos = close(pos) + 1;
                    }
                    case "LIKE", "ILIKE" -> operand();
                    case "SIMILAR" -> {
                        expectWord("TO");
                        operand();
                    }
                    case "AT" -> {
                        expectWord("TIME");
                        expectWord("ZONE");
                        operand();
                        named = "timezone";
                    }
                    default -> throw unsure(); // OVERLAPS, OPERATOR(...), COLLATE out of place, UESCAPE
                }
            }
            if (operators == 0) {
                return not ? Name.NONE : first;
            }
            if (operators == 1 && named != null && !not) {
                return new Name(named, 2);
            }
            if (named != null && named.equals("is_normalized")) {
                throw unsure(); // its precedence against the other operators decides
            }
            return Name.NONE;
        }

        /** After {@code IS}: the function it stands for, or null. */
        private String is() {
            boolean negated = false;
            if (atWord("NOT")) {
                pos++;
                negated = true;
            }
            SqlToken t = next();
            if (t.kind() != Kind.WORD) {
                throw unsure();
            }
            switch (t.keyword()) {
                case "NULL", "TRUE", "FALSE", "UNKNOWN", "DOCUMENT" -> {
                    return null;
                }
                case "DISTINCT" -> {
                    expectWord("FROM");
                    operand();
                    return null;
                }
                case "NFC", "NFD", "NFKC", "NFKD", "NORMALIZED" -> {
                    if (!t.isWord("NORMALIZED")) {
                        expectWord("NORMALIZED");
                    }
                    return negated ? null : "is_normalized";
                }
                default -> throw unsure();
            }
        }

        /** An operand of an operator: its name does not matter, a star is out of place. */
        private void operand() {
            if (unary() == Name.STAR) {
                throw unsure();
            }
        }

        /** Every recursion of this reader passes through here, where its depth is bounded. */
        private Name unary() {
            nesting.enter();
            try {
                SqlToken t = peek();
                if (t == null) {
                    throw unsure();
                }
                if (t.kind() == Kind.OPERATOR && !t.text().equals("*") || t.isWord("NOT")) {
                    pos++;
                    operand();
                    return Name.NONE;
                }
                return postfix(primary());
            } finally {
                nesting.exit();
            }
        }

        /** Casts, subscripts, field selections and COLLATE after an operand. */
        private Name postfix(Name name) {
            while (pos < limit) {
                if (atPunctuation(":") && pos + 1 < limit && isPunctuation(tokens.get(pos + 1), ":")) {
                    pos += 2;
                    if (name == Name.STAR) {
                        throw unsure();
                    }
                    String type = typeName();
                    name = name.strength() <= 1 ? new Name(type, 1) : name;
                } else if (atPunctuation("[")) {
                    pos = close(pos) + 1;
                } else if (atPunctuation(".")) {
                    pos++;
                    SqlToken field = next();
                    if (field.kind() == Kind.OPERATOR && field.text().equals("*")) {
                        name = Name.STAR;
                    } else if (field.isIdentifier()) {
                        name = new Name(field.value(), 2);
                    } else {
                        throw unsure();
                    }
                } else if (atWord("COLLATE")) {
                    pos++;
                    qualifiedName();
                } else {
                    break;
                }
            }
            return name;
        }

        private Name primary() {
            SqlToken t = next();
            switch (t.kind()) {
                case NUMBER, STRING, DOLLAR_STRING, PARAMETER -> {
                    return Name.NONE;
                }
                case LEFT_PAREN -> {
                    return parenthesized(pos - 1);
                }
                case OPERATOR -> {
                    if (t.text().equals("*")) {
                        return Name.STAR;
                    }
                    throw unsure();
                }
                case QUOTED_IDENTIFIER -> {
                    pos--;
                    return reference();
                }
                case WORD -> {
                    return word(t);
                }
                default -> throw unsure();
            }
        }

        /** After {@code (}: a scalar subquery, a row {@code (a, b)} or a parenthesized expression. */
        private Name parenthesized(int open) {
            int close = close(open);
            SqlToken first = pos < close ? tokens.get(pos) : null;
            if (first != null && (first.isWord("SELECT") || first.isWord("VALUES") || first.isWord("WITH")
                    || first.isWord("TABLE"))) {
                boolean outerWide = wide;
                int outerLimit = limit;
                List<Item> items = statement(pos, close);
                limit = outerLimit;
                wide = outerWide;
                pos = close + 1;
                if (items == null || items.isEmpty() || items.get(0).name() == null
                        || items.get(0).width() == Width.STAR) {
                    throw unsure();
                }
                // PostgreSQL names a scalar subquery after its (only) column.
                return new Name(items.get(0).name(), 2);
            }
            int outerLimit = limit;
            limit = close;
            Name name;
            try {
                name = expression();
                if (name == Name.STAR) {
                    throw unsure();
                }
                if (atPunctuation(",")) {
                    while (atPunctuation(",")) {
                        pos++;
                        operand();
                    }
                    name = new Name("row", 2);
                }
                if (pos != close) {
                    throw unsure();
                }
            } finally {
                limit = outerLimit;
            }
            pos = close + 1;
            return name;
        }

        private Name word(SqlToken t) {
            String kw = t.keyword();
            boolean call = at(Kind.LEFT_PAREN);
            switch (kw) {
                case "NULL", "TRUE", "FALSE" -> {
                    return Name.NONE;
                }
                case "CASE" -> {
                    return caseExpression();
                }
                case "CAST" -> {
                    return cast();
                }
                case "ANY", "SOME", "ALL" -> {
                    if (!call) {
                        throw unsure();
                    }
                    pos = close(pos) + 1;
                    return Name.NONE;
                }
                case "TRIM" -> {
                    if (call) {
                        SqlToken how = pos + 1 < limit ? tokens.get(pos + 1) : null;
                        pos = close(pos) + 1;
                        String name = how != null && how.isWord("LEADING") ? "ltrim"
                                : how != null && how.isWord("TRAILING") ? "rtrim" : "btrim";
                        return new Name(name, 2);
                    }
                }
                case "COLLATION" -> {
                    if (atWord("FOR")) {
                        pos++;
                        if (!at(Kind.LEFT_PAREN)) {
                            throw unsure();
                        }
                        pos = close(pos) + 1;
                        return new Name("pg_collation_for", 2);
                    }
                }
                case "ARRAY" -> {
                    if (atPunctuation("[")) {
                        pos = close(pos) + 1;
                        return new Name("array", 2);
                    }
                }
                default -> { }
            }
            if (call && NAMED_CONSTRUCTS.contains(kw)) {
                pos = close(pos) + 1;
                return new Name(t.value(), 2);
            }
            if (VALUE_FUNCTIONS.contains(kw)) {
                if (call && !kw.equals("CURRENT_SCHEMA") && !kw.startsWith("CURRENT_T") && !kw.startsWith("LOCAL")) {
                    throw unsure(); // current_user() and the like are errors in PostgreSQL
                }
                if (call) {
                    pos = close(pos) + 1;
                }
                return new Name(t.value(), 2);
            }
            if (NOT_OPERANDS.contains(kw)) {
                throw unsure();
            }
            if (TYPE_KEYWORDS.containsKey(kw)) {
                // A typed literal: INTEGER '1', DOUBLE PRECISION '1', TIMESTAMP WITH TIME ZONE '...'.
                int saved = pos;
                pos--;
                try {
                    String type = typeName();
                    if (at(Kind.STRING)) {
                        pos++;
                        if (kw.equals("INTERVAL")) {
                            intervalFields();
                        }
                        return new Name(type, 1);
                    }
                } catch (Unsure e) {
                    // not a typed literal after all: a column or function of that name
                }
                pos = saved;
            }
            pos--;
            return reference();
        }

        /** A column reference, function call or generic typed literal ({@code date '2020-01-01'}). */
        private Name reference() {
            List<SqlToken> parts = new ArrayList<>(3);
            parts.add(identifier());
            while (atPunctuation(".")) {
                pos++;
                SqlToken part = next();
                if (part.kind() == Kind.OPERATOR && part.text().equals("*")) {
                    return Name.STAR;
                }
                if (!part.isIdentifier()) {
                    throw unsure();
                }
                parts.add(part);
            }
            String last = parts.get(parts.size() - 1).value();
            if (at(Kind.LEFT_PAREN)) {
                pos = close(pos) + 1;
                functionSuffixes();
                if (WIDE_FUNCTIONS.contains(last.toLowerCase(Locale.ROOT))) {
                    wide = true;
                }
                return new Name(last, 2);
            }
            if (at(Kind.STRING)) {
                pos++;
                return new Name(last, 1);
            }
            return new Name(last, 2);
        }

        /** {@code WITHIN GROUP (...)}, {@code FILTER (...)}, {@code OVER name} or {@code OVER (...)}. */
        private void functionSuffixes() {
            if (atWord("WITHIN")) {
                pos++;
                expectWord("GROUP");
                skipParens();
            }
            if (atWord("FILTER")) {
                pos++;
                skipParens();
            }
            if (atWord("OVER")) {
                pos++;
                if (at(Kind.LEFT_PAREN)) {
                    skipParens();
                } else {
                    identifier();
                }
            }
        }

        /** {@code CASE [arg] WHEN ... THEN ... [ELSE default] END}: named after the default if that has a name. */
        private Name caseExpression() {
            if (!atWord("WHEN")) {
                whole();
            }
            if (!atWord("WHEN")) {
                throw unsure();
            }
            while (atWord("WHEN")) {
                pos++;
                whole();
                expectWord("THEN");
                whole();
            }
            Name otherwise = Name.NONE;
            if (atWord("ELSE")) {
                pos++;
                otherwise = whole();
            }
            expectWord("END");
            return otherwise.strength() > 1 ? otherwise : new Name("case", 1);
        }

        /** A whole expression where a star is out of place. */
        private Name whole() {
            Name name = expression();
            if (name == Name.STAR) {
                throw unsure();
            }
            return name;
        }

        /** {@code CAST(x AS type)}: named like {@code x::type}. */
        private Name cast() {
            if (!at(Kind.LEFT_PAREN)) {
                throw unsure();
            }
            int close = close(pos);
            pos++;
            int outerLimit = limit;
            limit = close;
            Name name;
            try {
                name = expression();
                if (name == Name.STAR) {
                    throw unsure();
                }
                expectWord("AS");
                String type = typeName();
                if (pos != close) {
                    throw unsure();
                }
                name = name.strength() <= 1 ? new Name(type, 1) : name;
            } finally {
                limit = outerLimit;
            }
            pos = close + 1;
            return name;
        }

        // ---- type names ----

        /** A type name, as PostgreSQL names the cast to it: its canonical name for SQL's type keywords. */
        private String typeName() {
            SqlToken t = next();
            String type;
            String kw = t.kind() == Kind.WORD ? t.keyword() : "";
            switch (kw) {
                case "INT", "INTEGER", "SMALLINT", "BIGINT", "REAL", "BOOLEAN" -> type = TYPE_KEYWORDS.get(kw);
                case "FLOAT" -> {
                    type = "float8";
                    if (at(Kind.LEFT_PAREN)) {
                        int close = close(pos);
                        SqlToken p = tokens.get(pos + 1);
                        if (close != pos + 2 || p.kind() != Kind.NUMBER) {
                            throw unsure();
                        }
                        if (!p.text().chars().allMatch(Character::isDigit) || p.text().length() > 9) {
                            throw unsure();
                        }
                        type = Integer.parseInt(p.text()) <= 24 ? "float4" : "float8";
                        pos = close + 1;
                    }
                }
                case "DOUBLE" -> {
                    expectWord("PRECISION");
                    type = "float8";
                }
                case "DECIMAL", "DEC", "NUMERIC", "VARCHAR" -> {
                    type = TYPE_KEYWORDS.get(kw);
                    modifiers();
                }
                case "BIT" -> {
                    type = varying() ? "varbit" : "bit";
                    modifiers();
                }
                case "NATIONAL", "CHARACTER", "CHAR", "NCHAR" -> {
                    if (kw.equals("NATIONAL") && !(atWord("CHARACTER") || atWord("CHAR"))) {
                        throw unsure();
                    }
                    if (kw.equals("NATIONAL")) {
                        pos++;
                    }
                    type = varying() ? "varchar" : "bpchar";
                    modifiers();
                }
                case "TIMESTAMP", "TIME" -> {
                    modifiers();
                    boolean zone = false;
                    if (atWord("WITH") || atWord("WITHOUT")) {
                        zone = atWord("WITH");
                        pos++;
                        expectWord("TIME");
                        expectWord("ZONE");
                    }
                    type = (kw.equals("TIME") ? "time" : "timestamp") + (zone ? "tz" : "");
                }
                case "INTERVAL" -> {
                    intervalFields();
                    type = "interval";
                }
                case "SETOF" -> throw unsure();
                default -> {
                    pos--;
                    type = qualifiedName();
                    modifiers();
                }
            }
            arrayBounds();
            return type;
        }

        private boolean varying() {
            if (atWord("VARYING")) {
                pos++;
                return true;
            }
            return false;
        }

        private void modifiers() {
            if (at(Kind.LEFT_PAREN)) {
                skipParens();
            }
        }

        private void intervalFields() {
            modifiers();
            while (pos < limit && peek().kind() == Kind.WORD && INTERVAL_FIELDS.contains(peek().keyword())) {
                pos++;
                modifiers();
            }
        }

        private void arrayBounds() {
            while (true) {
                if (atPunctuation("[")) {
                    pos = close(pos) + 1;
                } else if (atWord("ARRAY")) {
                    pos++;
                } else {
                    return;
                }
            }
        }

        /** {@code a.b.c}: the last part's value. */
        private String qualifiedName() {
            String name = identifier().value();
            while (atPunctuation(".")) {
                pos++;
                name = identifier().value();
            }
            return name;
        }

        // ---- tokens ----

        private SqlToken identifier() {
            SqlToken t = next();
            if (!t.isIdentifier()) {
                throw unsure();
            }
            return t;
        }

        private SqlToken peek() {
            return pos < limit ? tokens.get(pos) : null;
        }

        private SqlToken next() {
            if (pos >= limit) {
                throw unsure();
            }
            return tokens.get(pos++);
        }

        private boolean at(Kind kind) {
            return pos < limit && tokens.get(pos).kind() == kind;
        }

        private boolean atWord(String word) {
            return pos < limit && tokens.get(pos).isWord(word);
        }

        private boolean atPunctuation(String text) {
            return pos < limit && isPunctuation(tokens.get(pos), text);
        }

        private static boolean isPunctuation(SqlToken t, String text) {
            return t.kind() == Kind.PUNCTUATION && t.text().equals(text);
        }

        private void expectWord(String word) {
            if (!atWord(word)) {
                throw unsure();
            }
            pos++;
        }

        private void skipParens() {
            if (!at(Kind.LEFT_PAREN)) {
                throw unsure();
            }
            pos = close(pos) + 1;
        }

        /** The matching parenthesis of the one at {@code open}, over the whole text. */
        int closeFrom(int open) {
            int saved = limit;
            limit = tokens.size();
            try {
                return close(open);
            } finally {
                limit = saved;
            }
        }

        /** Whether a word after an operand cannot be its alias. */
        static boolean isReservedAfterOperand(SqlToken t) {
            return NOT_OPERANDS.contains(t.keyword()) || INFIX_WORDS.contains(t.keyword())
                    || LIST_ENDS.contains(t.keyword()) || JOIN_WORDS.contains(t.keyword());
        }

        /** The index of the bracket that closes the one at {@code open}, within the limit. */
        private int close(int open) {
            int change = open < limit ? depthChange(tokens.get(open)) : -1;
            if (change == 0) {
                return open;
            }
            int close = change > 0 ? closers[open] : -1;
            if (close < 0 || close >= limit) {
                throw unsure();
            }
            return close;
        }

        private static int depthChange(SqlToken t) {
            return switch (t.kind()) {
                case LEFT_PAREN -> 1;
                case RIGHT_PAREN -> -1;
                case PUNCTUATION -> switch (t.text()) {
                    case "[", "{" -> 1;
                    case "]", "}" -> -1;
                    default -> 0;
                };
                default -> 0;
            };
        }
    }

    /** Cuts a name to PostgreSQL's identifier length, on a character boundary. */
    static String truncate(String name) {
        if (name.length() * 3 <= MAX_NAME_BYTES || name.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES) {
            return name;
        }
        int bytes = 0;
        int i = 0;
        while (i < name.length()) {
            int cp = name.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > MAX_NAME_BYTES) {
                break;
            }
            bytes += size;
            i += Character.charCount(cp);
        }
        return name.substring(0, i);
    }
}
