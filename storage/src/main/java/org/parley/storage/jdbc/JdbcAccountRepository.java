package org.parley.storage.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.storage.AccountRepository;
import org.parley.storage.ScramCredential;

final class JdbcAccountRepository implements AccountRepository {
    private final Database db;

    JdbcAccountRepository(Database db) {
        this.db = db;
    }

    @Override
    public CompletableFuture<Boolean> create(String host, String username, List<ScramCredential> credentials) {
        List<ScramCredential> creds = List.copyOf(credentials);
        return db.transaction("create account", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (host, username) VALUES (?, ?)")) {
                ps.setString(1, host);
                ps.setString(2, username);
                ps.executeUpdate();
            } catch (SQLException e) {
                // Checking first would still race with a concurrent create; the key violation is the real answer.
                if (Database.isUniqueViolation(e)) {
                    c.rollback();
                    return false;
                }
                throw e;
            }
            insertCredentials(c, host, username, creds);
            return true;
        });
    }

    @Override
    public CompletableFuture<Boolean> exists(String host, String username) {
        return db.call("account exists", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM accounts WHERE host = ? AND username = ?")) {
                ps.setString(1, host);
                ps.setString(2, username);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public CompletableFuture<Optional<ScramCredential>> credential(String host, String username, String mechanism) {
        return db.call("read credential", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT salt, iterations, stored_key, server_key FROM scram_credentials"
                            + " WHERE host = ? AND username = ? AND mechanism = ?")) {
                ps.setString(1, host);
                ps.setString(2, username);
                ps.setString(3, mechanism);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    return Optional.of(new ScramCredential(mechanism, rs.getBytes(1), rs.getInt(2),
                            rs.getBytes(3), rs.getBytes(4)));
                }
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> updateCredentials(String host, String username, List<ScramCredential> credentials) {
        List<ScramCredential> creds = List.copyOf(credentials);
        return db.transaction("update credentials", c -> {
            if (!Database.lockAccount(c, host, username)) return false;
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM scram_credentials WHERE host = ? AND username = ?")) {
                ps.setString(1, host);
                ps.setString(2, username);
                ps.executeUpdate();
            }
            insertCredentials(c, host, username, creds);
            return true;
        });
    }

    @Override
    public CompletableFuture<Boolean> delete(String host, String username) {
        // Credentials, roster items (and their groups) and offline messages go with it by ON DELETE CASCADE.
        return db.call("delete account", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM accounts WHERE host = ? AND username = ?")) {
                ps.setString(1, host);
                ps.setString(2, username);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public CompletableFuture<List<String>> usernames(String host) {
        return db.call("list usernames", c -> {
            List<String> names = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT username FROM accounts WHERE host = ?")) {
                ps.setString(1, host);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) names.add(rs.getString(1));
                }
            }
            // Sorted here, not by ORDER BY: PostgreSQL sorts by the cluster's locale collation and H2 by code
            // point, and callers should see one order whichever database is configured.
            names.sort(null);
            return names;
        });
    }

    private static void insertCredentials(Connection c, String host, String username, List<ScramCredential> creds)
            throws SQLException {
        if (creds.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO scram_credentials (host, username, mechanism, salt, iterations, stored_key, server_key)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (ScramCredential cred : creds) {
                ps.setString(1, host);
                ps.setString(2, username);
                ps.setString(3, cred.mechanism());
                ps.setBytes(4, cred.salt());
                ps.setInt(5, cred.iterations());
                ps.setBytes(6, cred.storedKey());
                ps.setBytes(7, cred.serverKey());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
