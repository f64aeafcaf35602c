package org.parley.storage;

import java.util.List;
import java.util.Objects;

/**
 * A conference as stored: its room (bare JID), meeting id (also its COLIBRI2 conference id), state, and
 * {@code bridges}, an opaque text the focus writes (the SFUs it uses, their COLIBRI2 state and relays). Read back with
 * its participants; written with {@link FocusStateRepository#saveConference} (participants passed apart, so that only
 * the changed ones are written).
 */
public record StoredConference(String room, String meetingId, String state, String bridges,
                               List<StoredParticipant> participants) {
    public StoredConference {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(state, "state");
        participants = participants == null ? List.of() : List.copyOf(participants);
    }
}
