package org.parley.xmpp.service;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.parley.xmpp.handler.DiscoItemsHandler;
import org.parley.xmpp.router.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.component.Component;
import org.xmpp.component.ComponentException;
import org.xmpp.component.ComponentManager;
import org.xmpp.component.IQResultListener;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * The internal services (MUC, focus), each a Tinder {@link Component} owning one domain (docs/architecture.md).
 * This is their {@link ComponentManager}: what they send goes through the router with its {@code from}
 * checked against their domain, and results of their IQ queries come back to the listener that asked.
 *
 * <p>Unlike Tinder's external-component convention, {@link #addComponent} takes the full domain
 * ({@code conference.example.org}): a Parley node serves several hosts, so a bare subdomain is ambiguous.
 * {@link Component#processPacket} is called on the sender's event loop and must not block; services hand
 * the packet to their own actors.
 */
public final class Services implements ComponentManager {
    private static final Logger log = LoggerFactory.getLogger(Services.class);
    private static final long DEFAULT_QUERY_TIMEOUT_MILLIS = 30_000;

    private final Map<String, Component> byDomain = new ConcurrentHashMap<>();
    /** Services that own one bare JID of a virtual host (the focus as focus@auth.example.org), not a domain. */
    private final Map<String, Component> byAddress = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, String> properties = new ConcurrentHashMap<>();
    private final String serverName;
    private final DiscoItemsHandler discoItems;
    private final ScheduledExecutorService timer;
    private volatile Router router;

    private static final class Pending {
        final JID service;
        final JID peer;
        final IQResultListener listener;
        volatile java.util.concurrent.ScheduledFuture<?> timeout;

        Pending(JID service, JID peer, IQResultListener listener) {
            this.service = service;
            this.peer = peer;
            this.listener = listener;
        }

        JID service() { return service; }
        JID peer() { return peer; }
        IQResultListener listener() { return listener; }
    }

    public Services(String serverName, DiscoItemsHandler discoItems, ScheduledExecutorService timer) {
        this.serverName = serverName;
        this.discoItems = discoItems;
        this.timer = timer;
    }

    /** Set once while the server is wired. */
    public void router(Router r) {
        this.router = r;
    }

    /** The service owning {@code domain}, or null. */
    public Component get(String domain) {
        return byDomain.get(domain);
    }

    /**
     * The service owning the bare JID of {@code to} on a virtual host, or null. Cheap when there is none: the router
     * asks for every stanza to a local user.
     */
    public Component entity(JID to) {
        if (byAddress.isEmpty() || to.getNode() == null) return null;
        return byAddress.get(to.toBareJID());
    }

    /** Whether {@code bareJid} belongs to a service, so no client may bind a resource of it. */
    public boolean ownsAddress(String bareJid) {
        return byAddress.containsKey(bareJid);
    }

    /** Delivers a packet addressed to a service's domain or address: a pending query's answer, or the service's. */
    public void deliver(Component service, Packet p) {
        if (p instanceof IQ iq && (iq.getType() == IQ.Type.result || iq.getType() == IQ.Type.error) && iq.getID() != null) {
            Pending q = pending.get(iq.getID());
            if (q != null && addressedTo(q.service(), iq.getTo())
                    && (iq.getFrom() == null || q.peer().equals(iq.getFrom())) && pending.remove(iq.getID(), q)) {
                var timeout = q.timeout;
                if (timeout != null) timeout.cancel(false);
                try {
                    q.listener().receivedAnswer(iq);
                } catch (RuntimeException e) {
                    log.warn("service {} failed on an IQ answer", service.getName(), e);
                }
                return;
            }
        }
        try {
            service.processPacket(p);
        } catch (RuntimeException e) {
            log.warn("service {} failed on a packet", service.getName(), e);
        }
    }

    @Override
    public void addComponent(String domain, Component component) throws ComponentException {
        if (byDomain.putIfAbsent(domain, component) != null) {
            throw new ComponentException("a service already owns " + domain);
        }
        component.initialize(new JID(null, domain, null), this);
        component.start();
        discoItems.addItem(domain, component.getName());
        log.info("service {} on {}", component.getName(), domain);
    }

    /**
     * Registers a service for one bare JID of a virtual host: stanzas to that JID and its resources go to the service
     * instead of to client sessions, and it sends from that JID. The account's other neighbours on the host are
     * untouched. This is how the focus lives beside the accounts of {@code auth.<domain>} as Jicofo's user does.
     */
    public void addEntity(JID address, Component component) throws ComponentException {
        if (address.getNode() == null || address.getResource() != null) {
            throw new ComponentException("not a bare JID with a local part: " + address);
        }
        if (byDomain.containsKey(address.getDomain())) {
            throw new ComponentException("a service already owns " + address.getDomain());
        }
        if (byAddress.putIfAbsent(address.toBareJID(), component) != null) {
            throw new ComponentException("a service already owns " + address);
        }
        component.initialize(new JID(address.toBareJID()), this);
        component.start();
        log.info("service {} as {}", component.getName(), address);
    }

    @Override
    public void removeComponent(String domainOrAddress) {
        Component c = byDomain.remove(domainOrAddress);
        if (c != null) {
            discoItems.removeItem(domainOrAddress);
        } else {
            c = byAddress.remove(domainOrAddress);
            if (c == null) return;
        }
        c.shutdown();
    }

    /** Stops every service. */
    public void shutdown() {
        for (String domain : byDomain.keySet()) removeComponent(domain);
        for (String address : byAddress.keySet()) removeComponent(address);
    }

    @Override
    public void sendPacket(Component component, Packet packet) {
        JID from = packet.getFrom();
        JID own = ownAddress(component);
        if (from == null) {
            packet.setFrom(own);
        } else if (!addressedTo(own, from)) {
            log.warn("service {} sent a stanza from {}; dropped", component.getName(), from);
            return;
        }
        router.route(packet);
    }

    @Override
    public void query(Component component, IQ request, IQResultListener listener) {
        if (request.getID() == null) request.setID(java.util.UUID.randomUUID().toString());
        if (request.getFrom() == null) request.setFrom(ownAddress(component));
        String id = request.getID();
        Pending q = new Pending(ownAddress(component), request.getTo(), listener);
        pending.put(id, q);
        q.timeout = timer.schedule(() -> {
            if (pending.remove(id, q)) listener.answerTimeout(id);
        }, DEFAULT_QUERY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        sendPacket(component, request);
    }

    /** Blocks the caller; never call it on an event loop or a room's actor thread. */
    @Override
    public IQ query(Component component, IQ request, long timeoutMillis) throws ComponentException {
        CompletableFuture<IQ> answer = new CompletableFuture<>();
        query(component, request, new IQResultListener() {
            @Override public void receivedAnswer(IQ packet) { answer.complete(packet); }
            @Override public void answerTimeout(String packetId) { answer.complete(null); }
        });
        try {
            return answer.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComponentException(e);
        } catch (ExecutionException e) {
            throw new ComponentException(e.getCause());
        }
    }

    @Override public String getProperty(String name) { return properties.get(name); }

    @Override public void setProperty(String name, String value) { properties.put(name, value); }

    @Override public String getServerName() { return serverName; }

    @Override public boolean isExternalMode() { return false; }

    /** The domain (as a JID) or the bare JID a service owns. */
    private JID ownAddress(Component component) {
        for (var e : byDomain.entrySet()) if (e.getValue() == component) return new JID(null, e.getKey(), null);
        for (var e : byAddress.entrySet()) if (e.getValue() == component) return new JID(e.getKey());
        throw new IllegalStateException("component " + component.getName() + " is not registered");
    }

    /** Whether {@code jid} is within what a service owns: any address of its domain, or its own bare JID. */
    private static boolean addressedTo(JID owned, JID jid) {
        if (jid == null || !owned.getDomain().equals(jid.getDomain())) return false;
        return owned.getNode() == null || owned.getNode().equals(jid.getNode());
    }
}
