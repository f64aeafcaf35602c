package org.parley.muc;

import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.dom4j.QName;

/** Namespaces the MUC service speaks, and element helpers. */
final class Ns {
    static final String CLIENT = "jabber:client";
    static final String MUC = "http://jabber.org/protocol/muc";
    static final String USER = MUC + "#user";
    static final String ADMIN = MUC + "#admin";
    static final String OWNER = MUC + "#owner";
    static final String UNIQUE = MUC + "#unique";
    static final String REQUEST = MUC + "#request";
    static final String ROOMCONFIG = MUC + "#roomconfig";
    static final String ROOMINFO = MUC + "#roominfo";
    static final String STABLE_ID = MUC + "#stable_id";
    static final String SELF_PING = MUC + "#self-ping-optimization";
    static final String OCCUPANT_ID = "urn:xmpp:occupant-id:0";
    static final String DISCO_INFO = "http://jabber.org/protocol/disco#info";
    static final String DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
    static final String PING = "urn:xmpp:ping";
    static final String DELAY = "urn:xmpp:delay";
    static final String DATA = "jabber:x:data";
    static final String CONFERENCE = "jabber:x:conference";
    static final String NICK = "http://jabber.org/protocol/nick";

    private Ns() {}

    static Element element(String name, String ns) {
        return DocumentHelper.createElement(QName.get(name, ns));
    }

    /**
     * Puts a Tinder-built stanza (root and {@code <error/>} in no namespace) into {@code jabber:client}, so it is
     * written the same on every transport and its error is not moved out of the stanza's namespace by an
     * {@code xmlns=''}.
     */
    static <P extends org.xmpp.packet.Packet> P qualify(P p) {
        Element root = p.getElement();
        if (root.getNamespaceURI().isEmpty()) root.setQName(QName.get(root.getName(), CLIENT));
        for (Element child : root.elements()) {
            if (child.getName().equals("error") && child.getNamespaceURI().isEmpty()) child.setQName(QName.get("error", CLIENT));
        }
        return p;
    }

    /** The result to an IQ request, in jabber:client. */
    static org.xmpp.packet.IQ result(org.xmpp.packet.IQ request) {
        return qualify(org.xmpp.packet.IQ.createResultIQ(request));
    }

    /** A child in its own namespace. */
    static Element add(Element parent, String name, String ns) {
        Element e = element(name, ns);
        parent.add(e);
        return e;
    }
}
