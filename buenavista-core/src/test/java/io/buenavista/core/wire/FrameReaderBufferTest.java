package io.buenavista.core.wire;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A frame's declared length is a promise, not bytes: the reader's buffer grows with what actually arrives, so a
 * client declaring 64 MiB and sending a few bytes costs the server a few bytes. Checked on the arrays the reader
 * hands to its input stream, which are the buffers it allocated.
 */
class FrameReaderBufferTest {

    /** Serves bytes in chunks of at most {@code chunk} and records the largest array a read was asked to fill. */
    private static final class RecordingStream extends InputStream {
        private final byte[] data;
        private final int chunk;
        private int pos;
        int largestBuffer;

        RecordingStream(byte[] data, int chunk) {
            this.data = data;
            this.chunk = chunk;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            largestBuffer = Math.max(largestBuffer, b.length);
            if (pos >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, chunk), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    private static byte[] frame(char type, int declaredLength, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        out.write(declaredLength >>> 24);
        out.write(declaredLength >>> 16);
        out.write(declaredLength >>> 8);
        out.write(declaredLength);
        out.writeBytes(body);
        return out.toByteArray();
    }

    @Test
    void frameDeclaring64MiBButSendingFewBytesDoesNotAllocate64MiB() {
        int declared = MessageLimits.DEFAULT.maxQueryMessage();
        for (char type : new char[] {'Q', 'P', 'B', 'd'}) {
            for (int sent : new int[] {0, 10, 100_000, 3_000_000}) {
                RecordingStream in = new RecordingStream(frame(type, declared, new byte[sent]), 1460);
                FrameReader reader = new FrameReader(in, MessageLimits.DEFAULT);
                assertThrows(EOFException.class, reader::readMessage);
                // At most twice what arrived, and never less than a small first chunk.
                assertTrue(in.largestBuffer <= Math.max(2 * sent, 64 * 1024),
                        type + " with " + sent + " bytes sent: a buffer of " + in.largestBuffer + " bytes");
            }
        }
    }

    @Test
    void largeFramesArrivingInPiecesAreReadWhole() throws IOException {
        for (int size : new int[] {1, 8191, 8192, 8193, 65_536, 1_000_003, 5 * 1024 * 1024}) {
            byte[] sql = new byte[size];
            for (int i = 0; i < size; i++) {
                sql[i] = (byte) ('a' + i % 26);
            }
            byte[] body = new byte[size + 1];
            System.arraycopy(sql, 0, body, 0, size);
            for (int chunk : new int[] {1_000, 70_000}) {
                if (chunk == 1_000 && size > 1_000_003) {
                    continue; // enough coverage of small pieces; keeps the test quick
                }
                RecordingStream in = new RecordingStream(frame('Q', body.length + 4, body), chunk);
                FrontendMessage m = new FrameReader(in, MessageLimits.DEFAULT).readMessage();
                assertEquals(new String(sql, StandardCharsets.US_ASCII), ((FrontendMessage.Query) m).sql());
                assertTrue(in.largestBuffer <= Math.max(body.length, 64 * 1024), "buffer " + in.largestBuffer);
            }
        }
    }

    @Test
    void startupPacketDeclaringTheMaximumButSendingLittleIsRefusedOrEnds() {
        // The startup packet's limit is small (10 000), so its buffer is never large either way.
        byte[] bytes = {0, 0, 0x27, 0x10, 0, 3, 0, 0, 'u'};
        RecordingStream in = new RecordingStream(bytes, 1460);
        assertThrows(EOFException.class, () -> new FrameReader(in, MessageLimits.DEFAULT).readStartupPacket());
        assertTrue(in.largestBuffer <= 10_000);
    }
}
