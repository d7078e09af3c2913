package io.buenavista.core.sql;

import io.buenavista.core.sql.SqlToken.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A lexer for PostgreSQL's SQL dialect, enough to split a query into statements, find the leading keywords of a
 * statement and find or rewrite its {@code $n} parameters without being fooled by quotes or comments.
 *
 * <p>It follows PostgreSQL's lexical rules with {@code standard_conforming_strings = on}: a backslash in a plain
 * {@code '…'} string is an ordinary character, while {@code E'…'} strings take backslash escapes. An unterminated
 * quote or comment makes the rest of the input one token; the database reports that error, not this class.
 *
 * <p>Stateless and thread-safe; all methods are static.
 */
public final class SqlLexer {
    private SqlLexer() {}

    /** All tokens of {@code sql}, trivia (whitespace and comments) included, covering every character in order. */
    public static List<SqlToken> tokenize(String sql) {
        List<SqlToken> tokens = new ArrayList<>();
        int pos = 0;
        while (pos < sql.length()) {
            SqlToken token = next(sql, pos);
            tokens.add(token);
            pos = token.end();
        }
        return tokens;
    }

    /**
     * The tokens of {@code sql} without whitespace and comments. Whitespace is stepped over without making tokens of
     * it: on a long statement those and a second list were most of the memory this took.
     */
    public static List<SqlToken> significantTokens(String sql) {
        List<SqlToken> tokens = new ArrayList<>();
        int pos = 0;
        while (pos < sql.length()) {
            if (isSpace(sql.charAt(pos))) {
                pos++;
                continue;
            }
            SqlToken token = next(sql, pos);
            if (!token.isTrivia()) {
                tokens.add(token);
            }
            pos = token.end();
        }
        return tokens;
    }

    /**
     * Splits a query string into its statements at top-level semicolons. A semicolon inside parentheses, or inside
     * the {@code BEGIN … END} body of a {@code CREATE FUNCTION} or {@code CREATE PROCEDURE} (SQL-standard function
     * body), does not end a statement, as in {@code psql}. Each statement starts at its first token that is not
     * whitespace or a comment and ends with its last one. Statements with nothing but whitespace and comments are
     * dropped, so a query made only of those yields an empty list; an unterminated comment, however, counts as
     * part of the statement, for the database to report.
     */
    public static List<SqlStatement> split(String sql) {
        List<SqlStatement> statements = new ArrayList<>();
        List<SqlToken> tokens = tokenize(sql);
        int start = -1; // index of the first significant token of the current statement
        int lastEnd = -1; // end of the last significant token of the current statement
        int parenDepth = 0;
        BodyTracker body = new BodyTracker();
        for (SqlToken token : tokens) {
            // An unterminated comment stays in the statement so that the database reports it.
            if (token.isTrivia() && !isUnterminatedComment(token)) {
                continue;
            }
            if (token.kind() == Kind.SEMICOLON && parenDepth == 0 && !body.inBody()) {
                if (start >= 0) {
                    statements.add(new SqlStatement(sql.substring(start, lastEnd), start));
                }
                start = -1;
                body = new BodyTracker();
                continue;
            }
            if (start < 0) {
                start = token.offset();
            }
            lastEnd = token.end();
            if (token.kind() == Kind.LEFT_PAREN) {
                parenDepth++;
            } else if (token.kind() == Kind.RIGHT_PAREN) {
                parenDepth = Math.max(0, parenDepth - 1);
            }
            body.token(token, parenDepth);
        }
        if (start >= 0) {
            statements.add(new SqlStatement(sql.substring(start, lastEnd), start));
        }
        return statements;
    }

    /**
     * Tracks whether we are inside a {@code BEGIN … END} function body: only in a statement that starts with
     * {@code CREATE [OR REPLACE] FUNCTION|PROCEDURE}, counting {@code BEGIN}, {@code CASE} (which also ends with
     * {@code END}) and {@code END} outside parentheses, as {@code psql} does.
     */
    private static final class BodyTracker {
        private final String[] leading = new String[4];
        private int count;
        private int depth;

        void token(SqlToken token, int parenDepth) {
            String word = token.kind() == Kind.WORD ? token.keyword() : "";
            if (count < leading.length) {
                leading[count++] = word;
            }
            if (parenDepth > 0 || word.isEmpty() || !isRoutine()) {
                return;
            }
            switch (word) {
                case "BEGIN" -> depth++;
                case "CASE" -> depth += depth > 0 ? 1 : 0;
                case "END" -> depth = Math.max(0, depth - 1);
                default -> { }
            }
        }

        boolean inBody() {
            return depth > 0;
        }

        private boolean isRoutine() {
            if (count < 2 || !"CREATE".equals(leading[0])) {
                return false;
            }
            return isRoutineWord(leading[1])
                    || count == 4 && "OR".equals(leading[1]) && "REPLACE".equals(leading[2])
                            && isRoutineWord(leading[3]);
        }

        private static boolean isRoutineWord(String word) {
            return "FUNCTION".equals(word) || "PROCEDURE".equals(word);
        }
    }

    /**
     * The leading words of {@code sql}, upper-cased, at most {@code max} of them: whitespace and comments are
     * skipped and the list ends at the first token that is not an unquoted word. For {@code SET LOCAL x = 1} this
     * is {@code [SET, LOCAL, X]}.
     */
    public static List<String> keywords(String sql, int max) {
        List<String> words = new ArrayList<>(Math.min(Math.max(max, 0), 8));
        int pos = 0;
        while (pos < sql.length() && words.size() < max) {
            SqlToken token = next(sql, pos);
            pos = token.end();
            if (token.isTrivia()) {
                continue;
            }
            if (token.kind() != Kind.WORD) {
                break;
            }
            words.add(token.keyword());
        }
        return words;
    }

    /** The numbers of the {@code $n} parameters referenced outside quotes and comments, in textual order. */
    public static List<Integer> parameterReferences(String sql) {
        List<Integer> references = new ArrayList<>();
        for (SqlToken token : tokenize(sql)) {
            if (token.kind() == Kind.PARAMETER) {
                references.add(parameterNumber(token));
            }
        }
        return references;
    }

    /** The highest {@code $n} referenced outside quotes and comments, or 0 when there is none. */
    public static int parameterCount(String sql) {
        int max = 0;
        for (int n : parameterReferences(sql)) {
            max = Math.max(max, n);
        }
        return max;
    }

    /**
     * Replaces every {@code $n} parameter outside quotes and comments with {@code replacement.apply(n)}, leaving
     * all other text as it was; e.g. {@code n -> "?"} for JDBC, used with {@link #parameterReferences(String)} to
     * bind the values in reference order.
     */
    public static String rewriteParameters(String sql, IntFunction<String> replacement) {
        StringBuilder out = new StringBuilder(sql.length());
        for (SqlToken token : tokenize(sql)) {
            out.append(token.kind() == Kind.PARAMETER ? replacement.apply(parameterNumber(token)) : token.text());
        }
        return out.toString();
    }

    private static int parameterNumber(SqlToken token) {
        try {
            return Integer.parseInt(token.text(), 1, token.text().length(), 10);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE; // absurdly large; the database rejects it
        }
    }

    /** Whether the token is a block comment without its closing {@code *}{@code /}. */
    static boolean isUnterminatedComment(SqlToken token) {
        if (token.kind() != Kind.BLOCK_COMMENT) {
            return false;
        }
        String text = token.text();
        // The lexer ends a terminated comment exactly where its nesting returns to zero.
        int depth = 0;
        for (int i = 0; i + 1 < text.length(); i++) {
            if (text.startsWith("/*", i)) {
                depth++;
                i++;
            } else if (text.startsWith("*/", i)) {
                depth--;
                i++;
            }
        }
        return depth != 0;
    }

    /** The token starting at {@code pos}. */
    static SqlToken next(String sql, int pos) {
        char c = sql.charAt(pos);
        int end;
        Kind kind;
        if (isSpace(c)) {
            end = pos + 1;
            while (end < sql.length() && isSpace(sql.charAt(end))) {
                end++;
            }
            kind = Kind.WHITESPACE;
        } else if (c == '-' && startsWith(sql, pos, "--")) {
            end = lineCommentEnd(sql, pos);
            kind = Kind.LINE_COMMENT;
        } else if (c == '/' && startsWith(sql, pos, "/*")) {
            end = blockCommentEnd(sql, pos);
            kind = Kind.BLOCK_COMMENT;
        } else if (c == '\'') {
            end = quotedEnd(sql, pos, '\'', false);
            kind = Kind.STRING;
        } else if (c == '"') {
            end = quotedEnd(sql, pos, '"', false);
            kind = Kind.QUOTED_IDENTIFIER;
        } else if (c == '$') {
            return dollar(sql, pos);
        } else if (isIdentStart(c)) {
            return wordOrPrefixedQuote(sql, pos);
        } else if (isDigit(c) || c == '.' && pos + 1 < sql.length() && isDigit(sql.charAt(pos + 1))) {
            end = numberEnd(sql, pos);
            kind = Kind.NUMBER;
        } else if (isOperatorChar(c)) {
            end = operatorEnd(sql, pos);
            kind = Kind.OPERATOR;
        } else {
            end = pos + 1;
            kind = switch (c) {
                case '(' -> Kind.LEFT_PAREN;
                case ')' -> Kind.RIGHT_PAREN;
                case ';' -> Kind.SEMICOLON;
                default -> Kind.PUNCTUATION;
            };
        }
        return new SqlToken(kind, sql.substring(pos, end), pos);
    }

    private static SqlToken wordOrPrefixedQuote(String sql, int pos) {
        char c = sql.charAt(pos);
        char next = pos + 1 < sql.length() ? sql.charAt(pos + 1) : 0;
        // A prefix letter directly followed by a quote starts a special literal, but only as the whole word:
        // "type'x'" is the word "type" followed by a string.
        if (next == '\'') {
            switch (c) {
                case 'E', 'e' -> {
                    return token(Kind.STRING, sql, pos, quotedEnd(sql, pos + 1, '\'', true));
                }
                case 'B', 'b', 'X', 'x', 'N', 'n' -> {
                    return token(Kind.STRING, sql, pos, quotedEnd(sql, pos + 1, '\'', false));
                }
                default -> { }
            }
        }
        if ((c == 'U' || c == 'u') && next == '&' && pos + 2 < sql.length()) {
            char quote = sql.charAt(pos + 2);
            if (quote == '\'') {
                return token(Kind.STRING, sql, pos, quotedEnd(sql, pos + 2, '\'', false));
            }
            if (quote == '"') {
                return token(Kind.QUOTED_IDENTIFIER, sql, pos, quotedEnd(sql, pos + 2, '"', false));
            }
        }
        int end = pos + 1;
        while (end < sql.length() && isIdentContinue(sql.charAt(end))) {
            end++;
        }
        return token(Kind.WORD, sql, pos, end);
    }

    private static SqlToken dollar(String sql, int pos) {
        int i = pos + 1;
        if (i < sql.length() && isDigit(sql.charAt(i))) {
            while (i < sql.length() && isDigit(sql.charAt(i))) {
                i++;
            }
            return token(Kind.PARAMETER, sql, pos, i);
        }
        // A dollar-quote delimiter: $$ or $tag$ where tag is an identifier without '$'.
        if (i < sql.length() && isIdentStart(sql.charAt(i))) {
            while (i < sql.length() && isIdentStart(sql.charAt(i)) || i < sql.length() && isDigit(sql.charAt(i))) {
                i++;
            }
        }
        if (i < sql.length() && sql.charAt(i) == '$') {
            String delimiter = sql.substring(pos, i + 1);
            int close = sql.indexOf(delimiter, i + 1);
            int end = close < 0 ? sql.length() : close + delimiter.length();
            return token(Kind.DOLLAR_STRING, sql, pos, end);
        }
        return token(Kind.PUNCTUATION, sql, pos, pos + 1);
    }

    private static SqlToken token(Kind kind, String sql, int start, int end) {
        return new SqlToken(kind, sql.substring(start, end), start);
    }

    /**
     * The end of a quoted token whose opening quote is at {@code quotePos}: a doubled quote is an escaped quote and,
     * when {@code backslashEscapes}, a backslash escapes the next character.
     */
    private static int quotedEnd(String sql, int quotePos, char quote, boolean backslashEscapes) {
        int i = quotePos + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return sql.length();
    }

    private static int lineCommentEnd(String sql, int pos) {
        int i = pos + 2;
        while (i < sql.length() && sql.charAt(i) != '\n' && sql.charAt(i) != '\r') {
            i++;
        }
        return i;
    }

    private static int blockCommentEnd(String sql, int pos) {
        int depth = 0;
        int i = pos;
        while (i < sql.length()) {
            if (startsWith(sql, i, "/*")) {
                depth++;
                i += 2;
            } else if (startsWith(sql, i, "*/")) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return sql.length();
    }

    private static int numberEnd(String sql, int pos) {
        int i = pos;
        while (i < sql.length() && isDigit(sql.charAt(i))) {
            i++;
        }
        // "1..5" is the number 1 followed by "..", as in PostgreSQL (PL/pgSQL FOR loops use it).
        if (i < sql.length() && sql.charAt(i) == '.' && !startsWith(sql, i, "..")) {
            i++;
            while (i < sql.length() && isDigit(sql.charAt(i))) {
                i++;
            }
        }
        if (i < sql.length() && (sql.charAt(i) == 'e' || sql.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < sql.length() && (sql.charAt(j) == '+' || sql.charAt(j) == '-')) {
                j++;
            }
            if (j < sql.length() && isDigit(sql.charAt(j))) {
                i = j;
                while (i < sql.length() && isDigit(sql.charAt(i))) {
                    i++;
                }
            }
        }
        return i;
    }

    private static int operatorEnd(String sql, int pos) {
        int i = pos + 1;
        // An operator never contains the start of a comment: "*--x" is "*" followed by a comment.
        while (i < sql.length() && isOperatorChar(sql.charAt(i)) && !startsWith(sql, i, "--")
                && !startsWith(sql, i, "/*")) {
            i++;
        }
        return i;
    }

    private static boolean startsWith(String sql, int pos, String prefix) {
        return sql.startsWith(prefix, pos);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000b';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** PostgreSQL treats every non-ASCII character as a letter in identifiers. */
    private static boolean isIdentStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80;
    }

    private static boolean isIdentContinue(char c) {
        return isIdentStart(c) || isDigit(c) || c == '$';
    }

    private static boolean isOperatorChar(char c) {
        return "+-*/<>=~!@#%^&|`?".indexOf(c) >= 0;
    }
}
