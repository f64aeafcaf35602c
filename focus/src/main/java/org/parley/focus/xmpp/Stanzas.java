package org.parley.focus.xmpp;

import org.dom4j.Element;
import org.dom4j.QName;
import org.xmpp.packet.IQ;
import org.xmpp.packet.PacketError;

/** Namespaces and small stanza helpers the focus uses. */
public final class Stanzas {
    public static final String MUC = "http://jabber.org/protocol/muc";
    public static final String MUC_USER = "http://jabber.org/protocol/muc#user";
    public static final String MUC_OWNER = "http://jabber.org/protocol/muc#owner";
    public static final String MUC_ADMIN = "http://jabber.org/protocol/muc#admin";
    public static final String DISCO_INFO = "http://jabber.org/protocol/disco#info";
    public static final String CAPS = "http://jabber.org/protocol/caps";
    public static final String DATA = "jabber:x:data";
    public static final String PING = "urn:xmpp:ping";
    public static final String JINGLE_ERRORS = "urn:xmpp:jingle:errors:1";
    public static final String JITSI_MEET = "http://jitsi.org/jitsi-meet";
    public static final String JITMEET = "http://jitsi.org/jitmeet";
    public static final String FOCUS = "http://jitsi.org/protocol/focus";
    public static final String ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig";
    public static final String MEETING_ID = "muc#roominfo_meetingId";
    public static final String WHOIS = "muc#roomconfig_whois";

    private Stanzas() {}

    /** An error reply to {@code request} with {@code condition} and optional text. */
    public static IQ error(IQ request, PacketError.Condition condition, String text) {
        IQ reply = IQ.createResultIQ(request);
        reply.setType(IQ.Type.error);
        if (request.getChildElement() != null) reply.setChildElement(request.getChildElement().createCopy());
        PacketError e = new PacketError(condition);
        if (text != null) e.setText(text);
        reply.setError(e);
        return reply;
    }

    /** A Jingle error (XEP-0166 section 8): a stanza error with a Jingle-specific condition such as unknown-session. */
    public static IQ jingleError(IQ request, PacketError.Condition condition, String jingleCondition, String text) {
        IQ reply = IQ.createResultIQ(request);
        reply.setType(IQ.Type.error);
        PacketError e = new PacketError(condition);
        if (text != null) e.setText(text);
        reply.setError(e);
        Element err = reply.getElement().element("error");
        if (err != null && jingleCondition != null) err.add(org.dom4j.DocumentHelper.createElement(QName.get(jingleCondition, JINGLE_ERRORS)));
        return reply;
    }

    /** The value of a data form field, or null. */
    public static String formValue(Element form, String var) {
        if (form == null) return null;
        for (Element f : form.elements("field")) {
            if (var.equals(f.attributeValue("var"))) {
                Element v = f.element("value");
                return v == null ? null : v.getTextTrim();
            }
        }
        return null;
    }

    /** The first child with that name and namespace, or null. */
    public static Element child(Element parent, String name, String ns) {
        if (parent == null) return null;
        return parent.element(QName.get(name, ns));
    }
}
