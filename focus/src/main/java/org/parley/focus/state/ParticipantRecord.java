package org.parley.focus.state;

import java.util.List;
import org.parley.focus.source.EndpointSources;

/**
 * What must survive a restart about one participant (issue 8): its occupant and endpoint, the bridge it is on, its
 * Jingle session and sources.
 *
 * @param endpointId   the MUC nickname, also the COLIBRI2 endpoint id
 * @param bridge       the JID of its bridge, or null while it has no allocation
 * @param sid          the Jingle session id, or null without a session
 * @param sessionState the session's state (see {@code Participant.SessionState})
 */
public record ParticipantRecord(String endpointId, String occupantJid, String realJid, String statsId, String region,
                                String bridge, String sid, String bridgeSessionId, String sessionState,
                                EndpointSources sources, List<String> features) {}
