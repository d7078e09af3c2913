package io.buenavista.core.server;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.Authenticator;
import io.buenavista.api.PgException;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.Route;
import io.buenavista.api.SessionContext;
import io.buenavista.api.StartupRequest;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provider discovery with {@link java.util.ServiceLoader}: each test writes a services file into a temporary
 * directory and gives the server a class loader that sees it.
 */
public class ProviderRegistryTest {

    /** A discoverable handler named {@code discovered} that serves like {@link TestHandler}. */
    public static final class DiscoveredHandler implements QueryHandler {
        private final TestHandler delegate = new TestHandler();

        @Override
        public String name() {
            return "discovered";
        }

        @Override
        public QuerySession open(SessionContext context) {
            return delegate.open(context);
        }
    }

    /** A discoverable handler that has {@link TestHandler}'s name and refuses every session. */
    public static final class ShadowedHandler implements QueryHandler {
        @Override
        public String name() {
            return TestHandler.NAME;
        }

        @Override
        public QuerySession open(SessionContext context) {
            throw PgException.fatal("08004", "the discovered handler was used");
        }
    }

    /** A discoverable authenticator that refuses everybody. */
    public static final class RefusingAuthenticator implements Authenticator {
        @Override
        public String name() {
            return "refusing";
        }

        @Override
        public AuthExchange exchange(StartupRequest request, Route route) {
            throw new PgException("28000", "refused by the discovered authenticator");
        }
    }

    /** A bundled provider whose optional dependency is missing, as a DuckDB handler without DuckDB would be. */
    public static final class DriverlessHandler implements QueryHandler {
        public DriverlessHandler() {
            throw new NoClassDefFoundError("org/duckdb/DuckDBConnection");
        }

        @Override
        public String name() {
            return "driverless";
        }

        @Override
        public QuerySession open(SessionContext context) {
            throw new IllegalStateException("never constructed");
        }
    }

    @TempDir
    Path dir;

    /** A class loader that sees a services file listing these providers of {@code service}. */
    private ClassLoader servicesLoader(Class<?> service, Class<?>... providers) throws IOException {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.write(services.resolve(service.getName()),
                Arrays.stream(providers).map(Class::getName).toList(), StandardCharsets.UTF_8);
        // Classes come from the parent, services files only from here: the bundled providers' own services files
        // (DuckDB) are on the test class path too and would otherwise join in.
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader()) {
            @Override
            public java.util.Enumeration<URL> getResources(String name) throws IOException {
                return name.startsWith("META-INF/services/") ? findResources(name) : super.getResources(name);
            }
        };
    }

    private static BuenaVistaServer.Builder discovering(ClassLoader loader) {
        return BuenaVistaServer.builder().port(0).discoverProviders(true).classLoader(loader);
    }

    @Test
    void aDiscoveredHandlerServesWhenItIsTheOnlyOne() throws Exception {
        ClassLoader loader = servicesLoader(QueryHandler.class, DiscoveredHandler.class);
        try (BuenaVistaServer server = discovering(loader).build().start();
                WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.login("u", "db");
            StartupScriptTest.expectRows(c, 2);
        }
    }

    @Test
    void anExplicitlyRegisteredHandlerWinsOverADiscoveredOneOfTheSameName() throws Exception {
        ClassLoader loader = servicesLoader(QueryHandler.class, ShadowedHandler.class);
        try (BuenaVistaServer server = discovering(loader).handler(new TestHandler()).build().start();
                WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.login("u", "db");
            StartupScriptTest.expectRows(c, 1);
        }
        try (BuenaVistaServer server = discovering(loader).build().start();
                WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.startup(Map.of("user", "u"));
            ErrorResponse e = c.expectError("08004");
            assertEquals("the discovered handler was used", e.message());
        }
    }

    @Test
    void severalHandlersAndNoneNamedFailsListingTheCandidates() throws Exception {
        ClassLoader loader = servicesLoader(QueryHandler.class, DiscoveredHandler.class);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BuenaVistaServer.builder().port(0).discoverProviders(false).handler(new TestHandler())
                        .handler(new DiscoveredHandler()).build());
        assertTrue(e.getMessage().contains("[test, discovered]"), e.getMessage());

        // One handler registered explicitly is a choice: it serves although another one was discovered.
        try (BuenaVistaServer server = discovering(loader).handler(new TestHandler()).build().start();
                WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.login("u", "db");
            StartupScriptTest.expectRows(c, 1);
        }

        try (BuenaVistaServer server = discovering(loader).handler(new TestHandler()).handlerName("discovered")
                .build().start(); WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.login("u", "db");
            StartupScriptTest.expectRows(c, 1);
        }
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> discovering(loader).handler(new TestHandler()).handlerName("nope").build());
        assertTrue(unknown.getMessage().contains("[test, discovered]"), unknown.getMessage());
    }

    @Test
    void theOnlyDiscoveredAuthenticatorIsUsedAndSeveralNeedAName() throws Exception {
        ClassLoader loader = servicesLoader(Authenticator.class, RefusingAuthenticator.class);
        try (BuenaVistaServer server = discovering(loader).handler(new TestHandler()).build().start();
                WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.startup(Map.of("user", "u"));
            assertEquals("refused by the discovered authenticator", c.expectError("28000").message());
            c.expectClosed();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> discovering(loader)
                .handler(new TestHandler()).authenticator(Authenticator.trust()).build());
        assertTrue(e.getMessage().contains("[trust, refusing]"), e.getMessage());
        try (BuenaVistaServer server = discovering(loader).handler(new TestHandler())
                .authenticator(Authenticator.trust()).authenticatorName("trust").build().start();
                WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.login("u", "db");
        }
    }

    @Test
    void aProviderWithAMissingDependencyIsSkippedWithOneWarningNamingTheArtifact() throws Exception {
        ClassLoader loader = servicesLoader(QueryHandler.class, DriverlessHandler.class);
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        BuenaVistaServer server;
        try {
            server = discovering(loader).handler(new TestHandler()).build();
        } finally {
            System.setErr(original);
        }
        server.close();
        String[] warnings = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("WARN"))
                .toArray(String[]::new);
        assertEquals(1, warnings.length, () -> String.join("\n", warnings));
        assertTrue(warnings[0].contains("org.duckdb:duckdb_jdbc"), warnings[0]);
        assertTrue(warnings[0].contains(DriverlessHandler.class.getName()), warnings[0]);
    }
}
