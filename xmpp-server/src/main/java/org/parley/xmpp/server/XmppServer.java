package org.parley.xmpp.server;

import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.parley.storage.Storage;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.component.ComponentListener;
import org.parley.xmpp.net.C2sListener;
import org.parley.xmpp.net.ConnectionLimiter;
import org.parley.xmpp.net.HeldSockets;
import org.parley.xmpp.net.EventLoops;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.parley.xmpp.tls.TlsMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running XMPP server: its context, event loops and listeners. {@link #close()} stops all of it. */
public final class XmppServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(XmppServer.class);
    private final ServerContext context;
    private final EventLoops loops;
    private final SessionCheckpoint checkpoints;
    private final List<C2sListener> listeners = new ArrayList<>();
    private ComponentListener componentListener;

    private XmppServer(ServerContext context, EventLoops loops) {
        this.context = context;
        this.checkpoints = new SessionCheckpoint(context);
        this.loops = loops;
    }

    /**
     * The server's context and event loops, with no listener open yet: services (MUC, focus) register on the context
     * first, and {@link #openListeners} follows once they answer, so that a client connecting the moment a port
     * opens (every browser and SFU does after a restart) never finds a service missing.
     */
    public static XmppServer create(ServerConfig config, Storage storage) {
        return create(config, storage, HeldSockets.ofProcess());
    }

    /** With the listening sockets held for its listeners ({@link HeldSockets}). */
    public static XmppServer create(ServerConfig config, Storage storage, HeldSockets held) {
        ServerContext context = new ServerContext(config, storage);
        return new XmppServer(context, new EventLoops(Math.max(2, Runtime.getRuntime().availableProcessors()), held));
    }

    /**
     * Binds the configured client and component listeners. On failure the listeners opened so far stay for
     * {@link #close()}.
     */
    public void openListeners(Mapping<String, SslContext> tls) throws InterruptedException {
        var limits = context.config().limits();
        ConnectionLimiter limiter = new ConnectionLimiter(limits.maxConnectionsPerAddress(), limits.newConnectionsPerSecond(),
                limits.newConnectionBurst(), context.metrics(), org.parley.xmpp.metrics.ServerMetrics.Limit.CONNECTIONS_PER_ADDRESS);
        if (context.config().c2sStartTls().enabled()) {
            listeners.add(C2sListener.bind(context.config().c2sStartTls(), false, loops, context, tls, limiter));
        }
        if (context.config().c2sDirectTls().enabled()) {
            listeners.add(C2sListener.bind(context.config().c2sDirectTls(), true, loops, context, tls, limiter));
        }
        var components = context.components().config().listener();
        if (components.enabled()) componentListener = ComponentListener.bind(components, loops, context);
        log.info("Parley serving {} with {} transport", context.config().hosts().stream().map(h -> h.domain()).toList(),
                loops.epoll() ? "epoll" : "NIO");
    }

    /**
     * Starts federation, which presents {@code certificates} (each host's, by domain) on server-to-server links, and
     * binds its listener.
     */
    public void startFederation(Map<String, TlsMaterial> certificates) throws InterruptedException {
        context.s2s().start(loops, certificates);
    }

    /** {@link #startFederation} {@code delay} from now, in the background (see {@code S2s.startLater}). */
    public void startFederationLater(Map<String, TlsMaterial> certificates, java.time.Duration delay) throws InterruptedException {
        context.s2s().startLater(loops, certificates, delay);
    }

    public ServerContext context() { return context; }

    /** The event loops, shared with the other listeners (HTTP, components, s2s). */
    public EventLoops loops() { return loops; }

    /** The bound port of the STARTTLS listener, or -1. */
    public int startTlsPort() { return port(false); }

    /** The bound port of the direct TLS listener, or -1. */
    public int directTlsPort() { return port(true); }

    private int port(boolean direct) {
        for (C2sListener l : listeners) if (l.directTls() == direct) return l.port();
        return -1;
    }

    /** The bound port of the XEP-0114 listener, or -1. */
    public int componentPort() {
        return componentListener == null ? -1 : componentListener.port();
    }

    /** The bound port of the server-to-server listener, or -1. */
    public int s2sPort() {
        return context.s2s().port();
    }

    /**
     * Restores the sessions the previous process of {@code node} handed over ({@link #handOver}); call before
     * {@link #openListeners}, so that a client resuming the moment a port opens finds its session. Returns how many
     * wait for their clients.
     */
    public int restoreSessions(String node, java.time.Duration timeout) throws Exception {
        return SessionHandover.restore(context, loops.workers(), node, timeout);
    }

    /**
     * The sessions' share of a checkpoint: the resumable sessions that changed since the last one, and the ends of
     * those written before. Call from one thread, never an event loop; blocks up to {@code timeout}.
     */
    public org.parley.storage.CheckpointPart checkpoint(java.time.Duration timeout) throws Exception {
        return checkpoints.collect(timeout);
    }

    /** How many sessions the checkpoints keep rows of. */
    public int checkpointedSessions() { return checkpoints.written(); }

    /**
     * The first half of a hand-over: closes the client listeners and cuts every connection without a stream error
     * (resumable sessions detach and queue what they are sent, the others end). Other transports (HTTP) must be
     * stopped from accepting first. The rooms are written next, then {@link #handOver}.
     */
    public void cutForHandover(java.time.Duration timeout) throws Exception {
        for (C2sListener l : listeners) l.close();
        SessionHandover.cut(context, loops.workers(), timeout);
    }

    /**
     * Hands the client sessions over to the next process of {@code node}: cuts every connection if
     * {@link #cutForHandover} has not, writes the resumable sessions. Returns how many sessions were written;
     * {@link #close()} follows.
     */
    public int handOver(String node, java.time.Duration timeout) throws Exception {
        for (C2sListener l : listeners) l.close();
        int n = SessionHandover.handOver(context, loops.workers(), node, timeout);
        checkpoints.handedOver();
        return n;
    }

    @Override
    public void close() {
        context.s2s().close();
        for (C2sListener l : listeners) l.close();
        if (componentListener != null) componentListener.close();
        for (ClientSession s : context.sessions().all()) {
            s.executor().execute(() -> s.fail(StreamErrorCondition.SYSTEM_SHUTDOWN, "Server shutting down"));
        }
        loops.close();
        context.shutdown();
    }
}
