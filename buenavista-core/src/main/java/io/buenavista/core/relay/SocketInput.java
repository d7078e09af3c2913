package io.buenavista.core.relay;

import java.io.IOException;
import java.io.InputStream;

/**
 * A backend connection's input: a small buffer for the message-by-message reads between sessions, and reads the
 * size of the relay's buffer straight from the socket, one system call each. Unlike BufferedInputStream, a read
 * never probes {@code available()} (an ioctl) after a short read.
 */
final class SocketInput extends InputStream {
    private final InputStream socket;
    private final byte[] buffer;
    private int position;
    private int limit;

    SocketInput(InputStream socket, int bufferSize) {
        this.socket = socket;
        this.buffer = new byte[bufferSize];
    }

    @Override
    public int read() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        return buffer[position++] & 0xff;
    }

    /** Returns what the buffer holds, else what one read of the socket gives (at least 1 byte, or -1 at the end). */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (position == limit) {
            if (len >= buffer.length) {
                return socket.read(b, off, len);
            }
            if (!fill()) {
                return -1;
            }
        }
        int n = Math.min(len, limit - position);
        System.arraycopy(buffer, position, b, off, n);
        position += n;
        return n;
    }

    private boolean fill() throws IOException {
        int n = socket.read(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    /**
     * Moves what the buffer holds (at most {@code len} bytes) into {@code b}, for a reader that goes to the socket
     * itself from now on; answers how many.
     */
    int takeBuffered(byte[] b, int off, int len) {
        int n = Math.min(len, limit - position);
        System.arraycopy(buffer, position, b, off, n);
        position += n;
        return n;
    }

    /** Bytes buffered here plus those the socket holds; asks the operating system, so not for the hot path. */
    @Override
    public int available() throws IOException {
        return limit - position + socket.available();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
