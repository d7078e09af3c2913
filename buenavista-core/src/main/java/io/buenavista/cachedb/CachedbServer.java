package io.buenavista.cachedb;

import io.buenavista.api.BearerToken;
import io.buenavista.core.jdbc.JdbcHandler;
import io.buenavista.core.relay.RelayConfig;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.core.server.PemServerTls;

import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

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
 *
 * <p>The DuckDB instances of the duckdb routes (one per file set) are bounded by {@link DuckDbLimits}: DuckDB shares
 * no memory between instances, so each gets its own limit, and their number is capped so that the limits add up to
 * what the machine can give.
 */
public final class CachedbServer {
    /** The original's port. */
    public static final int DEFAULT_PORT = 41191;
    /** Every interface, as the original. */
    public static final String DEFAULT_BIND = "0.0.0.0";
    /** The original's pool size per database and login. */
    public static final int DEFAULT_POOL_SIZE = 10;
    private static final String TLS_CERT = "CACHEDB__TLS_CERT";
    private static final String TLS_KEY = "CACHEDB__TLS_KEY";

    private CachedbServer() {}

    /**
     * What the DuckDB instances of the duckdb routes may use. DuckDB has no memory pool shared between instances
     * and by default gives each one all cores and 80% of the machine's memory, so a server with several file sets
     * open could promise the memory several times over. Here each instance gets {@code memoryLimitBytes}, at most
     * {@code maxInstances} are open at once (then the one unused longest without sessions is closed, or a session
     * for another file set is refused with FATAL {@code 53300}), so together they stay within
     * {@code maxInstances × memoryLimitBytes}; {@link #forThisMachine(int)} makes that 80% of the memory the JVM's
     * heap leaves.
     *
     * @param threads          DuckDB worker threads of each instance ({@code CACHEDB__DUCKDB_THREADS})
     * @param memoryLimitBytes DuckDB's {@code memory_limit} of each instance, in bytes, at least
     *                         {@link #MIN_MEMORY_LIMIT} ({@code CACHEDB__DUCKDB_MEMORY_LIMIT})
     * @param tempDirectory    the folder under which each instance spills, in a folder of its own removed when it
     *                         closes; empty for the JVM's temporary directory ({@code CACHEDB__DUCKDB_TEMP_DIRECTORY})
     * @param maxInstances     DuckDB instances open at once ({@code CACHEDB__DUCKDB_MAX_INSTANCES})
     */
    public record DuckDbLimits(int threads, long memoryLimitBytes, Optional<Path> tempDirectory, int maxInstances) {
        /** The least memory limit accepted: below it DuckDB fails even small queries. */
        public static final long MIN_MEMORY_LIMIT = 64L << 20;
        /** The most threads accepted, as the {@code duckdb} command's {@code --threads}. */
        public static final int MAX_THREADS = 4096;
        /** The most instances accepted. */
        public static final int MAX_INSTANCES = 1000;

        public DuckDbLimits {
            Objects.requireNonNull(tempDirectory, "tempDirectory");
            if (threads < 1 || threads > MAX_THREADS) {
                throw new CachedbSettings.InvalidSettingException("threads", "must be between 1 and " + MAX_THREADS);
            }
            if (memoryLimitBytes < MIN_MEMORY_LIMIT) {
                throw new CachedbSettings.InvalidSettingException("memoryLimitBytes", "must be at least 64MiB");
            }
            if (maxInstances < 1 || maxInstances > MAX_INSTANCES) {
                throw new CachedbSettings.InvalidSettingException("maxInstances", "must be between 1 and "
                        + MAX_INSTANCES);
            }
        }

        /** {@link #forThisMachine(int)} with {@link CachedbDuckDbConfig#DEFAULT_MAX_INSTANCES}. */
        public static DuckDbLimits forThisMachine() {
            return forThisMachine(CachedbDuckDbConfig.DEFAULT_MAX_INSTANCES);
        }

        /**
         * The defaults for {@code maxInstances} instances: one thread per core (DuckDB's default), the JVM's temporary
         * directory, and {@link #defaultMemoryLimit(int)} each.
         */
        public static DuckDbLimits forThisMachine(int maxInstances) {
            return new DuckDbLimits(Runtime.getRuntime().availableProcessors(), defaultMemoryLimit(maxInstances),
                    Optional.empty(), maxInstances);
        }

        /**
         * 80% (DuckDB's own share) of the memory the JVM's maximum heap leaves on this machine (or container),
         * divided among {@code maxInstances}, but at least {@link #MIN_MEMORY_LIMIT}.
         */
        public static long defaultMemoryLimit(int maxInstances) {
            long total = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getTotalMemorySize();
            long heap = Runtime.getRuntime().maxMemory();
            long budget = Math.max(0, total - (heap == Long.MAX_VALUE ? 0 : heap)) / 10 * 8;
            return Math.max(MIN_MEMORY_LIMIT, budget / Math.max(1, maxInstances));
        }

        /** This with another {@link #threads()}. */
        public DuckDbLimits withThreads(int n) {
            return new DuckDbLimits(n, memoryLimitBytes, tempDirectory, maxInstances);
        }

        /** This with another {@link #memoryLimitBytes()}. */
        public DuckDbLimits withMemoryLimitBytes(long bytes) {
            return new DuckDbLimits(threads, bytes, tempDirectory, maxInstances);
        }

        /** This with instances spilling under {@code folder}. */
        public DuckDbLimits withTempDirectory(Path folder) {
            return new DuckDbLimits(threads, memoryLimitBytes, Optional.of(folder), maxInstances);
        }

        /** This with another {@link #maxInstances()}, the memory limit unchanged. */
        public DuckDbLimits withMaxInstances(int n) {
            return new DuckDbLimits(threads, memoryLimitBytes, tempDirectory, n);
        }

        /** The handler's configuration for {@code dataFolder} with these limits. */
        CachedbDuckDbConfig applyTo(CachedbDuckDbConfig config) {
            return config.withThreads(threads).withMemoryLimit(memoryLimitBytes + "B")
                    .withTempDirectory(tempDirectory.orElse(null)).withMaxInstances(maxInstances);
        }

        private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]i?B|B)",
                Pattern.CASE_INSENSITIVE);

        /**
         * A size as DuckDB's {@code memory_limit} takes it: a number and a unit, {@code B}, {@code KB}, {@code MB},
         * {@code GB}, {@code TB} (powers of 1000) or {@code KiB}, {@code MiB}, {@code GiB}, {@code TiB} (of 1024).
         *
         * @throws IllegalArgumentException when it is not one, or beyond a long
         */
        public static long parseSize(String text) {
            Matcher m = SIZE.matcher(text.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("not a size such as 2GB or 512MiB");
            }
            String unit = m.group(2).toUpperCase(java.util.Locale.ROOT);
            int power = "BKMGT".indexOf(unit.charAt(0));
            long base = unit.length() == 3 ? 1024 : 1000;
            BigDecimal bytes = new BigDecimal(m.group(1));
            for (int i = 0; i < power; i++) {
                bytes = bytes.multiply(BigDecimal.valueOf(base));
            }
            try {
                return bytes.setScale(0, java.math.RoundingMode.DOWN).longValueExact();
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("too large");
            }
        }
    }

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
     * @param duckdb           what the DuckDB instances of the duckdb routes may use ({@code CACHEDB__DUCKDB_*}); its
     *                         temporary directory must not be inside the data folder
     * @param tls              TLS offered to clients ({@code CACHEDB__TLS_CERT} and {@code CACHEDB__TLS_KEY}, see
     *                         {@link PemServerTls}); empty: SSLRequest is declined
     */
    public record Config(CachedbSettings settings, DatabaseCredentials databases, InetAddress bind, int port,
            Optional<Path> dataFolder, Optional<Path> extensionsFolder, int poolSize, DuckDbLimits duckdb,
            Optional<SSLContext> tls) {
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
            Objects.requireNonNull(duckdb, "duckdb");
            Objects.requireNonNull(tls, "tls");
            if (dataFolder.isPresent() && duckdb.tempDirectory().isPresent()
                    && CachedbDuckDbConfig.inside(duckdb.tempDirectory().get(), dataFolder.get())) {
                throw new CachedbSettings.InvalidSettingException("duckdb",
                        "the temporary directory must not be inside the data folder");
            }
        }

        /** A configuration with the DuckDB limits {@link DuckDbLimits#forThisMachine()}. */
        public Config(CachedbSettings settings, DatabaseCredentials databases, InetAddress bind, int port,
                Optional<Path> dataFolder, Optional<Path> extensionsFolder, int poolSize) {
            this(settings, databases, bind, port, dataFolder, extensionsFolder, poolSize,
                    DuckDbLimits.forThisMachine(), Optional.empty());
        }

        /** This configuration with other DuckDB limits. */
        public Config withDuckDb(DuckDbLimits limits) {
            return new Config(settings, databases, bind, port, dataFolder, extensionsFolder, poolSize, limits, tls);
        }

        /** This configuration offering clients TLS with this context (e.g. {@link PemServerTls#context}). */
        public Config withTls(SSLContext context) {
            return new Config(settings, databases, bind, port, dataFolder, extensionsFolder, poolSize, duckdb,
                    Optional.of(context));
        }

        /** Reads the configuration from this process's environment. */
        public static Config fromEnvironment() {
            return fromEnvironment(System.getenv());
        }

        /**
         * Reads the configuration from the original cachedb's environment variables: {@link CachedbSettings}'s, and
         * {@code DATABASE_CREDENTIALS} (required), {@code CACHEDB__BIND}, {@code CACHEDB__PORT},
         * {@code DUCKDB__DATA_FOLDER} (an existing folder when set), {@code DUCKDB_EXTENSIONS_FOLDER},
         * {@code CACHEDB__POOL_SIZE}, and the {@link DuckDbLimits}: {@code CACHEDB__DUCKDB_MAX_INSTANCES},
         * {@code CACHEDB__DUCKDB_MEMORY_LIMIT} (a size such as {@code 2GB}; by default
         * {@link DuckDbLimits#defaultMemoryLimit(int)} of the instances), {@code CACHEDB__DUCKDB_THREADS} and
         * {@code CACHEDB__DUCKDB_TEMP_DIRECTORY} (an existing, writable folder outside the data folder).
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
            return new Config(settings, databases, bind, port, data, extensions, poolSize, duckDbLimits(env, data),
                    tls(env));
        }

        /** {@code CACHEDB__TLS_CERT} and {@code CACHEDB__TLS_KEY}, PEM files given together. */
        private static Optional<SSLContext> tls(Map<String, String> env) {
            Optional<String> cert = CachedbSettings.optional(env, TLS_CERT);
            Optional<String> key = CachedbSettings.optional(env, TLS_KEY);
            if (cert.isEmpty() && key.isEmpty()) {
                return Optional.empty();
            }
            if (cert.isEmpty() || key.isEmpty()) {
                throw new CachedbSettings.InvalidSettingException(cert.isEmpty() ? TLS_CERT : TLS_KEY,
                        "must be set with " + (cert.isEmpty() ? TLS_KEY : TLS_CERT));
            }
            Path certFile = path(cert.get(), TLS_CERT);
            Path keyFile = path(key.get(), TLS_KEY);
            try {
                return Optional.of(PemServerTls.context(certFile, keyFile));
            } catch (PemServerTls.InvalidPemException e) {
                throw new CachedbSettings.InvalidSettingException(e.file().equals(certFile) ? TLS_CERT : TLS_KEY,
                        e.reason());
            }
        }

        private static Path path(String value, String name) {
            try {
                return Path.of(value);
            } catch (InvalidPathException e) {
                throw new CachedbSettings.InvalidSettingException(name, "is not a path");
            }
        }

        private static DuckDbLimits duckDbLimits(Map<String, String> env, Optional<Path> data) {
            int instances = number(env, "CACHEDB__DUCKDB_MAX_INSTANCES", CachedbDuckDbConfig.DEFAULT_MAX_INSTANCES, 1,
                    DuckDbLimits.MAX_INSTANCES);
            DuckDbLimits limits = DuckDbLimits.forThisMachine(instances);
            limits = limits.withThreads(number(env, "CACHEDB__DUCKDB_THREADS", limits.threads(), 1,
                    DuckDbLimits.MAX_THREADS));
            Optional<String> memory = CachedbSettings.optional(env, "CACHEDB__DUCKDB_MEMORY_LIMIT");
            if (memory.isPresent()) {
                long bytes;
                try {
                    bytes = DuckDbLimits.parseSize(memory.get());
                } catch (IllegalArgumentException e) {
                    throw new CachedbSettings.InvalidSettingException("CACHEDB__DUCKDB_MEMORY_LIMIT",
                            "must be a size such as 2GB or 512MiB");
                }
                if (bytes < DuckDbLimits.MIN_MEMORY_LIMIT) {
                    throw new CachedbSettings.InvalidSettingException("CACHEDB__DUCKDB_MEMORY_LIMIT",
                            "must be at least 64MiB");
                }
                limits = limits.withMemoryLimitBytes(bytes);
            }
            Optional<Path> temp = folder(env, "CACHEDB__DUCKDB_TEMP_DIRECTORY", true);
            if (temp.isPresent()) {
                if (!Files.isWritable(temp.get())) {
                    throw new CachedbSettings.InvalidSettingException("CACHEDB__DUCKDB_TEMP_DIRECTORY",
                            "is not a writable folder");
                }
                if (data.isPresent() && CachedbDuckDbConfig.inside(temp.get(), data.get())) {
                    throw new CachedbSettings.InvalidSettingException("CACHEDB__DUCKDB_TEMP_DIRECTORY",
                            "must not be inside DUCKDB__DATA_FOLDER");
                }
                limits = limits.withTempDirectory(temp.get());
            }
            return limits;
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
            Path p = path(v.get(), name);
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
        config.tls().ifPresent(b::sslContext);
        config.dataFolder().ifPresent(folder -> {
            CachedbDuckDbConfig duckdb = config.duckdb().applyTo(CachedbDuckDbConfig.of(folder));
            b.handler(new CachedbDuckDbHandler(config.extensionsFolder().map(duckdb::withExtensionsFolder)
                    .orElse(duckdb), postgresql));
        });
        return b;
    }
}
