package io.buenavista.core.session;

import io.buenavista.testing.BackendMessage.BindComplete;
import io.buenavista.testing.BackendMessage.CommandComplete;
import io.buenavista.testing.BackendMessage.NoticeResponse;
import io.buenavista.testing.BackendMessage.ParameterStatus;
import io.buenavista.testing.BackendMessage.ParseComplete;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** SET, RESET and SHOW of the settings the core owns, and ParameterStatus when a reported one changes. */
class SessionSettingsTest extends WireScript {

    /** Runs a statement that changes one reported setting; PostgreSQL reports it after the tag. */
    private void expectReported(String sql, String tag, String name, String value, char status) {
        client.send(query(sql));
        client.expectCommandComplete(tag);
        ParameterStatus p = client.expect(ParameterStatus.class);
        assertEquals(name + "=" + value, p.name() + "=" + p.value());
        client.expectReadyForQuery(status);
    }

    private void expectShow(String sql, String column, String value) {
        client.send(query(sql));
        client.expectRowDescription(column);
        client.expectDataRow(value);
        client.expectCommandComplete("SHOW");
        client.expectReadyForQuery('I');
    }

    @Test
    void settingApplicationNameIsReportedAgainAndSeenByTheHandler() {
        expectReported("set application_name = 'reporting'", "SET", "application_name", "reporting", 'I');
        client.send(query("setting application_name"));
        client.expectRowDescription("setting");
        client.expectDataRow("reporting");
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
    }

    @Test
    void settingTimeZoneIsReportedAndShown() {
        expectReported("SET TimeZone = 'Europe/Berlin'", "SET", "TimeZone", "Europe/Berlin", 'I');
        expectShow("SHOW TimeZone", "TimeZone", "Europe/Berlin");
        expectShow("show time zone", "TimeZone", "Europe/Berlin");
        expectReported("set time zone 'UTC'", "SET", "TimeZone", "UTC", 'I');
    }

    @Test
    void dateStyleAcceptsIsoAndRefusesSqlWith22023() {
        client.send(query("set DateStyle = 'SQL'"));
        expectError("22023");
        client.expectReadyForQuery('I');
        // ISO is the only style, so the value stays "ISO, MDY"; like PostgreSQL 14+, nothing unchanged is reported.
        client.send(query("set datestyle to 'ISO'"));
        assertEquals(List.of(CommandComplete.class, ReadyForQuery.class), typesUntilReady());
        assertEquals("ISO, MDY", client.parameterStatus("DateStyle"));
        expectShow("show datestyle", "DateStyle", "ISO, MDY");
    }

    @Test
    void resetRestoresTheStartupValue() {
        expectReported("set application_name = 'a'", "SET", "application_name", "a", 'I');
        expectReported("reset application_name", "RESET", "application_name", "", 'I');
        expectReported("set timezone = 'Asia/Tokyo'", "SET", "TimeZone", "Asia/Tokyo", 'I');
        expectReported("reset all", "RESET", "TimeZone", "UTC", 'I');
        expectShow("show timezone", "TimeZone", "UTC");
    }

    @Test
    void aSetThroughTheExtendedProtocolIsReportedBeforeReadyForQuery() {
        client.send(parse("", "set application_name = 'ext'"), bind("", ""), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("SET");
        ParameterStatus p = client.expect(ParameterStatus.class);
        assertEquals("ext", p.value());
        client.expectReadyForQuery('I');
    }

    @Test
    void rollbackUndoesASetOfTheBlock() {
        client.send(query("begin; set timezone = 'Europe/Berlin'"));
        client.expectCommandComplete("BEGIN");
        client.expectCommandComplete("SET");
        client.expect(ParameterStatus.class);
        client.expectReadyForQuery('T');
        expectReported("rollback", "ROLLBACK", "TimeZone", "UTC", 'I');
        expectShow("show timezone", "TimeZone", "UTC");
    }

    @Test
    void anErrorLaterInTheQueryUndoesItsSet() {
        client.send(query("set application_name = 'never'; fail 22012 division by zero"));
        client.expectCommandComplete("SET");
        expectError("22012");
        client.expectReadyForQuery('I');
        expectShow("show application_name", "application_name", "");
    }

    @Test
    void setLocalLastsUntilTheEndOfTheBlock() {
        client.send(query("begin; set local timezone = 'Asia/Tokyo'; show timezone"));
        client.expectCommandComplete("BEGIN");
        client.expectCommandComplete("SET");
        client.expectRowDescription("TimeZone");
        client.expectDataRow("Asia/Tokyo");
        client.expectCommandComplete("SHOW");
        client.expect(ParameterStatus.class);
        client.expectReadyForQuery('T');
        expectReported("commit", "COMMIT", "TimeZone", "UTC", 'I');
    }

    @Test
    void aSecondSetLocalStillEndsAtTheSessionValue() {
        expectReported("set timezone = 'Europe/Berlin'", "SET", "TimeZone", "Europe/Berlin", 'I');
        client.send(query("begin; set local timezone = 'Asia/Tokyo'; set local timezone = 'America/Lima'"));
        client.expectCommandComplete("BEGIN");
        client.expectCommandComplete("SET");
        client.expectCommandComplete("SET");
        client.expect(ParameterStatus.class);
        client.expectReadyForQuery('T');
        expectReported("commit", "COMMIT", "TimeZone", "Europe/Berlin", 'I');
    }

    @Test
    void aSessionSetAfterSetLocalOutlivesTheBlock() {
        client.send(query("begin; set local timezone = 'Asia/Tokyo'; set timezone = 'America/Lima'; commit"));
        client.expectCommandComplete("BEGIN");
        client.expectCommandComplete("SET");
        client.expectCommandComplete("SET");
        client.expectCommandComplete("COMMIT");
        client.expect(ParameterStatus.class);
        client.expectReadyForQuery('I');
        assertEquals("America/Lima", client.parameterStatus("TimeZone"));
    }

    @Test
    void setLocalOutsideABlockWarnsAndChangesNothing() {
        client.send(query("set local timezone = 'Asia/Tokyo'"));
        client.expect(NoticeResponse.class);
        client.expectCommandComplete("SET");
        client.expectReadyForQuery('I');
        expectShow("show timezone", "TimeZone", "UTC");
    }
}
