package org.parley.muc;

import org.dom4j.Element;
import org.parley.xmpp.session.SharedStanza;
import org.xmpp.packet.JID;

/**
 * One user in a room, as the room's actor keeps it. The occupant's current presence is cached as the
 * stanza the others receive, once per view (with and without the real JID), so a newcomer gets everyone's
 * presence without a single serialization.
 */
final class Occupant implements RoomOccupant {
    final JID realJid;
    final String bareJid;
    final String occupantId;
    String nick;
    JID occupantJid;
    Role role;
    Affiliation affiliation;
    /** The client's own presence content (status, show, caps, Jitsi's elements), without MUC elements. */
    Element payload;
    /** When the occupant last got the room's full state again for a repeated join (System.nanoTime). */
    long lastRejoin = System.nanoTime();
    /** When this occupant's presence last went out to the room (System.nanoTime), for the big-room rate. */
    long lastBroadcast;
    /** A presence update is held back and goes out (the latest payload) when the rate allows. */
    boolean presencePending;
    /** The JWT the occupant's session logged in with, or null; its context.user is added to every presence. */
    org.parley.xmpp.token.TokenIdentity identity;
    String pendingId;
    private SharedStanza publicView;
    private SharedStanza jidView;

    Occupant(JID realJid, String nick, JID occupantJid, String occupantId, Role role, Affiliation affiliation, Element payload) {
        this.realJid = realJid;
        this.bareJid = realJid.toBareJID();
        this.nick = nick;
        this.occupantJid = occupantJid;
        this.occupantId = occupantId;
        this.role = role;
        this.affiliation = affiliation;
        this.payload = payload;
    }

    /** Forget the cached views: presence, nick, role or affiliation changed. */
    void changed() {
        publicView = null;
        jidView = null;
    }

    SharedStanza view(boolean withJid) {
        if (withJid) {
            if (jidView == null) jidView = new SharedStanza(Presences.available(this, true));
            return jidView;
        }
        if (publicView == null) publicView = new SharedStanza(Presences.available(this, false));
        return publicView;
    }

    @Override public String nick() { return nick; }
    @Override public JID realJid() { return realJid; }
    @Override public JID occupantJid() { return occupantJid; }
    @Override public String occupantId() { return occupantId; }
    @Override public Role role() { return role; }
    @Override public Affiliation affiliation() { return affiliation; }
    @Override public Element payload() { return payload; }

    @Override public String toString() { return occupantJid + " (" + realJid + ", " + role.xml() + "/" + affiliation.xml() + ")"; }
}
