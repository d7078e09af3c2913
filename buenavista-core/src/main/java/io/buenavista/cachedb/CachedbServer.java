package io.buenavista.cachedb;

import io.buenavista.api.BearerToken;
import io.buenavista.core.jdbc.JdbcHandler;
import io.buenavista.core.relay.RelayConfig;
import io.buenavista.core.server.BuenaVistaServer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The cachedb server assembled: the {@link CachedbRouteParser}, the {@link CachedbAuthenticator} and the handlers
 * of the dialects ({@code cachedb-postgresql}, {@code cachedb-hana}, and {@code cachedb-duckdb} when the config
 * names a data folder), listening where {@link Config} says. {@link Config#fromEnvironment} reads
 * the original cachedb's environment variables; embedders build a {@link Config} in code:
 *
 * <pre>{@code
 * CachedbServer.Config config = new CachedbServer.Config(
 *         CachedbSettings.defaults(new CachedbSettings.ServiceRoutes(issuer, usermgmt, portal), "my-scope"),
 *         DatabaseCredentials.parse(json), InetAddress.getLoopbackAddress(), 41191, Optional.of(dataFolder),
 *         Optional.empty(), 10);
 * try (BuenaVistaServer server = CachedbServer.builder(config).build().start()) { ... }
 * }</pre>
 */
public final class CachedbServer {
    /** The original's port. */
    public static final int DEFAULT_PORT = 41191;
    /** Every interface, as the original. */
    public static final String DEFAULT_BIND = "0.0.0.0";
    /** The original's pool size per database and login. */
    public static final int DEFAULT_POOL_SIZE = 10;

    private CachedbServer() {}

    /**
     * What a cachedb server needs.
     *
     * @param settings         authentication and authorization ({@code SERVICE_ROUTES}, {@code IDP__SCOPE}, …)
     * @param databases        the databases by code ({@code DATABASE_CREDENTIALS})
     * @param bind             the address to listen on ({@code CACHEDB__BIND})
     * @param port             the port to listen on, 0 for a free one ({@code CACHEDB__PORT})
     * @param dataFolder       the DuckDB files' folder ({@code DUCKDB__DATA_FOLDER}), for the duckdb handler
     * @param extensionsFolder where DuckDB extensions are loaded from ({@code DUCKDB_EXTENSIONS_FOLDER})
     * @param poolSize         backend connections per database code and login ({@code CACHEDB__POOL_SIZE})
     */
    public record Config(CachedbSettings settings, DatabaseCredentials databases, InetAddress bind, int port,
            Optional<Path> dataFolder, Optional<Path> extensionsFolder, int poolSize) {
        public Config {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(databases, "databases");
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(dataFolder, "dataFolder");
            Objects.requireNonNull(extensionsFolder, "extensionsFolder");
            if (port < 0 || port > 65535) {
                throw new CachedbSettings.InvalidSettingException("port", "must be between 0 and 65535");
            }
            if (poolSize < 1 || poolSize > 10_000) {
                throw new CachedbSettings.InvalidSettingException("poolSize", "must be between 1 and 10000");
            }
        }

        /** Reads the configuration from this process's environment. */
        public static Config fromEnvironment() {
            return fromEnvironment(System.getenv());
        }

        /**
         * Reads the configuration from the original cachedb's environment variables: {@link CachedbSettings}'s, and
         * {@code DATABASE_CREDENTIALS} (required), {@code CACHEDB__BIND}, {@code CACHEDB__PORT},
         * {@code DUCKDB__DATA_FOLDER} (an existing folder when set), {@code DUCKDB_EXTENSIONS_FOLDER} and
         * {@code CACHEDB__POOL_SIZE}.
         *
         * @throws CachedbSettings.InvalidSettingException naming the first missing or invalid variable, in one
         *                                                 line that never quotes a value
         */
        public static Config fromEnvironment(Map<String, String> env) {
            CachedbSettings settings = CachedbSettings.fromEnvironment(env);
            String json = CachedbSettings.required(env, DatabaseCredentials.VARIABLE);
            DatabaseCredentials databases;
            try {
                databases = DatabaseCredentials.parse(json);
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                String problem = m.startsWith(DatabaseCredentials.VARIABLE)
                        ? m.substring(DatabaseCredentials.VARIABLE.length()).strip() : m;
                throw new CachedbSettings.InvalidSettingException(DatabaseCredentials.VARIABLE,
                        problem.replaceFirst("^:\\s*", "").replace('\n', ' '));
            }
            InetAddress bind = bind(CachedbSettings.optional(env, "CACHEDB__BIND").orElse(DEFAULT_BIND));
            int port = number(env, "CACHEDB__PORT", DEFAULT_PORT, 0, 65535);
            Optional<Path> data = folder(env, "DUCKDB__DATA_FOLDER", true);
            Optional<Path> extensions = folder(env, "DUCKDB_EXTENSIONS_FOLDER", false);
            int poolSize = number(env, "CACHEDB__POOL_SIZE", DEFAULT_POOL_SIZE, 1, 10_000);
            return new Config(settings, databases, bind, port, data, extensions, poolSize);
        }

        private static int number(Map<String, String> env, String name, int dflt, int min, int max) {
            Optional<String> v = CachedbSettings.optional(env, name);
            if (v.isEmpty()) {
                return dflt;
            }
            try {
                int n = Integer.parseInt(v.get());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CachedbSettings.InvalidSettingException(name, "must be a whole number from " + min + " to "
                    + max);
        }

        private static InetAddress bind(String host) {
            try {
                return InetAddress.getByName(host);
            } catch (UnknownHostException | SecurityException e) {
                throw new CachedbSettings.InvalidSettingException("CACHEDB__BIND", "is not an address of this host");
            }
        }

        private static Optional<Path> folder(Map<String, String> env, String name, boolean mustExist) {
            Optional<String> v = CachedbSettings.optional(env, name);
            if (v.isEmpty()) {
                return Optional.empty();
            }
            Path p;
            try {
                p = Path.of(v.get());
            } catch (InvalidPathException e) {
                throw new CachedbSettings.InvalidSettingException(name, "is not a path");
            }
            if (mustExist && !Files.isDirectory(p)) {
                throw new CachedbSettings.InvalidSettingException(name, "is not an existing folder");
            }
            return Optional.of(p);
        }
    }

    /**
     * A server builder with the cachedb parser and authenticator and the postgresql, hana and (when the config names
     * a data folder) duckdb handlers; the caller may set more (TLS, limits) before {@code build()}. A duckdb route
     * whose files are missing is served by the postgresql route of the same code, as the original does. The server
     * closes the handlers when it closes.
     */
    public static BuenaVistaServer.Builder builder(Config config) {
        CachedbPostgresHandler postgresql = new CachedbPostgresHandler(config.databases(),
                RelayConfig.defaults().withPoolSize(config.poolSize()));
        // A HANA entry without a read login logs in with the user's own token (the original's JWT mode).
        JdbcHandler hana = HanaConnector.handler(config.databases(), HanaConnections.Timeouts.DEFAULT,
                context -> context.bearerToken().map(BearerToken::value), config.poolSize(), JdbcHandler.DEFAULT_FETCH_SIZE);
        BuenaVistaServer.Builder b = BuenaVistaServer.builder()
                .bindAddress(config.bind())
                .port(config.port())
                .discoverProviders(false)
                .parser(new CachedbRouteParser())
                .authenticator(new CachedbAuthenticator(config.settings()))
                .handler(postgresql)
                .handler(hana);
        config.dataFolder().ifPresent(folder -> {
            CachedbDuckDbConfig duckdb = CachedbDuckDbConfig.of(folder);
            b.handler(new CachedbDuckDbHandler(config.extensionsFolder().map(duckdb::withExtensionsFolder)
                    .orElse(duckdb), postgresql));
        });
        return b;
    }
}
