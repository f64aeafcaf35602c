package org.parley.storage.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import javax.sql.DataSource;
import org.parley.storage.StorageException;

/**
 * Runs JDBC work on the storage executor so that no caller thread (typically a network event loop)
 * ever blocks on the database; shared by the repositories.
 */
final class Database {
    /** SQLSTATE of a unique/primary key violation; PostgreSQL and H2 both use the standard code. */
    static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final ExecutorService executor;

    Database(DataSource dataSource, ExecutorService executor) {
        this.dataSource = dataSource;
        this.executor = executor;
    }

    /** Runs {@code work} on an auto-commit connection: for single statements. */
    <T> CompletableFuture<T> call(String what, SqlWork<T> work) {
        return submit(what, () -> {
            try (Connection c = dataSource.getConnection()) {
                return work.run(c);
            }
        });
    }

    /** Runs {@code work} in one transaction, committed when it returns and rolled back when it throws. */
    <T> CompletableFuture<T> transaction(String what, SqlWork<T> work) {
        return submit(what, () -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(c, e);
                    throw e;
                }
            }
        });
    }

    /**
     * Locks the account row until the transaction ends; false when there is no such account. Every write that
     * must see a stable view of one user's data (offline quota, roster upsert, drain) takes this lock first, which
     * serialises them per user on both databases without relying on SERIALIZABLE or on vendor upsert syntax.
     */
    static boolean lockAccount(Connection c, String host, String username) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM accounts WHERE host = ? AND username = ? FOR UPDATE")) {
            ps.setString(1, host);
            ps.setString(2, username);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    static boolean isUniqueViolation(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if (UNIQUE_VIOLATION.equals(s.getSQLState())) return true;
        }
        return false;
    }

    private interface Task<T> {
        T run() throws SQLException;
    }

    private <T> CompletableFuture<T> submit(String what, Task<T> task) {
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return task.run();
                } catch (SQLException e) {
                    throw new StorageException(what + " failed: " + e.getMessage(), e);
                } catch (StorageException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new StorageException(what + " failed: " + e, e);
                }
            }, executor);
        } catch (RejectedExecutionException e) {
            // Completing here is still off the database: nothing ran, the storage is closed.
            return CompletableFuture.failedFuture(new StorageException(what + " failed: storage is closed", e));
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException r) {
            cause.addSuppressed(r);
        }
    }
}
