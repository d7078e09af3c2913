package io.buenavista.testing;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgInterval;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A handler named {@code "test"} whose tiny statement language lets server tests drive every path of the core.
 * Statements are matched case-insensitively after trimming (a trailing semicolon is ignored):
 * <ul>
 * <li>{@code echo $1, $2, …} — one row with the parameters as given; the declared types are kept (unknown stays
 * {@link PgType#UNKNOWN}, so the core passes the client's text) and column {@code pK} has the type of {@code $K}
 * ({@code TEXT} for unknown).</li>
 * <li>{@code rows N} — N rows of one {@code int8} column {@code n} = 1..N, produced lazily; stops with
 * {@code 57014} once the session is cancelled.</li>
 * <li>{@code sleep MS} — waits up to MS milliseconds; a cancel ends it with {@code 57014}. Tag {@code SLEEP}.</li>
 * <li>{@code stream N [PREPARE_MS [EXECUTE_MS]]} — the rows of {@code rows N}, but nothing in it heeds a cancel:
 * preparing takes PREPARE_MS and executing EXECUTE_MS milliseconds, and its cursor never checks (as a handler
 * that cannot be interrupted between fetches), so only the core can stop it. Each prepare's start is counted for
 * {@link #awaitStreamStarted}.</li>
 * <li>{@code insert X} — when executed, appends X to {@link #log()} (inside a transaction block only on commit);
 * returns {@code Command.of(1)}.</li>
 * <li>{@code fail SQLSTATE message} — prepares (no columns); executing throws that error.</li>
 * <li>{@code prepfail SQLSTATE [message]} — preparing throws that error.</li>
 * <li>{@code types} — one row with a column of each common type, see {@link #TYPE_COLUMNS} and
 * {@link #TYPE_VALUES}; {@code nulls} — the same columns, all NULL.</li>
 * <li>{@code notice message} — sends a NOTICE through the session context; tag {@code NOTICE}.</li>
 * <li>{@code setting NAME} — one {@code text} column {@code setting}: the context's value of that setting.</li>
 * <li>anything else — preparing throws {@code 42601}.</li>
 * </ul>
 * {@code begin}/{@code commit}/{@code rollback} reach it through {@link QuerySession} and are recorded in
 * {@link #transactions()}. The counters ({@link #openSessions()}, {@link #openStatements()}, {@link #openCursors()})
 * let tests check that the core closes what it opens.
 */
public final class TestHandler implements QueryHandler {
    /** The handler's name. */
    public static final String NAME = "test";

    /** The columns of the {@code types} and {@code nulls} statements. */
    public static final List<Column> TYPE_COLUMNS = List.of(
            new Column("bool", PgType.BOOL), new Column("int2", PgType.INT2), new Column("int4", PgType.INT4),
            new Column("int8", PgType.INT8), new Column("float4", PgType.FLOAT4), new Column("float8", PgType.FLOAT8),
            new Column("numeric", PgType.NUMERIC), new Column("text", PgType.TEXT),
            new Column("varchar", PgType.VARCHAR), new Column("bytea", PgType.BYTEA), new Column("date", PgType.DATE),
            new Column("time", PgType.TIME), new Column("timestamp", PgType.TIMESTAMP),
            new Column("timestamptz", PgType.TIMESTAMPTZ), new Column("interval", PgType.INTERVAL),
            new Column("uuid", PgType.UUID), new Column("json", PgType.JSON), new Column("jsonb", PgType.JSONB),
            new Column("int4_array", PgType.INT4_ARRAY), new Column("text_array", PgType.TEXT_ARRAY));

    /** The values of the {@code types} statement, in the Java types {@link PgType} documents. */
    public static final List<Object> TYPE_VALUES = Collections.unmodifiableList(Arrays.asList(
            Boolean.TRUE, (short) 12, 345, 6_789_012_345L, 1.5f, 2.25d, new BigDecimal("12345.678"), "héllo",
            "world", new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}, LocalDate.of(2024, 2, 29),
            LocalTime.of(13, 45, 30, 123_456_000), LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123_456_000),
            OffsetDateTime.of(2024, 2, 29, 13, 45, 30, 123_456_000, ZoneOffset.UTC),
            new PgInterval(14, 3, 4_005_006_000L), UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            "{\"a\": 1}", "{\"b\": [1, 2]}", Collections.unmodifiableList(Arrays.asList(1, null, 3)),
            Collections.unmodifiableList(Arrays.asList("a", "b c", null, "x\"y"))));

    /**
     * How PostgreSQL 15 prints {@link #TYPE_VALUES} in text format with {@code DateStyle=ISO, MDY},
     * {@code IntervalStyle=postgres}, {@code TimeZone=UTC}, {@code bytea_output=hex} and
     * {@code extra_float_digits=1} (checked against a real server by this module's tests).
     */
    public static final List<String> TYPE_TEXTS = List.of("t", "12", "345", "6789012345", "1.5", "2.25",
            "12345.678", "héllo", "world", "\\xdeadbeef", "2024-02-29", "13:45:30.123456",
            "2024-02-29 13:45:30.123456", "2024-02-29 13:45:30.123456+00", "1 year 2 mons 3 days 01:06:45.006",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{\"a\": 1}", "{\"b\": [1, 2]}", "{1,NULL,3}",
            "{a,\"b c\",NULL,\"x\\\"y\"}");

    private static final Pattern PARAM = Pattern.compile("\\$([1-9][0-9]*)");

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<String> transactions = new CopyOnWriteArrayList<>();
    private final AtomicInteger openSessions = new AtomicInteger();
    private final AtomicInteger openStatements = new AtomicInteger();
    private final AtomicInteger openCursors = new AtomicInteger();
    private final AtomicInteger cancelCalls = new AtomicInteger();
    private final Semaphore sleepsStarted = new Semaphore(0);
    private final Semaphore streamsStarted = new Semaphore(0);

    /** A handler with empty logs. */
    public TestHandler() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public QuerySession open(SessionContext context) {
        openSessions.incrementAndGet();
        return new TestSession(context);
    }

    /** The values of the {@code insert} statements executed and committed so far, in order. */
    public List<String> log() {
        return List.copyOf(log);
    }

    /** {@code BEGIN}, {@code COMMIT} and {@code ROLLBACK}, in the order the sessions were told them. */
    public List<String> transactions() {
        return List.copyOf(transactions);
    }

    /** Empties {@link #log()} and {@link #transactions()}. */
    public void clear() {
        log.clear();
        transactions.clear();
    }

    /** Sessions opened and not yet closed. */
    public int openSessions() {
        return openSessions.get();
    }

    /** Prepared statements returned by {@code prepare} and not yet closed. */
    public int openStatements() {
        return openStatements.get();
    }

    /** Row cursors returned by {@code execute} and not yet closed. */
    public int openCursors() {
        return openCursors.get();
    }

    /** How many times {@link QuerySession#cancel()} was called on any session. */
    public int cancelCalls() {
        return cancelCalls.get();
    }

    /**
     * Waits until a {@code sleep} statement has started (each start is counted once), so that a test can send a
     * cancel knowing that the statement runs.
     *
     * @return false when none started within the timeout
     */
    public boolean awaitSleeping(Duration timeout) throws InterruptedException {
        return sleepsStarted.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Waits until a {@code stream} statement has begun to prepare (each start is counted once).
     *
     * @return false when none started within the timeout
     */
    public boolean awaitStreamStarted(Duration timeout) throws InterruptedException {
        return streamsStarted.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits without heeding interrupts or cancels, as a handler busy in native code does. */
    private static void busyFor(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        boolean interrupted = false;
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static PgException canceled() {
        return new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
    }

    private static PgException syntaxError(String sql) {
        return new PgException(SqlState.SYNTAX_ERROR, "syntax error in test statement: " + sql);
    }

    /** One connection's session. */
    private final class TestSession implements QuerySession {
        private final SessionContext context;
        private final Object sleepLock = new Object();
        private final List<String> pending = new ArrayList<>();
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile boolean cancelRequested;
        private boolean inTransaction;

        TestSession(SessionContext context) {
            this.context = context;
        }

        @Override
        public PreparedQuery prepare(String sql, List<PgType> declared) {
            String text = sql.trim();
            if (text.endsWith(";")) {
                text = text.substring(0, text.length() - 1).trim();
            }
            String[] words = text.split("\\s+", 2);
            String keyword = words[0].toLowerCase(Locale.ROOT);
            String rest = words.length > 1 ? words[1].trim() : "";
            Statement statement = switch (keyword) {
                case "echo" -> echo(sql, rest, declared);
                case "rows" -> {
                    long n = number(sql, rest);
                    yield new Statement(declared, List.of(new Column("n", PgType.INT8)), params -> {
                        cancelRequested = false;
                        return new ExecutionResult.Rows(new CountingCursor(n));
                    });
                }
                case "stream" -> {
                    streamsStarted.release();
                    String[] args = rest.split("\\s+");
                    if (args.length > 3) {
                        throw syntaxError(sql);
                    }
                    long n = number(sql, args[0]);
                    long prepareMillis = args.length > 1 ? number(sql, args[1]) : 0;
                    long executeMillis = args.length > 2 ? number(sql, args[2]) : 0;
                    busyFor(prepareMillis);
                    yield new Statement(declared, List.of(new Column("n", PgType.INT8)), params -> {
                        busyFor(executeMillis);
                        return new ExecutionResult.Rows(new DeafCursor(n));
                    });
                }
                case "sleep" -> {
                    long millis = number(sql, rest);
                    yield new Statement(declared, List.of(), params -> sleep(millis));
                }
                case "insert" -> {
                    if (rest.isEmpty()) {
                        throw syntaxError(sql);
                    }
                    yield new Statement(declared, List.of(), params -> insert(rest));
                }
                case "fail" -> {
                    String[] parts = errorParts(sql, rest, "failed");
                    yield new Statement(declared, List.of(), params -> {
                        throw new PgException(parts[0], parts[1]);
                    });
                }
                case "prepfail" -> {
                    String[] parts = errorParts(sql, rest, "prepare failed");
                    throw new PgException(parts[0], parts[1]);
                }
                case "types" -> new Statement(declared, TYPE_COLUMNS,
                        params -> new ExecutionResult.Rows(new OneRowCursor(TYPE_COLUMNS, TYPE_VALUES)));
                case "nulls" -> new Statement(declared, TYPE_COLUMNS, params -> new ExecutionResult.Rows(
                        new OneRowCursor(TYPE_COLUMNS, Collections.nCopies(TYPE_COLUMNS.size(), null))));
                case "notice" -> new Statement(declared, List.of(), params -> {
                    context.notice(new PgException(SqlState.SUCCESSFUL_COMPLETION, rest)
                            .withSeverity(PgException.Severity.NOTICE));
                    return new ExecutionResult.Command("NOTICE", -1);
                });
                case "setting" -> {
                    List<Column> columns = List.of(new Column("setting", PgType.TEXT));
                    yield new Statement(declared, columns, params -> new ExecutionResult.Rows(
                            new OneRowCursor(columns, Collections.singletonList(context.setting(rest)))));
                }
                default -> throw syntaxError(sql);
            };
            openStatements.incrementAndGet();
            return statement;
        }

        private Statement echo(String sql, String rest, List<PgType> declared) {
            List<Integer> refs = new ArrayList<>();
            if (!rest.isEmpty()) {
                for (String token : rest.split(",")) {
                    Matcher m = PARAM.matcher(token.trim());
                    if (!m.matches()) {
                        throw syntaxError(sql);
                    }
                    refs.add(Integer.parseInt(m.group(1)));
                }
            }
            int count = Math.max(declared.size(), refs.stream().mapToInt(Integer::intValue).max().orElse(0));
            List<PgType> types = new ArrayList<>(declared);
            while (types.size() < count) {
                types.add(PgType.UNKNOWN);
            }
            List<Column> columns = new ArrayList<>();
            for (int ref : refs) {
                PgType type = types.get(ref - 1);
                columns.add(new Column("p" + ref, type.equals(PgType.UNKNOWN) ? PgType.TEXT : type));
            }
            List<Column> fixedColumns = List.copyOf(columns);
            return new Statement(types, fixedColumns, params -> {
                List<Object> row = new ArrayList<>();
                for (int ref : refs) {
                    row.add(params.get(ref - 1));
                }
                return new ExecutionResult.Rows(new OneRowCursor(fixedColumns, row));
            });
        }

        private long number(String sql, String rest) {
            try {
                long n = Long.parseLong(rest);
                if (n < 0) {
                    throw syntaxError(sql);
                }
                return n;
            } catch (NumberFormatException e) {
                throw syntaxError(sql);
            }
        }

        private String[] errorParts(String sql, String rest, String defaultMessage) {
            String[] parts = rest.split("\\s+", 2);
            if (parts[0].length() != 5) {
                throw syntaxError(sql);
            }
            return new String[] {parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : defaultMessage};
        }

        private ExecutionResult sleep(long millis) {
            synchronized (sleepLock) {
                cancelRequested = false;
                sleepsStarted.release();
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
                try {
                    while (!cancelRequested) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            return new ExecutionResult.Command("SLEEP", -1);
                        }
                        TimeUnit.NANOSECONDS.timedWait(sleepLock, left);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw canceled();
            }
        }

        private ExecutionResult insert(String value) {
            if (inTransaction) {
                pending.add(value);
            } else {
                log.add(value);
            }
            return ExecutionResult.Command.of(1);
        }

        @Override
        public void begin(TransactionOptions options) {
            transactions.add("BEGIN");
            inTransaction = true;
            pending.clear();
        }

        @Override
        public void commit() {
            transactions.add("COMMIT");
            log.addAll(pending);
            pending.clear();
            inTransaction = false;
        }

        @Override
        public void rollback() {
            transactions.add("ROLLBACK");
            pending.clear();
            inTransaction = false;
        }

        @Override
        public void cancel() {
            cancelCalls.incrementAndGet();
            cancelRequested = true;
            synchronized (sleepLock) {
                sleepLock.notifyAll();
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                openSessions.decrementAndGet();
            }
        }

        /** Streams 1..n, checking for a cancel before each row. */
        private final class CountingCursor extends DeafCursor {
            CountingCursor(long count) {
                super(count);
            }

            @Override
            public boolean next() {
                if (cancelRequested) {
                    throw canceled();
                }
                return super.next();
            }
        }
    }

    /** Streams 1..n and never looks for a cancel. */
    private class DeafCursor extends TrackedCursor {
        private final long count;
        private long current;

        DeafCursor(long count) {
            super(List.of(new Column("n", PgType.INT8)));
            this.count = count;
        }

        @Override
        public boolean next() {
            if (current >= count) {
                return false;
            }
            current++;
            return true;
        }

        @Override
        public Object get(int column) {
            if (current == 0 || column != 0) {
                throw new IllegalStateException("no such value: row " + current + ", column " + column);
            }
            return current;
        }
    }

    /** What a prepared statement does when executed. */
    @FunctionalInterface
    private interface Body {
        ExecutionResult run(List<Object> parameters);
    }

    private final class Statement implements PreparedQuery {
        private final List<PgType> parameterTypes;
        private final List<Column> columns;
        private final Body body;
        private final AtomicBoolean closed = new AtomicBoolean();

        Statement(List<PgType> parameterTypes, List<Column> columns, Body body) {
            this.parameterTypes = List.copyOf(parameterTypes);
            this.columns = List.copyOf(columns);
            this.body = body;
        }

        @Override
        public List<PgType> parameterTypes() {
            return parameterTypes;
        }

        @Override
        public List<Column> columns() {
            return columns;
        }

        @Override
        public ExecutionResult execute(List<Object> parameters) {
            if (closed.get()) {
                throw new IllegalStateException("statement already closed");
            }
            if (parameters.size() != parameterTypes.size()) {
                throw new PgException(SqlState.PROTOCOL_VIOLATION, "expected " + parameterTypes.size()
                        + " parameters but got " + parameters.size());
            }
            return body.run(parameters);
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                openStatements.decrementAndGet();
            }
        }
    }

    /** A cursor counted in {@link #openCursors()} until closed. */
    private abstract class TrackedCursor implements RowCursor {
        private final List<Column> columns;
        private final AtomicBoolean closed = new AtomicBoolean();

        TrackedCursor(List<Column> columns) {
            this.columns = columns;
            openCursors.incrementAndGet();
        }

        @Override
        public List<Column> columns() {
            return columns;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                openCursors.decrementAndGet();
            }
        }
    }

    /** A cursor over a single row. */
    private final class OneRowCursor extends TrackedCursor {
        private final List<Object> row;
        private int position;

        OneRowCursor(List<Column> columns, List<Object> row) {
            super(columns);
            this.row = row;
        }

        @Override
        public boolean next() {
            return position++ == 0;
        }

        @Override
        public Object get(int column) {
            if (position != 1) {
                throw new IllegalStateException("not on the row");
            }
            return row.get(column);
        }
    }
}
