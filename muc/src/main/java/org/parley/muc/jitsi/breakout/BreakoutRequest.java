package org.parley.muc.jitsi.breakout;

import org.dom4j.Element;
import org.xmpp.packet.JID;

/**
 * One request lib-jitsi-meet's BreakoutRooms sends to the breakout service: {@code <message to='breakout.<domain>'>
 * <breakout_rooms type='features/breakout-rooms/add' subject='...'/></message>} (the element in the stanza's own
 * namespace, its parameters as attributes).
 */
record BreakoutRequest(String type, String subject, String breakoutRoomJid, String participantJid, String roomJid) {
    static final String ELEMENT = "breakout_rooms";
    static final String PREFIX = "features/breakout-rooms/";
    static final String ADD = PREFIX + "add";
    static final String REMOVE = PREFIX + "remove";
    static final String RENAME = PREFIX + "rename";
    static final String MOVE = PREFIX + "move-to-room";
    static final String UPDATE = PREFIX + "update";

    /** The request in {@code message}, or null when it carries none. */
    static BreakoutRequest of(Element message) {
        Element e = message.element(ELEMENT);
        if (e == null) return null;
        return new BreakoutRequest(e.attributeValue("type"), e.attributeValue("subject"), e.attributeValue("breakoutRoomJid"),
                e.attributeValue("participantJid"), e.attributeValue("roomJid"));
    }

    /** A bare JID from a request attribute, or null when absent or not a JID. */
    static JID jid(String s, boolean bare) {
        if (s == null || s.isEmpty() || s.length() > 3071) return null;
        try {
            JID j = new JID(s);
            if (bare) return j.getNode() == null || j.getResource() != null ? null : j;
            return j.getNode() == null ? null : j;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
