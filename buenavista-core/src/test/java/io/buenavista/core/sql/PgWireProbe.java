package io.buenavista.core.sql;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal simple-query client of the real PostgreSQL (trust authentication), used to read the exact
 * {@code CommandComplete} tags, which JDBC does not expose.
 */
final class PgWireProbe implements AutoCloseable {
    /** What one Query message produced: the command tags in order, and the first error's SQLSTATE and message. */
    record Result(List<String> tags, String errorCode, String errorMessage) {}

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    PgWireProbe(String host, int port, String user, String database) throws IOException {
        socket = new Socket(host, port);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream b = new DataOutputStream(body);
        b.writeInt(196608); // protocol 3.0
        for (String s : new String[] {"user", user, "database", database, "client_encoding", "UTF8"}) {
            b.write(s.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        b.write(0);
        out.writeInt(body.size() + 4);
        body.writeTo(out);
        out.flush();
        Result startup = readUntilReady();
        if (startup.errorCode() != null) {
            throw new IOException("startup failed: " + startup.errorMessage());
        }
    }

    /** Sends one simple Query and reads everything up to ReadyForQuery. */
    Result query(String sql) throws IOException {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        out.writeByte('Q');
        out.writeInt(4 + text.length + 1);
        out.write(text);
        out.write(0);
        out.flush();
        return readUntilReady();
    }

    private Result readUntilReady() throws IOException {
        List<String> tags = new ArrayList<>();
        String code = null;
        String message = null;
        while (true) {
            int type = in.readUnsignedByte();
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            switch (type) {
                case 'R' -> {
                    int auth = (body[0] << 24) | (body[1] << 16) | (body[2] << 8) | body[3];
                    if (auth != 0) {
                        throw new IOException("the probe supports trust authentication only, got " + auth);
                    }
                }
                case 'C' -> tags.add(new String(body, 0, body.length - 1, StandardCharsets.UTF_8));
                case 'E' -> {
                    if (code == null) {
                        code = field(body, 'C');
                        message = field(body, 'M');
                    }
                }
                case 'Z' -> {
                    return new Result(tags, code, message);
                }
                default -> { } // row descriptions, rows, notices, parameter status, copy data
            }
        }
    }

    private static String field(byte[] body, char wanted) {
        int i = 0;
        while (i < body.length && body[i] != 0) {
            int start = i + 1;
            int end = start;
            while (body[end] != 0) {
                end++;
            }
            if (body[i] == wanted) {
                return new String(body, start, end - start, StandardCharsets.UTF_8);
            }
            i = end + 1;
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        try {
            out.writeByte('X');
            out.writeInt(4);
            out.flush();
        } finally {
            socket.close();
        }
    }
}
