package io.buenavista.core.relay;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL 15 cluster of the test's own ({@code initdb --auth=scram-sha-256} in a temp dir, a free port), for
 * what the shared one must not be used for: password logins and restarts. initdb and postgres refuse to run as root,
 * so as root they run as the {@code postgres} user through {@code setpriv}; as any other user the test is skipped.
 */
public final class PrivateCluster implements AutoCloseable {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    final Path dir;
    public final int port;
    private final boolean asRoot;

    private PrivateCluster(Path dir, int port, boolean asRoot) {
        this.dir = dir;
        this.port = port;
        this.asRoot = asRoot;
    }

    /** Creates and starts a cluster whose superuser {@code postgres} has this password, with these pg_hba lines. */
    public static PrivateCluster start(String superuserPassword, List<String> hbaLines) throws Exception {
        String me = System.getProperty("user.name");
        Assumptions.assumeTrue(Files.isExecutable(BIN.resolve("initdb")), "PostgreSQL 15 binaries not installed");
        Assumptions.assumeTrue(me.equals("root") || me.equals("postgres"),
                "a private cluster needs to run as root (via setpriv) or postgres, not " + me);
        boolean asRoot = me.equals("root");
        Path dir = Files.createTempDirectory("bv-cluster");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PrivateCluster c = new PrivateCluster(dir, port, asRoot);
        try {
            Path pw = dir.resolve("pw");
            Files.writeString(pw, superuserPassword + "\n");
            if (asRoot) {
                UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
                UserPrincipal postgres = users.lookupPrincipalByName("postgres");
                Files.setOwner(dir, postgres);
                Files.setOwner(pw, postgres);
            }
            c.run(BIN.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "--auth=scram-sha-256",
                    "--pwfile=" + pw, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "-N");
            List<String> hba = new ArrayList<>(hbaLines);
            hba.add("host all all 127.0.0.1/32 scram-sha-256");
            Files.writeString(dir.resolve("data").resolve("pg_hba.conf"), String.join("\n", hba) + "\n",
                    StandardCharsets.UTF_8);
            c.start();
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    void start() throws Exception {
        run(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(),
                "-w", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "start");
    }

    void stop() throws Exception {
        run(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
    }

    /**
     * Writes a file into the cluster's directory readable by its owner only, as PostgreSQL wants of a private key.
     *
     * @return its path
     */
    Path writePrivateFile(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        if (asRoot) {
            Files.setOwner(file, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
        }
        return file;
    }

    public String jdbcUrl(String user, String password) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + user + "&password=" + password
                + "&sslmode=disable";
    }

    /** Runs a PostgreSQL program as the cluster's owner; its output goes to a file (pg_ctl's postmaster keeps pipes). */
    private void run(String... command) throws Exception {
        List<String> full = new ArrayList<>();
        if (asRoot) {
            full.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
        }
        full.addAll(List.of(command));
        Path out = Files.createTempFile("bv-cluster", ".out");
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + full);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(full + " failed (" + p.exitValue() + "): " + Files.readString(out));
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
                stop();
            }
        } catch (Exception | AssertionError e) {
            // best effort; the directory goes anyway
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
