package org.parley.muc.jitsi.breakout;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.muc.MucRoom;
import org.parley.muc.RoomOccupant;

/**
 * An occupant as the room list shows it (keyed by its occupant JID): its real JID, which moderators send moves to,
 * its role and its display name.
 */
record Participant(String occupantJid, String jid, String role, String displayName) {
    private static final QName NICK = QName.get("nick", "http://jabber.org/protocol/nick");

    static Participant of(RoomOccupant o) {
        Element nick = o.payload() == null ? null : o.payload().element(NICK);
        return new Participant(o.occupantJid().toString(), o.realJid().toString(), o.role().xml(),
                nick == null ? null : nick.getTextTrim());
    }

    /** The room's occupants as the list shows them: the focus (a service admin) stays hidden, as in Prosody. */
    static Map<String, Participant> of(MucRoom room) {
        Map<String, Participant> out = new LinkedHashMap<>();
        for (RoomOccupant o : room.occupants()) {
            if (!room.serviceAdmin(o.realJid())) out.put(o.occupantJid().toString(), of(o));
        }
        return out;
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jid", jid);
        m.put("role", role);
        if (displayName != null) m.put("displayName", displayName);
        return m;
    }
}
