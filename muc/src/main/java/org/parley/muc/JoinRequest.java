package org.parley.muc;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.dom4j.Element;
import org.xmpp.packet.Presence;

/** What a join presence asks for: its {@code <x xmlns='http://jabber.org/protocol/muc'/>} (XEP-0045 7.2). */
record JoinRequest(boolean muc, String password, History.Request history) {

    /** Throws bad-request for a malformed {@code <history/>}, so no room is created for it. */
    static JoinRequest parse(Presence p) throws MucError {
        Element x = p.getElement().element(org.dom4j.QName.get("x", Ns.MUC));
        if (x == null) return new JoinRequest(false, null, History.Request.NONE);
        String password = x.elementText("password");
        Element h = x.element("history");
        History.Request history = History.Request.NONE;
        if (h != null) {
            Instant since = null;
            String s = h.attributeValue("since");
            if (s != null) {
                try {
                    since = java.time.OffsetDateTime.parse(s.trim()).toInstant();
                } catch (DateTimeParseException e) {
                    throw MucError.badRequest("history since is not an XEP-0082 date and time: " + s);
                }
            }
            history = new History.Request(count(h, "maxstanzas"), count(h, "maxchars"), count(h, "seconds"), since);
        }
        return new JoinRequest(true, password, history);
    }

    private static int count(Element h, String attr) throws MucError {
        String v = h.attributeValue(attr);
        if (v == null) return -1;
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) throw MucError.badRequest("history " + attr + " must not be negative");
            return (int) Math.min(n, Integer.MAX_VALUE);
        } catch (NumberFormatException e) {
            throw MucError.badRequest("history " + attr + " is not a number: " + v);
        }
    }
}
