package io.buenavista.core.wire;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.types.Utf8;


/**
 * Reads the fields of one message body. A body that ends early or has an unterminated string is a protocol
 * violation ({@code 08P01}); a string that is not valid UTF-8 is {@code 22021}.
 */
final class MessageBody {
    private final byte[] bytes;
    private int pos;

    MessageBody(byte[] bytes) {
        this.bytes = bytes;
    }

    int remaining() {
        return bytes.length - pos;
    }

    byte int8() {
        need(1);
        return bytes[pos++];
    }

    short int16() {
        need(2);
        short v = (short) (((bytes[pos] & 0xff) << 8) | (bytes[pos + 1] & 0xff));
        pos += 2;
        return v;
    }

    int int32() {
        need(4);
        int v = ((bytes[pos] & 0xff) << 24) | ((bytes[pos + 1] & 0xff) << 16) | ((bytes[pos + 2] & 0xff) << 8)
                | (bytes[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    byte[] bytes(int n) {
        if (n < 0) {
            throw invalid("negative length " + n);
        }
        need(n);
        byte[] out = new byte[n];
        System.arraycopy(bytes, pos, out, 0, n);
        pos += n;
        return out;
    }

    /** A NUL-terminated string. */
    String cstring() {
        int end = pos;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        if (end == bytes.length) {
            throw invalid("unterminated string");
        }
        String s = Utf8.decodeUtf8Strict(bytes, pos, end - pos);
        pos = end + 1;
        return s;
    }

    /** Fails unless the whole body was consumed: trailing garbage is as much a violation as a short body. */
    void end() {
        if (pos != bytes.length) {
            throw invalid("message has " + (bytes.length - pos) + " bytes of trailing data");
        }
    }

    private void need(int n) {
        if (bytes.length - pos < n) {
            throw invalid("insufficient data left in message");
        }
    }

    static PgException invalid(String message) {
        return new PgException(SqlState.PROTOCOL_VIOLATION, "invalid message format: " + message);
    }
}
