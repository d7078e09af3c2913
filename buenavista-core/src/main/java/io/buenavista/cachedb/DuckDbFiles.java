package io.buenavista.cachedb;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Whether a {@link DatabaseRoute} can be served by DuckDB: both of its cache files are in the data folder
 * ({@link Present}), or not ({@link Missing}, when the original service falls back to the postgresql route of the
 * same code with a warning). See {@link CachedbDuckDbHandler#files(DatabaseRoute)}.
 */
public sealed interface DuckDbFiles permits DuckDbFiles.Present, DuckDbFiles.Missing {

    /**
     * Both files, as real paths inside the data folder, with what identifies the files now: a file replaced since
     * (new inode, size or modification time) gives another identity.
     *
     * @param identity the files' keys, sizes and modification times
     */
    record Present(Path schemaFile, Path vocabFile, String identity) implements DuckDbFiles {
        public Present {
            Objects.requireNonNull(schemaFile, "schemaFile");
            Objects.requireNonNull(vocabFile, "vocabFile");
            Objects.requireNonNull(identity, "identity");
        }
    }

    /**
     * The route cannot be served by DuckDB.
     *
     * @param reason for the server's log: which file is missing or why it does not count (it may name paths, so it
     *               is not for the client)
     */
    record Missing(String reason) implements DuckDbFiles {
        public Missing {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
