package io.buenavista.core.duckdb;

import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.WireClient;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.describePortal;
import static io.buenavista.testing.Frontend.describeStatement;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.sync;

/**
 * One statement through the extended protocol (Parse, Describe S, Bind, Describe P, Execute, Sync), its answer
 * written the same for any server, so that PostgreSQL's and the DuckDB server's can be compared as strings.
 */
final class WireTranscript {
    private WireTranscript() {}

    /**
     * ERROR and the SQLSTATE, or the statement's parameter types (when asked), its columns (name:type oid) before and
     * after Bind, the rows as text and the command tag.
     *
     * @param oids   the declared parameter types (0: unspecified)
     * @param values the parameter values as text, null for NULL
     */
    static String of(WireClient c, String sql, int[] oids, String[] values, boolean withParameterTypes) {
        byte[][] bytes = new byte[values.length][];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
        }
        c.send(parse("", sql, oids), describeStatement(""), bind("", "", bytes), describePortal(""), execute("", 0),
                sync());
        StringBuilder out = new StringBuilder();
        for (BackendMessage m : c.readUntilReady()) {
            if (m instanceof BackendMessage.ErrorResponse e) {
                return "ERROR " + e.fields().get('C');
            } else if (m instanceof BackendMessage.ParameterDescription p && withParameterTypes) {
                out.append("params").append(Arrays.toString(p.oids())).append(' ');
            } else if (m instanceof BackendMessage.RowDescription r) {
                out.append("cols[");
                r.fields().forEach(f -> out.append(f.name()).append(':').append(f.typeOid()).append(' '));
                out.append("] ");
            } else if (m instanceof BackendMessage.NoData) {
                out.append("nodata ");
            } else if (m instanceof BackendMessage.DataRow d) {
                out.append(d.texts()).append(' ');
            } else if (m instanceof BackendMessage.CommandComplete cc) {
                out.append(cc.tag());
            }
        }
        return out.toString();
    }
}
