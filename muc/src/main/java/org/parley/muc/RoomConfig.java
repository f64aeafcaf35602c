package org.parley.muc;

import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A room's configuration (the {@code muc#roomconfig} form of XEP-0045 section 10.2). Immutable: a change makes a
 * new one, so other threads (disco#items, the room size API) may read a room's current config without locks.
 *
 * @param maxUsers 0 for no limit
 * @param historyLength messages kept for history on join
 */
public record RoomConfig(
        String name,
        String description,
        boolean persistent,
        boolean publicRoom,
        boolean membersOnly,
        boolean moderated,
        boolean passwordProtected,
        String password,
        Whois whois,
        int maxUsers,
        AllowPm allowPm,
        boolean allowInvites,
        boolean changeSubject,
        boolean logging,
        int historyLength) {

    /** Who sees occupants' real JIDs. */
    public enum Whois {
        MODERATORS, ANYONE;

        public String xml() { return name().toLowerCase(Locale.ROOT); }

        static Whois parse(String s) {
            for (Whois w : values()) if (w.xml().equals(s)) return w;
            return null;
        }
    }

    /** Who may send private messages to occupants. */
    public enum AllowPm {
        ANYONE, PARTICIPANTS, MODERATORS, NONE;

        public String xml() { return name().toLowerCase(Locale.ROOT); }

        static AllowPm parse(String s) {
            for (AllowPm a : values()) if (a.xml().equals(s)) return a;
            return null;
        }

        boolean allows(Role sender) {
            return switch (this) {
                case ANYONE -> true;
                case PARTICIPANTS -> sender.atLeast(Role.PARTICIPANT);
                case MODERATORS -> sender == Role.MODERATOR;
                case NONE -> false;
            };
        }
    }

    public RoomConfig {
        name = name == null ? "" : name;
        description = description == null ? "" : description;
        password = password == null ? "" : password;
    }

    public boolean nonAnonymous() { return whois == Whois.ANYONE; }

    RoomConfig withPersistent(boolean p) {
        return new RoomConfig(name, description, p, publicRoom, membersOnly, moderated, passwordProtected, password, whois,
                maxUsers, allowPm, allowInvites, changeSubject, logging, historyLength);
    }

    /** Keys and values for storage, read back by {@link #fromConfig}. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("description", description);
        m.put("persistent", persistent);
        m.put("public", publicRoom);
        m.put("members-only", membersOnly);
        m.put("moderated", moderated);
        m.put("password-protected", passwordProtected);
        m.put("password", password);
        m.put("whois", whois.xml());
        m.put("max-users", maxUsers);
        m.put("allow-pm", allowPm.xml());
        m.put("allow-invites", allowInvites);
        m.put("change-subject", changeSubject);
        m.put("logging", logging);
        m.put("history-length", historyLength);
        return m;
    }

    /**
     * Reads a config written by {@link #toMap} or given as {@code room-defaults} in HOCON; missing keys come from
     * {@code base}. Throws {@link IllegalArgumentException} naming the key when a value is wrong.
     */
    static RoomConfig fromConfig(Config c, RoomConfig base) {
        Whois whois = base.whois;
        if (c.hasPath("whois")) {
            whois = Whois.parse(c.getString("whois"));
            if (whois == null) throw new IllegalArgumentException("whois: must be moderators or anyone");
        }
        AllowPm allowPm = base.allowPm;
        if (c.hasPath("allow-pm")) {
            allowPm = AllowPm.parse(c.getString("allow-pm"));
            if (allowPm == null) throw new IllegalArgumentException("allow-pm: must be anyone, participants, moderators or none");
        }
        int maxUsers = c.hasPath("max-users") ? c.getInt("max-users") : base.maxUsers;
        if (maxUsers < 0) throw new IllegalArgumentException("max-users: must not be negative (0 = no limit)");
        int history = c.hasPath("history-length") ? c.getInt("history-length") : base.historyLength;
        if (history < 0) throw new IllegalArgumentException("history-length: must not be negative");
        return new RoomConfig(
                c.hasPath("name") ? c.getString("name") : base.name,
                c.hasPath("description") ? c.getString("description") : base.description,
                c.hasPath("persistent") ? c.getBoolean("persistent") : base.persistent,
                c.hasPath("public") ? c.getBoolean("public") : base.publicRoom,
                c.hasPath("members-only") ? c.getBoolean("members-only") : base.membersOnly,
                c.hasPath("moderated") ? c.getBoolean("moderated") : base.moderated,
                c.hasPath("password-protected") ? c.getBoolean("password-protected") : base.passwordProtected,
                c.hasPath("password") ? c.getString("password") : base.password,
                whois, maxUsers, allowPm,
                c.hasPath("allow-invites") ? c.getBoolean("allow-invites") : base.allowInvites,
                c.hasPath("change-subject") ? c.getBoolean("change-subject") : base.changeSubject,
                c.hasPath("logging") ? c.getBoolean("logging") : base.logging,
                history);
    }

    /** XEP-0045's own defaults; operators lay {@code room-defaults} over them. */
    static final RoomConfig XEP_DEFAULTS = new RoomConfig("", "", false, true, false, false, false, "", Whois.MODERATORS,
            0, AllowPm.ANYONE, false, false, false, 20);
}
