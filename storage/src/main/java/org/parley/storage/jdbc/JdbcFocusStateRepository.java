package org.parley.storage.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.parley.storage.FocusStateRepository;
import org.parley.storage.StoredBridge;
import org.parley.storage.StoredConference;
import org.parley.storage.StoredParticipant;

/**
 * Focus state on JDBC. Upserts are an UPDATE followed by an INSERT when nothing was updated (portable between H2 and
 * PostgreSQL); a conference write takes or renews its lease in the same transaction, so a node that lost the lease
 * cannot overwrite the new owner's state.
 */
final class JdbcFocusStateRepository implements FocusStateRepository {
    private final Database db;

    JdbcFocusStateRepository(Database db) {
        this.db = db;
    }

    // ------------------------------------------------------------------ bridges

    @Override
    public CompletableFuture<Void> saveBridge(StoredBridge b) {
        return db.transaction("save bridge", c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("UPDATE focus_bridges SET kind = ?, region = ?, version = ?,"
                    + " stats = ?, failure = ?, drain = ?, shutting_down = ?, last_seen = ? WHERE jid = ?")) {
                bindBridge(ps, b);
                ps.setString(9, b.jid());
                n = ps.executeUpdate();
            }
            if (n == 0) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO focus_bridges (kind, region, version, stats,"
                        + " failure, drain, shutting_down, last_seen, admin_drain, jid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    bindBridge(ps, b);
                    ps.setBoolean(9, b.adminDrain());
                    ps.setString(10, b.jid());
                    ps.executeUpdate();
                } catch (SQLException e) {
                    if (!Database.isUniqueViolation(e)) throw e;
                    // A concurrent writer inserted it: the newest report wins either way, so give up quietly.
                    c.rollback();
                }
            }
            return null;
        });
    }

    private static void bindBridge(PreparedStatement ps, StoredBridge b) throws SQLException {
        ps.setString(1, b.kind());
        ps.setString(2, b.region());
        ps.setString(3, b.version());
        ps.setString(4, b.stats());
        ps.setString(5, b.failure());
        ps.setBoolean(6, b.drain());
        ps.setBoolean(7, b.shuttingDown());
        ps.setLong(8, b.lastSeenMillis());
    }

    @Override
    public CompletableFuture<Boolean> setBridgeAdminDrain(String jid, boolean drain) {
        return db.call("set bridge drain", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE focus_bridges SET admin_drain = ? WHERE jid = ?")) {
                ps.setBoolean(1, drain);
                ps.setString(2, jid);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> deleteBridge(String jid) {
        return db.call("delete bridge", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM focus_bridges WHERE jid = ?")) {
                ps.setString(1, jid);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public CompletableFuture<List<StoredBridge>> bridges() {
        return db.call("read bridges", c -> {
            List<StoredBridge> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT jid, kind, region, version, stats, failure, drain,"
                    + " shutting_down, last_seen, admin_drain FROM focus_bridges ORDER BY jid");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredBridge(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getBoolean(7), rs.getBoolean(8), rs.getLong(9),
                            rs.getBoolean(10)));
                }
            }
            return out;
        });
    }

    // ------------------------------------------------------------------ conferences

    @Override
    public CompletableFuture<Boolean> saveConference(String node, long leaseUntil, long now, StoredConference conf,
                                                     List<StoredParticipant> upserts, List<String> removed) {
        return db.transaction("save conference", c -> {
            if (!takeLease(c, conf.room(), node, leaseUntil, now)) return false;
            int n;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE focus_conferences SET meeting_id = ?, state = ?, bridges = ?, updated = ? WHERE room = ?")) {
                ps.setString(1, conf.meetingId());
                ps.setString(2, conf.state());
                ps.setString(3, conf.bridges() == null ? "" : conf.bridges());
                ps.setLong(4, now);
                ps.setString(5, conf.room());
                n = ps.executeUpdate();
            }
            if (n == 0) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO focus_conferences"
                        + " (meeting_id, state, bridges, updated, room) VALUES (?, ?, ?, ?, ?)")) {
                    ps.setString(1, conf.meetingId());
                    ps.setString(2, conf.state());
                    ps.setString(3, conf.bridges() == null ? "" : conf.bridges());
                    ps.setLong(4, now);
                    ps.setString(5, conf.room());
                    ps.executeUpdate();
                }
            }
            if (!removed.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM focus_participants WHERE room = ? AND endpoint_id = ?")) {
                    for (String id : removed) {
                        ps.setString(1, conf.room());
                        ps.setString(2, id);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            if (!upserts.isEmpty()) {
                int[] counts;
                try (PreparedStatement ps = c.prepareStatement("UPDATE focus_participants SET occupant_jid = ?,"
                        + " bridge = ?, sid = ?, session_state = ?, data = ? WHERE room = ? AND endpoint_id = ?")) {
                    for (StoredParticipant p : upserts) {
                        bindParticipant(ps, conf.room(), p);
                        ps.addBatch();
                    }
                    counts = ps.executeBatch();
                }
                List<StoredParticipant> fresh = new ArrayList<>();
                for (int i = 0; i < counts.length; i++) if (counts[i] == 0) fresh.add(upserts.get(i));
                if (!fresh.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO focus_participants (occupant_jid,"
                            + " bridge, sid, session_state, data, room, endpoint_id) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                        for (StoredParticipant p : fresh) {
                            bindParticipant(ps, conf.room(), p);
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
            }
            return true;
        });
    }

    private static void bindParticipant(PreparedStatement ps, String room, StoredParticipant p) throws SQLException {
        ps.setString(1, p.occupantJid());
        ps.setString(2, p.bridge());
        ps.setString(3, p.sid());
        ps.setString(4, p.sessionState());
        ps.setString(5, p.data());
        ps.setString(6, room);
        ps.setString(7, p.endpointId());
    }

    /** Takes or renews the lease of {@code room} for {@code node}; false when another node holds a live one. */
    private static boolean takeLease(Connection c, String room, String node, long until, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE focus_leases SET owner = ?, expires = ? WHERE room = ? AND (owner = ? OR expires < ?)")) {
            ps.setString(1, node);
            ps.setLong(2, until);
            ps.setString(3, room);
            ps.setString(4, node);
            ps.setLong(5, now);
            if (ps.executeUpdate() > 0) return true;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM focus_leases WHERE room = ?")) {
            ps.setString(1, room);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) return false;
            }
        }
        // A unique violation here means another node inserted it first: the transaction fails and the caller retries.
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO focus_leases (room, owner, expires) VALUES (?, ?, ?)")) {
            ps.setString(1, room);
            ps.setString(2, node);
            ps.setLong(3, until);
            ps.executeUpdate();
            return true;
        }
    }

    @Override
    public CompletableFuture<Boolean> deleteConference(String node, String room) {
        return db.transaction("delete conference", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT owner FROM focus_leases WHERE room = ? FOR UPDATE")) {
                ps.setString(1, room);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && !node.equals(rs.getString(1))) return false;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM focus_leases WHERE room = ?")) {
                ps.setString(1, room);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM focus_conferences WHERE room = ?")) {
                ps.setString(1, room);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public CompletableFuture<List<StoredConference>> claimConferences(String node, long leaseUntil, long now) {
        return db.transaction("claim conferences", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE focus_leases SET owner = ?, expires = ? WHERE owner = ? OR expires < ?")) {
                ps.setString(1, node);
                ps.setLong(2, leaseUntil);
                ps.setString(3, node);
                ps.setLong(4, now);
                ps.executeUpdate();
            }
            return readOwned(c, node, null);
        });
    }

    @Override
    public CompletableFuture<List<StoredConference>> claimExpiredConferences(String node, long leaseUntil, long now) {
        return db.transaction("claim expired conferences", c -> {
            List<String> expired = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT room FROM focus_leases WHERE expires < ? AND owner <> ? FOR UPDATE")) {
                ps.setLong(1, now);
                ps.setString(2, node);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) expired.add(rs.getString(1));
                }
            }
            if (expired.isEmpty()) return List.of();
            java.util.Set<String> claimed = new java.util.HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE focus_leases SET owner = ?, expires = ? WHERE room = ? AND expires < ?")) {
                for (String room : expired) {
                    ps.setString(1, node);
                    ps.setLong(2, leaseUntil);
                    ps.setString(3, room);
                    ps.setLong(4, now);
                    if (ps.executeUpdate() > 0) claimed.add(room);
                }
            }
            return readOwned(c, node, claimed);
        });
    }

    /** The conferences whose lease {@code node} holds (only those in {@code only}, when given), with participants. */
    private static List<StoredConference> readOwned(Connection c, String node, java.util.Set<String> only) throws SQLException {
        record Row(String meetingId, String state, String bridges, List<StoredParticipant> participants) {}
        Map<String, Row> rows = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT f.room, f.meeting_id, f.state, f.bridges,"
                + " p.endpoint_id, p.occupant_jid, p.bridge, p.sid, p.session_state, p.data"
                + " FROM focus_conferences f JOIN focus_leases l ON l.room = f.room"
                + " LEFT JOIN focus_participants p ON p.room = f.room"
                + " WHERE l.owner = ? ORDER BY f.room, p.endpoint_id")) {
            ps.setString(1, node);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String room = rs.getString(1);
                    Row row = rows.get(room);
                    if (row == null) {
                        row = new Row(rs.getString(2), rs.getString(3), rs.getString(4), new ArrayList<>());
                        rows.put(room, row);
                    }
                    String ep = rs.getString(5);
                    if (ep != null) {
                        row.participants().add(new StoredParticipant(ep, rs.getString(6), rs.getString(7),
                                rs.getString(8), rs.getString(9), rs.getString(10)));
                    }
                }
            }
        }
        List<StoredConference> out = new ArrayList<>(rows.size());
        rows.forEach((room, r) -> out.add(new StoredConference(room, r.meetingId(), r.state(), r.bridges(), r.participants())));
        if (only != null) out.removeIf(conf -> !only.contains(conf.room()));
        return out;
    }

    @Override
    public CompletableFuture<Integer> renewLeases(String node, long leaseUntil) {
        return db.call("renew leases", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE focus_leases SET expires = ? WHERE owner = ?")) {
                ps.setLong(1, leaseUntil);
                ps.setString(2, node);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public CompletableFuture<Integer> releaseLeases(String node) {
        return db.call("release leases", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE focus_leases SET expires = 0 WHERE owner = ?")) {
                ps.setString(1, node);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public CompletableFuture<Lease> lease(String room) {
        return db.call("read lease", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT owner, expires FROM focus_leases WHERE room = ?")) {
                ps.setString(1, room);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new Lease(room, rs.getString(1), rs.getLong(2)) : null;
                }
            }
        });
    }
}
