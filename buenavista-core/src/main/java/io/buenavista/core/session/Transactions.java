package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;
import io.buenavista.core.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's transaction state and its transitions, as PostgreSQL's {@code xact.c} has them: statements outside a
 * block autocommit, except that all statements of one batch (a Query's, or those between two Syncs) form one
 * implicit transaction; {@code BEGIN} opens a block; an error rolls back an implicit transaction and fails a block.
 * At every transaction's end its portals close and its setting changes settle.
 *
 * <p>The handler is told with begin/commit/rollback; a batch of a single statement runs in the handler's
 * autocommit, which is the same thing at lower cost.
 */
final class Transactions {
    private static final Logger log = LoggerFactory.getLogger(Transactions.class);

    private enum State {
        /** No transaction: statements autocommit. */
        IDLE,
        /** An implicit transaction spanning the current batch. */
        IMPLICIT,
        /** A transaction block opened by BEGIN. */
        BLOCK,
        /** A block in which a statement failed: only ROLLBACK/COMMIT are accepted. */
        FAILED
    }

    private final QuerySession handler;
    private final HandlerCalls calls;
    private final Portals portals;
    private final SettingChanges settingChanges;
    private final Notices notices;
    private State state = State.IDLE;

    Transactions(QuerySession handler, HandlerCalls calls, Portals portals, SettingChanges settingChanges,
            Notices notices) {
        this.handler = handler;
        this.calls = calls;
        this.portals = portals;
        this.settingChanges = settingChanges;
        this.notices = notices;
    }

    /** The ReadyForQuery status: I, T or E. */
    char status() {
        return switch (state) {
            case IDLE, IMPLICIT -> 'I';
            case BLOCK -> 'T';
            case FAILED -> 'E';
        };
    }

    /** Whether a transaction, implicit or a block, is open. */
    boolean isOpen() {
        return state != State.IDLE;
    }

    /** Whether a statement failed in the block: until it ends, only the statements that end it are accepted. */
    boolean isFailed() {
        return state == State.FAILED;
    }

    /**
     * Whether a failed block accepts the statement: one that ends the block (PostgreSQL's
     * {@code IsTransactionExitStmt}: COMMIT, ROLLBACK, ROLLBACK TO SAVEPOINT). Null, the empty statement, is not one.
     */
    static boolean endsTransaction(Statement kind) {
        return kind instanceof Statement.Commit || kind instanceof Statement.Rollback
                || kind instanceof Statement.RollbackToSavepoint;
    }

    /** PostgreSQL's error for what a failed block refuses. */
    static PgException aborted() {
        return new PgException(SqlState.IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block");
    }

    /**
     * 25P02 for running a portal in a failed block, as PostgreSQL's Execute refuses it: every portal bound before
     * the block failed, and any that does not end the block. An empty one is answered as ever.
     */
    void checkRuns(Portal portal) {
        if (state == State.FAILED && !portal.statement.isEmpty()
                && (portal.isAborted() || !endsTransaction(portal.statement.kind()))) {
            throw aborted();
        }
    }

    /**
     * Before a statement starts: when more statements may follow in its batch, the batch needs the implicit
     * transaction rather than autocommit.
     */
    void beforeStatement(Statement kind, boolean moreInBatch) {
        boolean transactionControl = kind instanceof Statement.Begin || kind instanceof Statement.Commit
                || kind instanceof Statement.Rollback;
        if (state == State.IDLE && moreInBatch && !transactionControl) {
            calls.run(() -> handler.begin(TransactionOptions.DEFAULT));
            state = State.IMPLICIT;
        }
    }

    /** {@code BEGIN}: opens a block, or turns the implicit transaction into one; inside a block it only warns. */
    void begin(TransactionOptions options) {
        if (state == State.BLOCK) {
            notices.add(new PgException(SqlState.ACTIVE_SQL_TRANSACTION, "there is already a transaction in progress")
                    .withSeverity(PgException.Severity.WARNING));
        } else if (state == State.IMPLICIT) {
            state = State.BLOCK;
        } else {
            calls.run(() -> handler.begin(options));
            state = State.BLOCK;
        }
    }

    /** {@code COMMIT}; a failed block rolls back instead. Returns the tag: COMMIT or ROLLBACK. */
    String commit() {
        if (state == State.IDLE) {
            warnNoTransaction();
            return "COMMIT";
        }
        if (state == State.FAILED) {
            end(false);
            return "ROLLBACK";
        }
        end(true);
        return "COMMIT";
    }

    /** {@code ROLLBACK}. */
    void rollback() {
        if (state == State.IDLE) {
            warnNoTransaction();
        } else {
            end(false);
        }
    }

    private void warnNoTransaction() {
        notices.add(new PgException(SqlState.NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress")
                .withSeverity(PgException.Severity.WARNING));
    }

    /**
     * The end of a batch (a Query, or Sync): commits the implicit transaction; outside a block, no portal outlives
     * the batch.
     *
     * @throws PgException when the commit failed (it was rolled back)
     */
    void endBatch() {
        try {
            if (state == State.IMPLICIT) {
                end(true);
            }
        } finally {
            if (state == State.IDLE) {
                portals.closeAll();
            }
        }
    }

    /**
     * After a statement failed: an implicit transaction is rolled back, a block becomes failed, and its portals with
     * it (they stay to be described or closed, but none runs again).
     */
    void afterError() {
        if (state == State.IMPLICIT) {
            portals.closeAll();
            rollbackQuietly("after an error");
            state = State.IDLE;
            settingChanges.settle(false);
        } else if (state == State.BLOCK) {
            portals.abortAll();
            state = State.FAILED;
        }
    }

    /** The session ends: an open transaction is rolled back. */
    void closeSession() {
        if (state != State.IDLE) {
            rollbackQuietly("at close");
        }
    }

    /** Ends the transaction: its portals close, the handler commits or rolls back, the settings settle. */
    private void end(boolean commit) {
        portals.closeAll();
        boolean committed = false;
        try {
            calls.run(commit ? handler::commit : handler::rollback);
            committed = commit;
        } catch (PgException e) {
            if (commit) {
                rollbackQuietly("after a failed commit"); // the handler may have left it open
            }
            throw e;
        } finally {
            state = State.IDLE;
            settingChanges.settle(committed);
        }
    }

    /** A rollback whose failure would only hide the error that caused it. */
    private void rollbackQuietly(String when) {
        try {
            handler.rollback();
        } catch (RuntimeException e) {
            log.debug("rollback {} failed", when, e);
        }
    }
}
