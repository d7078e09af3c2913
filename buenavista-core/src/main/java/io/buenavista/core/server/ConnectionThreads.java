package io.buenavista.core.server;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads with the stack connections need, and the rule that every connection runs on one. A handler may
 * recurse deeply in native code on the calling thread (DuckDB parses, binds and plans nested expressions that way),
 * and a native stack overflow ends the whole process, so the stack size is set here, on the {@link Thread}
 * constructor, rather than left to {@code -Xss}, which belongs to the embedder.
 */
final class ConnectionThreads implements ThreadFactory {
    /**
     * The least stack a connection gets: the core's own recursive readers (bounded by
     * {@link io.buenavista.core.sql.NestingLimit}) need it, whatever the handler.
     */
    static final long CORE_STACK_SIZE = 4L << 20;

    private final String prefix;
    private final long stackSize;
    private final AtomicInteger count = new AtomicInteger();

    ConnectionThreads(String prefix, long stackSize) {
        this.prefix = prefix;
        this.stackSize = Math.max(CORE_STACK_SIZE, stackSize);
    }

    /** The stack size of the threads made here. */
    long stackSize() {
        return stackSize;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread t = new Sized(task, prefix + "-" + count.incrementAndGet(), stackSize);
        t.setDaemon(true);
        return t;
    }

    /**
     * {@code connection} wrapped to run on a thread with enough stack: on the executor's thread when it is one made
     * here (the server's own executor), else on a new thread for the connection's life while the executor's thread
     * waits for it, so the embedder's executor still accounts one of its threads per connection. That costs a thread
     * per connection, never a hand-off per statement. When the waiting thread is interrupted it stops waiting; the
     * connection goes on until it ends or the server closes.
     */
    Runnable onSizedStack(Runnable connection) {
        return () -> {
            if (Thread.currentThread() instanceof Sized s && s.stackSize >= stackSize) {
                connection.run();
                return;
            }
            Thread t = newThread(connection);
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** A thread whose stack size is known. */
    private static final class Sized extends Thread {
        private final long stackSize;

        Sized(Runnable task, String name, long stackSize) {
            super(null, task, name, stackSize);
            this.stackSize = stackSize;
        }
    }
}
