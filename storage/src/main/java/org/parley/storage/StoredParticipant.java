package org.parley.storage;

import java.util.Objects;

/**
 * A participant of a stored conference: its endpoint id (MUC nickname), occupant JID, SFU, Jingle session id and
 * state, and {@code data}, an opaque text the focus writes (real JID, stats id, region, sources, features).
 */
public record StoredParticipant(String endpointId, String occupantJid, String bridge, String sid, String sessionState,
                                String data) {
    public StoredParticipant {
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(occupantJid, "occupantJid");
        Objects.requireNonNull(sessionState, "sessionState");
    }
}
