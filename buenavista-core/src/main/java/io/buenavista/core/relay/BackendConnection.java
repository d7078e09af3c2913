package io.buenavista.core.relay;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.auth.Md5Password;
import io.buenavista.core.auth.ScramSha256Client;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One authenticated connection to a PostgreSQL backend, as the relay's client. Between sessions it is driven here,
 * message by message (login, applying settings, reset); during a session {@link RelaySession} moves its bytes
 * without decoding them, through {@link #input()} and {@link #output()}.
 */
final class BackendConnection implements AutoCloseable {
    private static final int PROTOCOL_3_0 = 196608;
    private static final int CANCEL_REQUEST_CODE = 80877102;
    /** Smaller than the relay's buffer, so that the relay's reads bypass it and go straight to the socket. */
    private static final int READ_BUFFER = 8192;
    /** Messages read while not relaying (login, SET, reset) are small; a larger one means a confused backend. */
    private static final int MAX_CONTROL_MESSAGE = 1 << 20;
    private static final byte[] DISCARD_ALL = queryFrame("DISCARD ALL");
    /**
     * The longest settings statement a reset applies again: a relay loop writes the reset from a session's buffer,
     * and a startup packet's thousand custom settings would not fit. Longer ones are applied at each checkout.
     */
    static final int MAX_REAPPLIED = 8192;

    private final Backend backend;
    /** The TCP connection; closing it stops any thread blocked on the connection, TLS or not. */
    private final Socket tcp;
    /** {@link #tcp}, or the TLS socket layered on it. */
    private final Socket socket;
    private final SocketInput in;
    private final DataInputStream data;
    private final OutputStream out;
    /**
     * Reported settings a client may set at startup, by name ignoring case (a startup packet may say
     * {@code datestyle}): their current values are known from ParameterStatus, so a checkout that asks for the
     * values they already have needs no round trip.
     */
    private static final java.util.Set<String> SETTABLE_REPORTED = caseInsensitive(List.of("application_name",
            "client_encoding", "DateStyle", "IntervalStyle", "TimeZone", "standard_conforming_strings"));
    /**
     * How long a connection counts as alive after it answered (its login, or the reset when it came back): a
     * checkout later than this validates it with a round trip even when nothing is to be set. PgBouncer's
     * {@code server_check_delay} default. A backend that ended meanwhile usually said so (pg_terminate_backend,
     * shutdown and crash send a FATAL, which {@link BackendPool} sees before lending the connection).
     */
    static final Duration VALIDATED_FOR = Duration.ofSeconds(30);

    /** The backend's ParameterStatus values, latest of each, by name ignoring case (PostgreSQL's startup order). */
    private final Map<String, String> parameters = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    /**
     * The relay's buffers for the sessions this connection serves, one per direction: made once per connection,
     * not per session, since a session ends only after its pump stopped and a connection serves one at a time.
     */
    final byte[] toBackendBuffer = new byte[RelaySession.BUFFER];
    final byte[] toClientBuffer = new byte[RelaySession.BUFFER];
    /**
     * The settings the connection has over the backend's defaults once reset: those its last checkout applied, which
     * the reset after each session applies again. None when they are longer than {@link #MAX_REAPPLIED}, or when
     * they set {@code idle_session_timeout}, which would end the idle connection in the pool (and the next client's
     * session, with a FATAL about an idle time it never spent). Changed and read only between sessions.
     */
    private List<Map.Entry<String, String>> applied = List.of();
    private byte[] resetFrames = DISCARD_ALL;
    private int processId;
    private int secretKey;
    private char transactionStatus = 'I';
    private volatile long idleSinceNanos;

    private BackendConnection(Backend backend, Socket tcp, Socket socket) throws IOException {
        this.backend = backend;
        this.tcp = tcp;
        this.socket = socket;
        this.in = new SocketInput(socket.getInputStream(), READ_BUFFER);
        this.data = new DataInputStream(in);
        this.out = socket.getOutputStream();
    }

    /**
     * Connects, negotiates TLS as the backend's sslmode asks, and logs in (trust, cleartext, MD5 or SCRAM-SHA-256).
     *
     * @throws PgException FATAL 08006 when the backend cannot be reached, fails the TLS checks or refuses the login,
     *                     with its message
     */
    static BackendConnection open(Backend backend, BackendTls tls, Duration connectTimeout, SecureRandom random,
            ScheduledExecutorService timer) {
        Socket socket;
        try {
            // Through a channel, so that a relay loop can serve it without a thread (channel()).
            socket = SocketChannel.open().socket();
        } catch (IOException e) {
            throw PgException.fatal(SqlState.CONNECTION_FAILURE, "cannot open a socket: " + e.getMessage());
        }
        // Bounds a login to a backend that accepts the connection but never answers. Not SO_TIMEOUT: a timed read
        // turns the JDK's socket non-blocking for good, which costs a poll per read for the connection's life.
        ScheduledFuture<?> deadline = timer.schedule(() -> closeQuietly(socket), connectTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.connect(new InetSocketAddress(backend.host(), backend.port()), (int) connectTimeout.toMillis());
            BackendConnection c = new BackendConnection(backend, socket, tls.negotiate(socket));
            c.login(random);
            deadline.cancel(false);
            if (socket.isClosed()) {
                throw new IOException("the backend did not complete the login in time");
            }
            return c;
        } catch (IOException e) {
            deadline.cancel(false);
            closeQuietly(socket);
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            throw PgException.fatal(SqlState.CONNECTION_FAILURE, e instanceof SSLException
                    ? "TLS with the backend server " + backend.host() + ":" + backend.port() + " failed: " + reason
                    : "could not connect to the backend server " + backend.host() + ":" + backend.port() + ": "
                            + reason);
        } catch (PgException | IllegalArgumentException e) {
            deadline.cancel(false);
            closeQuietly(socket);
            throw e instanceof PgException p ? p
                    : PgException.fatal(SqlState.CONNECTION_FAILURE, "backend login failed: " + e.getMessage());
        }
    }

    private void login(SecureRandom random) throws IOException {
        ByteArrayOutputStream startup = new ByteArrayOutputStream();
        writeInt(startup, 0);
        writeInt(startup, PROTOCOL_3_0);
        cstring(startup, "user");
        cstring(startup, backend.user());
        cstring(startup, "database");
        cstring(startup, backend.database());
        startup.write(0);
        byte[] packet = startup.toByteArray();
        setInt(packet, 0, packet.length);
        out.write(packet);
        out.flush();
        ScramSha256Client scram = null;
        while (true) {
            int type = data.readUnsignedByte();
            byte[] body = readBody();
            switch (type) {
                case 'R' -> {
                    int code = getInt(body, 0);
                    switch (code) {
                        case 0 -> { }
                        case 3 -> sendPassword(password("cleartext"));
                        case 5 -> sendPassword(Md5Password.response(backend.user(), password("MD5"),
                                java.util.Arrays.copyOfRange(body, 4, 8)));
                        case 10 -> {
                            List<String> mechanisms = cstrings(body, 4);
                            if (!mechanisms.contains(ScramSha256Client.MECHANISM)) {
                                throw loginRefused("the backend offers no supported SASL mechanism: " + mechanisms);
                            }
                            scram = new ScramSha256Client(password("SCRAM-SHA-256"), random);
                            byte[] first = scram.clientFirst();
                            ByteArrayOutputStream m = new ByteArrayOutputStream();
                            cstring(m, ScramSha256Client.MECHANISM);
                            writeInt(m, first.length);
                            m.write(first);
                            send('p', m.toByteArray());
                        }
                        case 11 -> {
                            if (scram == null) {
                                throw loginRefused("the backend sent SASLContinue out of turn");
                            }
                            send('p', scram.clientFinal(java.util.Arrays.copyOfRange(body, 4, body.length)));
                        }
                        case 12 -> {
                            if (scram == null || !scram.serverFinalValid(
                                    java.util.Arrays.copyOfRange(body, 4, body.length))) {
                                throw loginRefused("the backend's SCRAM signature is wrong");
                            }
                        }
                        default -> throw loginRefused("the backend asks for an unsupported authentication method ("
                                + code + ")");
                    }
                }
                case 'S' -> parameterStatus(body);
                case 'K' -> {
                    processId = getInt(body, 0);
                    secretKey = getInt(body, 4);
                }
                case 'Z' -> {
                    transactionStatus = (char) body[0];
                    idleSinceNanos = System.nanoTime();
                    return;
                }
                case 'E' -> {
                    PgException e = error(body);
                    throw PgException.fatal(SqlState.CONNECTION_FAILURE, e.message())
                            .withDetail("the backend refused the login with SQLSTATE " + e.sqlState());
                }
                case 'N', 'v' -> { }
                default -> throw loginRefused("unexpected message '" + (char) type + "' during the backend login");
            }
        }
    }

    private String password(String method) {
        if (backend.password() == null) {
            throw loginRefused("the backend asks for a password (" + method + ") but none was configured");
        }
        return backend.password();
    }

    private static PgException loginRefused(String message) {
        return PgException.fatal(SqlState.CONNECTION_FAILURE, message);
    }

    private void sendPassword(String password) throws IOException {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        cstring(m, password);
        send('p', m.toByteArray());
    }

    /**
     * Runs SQL with the simple protocol and waits for ReadyForQuery; ParameterStatus messages update
     * {@link #parameters()}. Rows are dropped.
     *
     * @return the first ErrorResponse, or null
     * @throws IOException when the connection fails; it is then unusable
     */
    PgException simpleQuery(String sql) throws IOException {
        streams();
        out.write(queryFrame(sql));
        out.flush();
        return readAnswers(1);
    }

    /** Reads the answers to {@code queries} Query frames sent, up to their last ReadyForQuery; the first error. */
    private PgException readAnswers(int queries) throws IOException {
        PgException first = null;
        int ready = 0;
        while (true) {
            int type = data.readUnsignedByte();
            byte[] body = readBody();
            switch (type) {
                case 'S' -> parameterStatus(body);
                case 'E' -> first = first == null ? error(body) : first;
                case 'Z' -> {
                    transactionStatus = (char) body[0];
                    if (++ready == queries) {
                        return first;
                    }
                }
                case 'G', 'H', 'W' -> throw new IOException("the backend started a COPY during a control query");
                default -> { }
            }
        }
    }

    /**
     * Gives the session these settings, in order, over the backend's defaults, with
     * {@code set_config(name, value, false)} in one round trip ({@code set_config} takes the raw string, as a startup
     * parameter does; a {@code SET} would quote list values such as search_path differently). When the connection
     * has other settings (its previous client's, given back by the reset), {@code DISCARD ALL} goes first, in the
     * same write. A setting that fails aborts the statement, so none of them stays set.
     *
     * <p>The round trip is skipped when it would change nothing and the connection proved alive less than
     * {@link #VALIDATED_FOR} ago (at its login or its last reset): the previous client asked for exactly these
     * settings (the reset gave them back, {@link #resetFrames}), or the connection has its defaults and every setting
     * is one the backend reports ({@link #SETTABLE_REPORTED}) and already has that value. Otherwise the round trip
     * also validates a reused connection: with nothing to change, an empty query.
     *
     * @return the backend's error, or null
     * @throws IOException when the connection fails; it is then unusable
     */
    PgException applySettings(List<Map.Entry<String, String>> settings) throws IOException {
        boolean unchanged = settings.equals(applied) || applied.isEmpty() && alreadySet(settings);
        if (unchanged && System.nanoTime() - idleSinceNanos < VALIDATED_FOR.toNanos()) {
            return null;
        }
        streams();
        if (unchanged) {
            return simpleQuery("");
        }
        PgException error;
        if (applied.isEmpty()) {
            error = simpleQuery(setConfig(settings));
        } else {
            // DISCARD ALL, not RESET ALL, which leaves role and session_authorization (GUC_NO_RESET_ALL) as set.
            out.write(settings.isEmpty() ? DISCARD_ALL : concat(DISCARD_ALL, queryFrame(setConfig(settings))));
            out.flush();
            error = readAnswers(settings.isEmpty() ? 1 : 2);
        }
        setApplied(error == null ? settings : List.of());
        return error;
    }

    /** Whether the connection, once reset, has exactly these settings over the backend's defaults. */
    boolean hasSettings(List<Map.Entry<String, String>> settings) {
        return settings.equals(applied);
    }

    private static String setConfig(List<Map.Entry<String, String>> settings) {
        StringBuilder sql = new StringBuilder("SELECT ");
        String sep = "";
        for (Map.Entry<String, String> e : settings) {
            sql.append(sep).append("pg_catalog.set_config(").append(literal(e.getKey())).append(", ")
                    .append(literal(e.getValue())).append(", false)");
            sep = ", ";
        }
        return sql.toString();
    }

    private void setApplied(List<Map.Entry<String, String>> settings) {
        boolean actsWhileIdle = settings.stream().anyMatch(e -> e.getKey().equalsIgnoreCase("idle_session_timeout"));
        byte[] again = settings.isEmpty() || actsWhileIdle ? null : queryFrame(setConfig(settings));
        if (again == null || again.length > MAX_REAPPLIED) {
            // The reset leaves the backend's defaults.
            applied = List.of();
            resetFrames = DISCARD_ALL;
        } else {
            applied = List.copyOf(settings);
            resetFrames = concat(DISCARD_ALL, again);
        }
    }

    /**
     * The Query frames that reset the connection outside a transaction: {@code DISCARD ALL}, then the settings of
     * the session that ends, again, so that its next client asking for the same (pgbench, a pool of one
     * application's clients) needs no round trip at its start. Each frame is owed a ReadyForQuery
     * ({@link #resetFrameCount}); an error in any means the connection is not known to be clean.
     */
    byte[] resetFrames() {
        return resetFrames;
    }

    /** How many Query frames {@link #resetFrames} holds. */
    int resetFrameCount() {
        return applied.isEmpty() ? 1 : 2;
    }

    /** A simple-protocol Query frame. */
    static byte[] queryFrame(String sql) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[6 + text.length];
        frame[0] = 'Q';
        setInt(frame, 1, 5 + text.length);
        System.arraycopy(text, 0, frame, 5, text.length);
        return frame;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /**
     * Whether each setting already has its value, as the backend last reported it. Only reported settings a
     * client may set count: the backend's value of any other one is not known, and a read-only one
     * ({@code server_version}, {@code is_superuser}) is refused by PostgreSQL even when the value is the same.
     */
    private boolean alreadySet(List<Map.Entry<String, String>> settings) {
        for (Map.Entry<String, String> e : settings) {
            if (!SETTABLE_REPORTED.contains(e.getKey()) || !e.getValue().equals(parameters.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes the connection fit for the next client: rolls back an open transaction, then sends {@link #resetFrames}
     * ({@code DISCARD ALL} and the session's settings again), as a relay loop's drain does.
     *
     * @return whether it is clean and may be reused
     */
    boolean reset() {
        try {
            if (in.available() > 0) {
                // Something arrived while nobody asked (a FATAL from pg_terminate_backend, say): do not guess.
                return false;
            }
            if (transactionStatus != 'I' && simpleQuery("ROLLBACK") != null) {
                return false;
            }
            if (transactionStatus != 'I') {
                return false;
            }
            // The loop's reset too, in one write: DISCARD ALL, then the settings (when there are any).
            streams();
            out.write(resetFrames);
            out.flush();
            if (readAnswers(1) != null || transactionStatus != 'I') {
                return false;
            }
            if (resetFrameCount() == 2 && readAnswers(1) != null) {
                setApplied(List.of()); // the failed statement set nothing: the connection has its defaults
            }
            return transactionStatus == 'I';
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends CancelRequest with this backend's key, on a new connection as the protocol wants; best effort. */
    void cancel(Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(backend.host(), backend.port()), (int) timeout.toMillis());
            byte[] packet = new byte[16];
            setInt(packet, 0, 16);
            setInt(packet, 4, CANCEL_REQUEST_CODE);
            setInt(packet, 8, processId);
            setInt(packet, 12, secretKey);
            s.getOutputStream().write(packet);
            s.getOutputStream().flush();
            // PostgreSQL closes the socket once the request is processed; waiting for that keeps the order.
            s.setSoTimeout((int) timeout.toMillis());
            s.getInputStream().read();
        } catch (IOException ignored) {
            // the client is never told whether a cancel landed
        }
    }

    /** Ends the session politely (Terminate) and closes the socket; idempotent. */
    @Override
    public void close() {
        if (!socket.isClosed()) {
            try {
                streams();
                out.write(new byte[] {'X', 0, 0, 0, 4});
                out.flush();
            } catch (IOException | RuntimeException ignored) {
                // closing anyway; still registered with a loop that did not let go in time, it cannot block
            }
        }
        closeQuietly(socket);
        closeQuietly(tcp);
    }

    /**
     * Closes the TCP connection at once, e.g. to stop a relay thread blocked on it; under TLS without a
     * close_notify, which could wait behind a blocked writer.
     */
    void abort() {
        closeQuietly(tcp);
    }

    boolean isClosed() {
        return tcp.isClosed();
    }

    /** The connection's input as a blocking stream. */
    InputStream input() throws IOException {
        streams();
        return in;
    }

    /**
     * Whether bytes wait to be read (what {@link #input()} buffered, or the socket's), in whichever mode the socket
     * is: an idle connection that says something (a FATAL) is not lent.
     */
    boolean hasInput() throws IOException {
        return in.available() > 0;
    }

    /**
     * Makes the socket blocking again, for the streams. A relay loop leaves the connection of a session it ended
     * cleanly non-blocking (it goes back to the pool with no I/O), so that the next session on a loop needs no
     * switch either way: each is two fcntl calls, and a relayed login makes few other system calls.
     */
    private void streams() throws IOException {
        SocketChannel channel = tcp.getChannel();
        if (channel != null && !channel.isBlocking()) {
            channel.configureBlocking(true);
        }
    }

    /**
     * The connection as a channel for a {@link RelayLoop}, when it is plain TCP (null under TLS); bytes already read
     * into {@link #input()}'s buffer come first ({@link #takeBuffered}).
     */
    SocketChannel channel() {
        return socket == tcp ? tcp.getChannel() : null;
    }

    /** Moves what {@link #input()} buffered into {@code b}: for a reader that goes to {@link #channel()} itself. */
    int takeBuffered(byte[] b, int off, int len) {
        return in.takeBuffered(b, off, len);
    }

    /** The connection's output as a blocking stream. */
    OutputStream output() throws IOException {
        streams();
        return out;
    }

    Backend backend() {
        return backend;
    }

    int processId() {
        return processId;
    }

    /**
     * The ParameterStatus values the backend reported so far, latest value of each, in the order PostgreSQL reports
     * them at startup (by name, ignoring case), so that a relayed client's startup matches a direct one's.
     */
    Map<String, String> parameters() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    void transactionStatus(char status) {
        this.transactionStatus = status;
    }

    /** The status of the last ReadyForQuery: {@code I} idle, {@code T} in a transaction, {@code E} failed one. */
    char transactionStatus() {
        return transactionStatus;
    }

    void markIdle() {
        idleSinceNanos = System.nanoTime();
    }

    long idleSinceNanos() {
        return idleSinceNanos;
    }

    private void parameterStatus(byte[] body) {
        parameterStatus(body, 0, body.length);
    }

    /**
     * Records a ParameterStatus body found at {@code buf[from, from + length)}, e.g. one relayed during a session
     * (only the session's pump thread calls this while it runs).
     */
    void parameterStatus(byte[] buf, int from, int length) {
        int end = from + length;
        int nameEnd = indexOfZero(buf, from, end);
        int valueEnd = nameEnd < 0 ? -1 : indexOfZero(buf, nameEnd + 1, end);
        if (valueEnd > nameEnd && nameEnd > from) {
            parameters.put(new String(buf, from, nameEnd - from, StandardCharsets.UTF_8),
                    new String(buf, nameEnd + 1, valueEnd - nameEnd - 1, StandardCharsets.UTF_8));
        }
    }

    /** An escape-string literal: right whatever standard_conforming_strings says. */
    private static String literal(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 3).append("E'");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\'' || c == '\\') {
                sb.append(c);
            }
            sb.append(c);
        }
        return sb.append('\'').toString();
    }

    private static java.util.Set<String> caseInsensitive(List<String> names) {
        java.util.Set<String> set = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(names);
        return Collections.unmodifiableSet(set);
    }

    private static int indexOfZero(byte[] buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private byte[] readBody() throws IOException {
        int length = data.readInt();
        if (length < 4 || length - 4 > MAX_CONTROL_MESSAGE) {
            throw new IOException("the backend sent a message of invalid length " + length);
        }
        byte[] body = new byte[length - 4];
        data.readFully(body);
        return body;
    }

    private void send(char type, byte[] body) throws IOException {
        byte[] m = new byte[5 + body.length];
        m[0] = (byte) type;
        setInt(m, 1, 4 + body.length);
        System.arraycopy(body, 0, m, 5, body.length);
        out.write(m);
        out.flush();
    }

    /** An ErrorResponse's fields as an exception, keeping severity, SQLSTATE, message, detail and hint. */
    static PgException error(byte[] body) {
        Map<Character, String> fields = new LinkedHashMap<>();
        int i = 0;
        while (i < body.length && body[i] != 0) {
            char code = (char) body[i++];
            int end = i;
            while (end < body.length && body[end] != 0) {
                end++;
            }
            fields.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
            i = end + 1;
        }
        PgException e = new PgException(fields.getOrDefault('C', SqlState.INTERNAL_ERROR),
                fields.getOrDefault('M', "unknown backend error"));
        String severity = fields.getOrDefault('V', fields.get('S'));
        if ("FATAL".equals(severity) || "PANIC".equals(severity)) {
            e = e.withSeverity(PgException.Severity.FATAL);
        }
        if (fields.containsKey('D')) {
            e = e.withDetail(fields.get('D'));
        }
        if (fields.containsKey('H')) {
            e = e.withHint(fields.get('H'));
        }
        return e;
    }

    private static List<String> cstrings(byte[] body, int from) {
        List<String> out = new ArrayList<>();
        int i = from;
        while (i < body.length) {
            int end = i;
            while (end < body.length && body[end] != 0) {
                end++;
            }
            if (end == i) {
                break;
            }
            out.add(new String(body, i, end - i, StandardCharsets.UTF_8));
            i = end + 1;
        }
        return out;
    }

    private static void cstring(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static void setInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return backend + " pid " + processId;
    }
}
