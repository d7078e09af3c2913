package io.buenavista.core.sql;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.sql.SqlToken.Kind;
import io.buenavista.core.sql.Statement.Begin;
import io.buenavista.core.sql.Statement.Commit;
import io.buenavista.core.sql.Statement.Other;
import io.buenavista.core.sql.Statement.ReleaseSavepoint;
import io.buenavista.core.sql.Statement.ResetVariable;
import io.buenavista.core.sql.Statement.Rollback;
import io.buenavista.core.sql.Statement.RollbackToSavepoint;
import io.buenavista.core.sql.Statement.Savepoint;
import io.buenavista.core.sql.Statement.SetTransaction;
import io.buenavista.core.sql.Statement.SetVariable;
import io.buenavista.core.sql.Statement.ShowVariable;
import io.buenavista.core.sql.Statement.TransactionModes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Classifies one statement (as split by {@link SqlLexer#split(String)}) by its lexed keywords: transaction control
 * and settings get their own {@link Statement} records, everything else an {@link Statement.Other} with the command
 * tag PostgreSQL 15 would send.
 *
 * <p>A malformed transaction-control statement ({@code BEGIN}, {@code COMMIT}, {@code SAVEPOINT}, …) is a syntax
 * error, thrown as PostgreSQL reports it, because the session must not guess its transaction state. A malformed or
 * unknown {@code SET}/{@code RESET}/{@code SHOW} is classified as {@link Statement.Other} so that the handler (whose
 * database may have its own forms) can run or reject it.
 *
 * <p>Stateless; all methods are static.
 */
public final class StatementClassifier {
    private StatementClassifier() {}

    /**
     * Classifies a statement of a split query; syntax-error positions refer to the whole query string.
     *
     * @throws PgException {@code 42601} for a malformed transaction-control statement
     */
    public static Statement classify(SqlStatement statement) {
        try {
            return classify(statement.text());
        } catch (PgException e) {
            throw e.withPosition(statement.positionInQuery(e.position()));
        }
    }

    /**
     * Classifies one statement's text (no trailing {@code ;} needed; one is ignored). Text with no tokens but
     * whitespace and comments is an {@link Statement.Other} with an empty tag stem.
     *
     * @throws PgException {@code 42601} for a malformed transaction-control statement, with a 1-based position in
     *                     {@code statementText}
     */
    public static Statement classify(String statementText) {
        Cursor c = new Cursor(statementText);
        if (c.atEnd()) {
            return new Other("");
        }
        String first = c.peekKeyword();
        return switch (first) {
            case "BEGIN" -> begin(c, "BEGIN", true);
            case "START" -> c.peekKeyword(1).equals("TRANSACTION") ? begin(c.skip(1), "START TRANSACTION", false)
                    : new Other("START");
            case "COMMIT", "END" -> commit(c);
            case "ROLLBACK", "ABORT" -> rollback(c);
            case "SAVEPOINT" -> new Savepoint(savepointName(c.skip(1)));
            case "RELEASE" -> release(c);
            case "SET" -> set(c);
            case "RESET" -> reset(c);
            case "SHOW" -> show(c);
            default -> new Other(tagStem(c));
        };
    }

    // ---- transaction control ------------------------------------------------------------------------------------

    private static Statement begin(Cursor c, String tag, boolean optionalNoise) {
        c.skip(1);
        if (optionalNoise && (c.peekKeyword().equals("WORK") || c.peekKeyword().equals("TRANSACTION"))) {
            c.skip(1);
        }
        TransactionModes modes = transactionModes(c);
        c.expectEnd();
        return new Begin(tag, modes);
    }

    /** {@code [ISOLATION LEVEL …| READ ONLY | READ WRITE | [NOT] DEFERRABLE] [[,] …]}. */
    private static TransactionModes transactionModes(Cursor c) {
        String isolation = null;
        Boolean readOnly = null;
        Boolean deferrable = null;
        boolean first = true;
        while (!c.atEnd()) {
            if (!first && c.peek().kind() == Kind.PUNCTUATION && c.peek().text().equals(",")) {
                c.skip(1);
            }
            first = false;
            String word = c.peekKeyword();
            switch (word) {
                case "ISOLATION" -> {
                    c.skip(1).expectWord("LEVEL");
                    isolation = isolationLevel(c);
                }
                case "READ" -> {
                    c.skip(1);
                    String access = c.peekKeyword();
                    if (!access.equals("ONLY") && !access.equals("WRITE")) {
                        throw c.syntaxError();
                    }
                    c.skip(1);
                    readOnly = access.equals("ONLY");
                }
                case "DEFERRABLE" -> {
                    c.skip(1);
                    deferrable = true;
                }
                case "NOT" -> {
                    c.skip(1).expectWord("DEFERRABLE");
                    deferrable = false;
                }
                default -> throw c.syntaxError();
            }
        }
        return new TransactionModes(isolation, readOnly, deferrable);
    }

    private static String isolationLevel(Cursor c) {
        String word = c.peekKeyword();
        switch (word) {
            case "SERIALIZABLE" -> {
                c.skip(1);
                return word;
            }
            case "REPEATABLE" -> {
                c.skip(1).expectWord("READ");
                return "REPEATABLE READ";
            }
            case "READ" -> {
                String level = c.skip(1).peekKeyword();
                if (!level.equals("COMMITTED") && !level.equals("UNCOMMITTED")) {
                    throw c.syntaxError();
                }
                c.skip(1);
                return "READ " + level;
            }
            default -> throw c.syntaxError();
        }
    }

    private static Statement commit(Cursor c) {
        c.skip(1);
        if (c.peekKeyword().equals("PREPARED")) {
            return new Other("COMMIT PREPARED");
        }
        skipTransactionNoise(c);
        boolean chain = chain(c);
        c.expectEnd();
        return new Commit(chain);
    }

    private static Statement rollback(Cursor c) {
        boolean isRollback = c.peekKeyword().equals("ROLLBACK");
        c.skip(1);
        if (isRollback && c.peekKeyword().equals("PREPARED")) {
            return new Other("ROLLBACK PREPARED");
        }
        skipTransactionNoise(c);
        if (isRollback && c.peekKeyword().equals("TO")) {
            c.skip(1);
            if (c.peekKeyword().equals("SAVEPOINT")) {
                c.skip(1);
            }
            return new RollbackToSavepoint(savepointName(c));
        }
        boolean chain = chain(c);
        c.expectEnd();
        return new Rollback(chain);
    }

    private static void skipTransactionNoise(Cursor c) {
        if (c.peekKeyword().equals("WORK") || c.peekKeyword().equals("TRANSACTION")) {
            c.skip(1);
        }
    }

    /** {@code [AND [NO] CHAIN]}. */
    private static boolean chain(Cursor c) {
        if (!c.peekKeyword().equals("AND")) {
            return false;
        }
        c.skip(1);
        boolean no = c.peekKeyword().equals("NO");
        if (no) {
            c.skip(1);
        }
        c.expectWord("CHAIN");
        return !no;
    }

    /** A savepoint name, the last thing in its statement. */
    private static String savepointName(Cursor c) {
        String name = c.expectName().value();
        c.expectEnd();
        return name;
    }

    private static Statement release(Cursor c) {
        c.skip(1);
        if (c.peekKeyword().equals("SAVEPOINT")) {
            c.skip(1);
        }
        return new ReleaseSavepoint(savepointName(c));
    }

    // ---- SET / RESET / SHOW -------------------------------------------------------------------------------------

    private static Statement set(Cursor c) {
        Statement parsed = parseSetting(c, () -> parseSet(c.skip(1)));
        return parsed != null ? parsed : new Other(c.restart().peekKeyword(1).equals("CONSTRAINTS")
                ? "SET CONSTRAINTS" : "SET");
    }

    private static Statement parseSet(Cursor c) {
        String scope = c.peekKeyword();
        boolean local = scope.equals("LOCAL");
        if (scope.equals("SESSION") && c.peekKeyword(1).equals("CHARACTERISTICS")) {
            c.skip(2).expectWord("AS");
            c.expectWord("TRANSACTION");
            return new SetTransaction(true, transactionModes(c));
        }
        if (scope.equals("LOCAL") || scope.equals("SESSION") && !c.peekKeyword(1).equals("AUTHORIZATION")) {
            c.skip(1);
        }
        switch (c.peekKeyword()) {
            case "TRANSACTION" -> {
                if (local) {
                    return null;
                }
                c.skip(1);
                return new SetTransaction(false, transactionModes(c));
            }
            case "CONSTRAINTS" -> {
                return null;
            }
            case "TIME" -> {
                if (c.peekKeyword(1).equals("ZONE")) {
                    c.skip(2);
                    if (c.peekKeyword().equals("LOCAL") || c.peekKeyword().equals("DEFAULT")) {
                        c.skip(1).expectEnd();
                        return new SetVariable(local, "timezone", List.of(), true);
                    }
                    if (c.peekKeyword().equals("INTERVAL")) {
                        return null; // SET TIME ZONE INTERVAL '…' HOUR TO MINUTE: rare, left to the database
                    }
                    return valueList(c, local, "timezone");
                }
            }
            case "NAMES" -> {
                c.skip(1);
                return c.atEnd() ? new SetVariable(local, "client_encoding", List.of(), true)
                        : valueList(c, local, "client_encoding");
            }
            case "SCHEMA" -> {
                c.skip(1);
                return valueList(c, local, "search_path");
            }
            case "ROLE" -> {
                c.skip(1);
                return valueList(c, local, "role");
            }
            case "SESSION" -> {
                c.skip(1).expectWord("AUTHORIZATION");
                return valueList(c, local, "session_authorization");
            }
            case "XML" -> {
                c.skip(1).expectWord("OPTION");
                return valueList(c, local, "xmloption");
            }
            default -> { }
        }
        String name = settingName(c);
        if (c.peekKeyword().equals("TO") || c.peek().kind() == Kind.OPERATOR && c.peek().text().equals("=")) {
            c.skip(1);
        } else {
            throw c.syntaxError();
        }
        return valueList(c, local, name);
    }

    /** {@code DEFAULT} or {@code value[, value…]} up to the end of the statement. */
    private static SetVariable valueList(Cursor c, boolean local, String name) {
        if (c.peekKeyword().equals("DEFAULT") && c.remaining() == 1) {
            return new SetVariable(local, name, List.of(), true);
        }
        List<String> values = new ArrayList<>();
        do {
            values.add(value(c));
        } while (c.skipComma());
        c.expectEnd();
        return new SetVariable(local, name, values, false);
    }

    private static String value(Cursor c) {
        SqlToken token = c.peek();
        String sign = "";
        if (token.kind() == Kind.OPERATOR && (token.text().equals("-") || token.text().equals("+"))) {
            sign = token.text().equals("-") ? "-" : "";
            token = c.skip(1).peek();
            if (token.kind() != Kind.NUMBER) {
                throw c.syntaxError();
            }
        }
        switch (token.kind()) {
            case NUMBER, STRING, WORD, QUOTED_IDENTIFIER, DOLLAR_STRING -> {
                c.skip(1);
                return sign + token.value();
            }
            default -> throw c.syntaxError();
        }
    }

    /** A possibly dotted setting name: {@code work_mem}, {@code app.key}, {@code "App".Key}. */
    private static String settingName(Cursor c) {
        StringBuilder name = new StringBuilder(c.expectName().value());
        while (c.peek().kind() == Kind.PUNCTUATION && c.peek().text().equals(".")) {
            name.append('.').append(c.skip(1).expectName().value());
        }
        return name.toString();
    }

    /** The names that RESET and SHOW accept besides ordinary setting names. */
    private static String specialName(Cursor c) {
        switch (c.peekKeyword()) {
            case "TIME" -> {
                if (c.peekKeyword(1).equals("ZONE")) {
                    c.skip(2);
                    return "timezone";
                }
            }
            case "TRANSACTION" -> {
                if (c.peekKeyword(1).equals("ISOLATION") && c.peekKeyword(2).equals("LEVEL")) {
                    c.skip(3);
                    return "transaction_isolation";
                }
            }
            case "SESSION" -> {
                if (c.peekKeyword(1).equals("AUTHORIZATION")) {
                    c.skip(2);
                    return "session_authorization";
                }
            }
            case "ALL" -> {
                c.skip(1);
                return "all";
            }
            default -> { }
        }
        return settingName(c);
    }

    private static Statement reset(Cursor c) {
        Statement parsed = parseSetting(c, () -> {
            String name = specialName(c.skip(1));
            c.expectEnd();
            return new ResetVariable(name);
        });
        return parsed != null ? parsed : new Other("RESET");
    }

    private static Statement show(Cursor c) {
        Statement parsed = parseSetting(c, () -> {
            String name = specialName(c.skip(1));
            c.expectEnd();
            return new ShowVariable(name);
        });
        return parsed != null ? parsed : new Other("SHOW");
    }

    /** Runs a setting parser, turning a syntax error into null: the handler's database may know the form. */
    private static Statement parseSetting(Cursor c, java.util.function.Supplier<Statement> parser) {
        try {
            return parser.get();
        } catch (PgException e) {
            return null;
        }
    }

    // ---- command tags -------------------------------------------------------------------------------------------

    /** Words between CREATE/DROP/ALTER and the object type that do not change the tag. */
    private static final Set<String> OBJECT_MODIFIERS = Set.of("TEMP", "TEMPORARY", "LOCAL", "GLOBAL", "UNLOGGED",
            "UNIQUE", "TRUSTED", "PROCEDURAL", "CONSTRAINT", "RECURSIVE");

    /** Statements whose tag is their first keyword as written. */
    private static final Set<String> SINGLE_WORD_TAGS = Set.of("INSERT", "UPDATE", "DELETE", "MERGE", "FETCH",
            "MOVE", "COPY", "EXPLAIN", "VACUUM", "CHECKPOINT", "COMMENT", "CALL", "DO", "LISTEN", "UNLISTEN",
            "NOTIFY", "CLUSTER", "REINDEX", "LOAD", "EXECUTE", "GRANT", "REVOKE");

    private static String tagStem(Cursor c) {
        while (c.peek().kind() == Kind.LEFT_PAREN) {
            c.skip(1); // (SELECT …) UNION (SELECT …)
        }
        String first = c.peekKeyword();
        switch (first) {
            case "SELECT", "VALUES", "TABLE" -> {
                return "SELECT";
            }
            case "WITH" -> {
                return withTag(c);
            }
            case "CREATE" -> {
                return createTag(c);
            }
            case "DROP", "ALTER" -> {
                return objectTag(c.skip(1), first);
            }
            case "GRANT", "REVOKE" -> {
                return c.containsWordAtTopLevel("ON") ? first : first + " ROLE";
            }
            case "TRUNCATE", "LOCK" -> {
                return first + " TABLE";
            }
            case "ANALYZE", "ANALYSE" -> {
                return "ANALYZE";
            }
            case "DECLARE" -> {
                return "DECLARE CURSOR";
            }
            case "CLOSE" -> {
                return c.peekKeyword(1).equals("ALL") ? "CLOSE CURSOR ALL" : "CLOSE CURSOR";
            }
            case "DEALLOCATE" -> {
                c.skip(1);
                if (c.peekKeyword().equals("PREPARE")) {
                    c.skip(1);
                }
                return c.peekKeyword().equals("ALL") && c.remaining() == 1 ? "DEALLOCATE ALL" : "DEALLOCATE";
            }
            case "DISCARD" -> {
                String what = c.peekKeyword(1);
                return what.isEmpty() ? "DISCARD" : "DISCARD " + (what.equals("TEMPORARY") ? "TEMP" : what);
            }
            case "PREPARE" -> {
                return c.peekKeyword(1).equals("TRANSACTION") ? "PREPARE TRANSACTION" : "PREPARE";
            }
            case "REFRESH" -> {
                return "REFRESH MATERIALIZED VIEW";
            }
            case "SECURITY" -> {
                return "SECURITY LABEL";
            }
            case "IMPORT" -> {
                return c.peekKeyword(1).equals("FOREIGN") ? "IMPORT FOREIGN SCHEMA" : "IMPORT";
            }
            case "REASSIGN" -> {
                return "REASSIGN OWNED";
            }
            default -> {
                if (first.isEmpty()) {
                    return c.peek().text().toUpperCase(Locale.ROOT);
                }
                // Also DuckDB's USE, PRAGMA, INSTALL, ATTACH, DETACH, DESCRIBE, SUMMARIZE, EXPORT, …
                return first;
            }
        }
    }

    /**
     * {@code WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (…) [SEARCH …] [CYCLE …], …} followed by the
     * main statement, whose tag is the tag.
     */
    private static String withTag(Cursor c) {
        c.skip(1);
        if (c.peekKeyword().equals("RECURSIVE")) {
            c.skip(1);
        }
        while (!c.atEnd()) {
            c.skip(1); // the query name
            if (c.peek().kind() == Kind.LEFT_PAREN) {
                c.skipParenGroup();
            }
            if (!c.peekKeyword().equals("AS")) {
                return "SELECT"; // not a WITH query we understand; the database will tell
            }
            c.skip(1);
            if (c.peekKeyword().equals("NOT")) {
                c.skip(1);
            }
            if (c.peekKeyword().equals("MATERIALIZED")) {
                c.skip(1);
            }
            c.skipParenGroup();
            // SEARCH … SET column and CYCLE … USING column: skip to their last word.
            if (c.peekKeyword().equals("SEARCH")) {
                c.skipPastWord("SET");
                c.skip(1);
            }
            if (c.peekKeyword().equals("CYCLE")) {
                c.skipPastWord("USING");
                c.skip(1);
            }
            if (!c.skipComma()) {
                break;
            }
        }
        if (c.atEnd()) {
            return "SELECT";
        }
        return tagStem(c);
    }

    private static String createTag(Cursor c) {
        c.skip(1);
        if (c.peekKeyword().equals("OR") && c.peekKeyword(1).equals("REPLACE")) {
            c.skip(2);
        }
        if (c.peekKeyword().equals("DEFAULT") && c.peekKeyword(1).equals("CONVERSION")) {
            c.skip(1);
        }
        String type = objectType(c);
        boolean withNoData = c.endsWithWords("WITH", "NO", "DATA");
        if (type.equals("TABLE") && c.containsWordAtTopLevel("AS")) {
            return withNoData ? "CREATE TABLE AS" : "SELECT";
        }
        if (type.equals("MATERIALIZED VIEW")) {
            return withNoData ? "CREATE MATERIALIZED VIEW" : "SELECT";
        }
        return type.isEmpty() ? "CREATE" : "CREATE " + type;
    }

    private static String objectTag(Cursor c, String verb) {
        if (verb.equals("ALTER") && (c.peekKeyword().equals("DEFAULT") || c.peekKeyword().equals("SYSTEM"))) {
            return c.peekKeyword().equals("SYSTEM") ? "ALTER SYSTEM" : "ALTER DEFAULT PRIVILEGES";
        }
        if (verb.equals("DROP") && c.peekKeyword().equals("OWNED")) {
            return "DROP OWNED";
        }
        String type = objectType(c);
        return type.isEmpty() ? verb : verb + " " + type;
    }

    /** The object type after CREATE/DROP/ALTER and their modifiers, as it appears in the tag. */
    private static String objectType(Cursor c) {
        while (OBJECT_MODIFIERS.contains(c.peekKeyword())) {
            c.skip(1);
        }
        String word = c.peekKeyword();
        String next = c.peekKeyword(1);
        int words = switch (word) {
            case "MATERIALIZED", "EVENT", "ACCESS" -> 2;
            case "FOREIGN" -> next.equals("DATA") ? 3 : 2;
            case "TEXT" -> next.equals("SEARCH") ? 3 : 1;
            case "USER" -> next.equals("MAPPING") ? 2 : 1;
            case "OPERATOR" -> next.equals("CLASS") || next.equals("FAMILY") ? 2 : 1;
            case "LARGE" -> 2;
            default -> 1;
        };
        if (words == 1 && (word.equals("USER") || word.equals("GROUP"))) {
            c.skip(1);
            return "ROLE"; // CREATE USER and CREATE GROUP are CREATE ROLE to PostgreSQL
        }
        List<String> type = new ArrayList<>(words);
        for (int i = 0; i < words && !c.peekKeyword().isEmpty(); i++) {
            type.add(c.peekKeyword());
            c.skip(1);
        }
        return String.join(" ", type);
    }

    // ---- token cursor -------------------------------------------------------------------------------------------

    /** Walks the significant tokens of one statement, ignoring a trailing semicolon. */
    private static final class Cursor {
        private static final SqlToken END = new SqlToken(Kind.PUNCTUATION, "", 0);
        private final String text;
        private final List<SqlToken> tokens;
        private int index;

        Cursor(String text) {
            this.text = text;
            List<SqlToken> all = SqlLexer.significantTokens(text);
            int size = all.size();
            while (size > 0 && all.get(size - 1).kind() == Kind.SEMICOLON) {
                size--;
            }
            this.tokens = all.subList(0, size);
        }

        Cursor restart() {
            index = 0;
            return this;
        }

        boolean atEnd() {
            return index >= tokens.size();
        }

        int remaining() {
            return tokens.size() - index;
        }

        SqlToken peek() {
            return peek(0);
        }

        SqlToken peek(int ahead) {
            int i = index + ahead;
            return i < tokens.size() ? tokens.get(i) : END;
        }

        /** The upper-cased word {@code ahead} tokens on, or "" when that token is not an unquoted word. */
        String peekKeyword(int ahead) {
            SqlToken token = peek(ahead);
            return token.kind() == Kind.WORD ? token.keyword() : "";
        }

        String peekKeyword() {
            return peekKeyword(0);
        }

        Cursor skip(int count) {
            index = Math.min(tokens.size(), index + count);
            return this;
        }

        boolean skipComma() {
            if (peek().kind() == Kind.PUNCTUATION && peek().text().equals(",")) {
                index++;
                return true;
            }
            return false;
        }

        /** Skips a parenthesised group (the cursor on its opening parenthesis) including nested ones. */
        void skipParenGroup() {
            if (peek().kind() != Kind.LEFT_PAREN) {
                return;
            }
            int depth = 0;
            while (!atEnd()) {
                Kind kind = tokens.get(index++).kind();
                if (kind == Kind.LEFT_PAREN) {
                    depth++;
                } else if (kind == Kind.RIGHT_PAREN && --depth == 0) {
                    return;
                }
            }
        }

        /** Moves just past the next top-level occurrence of {@code word}, or to the end. */
        void skipPastWord(String word) {
            while (!atEnd()) {
                if (peek().kind() == Kind.LEFT_PAREN) {
                    skipParenGroup();
                } else if (tokens.get(index++).isWord(word)) {
                    return;
                }
            }
        }

        boolean containsWordAtTopLevel(String word) {
            int depth = 0;
            for (int i = index; i < tokens.size(); i++) {
                SqlToken token = tokens.get(i);
                if (token.kind() == Kind.LEFT_PAREN) {
                    depth++;
                } else if (token.kind() == Kind.RIGHT_PAREN) {
                    depth--;
                } else if (depth == 0 && token.isWord(word)) {
                    return true;
                }
            }
            return false;
        }

        boolean endsWithWords(String... words) {
            if (tokens.size() < words.length) {
                return false;
            }
            for (int i = 0; i < words.length; i++) {
                if (!tokens.get(tokens.size() - words.length + i).isWord(words[i])) {
                    return false;
                }
            }
            return true;
        }

        void expectWord(String word) {
            if (!peek().isWord(word)) {
                throw syntaxError();
            }
            index++;
        }

        /** An identifier (unquoted word or quoted identifier). */
        SqlToken expectName() {
            if (!peek().isIdentifier()) {
                throw syntaxError();
            }
            return tokens.get(index++);
        }

        void expectEnd() {
            if (!atEnd()) {
                throw syntaxError();
            }
        }

        /** PostgreSQL's syntax error at the current token, with its 1-based position. */
        PgException syntaxError() {
            if (atEnd()) {
                return new PgException(SqlState.SYNTAX_ERROR, "syntax error at end of input")
                        .withPosition(text.length() + 1);
            }
            SqlToken token = peek();
            return new PgException(SqlState.SYNTAX_ERROR, "syntax error at or near \"" + token.text() + "\"")
                    .withPosition(token.offset() + 1);
        }
    }
}
