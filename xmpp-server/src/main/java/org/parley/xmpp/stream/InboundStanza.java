package org.parley.xmpp.stream;

import org.dom4j.Element;
import org.parley.xmpp.router.Stanzas;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * A stanza read from a server-side stream (an XEP-0114 component or a federation peer): moved from the stream's
 * namespace into {@code jabber:client}, wrapped, its addresses parsed; or the stream error its element deserves.
 * Each stream then applies its own rules to {@code from} and {@code to}.
 */
public record InboundStanza(Packet packet, JID from, JID to, StreamErrorCondition error, String reason) {

    public static InboundStanza read(Element e, String streamNamespace) {
        Stanzas.requalify(e, streamNamespace, Stanzas.CLIENT_NS);
        Packet p = Stanzas.wrap(e);
        if (p == null) {
            return new InboundStanza(null, null, null, StreamErrorCondition.UNSUPPORTED_STANZA_TYPE,
                    "Unknown element " + e.getQualifiedName());
        }
        try {
            return new InboundStanza(p, p.getFrom(), p.getTo(), null, null);
        } catch (IllegalArgumentException malformed) {
            return new InboundStanza(null, null, null, StreamErrorCondition.IMPROPER_ADDRESSING, "Malformed address");
        }
    }

    public boolean failed() { return error != null; }
}
