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
     * Opens a SQL session for an authenticated connection. A handler that only opens {@link FrameSession}s
     * overrides {@link #openSession} instead and leaves this default, which refuses.
     *
     * @throws PgException to refuse it (sent as FATAL)
     */
    default QuerySession open(SessionContext context) throws PgException {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                "handler \"" + name() + "\" does not open SQL sessions");
    }

    /**
     * Opens the session of an authenticated connection: the core calls this one. The default opens a SQL session
     * with {@link #open}; a relay or proxy answers a {@link FrameSession} and then sees the client's frames
     * verbatim.
     *
     * @throws PgException to refuse it (sent as FATAL)
     */
    default ClientSession openSession(SessionContext context) throws PgException {
        return open(context);
    }

    /**
     * The thread stack, in bytes, that calls into this handler's sessions need; 0 (the default) when the JVM's
     * default suffices. A handler that recurses deeply on the calling thread (an embedded database that parses and
     * plans nested expressions in native code, where running out of stack ends the whole process) states it here,
     * and the server serves its connections on threads created with at least this stack, whatever executor it was
     * given.
     */
    default long threadStackSize() {
        return 0;
    }

    /** Releases what the handler holds (databases, pools) when the server closes. The default does nothing. */
    @Override
    default void close() {}
}
