package io.buenavista.core.session;

import io.buenavista.api.Column;
import io.buenavista.api.PgException;
import io.buenavista.api.RowCursor;
import io.buenavista.core.sql.Statement;

import java.util.List;

/**
 * The rows of a cursor opened by {@code DECLARE}, read forward only: the handler's {@link RowCursor} and the
 * position in it, which {@code FETCH}, {@code MOVE} and protocol Executes on the cursor's portal all advance. Rows
 * are pulled from the handler as they are sent, never held.
 *
 * <p>Positioning follows PostgreSQL's rules for a {@code NO SCROLL} cursor ({@code DoPortalRunFetch}): anything that
 * would move backwards, or rewind a cursor that has moved, fails with {@code 55000}.
 */
final class SqlCursor implements AutoCloseable {
    private static final String OBJECT_NOT_IN_PREREQUISITE_STATE = "55000";
    private final List<Column> columns;
    private final boolean binary;
    private RowCursor rows;
    /** Rows read so far: 0 before the first row, k on the k-th. */
    private long position;
    private boolean atEnd;

    SqlCursor(RowCursor rows, boolean binary) {
        this.rows = rows;
        this.columns = rows.columns();
        this.binary = binary;
    }

    List<Column> columns() {
        return columns;
    }

    /** Whether declared {@code BINARY}: the simple protocol then sends its rows in binary format. */
    boolean binary() {
        return binary;
    }

    /**
     * Positions the cursor for a {@code FETCH} and returns the rows that follow it, to be streamed.
     *
     * @throws PgException 55000 for a move backwards
     */
    RowCursor fetch(Statement.FetchDirection direction, long count) {
        return view(position(direction, count, false));
    }

    /**
     * {@code MOVE}: skips rows as a FETCH with the same direction and count would return them.
     *
     * @return the count of the {@code MOVE n} tag
     */
    long move(Statement.FetchDirection direction, long count) {
        if (count == 0 && (direction == Statement.FetchDirection.FORWARD
                || direction == Statement.FetchDirection.RELATIVE)) {
            return onRow() ? 1 : 0; // MOVE 0 tells whether FETCH 0 would return a row
        }
        return skip(position(direction, count, true));
    }

    /** The cursor's remaining rows, for a protocol Execute on its portal. */
    RowCursor remaining() {
        return view(Statement.FETCH_ALL);
    }

    /** Moves to where the rows to return start and returns how many to return. */
    private long position(Statement.FetchDirection direction, long count, boolean move) {
        switch (direction) {
            case FORWARD -> {
                if (count == 0) {
                    return refetch(move);
                }
                return count;
            }
            case RELATIVE -> {
                if (count < 0) {
                    throw backward();
                }
                if (count == 0) {
                    return refetch(move);
                }
                skip(count - 1);
                return 1;
            }
            case ABSOLUTE -> {
                if (count < 0) {
                    throw backward(); // counted from the end: PostgreSQL reads to the end, then backwards
                }
                if (count == 0 || count - 1 <= position) {
                    rewind();
                    if (count == 0) {
                        return 0;
                    }
                    skip(count - 1);
                } else {
                    skip(count - 1 - position);
                }
                return 1;
            }
            default -> throw backward();
        }
    }

    /** FETCH 0 re-fetches the current row, which needs a backward step; off a row it returns nothing. */
    private long refetch(boolean move) {
        if (onRow() && !move) {
            throw backward();
        }
        return 0;
    }

    private boolean onRow() {
        return position > 0 && !atEnd;
    }

    /** Rewinding is a no-op at the start and impossible anywhere else. */
    private void rewind() {
        if (position > 0 || atEnd) {
            throw new PgException(OBJECT_NOT_IN_PREREQUISITE_STATE, "cursor can only scan forward")
                    .withHint("Declare it with SCROLL option to enable backward scan.");
        }
    }

    private static PgException backward() {
        return new PgException(OBJECT_NOT_IN_PREREQUISITE_STATE, "cursor can only scan forward")
                .withHint("Declare it with SCROLL option to enable backward scan.");
    }

    /** Reads and discards up to {@code n} rows; returns how many there were. */
    private long skip(long n) {
        long skipped = 0;
        while (skipped < n && advance()) {
            skipped++;
        }
        return skipped;
    }

    private boolean advance() {
        if (atEnd) {
            return false;
        }
        if (!rows.next()) {
            atEnd = true;
            closeRows(); // nothing more will be read: release the handler's resources now
            return false;
        }
        position++;
        return true;
    }

    private void closeRows() {
        if (rows != null) {
            rows.close();
            rows = null;
        }
    }

    /** At most {@code limit} rows from the current position; closing the view leaves the cursor open. */
    private RowCursor view(long limit) {
        return new RowCursor() {
            private long taken;

            @Override
            public List<Column> columns() {
                return columns;
            }

            @Override
            public boolean next() {
                if (taken >= limit || !advance()) {
                    return false;
                }
                taken++;
                return true;
            }

            @Override
            public Object get(int column) {
                return rows.get(column);
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public void close() {
        atEnd = true;
        closeRows();
    }
}
