package org.parley.storage.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.parley.storage.HandoverChange;
import org.parley.storage.HandoverRecord;
import org.parley.storage.HandoverRepository;

final class JdbcHandoverRepository implements HandoverRepository {
    private final Database db;

    JdbcHandoverRepository(Database db) {
        this.db = db;
    }

    @Override
    public CompletableFuture<Void> replace(String node, String kind, List<HandoverRecord> records) {
        return db.transaction("write handover state", c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM handover_state WHERE node = ? AND kind = ?")) {
                delete.setString(1, node);
                delete.setString(2, kind);
                delete.executeUpdate();
            }
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO handover_state (node, kind, item_key, format, body) VALUES (?, ?, ?, ?, ?)")) {
                for (HandoverRecord r : records) {
                    insert.setString(1, node);
                    insert.setString(2, kind);
                    insert.setString(3, r.key());
                    insert.setInt(4, r.format());
                    insert.setString(5, r.body());
                    insert.addBatch();
                }
                if (!records.isEmpty()) insert.executeBatch();
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> checkpoint(String node, List<HandoverChange> changes) {
        if (changes.isEmpty()) return CompletableFuture.completedFuture(null);
        // A delete then an insert per changed item: the same on H2 and PostgreSQL (their upserts differ), in two batches.
        return db.transaction("checkpoint handover state", c -> {
            try (PreparedStatement delete = c.prepareStatement(
                    "DELETE FROM handover_state WHERE node = ? AND kind = ? AND item_key = ?")) {
                for (HandoverChange ch : changes) {
                    delete.setString(1, node);
                    delete.setString(2, ch.kind());
                    delete.setString(3, ch.key());
                    delete.addBatch();
                }
                delete.executeBatch();
            }
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO handover_state (node, kind, item_key, format, body) VALUES (?, ?, ?, ?, ?)")) {
                int n = 0;
                for (HandoverChange ch : changes) {
                    if (ch.deleted()) continue;
                    insert.setString(1, node);
                    insert.setString(2, ch.kind());
                    insert.setString(3, ch.key());
                    insert.setInt(4, ch.record().format());
                    insert.setString(5, ch.record().body());
                    insert.addBatch();
                    n++;
                }
                if (n > 0) insert.executeBatch();
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<List<HandoverRecord>> take(String node, String kind) {
        return db.transaction("take handover state", c -> {
            List<HandoverRecord> out = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT item_key, format, body FROM handover_state WHERE node = ? AND kind = ? ORDER BY item_key FOR UPDATE")) {
                select.setString(1, node);
                select.setString(2, kind);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) out.add(new HandoverRecord(rs.getString(1), rs.getInt(2), rs.getString(3)));
                }
            }
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM handover_state WHERE node = ? AND kind = ?")) {
                delete.setString(1, node);
                delete.setString(2, kind);
                delete.executeUpdate();
            }
            return out;
        });
    }
}
