package io.buenavista.cachedb;

import java.util.Objects;
import java.util.UUID;

/**
 * Protocol A: {@code A|DIALECT[|read|write]|DATASETID}. The portal service resolves the dataset to a
 * {@link DatabaseRoute} once the user is allowed to use it.
 */
public record DatasetRoute(Dialect dialect, ConnectionType connectionType, UUID datasetId) implements CachedbRoute {
    public DatasetRoute {
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(connectionType, "connectionType");
        Objects.requireNonNull(datasetId, "datasetId");
    }

    @Override
    public String database() {
        return datasetId.toString();
    }
}
