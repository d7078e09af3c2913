package io.buenavista.testing.http;

import com.google.gson.Gson;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The platform's three services as the tests fake them (issuer, user management, portal), with one administrator,
 * one researcher of one dataset, and a database code for a PostgreSQL database: what it takes to try the
 * {@code cachedb} command on a laptop. Run as a program, it prints the environment for {@code cachedb} and two
 * tokens as shell {@code export} lines, then serves until it is stopped (Ctrl-C, SIGTERM).
 *
 * @see #main(String[])
 */
public final class FakePlatform implements AutoCloseable {
    /** The administrator's user id; allowed protocol B and write routes. */
    public static final String ADMIN = "admin-1";
    /** The researcher's user id; allowed only {@link #DATASET}. */
    public static final String RESEARCHER = "researcher-1";
    /** The one dataset, held by {@link #CODE} in schema {@code public}. */
    public static final UUID DATASET = UUID.fromString("11111111-2222-3333-4444-555555555555");
    /** The database code of {@code DATABASE_CREDENTIALS}' one entry. */
    public static final String CODE = "local";
    /** The audience tokens carry ({@code IDP__SCOPE}). */
    public static final String SCOPE = "cachedb-scope";

    private final FakeOpenIdIssuer issuer = FakeOpenIdIssuer.start();
    private final FakeUserManagement usermgmt = FakeUserManagement.start();
    private final FakePortal portal = FakePortal.start();
    private final String host;
    private final int port;
    private final String database;
    private final String user;

    /**
     * Starts the services; the database code {@link #CODE} names this PostgreSQL database, logged in to as
     * {@code user} without a password (trust), for read and write routes alike.
     */
    public FakePlatform(String host, int port, String database, String user) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        usermgmt.admin(ADMIN);
        usermgmt.researcher(RESEARCHER, DATASET);
        portal.dataset(DATASET, CODE, "public", "public");
    }

    /** The environment {@code cachedb} needs, the port on 41191's default left to the caller. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SERVICE_ROUTES", "{\"idIssuerUrl\": \"" + issuer.url() + "\", \"usermgmt\": \"" + usermgmt.url()
                + "\", \"portalServer\": \"" + portal.url() + "\"}");
        env.put("IDP__SCOPE", SCOPE);
        env.put("DATABASE_CREDENTIALS", postgresqlCredentials(CODE, host, port, database, user, "", user, ""));
        return env;
    }

    /**
     * {@code DATABASE_CREDENTIALS} with one PostgreSQL database, tagged {@code analytics}: {@code code} names it,
     * {@code user} logs in for read routes and {@code adminUser} for write routes.
     */
    public static String postgresqlCredentials(String code, String host, int port, String database, String user,
            String password, String adminUser, String adminPassword) {
        Map<String, Object> credentials = new LinkedHashMap<>();
        credentials.put("user", user);
        credentials.put("password", password);
        credentials.put("adminUser", adminUser);
        credentials.put("adminPassword", adminPassword);
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("code", code);
        values.put("dialect", "postgresql");
        values.put("host", host);
        values.put("port", port);
        values.put("databaseName", database);
        values.put("credentials", credentials);
        return new Gson().toJson(List.of(Map.of("type", "postgresql", "tags", List.of("analytics"), "values", values)));
    }

    /** A token of this user, valid for this long. */
    public String token(String userId, Duration validity) {
        return issuer.token(userId, SCOPE).expiresIn(validity).compact();
    }

    @Override
    public void close() {
        portal.close();
        usermgmt.close();
        issuer.close();
    }

    /**
     * Prints {@code export NAME='value'} lines: the environment, {@code ADMIN_TOKEN} and {@code RESEARCHER_TOKEN}
     * (valid 12 hours), then serves until the process is stopped.
     *
     * @param args optional: PostgreSQL host, port, database and user (default 127.0.0.1 5432 test postgres)
     */
    public static void main(String[] args) throws InterruptedException {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 5432;
        String database = args.length > 2 ? args[2] : "test";
        String user = args.length > 3 ? args[3] : "postgres";
        try (FakePlatform platform = new FakePlatform(host, port, database, user)) {
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            platform.environment().forEach((name, value) -> out.println("export " + name + "=" + quoted(value)));
            out.println("export ADMIN_TOKEN=" + quoted(platform.token(ADMIN, Duration.ofHours(12))));
            out.println("export RESEARCHER_TOKEN=" + quoted(platform.token(RESEARCHER, Duration.ofHours(12))));
            new java.util.concurrent.CountDownLatch(1).await(); // until the process is stopped
        }
    }

    /** A value in single quotes for a POSIX shell. */
    private static String quoted(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
