package org.parley.xmpp.router;

import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.xmpp.jid.JidPrep;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/** Conversions between parsed elements and Tinder packets, and error replies. */
public final class Stanzas {
    public static final String CLIENT_NS = "jabber:client";

    private Stanzas() {}

    /**
     * Wraps a stanza element, or returns null when the element is not a stanza. Its addresses are not prepared, and
     * Tinder throws IllegalArgumentException for a few malformed ones: check {@link #malformedAddress} first.
     */
    public static Packet wrap(Element e) {
        if (!CLIENT_NS.equals(e.getNamespaceURI())) return null;
        return switch (e.getName()) {
            case "message" -> new Message(e, true);
            case "presence" -> new Presence(e, true);
            case "iq" -> new IQ(e, true);
            default -> null;
        };
    }

    public static boolean isStanza(Element e) {
        if (!CLIENT_NS.equals(e.getNamespaceURI())) return false;
        String name = e.getName();
        return name.equals("message") || name.equals("presence") || name.equals("iq");
    }

    /**
     * Why the stanza's 'to' or 'from' is not an XMPP address by RFC 7622, or null when both are (or are absent).
     * Tinder wraps stanzas without preparing their addresses, so every stream checks this on what a peer sends.
     * An empty attribute counts as absent, as Tinder reads it.
     */
    public static String malformedAddress(Element stanza) {
        String why = malformedAttribute(stanza, "to");
        return why != null ? why : malformedAttribute(stanza, "from");
    }

    private static String malformedAttribute(Element stanza, String name) {
        String address = stanza.attributeValue(name);
        if (address == null || address.isEmpty()) return null;
        String why = JidPrep.whyMalformed(address);
        return why == null ? null : "Malformed '" + name + "': " + why;
    }

    public static boolean isError(Packet p) {
        if (p instanceof Message m) return m.getType() == Message.Type.error;
        if (p instanceof Presence pr) return pr.getType() == Presence.Type.error;
        if (p instanceof IQ iq) return iq.getType() == IQ.Type.error;
        return false;
    }

    /**
     * The error reply to a stanza: same element with to/from swapped and an error child, as RFC 6120
     * section 8.3.1 allows. Returns null for stanzas of type error, which must never be answered.
     */
    public static Packet errorReply(Packet p, PacketError.Condition condition) {
        return errorReply(p, new PacketError(condition));
    }

    public static Packet errorReply(Packet p, PacketError error) {
        if (isError(p)) return null;
        Packet copy = p.createCopy();
        JID to = copy.getTo();
        copy.setTo(copy.getFrom());
        copy.setFrom(to);
        if (copy instanceof IQ iq) {
            Element child = iq.getChildElement();
            iq.getElement().clearContent();
            if (child != null) iq.getElement().add(child.createCopy());
            iq.setType(IQ.Type.error);
        } else if (copy instanceof Message m) {
            m.setType(Message.Type.error);
        } else if (copy instanceof Presence pr) {
            pr.setType(Presence.Type.error);
        }
        copy.setError(error);
        // Tinder builds <error/> in no namespace; inside a jabber:client stanza that would be written
        // xmlns='' and leave the client's namespace.
        Element root = copy.getElement();
        Element err = root.element("error");
        if (err != null && err.getNamespaceURI().isEmpty() && !root.getNamespaceURI().isEmpty()) {
            err.setQName(QName.get("error", root.getNamespace()));
        }
        return copy;
    }

    public static IQ result(IQ request) {
        return IQ.createResultIQ(request);
    }

    /**
     * Moves an element and its descendants from one default namespace to another: stanzas from a component
     * stream arrive in {@code jabber:component:accept} and travel on in {@code jabber:client}.
     */
    public static void requalify(Element e, String from, String to) {
        if (from.equals(e.getNamespaceURI())) e.setQName(QName.get(e.getName(), org.dom4j.Namespace.get(to)));
        for (Element child : e.elements()) requalify(child, from, to);
    }

    public static Element element(String name, String namespace) {
        return org.dom4j.DocumentHelper.createElement(QName.get(name, namespace));
    }
}
