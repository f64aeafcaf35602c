package org.parley.xmpp.stream;

import org.dom4j.Element;
import org.parley.xmpp.router.Stanzas;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * A stanza read from a server-side stream (an XEP-0114 component or a federation peer): moved from the stream's
 * namespace into {@code jabber:client}, wrapped, its addresses parsed; or the stream error its element deserves.
 * Each stream then applies its own rules to {@code from} and {@code to}. An address that is not a JID by RFC 7622
 * is improper-addressing (RFC 6120 4.9.3.11): between servers a peer is expected to send only addresses it has
 * prepared, and Tinder wraps stanzas without checking them.
 */
public record InboundStanza(Packet packet, JID from, JID to, StreamErrorCondition error, String reason) {

    public static InboundStanza read(Element e, String streamNamespace) {
        Stanzas.requalify(e, streamNamespace, Stanzas.CLIENT_NS);
        if (!Stanzas.isStanza(e)) {
            return new InboundStanza(null, null, null, StreamErrorCondition.UNSUPPORTED_STANZA_TYPE,
                    "Unknown element " + e.getQualifiedName());
        }
        // Before wrapping: Tinder's wrap throws on some malformed addresses ("@host", "host/").
        String why = Stanzas.malformedAddress(e);
        if (why != null) return new InboundStanza(null, null, null, StreamErrorCondition.IMPROPER_ADDRESSING, why);
        Packet p = Stanzas.wrap(e);
        return new InboundStanza(p, p.getFrom(), p.getTo(), null, null);
    }

    public boolean failed() { return error != null; }
}
