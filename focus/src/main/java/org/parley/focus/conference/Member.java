package org.parley.focus.conference;

import org.xmpp.packet.JID;

/**
 * An occupant of a conference room as the focus sees it from the room's presence, for {@link ConferenceModule}s: a
 * snapshot taken on the conference's actor. {@code nick} is also its COLIBRI2 endpoint id.
 *
 * @param realJid null when the room does not show it
 * @param hidden  from a hidden domain (recorder, gateway)
 */
public record Member(String nick, JID occupantJid, JID realJid, String role, String affiliation, boolean hidden) {
    /** Moderator rights as Jicofo counts them: the moderator role, or an owner or admin affiliation. */
    public boolean isModerator() {
        return "moderator".equals(role) || "owner".equals(affiliation) || "admin".equals(affiliation);
    }

    static Member of(Participant p) {
        return new Member(p.nick, p.occupantJid, p.realJid, p.role, p.affiliation, p.hidden);
    }
}
