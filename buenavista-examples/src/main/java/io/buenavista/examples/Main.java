package io.buenavista.examples;

import io.buenavista.api.Authenticator;
import io.buenavista.core.duckdb.DuckDbConfig;
import io.buenavista.core.duckdb.DuckDbHandler;
import io.buenavista.core.server.BuenaVistaServer;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

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

            Run 'java -jar buenavista.jar COMMAND --help' for a command's options.
            """;

    private static final String DUCKDB_USAGE = """
            Usage: java -jar buenavista.jar duckdb [FILE] [--host H] [--port P] [--read-only]

            Serves a DuckDB database over the PostgreSQL protocol. Any database name a client asks for is accepted.
            Clients are trusted (no password), so by default only this machine can connect.

            Options:
              FILE           the DuckDB database file (created if missing); in-memory when omitted
              --host H       address to listen on (default 127.0.0.1)
              --port P       port to listen on (default 5433; 0 picks a free one)
              --read-only    open FILE read-only
              --help         show this help
            """;

    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != EXIT_OK) {
            System.exit(code);
        }
    }

    /** Runs a command until it ends; returns the process exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
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
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--help", "-h" -> {
                    out.print(DUCKDB_USAGE);
                    return EXIT_OK;
                }
                case "--read-only" -> readOnly = true;
                case "--host", "--port" -> {
                    if (i + 1 >= args.size()) {
                        return usage(err, DUCKDB_USAGE, a + " needs a value");
                    }
                    String v = args.get(++i);
                    if (a.equals("--host")) {
                        host = v;
                    } else {
                        try {
                            port = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            return usage(err, DUCKDB_USAGE, "--port must be a number, got '" + v + "'");
                        }
                        if (port < 0 || port > 65535) {
                            return usage(err, DUCKDB_USAGE, "--port must be between 0 and 65535");
                        }
                    }
                }
                default -> {
                    if (a.startsWith("-")) {
                        return usage(err, DUCKDB_USAGE, "unknown option '" + a + "'");
                    }
                    positional.add(a);
                }
            }
        }
        if (positional.size() > 1) {
            return usage(err, DUCKDB_USAGE, "only one database FILE may be given");
        }
        if (!positional.isEmpty()) {
            file = positional.get(0);
        }
        if (readOnly && file == null) {
            return usage(err, DUCKDB_USAGE, "--read-only needs a database FILE");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return usage(err, DUCKDB_USAGE, "unknown host '" + host + "'");
        }
        DuckDbConfig config = file == null ? DuckDbConfig.inMemory() : DuckDbConfig.file(file, readOnly);
        BuenaVistaServer server;
        try {
            server = BuenaVistaServer.builder()
                    .bindAddress(address)
                    .port(port)
                    .discoverProviders(false)
                    .handler(new DuckDbHandler(config))
                    .authenticator(Authenticator.trust())
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

    /** Blocks until SIGINT/SIGTERM, then closes the server gracefully. */
    private static void awaitShutdown(BuenaVistaServer server) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
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
