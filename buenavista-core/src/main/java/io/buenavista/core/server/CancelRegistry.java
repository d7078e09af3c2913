package io.buenavista.core.server;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The BackendKeyData of every live connection, so that a CancelRequest arriving on another socket reaches the right
 * session. Secret keys come from {@link SecureRandom} and are compared in constant time; a wrong key is ignored
 * without a word, as PostgreSQL does.
 */
public final class CancelRegistry {
    /** What a cancel reaches: the running statement of one session. */
    public interface Cancellable {
        void cancelRunningStatement();
    }

    /** The key a client needs to cancel this connection's statements. */
    public record Key(int processId, int secretKey) {
        @Override
        public String toString() {
            return "Key[" + processId + "]";
        }
    }

    private record Entry(int secretKey, Cancellable target) {}

    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger nextProcessId = new AtomicInteger(1 + new SecureRandom().nextInt(1 << 20));
    private final Map<Integer, Entry> entries = new ConcurrentHashMap<>();

    /** Registers a connection and returns its key. */
    public Key register(Cancellable target) {
        int secret;
        synchronized (random) {
            secret = random.nextInt();
        }
        while (true) {
            int pid = nextProcessId.getAndIncrement() & 0x7fffffff;
            if (pid != 0 && entries.putIfAbsent(pid, new Entry(secret, target)) == null) {
                return new Key(pid, secret);
            }
        }
    }

    public void unregister(Key key) {
        entries.remove(key.processId());
    }

    /**
     * Cancels the running statement of the connection with this process id if the secret matches.
     *
     * @return whether a cancel was delivered (for logs and tests only; the client is never told)
     */
    public boolean cancel(int processId, int secretKey) {
        Entry e = entries.get(processId);
        // Compare against a dummy when the id is unknown, so timing does not reveal which ids exist.
        int expected = e == null ? ~secretKey : e.secretKey();
        boolean match = MessageDigest.isEqual(bytes(expected), bytes(secretKey));
        if (e == null || !match) {
            return false;
        }
        e.target().cancelRunningStatement();
        return true;
    }

    public int size() {
        return entries.size();
    }

    private static byte[] bytes(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}
