package io.buenavista.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.Principal;
import io.buenavista.api.QuerySession;
import io.buenavista.api.Route;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SessionContext;
import io.buenavista.api.StartupRequest;
import io.buenavista.api.TransactionOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The test handler through the SPI, as the core will drive it. */
class TestHandlerTest {
    private final TestHandler handler = new TestHandler();
    private final StubContext context = new StubContext();
    private final QuerySession session = handler.open(context);

    @AfterEach
    void closeSession() {
        session.close();
    }

    /** Executes and reads every row (as lists of values), closing statement and cursor. */
    private static List<List<Object>> rows(PreparedQuery statement, List<Object> params) {
        try (statement; RowCursor cursor = ((ExecutionResult.Rows) statement.execute(params)).cursor()) {
            List<List<Object>> rows = new ArrayList<>();
            while (cursor.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 0; i < cursor.columns().size(); i++) {
                    row.add(cursor.get(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    @Test
    void nameIsTest() {
        assertEquals("test", handler.name());
    }

    @Test
    void echoKeepsDeclaredTypesAndLeavesTheRestUnknown() {
        PreparedQuery echo = session.prepare("echo $1, $2, $3", List.of(PgType.INT4, PgType.UNKNOWN));
        assertEquals(List.of(PgType.INT4, PgType.UNKNOWN, PgType.UNKNOWN), echo.parameterTypes());
        assertEquals(List.of(new Column("p1", PgType.INT4), new Column("p2", PgType.TEXT),
                new Column("p3", PgType.TEXT)), echo.columns());
        assertEquals(List.of(Arrays.asList(42, "x", null)), rows(echo, Arrays.asList(42, "x", null)));
    }

    @Test
    void echoRefusesTheWrongNumberOfParameters() {
        try (PreparedQuery echo = session.prepare("echo $1", List.of())) {
            PgException e = assertThrows(PgException.class, () -> echo.execute(List.of()));
            assertEquals("08P01", e.sqlState());
        }
    }

    @Test
    void rowsCountsLazilyAndStatementsAreMatchedLoosely() {
        PreparedQuery rows = session.prepare("  ROWS 3 ;", List.of());
        assertEquals(List.of(new Column("n", PgType.INT8)), rows.columns());
        assertEquals(List.of(List.of(1L), List.of(2L), List.of(3L)), rows(rows, List.of()));
        assertEquals(0, handler.openStatements());
        assertEquals(0, handler.openCursors());
    }

    @Test
    void rowsStopsOnCancel() {
        try (PreparedQuery rows = session.prepare("rows 1000000", List.of());
                RowCursor cursor = ((ExecutionResult.Rows) rows.execute(List.of())).cursor()) {
            assertTrue(cursor.next());
            assertEquals(1, handler.openCursors());
            session.cancel();
            assertEquals("57014", assertThrows(PgException.class, cursor::next).sqlState());
        }
        assertEquals(0, handler.openCursors());
        // A new execution starts afresh.
        assertEquals(2, rows(session.prepare("rows 2", List.of()), List.of()).size());
    }

    @Test
    void sleepEndsWithQueryCanceledWhenCancelled() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (PreparedQuery sleep = session.prepare("sleep 600000", List.of())) {
            Future<ExecutionResult> running = executor.submit(() -> sleep.execute(List.of()));
            assertTrue(handler.awaitSleeping(Duration.ofSeconds(30)));
            session.cancel();
            ExecutionException e = assertThrows(ExecutionException.class, running::get);
            assertEquals("57014", assertInstanceOf(PgException.class, e.getCause()).sqlState());
            assertEquals(1, handler.cancelCalls());
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shortSleepCompletes() {
        try (PreparedQuery sleep = session.prepare("sleep 0", List.of())) {
            assertTrue(sleep.columns().isEmpty());
            assertEquals(new ExecutionResult.Command("SLEEP", -1), sleep.execute(List.of()));
        }
    }

    @Test
    void insertIsLoggedOnlyWhenExecuted() {
        try (PreparedQuery insert = session.prepare("insert Hello World", List.of())) {
            assertTrue(insert.columns().isEmpty());
            assertEquals(List.of(), handler.log());
            assertEquals(ExecutionResult.Command.of(1), insert.execute(List.of()));
            assertEquals(List.of("Hello World"), handler.log());
        }
    }

    @Test
    void insertsInATransactionBlockAppearOnlyOnCommit() {
        session.begin(TransactionOptions.DEFAULT);
        try (PreparedQuery a = session.prepare("insert a", List.of())) {
            a.execute(List.of());
        }
        assertEquals(List.of(), handler.log());
        session.rollback();
        assertEquals(List.of(), handler.log());

        session.begin(TransactionOptions.DEFAULT);
        try (PreparedQuery b = session.prepare("insert b", List.of())) {
            b.execute(List.of());
        }
        session.commit();
        assertEquals(List.of("b"), handler.log());
        assertEquals(List.of("BEGIN", "ROLLBACK", "BEGIN", "COMMIT"), handler.transactions());

        handler.clear();
        assertEquals(List.of(), handler.log());
        assertEquals(List.of(), handler.transactions());
    }

    @Test
    void failPreparesAndThrowsOnExecute() {
        try (PreparedQuery fail = session.prepare("fail 22012 division by zero", List.of())) {
            assertTrue(fail.columns().isEmpty());
            PgException e = assertThrows(PgException.class, () -> fail.execute(List.of()));
            assertEquals("22012", e.sqlState());
            assertEquals("division by zero", e.message());
        }
    }

    @Test
    void prepfailAndUnknownStatementsFailToPrepare() {
        assertEquals("42P01", assertThrows(PgException.class,
                () -> session.prepare("prepfail 42P01 no such table", List.of())).sqlState());
        assertEquals("42601", assertThrows(PgException.class, () -> session.prepare("select 1", List.of()))
                .sqlState());
        assertEquals("42601", assertThrows(PgException.class, () -> session.prepare("rows many", List.of()))
                .sqlState());
        assertEquals("42601", assertThrows(PgException.class, () -> session.prepare("echo 1", List.of()))
                .sqlState());
        assertEquals(0, handler.openStatements());
    }

    @Test
    void typesAndNulls() {
        PreparedQuery types = session.prepare("types", List.of());
        assertEquals(TestHandler.TYPE_COLUMNS, types.columns());
        List<Object> row = rows(types, List.of()).get(0);
        assertEquals(TestHandler.TYPE_VALUES.size(), row.size());
        for (int i = 0; i < row.size(); i++) {
            if (row.get(i) instanceof byte[] b) {
                assertArrayEquals((byte[]) TestHandler.TYPE_VALUES.get(i), b);
            } else {
                assertEquals(TestHandler.TYPE_VALUES.get(i), row.get(i), TestHandler.TYPE_COLUMNS.get(i).name());
            }
        }
        List<Object> nulls = rows(session.prepare("nulls", List.of()), List.of()).get(0);
        assertEquals(TestHandler.TYPE_COLUMNS.size(), nulls.size());
        assertTrue(nulls.stream().allMatch(v -> v == null));
    }

    @Test
    void noticeAndSettingUseTheContext() {
        try (PreparedQuery notice = session.prepare("notice look here", List.of())) {
            assertEquals(new ExecutionResult.Command("NOTICE", -1), notice.execute(List.of()));
        }
        assertEquals(1, context.notices.size());
        assertEquals("look here", context.notices.get(0).message());
        assertEquals(PgException.Severity.NOTICE, context.notices.get(0).severity());

        assertEquals(List.of(List.of("UTC")), rows(session.prepare("setting TimeZone", List.of()), List.of()));
        assertEquals(List.of(Arrays.asList((Object) null)),
                rows(session.prepare("setting nosuch", List.of()), List.of()));
    }

    @Test
    void countsOpenSessions() {
        assertEquals(1, handler.openSessions());
        QuerySession second = handler.open(context);
        assertEquals(2, handler.openSessions());
        second.close();
        second.close();
        assertEquals(1, handler.openSessions());
    }

    /** Just enough of a context for the handler. */
    private static final class StubContext implements SessionContext {
        final List<PgException> notices = new CopyOnWriteArrayList<>();

        @Override
        public Route route() {
            return Route.of("test", "db");
        }

        @Override
        public Principal principal() {
            return Principal.of("tester");
        }

        @Override
        public StartupRequest startup() {
            return new StartupRequest("tester", "db", "", Map.of(), Map.of("user", "tester"),
                    new InetSocketAddress("127.0.0.1", 1), false);
        }

        @Override
        public String setting(String name) {
            return name.equals("TimeZone") ? "UTC" : null;
        }

        @Override
        public void notice(PgException notice) {
            notices.add(notice);
        }
    }
}
