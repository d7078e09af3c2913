package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;
import io.buenavista.api.TransactionOptions;
import io.buenavista.testing.BackendMessage.CommandComplete;
import io.buenavista.testing.BackendMessage.ParameterStatus;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.buenavista.testing.Frontend.query;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A core-owned setting the handler cannot apply is an error to the client, never silent: the SET fails, the
 * setting keeps its value (SHOW, ParameterStatus), and in a transaction block the block fails as after any error.
 */
class HandlerRefusesSettingTest extends WireScript {
    private static final String REFUSED = "Asia/Tokyo";

    @Override
    protected QueryHandler handler() {
        QueryHandler inner = super.handler();
        return new QueryHandler() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public QuerySession open(SessionContext context) {
                return new Refusing(inner.open(context));
            }
        };
    }

    /** The test handler's session, except that it cannot apply TimeZone Asia/Tokyo. */
    private record Refusing(QuerySession inner) implements QuerySession {
        @Override
        public PreparedQuery prepare(String sql, List<PgType> parameterTypes) {
            return inner.prepare(sql, parameterTypes);
        }

        @Override
        public void begin(TransactionOptions options) {
            inner.begin(options);
        }

        @Override
        public void commit() {
            inner.commit();
        }

        @Override
        public void rollback() {
            inner.rollback();
        }

        @Override
        public void cancel() {
            inner.cancel();
        }

        @Override
        public void settingChanged(String name, String value) {
            if (name.equals("TimeZone") && value.equals(REFUSED)) {
                throw new PgException("22023", "invalid value for parameter \"TimeZone\": \"" + value + "\"");
            }
            inner.settingChanged(name, value);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private void expectShow(String value) {
        client.send(query("SHOW TimeZone"));
        client.expectRowDescription("TimeZone");
        client.expectDataRow(value);
        client.expectCommandComplete("SHOW");
        client.expectReadyForQuery('I');
    }

    @Test
    void theSetFailsAndTheOldValueStays() {
        client.send(query("SET TimeZone = 'Europe/Berlin'"));
        client.expectCommandComplete("SET");
        assertEquals("Europe/Berlin", client.expect(ParameterStatus.class).value());
        client.expectReadyForQuery('I');
        client.send(query("SET TimeZone = '" + REFUSED + "'"));
        expectError("22023");
        client.expectReadyForQuery('I'); // no ParameterStatus: nothing changed
        expectShow("Europe/Berlin");
        assertEquals("Europe/Berlin", client.parameterStatus("TimeZone"));
    }

    @Test
    void inABlockTheBlockFailsAndRollbackKeepsTheOldValue() {
        client.send(query("BEGIN"));
        client.expectCommandComplete("BEGIN");
        client.expectReadyForQuery('T');
        client.send(query("SET TimeZone = '" + REFUSED + "'"));
        expectError("22023");
        client.expectReadyForQuery('E');
        client.send(query("ROLLBACK"));
        assertEquals(List.of(CommandComplete.class, ReadyForQuery.class), typesUntilReady());
        expectShow("UTC");
    }
}
