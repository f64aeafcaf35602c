package org.parley.focus.state;

import java.util.List;

/**
 * What must survive a restart about one conference (issue 8): the room, its meeting id, the bridges it uses with
 * their COLIBRI2 state and relays, its participants, and what its modules keep ({@code modules}: an XML text with one
 * element per module that has state, such as a recording in progress; null when none has). Taken on the
 * conference's actor, so it is consistent.
 */
public record ConferenceRecord(String room, String meetingId, String state, List<BridgeSessionRecord> bridgeSessions,
                               List<ParticipantRecord> participants, String modules) {

    public ConferenceRecord(String room, String meetingId, String state, List<BridgeSessionRecord> bridgeSessions,
                            List<ParticipantRecord> participants) {
        this(room, meetingId, state, bridgeSessions, participants, null);
    }

    /**
     * One bridge of the conference: whether the COLIBRI2 conference was created there, the relays to the others (by
     * relay id, with whether this side initiates), and the bridge's feedback sources.
     */
    public record BridgeSessionRecord(String bridge, String relayId, boolean created, List<String> relays,
                                      List<String> endpoints, org.parley.focus.source.EndpointSources feedback) {}
}
