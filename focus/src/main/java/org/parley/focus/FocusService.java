package org.parley.focus;

import org.parley.focus.state.FocusStateSink;
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
 * request, and the domain of the focus's own JID ({@code auth.<host>}), from which it joins rooms as
 * {@code focus@auth.<host>/focus}, talks Jingle to clients and COLIBRI2 to bridges.
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
    private final String focusDomain;
    private volatile boolean closed;

    private FocusService(Services services, Focus focus, String requestDomain, String focusDomain) {
        this.services = services;
        this.focus = focus;
        this.requestDomain = requestDomain;
        this.focusDomain = focusDomain;
    }

    /** Reads {@code parley.focus}; registers the two services and starts the focus, unless it is disabled. */
    public static FocusService start(ServerContext server) throws ConfigException {
        return start(server, FocusStateSink.NONE);
    }

    public static FocusService start(ServerContext server, FocusStateSink sink) throws ConfigException {
        FocusConfig config = FocusConfig.read(server.config().source(), server.config().hosts());
        if (!config.enabled()) {
            log.info("focus disabled");
            return new FocusService(server.services(), null, null, null);
        }
        String focusDomain = config.focusJid().getDomain();
        for (String d : new String[] {config.domain(), focusDomain}) {
            if (server.components().configured(d)) {
                throw new ConfigException(java.util.List.of(new ConfigProblem("parley.focus",
                        d + " is configured as an external component; the focus needs it for itself")));
            }
        }
        Services services = server.services();
        Endpoint requests = new Endpoint("Focus", "Conference requests (" + config.domain() + ")");
        Endpoint identity = new Endpoint("Focus user", "The focus in rooms, Jingle and COLIBRI2 (" + config.focusJid() + ")");
        Focus focus = new Focus(config, identity.link(services), requests.link(services), sink);
        requests.target = focus::onRequestDomain;
        identity.target = focus::onFocusJid;
        FocusService service = new FocusService(services, focus, config.domain(), focusDomain);
        try {
            services.addComponent(config.domain(), requests);
            services.addComponent(focusDomain, identity);
        } catch (ComponentException e) {
            service.close();
            throw new ConfigException(java.util.List.of(new ConfigProblem("parley.focus", e.getMessage())));
        }
        focus.start();
        log.info("focus on {} as {}, rooms on {}, breweries {}, component SFUs {}", config.domain(),
                config.occupantRealJid(), config.mucDomains(), config.bridges().breweries(), config.bridges().components());
        return service;
    }

    /** The running focus, or null when disabled. */
    public Focus focus() { return focus; }

    /** Ends the conferences, leaves rooms and breweries, unregisters the services. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (focus == null) return;
        focus.close();
        if (requestDomain != null && services.get(requestDomain) != null) services.removeComponent(requestDomain);
        if (focusDomain != null && services.get(focusDomain) != null) services.removeComponent(focusDomain);
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
