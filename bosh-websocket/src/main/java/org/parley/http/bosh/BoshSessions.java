package org.parley.http.bosh;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.http.HttpConfig;
import org.parley.xmpp.net.ConnectionLimiter;
import org.parley.xmpp.server.ServerContext;
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

    public BoshSessions(ServerContext server, HttpConfig.Bosh config, EventLoopGroup loops) {
        this.server = server;
        this.config = config;
        this.loops = loops;
        this.perAddress = new ConnectionLimiter(config.maxSessionsPerAddress());
    }

    /** Serves one request: a session creation when it names no sid, else a request of that session. */
    public void handle(BoshBody body, BoshExchange exchange) {
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

    /** Tells every client the server is going away. */
    public void shutdown() {
        for (BoshSession s : List.copyOf(bySid.values())) s.shutdown();
    }

    private static String newSid() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
