package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SqlState;
import io.buenavista.core.sql.Statement;
import io.buenavista.core.wire.MessageWriter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Changes to the core-owned settings ({@code SET}, {@code RESET}, {@code SET TRANSACTION}) with PostgreSQL's
 * transactional rules: a rollback undoes the transaction's changes and {@code SET LOCAL} lasts until the
 * transaction ends. Tells the handler of the settings it follows and of the custom (dotted) ones, and reports the
 * changed ones to the client.
 */
final class SettingChanges {
    private final SessionSettings settings;
    private final QuerySession handler;
    private final Notices notices;
    /** The reported settings' values as the client last heard them (ParameterStatus). */
    private final Map<String, String> reported = new HashMap<>();
    /** Whether a setting changed since the last report. */
    private boolean changedSinceReport;
    /** The settings before the transaction first changed one: what its rollback restores; null if unchanged. */
    private Map<String, String> beforeTransaction;
    /** For each setting changed by {@code SET LOCAL}: the value its transaction's end restores. */
    private final Map<String, String> localToRestore = new HashMap<>();

    SettingChanges(SessionSettings settings, QuerySession handler, Notices notices) {
        this.settings = settings;
        this.handler = handler;
        this.notices = notices;
        for (String name : SessionSettings.reportedNames()) {
            reported.put(name, settings.get(name)); // the connection reports these at startup
        }
    }

    /** {@code SET [LOCAL]}; outside a transaction SET LOCAL only warns, as in PostgreSQL. */
    void set(Statement.SetVariable s, boolean inTransaction) {
        if (s.local() && !inTransaction) {
            notices.add(new PgException(SqlState.NO_ACTIVE_SQL_TRANSACTION,
                    "SET LOCAL can only be used in transaction blocks").withSeverity(PgException.Severity.WARNING));
            return;
        }
        String name = settings.adopt(s.name());
        String value = name.equals("search_path") ? quotedList(s.values()) : s.valueText();
        assign(name, s.toDefault() ? null : value, s.local(), inTransaction);
    }

    /**
     * {@code set_config(name, value, is_local)}, whose value is taken as written; a null value resets. Outside a
     * transaction block a local change ends with the statement, which makes only the custom setting.
     *
     * @return the setting's value after the call, as SHOW shows it
     */
    String setConfig(String name, String value, boolean local, boolean inTransaction) {
        String canonical = settings.adopt(name);
        if (local && !inTransaction) {
            String before = settings.get(canonical);
            change(canonical, value, false); // validates it, as PostgreSQL does
            String shown = settings.get(canonical);
            change(canonical, before, false);
            return shown;
        }
        assign(canonical, value, local, inTransaction);
        return settings.get(canonical);
    }

    /** Sets (or, for a null value, resets) a setting for the session or, when local, for the transaction. */
    private void assign(String name, String value, boolean local, boolean inTransaction) {
        String sessionValue = localToRestore.getOrDefault(name, settings.get(name));
        change(name, value, inTransaction);
        if (local) {
            localToRestore.put(name, sessionValue);
        }
    }

    /** {@code RESET name} or {@code RESET ALL}. */
    void reset(Statement.ResetVariable r, boolean inTransaction) {
        List<String> names = r.isAll() ? List.copyOf(settings.all().keySet()) : List.of(r.name());
        for (String name : names) {
            change(name, null, inTransaction);
        }
    }

    /**
     * A list setting as PostgreSQL shows it ({@code GUC_LIST_QUOTE}): items that are not plain lower-case
     * identifiers are double-quoted, e.g. {@code "My", b, "$user"}.
     */
    private static String quotedList(List<String> items) {
        List<String> quoted = new ArrayList<>(items.size());
        for (String item : items) {
            quoted.add(item.matches("[a-z_][a-z0-9_$]*") ? item : '"' + item.replace("\"", "\"\"") + '"');
        }
        return String.join(", ", quoted);
    }

    /** Sets a setting for the session, or resets it when {@code value} is null. */
    void change(String name, String value, boolean inTransaction) {
        name = settings.adopt(name);
        if (inTransaction && beforeTransaction == null) {
            beforeTransaction = settings.snapshot();
        }
        String before = settings.get(name);
        String canonical = value == null ? settings.reset(name) : settings.set(name, value);
        if (!before.equals(settings.get(canonical))) {
            try {
                changed(canonical);
            } catch (RuntimeException e) {
                settings.restore(Map.of(canonical, before)); // the handler could not apply it: nothing changed
                throw e;
            }
        }
        localToRestore.remove(canonical); // a session-level SET outlives the transaction
    }

    /** At the end of a transaction: a rollback restores the settings it changed; SET LOCAL values expire. */
    void settle(boolean committed) {
        Map<String, String> restore = committed || beforeTransaction == null ? localToRestore : beforeTransaction;
        for (String name : settings.restore(restore)) {
            changed(name);
        }
        beforeTransaction = null;
        localToRestore.clear();
    }

    private void changed(String name) {
        changedSinceReport = true;
        if (!settings.isAdopted(name) || SessionSettings.isCustom(name)) { // custom: for SQL functions to read
            handler.settingChanged(name, settings.get(name));
        }
    }

    /** ParameterStatus for the reported settings whose value changed; PostgreSQL sends them before ReadyForQuery. */
    void report(MessageWriter out) throws IOException {
        if (!changedSinceReport) {
            return;
        }
        changedSinceReport = false;
        for (String name : SessionSettings.reportedNames()) {
            String value = settings.get(name);
            if (!value.equals(reported.get(name))) {
                out.parameterStatus(name, value);
                reported.put(name, value);
            }
        }
    }
}
