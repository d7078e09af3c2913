package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;
import io.buenavista.testing.BackendMessage.CommandComplete;
import io.buenavista.testing.BackendMessage.EmptyQueryResponse;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.ForwardingQuerySession;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.buenavista.testing.Frontend.frame;
import static io.buenavista.testing.Frontend.query;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The simple query protocol: Query → per statement RowDescription / DataRow* / CommandComplete → ReadyForQuery. */
class SimpleQueryTest extends WireScript {

    @Test
    void eachStatementOfAQueryGetsItsOwnResultAndTag() {
        client.send(query("rows 2; insert a; rows 0; begin; commit"));
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectCommandComplete("INSERT 0 1");
        client.expectRowDescription("n");
        client.expectCommandComplete("SELECT 0");
        client.expectCommandComplete("BEGIN");
        client.expectCommandComplete("COMMIT");
        client.expectReadyForQuery('I');
        assertEquals(List.of("a"), handler.log());
    }

    @Test
    void aQueryOfOnlyWhitespaceCommentsAndSemicolonsAnswersOneEmptyQueryResponse() {
        client.send(query("  ; -- nothing\n /* still /* nothing */ */ ;;\t"));
        assertEquals(List.of(EmptyQueryResponse.class, ReadyForQuery.class), typesUntilReady());
        client.send(query(""));
        client.expect(EmptyQueryResponse.class);
        client.expectReadyForQuery('I');
    }

    @Test
    void anErrorEndsTheRestOfTheQueryAndRollsBackItsImplicitTransaction() {
        client.send(query("insert a; fail 23505 duplicate key; insert b"));
        client.expectCommandComplete("INSERT 0 1");
        expectError("23505");
        client.expectReadyForQuery('I');
        assertEquals(List.of(), handler.log());
        assertEquals(List.of("BEGIN", "ROLLBACK"), handler.transactions());

        client.send(query("insert c"));
        client.expectCommandComplete("INSERT 0 1");
        client.expectReadyForQuery('I');
        assertEquals(List.of("c"), handler.log());
    }

    @Test
    void anErrorWhilePreparingALaterStatementStopsTheQueryThere() {
        client.send(query("insert a; prepfail 42P01 no such table; insert b"));
        client.expectCommandComplete("INSERT 0 1");
        expectError("42P01");
        client.expectReadyForQuery('I');
        assertEquals(List.of(), handler.log());
    }

    @Test
    void theErrorPositionOfALaterStatementPointsIntoTheWholeQuery() {
        String sql = "rows 1;\n  broken here";
        client.send(query(sql));
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectCommandComplete("SELECT 1");
        ErrorResponse e = expectError("42601");
        // The handler reports position 8 ("here") of "broken here".
        assertEquals(sql.indexOf("here") + 1, e.position());
        client.expectReadyForQuery('I');
    }

    @Test
    void aCommandTagComesAfterTheRowsAndTheQueryEndsWithOneReadyForQuery() {
        client.send(query("rows 3"));
        List<Class<?>> types = typesUntilReady();
        assertEquals(CommandComplete.class, types.get(types.size() - 2));
        assertEquals(1, types.stream().filter(ReadyForQuery.class::equals).count());
    }

    /** A malformed Query body is answered like a failed Query, not like a failed extended batch. */
    @Test
    void aQueryWithInvalidUtf8FailsWith22021AndStillEndsWithReadyForQuery() {
        client.send(frame('Q', new byte[] {'r', 'o', 'w', 's', ' ', (byte) 0xc3, '(', 0}));
        expectError("22021");
        client.expectReadyForQuery('I');
    }

    /** The test handler, plus statements starting with "broken" that fail to prepare with a position. */
    @Override
    protected QueryHandler handler() {
        QueryHandler inner = handler;
        return new QueryHandler() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public QuerySession open(SessionContext context) {
                QuerySession session = inner.open(context);
                return new ForwardingQuerySession(session) {
                    @Override
                    public PreparedQuery prepare(String sql, List<PgType> parameterTypes) {
                        if (sql.startsWith("broken")) {
                            throw new PgException("42601", "syntax error at or near \"here\"")
                                    .withPosition(sql.indexOf("here") + 1);
                        }
                        return session.prepare(sql, parameterTypes);
                    }

                };
            }
        };
    }
}
