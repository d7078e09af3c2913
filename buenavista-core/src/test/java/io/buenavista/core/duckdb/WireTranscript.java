package io.buenavista.core.duckdb;

import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.Frontend;
import io.buenavista.testing.FrontendMessage;
import io.buenavista.testing.WireClient;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.describePortal;
import static io.buenavista.testing.Frontend.describeStatement;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a server answers, written the same for any server, so that PostgreSQL's and the DuckDB server's can be
 * compared as strings: one statement through the extended protocol ({@link #of}), or any messages sent in steps
 * ({@link #answer}).
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

    /**
     * The answer to messages sent in steps: every message in order (ParseComplete as {@code parsed}, BindComplete as
     * {@code bound}), errors with SQLSTATE and position, rows as text (binary ones in hex). A step that ends with
     * Flush is read up to its last answer (a CommandComplete, error or suspension) before the next is sent; the last
     * step ends with Sync (or is a Query) and is read up to ReadyForQuery.
     */
    static String answer(WireClient c, FrontendMessage[]... steps) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < steps.length; i++) {
            c.send(steps[i]);
            boolean last = i == steps.length - 1;
            while (true) {
                BackendMessage m = c.next();
                write(m, out);
                if (m instanceof BackendMessage.ReadyForQuery || !last && (m instanceof BackendMessage.CommandComplete
                        || m instanceof BackendMessage.ErrorResponse || m instanceof BackendMessage.PortalSuspended)) {
                    break;
                }
            }
            out.append("| ");
        }
        return out.toString();
    }

    /** Each case's answer on both servers, in order on one connection each, compared all at once. */
    static void assertSameAnswers(WireClient postgres, WireClient duck, FrontendMessage[]... cases) {
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (FrontendMessage[] messages : cases) {
            expected.add(answer(postgres, messages));
            actual.add(answer(duck, messages));
        }
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }

    /** A simple Query, as one case. */
    static FrontendMessage[] simple(String sql) {
        return new FrontendMessage[] {Frontend.query(sql)};
    }

    private static void write(BackendMessage m, StringBuilder out) {
        if (m instanceof BackendMessage.ErrorResponse e) {
            out.append("ERROR ").append(e.fields().get('C'));
            if (e.fields().containsKey('P')) {
                out.append(" at ").append(e.fields().get('P'));
            }
        } else if (m instanceof BackendMessage.ParseComplete) {
            out.append("parsed");
        } else if (m instanceof BackendMessage.BindComplete) {
            out.append("bound");
        } else if (m instanceof BackendMessage.ParameterDescription p) {
            out.append("params").append(Arrays.toString(p.oids()));
        } else if (m instanceof BackendMessage.RowDescription r) {
            out.append("cols[");
            r.fields().forEach(f -> out.append(f.name()).append(':').append(f.typeOid()).append(':')
                    .append(f.format()).append(' '));
            out.append(']');
        } else if (m instanceof BackendMessage.NoData) {
            out.append("nodata");
        } else if (m instanceof BackendMessage.DataRow d) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < d.size(); i++) {
                values.add(d.isNull(i) ? "NULL" : printable(d.bytes(i)));
            }
            out.append(values);
        } else if (m instanceof BackendMessage.CommandComplete cc) {
            out.append(cc.tag());
        } else if (m instanceof BackendMessage.PortalSuspended) {
            out.append("suspended");
        } else if (m instanceof BackendMessage.EmptyQueryResponse) {
            out.append("empty");
        } else if (m instanceof BackendMessage.CloseComplete) {
            out.append("closed");
        } else if (m instanceof BackendMessage.ReadyForQuery r) {
            out.append("ready ").append(r.status());
        } else {
            return; // notices and parameter statuses are not compared
        }
        out.append(' ');
    }

    private static String printable(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        return s.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f) ? s : "0x" + HexFormat.of().formatHex(bytes);
    }
}
