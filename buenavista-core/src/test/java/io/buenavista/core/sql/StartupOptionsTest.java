package io.buenavista.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class StartupOptionsTest {

    @Test
    void splitsLikePgSplitOpts() {
        assertEquals(List.of("-c", "a=b c", "--x=\\y"), StartupOptions.splitArguments("  -c a=b\\ c\t--x=\\\\y  "));
        assertEquals(List.of(), StartupOptions.splitArguments(" \t "));
        assertEquals(List.of("ab"), StartupOptions.splitArguments("a\\b"));
        assertEquals(List.of("a "), StartupOptions.splitArguments("a\\ "));
    }

    @Test
    void parsesAllSwitchForms() {
        Map<String, String> settings = StartupOptions.parse(
                "-c search_path=a,b -cWork_Mem=64kB --statement-timeout=5\\ s -c application_name= ");
        assertEquals(List.of("search_path", "work_mem", "statement_timeout", "application_name"),
                List.copyOf(settings.keySet()));
        assertEquals("a,b", settings.get("search_path"));
        assertEquals("64kB", settings.get("work_mem"));
        assertEquals("5 s", settings.get("statement_timeout"));
        assertEquals("", settings.get("application_name"));
        assertEquals(Map.of("x", "2"), StartupOptions.parse("-c x=1 -c x=2"));
        assertEquals(Map.of("a", "b=c"), StartupOptions.parse("-c a=b=c"));
        assertEquals(Map.of(), StartupOptions.parse(null));
        assertEquals(Map.of(), StartupOptions.parse(""));
        assertEquals(Map.of(), StartupOptions.parse("--"));
    }

    @Test
    void rejectsWhatPostgresRejects() {
        assertInvalid("-x", "invalid command-line argument for server process: -x");
        assertInvalid("bar", "invalid command-line argument for server process: bar");
        assertInvalid("-c", "invalid command-line argument for server process: -c");
        assertInvalid("-c foo", "-c foo requires a value");
        assertInvalid("--foo", "--foo requires a value");
        assertInvalid("-- -c a=b", "invalid command-line argument for server process: -c");
    }

    private static void assertInvalid(String options, String message) {
        PgException e = assertThrows(PgException.class, () -> StartupOptions.parse(options));
        assertEquals(SqlState.SYNTAX_ERROR, e.sqlState());
        assertEquals(message, e.message());
        assertTrue(e.isFatal());
    }

    /** The same options given to the real PostgreSQL: the same settings, or the same error. */
    @Test
    void agreesWithPostgres() throws SQLException {
        String accepted = "-c work_mem=65kB --statement-timeout=7\\ s -cBV.Note=a\\\\b";
        Map<String, String> settings = StartupOptions.parse(accepted);
        try (Connection connection = connect(accepted); Statement statement = connection.createStatement()) {
            assertEquals(Map.of("work_mem", "65kB", "statement_timeout", "7 s", "bv.note", "a\\b"),
                    settings);
            assertEquals("65kB", show(statement, "work_mem"));
            assertEquals("7s", show(statement, "statement_timeout")); // PostgreSQL normalises "7 s"
            assertEquals("a\\b", show(statement, "bv.note"));
        }
        for (String rejected : List.of("-x", "bar", "-c", "-c foo", "--foo")) {
            PgException ours = assertThrows(PgException.class, () -> StartupOptions.parse(rejected));
            SQLException theirs = assertThrows(SQLException.class, () -> connect(rejected).close());
            assertEquals(theirs.getSQLState(), ours.sqlState(), rejected);
            assertTrue(theirs.getMessage().contains(ours.message()), () -> theirs.getMessage() + " vs " + ours);
        }
    }

    private static Connection connect(String options) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("options", options);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", properties);
    }

    private static String show(Statement statement, String name) throws SQLException {
        try (ResultSet rs = statement.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
