package io.buenavista.examples;

import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.ClientPrograms;
import io.buenavista.testing.Frontend;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code buenavista.jar proxy} in front of the shared PostgreSQL (127.0.0.1:5432, trust), run as users run it. */
class ProxyJarIT {

    @Test
    void psqlAndPgjdbcThroughTheProxyThenSigtermLetsTheRunningQueryFinish() throws Exception {
        try (JarProcess proxy = JarProcess.start(List.of(), "proxy", "--backend",
                "jdbc:postgresql://127.0.0.1:5432/test", "--pool-size", "3", "--port", "0");
                WireClient running = WireClient.connect("127.0.0.1", proxy.port)) {
            ProcessBuilder pb = new ProcessBuilder(ClientPrograms.path("psql"), "-X", "-w", "-q", "-A", "-t",
                    "-h", "127.0.0.1", "-p", String.valueOf(proxy.port), "-U", "postgres", "-d", "anything",
                    "-c", "select current_database(), current_setting('server_version_num')::int >= 150000");
            pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true);
            Process psql = pb.start();
            String out = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(psql.waitFor(60, TimeUnit.SECONDS));
            assertEquals("test|t\n", out);
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port
                    + "/x?user=postgres&sslmode=disable"); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("select string_agg(g::text, ',') from generate_series(1, 3) g")) {
                assertTrue(rs.next());
                assertEquals("1,2,3", rs.getString(1));
            }

            running.setReadTimeout(Duration.ofSeconds(30));
            running.login("postgres", "test");
            running.send(Frontend.query("select pg_sleep(1.5), 'finished'"));
            running.expect(BackendMessage.RowDescription.class);
            proxy.process.destroy(); // SIGTERM while the query runs: it finishes within the grace period
            running.expectDataRow("", "finished");
            running.expectCommandComplete("SELECT 1");
            running.expectReadyForQuery('I');
            BackendMessage.ErrorResponse e = running.expectError("57P01");
            assertEquals("FATAL", e.severity());
            running.expectClosed();
            assertEquals(0, proxy.terminate(), () -> "exit code after SIGTERM; output: " + proxy.output());
        }
    }
}
