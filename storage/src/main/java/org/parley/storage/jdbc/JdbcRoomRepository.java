package org.parley.storage.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.storage.RoomRepository;
import org.parley.storage.StoredRoom;
import org.parley.storage.StoredRoom.RoomAffiliation;

final class JdbcRoomRepository implements RoomRepository {
    // One statement (LEFT JOIN), so a concurrent save cannot be seen half-applied.
    private static final String SELECT = "SELECT r.name, r.meeting_id, r.config, a.jid, a.affiliation, a.nick, a.reason"
            + " FROM muc_rooms r LEFT JOIN muc_affiliations a ON a.domain = r.domain AND a.name = r.name"
            + " WHERE r.domain = ?";

    private final Database db;

    JdbcRoomRepository(Database db) {
        this.db = db;
    }

    @Override
    public CompletableFuture<List<StoredRoom>> rooms(String domain) {
        return db.call("read rooms", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " ORDER BY r.name, a.jid")) {
                ps.setString(1, domain);
                return read(domain, ps);
            }
        });
    }

    @Override
    public CompletableFuture<Optional<StoredRoom>> room(String domain, String name) {
        return db.call("read room", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " AND r.name = ? ORDER BY a.jid")) {
                ps.setString(1, domain);
                ps.setString(2, name);
                List<StoredRoom> rooms = read(domain, ps);
                return rooms.isEmpty() ? Optional.empty() : Optional.of(rooms.get(0));
            }
        });
    }

    private static List<StoredRoom> read(String domain, PreparedStatement ps) throws SQLException {
        record Row(String meetingId, String config, List<RoomAffiliation> affiliations) {}
        Map<String, Row> rows = new LinkedHashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String name = rs.getString(1);
                Row row = rows.get(name);
                if (row == null) {
                    row = new Row(rs.getString(2), rs.getString(3), new ArrayList<>());
                    rows.put(name, row);
                }
                String jid = rs.getString(4);
                if (jid != null) row.affiliations().add(new RoomAffiliation(jid, rs.getString(5), rs.getString(6), rs.getString(7)));
            }
        }
        List<StoredRoom> out = new ArrayList<>(rows.size());
        rows.forEach((name, r) -> out.add(new StoredRoom(domain, name, r.meetingId(), r.config(), r.affiliations())));
        return out;
    }

    @Override
    public CompletableFuture<Void> save(StoredRoom room) {
        return db.transaction("save room", c -> {
            if (!update(c, room)) {
                try {
                    insert(c, room);
                } catch (SQLException e) {
                    // Another writer inserted the room between our update and insert: update it after all.
                    if (!Database.isUniqueViolation(e)) throw e;
                    c.rollback();
                    if (!update(c, room)) throw e;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM muc_affiliations WHERE domain = ? AND name = ?")) {
                ps.setString(1, room.domain());
                ps.setString(2, room.name());
                ps.executeUpdate();
            }
            if (!room.affiliations().isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO muc_affiliations"
                        + " (domain, name, jid, affiliation, nick, reason) VALUES (?, ?, ?, ?, ?, ?)")) {
                    for (RoomAffiliation a : room.affiliations()) {
                        ps.setString(1, room.domain());
                        ps.setString(2, room.name());
                        ps.setString(3, a.jid());
                        ps.setString(4, a.affiliation());
                        ps.setString(5, a.nick());
                        ps.setString(6, a.reason());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            return null;
        });
    }

    private static boolean update(Connection c, StoredRoom room) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE muc_rooms SET meeting_id = ?, config = ?,"
                + " updated = CURRENT_TIMESTAMP WHERE domain = ? AND name = ?")) {
            ps.setString(1, room.meetingId());
            ps.setString(2, room.config());
            ps.setString(3, room.domain());
            ps.setString(4, room.name());
            return ps.executeUpdate() > 0;
        }
    }

    private static void insert(Connection c, StoredRoom room) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO muc_rooms (domain, name, meeting_id, config) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, room.domain());
            ps.setString(2, room.name());
            ps.setString(3, room.meetingId());
            ps.setString(4, room.config());
            ps.executeUpdate();
        }
    }

    @Override
    public CompletableFuture<Boolean> delete(String domain, String name) {
        return db.call("delete room", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM muc_rooms WHERE domain = ? AND name = ?")) {
                ps.setString(1, domain);
                ps.setString(2, name);
                return ps.executeUpdate() > 0;
            }
        });
    }
}
