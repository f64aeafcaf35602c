package org.parley.muc;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.Predicate;
import org.dom4j.Element;
import org.parley.xmpp.router.SessionRegistry;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.session.SharedStanza;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.parley.xmpp.service.Services;
import org.xmpp.component.Component;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * The production {@link Outbox}, one per room thread (shared by the MUC domains): stanzas for local sessions are
 * grouped by the sessions' event loops and handed over as one task per loop, where each goes out through
 * {@link ClientSession#deliverShared} (shared bytes) or {@link ClientSession#deliver}; anything else (other services,
 * no session) goes through the router as sent by the MUC domain it is from.
 */
final class SessionOutbox implements Outbox {
    private static final Logger log = LoggerFactory.getLogger(SessionOutbox.class);
    private final SessionRegistry sessions;
    private final Services services;
    private final Predicate<String> localDomain;
    private final IdentityHashMap<EventExecutor, Batch> batches = new IdentityHashMap<>(4);
    private List<Packet> routed;

    SessionOutbox(SessionRegistry sessions, Services services, Predicate<String> localDomain) {
        this.sessions = sessions;
        this.services = services;
        this.localDomain = localDomain;
    }

    @Override
    public void shared(JID to, SharedStanza stanza) {
        ClientSession s = to.getResource() == null ? null : sessions.get(to);
        if (s != null) {
            batch(s).add(s, stanza);
        } else if (!(isPresence(stanza) && isGoneClient(to))) {
            route(Stanzas.wrap(stanza.addressed(to.toString())));
        }
        // else: a presence to a local client session that has gone, which the router would drop too (RFC 6121
        // 8.5.3.2.3), after a copy of the tree. When a meeting ends everyone leaves at once, and each departure is sent
        // to every occupant whose own departure the room has not seen yet: a copy and a routing per pair, for nothing.
    }

    @Override
    public void packet(Packet p) {
        JID to = p.getTo();
        ClientSession s = to == null || to.getResource() == null ? null : sessions.get(to);
        if (s != null) batch(s).add(s, p);
        else route(p);
    }

    /**
     * A full JID of a local user with no session: not a service's or a component's address (the focus's
     * {@code focus@auth.<domain>/focus} has no client session, and the router hands its presences to the focus).
     */
    private boolean isGoneClient(JID to) {
        return to.getResource() != null && localDomain.test(to.getDomain()) && services.get(to.getDomain()) == null
                && services.entity(to) == null;
    }

    /** A room's presence (never a subscription or a probe, which the router would handle otherwise). */
    private static boolean isPresence(SharedStanza stanza) {
        Element e = stanza.element();
        if (!"presence".equals(e.getName())) return false;
        String type = e.attributeValue("type");
        return type == null || type.equals("unavailable") || type.equals("error");
    }

    private Batch batch(ClientSession s) {
        EventExecutor e = s.executor();
        Batch b = batches.get(e);
        if (b == null) {
            b = new Batch();
            batches.put(e, b);
        }
        return b;
    }

    private void route(Packet p) {
        if (p == null) return;
        if (routed == null) routed = new ArrayList<>(4);
        routed.add(p);
    }

    @Override
    public void flush() {
        if (!batches.isEmpty()) {
            for (var e : batches.entrySet()) {
                try {
                    e.getKey().execute(e.getValue());
                } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                    log.debug("event loop gone; {} stanzas dropped", e.getValue().size);
                }
            }
            batches.clear();
        }
        if (routed != null) {
            for (Packet p : routed) {
                try {
                    Component from = p.getFrom() == null ? null : services.get(p.getFrom().getDomain());
                    if (from != null) services.sendPacket(from, p);
                } catch (Exception e) {
                    log.warn("could not route {}", p.getTo(), e);
                }
            }
            routed = null;
        }
    }

    /** What one event loop delivers for one room step, in order. */
    private static final class Batch implements Runnable {
        private ClientSession[] to = new ClientSession[8];
        private Object[] what = new Object[8];
        private int size;

        void add(ClientSession s, Object stanza) {
            if (size == to.length) {
                to = java.util.Arrays.copyOf(to, size * 2);
                what = java.util.Arrays.copyOf(what, size * 2);
            }
            to[size] = s;
            what[size++] = stanza;
        }

        @Override
        public void run() {
            try {
                for (int i = 0; i < size; i++) {
                    try {
                        if (what[i] instanceof SharedStanza s) to[i].deliverSharedGathered(s);
                        else to[i].deliver((Packet) what[i]);
                    } catch (RuntimeException e) {
                        log.warn("delivery to {} failed", to[i], e);
                    }
                }
            } finally {
                // Every session of the batch, once per run of its deliveries: what each gathered goes out now.
                for (int i = 0; i < size; i++) {
                    if (i > 0 && to[i] == to[i - 1]) continue;
                    try {
                        to[i].writeGathered();
                    } catch (RuntimeException e) {
                        log.warn("write to {} failed", to[i], e);
                    }
                }
            }
        }
    }
}
