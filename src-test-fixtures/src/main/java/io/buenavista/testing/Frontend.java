package io.buenavista.testing;

import io.buenavista.testing.FrontendMessage.Bind;
import io.buenavista.testing.FrontendMessage.CancelRequest;
import io.buenavista.testing.FrontendMessage.Close;
import io.buenavista.testing.FrontendMessage.CopyData;
import io.buenavista.testing.FrontendMessage.CopyDone;
import io.buenavista.testing.FrontendMessage.CopyFail;
import io.buenavista.testing.FrontendMessage.Describe;
import io.buenavista.testing.FrontendMessage.Execute;
import io.buenavista.testing.FrontendMessage.Flush;
import io.buenavista.testing.FrontendMessage.Frame;
import io.buenavista.testing.FrontendMessage.FunctionCall;
import io.buenavista.testing.FrontendMessage.GssEncRequest;
import io.buenavista.testing.FrontendMessage.Parse;
import io.buenavista.testing.FrontendMessage.PasswordMessage;
import io.buenavista.testing.FrontendMessage.Query;
import io.buenavista.testing.FrontendMessage.Raw;
import io.buenavista.testing.FrontendMessage.SslRequest;
import io.buenavista.testing.FrontendMessage.Startup;
import io.buenavista.testing.FrontendMessage.Sync;
import io.buenavista.testing.FrontendMessage.Terminate;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Short builders for {@link FrontendMessage}s, meant to be imported statically so that a test reads like the
 * protocol: {@code client.send(parse("s1", "select $1::int"), bind("", "s1", text("42")), execute("", 0), sync())}.
 */
public final class Frontend {
    private static final short[] NONE = new short[0];

    private Frontend() {}

    /** StartupMessage for protocol 3.0. */
    public static Startup startup(Map<String, String> parameters) {
        return new Startup(3, 0, parameters);
    }

    public static SslRequest sslRequest() {
        return new SslRequest();
    }

    public static GssEncRequest gssEncRequest() {
        return new GssEncRequest();
    }

    public static CancelRequest cancelRequest(int processId, int secretKey) {
        return new CancelRequest(processId, secretKey);
    }

    public static Query query(String sql) {
        return new Query(sql);
    }

    /** Parse with the given declared parameter type OIDs (none: all inferred). */
    public static Parse parse(String name, String sql, int... paramOids) {
        return new Parse(name, sql, paramOids.clone());
    }

    /** Bind with all parameters in text format and all results in text format. */
    public static Bind bind(String portal, String statement, byte[]... values) {
        return new Bind(portal, statement, NONE, values.clone(), NONE);
    }

    /** Bind with explicit format codes (see {@link #formats}). */
    public static Bind bind(String portal, String statement, short[] paramFormats, byte[][] values,
            short[] resultFormats) {
        return new Bind(portal, statement, paramFormats.clone(), values.clone(), resultFormats.clone());
    }

    public static Describe describeStatement(String name) {
        return new Describe('S', name);
    }

    public static Describe describePortal(String name) {
        return new Describe('P', name);
    }

    public static Execute execute(String portal, int maxRows) {
        return new Execute(portal, maxRows);
    }

    public static Sync sync() {
        return new Sync();
    }

    public static Flush flush() {
        return new Flush();
    }

    public static Close closeStatement(String name) {
        return new Close('S', name);
    }

    public static Close closePortal(String name) {
        return new Close('P', name);
    }

    public static Terminate terminate() {
        return new Terminate();
    }

    public static PasswordMessage password(String password) {
        return new PasswordMessage(password);
    }

    /** A FunctionCall with text-format arguments and a text result. */
    public static FunctionCall functionCall(int functionOid, byte[]... args) {
        return new FunctionCall(functionOid, NONE, args.clone(), (short) 0);
    }

    public static CopyData copyData(byte[] data) {
        return new CopyData(data.clone());
    }

    public static CopyData copyData(String data) {
        return new CopyData(data.getBytes(StandardCharsets.UTF_8));
    }

    public static CopyDone copyDone() {
        return new CopyDone();
    }

    public static CopyFail copyFail(String message) {
        return new CopyFail(message);
    }

    /** Bytes sent exactly as given. */
    public static Raw raw(byte[] bytes) {
        return new Raw(bytes.clone());
    }

    /** A well-framed message of any type byte with the given body, e.g. an unknown type. */
    public static Raw frame(char type, byte[] body) {
        return new Raw(Frame.of(type).bytes(body).finish());
    }

    /** Parameter values in text form (UTF-8); a null element is NULL. */
    public static byte[][] text(String... values) {
        byte[][] b = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            b[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
        }
        return b;
    }

    /** Format codes (0 text, 1 binary). */
    public static short[] formats(int... codes) {
        short[] s = new short[codes.length];
        for (int i = 0; i < codes.length; i++) {
            s[i] = (short) codes[i];
        }
        return s;
    }

    /** Values given as byte arrays, for a {@link #bind(String, String, short[], byte[][], short[])}. */
    public static byte[][] values(byte[]... values) {
        return values.clone();
    }

    /** A binary-format int2. */
    public static byte[] binaryInt2(int v) {
        return ByteBuffer.allocate(2).putShort((short) v).array();
    }

    /** A binary-format int4. */
    public static byte[] binaryInt4(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    /** A binary-format int8. */
    public static byte[] binaryInt8(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }
}
