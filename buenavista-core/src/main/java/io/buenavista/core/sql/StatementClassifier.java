package io.buenavista.core.sql;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.sql.SqlToken.Kind;
import io.buenavista.core.sql.Statement.Begin;
import io.buenavista.core.sql.Statement.CloseCursor;
import io.buenavista.core.sql.Statement.CopyTo;
import io.buenavista.core.sql.Statement.Deallocate;
import io.buenavista.core.sql.Statement.DeclareCursor;
import io.buenavista.core.sql.Statement.ExecuteArgument;
import io.buenavista.core.sql.Statement.ExecuteStatement;
import io.buenavista.core.sql.Statement.Fetch;
import io.buenavista.core.sql.Statement.FetchDirection;
import io.buenavista.core.sql.Statement.PrepareStatement;
import io.buenavista.core.sql.Statement.Commit;
import io.buenavista.core.sql.Statement.Other;
import io.buenavista.core.sql.Statement.ReleaseSavepoint;
import io.buenavista.core.sql.Statement.ResetVariable;
import io.buenavista.core.sql.Statement.Rollback;
import io.buenavista.core.sql.Statement.RollbackToSavepoint;
import io.buenavista.core.sql.Statement.Savepoint;
import io.buenavista.core.sql.Statement.SetConfig;
import io.buenavista.core.sql.Statement.SetConfigArgument;
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
            case "SELECT" -> selectSetConfig(c);
            case "DECLARE" -> declare(c);
            case "FETCH", "MOVE" -> fetch(c);
            case "CLOSE" -> closeCursor(c);
            case "PREPARE" -> c.peekKeyword(1).equals("TRANSACTION") ? new Other("PREPARE TRANSACTION") : prepare(c);
            case "EXECUTE" -> execute(c);
            case "DEALLOCATE" -> deallocate(c);
            case "COPY" -> copy(c);
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

    /** A {@link SetConfig}, or for any other SELECT an {@link Other}. */
    private static Statement selectSetConfig(Cursor c) {
        c.skip(1);
        if (c.peekKeyword().equals("PG_CATALOG") && c.peek(1).text().equals(".")) {
            c.skip(2);
        }
        List<SetConfigArgument> arguments = new ArrayList<>(3);
        if (c.peekKeyword().equals("SET_CONFIG") && c.peek(1).kind() == Kind.LEFT_PAREN) {
            c.skip(2);
            for (SetConfigArgument a; (a = setConfigArgument(c.peek())) != null; ) {
                arguments.add(a);
                c.skip(1);
                if (c.peek().kind() == Kind.RIGHT_PAREN && c.remaining() == 1 && arguments.size() == 3) {
                    return new SetConfig(arguments.get(0), arguments.get(1), arguments.get(2));
                }
                if (!c.skipComma()) {
                    break;
                }
            }
        }
        return new Other(tagStem(c.restart()));
    }

    /** A constant or parameter argument of set_config; null for anything else (an expression). */
    private static SetConfigArgument setConfigArgument(SqlToken t) {
        return switch (t.kind()) {
            case PARAMETER -> t.value().length() <= 5 && Integer.parseInt(t.value()) > 0
                    ? new SetConfigArgument(Integer.parseInt(t.value()), null) : null;
            case STRING, DOLLAR_STRING -> t.text().startsWith("'") || t.text().startsWith("$")
                    || Character.toUpperCase(t.text().charAt(0)) == 'E' ? new SetConfigArgument(0, t.value()) : null;
            case WORD -> switch (t.keyword()) {
                case "NULL" -> new SetConfigArgument(0, null);
                case "TRUE", "FALSE" -> new SetConfigArgument(0, t.value());
                default -> null;
            };
            default -> null;
        };
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

    // ---- cursors, prepared statements, COPY ---------------------------------------------------------------------

    /** {@code DECLARE name [options] CURSOR [WITH|WITHOUT HOLD] FOR query}. */
    private static Statement declare(Cursor c) {
        String name = c.skip(1).expectName().value();
        boolean binary = false;
        boolean scroll = false;
        while (true) {
            String word = c.peekKeyword();
            if (word.equals("BINARY")) {
                binary = true;
            } else if (word.equals("SCROLL")) {
                scroll = true;
            } else if (word.equals("NO") && c.peekKeyword(1).equals("SCROLL")) {
                c.skip(1);
            } else if (!word.equals("INSENSITIVE") && !word.equals("ASENSITIVE")) {
                break;
            }
            c.skip(1);
        }
        c.expectWord("CURSOR");
        boolean hold = false;
        if (c.peekKeyword().equals("WITH") || c.peekKeyword().equals("WITHOUT")) {
            hold = c.peekKeyword().equals("WITH");
            c.skip(1).expectWord("HOLD");
        }
        c.expectWord("FOR");
        if (c.atEnd()) {
            throw c.syntaxError();
        }
        return new DeclareCursor(name, binary, scroll, hold, c.peek().offset());
    }

    /** {@code FETCH|MOVE [direction] [FROM|IN] cursor}. */
    private static Statement fetch(Cursor c) {
        boolean move = c.peekKeyword().equals("MOVE");
        c.skip(1);
        FetchDirection direction = FetchDirection.FORWARD;
        long count = 1;
        switch (c.peekKeyword()) {
            case "NEXT" -> c.skip(1);
            case "PRIOR" -> {
                c.skip(1);
                direction = FetchDirection.BACKWARD;
            }
            case "FIRST" -> {
                c.skip(1);
                direction = FetchDirection.ABSOLUTE;
            }
            case "LAST" -> {
                c.skip(1);
                direction = FetchDirection.ABSOLUTE;
                count = -1;
            }
            case "ABSOLUTE", "RELATIVE" -> {
                direction = c.peekKeyword().equals("ABSOLUTE") ? FetchDirection.ABSOLUTE : FetchDirection.RELATIVE;
                count = c.skip(1).expectSignedInteger();
            }
            case "ALL" -> {
                c.skip(1);
                count = Statement.FETCH_ALL;
            }
            case "FORWARD", "BACKWARD" -> {
                direction = c.peekKeyword().equals("FORWARD") ? FetchDirection.FORWARD : FetchDirection.BACKWARD;
                c.skip(1);
                if (c.peekKeyword().equals("ALL")) {
                    c.skip(1);
                    count = Statement.FETCH_ALL;
                } else if (c.atSignedInteger()) {
                    count = c.expectSignedInteger();
                }
            }
            default -> {
                if (c.atSignedInteger()) {
                    count = c.expectSignedInteger();
                }
            }
        }
        if (count < 0 && (direction == FetchDirection.FORWARD || direction == FetchDirection.BACKWARD)) {
            direction = direction == FetchDirection.FORWARD ? FetchDirection.BACKWARD : FetchDirection.FORWARD;
            count = -count;
        }
        if (c.peekKeyword().equals("FROM") || c.peekKeyword().equals("IN")) {
            c.skip(1);
        }
        String cursor = c.expectName().value();
        c.expectEnd();
        return new Fetch(move, direction, count, cursor);
    }

    private static Statement closeCursor(Cursor c) {
        c.skip(1);
        if (c.peekKeyword().equals("ALL") && c.remaining() == 1) {
            return new CloseCursor(null);
        }
        String name = c.expectName().value();
        c.expectEnd();
        return new CloseCursor(name);
    }

    /** {@code PREPARE name [(type, …)] AS statement}. */
    private static Statement prepare(Cursor c) {
        String name = c.skip(1).expectName().value();
        List<String> types = new ArrayList<>();
        if (c.peek().kind() == Kind.LEFT_PAREN) {
            c.skip(1);
            do {
                types.add(c.textUntilCommaOrParen());
            } while (c.skipComma());
            c.expect(Kind.RIGHT_PAREN);
        }
        c.expectWord("AS");
        if (c.atEnd()) {
            throw c.syntaxError();
        }
        return new PrepareStatement(name, types, c.peek().offset());
    }

    /** {@code EXECUTE name [(constant, …)]}. */
    private static Statement execute(Cursor c) {
        String name = c.skip(1).expectName().value();
        List<ExecuteArgument> arguments = new ArrayList<>();
        if (c.peek().kind() == Kind.LEFT_PAREN) {
            c.skip(1);
            do {
                arguments.add(executeArgument(c));
            } while (c.skipComma());
            c.expect(Kind.RIGHT_PAREN);
        }
        c.expectEnd();
        return new ExecuteStatement(name, arguments);
    }

    /** A constant, optionally cast with {@code ::type} or {@code CAST(constant AS type)}; else 0A000. */
    private static ExecuteArgument executeArgument(Cursor c) {
        if (c.peekKeyword().equals("CAST") && c.peek(1).kind() == Kind.LEFT_PAREN) {
            c.skip(2);
            String text = constant(c);
            c.expectWord("AS");
            String type = c.textUntilCommaOrParen();
            c.expect(Kind.RIGHT_PAREN);
            return new ExecuteArgument(text, type);
        }
        String text = constant(c);
        String type = null;
        if (c.peek().kind() == Kind.PUNCTUATION && c.peek().text().equals(":")
                && c.peek(1).kind() == Kind.PUNCTUATION && c.peek(1).text().equals(":")) {
            c.skip(2);
            type = c.textUntilCommaOrParen();
        }
        if (c.peek().kind() != Kind.RIGHT_PAREN && !(c.peek().kind() == Kind.PUNCTUATION
                && c.peek().text().equals(","))) {
            throw notConstant(c);
        }
        return new ExecuteArgument(text, type);
    }

    /** A string, number, boolean or NULL constant's text (null for NULL). */
    private static String constant(Cursor c) {
        SqlToken token = c.peek();
        if (token.kind() == Kind.OPERATOR && (token.text().equals("-") || token.text().equals("+"))
                && c.peek(1).kind() == Kind.NUMBER) {
            c.skip(2);
            return (token.text().equals("-") ? "-" : "") + c.peek(-1).text();
        }
        switch (token.kind()) {
            case STRING, DOLLAR_STRING, NUMBER -> {
                c.skip(1);
                return token.value();
            }
            case WORD -> {
                String word = token.keyword();
                if (word.equals("NULL") || word.equals("TRUE") || word.equals("FALSE")) {
                    c.skip(1);
                    return word.equals("NULL") ? null : word.toLowerCase(Locale.ROOT);
                }
                throw notConstant(c);
            }
            default -> throw notConstant(c);
        }
    }

    private static PgException notConstant(Cursor c) {
        return new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                "only constants are supported as EXECUTE parameters").withPosition(c.position());
    }

    private static Statement deallocate(Cursor c) {
        c.skip(1);
        if (c.peekKeyword().equals("PREPARE")) {
            c.skip(1);
        }
        if (c.peekKeyword().equals("ALL") && c.remaining() == 1) {
            return new Deallocate(null);
        }
        String name = c.expectName().value();
        c.expectEnd();
        return new Deallocate(name);
    }

    /**
     * {@code COPY (query) TO STDOUT …} and {@code COPY table [(columns)] TO STDOUT …} with the options of the text
     * and CSV formats; any other COPY (FROM, to a file or program) is an {@link Other}.
     *
     * @throws PgException 42601 for malformed options, 0A000 for options other than FORMAT, HEADER, DELIMITER and
     *                     NULL, and for the binary format
     */
    private static Statement copy(Cursor c) {
        c.skip(1);
        String query;
        int queryOffset;
        if (c.peek().kind() == Kind.LEFT_PAREN) {
            int open = c.index;
            c.skipParenGroup();
            SqlToken close = c.peek(-1);
            if (close.kind() != Kind.RIGHT_PAREN || c.index - open < 3) {
                return new Other("COPY");
            }
            SqlToken first = c.tokens.get(open + 1);
            queryOffset = first.offset();
            query = c.text.substring(queryOffset, close.offset()).strip();
        } else {
            if (!c.peek().isIdentifier()) {
                return new Other("COPY");
            }
            int start = c.peek().offset();
            c.skip(1);
            while (c.peek().kind() == Kind.PUNCTUATION && c.peek().text().equals(".") && c.peek(1).isIdentifier()) {
                c.skip(2);
            }
            String table = c.text.substring(start, c.peek(-1).end());
            String columns = "*";
            if (c.peek().kind() == Kind.LEFT_PAREN) {
                int open = c.index;
                c.skipParenGroup();
                columns = c.text.substring(c.tokens.get(open + 1).offset(), c.peek(-1).offset()).strip();
            }
            query = "SELECT " + columns + " FROM " + table;
            queryOffset = -1;
        }
        if (!c.peekKeyword().equals("TO") || !c.peekKeyword(1).equals("STDOUT")) {
            refuseServerFiles(c.peekKeyword(), c.peek(1));
            return new Other("COPY");
        }
        c.skip(2);
        CopyOptions options = new CopyOptions();
        if (c.peekKeyword().equals("WITH")) {
            c.skip(1);
        }
        if (c.peek().kind() == Kind.LEFT_PAREN) {
            c.skip(1);
            do {
                copyOption(c, options);
            } while (c.skipComma());
            c.expect(Kind.RIGHT_PAREN);
        } else {
            while (!c.atEnd()) {
                oldCopyOption(c, options);
            }
        }
        c.expectEnd();
        String delimiter = options.delimiter != null ? options.delimiter : options.csv ? "," : "\t";
        String nullString = options.nullString != null ? options.nullString : options.csv ? "" : "\\N";
        if (delimiter.length() != 1) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "COPY delimiter must be a single one-byte character");
        }
        return new CopyTo(query, queryOffset, options.csv, options.header, delimiter, nullString);
    }

    /**
     * A COPY to or from a file or a program reads or writes the server's files: a session is never a superuser, so
     * it gets PostgreSQL's answer to a user without the pg_*_server_* roles (42501), before any handler sees it.
     */
    private static void refuseServerFiles(String direction, SqlToken target) {
        boolean to = direction.equals("TO");
        if (!to && !direction.equals("FROM")) {
            return;
        }
        String message;
        if (target.kind() == Kind.STRING) {
            message = to ? "must be superuser or have privileges of the pg_write_server_files role to COPY to a file"
                    : "must be superuser or have privileges of the pg_read_server_files role to COPY from a file";
        } else if (target.kind() == Kind.WORD && target.keyword().equals("PROGRAM")) {
            message = "must be superuser or have privileges of the pg_execute_server_program role to COPY to or from "
                    + "an external program";
        } else {
            return;
        }
        throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, message)
                .withHint("Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.");
    }

    /** The options of a COPY TO STDOUT as parsed so far. */
    private static final class CopyOptions {
        boolean csv;
        boolean header;
        String delimiter;
        String nullString;
    }

    /** One option of the parenthesised list: {@code FORMAT x}, {@code HEADER [bool]}, {@code DELIMITER 'c'}, … */
    private static void copyOption(Cursor c, CopyOptions options) {
        int position = c.position();
        String name = c.expectName().value().toLowerCase(Locale.ROOT);
        switch (name) {
            case "format" -> {
                String format = c.expectName().value().toLowerCase(Locale.ROOT);
                switch (format) {
                    case "csv" -> options.csv = true;
                    case "text" -> options.csv = false;
                    case "binary" -> throw unsupportedCopy("binary format", position);
                    default -> throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                            "COPY format \"" + format + "\" not recognized").withPosition(position);
                }
            }
            case "header" -> {
                if (c.peek().kind() == Kind.RIGHT_PAREN || c.peek().text().equals(",")) {
                    options.header = true;
                } else {
                    String value = c.peek().value().toLowerCase(Locale.ROOT);
                    c.skip(1);
                    if (Set.of("true", "on", "1").contains(value)) {
                        options.header = true;
                    } else if (Set.of("false", "off", "0").contains(value)) {
                        options.header = false;
                    } else {
                        throw unsupportedCopy("HEADER " + value, position);
                    }
                }
            }
            case "delimiter" -> options.delimiter = copyString(c);
            case "null" -> options.nullString = copyString(c);
            default -> throw unsupportedCopy("option \"" + name + "\"", position);
        }
    }

    /** The options of the syntax before PostgreSQL 9.0: {@code CSV}, {@code HEADER}, {@code DELIMITER [AS] 'c'}… */
    private static void oldCopyOption(Cursor c, CopyOptions options) {
        int position = c.position();
        String word = c.peekKeyword();
        c.skip(1);
        switch (word) {
            case "CSV" -> options.csv = true;
            case "HEADER" -> options.header = true;
            case "DELIMITER", "NULL" -> {
                if (c.peekKeyword().equals("AS")) {
                    c.skip(1);
                }
                if (word.equals("NULL")) {
                    options.nullString = copyString(c);
                } else {
                    options.delimiter = copyString(c);
                }
            }
            case "BINARY" -> throw unsupportedCopy("binary format", position);
            case "" -> throw c.skip(-1).syntaxError();
            default -> throw unsupportedCopy("option " + word, position);
        }
    }

    private static String copyString(Cursor c) {
        if (c.peek().kind() != Kind.STRING) {
            throw c.syntaxError();
        }
        String value = c.peek().value();
        c.skip(1);
        return value;
    }

    private static PgException unsupportedCopy(String what, int position) {
        return new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COPY " + what + " is not supported")
                .withPosition(position);
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
        // A loop, not a recursion, over WITH lists (however many the text repeats) up to the main statement.
        while (first.equals("WITH")) {
            if (!skipWithList(c)) {
                return "SELECT";
            }
            while (c.peek().kind() == Kind.LEFT_PAREN) {
                c.skip(1);
            }
            first = c.peekKeyword();
        }
        switch (first) {
            case "SELECT", "VALUES", "TABLE" -> {
                return "SELECT";
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
            case "DISCARD" -> {
                String what = c.peekKeyword(1);
                return what.isEmpty() ? "DISCARD" : "DISCARD " + (what.equals("TEMPORARY") ? "TEMP" : what);
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
     * Skips {@code WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (…) [SEARCH …] [CYCLE …], …}; false when
     * what follows it is no main statement (whose tag is the tag) or not a WITH list this understands.
     */
    private static boolean skipWithList(Cursor c) {
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
                return false; // not a WITH query we understand; the database will tell
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
        return !c.atEnd();
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
            return i >= 0 && i < tokens.size() ? tokens.get(i) : END;
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
            index = Math.max(0, Math.min(tokens.size(), index + count));
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

        /** Whether an integer, possibly signed, comes next. */
        boolean atSignedInteger() {
            SqlToken t = peek();
            if (t.kind() == Kind.OPERATOR && (t.text().equals("-") || t.text().equals("+"))) {
                t = peek(1);
            }
            return t.kind() == Kind.NUMBER && t.text().chars().allMatch(Character::isDigit);
        }

        long expectSignedInteger() {
            if (!atSignedInteger()) {
                throw syntaxError();
            }
            boolean negative = false;
            if (peek().kind() == Kind.OPERATOR) {
                negative = peek().text().equals("-");
                index++;
            }
            String digits = tokens.get(index).text();
            try {
                long v = Long.parseLong(digits);
                index++;
                return negative ? -v : v;
            } catch (NumberFormatException e) {
                throw syntaxError();
            }
        }

        void expect(Kind kind) {
            if (peek().kind() != kind) {
                throw syntaxError();
            }
            index++;
        }

        /** The text of the tokens up to the next top-level comma or closing parenthesis, e.g. a type name. */
        String textUntilCommaOrParen() {
            int start = index;
            int depth = 0;
            while (!atEnd()) {
                SqlToken t = peek();
                if (depth == 0 && (t.kind() == Kind.RIGHT_PAREN
                        || t.kind() == Kind.PUNCTUATION && t.text().equals(","))) {
                    break;
                }
                if (t.kind() == Kind.LEFT_PAREN) {
                    depth++;
                } else if (t.kind() == Kind.RIGHT_PAREN) {
                    depth--;
                }
                index++;
            }
            if (index == start) {
                throw syntaxError();
            }
            return text.substring(tokens.get(start).offset(), tokens.get(index - 1).end());
        }

        /** The 1-based position of the current token (or the end). */
        int position() {
            return atEnd() ? text.length() + 1 : peek().offset() + 1;
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
