package io.buenavista.core.wire;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads frames from a client. The type byte is validated before the length is trusted, and every length is checked
 * against {@link MessageLimits} before the body is read; a body's buffer then grows with the bytes that actually
 * arrive, never to the declared length up front. Framing errors are FATAL {@code 08P01}: after one, the
 * stream position is unknown and the connection must close. Errors inside a well-framed body are ordinary
 * errors.
 */
public final class FrameReader implements Lookahead {
    private static final int SSL_REQUEST_CODE = 80877103;
    private static final int GSSENC_REQUEST_CODE = 80877104;
    private static final int CANCEL_REQUEST_CODE = 80877102;

    /** The first byte of a TLS ClientHello: a client that starts TLS without asking first. */
    public static final int TLS_HANDSHAKE_BYTE = 0x16;

    /** The buffer a body is read into first; larger bodies grow from it as their bytes arrive. */
    private static final int FIRST_CHUNK = 8 * 1024;
    /** How far {@link #arrived} looks ahead: the few short messages that may follow a statement's Parse. */
    private static final int LOOKAHEAD_BYTES = 4 * 1024;

    private final DataInputStream in;
    private final MessageLimits limits;

    public FrameReader(InputStream in, MessageLimits limits) {
        this.in = new DataInputStream(in);
        this.limits = limits;
    }

    /**
     * Reads the first byte of a connection without consuming the packet's framing, to spot direct TLS.
     *
     * @return the byte, or -1 when the client closed without sending anything
     */
    public int peekFirstByte() throws IOException {
        in.mark(1);
        int b = in.read();
        in.reset();
        return b;
    }

    /**
     * Whether the next message has already arrived and is a Sync. Never blocks: a message still on its way counts as
     * "not known to be Sync". The stream must support mark/reset (a {@link java.io.BufferedInputStream}).
     */
    @Override
    public boolean nextIsSync() {
        try {
            if (in.available() < 1) {
                return false;
            }
            in.mark(1);
            int b = in.read();
            in.reset();
            return b == 'S';
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Looks at no more than the first {@value #LOOKAHEAD_BYTES} bytes that have arrived (taken from the socket
     * into the buffer if need be, never waiting); a message's limits are checked as by {@link #readMessage}, whose
     * errors stay its own. The stream must support mark/reset (a {@link java.io.BufferedInputStream}).
     */
    @Override
    public List<FrontendMessage> arrived(int maxMessages) {
        byte[] bytes;
        try {
            int n = Math.min(in.available(), LOOKAHEAD_BYTES);
            if (n < 5) {
                return List.of();
            }
            in.mark(n);
            try {
                bytes = in.readNBytes(n);
            } finally {
                in.reset();
            }
        } catch (IOException e) {
            return List.of();
        }
        ByteBuffer frames = ByteBuffer.wrap(bytes);
        List<FrontendMessage> messages = new ArrayList<>(maxMessages);
        while (messages.size() < maxMessages && frames.remaining() >= 5) {
            int type = frames.get() & 0xff;
            int length = frames.getInt();
            if (length < 4 || length > maxLength(type) || length - 4 > frames.remaining()) {
                break;
            }
            byte[] body = new byte[length - 4];
            frames.get(body);
            try {
                messages.add(decode((char) type, new MessageBody(body), body));
            } catch (PgException e) {
                break;
            }
        }
        return messages;
    }

    /** Reads a startup-phase packet (StartupMessage, SSLRequest, GSSENCRequest or CancelRequest). */
    public StartupPacket readStartupPacket() throws IOException {
        int length = in.readInt();
        if (length < MessageLimits.MIN_STARTUP_PACKET || length > limits.maxStartupPacket()) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid length of startup packet");
        }
        MessageBody b = new MessageBody(readBytes(length - 4));
        int code = b.int32();
        try {
            return switch (code) {
                case SSL_REQUEST_CODE -> {
                    b.end();
                    yield new StartupPacket.SslRequest();
                }
                case GSSENC_REQUEST_CODE -> {
                    b.end();
                    yield new StartupPacket.GssEncRequest();
                }
                case CANCEL_REQUEST_CODE -> {
                    StartupPacket.CancelRequest c = new StartupPacket.CancelRequest(b.int32(), b.int32());
                    b.end();
                    yield c;
                }
                default -> startupMessage(code >>> 16, code & 0xffff, b);
            };
        } catch (PgException e) {
            throw e.isFatal() ? e : PgException.fatal(SqlState.PROTOCOL_VIOLATION, e.getMessage());
        }
    }

    private static StartupPacket startupMessage(int major, int minor, MessageBody b) {
        if (major != 3) {
            // Parameters of other versions are not ours to parse.
            return new StartupPacket.StartupMessage(major, minor, Map.of());
        }
        Map<String, String> params = new LinkedHashMap<>();
        while (true) {
            String name = b.cstring();
            if (name.isEmpty()) {
                break;
            }
            params.put(name, b.cstring());
        }
        b.end();
        return new StartupPacket.StartupMessage(major, minor, params);
    }

    /**
     * Reads one message after startup.
     *
     * @throws EOFException when the client went away (between or inside frames)
     * @throws PgException  FATAL for framing errors; ERROR (08P01, 22021) for a malformed body, whose frame was
     *                      consumed whole so the stream stays in step
     */
    public FrontendMessage readMessage() throws IOException {
        int type = readType();
        if (maxLength(type) < 0) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid frontend message type " + type);
        }
        return readBody(type);
    }

    /**
     * Reads the client's answer during authentication. Only a PasswordMessage ({@code p}) may come now; any other
     * type is FATAL {@code 08P01} before its length is read, so a client cannot make the server wait for or buffer
     * a large frame it will refuse anyway.
     */
    public FrontendMessage.PasswordMessage readPasswordMessage() throws IOException {
        int type = readType();
        if (type != 'p') {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                    "expected password response, got message type " + type);
        }
        return (FrontendMessage.PasswordMessage) readBody(type);
    }

    private int readType() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("client closed the connection");
        }
        return type;
    }

    /** Reads the length and body of a message whose type byte was read and accepted. */
    private FrontendMessage readBody(int type) throws IOException {
        int max = maxLength(type);
        int length = in.readInt();
        if (length < 4 || length > max) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                    "invalid message length " + length + " for message type '" + (char) type + "'");
        }
        byte[] body = readBytes(length - 4);
        try {
            return decode((char) type, new MessageBody(body), body);
        } catch (PgException e) {
            if (e.isFatal()) {
                throw e;
            }
            // The frame was read whole, so the stream is still in step: the session answers like any error.
            return new FrontendMessage.Malformed((char) type, e);
        }
    }

    /**
     * Reads {@code n} bytes into an array that grows with the bytes received (doubling, so each byte is copied
     * about once more): a declared length is a promise, and a client that declares 64 MiB and sends little costs
     * little. The array returned has exactly {@code n} bytes.
     */
    private byte[] readBytes(int n) throws IOException {
        byte[] buf = new byte[Math.min(n, FIRST_CHUNK)];
        int filled = 0;
        while (filled < n) {
            if (filled == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
            }
            int r = in.read(buf, filled, buf.length - filled);
            if (r < 0) {
                throw new EOFException("client closed the connection in the middle of a message");
            }
            filled += r;
        }
        return buf;
    }

    private int maxLength(int type) {
        return switch (type) {
            case 'Q', 'P', 'B', 'F', 'd' -> limits.maxQueryMessage();
            case 'p' -> limits.maxPasswordMessage();
            case 'S', 'H', 'D', 'C', 'E', 'X', 'c', 'f' -> limits.maxControlMessage();
            default -> -1;
        };
    }

    private static FrontendMessage decode(char type, MessageBody b, byte[] raw) {
        FrontendMessage m = switch (type) {
            case 'Q' -> new FrontendMessage.Query(b.cstring());
            case 'P' -> parse(b);
            case 'B' -> bind(b);
            case 'D' -> new FrontendMessage.Describe((char) b.int8(), b.cstring());
            case 'E' -> new FrontendMessage.Execute(b.cstring(), b.int32());
            case 'C' -> new FrontendMessage.Close((char) b.int8(), b.cstring());
            case 'S' -> new FrontendMessage.Sync();
            case 'H' -> new FrontendMessage.Flush();
            case 'X' -> new FrontendMessage.Terminate();
            case 'p' -> new FrontendMessage.PasswordMessage(b.bytes(b.remaining()));
            case 'F' -> new FrontendMessage.FunctionCall(b.bytes(b.remaining()));
            case 'd' -> new FrontendMessage.CopyData(raw);
            case 'c' -> new FrontendMessage.CopyDone();
            case 'f' -> new FrontendMessage.CopyFail(b.cstring());
            default -> throw new IllegalStateException("type checked before: " + type);
        };
        if (type != 'd') {
            b.end();
        }
        return m;
    }

    private static FrontendMessage.Parse parse(MessageBody b) {
        String name = b.cstring();
        String sql = b.cstring();
        int n = b.int16() & 0xffff;
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            types[i] = b.int32();
        }
        return new FrontendMessage.Parse(name, sql, types);
    }

    private static FrontendMessage.Bind bind(MessageBody b) {
        String portal = b.cstring();
        String statement = b.cstring();
        short[] paramFormats = new short[b.int16() & 0xffff];
        for (int i = 0; i < paramFormats.length; i++) {
            paramFormats[i] = b.int16();
        }
        byte[][] values = new byte[b.int16() & 0xffff][];
        for (int i = 0; i < values.length; i++) {
            int len = b.int32();
            if (len == -1) {
                values[i] = null;
            } else if (len < -1) {
                throw MessageBody.invalid("invalid parameter length " + len);
            } else {
                values[i] = b.bytes(len);
            }
        }
        short[] resultFormats = new short[b.int16() & 0xffff];
        for (int i = 0; i < resultFormats.length; i++) {
            resultFormats[i] = b.int16();
        }
        return new FrontendMessage.Bind(portal, statement, paramFormats, values, resultFormats);
    }
}
