package org.parley.storage;

import java.util.List;
import java.util.Objects;

/**
 * A persistent MUC room as stored: {@code config} is whatever text the MUC service serialised its configuration
 * to; {@code meetingId} the room's unique meeting id (Jitsi's {@code muc#roominfo_meetingId}).
 */
public record StoredRoom(String domain, String name, String meetingId, String config, List<RoomAffiliation> affiliations) {
    public StoredRoom {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(meetingId, "meetingId");
        Objects.requireNonNull(config, "config");
        affiliations = List.copyOf(affiliations);
    }

    /**
     * One entry of the room's affiliation lists: a bare JID (or a domain) with {@code owner}, {@code admin},
     * {@code member} or {@code outcast}; the reserved nickname and the reason given may be null.
     */
    public record RoomAffiliation(String jid, String affiliation, String nick, String reason) {
        public RoomAffiliation {
            Objects.requireNonNull(jid, "jid");
            Objects.requireNonNull(affiliation, "affiliation");
        }
    }
}
