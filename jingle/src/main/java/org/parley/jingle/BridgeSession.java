package org.parley.jingle;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * Jitsi's {@code <bridge-session xmlns='http://jitsi.org/protocol/focus' id='...' region='...'/>}. The focus puts it in
 * {@code session-initiate} (which bridge session provides the transport); the client echoes the id in
 * {@code session-info} (ICE failed) and sends {@code restart='true'} in a {@code session-terminate} that asks for a
 * new session.
 *
 * @param id      the bridge session id; null when absent (a terminate may carry only {@code restart})
 * @param region  the bridge's region, or null
 * @param restart whether the client wants a new session ({@code restart='true'})
 * @param reason  optional free-form reason attribute, or null
 */
public record BridgeSession(String id, String region, boolean restart, String reason) {
    public static final String ELEMENT = "bridge-session";

    public BridgeSession(String id, String region) {
        this(id, region, false, null);
    }

    public static BridgeSession parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.FOCUS);
        return new BridgeSession(Xml.attr(e, "id"), Xml.attr(e, "region"), Xml.boolAttr(e, "restart", false),
            Xml.attr(e, "reason"));
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.FOCUS);
        Xml.set(e, "id", id);
        Xml.set(e, "region", region);
        Xml.setIfTrue(e, "restart", restart);
        Xml.set(e, "reason", reason);
    }
}
