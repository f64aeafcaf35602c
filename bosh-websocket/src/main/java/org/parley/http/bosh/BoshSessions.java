package org.parley.http.bosh;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import org.dom4j.Element;
import org.parley.http.HttpConfig;
import org.parley.xmpp.net.ConnectionLimiter;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The live BOSH sessions by sid, and the per-address cap on creating them. Safe from any thread. */
public final class BoshSessions {
    private static final Logger log = LoggerFactory.getLogger(BoshSessions.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ServerContext server;
    private final HttpConfig.Bosh config;
    private final EventLoopGroup loops;
    private final ConnectionLimiter perAddress;
    private final ConcurrentHashMap<String, BoshSession> bySid = new ConcurrentHashMap<>();
    /** The node hands over to its next process: no request is served here any more. */
    private volatile boolean handingOver;

    public BoshSessions(ServerContext server, HttpConfig.Bosh config, EventLoopGroup loops) {
        this.server = server;
        this.config = config;
        this.loops = loops;
        this.perAddress = new ConnectionLimiter(config.maxSessionsPerAddress());
    }

    /** Serves one request: a session creation when it names no sid, else a request of that session. */
    public void handle(BoshBody body, BoshExchange exchange) {
        if (handingOver) {
            // Unanswered, as if this process were gone already: the client sends it again, and the next process
            // knows the session (or creates the new one).
            exchange.abort();
            return;
        }
        String sid = body.sid();
        if (sid == null) {
            create(body, exchange);
            return;
        }
        BoshSession s = bySid.get(sid);
        if (s == null) {
            // Section 17.2; also what a session that timed out looks like (section 10).
            exchange.respond(BoshSession.terminateBody("item-not-found", ""));
            return;
        }
        EventLoop loop = (EventLoop) s.executor();
        if (loop.inEventLoop()) {
            s.onRequest(body, exchange);
        } else {
            loop.execute(() -> s.onRequest(body, exchange));
        }
    }

    private void create(BoshBody body, BoshExchange exchange) {
        if (body.to() == null) {
            exchange.respond(BoshSession.terminateBody("improper-addressing", ""));
            return;
        }
        if (!perAddress.tryAcquire(exchange.client().getAddress())) {
            log.debug("refusing a BOSH session to {}: too many sessions from that address", exchange.client());
            server.metrics().limitHit(org.parley.xmpp.metrics.ServerMetrics.Limit.BOSH_SESSIONS_PER_ADDRESS);
            exchange.respond(BoshSession.terminateBody("policy-violation", ""));
            return;
        }
        String sid = newSid();
        // One loop per session for its whole life: its state then needs no locks, whichever connections
        // (and so whichever loops) its requests come in on.
        EventLoop loop = loops.next();
        BoshSession s = new BoshSession(this, server, config, sid, loop, body, exchange);
        bySid.put(sid, s);
        server.metrics().connectionOpened(org.parley.xmpp.metrics.ServerMetrics.ConnectionKind.BOSH);
        log.debug("BOSH session {} created for {}", sid, exchange.client());
        loop.execute(() -> s.start(body, exchange));
    }

    void remove(BoshSession s) {
        if (bySid.remove(s.sid(), s)) {
            server.metrics().connectionClosed(org.parley.xmpp.metrics.ServerMetrics.ConnectionKind.BOSH);
            perAddress.release(s.remoteAddress().getAddress());
            log.debug("BOSH session {} of {} ended", s.sid(), s.remoteAddress());
        }
    }

    public int size() { return bySid.size(); }

    /**
     * The node is about to hand its sessions over ({@code XmppServer.handOver}): requests from now on go unanswered,
     * for their clients to send them to the next process. The sessions themselves are cut by the hand-over.
     */
    public void prepareHandover() {
        handingOver = true;
    }

    /**
     * Takes up the BOSH sessions the previous process handed over (restored by {@code XmppServer.restoreSessions}
     * with their BOSH state): each becomes a live BOSH session again, its sid known, idle until its client's next
     * request. Call before the listeners open; waits (on the calling thread, never an event loop) until all are in.
     * Returns how many.
     */
    public int restoreHandedOver(Duration timeout) throws InterruptedException {
        List<CompletableFuture<Boolean>> taking = new ArrayList<>();
        for (ClientSession s : server.sessions().all()) {
            CompletableFuture<Boolean> f = new CompletableFuture<>();
            s.executor().execute(() -> {
                try {
                    f.complete(takeUp(s));
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
            taking.add(f);
        }
        int n = 0;
        for (CompletableFuture<Boolean> f : taking) {
            try {
                if (f.get(timeout.toMillis(), TimeUnit.MILLISECONDS)) n++;
            } catch (ExecutionException | TimeoutException e) {
                log.warn("hand-over: a BOSH session not taken up", e instanceof ExecutionException ? e.getCause() : e);
            }
        }
        if (n > 0) log.info("hand-over: {} BOSH sessions taken up again", n);
        return n;
    }

    /** On the session's loop: a BOSH session again if its state came along, else nothing. */
    private boolean takeUp(ClientSession session) {
        Element carried = session.carriedTransport();
        if (carried == null || !BoshState.ELEMENT.equals(carried.getName())) return false;
        BoshState state;
        try {
            state = BoshState.read(carried);
        } catch (RuntimeException e) {
            // The session then ends when its wait is over, and leaves its rooms as any session that ends.
            log.warn("hand-over: the BOSH session of {} not taken up: {}", session.jid(), e.getMessage());
            return false;
        }
        BoshSession b = BoshSession.restored(this, server, config, (EventLoop) session.executor(), state, session);
        // It held its place under the limit in the previous process; it keeps it whatever the limit says now.
        perAddress.tryAcquire(state.client().getAddress());
        bySid.put(state.sid(), b);
        server.metrics().connectionOpened(org.parley.xmpp.metrics.ServerMetrics.ConnectionKind.BOSH);
        return true;
    }

    /** Tells every client the server is going away (not those handed over to the next process). */
    public void shutdown() {
        handingOver = false;
        for (BoshSession s : List.copyOf(bySid.values())) s.shutdown();
    }

    private static String newSid() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
