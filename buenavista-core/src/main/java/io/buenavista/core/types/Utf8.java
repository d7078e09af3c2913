package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;

import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding with PostgreSQL's error for bytes that are not valid UTF-8. */
public final class Utf8 {
    private Utf8() {}

    /**
     * Decodes {@code len} bytes of {@code b} from {@code off}; rejects, as PostgreSQL does, malformed and overlong
     * sequences, surrogates, code points above U+10FFFF and NUL bytes.
     *
     * @throws PgException 22021 (character_not_in_repertoire) for invalid input
     */
    public static String decodeUtf8Strict(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end && b[i] > 0) {
            i++;
        }
        if (i == end) {
            // Pure ASCII is the common case and needs no further checks.
            return new String(b, off, len, StandardCharsets.ISO_8859_1);
        }
        while (i < end) {
            int c = b[i] & 0xFF;
            int n;
            if (c == 0) {
                throw invalid(b, i, end, 1);
            } else if (c < 0x80) {
                n = 1;
            } else if (c >= 0xC2 && c <= 0xDF) {
                n = 2;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 3;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 4;
            } else {
                throw invalid(b, i, end, 1);
            }
            if (i + n > end) {
                throw invalid(b, i, end, n);
            }
            for (int k = 1; k < n; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    throw invalid(b, i, end, n);
                }
            }
            if (n == 3) {
                int c1 = b[i + 1] & 0xFF;
                if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)) {
                    throw invalid(b, i, end, n); // overlong or surrogate
                }
            } else if (n == 4) {
                int c1 = b[i + 1] & 0xFF;
                if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) {
                    throw invalid(b, i, end, n); // overlong or above U+10FFFF
                }
            }
            i += n;
        }
        return new String(b, off, len, StandardCharsets.UTF_8);
    }

    private static PgException invalid(byte[] b, int at, int end, int n) {
        StringBuilder sb = new StringBuilder("invalid byte sequence for encoding \"UTF8\":");
        for (int k = at; k < Math.min(end, at + Math.max(n, 1)); k++) {
            sb.append(String.format(" 0x%02x", b[k] & 0xFF));
        }
        return new PgException(SqlState.CHARACTER_NOT_IN_REPERTOIRE, sb.toString());
    }
}
