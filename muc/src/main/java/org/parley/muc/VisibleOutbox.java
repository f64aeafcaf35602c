package org.parley.muc;

import org.dom4j.Element;
import org.parley.xmpp.session.SharedStanza;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * A room's output with what its modules hide ({@link RoomModule#hides}) left out: a stanza from one occupant (its
 * 'from' is the occupant JID) to another. Stanzas from the room itself, to non-occupants, to oneself, or about an
 * occupant already gone (its unavailable presence) pass, as Prosody's lobby filter lets them.
 */
final class VisibleOutbox implements Outbox {
    private final Room room;
    final Outbox next;

    VisibleOutbox(Room room, Outbox next) {
        this.room = room;
        this.next = next;
    }

    @Override
    public void shared(JID to, SharedStanza stanza) {
        if (!hidden(to, stanza.element())) next.shared(to, stanza);
    }

    @Override
    public void packet(Packet p) {
        if (!hidden(p.getTo(), p.getElement())) next.packet(p);
    }

    @Override
    public void flush() { next.flush(); }

    private boolean hidden(JID to, Element stanza) {
        String name = stanza.getName();
        if (to == null || !("presence".equals(name) || "message".equals(name))) return false;
        Occupant recipient = room.occupantOf(to);
        if (recipient == null) return false;
        String from = stanza.attributeValue("from");
        int slash = from == null ? -1 : from.indexOf('/');
        if (slash < 0 || !from.startsWith(room.jidString) || slash != room.jidString.length()) return false;
        Occupant sender = room.occupantAt(from.substring(slash + 1));
        if (sender == null || sender == recipient) return false;
        return room.service.hooks().hides(room, sender, recipient, stanza);
    }
}
