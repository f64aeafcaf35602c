package org.parley.muc.jitsi;

import org.dom4j.Element;
import org.dom4j.QName;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;

/** Jitsi's {@code <json-message xmlns='http://jitsi.org/jitmeet'>}: how its components talk to the web app. */
public final class JsonMessages {
    public static final String NS = "http://jitsi.org/jitmeet";

    private JsonMessages() { }

    /** A message from {@code from} to {@code to} carrying {@code json}. */
    public static Message of(JID from, JID to, String json) {
        Message m = new Message();
        m.getElement().setQName(QName.get("message", "jabber:client"));
        m.setFrom(from);
        m.setTo(to);
        m.getElement().addElement(QName.get("json-message", NS)).setText(json);
        return m;
    }

    /** The JSON text of a stanza's json-message, or null. */
    public static String text(Element stanza) {
        Element j = stanza.element(QName.get("json-message", NS));
        return j == null ? null : j.getText();
    }
}
