package org.parley.muc.jitsi;

import java.util.function.Consumer;
import org.dom4j.Element;
import org.parley.xmpp.router.Stanzas;
import org.xmpp.component.Component;
import org.xmpp.component.ComponentManager;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;

/**
 * The address of one of Jitsi's Prosody components ({@code speakerstats.<domain>}, {@code conferenceduration.<domain>},
 * ...) as an internal service: it answers disco#info with the identity the web app looks for, and hands other
 * stanzas to its feature ({@code onStanza}, called on the sender's event loop: it must only hand work to a room).
 * What the feature sends from this address goes out through the room's output, routed as from this service.
 */
public final class JitsiComponent implements Component {
    private static final String DISCO_INFO = "http://jabber.org/protocol/disco#info";
    private final String type;
    private final Consumer<Packet> onStanza;
    private volatile ComponentManager manager;

    /**
     * {@code onStanza} gets the messages sent to the address; null: the address only sends. Other requests are
     * refused with service-unavailable.
     */
    public JitsiComponent(String type, Consumer<Packet> onStanza) {
        this.type = type;
        this.onStanza = onStanza;
    }

    @Override public String getName() { return type; }

    @Override public String getDescription() { return "Jitsi Meet " + type; }

    @Override public void initialize(JID jid, ComponentManager componentManager) { manager = componentManager; }

    @Override public void start() { }

    @Override public void shutdown() { }

    @Override
    public void processPacket(Packet p) {
        if (p instanceof IQ iq && iq.isRequest() && iq.getChildElement() != null
                && DISCO_INFO.equals(iq.getChildElement().getNamespaceURI()) && iq.getType() == IQ.Type.get) {
            IQ result = IQ.createResultIQ(iq);
            Element q = result.setChildElement("query", DISCO_INFO);
            q.addElement("identity").addAttribute("category", "component").addAttribute("type", type)
                    .addAttribute("name", p.getTo().getDomain());
            q.addElement("feature").addAttribute("var", DISCO_INFO);
            send(result);
            return;
        }
        // Jitsi's components take messages; any other request gets an answer, never silence.
        if (onStanza != null && p instanceof Message) {
            onStanza.accept(p);
            return;
        }
        boolean request = p instanceof IQ iq ? iq.isRequest() : p instanceof Message m && m.getType() != Message.Type.error;
        if (request) send(Stanzas.errorReply(p, new PacketError(PacketError.Condition.service_unavailable, PacketError.Type.cancel)));
    }

    /** Sends a stanza from this address straight through the router (answers that concern no room). */
    public void send(Packet p) {
        ComponentManager m = manager;
        if (m == null || p == null) return;
        try {
            m.sendPacket(this, p);
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(JitsiComponent.class).debug("{}: could not send to {}", type, p.getTo(), e);
        }
    }
}
