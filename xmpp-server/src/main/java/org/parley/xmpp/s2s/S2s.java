package org.parley.xmpp.s2s;

import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.parley.xmpp.net.EventLoops;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.tls.TlsMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;

/**
 * Server-to-server federation: the listener, the outgoing links (one per pair of local and remote domain,
 * made on first use and closed when idle), dialback keys and certificate checks. The router hands it every
 * stanza for a domain that is not served here. Until {@link #start} has run, or when federation is off, such
 * stanzas bounce with {@code remote-server-not-found}; while a {@link #startLater deferred start} is pending they
 * wait for it (a bounded number; the rest bounce).
 *
 * <p>Local domains, for federation, are the configured hosts, the internal services' domains and the external
 * components' domains: stanzas from any of them may leave, and stanzas to any of them may arrive.
 */
public final class S2s implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(S2s.class);

    /** An outgoing link's domains. */
    record Pair(String local, String remote) {}

    private final ServerContext server;
    private final S2sConfig config;
    private final DialbackKeys keys;
    private final Resolver resolver;
    private final Map<Pair, OutboundLink> links = new ConcurrentHashMap<>();
    private final Set<InboundStream> inbound = ConcurrentHashMap.newKeySet();
    /** Stanzas for other servers held while a deferred start is pending. */
    static final int MAX_WAITING = 10_000;

    private volatile boolean running;
    private boolean closed;
    /**
     * Non-null while a deferred start is pending, and until what waited for it is sent: what is routed meanwhile.
     * Changed and read under this; the volatile read spares the lock when there is none.
     */
    private volatile ArrayDeque<Packet> waiting;
    private EventLoops loops;
    private S2sTls tls;
    private CertificateVerifier verifier;
    private S2sListener listener;
    private ExecutorService resolverPool;

    public S2s(ServerContext server, S2sConfig config) {
        this(server, config, new Resolver(config.routes()));
    }

    S2s(ServerContext server, S2sConfig config, Resolver resolver) {
        this.server = server;
        this.config = config;
        this.keys = new DialbackKeys(config.dialbackSecret());
        this.resolver = resolver;
    }

    /**
     * Starts federation when it is enabled: loads the trust anchors, builds the TLS contexts from the hosts'
     * certificates and binds the listener when that is enabled.
     *
     * @param certificates each host's certificate and key, by domain; without any, federation stays off
     */
    public synchronized void start(EventLoops loops, Map<String, TlsMaterial> certificates) throws InterruptedException {
        if (!config.enabled() || closed) return;
        if (certificates.isEmpty()) {
            log.warn("federation is enabled but no host certificates were given; stanzas to other servers will bounce");
            return;
        }
        this.loops = loops;
        try {
            this.verifier = CertificateVerifier.load(config.trustedCertificates(), true);
            this.tls = new S2sTls(certificates);
        } catch (IOException | GeneralSecurityException e) {
            throw untrustworthy(e);
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "parley-s2s-dns-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        this.resolverPool = pool;
        if (config.listener().enabled()) listener = S2sListener.bind(config.listener(), loops, this);
        running = true;
        if (config.dialbackSecret().isEmpty() && config.allowDialback()) {
            log.info("dialback keys derive from a random secret made at start; a cluster must share parley.s2s.dialback-secret");
        }
    }

    /**
     * Starts federation {@code delay} from now, on a thread of its own: a restarted node's clients are resuming in
     * their hundreds in the first seconds, and the trust anchors and TLS contexts take a good half second of CPU
     * that they need more than federated peers, which retry. The trusted certificates are read now, so a bad file
     * still stops the start. Stanzas for other servers wait meanwhile.
     */
    public void startLater(EventLoops loops, Map<String, TlsMaterial> certificates, Duration delay) throws InterruptedException {
        if (!config.enabled() || certificates.isEmpty()) {
            start(loops, certificates);
            return;
        }
        try {
            CertificateVerifier.load(config.trustedCertificates(), false);
        } catch (IOException | GeneralSecurityException e) {
            throw untrustworthy(e);
        }
        synchronized (this) {
            waiting = new ArrayDeque<>();
        }
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(delay.toMillis());
                start(loops, certificates);
                log.info("federation started, {} ms late: the resuming clients went first", delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.error("federation did not start; stanzas for other servers bounce: {}", e.getMessage(), e);
            } finally {
                releaseWaiting();
            }
        }, "s2s-start");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Sends what waited for a deferred start, to the links once running, else back with an error; what is routed
     * meanwhile queues behind it, until the queue is empty.
     */
    private void releaseWaiting() {
        while (true) {
            Packet p;
            synchronized (this) {
                if (waiting == null) return;
                p = waiting.poll();
                if (p == null) {
                    waiting = null;
                    return;
                }
            }
            send(p);
        }
    }

    private static IllegalStateException untrustworthy(Exception e) {
        return new IllegalStateException("Cannot set up federation (parley.s2s.trusted-certificates): " + e.getMessage(), e);
    }

    /** The bound port of the listener, or -1. */
    public int port() {
        S2sListener l = listener;
        return l == null ? -1 : l.port();
    }

    public S2sConfig config() { return config; }

    /** Whether stanzas may come from and go to {@code domain} here: a host, a service or a component. */
    public boolean isLocal(String domain) {
        return server.isLocalDomain(domain) || server.services().get(domain) != null || server.components().configured(domain);
    }

    /** Sends a stanza to another server; {@code to} is not local. Safe from any thread. */
    public void route(Packet p) {
        // Behind what waits for a deferred start (until it is all sent), so that nothing overtakes it.
        if (waiting != null && holdForStart(p)) return;
        send(p);
    }

    private void send(Packet p) {
        JID to = p.getTo();
        JID from = p.getFrom();
        if (!running) {
            server.router().bounce(p, PacketError.Condition.remote_server_not_found);
            return;
        }
        if (from == null || !isLocal(from.getDomain())) {
            // Nothing on another server could answer it, and nobody here to tell.
            log.debug("dropping a stanza for {} from {}: not from a local domain", to, from);
            return;
        }
        String remote = to.getDomain();
        if (S2sConfig.asciiDomain(remote) == null || isLocal(remote)) {
            server.router().bounce(p, PacketError.Condition.remote_server_not_found);
            return;
        }
        Pair pair = new Pair(from.getDomain(), remote);
        OutboundLink link = links.computeIfAbsent(pair, k -> {
            OutboundLink l = new OutboundLink(this, k, loops.workers().next());
            l.start();
            return l;
        });
        link.offer(p);
    }

    /** Asks the authoritative server of {@code originating} whether {@code key} is right; completes on {@code loop}. */
    CompletableFuture<DialbackVerification.Result> verify(EventLoop loop, String receiving, String originating, String streamId, String key) {
        return new DialbackVerification(this, loop, receiving, originating, streamId, key).start();
    }

    void linkClosed(OutboundLink link) {
        links.remove(link.pair(), link);
    }

    void inboundOpened(InboundStream s) { inbound.add(s); }

    void inboundClosed(InboundStream s) { inbound.remove(s); }

    /** The outgoing links that are up or coming up, for tests. */
    public int linkCount() { return links.size(); }

    /** How this server authenticated on the link from {@code local} to {@code remote}: "SASL EXTERNAL", "dialback", or null. */
    public String linkMethod(String local, String remote) {
        OutboundLink l = links.get(new Pair(local, remote));
        return l == null ? null : l.method();
    }

    ServerContext server() { return server; }
    DialbackKeys keys() { return keys; }
    Resolver resolver() { return resolver; }
    ExecutorService resolverPool() { return resolverPool; }
    S2sTls tls() { return tls; }
    CertificateVerifier verifier() { return verifier; }

    Class<? extends SocketChannel> channelClass() {
        return loops.epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** Whether {@code p} was taken to wait for a pending deferred start (false past {@link #MAX_WAITING}). */
    private synchronized boolean holdForStart(Packet p) {
        ArrayDeque<Packet> q = waiting;
        if (q == null || q.size() >= MAX_WAITING) return false;
        q.add(p);
        return true;
    }

    /** Closes the listener, every link (queued stanzas bounce) and every incoming stream. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            running = false;
        }
        releaseWaiting();
        closeLinks();
    }

    private synchronized void closeLinks() {
        if (listener != null) listener.close();
        listener = null;
        for (OutboundLink l : links.values()) l.shutdown();
        for (InboundStream s : inbound) s.closeLater();
        if (resolverPool != null) resolverPool.shutdownNow();
    }
}
