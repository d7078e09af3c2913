package io.buenavista.core.wire;

/**
 * The messages a client sends after startup, one record per message type of the protocol ("Message Formats").
 * {@link FrameReader} decodes them; {@code Session} handles each in a method of its own.
 */
public sealed interface FrontendMessage {

    /** {@code Q}: a simple query, possibly several statements. */
    record Query(String sql) implements FrontendMessage {}

    /** {@code P}: prepare {@code sql} as statement {@code name} ("" = unnamed); OID 0 leaves a type unspecified. */
    record Parse(String name, String sql, int[] parameterTypes) implements FrontendMessage {}

    /**
     * {@code B}: bind a statement's parameters into a portal. {@code values[i]} is null for SQL NULL; the format code
     * arrays are as sent (0, 1 or n entries).
     */
    record Bind(String portal, String statement, short[] parameterFormats, byte[][] values, short[] resultFormats)
            implements FrontendMessage {}

    /** {@code D}: describe a statement ({@code 'S'}) or portal ({@code 'P'}). */
    record Describe(char kind, String name) implements FrontendMessage {}

    /** {@code E}: run a portal, at most {@code maxRows} rows (0 = all). */
    record Execute(String portal, int maxRows) implements FrontendMessage {}

    /** {@code C}: close a statement ({@code 'S'}) or portal ({@code 'P'}). */
    record Close(char kind, String name) implements FrontendMessage {}

    /** {@code S}: end of an extended-query batch. */
    record Sync() implements FrontendMessage {}

    /** {@code H}: send what is buffered. */
    record Flush() implements FrontendMessage {}

    /** {@code X}: the client is leaving. */
    record Terminate() implements FrontendMessage {}

    /**
     * {@code p}: a password, SASLInitialResponse or SASLResponse; which one depends on the exchange in progress, so
     * the body stays raw. It never appears in logs.
     */
    record PasswordMessage(byte[] body) implements FrontendMessage {
        @Override
        public String toString() {
            return "PasswordMessage[redacted]";
        }
    }

    /** {@code F}: the legacy fast-path function call. */
    record FunctionCall(byte[] body) implements FrontendMessage {}

    /** {@code d}: COPY data. */
    record CopyData(byte[] data) implements FrontendMessage {}

    /** {@code c}: end of COPY data. */
    record CopyDone() implements FrontendMessage {}

    /** {@code f}: the client aborts a COPY. */
    record CopyFail(String message) implements FrontendMessage {}

    /**
     * A well-framed message of type {@code type} whose body could not be decoded (a short body, a string that is
     * not UTF-8): the error to answer it with.
     */
    record Malformed(char type, io.buenavista.api.PgException error) implements FrontendMessage {}
}
