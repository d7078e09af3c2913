package io.buenavista.api;

/**
 * Serves the SQL of the connections routed to it. One handler serves many connections at once; each connection
 * gets its own {@link QuerySession}.
 *
 * <p>Found with {@link java.util.ServiceLoader} or registered on the server builder. A handler whose driver is
 * missing should throw {@link NoClassDefFoundError} (or a {@link LinkageError}) from its constructor or
 * {@link #name()}: the server then skips it with a warning.
 */
public interface QueryHandler extends AutoCloseable {
    /** The handler's name, which {@link Route#handler()} refers to. */
    String name();

    /**
     * Opens a session for an authenticated connection.
     *
     * @throws PgException to refuse it (sent as FATAL)
     */
    QuerySession open(SessionContext context) throws PgException;

    /** Releases what the handler holds (databases, pools) when the server closes. The default does nothing. */
    @Override
    default void close() {}
}
