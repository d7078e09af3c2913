package io.buenavista.cachedb;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A database by its code in {@code DATABASE_CREDENTIALS}, with the schema and vocabulary schema to use: protocol B
 * ({@code B|DIALECT[|read|write]|CODE[|SCHEMA|VOCAB]}) as parsed, or protocol A once its dataset is resolved.
 * Identifiers are validated ({@code [A-Za-z_][A-Za-z0-9_]*}, at most 63 characters) before a route is made.
 *
 * @param datasetId the dataset this route was resolved from (protocol A), or empty (protocol B)
 */
public record DatabaseRoute(Dialect dialect, ConnectionType connectionType, String databaseCode,
        Optional<String> schema, Optional<String> vocabSchema, Optional<UUID> datasetId) implements CachedbRoute {
    public DatabaseRoute {
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(connectionType, "connectionType");
        Objects.requireNonNull(databaseCode, "databaseCode");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(vocabSchema, "vocabSchema");
        Objects.requireNonNull(datasetId, "datasetId");
    }

    @Override
    public String database() {
        return databaseCode;
    }
}
