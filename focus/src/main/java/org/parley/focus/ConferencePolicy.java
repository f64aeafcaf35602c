package org.parley.focus;

import org.parley.jingle.focus.ConferenceIq;
import org.xmpp.packet.JID;

/**
 * Who may start a conference (a request for a room whose conference runs is always allowed, as in Jicofo):
 * anyone; users of the authenticated domains; holders of a valid token for the room; or nobody.
 */
final class ConferencePolicy {
    private final FocusConfig config;

    ConferencePolicy(FocusConfig config) {
        this.config = config;
    }

    /** Null when {@code requester} may start the conference of {@code room}, else why not. */
    String refusal(JID requester, ConferenceIq request, JID room) {
        FocusConfig.Policy p = config.policy();
        return switch (p.create()) {
            case ANYONE -> null;
            case NOBODY -> "conferences are not started on request here";
            case AUTHENTICATED -> requester != null && p.authenticatedDomains().contains(requester.getDomain())
                    ? null : "only authenticated users may start a conference";
            case TOKEN -> {
                String why = Jwt.check(request.token(), p.token(), room.getNode(), System.currentTimeMillis() / 1000);
                yield why == null ? null : "token refused: " + why;
            }
        };
    }
}
