package io.buenavista.core.sql;

import io.buenavista.api.TransactionOptions;
import java.util.List;
import java.util.Objects;

/**
 * What one SQL statement is, as far as the core needs to know: transaction control and {@code SET}/{@code RESET}/
 * {@code SHOW}, which the session handles itself, and for everything else the command tag PostgreSQL would send
 * in {@code CommandComplete}. Produced by {@link StatementClassifier}.
 */
public sealed interface Statement {

    /**
     * The command tag without a row count, e.g. {@code INSERT}, {@code CREATE TABLE}, {@code SELECT} (also for
     * {@code VALUES}, {@code TABLE}, {@code SELECT INTO} and {@code CREATE TABLE AS}).
     */
    String tagStem();

    /** The full command tag for {@code rows} affected or returned rows, e.g. {@code INSERT 0 3}. */
    default String commandTag(long rows) {
        return commandTag(tagStem(), rows);
    }

    /**
     * The full command tag for a stem and a row count: {@code INSERT 0 n}; {@code SELECT n}, {@code UPDATE n},
     * {@code DELETE n}, {@code MERGE n}, {@code FETCH n}, {@code MOVE n}, {@code COPY n}; other stems unchanged.
     */
    static String commandTag(String tagStem, long rows) {
        return switch (tagStem) {
            case "INSERT" -> "INSERT 0 " + rows;
            case "SELECT", "UPDATE", "DELETE", "MERGE", "FETCH", "MOVE", "COPY" -> tagStem + " " + rows;
            default -> tagStem;
        };
    }

    /**
     * Transaction characteristics as written in {@code BEGIN}, {@code START TRANSACTION} or {@code SET TRANSACTION};
     * each is null when not given.
     *
     * @param isolationLevel {@code SERIALIZABLE}, {@code REPEATABLE READ}, {@code READ COMMITTED} or
     *                       {@code READ UNCOMMITTED}
     * @param readOnly       true for {@code READ ONLY}, false for {@code READ WRITE}
     * @param deferrable     true for {@code DEFERRABLE}, false for {@code NOT DEFERRABLE}
     */
    record TransactionModes(String isolationLevel, Boolean readOnly, Boolean deferrable) {
        public static final TransactionModes NONE = new TransactionModes(null, null, null);

        /** The API's view of these modes; unspecified access mode means read-write. */
        public TransactionOptions toTransactionOptions() {
            return new TransactionOptions(Boolean.TRUE.equals(readOnly), isolationLevel);
        }
    }

    /** {@code BEGIN [WORK|TRANSACTION] [modes]} or {@code START TRANSACTION [modes]}. */
    record Begin(String tagStem, TransactionModes modes) implements Statement {
        public Begin {
            Objects.requireNonNull(tagStem, "tagStem");
            Objects.requireNonNull(modes, "modes");
        }
    }

    /** {@code COMMIT} or {@code END} [{@code WORK|TRANSACTION}] [{@code AND [NO] CHAIN}]. */
    record Commit(boolean chain) implements Statement {
        @Override
        public String tagStem() {
            return "COMMIT";
        }
    }

    /** {@code ROLLBACK} or {@code ABORT} [{@code WORK|TRANSACTION}] [{@code AND [NO] CHAIN}]. */
    record Rollback(boolean chain) implements Statement {
        @Override
        public String tagStem() {
            return "ROLLBACK";
        }
    }

    /** {@code SAVEPOINT name}; the name folded as an identifier. */
    record Savepoint(String name) implements Statement {
        @Override
        public String tagStem() {
            return "SAVEPOINT";
        }
    }

    /** {@code RELEASE [SAVEPOINT] name}. */
    record ReleaseSavepoint(String name) implements Statement {
        @Override
        public String tagStem() {
            return "RELEASE";
        }
    }

    /** {@code ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name}. */
    record RollbackToSavepoint(String name) implements Statement {
        @Override
        public String tagStem() {
            return "ROLLBACK";
        }
    }

    /**
     * {@code SET TRANSACTION modes} (for the current transaction) or {@code SET SESSION CHARACTERISTICS AS
     * TRANSACTION modes} ({@code sessionDefault}, the defaults for later transactions).
     */
    record SetTransaction(boolean sessionDefault, TransactionModes modes) implements Statement {
        @Override
        public String tagStem() {
            return "SET";
        }
    }

    /**
     * {@code SET [SESSION|LOCAL] name {TO|=} value[, …]} and its special forms ({@code SET TIME ZONE} sets
     * {@code timezone}, {@code SET NAMES} sets {@code client_encoding}, {@code SET SCHEMA} sets
     * {@code search_path}, {@code SET ROLE} sets {@code role}, {@code SET SESSION AUTHORIZATION} sets
     * {@code session_authorization}, {@code SET XML OPTION} sets {@code xmloption}).
     *
     * @param local     whether {@code SET LOCAL} (until the end of the transaction)
     * @param name      the setting's name, folded to lower case unless quoted; may be dotted ({@code app.key})
     * @param values    the values, unquoted: strings without quotes, unquoted words folded to lower case, numbers
     *                  as written (with their sign); empty when {@code toDefault}
     * @param toDefault whether the value is {@code DEFAULT} (or {@code LOCAL} for {@code SET TIME ZONE})
     */
    record SetVariable(boolean local, String name, List<String> values, boolean toDefault) implements Statement {
        public SetVariable {
            Objects.requireNonNull(name, "name");
            values = List.copyOf(values);
        }

        /** The values joined as PostgreSQL flattens a list setting: {@code a, b}. */
        public String valueText() {
            return String.join(", ", values);
        }

        @Override
        public String tagStem() {
            return "SET";
        }
    }

    /** {@code RESET name}, {@code RESET TIME ZONE} ({@code timezone}), or {@code RESET ALL} (name {@code all}). */
    record ResetVariable(String name) implements Statement {
        public ResetVariable {
            Objects.requireNonNull(name, "name");
        }

        public boolean isAll() {
            return name.equals("all");
        }

        @Override
        public String tagStem() {
            return "RESET";
        }
    }

    /**
     * {@code SHOW name}, {@code SHOW TIME ZONE} ({@code timezone}), {@code SHOW TRANSACTION ISOLATION LEVEL}
     * ({@code transaction_isolation}), {@code SHOW SESSION AUTHORIZATION} ({@code session_authorization}) or
     * {@code SHOW ALL} (name {@code all}). A name the core does not know may be a statement of another database,
     * such as DuckDB's {@code SHOW TABLES}.
     */
    record ShowVariable(String name) implements Statement {
        public ShowVariable {
            Objects.requireNonNull(name, "name");
        }

        public boolean isAll() {
            return name.equals("all");
        }

        @Override
        public String tagStem() {
            return "SHOW";
        }
    }

    /**
     * {@code SELECT [pg_catalog.]set_config(name, value, is_local)} as a statement of its own: PostgreSQL's function
     * form of {@code SET} (pg_dump, PostgREST and connection pools send it), which the core runs like a SET so that
     * {@code SHOW} and {@code current_setting} agree with it. Each argument is a constant or a parameter; any other
     * use of {@code set_config} is an {@link Other}.
     */
    record SetConfig(SetConfigArgument name, SetConfigArgument value, SetConfigArgument isLocal)
            implements Statement {
        public SetConfig {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(isLocal, "isLocal");
        }

        @Override
        public String tagStem() {
            return "SELECT";
        }
    }

    /**
     * An argument of {@link SetConfig}: a parameter's number ({@code $n}), or else a constant's text (null for
     * {@code NULL}).
     */
    record SetConfigArgument(int parameter, String constant) {
        public boolean isParameter() {
            return parameter > 0;
        }
    }

    /**
     * {@code DECLARE name [BINARY] [ASENSITIVE|INSENSITIVE] [[NO] SCROLL] CURSOR [WITH|WITHOUT HOLD] FOR query}.
     *
     * @param name        the cursor's name, folded as an identifier
     * @param binary      whether {@code BINARY}: rows are fetched in binary format by the simple protocol
     * @param scroll      whether {@code SCROLL} was written
     * @param hold        whether {@code WITH HOLD} was written
     * @param queryOffset where the query starts in the statement's text
     */
    record DeclareCursor(String name, boolean binary, boolean scroll, boolean hold, int queryOffset)
            implements Statement {
        public DeclareCursor {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String tagStem() {
            return "DECLARE CURSOR";
        }
    }

    /** The direction of a {@link Fetch}, normalized as PostgreSQL does (a negative count flips FORWARD). */
    enum FetchDirection { FORWARD, BACKWARD, ABSOLUTE, RELATIVE }

    /** The count of {@code FETCH ALL}. */
    long FETCH_ALL = Long.MAX_VALUE;

    /**
     * {@code FETCH|MOVE [direction] [FROM|IN] cursor}: {@code NEXT} is FORWARD 1, {@code PRIOR} BACKWARD 1,
     * {@code FIRST} ABSOLUTE 1, {@code LAST} ABSOLUTE -1, {@code ALL} FORWARD {@link #FETCH_ALL}, a bare count
     * FORWARD count.
     *
     * @param move  whether {@code MOVE}, which positions the cursor without returning rows
     * @param count the row count or position; never negative for FORWARD and BACKWARD
     */
    record Fetch(boolean move, FetchDirection direction, long count, String cursor) implements Statement {
        public Fetch {
            Objects.requireNonNull(direction, "direction");
            Objects.requireNonNull(cursor, "cursor");
        }

        @Override
        public String tagStem() {
            return move ? "MOVE" : "FETCH";
        }
    }

    /** {@code CLOSE name} or {@code CLOSE ALL} (name null). */
    record CloseCursor(String name) implements Statement {
        @Override
        public String tagStem() {
            return name == null ? "CLOSE CURSOR ALL" : "CLOSE CURSOR";
        }
    }

    /**
     * {@code PREPARE name [(type, …)] AS statement}.
     *
     * @param parameterTypes the declared types as written, e.g. {@code integer}, {@code character varying(10)}
     * @param statementOffset where the statement starts in the text
     */
    record PrepareStatement(String name, List<String> parameterTypes, int statementOffset) implements Statement {
        public PrepareStatement {
            Objects.requireNonNull(name, "name");
            parameterTypes = List.copyOf(parameterTypes);
        }

        @Override
        public String tagStem() {
            return "PREPARE";
        }
    }

    /**
     * One argument of {@code EXECUTE}: a constant's text (null for {@code NULL}) and the type it is cast to, if any.
     */
    record ExecuteArgument(String text, String castType) {}

    /** {@code EXECUTE name [(constant, …)]}; PostgreSQL's tag is the prepared statement's tag. */
    record ExecuteStatement(String name, List<ExecuteArgument> arguments) implements Statement {
        public ExecuteStatement {
            Objects.requireNonNull(name, "name");
            arguments = List.copyOf(arguments);
        }

        @Override
        public String tagStem() {
            return "EXECUTE";
        }
    }

    /** {@code DEALLOCATE [PREPARE] name} or {@code DEALLOCATE [PREPARE] ALL} (name null). */
    record Deallocate(String name) implements Statement {
        @Override
        public String tagStem() {
            return name == null ? "DEALLOCATE ALL" : "DEALLOCATE";
        }
    }

    /**
     * {@code COPY (query) TO STDOUT [options]} or {@code COPY table [(columns)] TO STDOUT [options]}, the latter
     * turned into {@code SELECT columns FROM table}. Other forms of COPY are {@link Other}.
     *
     * @param query       the query whose rows are copied
     * @param queryOffset where {@code query} starts in the statement's text, or -1 when it was built from a table
     * @param csv         whether {@code FORMAT csv} (else text)
     * @param header      whether a header line with the column names comes first
     * @param delimiter   the column delimiter: tab for text, comma for CSV unless given
     * @param nullString  how NULL is written: {@code \N} for text, empty for CSV unless given
     */
    record CopyTo(String query, int queryOffset, boolean csv, boolean header, String delimiter, String nullString)
            implements Statement {
        public CopyTo {
            Objects.requireNonNull(query, "query");
            Objects.requireNonNull(delimiter, "delimiter");
            Objects.requireNonNull(nullString, "nullString");
        }

        @Override
        public String tagStem() {
            return "COPY";
        }
    }

    /**
     * Any other statement, including {@code SET}, {@code RESET} and {@code SHOW} forms that are not PostgreSQL
     * settings (such as DuckDB's {@code SET GLOBAL x = 1} or {@code SHOW ALL TABLES}), left to the handler.
     *
     * <p>For {@code EXECUTE} the stem is {@code EXECUTE}, but PostgreSQL reports the tag of the prepared statement.
     */
    record Other(String tagStem) implements Statement {
        public Other {
            Objects.requireNonNull(tagStem, "tagStem");
        }
    }
}
