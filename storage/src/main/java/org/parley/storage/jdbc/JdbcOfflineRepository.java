package org.parley.storage.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.parley.storage.OfflineRepository;

final class JdbcOfflineRepository implements OfflineRepository {
    private final Database db;

    JdbcOfflineRepository(Database db) {
        this.db = db;
    }

    /**
     * Also completes with false when there is no such account: nothing can be kept for a user who does not exist,
     * and the caller's answer to the sender is the same as for a full quota (the message is not stored).
     */
    @Override
    public CompletableFuture<Boolean> store(String host, String username, String stanzaXml, int maxPerUser) {
        return db.transaction("store offline message", c -> {
            // Without the account lock, concurrent stores under READ COMMITTED would all count the same
            // number and overshoot the quota together.
            if (!Database.lockAccount(c, host, username)) return false;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COUNT(*) FROM offline_messages WHERE host = ? AND username = ?")) {
                ps.setString(1, host);
                ps.setString(2, username);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= maxPerUser) return false;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO offline_messages (host, username, stanza) VALUES (?, ?, ?)")) {
                ps.setString(1, host);
                ps.setString(2, username);
                ps.setString(3, stanzaXml);
                ps.executeUpdate();
            }
            return true;
        });
    }

    @Override
    public CompletableFuture<List<String>> drain(String host, String username) {
        return db.transaction("drain offline messages", c -> {
            // Under the account lock no store or other drain can interleave, so two logins at once cannot both
            // receive the same messages, and the delete removes exactly what was read.
            if (!Database.lockAccount(c, host, username)) return List.of();
            List<String> stanzas = new ArrayList<>();
            long lastId = Long.MIN_VALUE;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, stanza FROM offline_messages WHERE host = ? AND username = ? ORDER BY id")) {
                ps.setString(1, host);
                ps.setString(2, username);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        lastId = rs.getLong(1);
                        stanzas.add(rs.getString(2));
                    }
                }
            }
            if (stanzas.isEmpty()) return stanzas;
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM offline_messages WHERE host = ? AND username = ? AND id <= ?")) {
                ps.setString(1, host);
                ps.setString(2, username);
                ps.setLong(3, lastId);
                ps.executeUpdate();
            }
            return stanzas;
        });
    }

    @Override
    public CompletableFuture<Integer> count(String host, String username) {
        return db.call("count offline messages", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COUNT(*) FROM offline_messages WHERE host = ? AND username = ?")) {
                ps.setString(1, host);
                ps.setString(2, username);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return (int) rs.getLong(1);
                }
            }
        });
    }
}
