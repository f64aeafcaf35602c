package org.parley.xmpp.component;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.parley.xmpp.handler.DiscoItemsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.Packet;

/**
 * The XEP-0114 components that are connected, by domain. A component owns its domain: the router hands
 * it every stanza for that domain, spread round-robin over its connections. Safe from every event loop.
 */
public final class ExternalComponents {
    private static final Logger log = LoggerFactory.getLogger(ExternalComponents.class);

    private final ComponentsConfig config;
    private final DiscoItemsHandler discoItems;
    private final Map<String, Links> byDomain = new ConcurrentHashMap<>();

    private static final class Links {
        final List<ComponentConnection> connections = new CopyOnWriteArrayList<>();
        final AtomicInteger next = new AtomicInteger();
    }

    public ExternalComponents(ComponentsConfig config, DiscoItemsHandler discoItems) {
        this.config = config;
        this.discoItems = discoItems;
    }

    public ComponentsConfig config() {
        return config;
    }

    /** Whether {@code domain} belongs to a configured component, connected or not. */
    public boolean configured(String domain) {
        return config.entry(domain) != null;
    }

    /** Sends to one of the domain's connections; false when none is connected. */
    public boolean deliver(String domain, Packet p) {
        Links links = byDomain.get(domain);
        if (links == null) return false;
        List<ComponentConnection> all = links.connections;
        int size = all.size();
        if (size == 0) return false;
        ComponentConnection c = all.get(Math.floorMod(links.next.getAndIncrement(), size));
        c.send(p);
        return true;
    }

    /** Adds an authenticated connection; the oldest one goes when the component is at its limit. */
    void connected(ComponentConnection c, int maxConnections) {
        ComponentConnection evicted = null;
        Links links = byDomain.computeIfAbsent(c.domain(), d -> new Links());
        synchronized (links) {
            if (links.connections.size() >= maxConnections) evicted = links.connections.remove(0);
            links.connections.add(c);
            if (links.connections.size() == 1 && evicted == null) discoItems.addItem(c.domain(), null);
        }
        if (evicted != null) {
            log.info("component {} connected again; closing its older stream", c.domain());
            evicted.replaced();
        }
    }

    void disconnected(ComponentConnection c) {
        Links links = byDomain.get(c.domain());
        if (links == null) return;
        synchronized (links) {
            if (links.connections.remove(c) && links.connections.isEmpty()) discoItems.removeItem(c.domain());
        }
    }

    public int connectionCount(String domain) {
        Links links = byDomain.get(domain);
        return links == null ? 0 : links.connections.size();
    }
}
