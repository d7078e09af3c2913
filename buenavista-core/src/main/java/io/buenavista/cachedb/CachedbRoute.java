package io.buenavista.cachedb;

import io.buenavista.api.Route;

/**
 * A route parsed from a cachedb database string: protocol A names a dataset ({@link DatasetRoute}), protocol B a
 * database directly ({@link DatabaseRoute}). Authorization resolves a dataset to the database that holds it, so a
 * session always opens on a {@link DatabaseRoute}.
 */
public sealed interface CachedbRoute extends Route permits DatasetRoute, DatabaseRoute {
    Dialect dialect();

    ConnectionType connectionType();

    @Override
    default String handler() {
        return dialect().handlerName();
    }
}
