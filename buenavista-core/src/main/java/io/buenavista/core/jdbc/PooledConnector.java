package io.buenavista.core.jdbc;

import io.buenavista.api.SessionContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps the connections of ended sessions for the next ones, up to {@code maxIdle} of them; a session that finds
 * none idle gets a new one from the source connector (sessions are never made to wait). Before a connection is
 * handed out again it is checked with {@link Connection#isValid}, and it is returned as it came: autocommit on, no
 * transaction (the session rolled it back), its first schema ({@link Connection#setSchema}) and no warnings. A
 * connection whose driver cannot tell or restore its schema is closed rather than kept. What a client set on the
 * database's side by other means (session variables) is for the dialect's {@link JdbcDialect#sessionStart} to set
 * anew.
 *
 * <p>All source connections must log in alike: one pool per login.
 */
public final class PooledConnector implements JdbcConnector, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PooledConnector.class);
    /** Seconds {@link Connection#isValid} may take before an idle connection counts as dead. */
    private static final int VALIDATION_SECONDS = 5;

    private final JdbcConnector source;
    private final int maxIdle;
    private final Deque<Connection> idle = new ArrayDeque<>();
    /** Each connection this pool made, with the schema it started in. */
    private final Map<Connection, String> firstSchema = new IdentityHashMap<>();
    private boolean closed;

    /**
     * @param source  opens the connections
     * @param maxIdle how many idle connections to keep (at least 0)
     */
    public PooledConnector(JdbcConnector source, int maxIdle) {
        this.source = Objects.requireNonNull(source, "source");
        if (maxIdle < 0) {
            throw new IllegalArgumentException("maxIdle must not be negative: " + maxIdle);
        }
        this.maxIdle = maxIdle;
    }

    @Override
    public Connection connect(SessionContext context) throws SQLException {
        while (true) {
            Connection c;
            synchronized (this) {
                c = idle.pollFirst();
            }
            if (c == null) {
                break;
            }
            if (c.isValid(VALIDATION_SECONDS)) {
                return c;
            }
            discard(c);
        }
        Connection c = source.connect(context);
        String schema;
        try {
            schema = c.getSchema();
        } catch (SQLException | RuntimeException | AbstractMethodError e) {
            schema = null; // this driver cannot say: the connection is closed at its release
        }
        synchronized (this) {
            firstSchema.put(c, schema);
        }
        return c;
    }

    @Override
    public void release(Connection connection, boolean reusable) throws SQLException {
        String schema;
        synchronized (this) {
            schema = firstSchema.get(connection);
            reusable &= !closed && schema != null && idle.size() < maxIdle;
        }
        if (reusable) {
            try {
                if (!connection.getAutoCommit()) {
                    connection.rollback();
                    connection.setAutoCommit(true);
                }
                if (!schema.equals(connection.getSchema())) {
                    connection.setSchema(schema);
                }
                connection.clearWarnings();
            } catch (SQLException | RuntimeException e) {
                LOG.debug("a connection could not be reset for reuse", e);
                reusable = false;
            }
        }
        synchronized (this) {
            if (reusable && !closed && idle.size() < maxIdle) {
                idle.addFirst(connection); // the most recently used first: the others may time out and go
                return;
            }
        }
        discard(connection);
    }

    /** How many idle connections are kept now. */
    public synchronized int idleCount() {
        return idle.size();
    }

    private void discard(Connection c) {
        synchronized (this) {
            firstSchema.remove(c);
        }
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("closing a pooled connection failed", e);
        }
    }

    /** Closes the idle connections; connections of running sessions are closed at their release. */
    @Override
    public void close() {
        Deque<Connection> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayDeque<>(idle);
            idle.clear();
        }
        toClose.forEach(this::discard);
    }
}
