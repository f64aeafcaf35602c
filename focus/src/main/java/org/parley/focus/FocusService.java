package org.parley.focus;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.parley.focus.state.FocusStateSink;
import org.parley.focus.state.FocusStateWriter;
import org.parley.focus.state.PersistenceSettings;
import org.parley.focus.xmpp.XmppLink;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.service.Services;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.component.Component;
import org.xmpp.component.ComponentException;
import org.xmpp.component.ComponentManager;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * The focus as two internal services behind the router: {@code focus.<host>}, where clients send the conference
 * request, and the focus's own JID ({@code focus@auth.<host>}), from which it joins rooms as
 * {@code focus@auth.<host>/focus}, talks Jingle to clients and COLIBRI2 to bridges. When {@code auth.<host>} is a
 * virtual host (Jitsi's layout: the accounts of the bridges live there) the focus owns only its JID on it; otherwise it
 * owns the whole domain.
 *
 * <pre>
 * FocusService focus = FocusService.start(xmppServer.context());   // after the XMPP server (and the MUC)
 * ...
 * focus.close();                                                   // before the MUC and the XMPP server close
 * </pre>
 */
public final class FocusService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FocusService.class);
    private final Services services;
    private final Focus focus;
    private final String requestDomain;
    /** What the focus's own service is registered for: the domain of its JID, or the JID itself on a virtual host. */
    private final String focusAddress;
    private volatile boolean closed;
    private FocusStateWriter writer;
    private ScheduledExecutorService stateTimer;

    private FocusService(Services services, Focus focus, String requestDomain, String focusAddress) {
        this.services = services;
        this.focus = focus;
        this.requestDomain = requestDomain;
        this.focusAddress = focusAddress;
    }

    /** Reads {@code parley.focus}; registers the two services and starts the focus, unless it is disabled. */
    /**
     * Starts the focus; with {@code parley.focus.persistence.enabled} (the default) and a storage, its state is written
     * to the database and the conferences stored for this node (or left by a node whose lease expired) are resumed.
     */
    public static FocusService start(ServerContext server) throws ConfigException {
        PersistenceSettings ps = PersistenceSettings.read(server.config().source());
        if (!ps.enabled() || server.storage() == null) return start(server, FocusStateSink.NONE, null, null);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "focus-state");
            t.setDaemon(true);
            return t;
        });
        FocusStateWriter writer = new FocusStateWriter(server.storage().focusState(), ps.nodeId(), ps.lease().toMillis(),
                ps.renewInterval().toMillis(), ps.retryInterval().toMillis(), ps.maxDirty(), timer);
        try {
            FocusService s = start(server, writer, writer, ps);
            s.stateTimer = timer;
            if (s.focus == null) {
                writer.close();
                timer.shutdownNow();
            }
            return s;
        } catch (ConfigException | RuntimeException e) {
            writer.close();
            timer.shutdownNow();
            throw e;
        }
    }

    public static FocusService start(ServerContext server, FocusStateSink sink) throws ConfigException {
        return start(server, sink, null, null);
    }

    /**
     * The address the focus will own once started: its bare JID when it lives on a virtual host (the stock layout's
     * {@code focus@auth.<domain>}), else its domain; null when the focus is off. What the MUC must know before the
     * focus starts, so as not to take the focus for a gone occupant of the rooms it restores after a hand-over.
     */
    public static String address(ServerContext server) throws ConfigException {
        FocusConfig config = FocusConfig.read(server.config().source(), server.config().hosts());
        if (!config.enabled()) return null;
        String focusDomain = config.focusJid().getDomain();
        return server.isLocalDomain(focusDomain) ? config.focusJid().toBareJID() : focusDomain;
    }

    private static FocusService start(ServerContext server, FocusStateSink sink, FocusStateWriter writer,
                                      PersistenceSettings ps) throws ConfigException {
        FocusConfig config = FocusConfig.read(server.config().source(), server.config().hosts());
        if (!config.enabled()) {
            log.info("focus disabled");
            return new FocusService(server.services(), null, null, null);
        }
        String focusDomain = config.focusJid().getDomain();
        // On a virtual host (Jitsi's auth.<domain>, with the accounts of jvb, jibri...) the focus owns only its JID.
        boolean onHost = server.isLocalDomain(focusDomain);
        for (String d : onHost ? new String[] {config.domain()} : new String[] {config.domain(), focusDomain}) {
            if (server.components().configured(d)) {
                throw new ConfigException(java.util.List.of(new ConfigProblem("parley.focus",
                        d + " is configured as an external component; the focus needs it for itself")));
            }
        }
        Services services = server.services();
        Endpoint requests = new Endpoint("Focus", "Conference requests (" + config.domain() + ")");
        Endpoint identity = new Endpoint("Focus user", "The focus in rooms, Jingle and COLIBRI2 (" + config.focusJid() + ")");
        Focus focus = new Focus(config, identity.link(services), requests.link(services), sink);
        focus.conferences().latency().bind(server.metrics().registry());
        requests.target = focus::onRequestDomain;
        identity.target = focus::onFocusJid;
        String focusAddress = onHost ? config.focusJid().toBareJID() : focusDomain;
        FocusService service = new FocusService(services, focus, config.domain(), focusAddress);
        service.writer = writer;
        // Before the focus is reachable: a request for a restored room then finds its conference in place.
        if (writer != null) focus.restore(server.storage().focusState(), writer, ps);
        try {
            services.addComponent(config.domain(), requests);
            if (onHost) services.addEntity(config.focusJid(), identity);
            else services.addComponent(focusDomain, identity);
        } catch (ComponentException e) {
            service.close();
            throw new ConfigException(java.util.List.of(new ConfigProblem("parley.focus", e.getMessage())));
        }
        focus.start();
        focus.startRestored();
        log.info("focus on {} as {}, rooms on {}, breweries {}, component SFUs {}, Jigasi breweries {}", config.domain(),
                config.occupantRealJid(), config.mucDomains(), config.bridges().breweries(), config.bridges().components(),
                config.jigasi().breweries());
        return service;
    }

    /** The running focus, or null when disabled. */
    public Focus focus() { return focus; }

    /** The database writer of the focus state, or null without persistence. */
    public FocusStateWriter stateWriter() { return writer; }

    /** Ends the conferences, leaves rooms and breweries, unregisters the services. Idempotent. */
    @Override
    public void close() {
        close(false);
    }

    /**
     * {@code handOver}: the node hands over to its next process (issue 18): conferences are left as they are on the
     * SFUs and in the stored state, and the rooms keep the focus, for the next process to resume.
     */
    public void close(boolean handOver) {
        if (closed) return;
        closed = true;
        if (focus == null) return;
        focus.close(handOver);
        if (requestDomain != null && services.get(requestDomain) != null) services.removeComponent(requestDomain);
        if (focusAddress != null) services.removeComponent(focusAddress);
        if (writer != null) {
            // The ended conferences' deletions go out before the storage closes.
            try {
                if (!writer.awaitIdle(3000)) log.warn("focus state: {} changes not written at stop", writer.dirty());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writer.close();
        }
        if (stateTimer != null) stateTimer.shutdownNow();
    }

    /** A Tinder component that hands every packet to the focus. */
    private static final class Endpoint implements Component {
        private final String name;
        private final String description;
        volatile java.util.function.Consumer<Packet> target;
        private volatile ComponentManager manager;

        Endpoint(String name, String description) {
            this.name = name;
            this.description = description;
        }

        XmppLink link(Services services) {
            Endpoint self = this;
            return packet -> services.sendPacket(self, packet);
        }

        @Override public String getName() { return name; }

        @Override public String getDescription() { return description; }

        @Override public void initialize(JID jid, ComponentManager componentManager) { this.manager = componentManager; }

        @Override public void start() { }

        @Override public void shutdown() { }

        @Override
        public void processPacket(Packet packet) {
            var t = target;
            if (t != null) t.accept(packet);
        }
    }
}
