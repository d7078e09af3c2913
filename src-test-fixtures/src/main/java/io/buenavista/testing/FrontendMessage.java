package io.buenavista.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A message from the client, which {@link #encode} turns into its exact wire form (type byte, length, body).
 * The builders in {@link Frontend} make them shorter to write.
 */
public sealed interface FrontendMessage {

    /** The bytes to write to the socket. */
    byte[] encode();

    /** {@code StartupMessage} with protocol {@code major.minor} (3.0 is 196608) and its parameters in order. */
    record Startup(int major, int minor, Map<String, String> parameters) implements FrontendMessage {
        public Startup {
            parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        }

        public byte[] encode() {
            Frame f = Frame.untyped().int32((major << 16) | minor);
            parameters.forEach((k, v) -> f.cstring(k).cstring(v));
            return f.byte1(0).finish();
        }
    }

    /** {@code SSLRequest}. */
    record SslRequest() implements FrontendMessage {
        public byte[] encode() {
            return Frame.untyped().int32(80877103).finish();
        }
    }

    /** {@code GSSENCRequest}. */
    record GssEncRequest() implements FrontendMessage {
        public byte[] encode() {
            return Frame.untyped().int32(80877104).finish();
        }
    }

    /** {@code CancelRequest}; sent on a fresh connection. */
    record CancelRequest(int processId, int secretKey) implements FrontendMessage {
        public byte[] encode() {
            return Frame.untyped().int32(80877102).int32(processId).int32(secretKey).finish();
        }
    }

    /** {@code Q}. */
    record Query(String sql) implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('Q').cstring(sql).finish();
        }
    }

    /** {@code P}: statement name, SQL and the declared parameter type OIDs (0 = unspecified). */
    record Parse(String name, String sql, int[] paramOids) implements FrontendMessage {
        public byte[] encode() {
            Frame f = Frame.of('P').cstring(name).cstring(sql).int16(paramOids.length);
            for (int oid : paramOids) {
                f.int32(oid);
            }
            return f.finish();
        }

        @Override
        public String toString() {
            return "Parse[" + name + ", " + sql + ", " + Arrays.toString(paramOids) + "]";
        }
    }

    /**
     * {@code B}. {@code paramFormats} and {@code resultFormats} are sent as given (none, one for all, or one each;
     * 0 text, 1 binary); a null element of {@code values} is sent as NULL (length -1).
     */
    record Bind(String portal, String statement, short[] paramFormats, byte[][] values, short[] resultFormats)
            implements FrontendMessage {
        public byte[] encode() {
            Frame f = Frame.of('B').cstring(portal).cstring(statement).int16(paramFormats.length);
            for (short format : paramFormats) {
                f.int16(format);
            }
            f.int16(values.length);
            for (byte[] v : values) {
                if (v == null) {
                    f.int32(-1);
                } else {
                    f.int32(v.length).bytes(v);
                }
            }
            f.int16(resultFormats.length);
            for (short format : resultFormats) {
                f.int16(format);
            }
            return f.finish();
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("Bind[").append(portal).append(", ").append(statement)
                    .append(", formats=").append(Arrays.toString(paramFormats)).append(", values=[");
            for (int i = 0; i < values.length; i++) {
                s.append(i == 0 ? "" : ", ")
                        .append(values[i] == null ? "NULL" : new String(values[i], StandardCharsets.UTF_8));
            }
            return s.append("], resultFormats=").append(Arrays.toString(resultFormats)).append(']').toString();
        }
    }

    /** {@code D}: {@code kind} is {@code 'S'} (statement) or {@code 'P'} (portal). */
    record Describe(char kind, String name) implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('D').byte1(kind).cstring(name).finish();
        }
    }

    /** {@code E}: {@code maxRows} 0 means all. */
    record Execute(String portal, int maxRows) implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('E').cstring(portal).int32(maxRows).finish();
        }
    }

    /** {@code S}. */
    record Sync() implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('S').finish();
        }
    }

    /** {@code H}. */
    record Flush() implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('H').finish();
        }
    }

    /** {@code C}: {@code kind} is {@code 'S'} (statement) or {@code 'P'} (portal). */
    record Close(char kind, String name) implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('C').byte1(kind).cstring(name).finish();
        }
    }

    /** {@code X}. */
    record Terminate() implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('X').finish();
        }
    }

    /** {@code p} carrying a password (cleartext or {@code md5…}). */
    record PasswordMessage(String password) implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('p').cstring(password).finish();
        }

        @Override
        public String toString() {
            return "PasswordMessage[redacted]";
        }
    }

    /** {@code p} as {@code SASLInitialResponse}; null data is sent as length -1. */
    record SaslInitialResponse(String mechanism, byte[] data) implements FrontendMessage {
        public byte[] encode() {
            Frame f = Frame.of('p').cstring(mechanism);
            return (data == null ? f.int32(-1) : f.int32(data.length).bytes(data)).finish();
        }
    }

    /** {@code p} as {@code SASLResponse}. */
    record SaslResponse(byte[] data) implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('p').bytes(data).finish();
        }
    }

    /** {@code F}: function OID, argument formats, arguments (null = NULL) and the result format. */
    record FunctionCall(int functionOid, short[] argFormats, byte[][] args, short resultFormat)
            implements FrontendMessage {
        public byte[] encode() {
            Frame f = Frame.of('F').int32(functionOid).int16(argFormats.length);
            for (short format : argFormats) {
                f.int16(format);
            }
            f.int16(args.length);
            for (byte[] a : args) {
                if (a == null) {
                    f.int32(-1);
                } else {
                    f.int32(a.length).bytes(a);
                }
            }
            return f.int16(resultFormat).finish();
        }
    }

    /** {@code d}. */
    record CopyData(byte[] data) implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('d').bytes(data).finish();
        }

        @Override
        public String toString() {
            return "CopyData[" + new String(data, StandardCharsets.UTF_8) + "]";
        }
    }

    /** {@code c}. */
    record CopyDone() implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('c').finish();
        }
    }

    /** {@code f}. */
    record CopyFail(String message) implements FrontendMessage {
        public byte[] encode() {
            return Frame.of('f').cstring(message).finish();
        }
    }

    /** Bytes written exactly as given, for malformed or hand-made frames. */
    record Raw(byte[] bytes) implements FrontendMessage {
        public byte[] encode() {
            return bytes.clone();
        }

        @Override
        public String toString() {
            return "Raw[" + HexFormat.of().formatHex(bytes) + "]";
        }
    }

    /** Builds one frame: the type byte (if any), a length word filled in by {@link #finish}, then the body. */
    final class Frame {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final int lengthAt;

        private Frame(int type) {
            if (type >= 0) {
                out.write(type);
            }
            lengthAt = out.size();
            int32(0);
        }

        /** A frame with a type byte. */
        public static Frame of(char type) {
            return new Frame(type);
        }

        /** A frame without a type byte (the startup-phase messages). */
        public static Frame untyped() {
            return new Frame(-1);
        }

        public Frame byte1(int b) {
            out.write(b);
            return this;
        }

        public Frame int16(int v) {
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        public Frame int32(int v) {
            out.write(v >>> 24);
            out.write(v >>> 16);
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        public Frame bytes(byte[] b) {
            out.write(b, 0, b.length);
            return this;
        }

        public Frame cstring(String s) {
            return bytes(s.getBytes(StandardCharsets.UTF_8)).byte1(0);
        }

        /** The frame with its length word (which counts itself but not the type byte) set. */
        public byte[] finish() {
            byte[] b = out.toByteArray();
            int len = b.length - lengthAt;
            b[lengthAt] = (byte) (len >>> 24);
            b[lengthAt + 1] = (byte) (len >>> 16);
            b[lengthAt + 2] = (byte) (len >>> 8);
            b[lengthAt + 3] = (byte) len;
            return b;
        }
    }
}
