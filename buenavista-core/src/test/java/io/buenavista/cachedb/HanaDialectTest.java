package io.buenavista.cachedb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.Route;
import io.buenavista.api.SessionContext;
import io.buenavista.api.StartupRequest;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The HANA route's rewrites, session statements and error codes, as the original service had them. */
class HanaDialectTest {
    private final HanaDialect hana = new HanaDialect();

    /** A session of user {@code user} on HANA database {@code hana1}, schema {@code CDM}. */
    private static SessionContext session(String user) {
        DatabaseRoute route = new DatabaseRoute(Dialect.HANA, ConnectionType.READ, "hana1", Optional.of("CDM"),
                Optional.of("VOCAB"), Optional.empty());
        return new SessionContext() {
            @Override
            public Route route() {
                return route;
            }

            @Override
            public Principal principal() {
                return Principal.of(user);
            }

            @Override
            public StartupRequest startup() {
                return null;
            }

            @Override
            public String setting(String name) {
                return null;
            }

            @Override
            public void notice(PgException notice) {}
        };
    }

    @Test
    void applicationUserBecomesThePrincipalAsALiteral() {
        SessionContext ada = session("ada@example.org");
        assertEquals("SELECT * FROM audit WHERE who = 'ada@example.org'",
                hana.rewrite("SELECT * FROM audit WHERE who = session.application_user", ada));
        assertEquals("SELECT 'ada@example.org', 'ada@example.org'",
                hana.rewrite("SELECT session . application_user, \"session.application_user\"", ada),
                "spaced around the dot, and the double-quoted form the original turned into a string");
        assertEquals("select 'ada@example.org' from t",
                hana.rewrite("select SESSION.Application_User from t", ada));
    }

    @Test
    void applicationUserIsLeftAloneWhereItIsNotThatName() {
        SessionContext ada = session("ada");
        for (String sql : List.of(
                "SELECT 'session.application_user'", // a string
                "SELECT 1 -- session.application_user", // a comment
                "SELECT 1 /* session.application_user */",
                "SELECT x.session.application_user FROM x", // another name
                "SELECT session.application_user_id FROM session",
                "SELECT session.application_user.x FROM t",
                "SELECT $$session.application_user$$")) {
            assertEquals(sql, hana.rewrite(sql, ada));
        }
    }

    @Test
    void aUserIdCannotEndTheLiteral() {
        assertEquals("SELECT 'x'' OR ''1''=''1'",
                hana.rewrite("SELECT session.application_user", session("x' OR '1'='1")));
    }

    @Test
    void aSessionStartsInTheRoutesSchemaAsItsApplicationUser() {
        assertEquals(List.of("SET SCHEMA \"CDM\"", "SET 'APPLICATIONUSER' = 'ada'"), hana.sessionStart(session("ada")));
    }

    @Test
    void searchPathBecomesHanasCurrentSchema() {
        SessionContext ada = session("ada");
        assertEquals(List.of("SET SCHEMA cdmdefault"), hana.settingChanged("search_path", "cdmdefault", ada));
        assertEquals(List.of("SET SCHEMA \"CdmMixed\""),
                hana.settingChanged("search_path", "\"$user\", \"CdmMixed\", public", ada));
        assertEquals(List.of("SET SCHEMA \"CDM\""), hana.settingChanged("search_path", "\"$user\", public", ada),
                "PostgreSQL's default path (RESET) goes back to the route's schema, not HANA's PUBLIC");
        assertEquals(List.of(), hana.settingChanged("search_path", "\"$user\"", ada));
        assertEquals(List.of(), hana.settingChanged("search_path", "", ada));
    }

    @Test
    void dateStyleIsoSetsTheOriginalsDateFormat() {
        assertEquals(List.of("SET 'DATE_FORMAT' = 'ISO'"), hana.settingChanged("DateStyle", "ISO, MDY", session("a")));
        assertEquals(List.of(), hana.settingChanged("TimeZone", "UTC", session("a")));
    }

    @Test
    void errorsAreClassifiedByHanaErrorCode() {
        Map<Integer, String> expected = Map.of(257, "42601", 259, "42P01", 260, "42703", 301, "23505",
                304, "22012", 258, "42501", -813, "08001", -709, "08001", -708, "08006", 613, "57014");
        expected.forEach((code, state) -> {
            PgException e = hana.classify(new SQLException("SAP DBTech JDBC: [" + code + "]: something", "HY000", code));
            assertEquals(state, e.sqlState(), "HANA error " + code);
            assertEquals("something", e.message());
        });
        assertNull(hana.classify(new SQLException("unknown", "HY000", 99999)), "left to the handler: XX000");
    }

    @Test
    void messagesLoseTheDriversPrefixOnly() {
        PgException e = hana.classify(new SQLException("SAP DBTech JDBC: [259]: invalid table name:  Could not find"
                + " table/view PERSONS in schema CDM: line 1 col 15 (at pos 14)", "HY000", 259));
        assertEquals("invalid table name:  Could not find table/view PERSONS in schema CDM: line 1 col 15 (at pos 14)",
                e.message());
        PgException refused = hana.classify(new SQLException("SAP DBTech JDBC: Cannot connect to jdbc:sap://h:1 ["
                + "Cannot connect to host h:1 [Connection refused], -813.].", "08S01", -813));
        assertEquals("08001", refused.sqlState());
        assertEquals("Cannot connect to jdbc:sap://h:1 [Cannot connect to host h:1 [Connection refused], -813.].",
                refused.message());
    }
}
