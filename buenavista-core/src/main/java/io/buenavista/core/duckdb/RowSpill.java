package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.core.types.ByteArraySink;
import io.buenavista.core.types.Codec;
import io.buenavista.core.types.CodecRegistry;
import io.buenavista.core.types.TypeContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Rows a cursor read ahead of its client because its session needed the DuckDB connection for another statement.
 * Each value is kept in its PostgreSQL binary form, written and read by the core's codec for the column's type (the
 * codec that later encodes it for the client), so the mapping of each type stays in {@link DuckDbTypes} and the
 * codecs. Rows are kept in memory within the session's {@link Space} budget, beyond it in a temporary file that is
 * unlinked as soon as it is open (where the OS allows; otherwise deleted when closed), so nothing outlives the
 * cursor, the session or the process.
 *
 * <p>Rows are appended and read in order, also alternately: a read-ahead cut short by a cancel leaves the rest of
 * the result in DuckDB, and a later one appends behind the rows not yet read.
 */
final class RowSpill implements AutoCloseable {
    /** Timestamptz values come back at offset UTC; the client's encoding renders them in its own zone. */
    private static final TypeContext CONTEXT = TypeContext.DEFAULT;

    private final Space space;
    private final Codec[] codecs;
    /** The rows while they fit the session's budget; null once they moved to {@link #file}. */
    private ByteArraySink memory;
    private int memoryRead;
    private Path path;
    private FileChannel file;
    /** Bytes in the file, counting those still in the space's write buffer. */
    private long fileSize;
    private long fileRead;
    private long unread;

    private RowSpill(Space space, List<DuckDbTypes.Mapping> mappings) {
        this.space = space;
        this.codecs = new Codec[mappings.size()];
        for (int i = 0; i < codecs.length; i++) {
            codecs[i] = CodecRegistry.standard().codec(mappings.get(i).pgType());
        }
        this.memory = new ByteArraySink(256);
    }

    /** Whether rows were written and not read yet. */
    boolean hasRows() {
        return unread > 0;
    }

    /** Whether the rows went to a temporary file. */
    boolean onDisk() {
        return file != null;
    }

    /**
     * Appends a row.
     *
     * @throws PgException when a value cannot be encoded (as it could not be sent to the client)
     * @throws IOException when the temporary file cannot be written
     */
    void add(Object[] row) throws IOException {
        ByteArraySink out = space.row;
        out.reset(1 << 20, 1024);
        out.writeInt(0);
        for (int i = 0; i < codecs.length; i++) {
            Object value = row[i];
            if (value == null) {
                out.writeInt(-1);
                continue;
            }
            int at = out.size();
            out.writeInt(0);
            if (codecs[i].hasBinary()) {
                codecs[i].encodeBinary(value, out, CONTEXT);
            } else {
                codecs[i].encodeText(value, out, CONTEXT);
            }
            out.setInt(at, out.size() - at - 4);
        }
        out.setInt(0, out.size() - 4);
        if (memory != null && space.reserve(out.size())) {
            memory.writeBytes(out.buffer(), 0, out.size());
        } else {
            if (memory != null) {
                moveToFile();
            }
            space.append(this, out.buffer(), out.size());
        }
        unread++;
    }

    /** The next row not read yet, or null. */
    Object[] next() throws IOException {
        if (unread == 0) {
            return null;
        }
        Object[] row;
        if (memory != null) {
            byte[] buf = memory.buffer();
            int length = readInt(buf, memoryRead);
            row = decode(buf, memoryRead + 4, length);
            memoryRead += 4 + length;
        } else {
            space.flush(this);
            int length = readInt(space.window(this, fileRead, 4), space.windowOffset);
            byte[] buf = space.window(this, fileRead + 4, length);
            row = decode(buf, space.windowOffset, length);
            fileRead += 4 + length;
        }
        unread--;
        if (unread == 0) {
            rewind();
        }
        return row;
    }

    private Object[] decode(byte[] buf, int offset, int length) {
        Object[] row = new Object[codecs.length];
        int at = offset;
        for (int i = 0; i < codecs.length; i++) {
            int n = readInt(buf, at);
            at += 4;
            if (n < 0) {
                continue;
            }
            row[i] = codecs[i].hasBinary() ? codecs[i].decodeBinary(buf, at, n, CONTEXT)
                    : codecs[i].decodeText(new String(buf, at, n, StandardCharsets.UTF_8), CONTEXT);
            at += n;
        }
        if (at != offset + length) {
            throw new IllegalStateException("a spilled row was read with the wrong length");
        }
        return row;
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | b[at + 3] & 0xFF;
    }

    /** All rows were read: the memory and the file start over empty. */
    private void rewind() throws IOException {
        if (memory != null) {
            space.release(memory.size());
            memory.reset(4096, 256);
            memoryRead = 0;
        } else {
            space.forget(this);
            file.truncate(0);
            fileSize = 0;
            fileRead = 0;
        }
    }

    private void moveToFile() throws IOException {
        Path dir = space.directory;
        if (dir != null) {
            Files.createDirectories(dir); // DuckDB, sharing it, also creates it only when it first spills
        }
        path = dir == null ? Files.createTempFile("buenavista-rows-", ".tmp")
                : Files.createTempFile(dir, "buenavista-rows-", ".tmp");
        try {
            file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.DELETE_ON_CLOSE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(path);
            throw e;
        }
        try {
            // The open channel keeps the data; the name goes now so that no crash can leave the file behind.
            Files.delete(path);
            path = null;
        } catch (IOException e) {
            // e.g. Windows: DELETE_ON_CLOSE removes it when the spill closes
        }
        ByteArraySink rows = memory;
        memory = null;
        space.release(rows.size());
        space.append(this, rows.buffer(), memoryRead, rows.size() - memoryRead);
        memoryRead = 0;
    }

    /** Writes the rows still buffered in memory for the file. */
    void flush() throws IOException {
        space.flush(this);
    }

    @Override
    public void close() {
        space.closed(this);
        if (memory != null) {
            space.release(memory.size());
            memory = null;
        }
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // the data is unreachable either way
            }
            file = null;
        }
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // DELETE_ON_CLOSE already tried
            }
            path = null;
        }
        unread = 0;
    }

    /**
     * What the spills of one session share, so that the session's heap stays bounded however many cursors it
     * holds: a budget for rows kept in memory, one write buffer and one read buffer. A session runs one statement
     * at a time, so one of each suffices.
     */
    static final class Space implements AutoCloseable {
        private static final int BUFFER = 64 * 1024;

        private final Path directory;
        private final long memoryBudget;
        private long memoryUsed;
        /** One row being encoded. */
        private final ByteArraySink row = new ByteArraySink(1024);
        /** Bytes for the end of {@link #writeOwner}'s file. */
        private final ByteArraySink writeBuffer = new ByteArraySink(BUFFER);
        private RowSpill writeOwner;
        /** A window on {@link #readOwner}'s file: {@code readLength} bytes from {@code readStart}. */
        private final byte[] readBuffer = new byte[BUFFER];
        private RowSpill readOwner;
        private long readStart;
        private int readLength;
        /** Where {@link #window} found the requested bytes in the array it returned. */
        private int windowOffset;
        private final Set<RowSpill> open = new LinkedHashSet<>();

        /**
         * @param directory    where temporary files go; null for the JVM's temporary directory
         * @param memoryBudget bytes of rows a session keeps in memory, over all its spills
         */
        Space(Path directory, long memoryBudget) {
            this.directory = directory;
            this.memoryBudget = memoryBudget;
        }

        /** A new, empty spill for rows mapped so. */
        RowSpill open(List<DuckDbTypes.Mapping> mappings) {
            RowSpill spill = new RowSpill(this, mappings);
            open.add(spill);
            return spill;
        }

        /** Spills open now (for tests). */
        int openSpills() {
            return open.size();
        }

        /** Bytes of rows held in memory now (for tests). */
        long memoryUsed() {
            return memoryUsed;
        }

        private boolean reserve(int bytes) {
            if (memoryUsed + bytes > memoryBudget) {
                return false;
            }
            memoryUsed += bytes;
            return true;
        }

        private void release(int bytes) {
            memoryUsed -= bytes;
        }

        private void append(RowSpill spill, byte[] bytes, int length) throws IOException {
            append(spill, bytes, 0, length);
        }

        private void append(RowSpill spill, byte[] bytes, int offset, int length) throws IOException {
            if (writeOwner != spill) {
                flush(writeOwner);
                writeOwner = spill;
            }
            if (writeBuffer.size() + length > BUFFER) {
                flush(spill);
            }
            if (length > BUFFER) {
                write(spill, bytes, offset, length);
            } else {
                writeBuffer.writeBytes(bytes, offset, length);
                spill.fileSize += length;
            }
        }

        private void flush(RowSpill spill) throws IOException {
            if (spill == null || writeOwner != spill || writeBuffer.size() == 0) {
                return;
            }
            int length = writeBuffer.size();
            writeBuffer.reset();
            spill.fileSize -= length; // counted when buffered; write counts it again
            write(spill, writeBuffer.buffer(), 0, length);
        }

        private static void write(RowSpill spill, byte[] bytes, int offset, int length) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes, offset, length);
            long at = spill.fileSize;
            while (b.hasRemaining()) {
                at += spill.file.write(b, at);
            }
            spill.fileSize = at;
        }

        /**
         * {@code length} bytes of {@code spill}'s file from {@code position}: returns the array that holds them and
         * sets {@link #windowOffset} to where they start.
         */
        private byte[] window(RowSpill spill, long position, int length) throws IOException {
            if (readOwner == spill && position >= readStart && position + length <= readStart + readLength) {
                windowOffset = (int) (position - readStart);
                return readBuffer;
            }
            // A row longer than the buffer gets an array of its own, given back to the collector after decoding.
            byte[] target = length > BUFFER ? new byte[length] : readBuffer;
            int want = length > BUFFER ? length : (int) Math.min(BUFFER, spill.fileSize - position);
            ByteBuffer b = ByteBuffer.wrap(target, 0, want);
            long at = position;
            while (b.hasRemaining()) {
                int n = spill.file.read(b, at);
                if (n < 0) {
                    throw new IOException("temporary file of a cursor ended early");
                }
                at += n;
            }
            if (target == readBuffer) {
                readOwner = spill;
                readStart = position;
                readLength = want;
            } else if (readOwner == spill) {
                readOwner = null;
            }
            windowOffset = 0;
            return target;
        }

        /** The spill's file starts over: nothing buffered for it is valid any more. */
        private void forget(RowSpill spill) {
            if (readOwner == spill) {
                readOwner = null;
            }
            if (writeOwner == spill) {
                writeBuffer.reset();
                writeOwner = null;
            }
        }

        private void closed(RowSpill spill) {
            forget(spill);
            open.remove(spill);
        }

        /** Closes every spill (the session ends): their files go. */
        @Override
        public void close() {
            for (RowSpill spill : List.copyOf(open)) {
                spill.close();
            }
        }
    }
}
