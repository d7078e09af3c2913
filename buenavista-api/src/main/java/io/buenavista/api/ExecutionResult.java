package io.buenavista.api;

/** What executing a statement produced. */
public sealed interface ExecutionResult permits ExecutionResult.Rows, ExecutionResult.Command {

    /** A result set, streamed by pulling from the cursor. The core closes the cursor. */
    record Rows(RowCursor cursor) implements ExecutionResult {
        public Rows {
            java.util.Objects.requireNonNull(cursor, "cursor");
        }
    }

    /**
     * A statement without rows.
     *
     * @param tag      the command tag to send, or null to let the core derive it from the statement's leading
     *                 keywords and {@code rowCount} (e.g. {@code INSERT 0 3}, {@code CREATE TABLE})
     * @param rowCount the rows affected, or -1 when not applicable
     */
    record Command(String tag, long rowCount) implements ExecutionResult {
        /** A command whose tag the core derives, with the number of rows it affected (-1 if none). */
        public static Command of(long rowCount) {
            return new Command(null, rowCount);
        }
    }
}
