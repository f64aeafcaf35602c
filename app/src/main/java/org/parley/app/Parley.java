package org.parley.app;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.parley.focus.FocusConfig;
import org.parley.focus.FocusService;
import org.parley.http.HttpConfig;
import org.parley.http.HttpTransports;
import org.parley.http.admin.AdminConfig;
import org.parley.http.admin.AdminListener;
import org.parley.muc.MucConfig;
import org.parley.muc.MucService;
import org.parley.storage.Storage;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.config.HandoverSettings;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.net.HeldSockets;
import org.parley.xmpp.server.XmppServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Parley node: storage, certificates, the XMPP server's context, the admin port, its services (MUC,
 * then the focus), and only then the client, component, federation and HTTP listeners; stopped in the reverse order.
 * The launcher and the black-box tests start the server through this same class.
 */
public final class Parley implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Parley.class);
    private final HostCertificates certs;
    private final Storage storage;
    private final XmppServer xmpp;
    private final MucService muc;
    private final FocusService focus;
    private final HttpTransports http;
    private final AdminListener admin;
    private final JicofoRest rest;
    private final CompletableFuture<String> stopRequested;
    private final HandoverSettings handover;
    /** Null when hand-over or its checkpoints are off. */
    private HandoverCheckpoints checkpoints;
    private boolean closed;
    /** The sessions and rooms went to the next process: the focus leaves its conferences as they are. */
    private boolean handedOver;

    private Parley(HostCertificates certs, Storage storage, XmppServer xmpp, MucService muc, FocusService focus,
                   HttpTransports http, AdminListener admin, JicofoRest rest, CompletableFuture<String> stopRequested,
                   HandoverSettings handover) {
        this.handover = handover;
        this.certs = certs;
        this.storage = storage;
        this.xmpp = xmpp;
        this.muc = muc;
        this.focus = focus;
        this.http = http;
        this.admin = admin;
        this.rest = rest;
        this.stopRequested = stopRequested;
    }

    public static Parley start(ServerConfig config) throws ConfigException, InterruptedException {
        // Read once, first: its ports are held from the start, and a mistake in it stops the start before anything opens.
        HttpConfig http = HttpConfig.from(config);
        HeldSockets held = holdClientPorts(config, http);
        try {
            return start(config, http, held);
        } catch (ConfigException | InterruptedException | RuntimeException | Error e) {
            held.close();
            throw e;
        }
    }

    /**
     * How long federation waits after a hand-over's listeners start: 500 clients resume within about a second and a
     * half on two cores; stanzas for other servers wait (bounded) meanwhile.
     */
    private static final java.time.Duration FEDERATION_AFTER_HANDOVER = java.time.Duration.ofSeconds(3);

    /** Client listeners' backlog, as their bootstraps ask for it. */
    private static final int CLIENT_BACKLOG = 1024;

    /**
     * The client ports (c2s, direct TLS, HTTP for WebSocket and BOSH), listening from the process's first moments:
     * the database, the certificates and a hand-over's restore take seconds, which clients reconnecting after a
     * restart spend in the backlog instead of being refused and backing off. Nothing is accepted before the
     * listeners start, after the restore.
     */
    private static HeldSockets holdClientPorts(ServerConfig config, HttpConfig http) {
        HeldSockets held = HeldSockets.ofProcess();
        List<InetSocketAddress> ports = new ArrayList<>();
        if (config.c2sStartTls().enabled()) ports.add(new InetSocketAddress(config.c2sStartTls().bind(), config.c2sStartTls().port()));
        if (config.c2sDirectTls().enabled()) ports.add(new InetSocketAddress(config.c2sDirectTls().bind(), config.c2sDirectTls().port()));
        for (HttpConfig.Listener l : List.of(http.plain(), http.tls())) {
            if (l.enabled()) ports.add(new InetSocketAddress(l.bind(), l.port()));
        }
        for (InetSocketAddress a : ports) held.bindEarly(a, CLIENT_BACKLOG);
        if (held.boundEarly() > 0) log.info("{} client port(s) listening from the start; accepted once the node is up", held.boundEarly());
        return held;
    }

    private static Parley start(ServerConfig config, HttpConfig httpConfig, HeldSockets held) throws ConfigException, InterruptedException {
        // The database (H2's start, Flyway's check) and the certificates (PEM files, the TLS engine) take about a second
        // each: side by side, the ports open that much sooner after a restart, when every client is waiting.
        CompletableFuture<JdbcStorage> opening = new CompletableFuture<>();
        Thread opener = new Thread(() -> {
            try {
                opening.complete(JdbcStorage.open(config.storage()));
            } catch (Throwable t) {
                opening.completeExceptionally(t);
            }
        }, "storage-open");
        opener.start();
        HostCertificates certs;
        HandoverSettings handover;
        try {
            certs = HostCertificates.load(config);
        } catch (RuntimeException e) {
            closeWhenOpen(opening);
            throw e;
        }
        try {
            if (!certs.problems().isEmpty()) throw new ConfigException(certs.problems());
            handover = HandoverSettings.read(config.source());
        } catch (ConfigException e) {
            certs.close();
            closeWhenOpen(opening);
            throw e;
        }
        var tls = certs.sniMapping();
        log.info("TLS for clients: {}", certs.openSsl() ? "BoringSSL (netty-tcnative)" : "BouncyCastle JSSE");
        JdbcStorage storage;
        try {
            storage = opening.join();
        } catch (java.util.concurrent.CompletionException e) {
            certs.close();
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
        log.info("storage: {}", storage.dataSourceDescription());
        XmppServer xmpp = null;
        MucService muc = null;
        FocusService focus = null;
        HttpTransports http = null;
        AdminListener admin = null;
        JicofoRest rest = null;
        CompletableFuture<String> stopRequested = new CompletableFuture<>();
        try {
            xmpp = XmppServer.create(config, storage, held);
            // Sessions the previous process handed over wait for their clients before anything can reach them: the
            // focus's restored conferences write to them, and clients resume the moment a port opens.
            int resuming = restore(xmpp, handover);
            // The admin port goes first (its /ready says "starting"); every other listener opens only once the MUC
            // and the focus are registered: clients and SFUs connect the moment a port accepts.
            admin = AdminListener.start(xmpp);
            if (admin != null) admin.api().ready(false, "starting");
            muc = MucService.start(xmpp.context());
            restoreRooms(muc, handover, FocusService.address(xmpp.context()));
            focus = FocusService.start(xmpp.context());
            // The admin API is whole before any client port opens: whoever sees a port open finds every route.
            if (admin != null) {
                admin.api().add(new RoomsSection(muc));
                if (focus.focus() != null) admin.api().add(new FocusSection(focus.focus(), xmpp.context().metrics()));
                if (focus.focus() != null) admin.api().add(new JibriSection(focus.focus().jibris(), xmpp.context().metrics()));
                if (focus.focus() != null && focus.focus().config().jigasi().enabled()) {
                    admin.api().add(new JigasisSection(focus.focus().jigasis(), xmpp.context().metrics()));
                }
                admin.api().add(new GracefulShutdown(focus.focus() == null ? null : focus.focus().conferences(),
                        admin.config().shutdownTimeout(), stopRequested::complete));
            }
            xmpp.openListeners(tls);
            rest = JicofoRest.start(config, focus.focus());
            http = HttpTransports.start(xmpp, httpConfig, tls, new RoomSizeEndpoint(muc, config.hosts().get(0).domain()));
            // Last: loading the trust anchors and building the s2s TLS contexts takes a good half second, which the
            // clients waiting after a restart need more than a federated peer, which retries anyway. After a
            // hand-over, the clients resume in a burst the moment the listeners start: federation waits it out.
            if (resuming > 0) xmpp.startFederationLater(certs.materials(), FEDERATION_AFTER_HANDOVER);
            else xmpp.startFederation(certs.materials());
            xmpp.loops().reportUnusedInherited();
            if (admin != null) admin.api().ready(true, null);
            Parley node = new Parley(certs, storage, xmpp, muc, focus, http, admin, rest, stopRequested, handover);
            node.checkpoints = HandoverCheckpoints.start(xmpp, muc, storage.handover(), handover);
            return node;
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            if (admin != null) admin.close();
            if (http != null) http.close();
            if (rest != null) rest.close();
            if (focus != null) focus.close();
            if (muc != null) muc.close();
            if (xmpp != null) xmpp.close();
            storage.close();
            certs.close();
            throw e;
        }
    }

    /** Start-up failed before the storage was needed: it is closed once its opening ends, however that ends. */
    private static void closeWhenOpen(CompletableFuture<JdbcStorage> opening) {
        try {
            opening.join().close();
        } catch (RuntimeException ignored) {
            // it did not open: nothing to close
        }
    }

    /** How many handed-over sessions wait for their clients. */
    private static int restore(XmppServer xmpp, HandoverSettings handover) {
        try {
            return xmpp.restoreSessions(handover.nodeId(), handover.timeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The clients then start over (their resume gets item-not-found), as after a crash.
            log.warn("hand-over: the sessions of the previous process could not be restored", e);
        }
        return 0;
    }

    /** {@code focus}: the focus's address (or null), an occupant of its rooms that registers only after them. */
    private static void restoreRooms(MucService muc, HandoverSettings handover, String focus) {
        try {
            muc.restoreHandedOver(handover.nodeId(), handover.timeout(), focus == null ? Set.of() : Set.of(focus));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("hand-over: the rooms of the previous process could not be restored", e);
        }
    }

    public XmppServer xmpp() { return xmpp; }

    public Storage storage() { return storage; }

    /** The MUC services; {@link MucService#roomInfo} answers the HTTP room-size queries. */
    public MucService muc() { return muc; }

    /** The conference focus (its {@link FocusService#focus()} is null when disabled). */
    public FocusService focus() { return focus; }

    public int startTlsPort() { return xmpp.startTlsPort(); }

    public int directTlsPort() { return xmpp.directTlsPort(); }

    /** The server-to-server listener's port, or -1. */
    public int s2sPort() { return xmpp.s2sPort(); }

    /** The plain HTTP port (WebSocket and BOSH), or -1. */
    public int httpPort() { return http.plainPort(); }

    /** The HTTPS port (wss:// and BOSH over TLS), or -1. */
    public int httpsPort() { return http.tlsPort(); }

    public HttpTransports http() { return http; }

    /** The admin listener (metrics, health, API, dashboard), or null when {@code parley.admin.enabled} is off. */
    public AdminListener admin() { return admin; }

    /** Jicofo's REST port (conference requests over HTTP, /about/health, /about/version), or -1. */
    public int jicofoRestPort() { return rest == null ? -1 : rest.port(); }

    /** The admin port, or -1. */
    public int adminPort() { return admin == null ? -1 : admin.port(); }

    /**
     * Completes, with the reason, when the node asks to be stopped: a graceful shutdown ({@code POST /api/shutdown})
     * whose last conference ended or whose timeout passed. The owner of the process ({@link Main}) then closes it.
     */
    public CompletableFuture<String> stopRequested() { return stopRequested; }

    /**
     * Not ready first (load balancers stop sending), then HTTP and Jicofo's REST port (no new sessions or conference
     * requests), then the focus (it expires its
     * conferences on the bridges and leaves the rooms), then the MUC, so occupants hear it stop (status 332) before
     * their streams close; the admin listener answers until the XMPP server goes. Idempotent; a second caller (a
     * signal during a graceful shutdown's close) waits for the first to finish.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (admin != null) admin.api().ready(false, "stopping");
        try {
            // With a hand-over the BOSH sessions go to the next process with the others: HTTP only stops serving
            // here, and closes (telling any session left over) once the hand-over is written.
            if (handover.enabled()) http.prepareHandover();
            else http.close();
            if (rest != null) rest.close();
            if (checkpoints != null) checkpoints.close();
            if (handover.enabled()) {
                handOver();
                http.close();
            }
        } finally {
            try {
                focus.close(handedOver);
            } finally {
                try {
                    muc.close();
                } finally {
                    try {
                        if (admin != null) admin.close();
                    } finally {
                        try {
                            xmpp.close();
                        } finally {
                            try {
                                storage.close();
                            } finally {
                                certs.close();
                            }
                        }
                    }
                }
            }
        }
    }

    private void handOver() {
        try {
            // Rooms between the cut and the sessions' snapshots: what a room sends while it is written (a message it
            // had accepted, a leave) reaches sessions still registered and waits in their queues. With the sessions
            // written first, a room step after them was bounced as addressed to nobody, and the room took each bounce
            // for an occupant gone and removed it from the state it then handed over.
            xmpp.cutForHandover(handover.timeout());
            muc.handOver(handover.nodeId(), handover.timeout());
            xmpp.handOver(handover.nodeId(), handover.timeout());
            handedOver = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("hand-over failed; the sessions end as at any shutdown", e);
            forgetCheckpoints();
        }
    }

    /**
     * The sessions end with this process after all: the rows of the last checkpoint must not bring them back in the
     * next one (as restored sessions nobody resumes, and occupants nobody is behind until they expire).
     */
    private void forgetCheckpoints() {
        try {
            storage.handover().replace(handover.nodeId(), "session", List.of()).get(handover.timeout().toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            storage.handover().replace(handover.nodeId(), "room", List.of()).get(handover.timeout().toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("hand-over: the last checkpoint could not be cleared; the next process restores it", e);
        }
    }

    /** Problems {@code parley check} reports beyond those of the file itself. */
    static List<ConfigProblem> check(ServerConfig config) {
        List<ConfigProblem> problems;
        try (HostCertificates certs = HostCertificates.load(config)) {
            problems = new java.util.ArrayList<>(certs.problems());
        }
        try {
            HttpConfig.from(config);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        try {
            AdminConfig.from(config);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        try {
            HandoverSettings.read(config.source());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        try {
            JicofoRest.Settings.from(config);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        problems.addAll(MucConfig.check(config.source(), config.hosts().stream().map(h -> h.domain()).toList()));
        problems.addAll(FocusConfig.check(config.source(), config.hosts()));
        return problems;
    }
}
