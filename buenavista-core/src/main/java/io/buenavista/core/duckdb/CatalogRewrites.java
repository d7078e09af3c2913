package io.buenavista.core.duckdb;

import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlQuoting;
import io.buenavista.core.sql.SqlToken;
import io.buenavista.core.sql.SqlToken.Kind;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Rewrites the PostgreSQL catalog idioms DuckDB cannot parse or bind into forms that reach the emulation
 * {@link DuckDbCatalog} installs. Works on the core lexer's tokens, so strings, quoted identifiers and comments are
 * never touched. The rules, each a small table:
 * <ul>
 *   <li>{@code pg_catalog.name} → {@code name}: the session's TEMP views and macros shadow DuckDB's own, and DuckDB
 *       reads {@code pg_catalog.f(x)} as a method call {@code f(pg_catalog, x)} for functions it lacks;</li>
 *   <li>{@code public.t} → {@code main.t}: DuckDB's name for the schema shown as {@code public};</li>
 *   <li>{@code information_schema._pg_expandarray(…)} → {@code _pg_expandarray(…)} ({@link #QUALIFIED_FUNCTIONS});</li>
 *   <li>{@code OPERATOR(pg_catalog.~)} → {@code ~}; {@code COLLATE pg_catalog.default} → nothing;</li>
 *   <li>{@code x::regclass}, {@code ::regtype}, {@code ::regnamespace}, {@code ::regrole}: a string literal becomes
 *       an OID lookup, anything else the name of the object with that OID ({@link #REG_CASTS}); a cast that is
 *       a whole select-list item gives the name either way, as PostgreSQL prints a reg* value;</li>
 *   <li>{@code ::name}, {@code ::"char"}, {@code ::regproc} → {@code ::varchar} ({@link #TYPE_ALIASES});</li>
 *   <li>an array literal {@code '{1,2}'} right after {@code =} → DuckDB's {@code [1,2]}; one cast to an array
 *       type, {@code '{"a",NULL}'::text[]} (also in parentheses) → {@code ['a', NULL]::text[]};</li>
 *   <li>functions DuckDB names differently ({@link #FUNCTION_ALIASES});</li>
 *   <li>{@code LIKE 'pg\_%'} → {@code LIKE 'pg\_%' ESCAPE '\'}: backslash is PostgreSQL's default escape.</li>
 * </ul>
 * A statement without any of the trigger words is returned as is without being lexed.
 */
final class CatalogRewrites {
    private CatalogRewrites() {}

    /** Cast target → (function for a string literal operand, function for any other operand). */
    static final Map<String, String[]> REG_CASTS = Map.of(
            "regclass", new String[] {"bv_regclass_oid", "bv_regclass_name"},
            "regtype", new String[] {"bv_regtype_oid", "bv_regtype_name"},
            "regnamespace", new String[] {"bv_regnamespace_oid", "bv_regnamespace_name"},
            "regrole", new String[] {"bv_regrole_oid", "pg_get_userbyid"});

    /** PostgreSQL types DuckDB lacks, cast to this DuckDB type instead. */
    static final Map<String, String> TYPE_ALIASES = Map.of("name", "varchar", "char", "varchar",
            "regproc", "varchar", "regprocedure", "varchar", "regoper", "varchar", "xid", "bigint",
            "int2vector", "varchar", "oidvector", "varchar", "jsonb", "json");

    /**
     * Functions of another schema that the catalog emulates as TEMP macros: the schema qualification is dropped
     * (DuckDB would look for them in that schema).
     */
    static final Map<String, Set<String>> QUALIFIED_FUNCTIONS = Map.of("information_schema",
            Set.of("_pg_expandarray"));

    /** PostgreSQL functions DuckDB has under another name. */
    static final Map<String, String> FUNCTION_ALIASES = Map.of("json_build_object", "json_object");

    /** Collations PostgreSQL clients name that DuckDB does not know; dropping them keeps the default. */
    private static final Set<String> COLLATIONS = Set.of("default", "C", "POSIX");

    /** The type names after {@code ::} that a rewrite handles, lower case. */
    private static final Set<String> REWRITTEN_CASTS = Stream.concat(REG_CASTS.keySet().stream(),
            TYPE_ALIASES.keySet().stream()).collect(Collectors.toUnmodifiableSet());

    /** The type names after {@code ::} whose rewrite applies only to a literal before the cast (see literalCast). */
    private static final Set<String> LITERAL_CASTS = Set.of("numeric", "bytea", "date", "timestamp");

    /** Words that may precede a parenthesis without being a function name. */
    private static final Set<String> NOT_FUNCTIONS = Set.of("select", "where", "and", "or", "not", "in", "on", "any",
            "all", "some", "exists", "from", "when", "then", "else", "case", "by", "as", "values", "is", "between",
            "like", "ilike", "having", "join", "using", "return", "returning", "into", "set", "distinct");

    /**
     * Replaces {@code [start, end)} with {@code before}, then the original text {@code [keepFrom, keepTo)} (none
     * when {@code keepFrom < 0}), then {@code after}.
     */
    private record Edit(int start, int end, String before, int keepFrom, int keepTo, String after) {
        Edit(int start, int end, String text) {
            this(start, end, text, -1, -1, "");
        }
    }

    /** The statement rewritten, or {@code sql} itself when nothing applies. */
    static String rewrite(String sql) {
        if (!mayNeedRewrite(sql)) {
            return sql;
        }
        List<SqlToken> tokens = significant(sql);
        List<Edit> prefix = prefixEdits(tokens);
        if (prefix.isEmpty()) {
            return apply(sql, castEdits(tokens)); // nothing moved: the same tokens serve the casts
        }
        String stripped = apply(sql, prefix);
        return apply(stripped, castEdits(significant(stripped)));
    }

    /**
     * Cheap pre-check so that ordinary statements skip lexing altogether: one pass over the characters looking for
     * the trigger words ({@code pg_catalog}, {@code public}, {@code information_schema}, {@code operator},
     * {@code collate}, {@code json_build_object}), a backslash in a statement with {@code like}, an array
     * literal {@code '{}, or a cast whose type after {@code ::} is one of the rewritten ones (or hidden by a
     * comment). {@code select $1::int}, the most common parameter idiom, needs nothing. May say yes needlessly
     * (inside a string, say); never says no when a rule could apply.
     */
    static boolean mayNeedRewrite(String sql) {
        int n = sql.length();
        boolean backslashSeen = false;
        for (int i = 0; i < n; i++) {
            char c = sql.charAt(i);
            if (c == '\\' && backslashSeen) {
                continue;
            }
            switch (c) {
                case 'p', 'P' -> {
                    if (sql.regionMatches(true, i, "pg_catalog", 0, 10) || sql.regionMatches(true, i, "public", 0, 6)) {
                        return true;
                    }
                }
                case 'o', 'O' -> {
                    if (sql.regionMatches(true, i, "operator", 0, 8)) {
                        return true;
                    }
                }
                case 'i', 'I' -> {
                    if (sql.regionMatches(true, i, "information_schema", 0, 18)) {
                        return true;
                    }
                }
                case 'c', 'C' -> {
                    if (sql.regionMatches(true, i, "collate", 0, 7)) {
                        return true;
                    }
                }
                case 'j', 'J' -> {
                    if (sql.regionMatches(true, i, "json_build_object", 0, 17)) {
                        return true;
                    }
                }
                case '\\' -> {
                    // once: a statement full of backslashes (bytea literals) must not be searched for each
                    if (sql.toLowerCase(Locale.ROOT).contains("like")) {
                        return true;
                    }
                    backslashSeen = true;
                }
                case '\'' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '{') {
                        return true;
                    }
                }
                case ':' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == ':' && rewrittenCastAt(sql, i + 2, literalBefore(sql, i))) {
                        return true;
                    }
                }
                default -> {
                    // not a trigger
                }
            }
        }
        return false;
    }

    /** Whether a string or number literal may end just before {@code at}. */
    private static boolean literalBefore(String sql, int at) {
        int i = at - 1;
        while (i >= 0 && Character.isWhitespace(sql.charAt(i))) {
            i--;
        }
        return i >= 0 && (sql.charAt(i) == '\'' || Character.isDigit(sql.charAt(i)) || sql.charAt(i) == '.');
    }

    /** Whether the cast type starting at {@code from} (after {@code ::}) may be one that a rule rewrites. */
    private static boolean rewrittenCastAt(String sql, int from, boolean afterLiteral) {
        int n = sql.length();
        int i = from;
        while (i < n && Character.isWhitespace(sql.charAt(i))) {
            i++;
        }
        if (sql.startsWith("/*", i) || sql.startsWith("--", i)) {
            return true; // let the lexer see past the comment
        }
        if (i < n && sql.charAt(i) == '"') {
            i++;
        }
        int start = i;
        while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
            i++;
        }
        if (i == start) {
            return false;
        }
        String type = sql.substring(start, i).toLowerCase(Locale.ROOT);
        return REWRITTEN_CASTS.contains(type) || afterLiteral && LITERAL_CASTS.contains(type);
    }

    private static List<SqlToken> significant(String sql) {
        List<SqlToken> out = new ArrayList<>();
        for (SqlToken t : SqlLexer.tokenize(sql)) {
            if (!t.isTrivia()) {
                out.add(t);
            }
        }
        return out;
    }

    /** Whether token {@code i} (which may be out of range) is the punctuation {@code text}. */
    static boolean isPunct(List<SqlToken> t, int i, String text) {
        return i >= 0 && i < t.size() && t.get(i).isPunctuation(text);
    }

    private static boolean isName(List<SqlToken> t, int i, String name) {
        return i >= 0 && i < t.size() && t.get(i).isIdentifier() && t.get(i).value().equals(name);
    }

    /** {@code pg_catalog.}, {@code OPERATOR(…)}, {@code COLLATE …} and array literals. */
    private static List<Edit> prefixEdits(List<SqlToken> t) {
        List<Edit> edits = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            SqlToken tok = t.get(i);
            if (tok.isWord("operator") && i + 2 < t.size() && t.get(i + 1).kind() == Kind.LEFT_PAREN) {
                int op = isName(t, i + 2, "pg_catalog") && isPunct(t, i + 3, ".") ? i + 4 : i + 2;
                if (op + 1 < t.size() && t.get(op).kind() == Kind.OPERATOR
                        && t.get(op + 1).kind() == Kind.RIGHT_PAREN) {
                    edits.add(new Edit(tok.offset(), t.get(op + 1).end(), t.get(op).text()));
                    i = op + 1;
                    continue;
                }
            }
            if (tok.isWord("collate")) {
                int name = isName(t, i + 1, "pg_catalog") && isPunct(t, i + 2, ".") ? i + 3 : i + 1;
                if (name < t.size() && t.get(name).isIdentifier() && COLLATIONS.contains(t.get(name).value())) {
                    edits.add(new Edit(tok.offset(), t.get(name).end(), ""));
                    i = name;
                    continue;
                }
            }
            if (isName(t, i, "pg_catalog") && isPunct(t, i + 1, ".") && i + 2 < t.size()
                    && t.get(i + 2).isIdentifier() && !isPunct(t, i - 1, ".")) {
                edits.add(new Edit(tok.offset(), t.get(i + 2).offset(), ""));
                i++;
                continue;
            }
            if (isPublicQualifier(t, i)) {
                edits.add(new Edit(tok.offset(), tok.end(), "main"));
                continue;
            }
            if (tok.isIdentifier() && QUALIFIED_FUNCTIONS.containsKey(tok.value()) && isPunct(t, i + 1, ".")
                    && i + 3 < t.size() && t.get(i + 2).isIdentifier()
                    && QUALIFIED_FUNCTIONS.get(tok.value()).contains(t.get(i + 2).value())
                    && t.get(i + 3).kind() == Kind.LEFT_PAREN && !isPunct(t, i - 1, ".")) {
                edits.add(new Edit(tok.offset(), t.get(i + 2).offset(), ""));
                i++;
                continue;
            }
            if (tok.kind() == Kind.WORD && FUNCTION_ALIASES.containsKey(tok.value())
                    && i + 1 < t.size() && t.get(i + 1).kind() == Kind.LEFT_PAREN && !isPunct(t, i - 1, ".")) {
                edits.add(new Edit(tok.offset(), tok.end(), FUNCTION_ALIASES.get(tok.value())));
                continue;
            }
            if ((tok.isWord("like") || tok.isWord("ilike")) && i + 1 < t.size()
                    && t.get(i + 1).kind() == Kind.STRING && t.get(i + 1).value().indexOf('\\') >= 0
                    && !(i + 2 < t.size() && t.get(i + 2).isWord("escape"))) {
                // PostgreSQL's LIKE escapes with a backslash unless told otherwise; DuckDB's does not escape at all
                edits.add(new Edit(t.get(i + 1).end(), t.get(i + 1).end(), " ESCAPE '\\'"));
                i++;
                continue;
            }
            if (tok.kind() == Kind.STRING && tok.text().startsWith("'{") && i > 0
                    && t.get(i - 1).kind() == Kind.OPERATOR && t.get(i - 1).text().equals("=")) {
                String value = tok.value();
                if (value.matches("\\{[0-9, ]*}")) {
                    edits.add(new Edit(tok.offset(), tok.end(), "[" + value.substring(1, value.length() - 1) + "]"));
                }
            }
        }
        return edits;
    }

    /**
     * Whether token {@code i} is the schema {@code public} qualifying a name ({@code public.t}, not {@code x.public}):
     * DuckDB calls that schema {@code main}, and clients such as DBeaver qualify every table they read.
     */
    private static boolean isPublicQualifier(List<SqlToken> t, int i) {
        return isName(t, i, "public") && isPunct(t, i + 1, ".") && i + 2 < t.size() && t.get(i + 2).isIdentifier()
                && !isPunct(t, i - 1, ".");
    }

    /** Casts to the reg* types and to the types DuckDB lacks. */
    private static List<Edit> castEdits(List<SqlToken> t) {
        List<Edit> edits = new ArrayList<>();
        for (int i = 1; i + 1 < t.size(); i++) {
            if (!(isPunct(t, i, ":") && isPunct(t, i - 1, ":")) || !t.get(i + 1).isIdentifier()) {
                continue;
            }
            SqlToken type = t.get(i + 1);
            String typeName = type.value();
            boolean array = isPunct(t, i + 2, "[");
            String[] functions = REG_CASTS.get(typeName);
            int arrayLiteral = array ? arrayLiteralBefore(t, i - 1) : -1;
            if (arrayLiteral >= 0) {
                String list = duckDbList(t.get(arrayLiteral).value());
                if (list != null) {
                    edits.add(new Edit(t.get(arrayLiteral).offset(), t.get(arrayLiteral).end(), list));
                }
                if (TYPE_ALIASES.containsKey(typeName)) {
                    edits.add(new Edit(type.offset(), type.end(), TYPE_ALIASES.get(typeName)));
                }
            } else if (functions != null && !array) {
                int start = operandStart(t, i - 2);
                if (start >= 0) {
                    // A literal names the object and stands for its OID, unless cast on to text; any other operand
                    // is an OID and stands for the object's name, unless cast on to oid (x::regclass::oid).
                    boolean literal = start == i - 2 && (t.get(start).kind() == Kind.STRING
                            || t.get(start).kind() == Kind.PARAMETER);
                    boolean castOn = isPunct(t, i + 2, ":") && isPunct(t, i + 3, ":") && i + 4 < t.size();
                    String next = castOn ? t.get(i + 4).value() : "";
                    String before;
                    String after = ")";
                    boolean item = !castOn && wholeSelectItem(t, start, i + 2);
                    if (literal && (item || next.equals("text") || next.equals("varchar") || next.equals("name"))) {
                        before = functions[1] + "(" + functions[0] + "(";
                        after = "))";
                    } else {
                        before = (literal || next.equals("oid") ? functions[0] : functions[1]) + "(";
                    }
                    if (item && !aliasFollows(t, i + 2)) {
                        // PostgreSQL names the column after the cast's type or the operand's column
                        after += " AS \"" + (t.get(i - 2).kind() == Kind.WORD
                                || t.get(i - 2).kind() == Kind.QUOTED_IDENTIFIER
                                ? t.get(i - 2).value().replace("\"", "\"\"") : typeName) + "\"";
                    }
                    int from = t.get(start).offset();
                    edits.add(new Edit(from, type.end(), before, from, t.get(i - 2).end(), after));
                }
            } else if (typeName.equals("numeric") && !array && !isPunct(t, i + 2, "(")
                    && i >= 2 && t.get(i - 2).kind() == Kind.STRING) {
                // DuckDB's bare NUMERIC is DECIMAL(18,3); PostgreSQL's is unbounded. pgjdbc's simple mode sends
                // BigDecimal parameters as '…'::numeric, so a literal gets a decimal type that holds it exactly.
                String exact = decimalTypeFor(t.get(i - 2).value());
                if (exact != null) {
                    String plain = new java.math.BigDecimal(t.get(i - 2).value().strip()).toPlainString();
                    edits.add(new Edit(t.get(i - 2).offset(), type.end(), "'" + plain + "'::" + exact));
                }
            } else if (!array && i >= 2 && t.get(i - 2).kind() == Kind.STRING
                    && literalCast(t.get(i - 2).value(), typeName) != null) {
                SqlToken literal = t.get(i - 2);
                edits.add(new Edit(literal.offset(), type.end(), literalCast(literal.value(), typeName)));
            } else if (TYPE_ALIASES.containsKey(typeName)) {
                edits.add(new Edit(type.offset(), type.end(), TYPE_ALIASES.get(typeName)));
            }
        }
        return edits;
    }

    /** Words that end a select-list item. */
    private static final Set<String> ITEM_ENDS = Set.of("from", "as", "where", "union", "except", "intersect",
            "order", "group", "limit", "offset", "into", "having", "window", "fetch", "for");

    /** Words after an expression that continue it rather than name it. */
    private static final Set<String> EXPRESSION_WORDS = Set.of("is", "in", "and", "or", "not", "between", "like",
            "ilike", "similar", "collate", "at", "isnull", "notnull", "escape", "then", "else", "end", "when");

    /** Words before which a comma-separated list is not a select list. */
    private static final Set<String> LIST_STARTS = Set.of("from", "join", "where", "by", "on", "having", "values",
            "returning", "into", "set", "using", "partition", "window", "in", "limit", "offset", "qualify");

    /**
     * Whether the operand starting at token {@code start}, whose cast ends before token {@code next}, is a whole
     * item of a select list ({@code select 't'::regclass, …}): the output of a reg* value is its name there,
     * whereas inside an expression (a comparison, a join) it stays an OID.
     */
    private static boolean wholeSelectItem(List<SqlToken> t, int start, int next) {
        if (next < t.size()) {
            SqlToken n = t.get(next);
            boolean ends = n.kind() == Kind.RIGHT_PAREN || isPunct(t, next, ",") || isPunct(t, next, ";")
                    || n.kind() == Kind.QUOTED_IDENTIFIER
                    || n.kind() == Kind.WORD && !EXPRESSION_WORDS.contains(n.value());
            if (!ends) {
                return false;
            }
        }
        return startsSelectListItem(t, start);
    }

    /**
     * Whether token {@code start} begins an item of a select list: right after {@code SELECT} (or its
     * {@code DISTINCT}/{@code ALL}) or a comma, with {@code SELECT} the first clause word met going back at that
     * depth, not inside an argument list or a parenthesised expression.
     */
    static boolean startsSelectListItem(List<SqlToken> t, int start) {
        int depth = 0;
        for (int i = start - 1; i >= 0; i--) {
            SqlToken p = t.get(i);
            if (p.kind() == Kind.RIGHT_PAREN) {
                depth++;
            } else if (p.kind() == Kind.LEFT_PAREN) {
                if (depth-- == 0) {
                    return false;
                }
            } else if (depth == 0) {
                if (i == start - 1 && !(isPunct(t, i, ",") || p.isWord("select") || p.isWord("distinct")
                        || p.isWord("all"))) {
                    return false;
                }
                if (p.isWord("select")) {
                    return true;
                }
                if (p.kind() == Kind.WORD && LIST_STARTS.contains(p.value())) {
                    return false;
                }
            }
        }
        return false;
    }

    /** Whether an alias follows at token {@code next} ({@code AS x} or a bare name). */
    private static boolean aliasFollows(List<SqlToken> t, int next) {
        return next < t.size() && (t.get(next).isWord("as") || t.get(next).kind() == Kind.QUOTED_IDENTIFIER
                || t.get(next).kind() == Kind.WORD && !ITEM_ENDS.contains(t.get(next).value()));
    }

    /**
     * The index of a string literal in PostgreSQL array syntax that the cast whose {@code ::} starts at token
     * {@code colon} applies to, bare or in parentheses ({@code ('{…}')::int4[]}, as pgjdbc inlines array
     * parameters in simple mode); -1 if there is none.
     */
    private static int arrayLiteralBefore(List<SqlToken> t, int colon) {
        int last = colon - 1;
        if (last >= 2 && t.get(last).kind() == Kind.RIGHT_PAREN && t.get(last - 2).kind() == Kind.LEFT_PAREN) {
            last--;
        }
        return last >= 0 && t.get(last).kind() == Kind.STRING && t.get(last).value().strip().startsWith("{")
                ? last : -1;
    }

    /**
     * A one-dimensional PostgreSQL array literal ({@code {"a,b",NULL,"q\"uote"}}) as a DuckDB list of string
     * literals, which the cast that follows converts element by element; null when it is not one (a
     * multidimensional array, say), to leave it to DuckDB.
     */
    static String duckDbList(String literal) {
        String s = literal.strip();
        if (!s.startsWith("{") || !s.endsWith("}")) {
            return null;
        }
        List<String> elements = new ArrayList<>();
        int i = 1;
        int end = s.length() - 1;
        while (i < end && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        if (i == end) {
            return "[]";
        }
        while (true) {
            while (i < end && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            StringBuilder e = new StringBuilder();
            boolean quoted = i < end && s.charAt(i) == '"';
            boolean escaped = false;
            if (quoted) {
                i++;
                while (i < end && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\') {
                        i++;
                    }
                    if (i < end) {
                        e.append(s.charAt(i++));
                    }
                }
                if (i >= end) {
                    return null; // unterminated quote
                }
                i++;
                while (i < end && Character.isWhitespace(s.charAt(i))) {
                    i++;
                }
            } else {
                int lastSignificant = 0;
                while (i < end && s.charAt(i) != ',') {
                    char c = s.charAt(i);
                    if (c == '{' || c == '}' || c == '"') {
                        return null; // nested (multidimensional) or malformed
                    }
                    if (c == '\\' && i + 1 < end) {
                        c = s.charAt(++i);
                        escaped = true;
                        e.append(c);
                        lastSignificant = e.length();
                    } else {
                        e.append(c);
                        if (!Character.isWhitespace(c)) {
                            lastSignificant = e.length();
                        }
                    }
                    i++;
                }
                e.setLength(lastSignificant);
                if (e.length() == 0) {
                    return null; // an empty unquoted element is an error in PostgreSQL
                }
            }
            String value = e.toString();
            elements.add(!quoted && !escaped && value.equalsIgnoreCase("NULL") ? null : value);
            if (i == end) {
                break;
            }
            if (s.charAt(i) != ',') {
                return null;
            }
            i++;
        }
        StringBuilder out = new StringBuilder("[");
        for (int k = 0; k < elements.size(); k++) {
            String v = elements.get(k);
            out.append(k == 0 ? "" : ", ").append(v == null ? "NULL" : SqlQuoting.literal(v));
        }
        return out.append(']').toString();
    }

    private static final Pattern BC_DATE_TIME = Pattern.compile(
            "(\\d{4,})-(\\d{2})-(\\d{2})(?:[ T](\\d{2}):(\\d{2})(?::(\\d{2}(?:\\.\\d{1,6})?))?)? BC");

    /**
     * A literal cast DuckDB would read differently, as DuckDB SQL; null to leave it. Clients inline parameters
     * this way in simple mode (pgjdbc, psycopg2): {@code '\x00ff'::bytea} is PostgreSQL's hex form (DuckDB reads
     * {@code \x00} as one escaped byte and the rest as characters), and DuckDB reads no BC timestamps.
     */
    static String literalCast(String value, String typeName) {
        if (typeName.equals("bytea")) {
            return value.startsWith("\\x") && value.substring(2).matches("(?:[0-9a-fA-F]{2})*")
                    ? "from_hex('" + value.substring(2) + "')" : null;
        }
        if (!typeName.equals("date") && !typeName.equals("timestamp")) {
            return null;
        }
        java.util.regex.Matcher m = BC_DATE_TIME.matcher(value.strip());
        if (!m.matches()) {
            return null;
        }
        long year = 1 - Long.parseLong(m.group(1)); // DuckDB counts years astronomically: 1 BC is year 0
        String date = year + ", " + Integer.parseInt(m.group(2)) + ", " + Integer.parseInt(m.group(3));
        if (typeName.equals("date")) {
            return m.group(4) == null ? "make_date(" + date + ")" : null;
        }
        return "make_timestamp(" + date + ", " + (m.group(4) == null ? "0, 0, 0" : Integer.parseInt(m.group(4))
                + ", " + Integer.parseInt(m.group(5)) + ", " + (m.group(6) == null ? "0" : m.group(6))) + ")";
    }

    /** DuckDB's type for a numeric literal: the smallest DECIMAL(p,s) holding it; an integer as BIGINT, HUGEINT, UHUGEINT or VARINT. */
    static String decimalTypeFor(String literal) {
        java.math.BigDecimal value;
        try {
            value = new java.math.BigDecimal(literal.strip());
        } catch (NumberFormatException e) {
            return null; // 'NaN' and the like: left to DuckDB
        }
        if (value.scale() < 0) {
            value = value.setScale(0);
        }
        int scale = value.scale();
        if (scale > 0) {
            int precision = Math.max(value.precision(), scale);
            return precision <= 38 ? "DECIMAL(" + precision + "," + scale + ")" : null;
        }
        // Integers as integers: DuckDB cannot cast a DECIMAL to VARINT, and its VARINT casts refuse the extreme
        // HUGEINT and UHUGEINT values, so what fits those goes as those.
        java.math.BigInteger integer = value.unscaledValue();
        if (integer.bitLength() < 64) {
            return "BIGINT";
        }
        if (integer.bitLength() < 128) {
            return "HUGEINT";
        }
        return integer.signum() > 0 && integer.bitLength() == 128 ? "UHUGEINT" : "VARINT";
    }

    /**
     * The index of the first token of the operand ending at {@code last}: a literal, a parameter, a dotted name, or
     * a parenthesised expression with the function name before it; -1 when it cannot be found.
     */
    private static int operandStart(List<SqlToken> t, int last) {
        if (last < 0) {
            return -1;
        }
        SqlToken end = t.get(last);
        switch (end.kind()) {
            case STRING, NUMBER, PARAMETER -> {
                return last;
            }
            case WORD, QUOTED_IDENTIFIER -> {
                int i = last;
                while (isPunct(t, i - 1, ".") && i - 2 >= 0 && t.get(i - 2).isIdentifier()) {
                    i -= 2;
                }
                return i;
            }
            case RIGHT_PAREN -> {
                int depth = 0;
                for (int i = last; i >= 0; i--) {
                    Kind k = t.get(i).kind();
                    if (k == Kind.RIGHT_PAREN) {
                        depth++;
                    } else if (k == Kind.LEFT_PAREN && --depth == 0) {
                        if (i > 0 && t.get(i - 1).kind() == Kind.WORD
                                && !NOT_FUNCTIONS.contains(t.get(i - 1).value())) {
                            return operandStart(t, i - 1);
                        }
                        return i;
                    }
                }
                return -1;
            }
            default -> {
                return -1;
            }
        }
    }

    /** Applies the edits; one overlapping an earlier edit is skipped. */
    private static String apply(String sql, List<Edit> edits) {
        if (edits.isEmpty()) {
            return sql;
        }
        List<Edit> sorted = new ArrayList<>(edits);
        sorted.sort(Comparator.comparingInt(Edit::start));
        StringBuilder out = new StringBuilder(sql.length() + 32);
        int pos = 0;
        for (Edit e : sorted) {
            if (e.start() < pos) {
                continue; // overlaps an earlier edit (a cast inside a cast's operand): left for the database
            }
            out.append(sql, pos, e.start());
            out.append(e.before());
            if (e.keepFrom() >= 0) {
                out.append(sql, e.keepFrom(), e.keepTo());
            }
            out.append(e.after());
            pos = e.end();
        }
        out.append(sql, pos, sql.length());
        return out.toString();
    }
}
