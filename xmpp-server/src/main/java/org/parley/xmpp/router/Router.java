package org.parley.xmpp.router;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.parley.xmpp.handler.IqRequest;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * Delivers a stanza whose {@code from} the server already vouches for, by the rules of RFC 6120 section 10
 * and RFC 6121 section 8: to the server itself, to a local user's bare or full JID, or back to the sender
 * as an error when nobody can take it. Safe from any thread.
 */
public final class Router {
    private static final Logger log = LoggerFactory.getLogger(Router.class);
    private final ServerContext server;

    public Router(ServerContext server) {
        this.server = server;
    }

    public void route(Packet p) {
        JID to = p.getTo();
        if (to == null) {
            log.debug("dropping stanza without a destination: {}", p.getID());
            return;
        }
        org.xmpp.component.Component service = server.services().get(to.getDomain());
        if (service != null) {
            server.services().deliver(service, p);
            return;
        }
        if (server.components().configured(to.getDomain())) {
            // A configured component that is not connected is a service that is down, not a missing server.
            if (!server.components().deliver(to.getDomain(), p)) bounce(p, PacketError.Condition.service_unavailable);
            return;
        }
        if (server.isLocalDomain(to.getDomain())) {
            org.xmpp.component.Component entity = server.services().entity(to);
            if (entity != null) server.services().deliver(entity, p);
            else if (to.getNode() == null) toServer(p);
            else if (to.getResource() == null) toBareJid(p, to);
            else toFullJid(p, to);
            return;
        }
        // Another domain: federation takes it, or bounces it when it is off.
        server.s2s().route(p);
    }

    /** Sends the error reply for {@code p}, unless it is itself an error. */
    public void bounce(Packet p, PacketError.Condition condition) {
        Packet reply = Stanzas.errorReply(p, condition);
        if (reply != null && reply.getTo() != null) route(reply);
    }

    private void toServer(Packet p) {
        if (p instanceof IQ iq) {
            server.iq().dispatch(iq, false, new RoutedIqRequest());
        } else if (p instanceof Message m && m.getType() != Message.Type.error && m.getType() != Message.Type.groupchat
                && m.getType() != Message.Type.headline) {
            bounce(p, PacketError.Condition.service_unavailable);
        }
        // Presence to the server is fine to ignore: the server has no presence of its own to share.
    }

    private void toFullJid(Packet p, JID to) {
        ClientSession session = server.sessions().get(to);
        if (p instanceof Presence pr) {
            if (isSubscription(pr) || pr.getType() == Presence.Type.probe) {
                toBareJid(p, to.asBareJID());
            } else if (session != null) {
                session.deliver(p);
            }
            return;
        }
        if (session != null) {
            session.deliver(p);
            return;
        }
        if (p instanceof Message m) {
            switch (m.getType()) {
                case normal, chat -> toBareJid(p, to.asBareJID());
                case groupchat -> bounce(p, PacketError.Condition.service_unavailable);
                default -> { } // headline and error to a gone resource are dropped, RFC 6121 8.5.3.2.1
            }
        } else if (p instanceof IQ) {
            bounce(p, PacketError.Condition.service_unavailable);
        }
    }

    private void toBareJid(Packet p, JID bare) {
        if (p instanceof Presence pr) {
            if (isSubscription(pr)) server.presence().inboundSubscription(pr);
            else if (pr.getType() == Presence.Type.probe) server.presence().probe(pr);
            else for (ClientSession s : available(bare)) s.deliver(p);
        } else if (p instanceof Message m) {
            messageToBareJid(m, bare);
        } else if (p instanceof IQ iq) {
            boolean ownAccount = iq.getFrom() != null && iq.getFrom().toBareJID().equals(bare.toBareJID());
            if (ownAccount) server.iq().dispatch(iq, true, new RoutedIqRequest());
            else if (iq.isRequest()) bounce(iq, PacketError.Condition.service_unavailable);
        }
    }

    private void messageToBareJid(Message m, JID bare) {
        Message.Type type = m.getType() == null ? Message.Type.normal : m.getType();
        if (type == Message.Type.groupchat) {
            bounce(m, PacketError.Condition.service_unavailable);
            return;
        }
        List<ClientSession> targets = nonNegative(bare);
        if (type == Message.Type.headline || type == Message.Type.error) {
            for (ClientSession s : targets) s.deliver(m);
            return;
        }
        if (!targets.isEmpty()) {
            // RFC 6121 8.5.2.1.1: the most available resources get it; we pick all sharing the top priority.
            int top = Integer.MIN_VALUE;
            for (ClientSession s : targets) top = Math.max(top, s.priority());
            for (ClientSession s : targets) if (s.priority() == top) s.deliver(m);
            return;
        }
        server.offline().storeOrBounce(m, bare);
    }

    /** Sessions of a bare JID that have sent available presence. */
    public List<ClientSession> available(JID bare) {
        Collection<ClientSession> all = server.sessions().sessions(bare.toBareJID());
        List<ClientSession> out = new ArrayList<>(all.size());
        for (ClientSession s : all) if (s.available()) out.add(s);
        return out;
    }

    private List<ClientSession> nonNegative(JID bare) {
        List<ClientSession> out = available(bare);
        out.removeIf(s -> s.priority() < 0);
        return out;
    }

    static boolean isSubscription(Presence p) {
        Presence.Type t = p.getType();
        return t == Presence.Type.subscribe || t == Presence.Type.subscribed
                || t == Presence.Type.unsubscribe || t == Presence.Type.unsubscribed;
    }

    /** Replies to requests that reached the server through the router go back through it. */
    private final class RoutedIqRequest implements IqRequest {
        @Override public ClientSession origin() { return null; }
        @Override public void reply(IQ reply) { route(reply); }
    }
}
