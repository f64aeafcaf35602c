package org.parley.focus.state;

import java.util.List;

/**
 * What must survive a restart about one conference (issue 8): the room, its meeting id, the bridges it uses with
 * their COLIBRI2 state and relays, and its participants. Taken on the conference's actor, so it is consistent.
 */
public record ConferenceRecord(String room, String meetingId, String state, List<BridgeSessionRecord> bridgeSessions,
                               List<ParticipantRecord> participants) {

    /**
     * One bridge of the conference: whether the COLIBRI2 conference was created there, the relays to the others (by
     * relay id, with whether this side initiates), and the bridge's feedback sources.
     */
    public record BridgeSessionRecord(String bridge, String relayId, boolean created, List<String> relays,
                                      List<String> endpoints, org.parley.focus.source.EndpointSources feedback) {}
}
