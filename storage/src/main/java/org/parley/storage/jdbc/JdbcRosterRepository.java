package org.parley.storage.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.parley.storage.RosterItem;
import org.parley.storage.RosterRepository;
import org.parley.storage.StorageException;
import org.parley.storage.Subscription;

final class JdbcRosterRepository implements RosterRepository {
    // One statement (LEFT JOIN) rather than items then groups, so a concurrent put cannot be seen half-applied.
    private static final String SELECT = "SELECT i.contact, i.name, i.subscription, i.ask_out, i.pending_in,"
            + " i.pending_in_stanza, i.in_roster, g.name AS group_name"
            + " FROM roster_items i LEFT JOIN roster_groups g"
            + " ON g.host = i.host AND g.username = i.username AND g.contact = i.contact"
            + " WHERE i.host = ? AND i.username = ?";

    private final Database db;

    JdbcRosterRepository(Database db) {
        this.db = db;
    }

    @Override
    public CompletableFuture<List<RosterItem>> items(String host, String username) {
        return db.call("read roster", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT)) {
                ps.setString(1, host);
                ps.setString(2, username);
                List<RosterItem> items = readItems(ps);
                items.sort(Comparator.comparing(RosterItem::contact));
                return items;
            }
        });
    }

    @Override
    public CompletableFuture<Optional<RosterItem>> item(String host, String username, String contact) {
        return db.call("read roster item", c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " AND i.contact = ?")) {
                ps.setString(1, host);
                ps.setString(2, username);
                ps.setString(3, contact);
                List<RosterItem> items = readItems(ps);
                return items.isEmpty() ? Optional.empty() : Optional.of(items.get(0));
            }
        });
    }

    @Override
    public CompletableFuture<Void> put(String host, String username, RosterItem item) {
        return db.transaction("store roster item", c -> {
            // The account lock serialises puts for one owner: two concurrent delete+insert of the same contact
            // would otherwise collide on the primary key under READ COMMITTED.
            if (!Database.lockAccount(c, host, username)) {
                throw new StorageException("no account " + username + "@" + host);
            }
            deleteItem(c, host, username, item.contact());
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO roster_items (host, username, contact, name, subscription, ask_out, pending_in,"
                            + " pending_in_stanza, in_roster) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, host);
                ps.setString(2, username);
                ps.setString(3, item.contact());
                ps.setString(4, item.name());
                ps.setString(5, item.subscription().xmlValue());
                ps.setBoolean(6, item.askOut());
                ps.setBoolean(7, item.pendingIn());
                ps.setString(8, item.pendingInStanza());
                ps.setBoolean(9, item.inRoster());
                ps.executeUpdate();
            }
            if (!item.groups().isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO roster_groups (host, username, contact, name) VALUES (?, ?, ?, ?)")) {
                    for (String group : item.groups()) {
                        ps.setString(1, host);
                        ps.setString(2, username);
                        ps.setString(3, item.contact());
                        ps.setString(4, group);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Boolean> remove(String host, String username, String contact) {
        return db.call("remove roster item", c -> deleteItem(c, host, username, contact));
    }

    /** Groups go with the item by ON DELETE CASCADE. */
    private static boolean deleteItem(Connection c, String host, String username, String contact) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM roster_items WHERE host = ? AND username = ? AND contact = ?")) {
            ps.setString(1, host);
            ps.setString(2, username);
            ps.setString(3, contact);
            return ps.executeUpdate() > 0;
        }
    }

    private static List<RosterItem> readItems(PreparedStatement ps) throws SQLException {
        Map<String, RosterItem> items = new LinkedHashMap<>();
        Map<String, Set<String>> groups = new LinkedHashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String contact = rs.getString("contact");
                if (!items.containsKey(contact)) {
                    items.put(contact, new RosterItem(contact, rs.getString("name"),
                            Subscription.fromXml(rs.getString("subscription")), rs.getBoolean("ask_out"),
                            rs.getBoolean("pending_in"), rs.getString("pending_in_stanza"), Set.of(),
                            rs.getBoolean("in_roster")));
                    groups.put(contact, new LinkedHashSet<>());
                }
                String group = rs.getString("group_name");
                if (group != null) groups.get(contact).add(group);
            }
        }
        List<RosterItem> result = new ArrayList<>(items.size());
        for (RosterItem i : items.values()) {
            result.add(i.withNameAndGroups(i.name(), groups.get(i.contact())));
        }
        return result;
    }
}
