package org.parley.it;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.dom4j.Element;
import org.xmpp.component.Component;
import org.xmpp.component.ComponentManager;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * A stand-in for a MUC service (the muc module is built on another branch): presence to {@code room@domain/nick}
 * joins, answered with the occupant's own presence (status 110) as XEP-0045 does; a groupchat message from an
 * occupant is reflected to every occupant from {@code room@domain/nick}.
 */
final class EchoRoom implements Component {
    private static final String MUC_USER = "http://jabber.org/protocol/muc#user";
    private ComponentManager manager;
    /** Occupant full JID to nick, per room. */
    private final Map<String, Map<JID, String>> rooms = new ConcurrentHashMap<>();

    @Override public String getName() { return "echo rooms"; }
    @Override public String getDescription() { return "test rooms"; }
    @Override public void initialize(JID jid, ComponentManager componentManager) { this.manager = componentManager; }
    @Override public void start() { }
    @Override public void shutdown() { }

    @Override
    public void processPacket(Packet packet) {
        if (packet instanceof IQ iq) {
            answer(iq);
            return;
        }
        JID to = packet.getTo();
        if (to == null || to.getNode() == null) return;
        String room = to.toBareJID();
        if (packet instanceof Presence p && to.getResource() != null) {
            Map<JID, String> occupants = rooms.computeIfAbsent(room, r -> new ConcurrentHashMap<>());
            if (p.getType() == Presence.Type.unavailable) {
                occupants.remove(p.getFrom());
                return;
            }
            occupants.put(p.getFrom(), to.getResource());
            Presence self = new Presence();
            self.setFrom(new JID(to.getNode(), to.getDomain(), to.getResource()));
            self.setTo(p.getFrom());
            Element x = self.addChildElement("x", MUC_USER);
            x.addElement("item").addAttribute("affiliation", "member").addAttribute("role", "participant");
            x.addElement("status").addAttribute("code", "110");
            send(self);
        } else if (packet instanceof Message m && m.getType() == Message.Type.groupchat) {
            Map<JID, String> occupants = rooms.getOrDefault(room, Map.of());
            String nick = occupants.get(m.getFrom());
            if (nick == null) return;
            for (JID occupant : occupants.keySet()) {
                Message copy = m.createCopy();
                copy.setFrom(new JID(to.getNode(), to.getDomain(), nick));
                copy.setTo(occupant);
                send(copy);
            }
        }
    }

    /** disco#info says "a MUC service"; any other request is refused. */
    private void answer(IQ iq) {
        if (iq.getType() != IQ.Type.get && iq.getType() != IQ.Type.set) return;
        IQ reply = IQ.createResultIQ(iq);
        Element q = iq.getChildElement();
        if (q != null && "http://jabber.org/protocol/disco#info".equals(q.getNamespaceURI()) && iq.getType() == IQ.Type.get) {
            Element info = reply.setChildElement("query", "http://jabber.org/protocol/disco#info");
            info.addElement("identity").addAttribute("category", "conference").addAttribute("type", "text").addAttribute("name", "echo");
            info.addElement("feature").addAttribute("var", "http://jabber.org/protocol/muc");
        } else {
            if (q != null) reply.setChildElement(q.createCopy());
            reply.setError(PacketError.Condition.service_unavailable);
        }
        send(reply);
    }

    private void send(Packet p) {
        try {
            manager.sendPacket(this, p);
        } catch (org.xmpp.component.ComponentException e) {
            throw new IllegalStateException(e);
        }
    }
}
