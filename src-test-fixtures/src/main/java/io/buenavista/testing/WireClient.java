package io.buenavista.testing;

import io.buenavista.testing.BackendMessage.AuthenticationCleartextPassword;
import io.buenavista.testing.BackendMessage.AuthenticationMD5Password;
import io.buenavista.testing.BackendMessage.AuthenticationOk;
import io.buenavista.testing.BackendMessage.AuthenticationSASL;
import io.buenavista.testing.BackendMessage.AuthenticationSASLContinue;
import io.buenavista.testing.BackendMessage.AuthenticationSASLFinal;
import io.buenavista.testing.BackendMessage.BackendKeyData;
import io.buenavista.testing.BackendMessage.CommandComplete;
import io.buenavista.testing.BackendMessage.DataRow;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.NoticeResponse;
import io.buenavista.testing.BackendMessage.NotificationResponse;
import io.buenavista.testing.BackendMessage.ParameterDescription;
import io.buenavista.testing.BackendMessage.ParameterStatus;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.BackendMessage.RowDescription;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A raw PostgreSQL v3 protocol client for scripting exchanges in tests: it writes exactly the
 * {@link FrontendMessage}s it is given and decodes every reply into a {@link BackendMessage}, without any of a
 * driver's own behaviour.
 *
 * <p>The {@code expect…} methods are strict: the next message must be the one expected, or they throw an
 * {@link AssertionError} showing what arrived and the messages before it. Asynchronous messages
 * ({@code NoticeResponse}, {@code ParameterStatus}, {@code NotificationResponse}) are strict too unless
 * {@link #setSkipAsync(boolean)} is on. Every read waits at most the read timeout (10 s by default).
 *
 * <p>Not thread-safe, except that {@link #cancel()} may be called from another thread.
 */
public final class WireClient implements AutoCloseable {
    private static final int HISTORY = 12;

    private final String host;
    private final int port;
    private Socket socket;
    private DataInputStream in;
    private OutputStream out;
    private Duration readTimeout = Duration.ofSeconds(10);
    private boolean skipAsync;
    private final Deque<BackendMessage> pushedBack = new ArrayDeque<>();
    private final Deque<BackendMessage> history = new ArrayDeque<>();
    private final Map<String, String> parameterStatus = new LinkedHashMap<>();
    private volatile BackendKeyData backendKeyData;

    private Random fragmentRandom;
    private int fragmentMin;
    private int fragmentMax;
    private long fragmentPauseMillis;

    private WireClient(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), (int) readTimeout.toMillis());
        s.setTcpNoDelay(true);
        attach(s);
    }

    /** Opens a TCP connection and sends nothing. */
    public static WireClient connect(String host, int port) {
        try {
            return new WireClient(host, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
        }
    }

    private void attach(Socket s) throws IOException {
        socket = s;
        in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
        out = s.getOutputStream();
    }

    // ---------------------------------------------------------------------------------------------- options

    /** How long each read waits before failing; 10 s by default. */
    public WireClient setReadTimeout(Duration timeout) {
        this.readTimeout = timeout;
        return this;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    /**
     * Makes every later write go out in chunks of {@code min..max} bytes (chosen by a random generator seeded with
     * {@code seed}, so a failure can be replayed), each flushed on its own, with TCP_NODELAY on.
     */
    public WireClient setFragmentation(int min, int max, long seed) {
        return setFragmentation(min, max, seed, 0);
    }

    /**
     * As {@link #setFragmentation(int, int, long)}, pausing {@code pauseMillis} between chunks so that they
     * really arrive apart rather than coalesced by the kernel.
     */
    public WireClient setFragmentation(int min, int max, long seed, long pauseMillis) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("need 1 <= min <= max");
        }
        fragmentRandom = new Random(seed);
        fragmentMin = min;
        fragmentMax = max;
        fragmentPauseMillis = pauseMillis;
        return this;
    }

    /** Writes whole messages again. */
    public WireClient clearFragmentation() {
        fragmentRandom = null;
        return this;
    }

    /** Whether the {@code expect…} methods pass over NoticeResponse, ParameterStatus and NotificationResponse. */
    public WireClient setSkipAsync(boolean skip) {
        this.skipAsync = skip;
        return this;
    }

    // ---------------------------------------------------------------------------------------------- writing

    /** Encodes the messages and writes them in one go (or in fragments, see {@link #setFragmentation}). */
    public WireClient send(FrontendMessage... messages) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        for (FrontendMessage m : messages) {
            byte[] b = m.encode();
            buffer.write(b, 0, b.length);
        }
        write(buffer.toByteArray());
        return this;
    }

    /** Writes bytes as given. */
    public WireClient sendRaw(byte[] bytes) {
        write(bytes);
        return this;
    }

    private void write(byte[] bytes) {
        try {
            if (fragmentRandom == null) {
                out.write(bytes);
                out.flush();
                return;
            }
            int at = 0;
            while (at < bytes.length) {
                int n = Math.min(bytes.length - at, fragmentMin + fragmentRandom.nextInt(fragmentMax - fragmentMin + 1));
                out.write(bytes, at, n);
                out.flush();
                at += n;
                if (fragmentPauseMillis > 0 && at < bytes.length) {
                    Thread.sleep(fragmentPauseMillis);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("write failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing", e);
        }
    }

    // ---------------------------------------------------------------------------------------------- startup phase

    /** Sends a StartupMessage for protocol 3.0 with these parameters, in order. */
    public WireClient startup(Map<String, String> parameters) {
        return send(Frontend.startup(parameters));
    }

    /** Sends SSLRequest and returns the server's one-byte answer ({@code 'S'} or {@code 'N'}, or {@code 'E'}). */
    public char sslRequest() {
        send(new FrontendMessage.SslRequest());
        return (char) readByte();
    }

    /** Sends GSSENCRequest and returns the server's one-byte answer ({@code 'G'} or {@code 'N'}). */
    public char gssEncRequest() {
        send(new FrontendMessage.GssEncRequest());
        return (char) readByte();
    }

    /**
     * After an {@code 'S'} answer to {@link #sslRequest()}, runs the TLS handshake on this connection; later
     * messages are encrypted.
     */
    public WireClient startTls(SSLSocketFactory factory) {
        try {
            SSLSocket tls = (SSLSocket) factory.createSocket(socket, host, port, true);
            tls.setSoTimeout((int) readTimeout.toMillis());
            tls.startHandshake();
            attach(tls);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("TLS handshake failed", e);
        }
    }

    /** Reads one byte outside any message (the answer to SSLRequest or GSSENCRequest). */
    public int readByte() {
        try {
            socket.setSoTimeout(timeoutMillis());
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("server closed the connection instead of answering with one byte");
            }
            return b;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no byte from the server within " + readTimeout, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends StartupMessage (user, database) and reads until ReadyForQuery, answering a cleartext, MD5 or
     * SCRAM-SHA-256 password request. Fails on an ErrorResponse.
     *
     * @return the messages received, ReadyForQuery last
     */
    public List<BackendMessage> login(String user, String database) {
        return login(user, database, null);
    }

    /** As {@link #login(String, String)}, with a password to give when asked. */
    public List<BackendMessage> login(String user, String database, String password) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", user);
        params.put("database", database);
        return login(params, password);
    }

    /** As {@link #login(String, String)}, with all startup parameters given (they must include {@code user}). */
    public List<BackendMessage> login(Map<String, String> parameters, String password) {
        startup(parameters);
        String user = parameters.get("user");
        List<BackendMessage> received = new ArrayList<>();
        ScramClient scram = null;
        while (true) {
            BackendMessage m = next();
            received.add(m);
            if (m instanceof AuthenticationCleartextPassword) {
                send(Frontend.password(requirePassword(password)));
            } else if (m instanceof AuthenticationMD5Password md5) {
                send(Frontend.password(md5Answer(user, requirePassword(password), md5.salt())));
            } else if (m instanceof AuthenticationSASL sasl) {
                if (!sasl.mechanisms().contains("SCRAM-SHA-256")) {
                    throw new AssertionError("no supported SASL mechanism in " + sasl);
                }
                scram = new ScramClient(requirePassword(password));
                send(new FrontendMessage.SaslInitialResponse("SCRAM-SHA-256", scram.clientFirst()));
            } else if (m instanceof AuthenticationSASLContinue c) {
                if (scram == null) {
                    throw new AssertionError("SASLContinue without SASL: " + BackendMessage.describe(received));
                }
                send(new FrontendMessage.SaslResponse(scram.clientFinal(c.data())));
            } else if (m instanceof AuthenticationSASLFinal f) {
                if (scram == null) {
                    throw new AssertionError("SASLFinal without SASL: " + BackendMessage.describe(received));
                }
                scram.verifyServerFinal(f.data());
            } else if (m instanceof ErrorResponse) {
                throw new AssertionError("login failed: " + m);
            } else if (m instanceof ReadyForQuery) {
                if (received.stream().noneMatch(AuthenticationOk.class::isInstance)) {
                    throw new AssertionError("ReadyForQuery without AuthenticationOk: "
                            + BackendMessage.describe(received));
                }
                return Collections.unmodifiableList(received);
            } else if (m instanceof BackendMessage.Authentication other) {
                throw new AssertionError("unsupported authentication request " + other);
            }
        }
    }

    private static String requirePassword(String password) {
        if (password == null) {
            throw new AssertionError("the server asked for a password and none was given");
        }
        return password;
    }

    /** PostgreSQL's MD5 answer: {@code "md5" + md5hex(md5hex(password + user) + salt)}. */
    public static String md5Answer(String user, String password, byte[] salt) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            String inner = HexFormat.of()
                    .formatHex(md.digest((password + user).getBytes(StandardCharsets.UTF_8)));
            md.update(inner.getBytes(StandardCharsets.US_ASCII));
            md.update(salt);
            return "md5" + HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The server's last ParameterStatus value for this name, or null. */
    public String parameterStatus(String name) {
        return parameterStatus.get(name);
    }

    /** All ParameterStatus values received so far. */
    public Map<String, String> parameterStatuses() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(parameterStatus));
    }

    /** The BackendKeyData received, or null. */
    public BackendKeyData backendKeyData() {
        return backendKeyData;
    }

    // ---------------------------------------------------------------------------------------------- cancel

    /**
     * Sends a CancelRequest for this connection (the BackendKeyData it received) on a new connection to the
     * same server.
     */
    public void cancel() {
        BackendKeyData key = backendKeyData;
        if (key == null) {
            throw new AssertionError("no BackendKeyData received on this connection");
        }
        cancelRequest(host, port, key.processId(), key.secretKey());
    }

    /**
     * Opens a connection, sends CancelRequest and waits (at most 10 s) for the server to close it, which it does
     * once it has taken the request.
     */
    public static void cancelRequest(String host, int port, int processId, int secretKey) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 10_000);
            s.getOutputStream().write(new FrontendMessage.CancelRequest(processId, secretKey).encode());
            s.getOutputStream().flush();
            s.setSoTimeout(10_000);
            InputStream is = s.getInputStream();
            while (is.read() >= 0) {
                // The server answers nothing; drain until it closes.
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the cancel connection within 10 s", e);
        } catch (SocketException e) {
            // A reset also means the server is done with the request.
        } catch (IOException e) {
            throw new UncheckedIOException("cancel request failed", e);
        }
    }

    // ---------------------------------------------------------------------------------------------- reading

    /**
     * The next message.
     *
     * @throws AssertionError when none arrives within the read timeout, or the server closes the connection
     */
    public BackendMessage next() {
        BackendMessage m = pushedBack.pollFirst();
        if (m != null) {
            return m;
        }
        try {
            m = readOrEof();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no message from the server within " + readTimeout + "; received before: "
                    + history(), e);
        }
        if (m == null) {
            throw new AssertionError("the server closed the connection; received before: " + history());
        }
        return m;
    }

    /** Reads one message, or returns null at end of stream (clean close or reset). */
    private BackendMessage readOrEof() throws SocketTimeoutException {
        try {
            socket.setSoTimeout(timeoutMillis());
            int type = in.read();
            if (type < 0) {
                return null;
            }
            int length = in.readInt();
            if (length < 4 || length > (1 << 30)) {
                throw new AssertionError("message '" + (char) type + "' with impossible length " + length
                        + "; received before: " + history());
            }
            byte[] body = new byte[length - 4];
            in.readFully(body);
            BackendMessage m = BackendMessage.decode((char) type, body);
            remember(m);
            return m;
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (EOFException e) {
            throw new AssertionError("the server closed the connection in the middle of a message; received before: "
                    + history(), e);
        } catch (SocketException e) {
            // Connection reset: the server is gone.
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(e.getMessage() + "; received before: " + history(), e);
        }
    }

    private void remember(BackendMessage m) {
        if (m instanceof ParameterStatus p) {
            parameterStatus.put(p.name(), p.value());
        } else if (m instanceof BackendKeyData k) {
            backendKeyData = k;
        }
        history.addLast(m);
        if (history.size() > HISTORY) {
            history.removeFirst();
        }
    }

    private String history() {
        return BackendMessage.describe(new ArrayList<>(history));
    }

    private int timeoutMillis() {
        return (int) Math.max(1, readTimeout.toMillis());
    }

    /** Puts a message back so that the next read returns it. */
    public void pushBack(BackendMessage m) {
        pushedBack.addFirst(m);
    }

    /**
     * Whether the server closes the connection within the read timeout. A message that arrives instead is kept for
     * the next read and the answer is false.
     */
    public boolean closedByServer() {
        if (!pushedBack.isEmpty()) {
            return false;
        }
        try {
            BackendMessage m = readOrEof();
            if (m == null) {
                return true;
            }
            pushedBack.addLast(m);
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** Asserts that the server closes the connection (end of stream) before sending anything else. */
    public void expectClosed() {
        BackendMessage m = pushedBack.pollFirst();
        if (m == null) {
            try {
                m = readOrEof();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the connection is still open after " + readTimeout + "; received before: "
                        + history(), e);
            }
        }
        if (m != null) {
            throw new AssertionError("expected the server to close the connection but got " + m
                    + "; received before: " + history());
        }
    }

    /** The messages up to and including the next ReadyForQuery. */
    public List<BackendMessage> readUntilReady() {
        return readUntil(ReadyForQuery.class);
    }

    /** The messages up to and including the next one of this type. */
    public List<BackendMessage> readUntil(Class<? extends BackendMessage> type) {
        List<BackendMessage> received = new ArrayList<>();
        while (true) {
            BackendMessage m = next();
            received.add(m);
            if (type.isInstance(m)) {
                return Collections.unmodifiableList(received);
            }
        }
    }

    /**
     * Reads DataRows for about {@code time} as a slow client does: a pause after every {@code batch} of them.
     *
     * @return how many were read
     * @throws AssertionError when another message comes first
     */
    public long readRowsFor(Duration time, int batch, Duration pause) {
        long deadline = System.nanoTime() + time.toNanos();
        long rows = 0;
        while (System.nanoTime() < deadline) {
            expect(DataRow.class);
            if (++rows % batch == 0) {
                pause(pause);
            }
        }
        return rows;
    }

    /**
     * Reads DataRows, pausing after every {@code batch} of them, until another message comes, which is kept for the
     * next read.
     *
     * @return how many DataRows were read
     * @throws AssertionError when rows still come after {@code limit}
     */
    public long skipRows(int batch, Duration pause, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        long rows = 0;
        while (true) {
            BackendMessage m = next();
            if (!(m instanceof DataRow)) {
                pushBack(m);
                return rows;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("rows still arrive after " + limit + " (" + rows + " read)");
            }
            if (++rows % batch == 0) {
                pause(pause);
            }
        }
    }

    private static void pause(Duration pause) {
        if (pause.isZero()) {
            return;
        }
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Sends a simple Query and returns the messages up to and including ReadyForQuery. */
    public List<BackendMessage> simpleQuery(String sql) {
        send(Frontend.query(sql));
        return readUntilReady();
    }

    // ---------------------------------------------------------------------------------------------- expectations

    private BackendMessage nextExpected() {
        while (true) {
            BackendMessage m = next();
            if (!(skipAsync && (m instanceof NoticeResponse || m instanceof ParameterStatus
                    || m instanceof NotificationResponse))) {
                return m;
            }
        }
    }

    private AssertionError mismatch(String expected, BackendMessage actual) {
        List<BackendMessage> before = new ArrayList<>(history);
        if (!before.isEmpty() && before.get(before.size() - 1) == actual) {
            before.remove(before.size() - 1);
        }
        return new AssertionError("expected " + expected + " but got " + actual + "; received before: "
                + BackendMessage.describe(before));
    }

    /** The next message, which must be of this type. */
    public <T extends BackendMessage> T expect(Class<T> type) {
        BackendMessage m = nextExpected();
        if (!type.isInstance(m)) {
            throw mismatch(type.getSimpleName(), m);
        }
        return type.cast(m);
    }

    /** The next messages, which must be of these types in this order. */
    public List<BackendMessage> expect(Class<?>... types) {
        List<BackendMessage> received = new ArrayList<>(types.length);
        for (int i = 0; i < types.length; i++) {
            BackendMessage m = nextExpected();
            if (!types[i].isInstance(m)) {
                throw mismatch(types[i].getSimpleName() + " (message " + (i + 1) + " of "
                        + Arrays.stream(types).map(Class::getSimpleName).toList() + ")", m);
            }
            received.add(m);
        }
        return Collections.unmodifiableList(received);
    }

    /** The next message must be CommandComplete with exactly this tag. */
    public CommandComplete expectCommandComplete(String tag) {
        BackendMessage m = nextExpected();
        if (!(m instanceof CommandComplete c) || !c.tag().equals(tag)) {
            throw mismatch("CommandComplete[tag=" + tag + "]", m);
        }
        return c;
    }

    /** The next message must be ReadyForQuery with this status ({@code I}, {@code T} or {@code E}). */
    public ReadyForQuery expectReadyForQuery(char status) {
        BackendMessage m = nextExpected();
        if (!(m instanceof ReadyForQuery r) || r.status() != status) {
            throw mismatch("ReadyForQuery[status=" + status + "]", m);
        }
        return r;
    }

    /** The next message must be an ErrorResponse with this SQLSTATE. */
    public ErrorResponse expectError(String sqlState) {
        BackendMessage m = nextExpected();
        if (!(m instanceof ErrorResponse e) || !sqlState.equals(e.sqlState())) {
            throw mismatch("ErrorResponse[C=" + sqlState + "]", m);
        }
        return e;
    }

    /** The next message must be a NoticeResponse with this SQLSTATE. Works with {@link #setSkipAsync} on. */
    public NoticeResponse expectNotice(String sqlState) {
        BackendMessage m = next();
        if (!(m instanceof NoticeResponse n) || !sqlState.equals(n.sqlState())) {
            throw mismatch("NoticeResponse[C=" + sqlState + "]", m);
        }
        return n;
    }

    /** The next message must be a DataRow whose values, read as text, are these (null for NULL). */
    public DataRow expectDataRow(String... texts) {
        BackendMessage m = nextExpected();
        if (!(m instanceof DataRow d) || !d.texts().equals(Arrays.asList(texts))) {
            throw mismatch("DataRow" + Arrays.asList(texts), m);
        }
        return d;
    }

    /** The next message must be a RowDescription with these column names. */
    public RowDescription expectRowDescription(String... names) {
        BackendMessage m = nextExpected();
        if (!(m instanceof RowDescription r) || !r.names().equals(List.of(names))) {
            throw mismatch("RowDescription" + Arrays.asList(names), m);
        }
        return r;
    }

    /** The next message must be a ParameterDescription with these type OIDs. */
    public ParameterDescription expectParameterDescription(int... oids) {
        BackendMessage m = nextExpected();
        if (!(m instanceof ParameterDescription p) || !Arrays.equals(p.oids(), oids)) {
            throw mismatch("ParameterDescription" + Arrays.toString(oids), m);
        }
        return p;
    }

    // ---------------------------------------------------------------------------------------------- closing

    /** Whether this side has closed the socket. */
    public boolean isClosed() {
        return socket.isClosed();
    }

    /** Closes the socket without sending Terminate. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing a test socket: nothing useful to do.
        }
    }
}
