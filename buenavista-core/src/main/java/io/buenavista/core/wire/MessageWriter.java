package io.buenavista.core.wire;

import io.buenavista.api.Column;
import io.buenavista.api.PgException;
import io.buenavista.core.types.ByteArraySink;
import io.buenavista.core.types.ByteSink;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Writes backend messages into one reusable buffer and sends it when asked ({@link #flush()}) or when it passes
 * its flush threshold between messages. Values of a {@code DataRow} are encoded straight into the buffer (see
 * {@link #beginValue()}); lengths are patched in place, so no row is ever built as an object.
 *
 * <p>Not thread-safe: one connection thread owns it.
 */
public final class MessageWriter {
    private static final int FLUSH_THRESHOLD = 32 * 1024;
    private static final int INITIAL_CAPACITY = FLUSH_THRESHOLD + 8 * 1024;
    /** A buffer grown past this for one huge value is given back after it was sent. */
    private static final int RETAINED_CAPACITY = 1024 * 1024;

    private final OutputStream out;
    /** Starts small, as a connection may never get past its startup; grows with the first results. */
    private final ByteArraySink buf = new ByteArraySink(1024);
    private int messageStart = -1;
    private int valueStart = -1;

    public MessageWriter(OutputStream out) {
        this.out = out;
    }

    // ---- message framing ----

    private void begin(char type) {
        messageStart = buf.size();
        buf.writeByte(type);
        buf.writeInt(0); // the length, set by end()
    }

    private void end() throws IOException {
        buf.setInt(messageStart + 1, buf.size() - messageStart - 1);
        messageStart = -1;
        if (buf.size() >= FLUSH_THRESHOLD) {
            flush();
        }
    }

    /** Sends everything buffered. */
    public void flush() throws IOException {
        if (buf.size() > 0) {
            out.write(buf.buffer(), 0, buf.size());
            buf.reset(RETAINED_CAPACITY, INITIAL_CAPACITY);
        }
        out.flush();
    }

    /** The number of bytes waiting to be sent (for tests and metrics). */
    public int buffered() {
        return buf.size();
    }

    // ---- startup and authentication ----

    public void authenticationOk() throws IOException {
        authentication(0);
        end();
    }

    public void authenticationCleartextPassword() throws IOException {
        authentication(3);
        end();
    }

    public void authenticationMd5Password(byte[] salt) throws IOException {
        authentication(5);
        writeBytes(salt);
        end();
    }

    /** AuthenticationSASL with the mechanisms offered. */
    public void authenticationSasl(List<String> mechanisms) throws IOException {
        authentication(10);
        for (String m : mechanisms) {
            cstring(m);
        }
        writeByte(0);
        end();
    }

    public void authenticationSaslContinue(byte[] data) throws IOException {
        authentication(11);
        writeBytes(data);
        end();
    }

    public void authenticationSaslFinal(byte[] data) throws IOException {
        authentication(12);
        writeBytes(data);
        end();
    }

    private void authentication(int code) {
        begin('R');
        writeInt(code);
    }

    public void parameterStatus(String name, String value) throws IOException {
        begin('S');
        cstring(name);
        cstring(value);
        end();
    }

    public void backendKeyData(int processId, int secretKey) throws IOException {
        begin('K');
        writeInt(processId);
        writeInt(secretKey);
        end();
    }

    /**
     * NegotiateProtocolVersion: the newest protocol version this server speaks (sent whole, major in the high 16
     * bits, as PostgreSQL sends {@code PG_PROTOCOL_LATEST}) and the {@code _pq_.} options it did not recognize.
     */
    public void negotiateProtocolVersion(int major, int minor, List<String> unsupportedOptions) throws IOException {
        begin('v');
        writeInt((major << 16) | minor);
        writeInt(unsupportedOptions.size());
        for (String o : unsupportedOptions) {
            cstring(o);
        }
        end();
    }

    /**
     * An error in the format of protocols 1 and 2 ({@code E} and a C string, no length), the only error such a client
     * can read; PostgreSQL refuses those protocols this way. Sent at once.
     */
    public void preV3ErrorResponse(String text) throws IOException {
        writeByte('E');
        cstring(text);
        flush();
    }

    /** The one-byte answer to SSLRequest or GSSENCRequest; not a framed message. */
    public void singleByte(char answer) throws IOException {
        buf.writeByte(answer);
        flush();
    }

    // ---- query results ----

    public void readyForQuery(char transactionStatus) throws IOException {
        begin('Z');
        writeByte(transactionStatus);
        end();
    }

    /**
     * RowDescription.
     *
     * @param formats the result format code per column (already expanded to one per column), or null for all text
     */
    public void rowDescription(List<Column> columns, short[] formats) throws IOException {
        begin('T');
        writeShort(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            cstring(c.name());
            writeInt(c.tableOid());
            writeShort(c.columnNumber());
            writeInt(c.type().oid());
            writeShort(c.type().length());
            writeInt(c.typeModifier());
            writeShort(formats == null ? 0 : formats[i]);
        }
        end();
    }

    public void noData() throws IOException {
        begin('n');
        end();
    }

    public void parameterDescription(int[] oids) throws IOException {
        begin('t');
        writeShort(oids.length);
        for (int oid : oids) {
            writeInt(oid);
        }
        end();
    }

    /** Starts a DataRow; follow with one {@link #nullValue()} or {@link #beginValue()}…{@link #endValue()} per column. */
    public void beginDataRow(int columns) {
        begin('D');
        writeShort(columns);
    }

    public void nullValue() {
        writeInt(-1);
    }

    /**
     * Starts a value of the current DataRow.
     *
     * @return where to encode the value; what is written there until {@link #endValue()} is its content
     */
    public ByteSink beginValue() {
        valueStart = buf.size();
        buf.writeInt(0); // the length, set by endValue()
        return buf;
    }

    public void endValue() {
        buf.setInt(valueStart, buf.size() - valueStart - 4);
        valueStart = -1;
    }

    public void endDataRow() throws IOException {
        end();
    }

    /**
     * Drops a message that was begun but not ended (a value failed to encode mid-row), so that an ErrorResponse can
     * follow a well-formed stream.
     */
    public void abandonMessage() {
        if (messageStart >= 0) {
            buf.truncate(messageStart);
            messageStart = -1;
            valueStart = -1;
        }
    }

    public void commandComplete(String tag) throws IOException {
        begin('C');
        cstring(tag);
        end();
    }

    public void emptyQueryResponse() throws IOException {
        begin('I');
        end();
    }

    public void parseComplete() throws IOException {
        begin('1');
        end();
    }

    public void bindComplete() throws IOException {
        begin('2');
        end();
    }

    public void closeComplete() throws IOException {
        begin('3');
        end();
    }

    /** CopyOutResponse: text format overall and for each of {@code columns} columns. */
    public void copyOutResponse(int columns) throws IOException {
        begin('H');
        writeByte(0);
        writeShort(columns);
        for (int i = 0; i < columns; i++) {
            writeShort(0);
        }
        end();
    }

    /** CopyData carrying {@code length} bytes of {@code data} from {@code offset}. */
    public void copyData(byte[] data, int offset, int length) throws IOException {
        begin('d');
        buf.writeBytes(data, offset, length);
        end();
    }

    public void copyDone() throws IOException {
        begin('c');
        end();
    }

    public void portalSuspended() throws IOException {
        begin('s');
        end();
    }

    /** ErrorResponse with S, V, C, M and D, H, P, R when known. */
    public void errorResponse(PgException e) throws IOException {
        fields('E', e);
    }

    /** NoticeResponse; same fields as an error. */
    public void noticeResponse(PgException notice) throws IOException {
        fields('N', notice);
    }

    private void fields(char type, PgException e) throws IOException {
        begin(type);
        String severity = e.severity().name();
        field('S', severity);
        field('V', severity);
        field('C', e.sqlState());
        field('M', e.message());
        if (e.detail() != null) {
            field('D', e.detail());
        }
        if (e.hint() != null) {
            field('H', e.hint());
        }
        if (e.position() > 0) {
            field('P', Integer.toString(e.position()));
        }
        if (e.routine() != null) {
            field('R', e.routine());
        }
        writeByte(0);
        end();
    }

    private void field(char code, String value) {
        writeByte(code);
        cstring(value);
    }

    private void cstring(String s) {
        writeUtf8(s);
        writeByte(0);
    }

    // ---- fields ----

    private void writeByte(int b) {
        buf.writeByte(b);
    }

    private void writeShort(int s) {
        buf.writeShort(s);
    }

    private void writeInt(int i) {
        buf.writeInt(i);
    }

    private void writeBytes(byte[] bytes) {
        buf.writeBytes(bytes);
    }

    private void writeUtf8(CharSequence text) {
        buf.writeUtf8(text);
    }
}
