package io.buenavista.examples;

import io.buenavista.api.Authenticator;
import io.buenavista.cachedb.CachedbDuckDbConfig;
import io.buenavista.cachedb.CachedbServer;
import io.buenavista.cachedb.CachedbSettings;
import io.buenavista.core.duckdb.DuckDbConfig;
import io.buenavista.core.duckdb.DuckDbHandler;
import io.buenavista.core.relay.Backend;
import io.buenavista.core.relay.RelayConfig;
import io.buenavista.core.relay.RelayHandler;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.core.server.PemServerTls;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;

/**
 * The runnable {@code buenavista.jar}. Its subcommands and options are a public contract: scripts depend on them.
 * Exit codes: 0 after a clean shutdown or {@code --help}, 1 when the server cannot start, 2 on bad usage.
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    private static final String USAGE = """
            Usage: java -jar buenavista.jar COMMAND [OPTIONS]

            Serves databases over the PostgreSQL protocol.

            Commands:
              duckdb [FILE]   serve a DuckDB database (in-memory when FILE is omitted)
              proxy           relay clients to a PostgreSQL server through a pool of backend connections
              cachedb         the platform's cachedb service: token logins routed to duckdb, postgresql and
                              hana databases, configured by environment variables only

            Run 'java -jar buenavista.jar COMMAND --help' for a command's options.
            """;

    private static final String DUCKDB_USAGE = """
            Usage: java -jar buenavista.jar duckdb [FILE] [OPTIONS]

            Serves a DuckDB database over the PostgreSQL protocol. Any database name a client asks for is accepted.
            Clients are trusted (no password), so by default only this machine can connect.

            Options:
              FILE                   the DuckDB database file (created if missing); in-memory when omitted
              --host H               address to listen on (default 127.0.0.1)
              --port P               port to listen on (default 5433; 0 picks a free one)
              --read-only            open FILE read-only
              --attach NAME=FILE     attach another DuckDB file read-only as NAME (repeatable)
              --threads N            DuckDB worker threads (default: one per core)
              --memory-limit SIZE    DuckDB memory limit, e.g. 2GB
              --temp-directory DIR   where DuckDB and open cursors spill to disk
              --allow-file-access    let client SQL read and write files (read_csv, INSTALL, LOAD); off by
                                     default (COPY to or from a file stays refused, as PostgreSQL refuses
                                     it to a user who is not a superuser)
              --allow-global-changes let client SQL change the database for every session: ATTACH, DETACH,
                                     USE of another database, global settings (memory_limit, threads,
                                     SET GLOBAL, PRAGMA ...), FORCE CHECKPOINT, secrets; off by default
                                     (then a client can change only its own session; refused with 42501)
              --tls-cert FILE        offer TLS with this PEM certificate chain (server certificate first)
              --tls-key FILE         ... and this unencrypted PKCS#8 PEM key; clients choose with sslmode
              --insecure-trust       allow a non-loopback --host although clients are not authenticated
              --help                 show this help
            """;

    private static final String PROXY_USAGE = """
            Usage: java -jar buenavista.jar proxy --backend postgresql://HOST[:PORT]/DB [OPTIONS]

            Relays clients to a PostgreSQL server, as PgBouncer does in session pooling: each client gets a pooled,
            already-authenticated backend connection for its session, reset (ROLLBACK, DISCARD ALL) when it leaves.
            Any database name a client asks for maps to the backend's database. Clients are trusted (no password),
            so by default only this machine can connect.

            Options:
              --backend URL          the PostgreSQL server: postgresql://HOST[:PORT]/DB or jdbc:postgresql://...;
                                     TLS with ?sslmode=prefer|require|verify-ca|verify-full (default
                                     disable) and &sslrootcert=FILE (PEM; default: the JVM's trust store)
              --backend-user U       the user the proxy logs in to the backend as (default: postgres)
              --backend-password-file FILE
                                     read the backend password from FILE (first line); or set
                                     BV_BACKEND_PASSWORD. Never given on the command line.
              --pool-size N          backend connections at most (default 10)
              --pool-wait SECONDS    how long a client waits for a free backend connection, then gets
                                     FATAL 53300 (default 30)
              --min-idle N           backend connections kept open and idle ahead of logins, within the
                                     pool size (default 0)
              --idle-timeout SECONDS an idle backend connection unused this long is closed (default 600)
              --relay-threads N      threads that move the sessions' bytes when neither side uses TLS
                                     (default: one per two cores, at least one)
              --host H               address to listen on (default 127.0.0.1)
              --port P               port to listen on (default 5434; 0 picks a free one)
              --tls-cert FILE        offer TLS with this PEM certificate chain (server certificate first)
              --tls-key FILE         ... and this unencrypted PKCS#8 PEM key; clients choose with sslmode
              --insecure-trust       allow a non-loopback --host although clients are not authenticated
              --help                 show this help
            """;

    private static final String CACHEDB_USAGE = """
            Usage: java -jar buenavista.jar cachedb

            Serves the platform's databases as the cachedb service does: a client logs in with a JWT (as the user
            name, or as the password) and a database string (A|DIALECT|DATASET_ID or B|DIALECT|CODE|...); the
            token is verified and authorized with the platform's services, and the session goes to the database
            the route names (postgresql: relayed through a pool; hana: the JDBC driver; duckdb: the cached files).
            Configured by environment variables only (a missing or invalid one stops it with exit code 2):

              SERVICE_ROUTES                     required  JSON {"idIssuerUrl", "usermgmt", "portalServer"}
              IDP__SCOPE                         required  the audience every token must carry
              DATABASE_CREDENTIALS               required  JSON list of the databases (entries tagged analytics)
              CACHEDB__PORT                      41191     port to listen on (0 picks a free one)
              CACHEDB__BIND                      0.0.0.0   address to listen on
              CACHEDB__TLS_CERT                  unset     PEM certificate chain: offer clients TLS (with the key)
              CACHEDB__TLS_KEY                   unset     unencrypted PKCS#8 PEM key of that certificate
              CACHEDB__POOL_SIZE                 10        backend connections per database and login
              DUCKDB__DATA_FOLDER                unset     folder of the DuckDB files; must exist when set
              DUCKDB_EXTENSIONS_FOLDER           unset     folder DuckDB extensions are loaded from
              CACHEDB__DUCKDB_MAX_INSTANCES      8         DuckDB instances (one per file set) open at once; for
                                                           another, the one unused longest without sessions is
                                                           closed, or the login gets FATAL 53300 when all have some
              CACHEDB__DUCKDB_MEMORY_LIMIT       auto      memory limit of each instance, e.g. 2GB or 512MiB (at
                                                           least 64MiB); auto: 80%% of the memory the JVM heap
                                                           leaves, divided by the instances (here %s)
              CACHEDB__DUCKDB_THREADS            cores     worker threads of each instance (here %d)
              CACHEDB__DUCKDB_TEMP_DIRECTORY     tmpdir    existing folder (outside the data folder) under which
                                                           each instance spills, in a folder of its own removed
                                                           when it closes; tmpdir: the JVM's temporary directory
              IDP_SUBJECT_PROP                   sub       the claim holding the user id
              IDP__ALP_DATA_CLIENT_ID            unset     the client-credentials user id allowed everything
              TLS__INTERNAL__CA_CRT              unset     extra CA certificates for the services (PEM or file)
              PYTHON_VERIFY_SSL                  true      false: do not check the services' certificates
              CACHEDB__JWT_ALGORITHMS            ES384     accepted token algorithms (asymmetric only)
              CACHEDB__JWT_ISSUER                unset     the required iss claim; unset: not checked
              CACHEDB__JWT_CLOCK_SKEW_S          0         tolerance for exp and nbf, in seconds
              CACHEDB__JWKS_MIN_REFRESH_S        30        least seconds between JWKS fetches for unknown keys
              CACHEDB__AUTH_CACHE_TTL_S          60        seconds a token's authorization answers are reused
              CACHEDB__PASSWORD_METHOD           password  password (cleartext request) or oauthbearer
              CACHEDB__ALLOW_PLAINTEXT_PASSWORD  false     accept the token as a password without TLS off loopback
              CACHEDB__SESSION_EXPIRY            keep      keep or close a session whose token expired
              CACHEDB__HTTP_CONNECT_TIMEOUT_S    5         connect timeout of calls to the services
              CACHEDB__HTTP_TIMEOUT_S            10        whole-answer timeout of calls to the services

            Options:
              --help                 show this help
            """;

    /** {@link #CACHEDB_USAGE} with this machine's defaults, for {@code maxInstances} DuckDB instances. */
    private static String cachedbUsage(int maxInstances) {
        CachedbServer.DuckDbLimits limits = CachedbServer.DuckDbLimits.forThisMachine(maxInstances);
        return CACHEDB_USAGE.formatted((limits.memoryLimitBytes() >> 20) + "MiB each for " + maxInstances,
                limits.threads());
    }

    /** The environment variable holding the backend password for {@code proxy}. */
    static final String BACKEND_PASSWORD_ENV = "BV_BACKEND_PASSWORD";

    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != EXIT_OK) {
            System.exit(code);
        }
    }

    /** Runs a command until it ends; returns the process exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.getenv(), out, err);
    }

    /** As {@link #run(String[], PrintStream, PrintStream)}, with the environment given. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return EXIT_USAGE;
        }
        String command = args[0];
        List<String> rest = List.of(args).subList(1, args.length);
        switch (command) {
            case "--help":
            case "-h":
            case "help":
                out.print(USAGE);
                return EXIT_OK;
            case "duckdb":
                return duckdb(rest, out, err);
            case "proxy":
                return proxy(rest, env, out, err);
            case "cachedb":
                return cachedb(rest, env, out, err);
            default:
                err.println("buenavista: unknown command '" + command + "'");
                err.print(USAGE);
                return EXIT_USAGE;
        }
    }

    private static int duckdb(List<String> args, PrintStream out, PrintStream err) {
        String file = null;
        String host = "127.0.0.1";
        int port = 5433;
        boolean readOnly = false;
        boolean insecureTrust = false;
        InetAddress address;
        DuckDbConfig config = DuckDbConfig.inMemory();
        List<String[]> attachments = new ArrayList<>();
        String tlsCert = null;
        String tlsKey = null;
        SSLContext tls;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--help", "-h" -> {
                        out.print(DUCKDB_USAGE);
                        return EXIT_OK;
                    }
                    case "--read-only" -> readOnly = true;
                    case "--allow-file-access" -> config = config.withAllowFileAccess(true);
                    case "--allow-global-changes" -> config = config.withAllowGlobalChanges(true);
                    case "--insecure-trust" -> insecureTrust = true;
                    case "--host" -> host = value(args, ++i, a);
                    case "--port" -> port = number(value(args, ++i, a), a, 0, 65535);
                    case "--threads" -> config = config.withThreads(number(value(args, ++i, a), a, 1, 4096));
                    case "--memory-limit" -> config = config.withMemoryLimit(value(args, ++i, a));
                    case "--temp-directory" -> config = config.withTempDirectory(value(args, ++i, a));
                    case "--tls-cert" -> tlsCert = value(args, ++i, a);
                    case "--tls-key" -> tlsKey = value(args, ++i, a);
                    case "--attach" -> {
                        String v = value(args, ++i, a);
                        int eq = v.indexOf('=');
                        if (eq <= 0 || eq == v.length() - 1) {
                            throw new UsageException("--attach needs NAME=FILE, got '" + v + "'");
                        }
                        attachments.add(new String[] {v.substring(0, eq), v.substring(eq + 1)});
                    }
                    default -> {
                        if (a.startsWith("-")) {
                            throw new UsageException("unknown option '" + a + "'");
                        }
                        if (file != null) {
                            throw new UsageException("only one database FILE may be given");
                        }
                        file = a;
                    }
                }
            }
            if (readOnly && file == null) {
                throw new UsageException("--read-only needs a database FILE");
            }
            for (String[] attachment : attachments) {
                try {
                    config = config.withAttachment(attachment[0], attachment[1]);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
            address = listenAddress(host, insecureTrust);
            tls = tls(tlsCert, tlsKey);
        } catch (UsageException e) {
            return usage(err, DUCKDB_USAGE, e.getMessage());
        }
        if (file != null) {
            config = new DuckDbConfig(file, readOnly, config.threads(), config.memoryLimit(), config.tempDirectory(),
                    config.allowFileAccess(), config.attachments(), config.allowGlobalChanges());
        }
        BuenaVistaServer server;
        try {
            server = BuenaVistaServer.builder()
                    .bindAddress(address)
                    .port(port)
                    .discoverProviders(false)
                    .handler(new DuckDbHandler(config))
                    .authenticator(Authenticator.trust())
                    .sslContext(tls)
                    .build()
                    .start();
        } catch (RuntimeException e) {
            err.println("buenavista: cannot start: " + e.getMessage());
            return EXIT_FAILED;
        }
        String where = file == null ? "an in-memory DuckDB database" : "DuckDB database " + file
                + (readOnly ? " (read-only)" : "");
        out.println("Buena Vista is serving " + where + " on " + host + ":" + server.port());
        out.println("Connect with: psql -h " + host + " -p " + server.port());
        out.println("Stop with Ctrl-C.");
        out.flush();
        awaitShutdown(server);
        return EXIT_OK;
    }

    private static int proxy(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        String backendUrl = null;
        String backendUser = "postgres";
        String passwordFile = null;
        String host = "127.0.0.1";
        int port = 5434;
        boolean insecureTrust = false;
        InetAddress address;
        RelayConfig config = RelayConfig.defaults();
        int minIdle = 0;
        Backend backend;
        String tlsCert = null;
        String tlsKey = null;
        SSLContext tls;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--help", "-h" -> {
                        out.print(PROXY_USAGE);
                        return EXIT_OK;
                    }
                    case "--backend" -> backendUrl = value(args, ++i, a);
                    case "--backend-user" -> backendUser = value(args, ++i, a);
                    case "--backend-password-file" -> passwordFile = value(args, ++i, a);
                    case "--pool-size" -> config = config.withPoolSize(number(value(args, ++i, a), a, 1, 10000));
                    case "--pool-wait" -> config = config.withPoolWait(
                            Duration.ofSeconds(number(value(args, ++i, a), a, 0, 86400)));
                    case "--min-idle" -> minIdle = number(value(args, ++i, a), a, 0, 10000);
                    case "--idle-timeout" -> config = config.withIdleTimeout(
                            Duration.ofSeconds(number(value(args, ++i, a), a, 1, 86400 * 7)));
                    case "--relay-threads" -> config = config.withLoopThreads(number(value(args, ++i, a), a, 1, 256));
                    case "--host" -> host = value(args, ++i, a);
                    case "--port" -> port = number(value(args, ++i, a), a, 0, 65535);
                    case "--insecure-trust" -> insecureTrust = true;
                    case "--tls-cert" -> tlsCert = value(args, ++i, a);
                    case "--tls-key" -> tlsKey = value(args, ++i, a);
                    default -> throw new UsageException(a.startsWith("--backend-password")
                            ? "the backend password is read from " + BACKEND_PASSWORD_ENV
                                    + " or --backend-password-file, never from the command line"
                            : "unknown " + (a.startsWith("-") ? "option" : "argument") + " '" + a + "'");
                }
            }
            if (backendUrl == null) {
                throw new UsageException("--backend postgresql://HOST:PORT/DB is required");
            }
            if (minIdle > config.poolSize()) {
                throw new UsageException("--min-idle " + minIdle + " is more than the pool size ("
                        + config.poolSize() + ")");
            }
            config = config.withMinIdle(minIdle);
            if (backendUser.isEmpty()) {
                throw new UsageException("--backend-user must not be empty");
            }
            String password = env.get(BACKEND_PASSWORD_ENV);
            if (passwordFile != null) {
                try {
                    String text = Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8);
                    int eol = text.indexOf('\n');
                    password = (eol < 0 ? text : text.substring(0, eol)).replace("\r", "");
                } catch (IOException | RuntimeException e) {
                    throw new UsageException("cannot read --backend-password-file " + passwordFile);
                }
            }
            try {
                backend = Backend.parse(backendUrl, backendUser, password);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            address = listenAddress(host, insecureTrust);
            tls = tls(tlsCert, tlsKey);
        } catch (UsageException e) {
            return usage(err, PROXY_USAGE, e.getMessage());
        }
        BuenaVistaServer server;
        try {
            server = BuenaVistaServer.builder()
                    .bindAddress(address)
                    .port(port)
                    .discoverProviders(false)
                    .handler(new RelayHandler(backend, config))
                    .authenticator(Authenticator.trust())
                    .sslContext(tls)
                    .build()
                    .start();
        } catch (RuntimeException e) {
            err.println("buenavista: cannot start: " + e.getMessage());
            return EXIT_FAILED;
        }
        out.println("Buena Vista is relaying to " + backend + " (pool of " + config.poolSize() + ") on " + host
                + ":" + server.port());
        out.println("Connect with: psql -h " + host + " -p " + server.port());
        out.println("Stop with Ctrl-C.");
        out.flush();
        awaitShutdown(server);
        return EXIT_OK;
    }

    private static int cachedb(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                out.print(cachedbUsage(CachedbDuckDbConfig.DEFAULT_MAX_INSTANCES));
                return EXIT_OK;
            }
        }
        if (!args.isEmpty()) {
            return usage(err, cachedbUsage(CachedbDuckDbConfig.DEFAULT_MAX_INSTANCES),
                    "cachedb takes no " + (args.get(0).startsWith("-") ? "option" : "argument")
                    + " '" + args.get(0) + "'; it is configured by environment variables");
        }
        CachedbServer.Config config;
        try {
            config = CachedbServer.Config.fromEnvironment(env);
        } catch (CachedbSettings.InvalidSettingException e) {
            err.println("buenavista: " + e.getMessage()); // names the variable, never its value
            return EXIT_USAGE;
        }
        BuenaVistaServer server;
        try {
            server = CachedbServer.builder(config).build().start();
        } catch (RuntimeException e) {
            err.println("buenavista: cannot start: " + e.getMessage());
            return EXIT_FAILED;
        }
        String host = config.bind().getHostAddress();
        out.println("Buena Vista cachedb is serving " + config.databases().entries().size() + " database(s) on "
                + host + ":" + server.port());
        out.println("Connect with: psql -h " + (config.bind().isAnyLocalAddress() ? "127.0.0.1" : host) + " -p "
                + server.port() + " \"dbname=A|postgresql|DATASET_ID user='Bearer TOKEN'\"");
        out.println("Stop with Ctrl-C.");
        out.flush();
        awaitShutdown(server);
        return EXIT_OK;
    }

    /** The address to listen on; one off this machine only with --insecure-trust, since clients are trusted. */
    private static InetAddress listenAddress(String host, boolean insecureTrust) throws UsageException {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UsageException("unknown host '" + host + "'");
        }
        if (!address.isLoopbackAddress() && !insecureTrust) {
            throw new UsageException("--host " + host + " would let anyone on the network in without a "
                    + "password; add --insecure-trust if that is what you want");
        }
        return address;
    }

    /** A command line that does not follow the usage. */
    private static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** The server's TLS from {@code --tls-cert} and {@code --tls-key}, given together; null when neither is. */
    private static SSLContext tls(String certificate, String key) throws UsageException {
        if (certificate == null && key == null) {
            return null;
        }
        if (certificate == null || key == null) {
            throw new UsageException("--tls-cert and --tls-key are given together");
        }
        try {
            return PemServerTls.context(Path.of(certificate), Path.of(key));
        } catch (PemServerTls.InvalidPemException | InvalidPathException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static String value(List<String> args, int i, String option) throws UsageException {
        if (i >= args.size()) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }

    private static int number(String v, String option, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new UsageException(option + " must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be a number, got '" + v + "'");
        }
    }

    /** Blocks until SIGINT/SIGTERM, then closes the server gracefully and exits with {@link #EXIT_OK}. */
    private static void awaitShutdown(BuenaVistaServer server) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            int code = EXIT_FAILED;
            try {
                server.close();
                code = EXIT_OK;
            } finally {
                stopped.countDown();
                // After a signal the JVM would exit with 128 + its number (143 for SIGTERM); a clean stop is 0, as
                // the usage promises. The server and its databases are closed: no other hook has work left.
                Runtime.getRuntime().halt(code);
            }
        }, "buenavista-shutdown-hook"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
    }

    private static int usage(PrintStream err, String usage, String problem) {
        err.println("buenavista: " + problem);
        err.print(usage);
        return EXIT_USAGE;
    }
}
