package org.parley.xmpp.server;

import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Set;
import org.parley.storage.Storage;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.config.VirtualHost;
import org.parley.xmpp.handler.DiscoInfoHandler;
import org.parley.xmpp.handler.DiscoItemsHandler;
import org.parley.xmpp.handler.IqDispatcher;
import org.parley.xmpp.handler.PingHandler;
import org.parley.xmpp.handler.RegistrationHandler;
import org.parley.xmpp.handler.VersionHandler;
import org.parley.xmpp.metrics.ServerMetrics;
import org.parley.xmpp.im.OfflineStore;
import org.parley.xmpp.im.PresenceBroker;
import org.parley.xmpp.im.RosterHandler;
import org.parley.xmpp.im.RosterService;
import org.parley.xmpp.router.Router;
import org.parley.xmpp.router.SessionRegistry;
import org.parley.xmpp.sasl.AuthFailureThrottle;
import org.parley.xmpp.sasl.KeyDerivation;
import org.parley.xmpp.service.Services;
import org.parley.xmpp.component.ComponentsConfig;
import org.parley.xmpp.component.ExternalComponents;
import org.parley.xmpp.session.ResumableSessions;
import org.parley.xmpp.s2s.S2s;
import org.parley.xmpp.s2s.S2sConfig;

/**
 * The server's shared parts, wired once. Sessions, handlers and the router reach each other through it
 * rather than through statics, so several servers can run in one JVM (tests do).
 */
public final class ServerContext {
    private final ServerConfig config;
    private final ServerMetrics metrics = new ServerMetrics();
    private final Storage storage;
    private final Set<String> localDomains;
    private final SessionRegistry sessions = new SessionRegistry();
    private final ResumableSessions resumable = new ResumableSessions();
    private final IqDispatcher iq = new IqDispatcher();
    private final AuthFailureThrottle authThrottle = new AuthFailureThrottle(Clock.systemUTC());
    private final RosterService roster;
    private final PresenceBroker presence;
    private final OfflineStore offline;
    private final RegistrationHandler registration;
    private final Router router;
    private final Services services;
    private final ExternalComponents components;
    private final S2s s2s;
    /** PBKDF2 for registrations, password changes and PLAIN logins. */
    private final KeyDerivation keyDerivation = KeyDerivation.forThisMachine();
    /** For timeouts that belong to no connection (service queries). */
    private final java.util.concurrent.ScheduledThreadPoolExecutor timer = newTimer();

    /** Cancelled timeouts (answered queries) leave the queue at once instead of waiting out their delay. */
    private static java.util.concurrent.ScheduledThreadPoolExecutor newTimer() {
        var t = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "parley-timer");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    public ServerContext(ServerConfig config, Storage storage) {
        this.config = config;
        this.storage = storage;
        Set<String> domains = new LinkedHashSet<>();
        for (VirtualHost h : config.hosts()) domains.add(h.domain());
        this.localDomains = Set.copyOf(domains);
        this.router = new Router(this);
        this.offline = new OfflineStore(this);
        this.roster = new RosterService(this);
        this.presence = new PresenceBroker(this);
        this.registration = new RegistrationHandler(this);
        iq.register(new PingHandler());
        iq.register(new VersionHandler(config.serverName(), config.serverVersion()));
        iq.register(new DiscoInfoHandler(this));
        DiscoItemsHandler discoItems = new DiscoItemsHandler();
        iq.register(discoItems);
        this.services = new Services(config.hosts().get(0).domain(), discoItems, timer);
        services.router(router);
        try {
            this.components = new ExternalComponents(ComponentsConfig.from(config.source()), discoItems);
        } catch (org.parley.xmpp.config.ConfigException e) {
            // ConfigLoader already reported these; a hand-built config in a test may still carry them.
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        try {
            this.s2s = new S2s(this, S2sConfig.from(config.source()));
        } catch (org.parley.xmpp.config.ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        iq.register(registration);
        iq.register(new RosterHandler(this));
        try {
            var turn = org.parley.xmpp.handler.ExternalServicesConfig.from(config.source());
            // Registered without services too: lib-jitsi-meet asks every session, and an empty list (as Prosody gives)
            // is the answer it expects, where service-unavailable is an error in its log.
            iq.register(new org.parley.xmpp.handler.ExternalServicesHandler(turn, this::isLocalDomain, Clock.systemUTC()));
        } catch (org.parley.xmpp.config.ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        metrics.gauge("parley.sessions", "Bound client sessions (resources)", sessions::count);
        metrics.gauge("parley.sessions.resumable", "Sessions with XEP-0198 resumption enabled", resumable::size);
        if (storage != null) storage.bindMetrics(metrics.registry());
    }

    public ServerConfig config() { return config; }
    /** This server's meters; modules register theirs on {@link ServerMetrics#registry()}. */
    public ServerMetrics metrics() { return metrics; }
    public Storage storage() { return storage; }
    public SessionRegistry sessions() { return sessions; }
    public ResumableSessions resumable() { return resumable; }
    public IqDispatcher iq() { return iq; }
    public AuthFailureThrottle authThrottle() { return authThrottle; }
    public RosterService roster() { return roster; }
    public PresenceBroker presence() { return presence; }
    public OfflineStore offline() { return offline; }
    public RegistrationHandler registration() { return registration; }
    public Router router() { return router; }
    /** The internal services (MUC, focus) by domain. */
    public Services services() { return services; }
    /** Connected XEP-0114 components by domain. */
    public ExternalComponents components() { return components; }
    /** Federation: links to other servers; started by the server once its event loops exist. */
    public S2s s2s() { return s2s; }

    /** Where password key derivation runs (bounded; a full queue means "try again later"). */
    public KeyDerivation keyDerivation() { return keyDerivation; }

    /** Stops the services, the timer and the key derivation threads; the listeners are closed by the server. */
    public void shutdown() {
        services.shutdown();
        timer.shutdownNow();
        keyDerivation.close();
    }

    public boolean isLocalDomain(String domain) { return localDomains.contains(domain); }

    public VirtualHost host(String domain) { return config.host(domain).orElse(null); }

    private final java.util.Map<String, org.parley.xmpp.token.TokenVerifier> tokenVerifiers = new java.util.concurrent.ConcurrentHashMap<>();

    /** The JWT verifier of a token host, or null when the host does not authenticate with tokens. */
    public org.parley.xmpp.token.TokenVerifier tokens(VirtualHost host) {
        if (host == null || host.token() == null) return null;
        return tokenVerifiers.computeIfAbsent(host.domain(), d -> new org.parley.xmpp.token.TokenVerifier(host.token(), Clock.systemUTC()));
    }
}
