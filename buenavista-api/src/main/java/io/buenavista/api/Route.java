package io.buenavista.api;

/**
 * Where a connection goes, as decided by a {@link ConnectionParamParser} from the startup request alone.
 * Implementations are usually records carrying what their handler needs (a dataset, a schema, a backend).
 */
public interface Route {
    /** The name of the {@link QueryHandler} that serves this route. */
    String handler();

    /** The database name to report to the client (for {@code current_database()} and the like). */
    String database();

    /** A plain route: handler name and database name. */
    static Route of(String handler, String database) {
        return new Basic(handler, database);
    }

    /** The route of {@link #of(String, String)}. */
    record Basic(String handler, String database) implements Route {
        public Basic {
            java.util.Objects.requireNonNull(handler, "handler");
            java.util.Objects.requireNonNull(database, "database");
        }
    }
}
