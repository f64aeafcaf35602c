package org.parley.http;

import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.util.ArrayList;
import java.util.List;
import org.parley.http.bosh.BoshSessions;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.net.ConnectionLimiter;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.server.XmppServer;

/**
 * XMPP over WebSocket and BOSH for browsers: the HTTP listeners (plain and TLS) with what their connections
 * share. Streams they carry run through the same {@code ClientSession} as TCP clients.
 */
public final class HttpTransports implements AutoCloseable {
    private final HttpConfig config;
    private final ServerContext server;
    private final ConnectionLimiter webSockets;
    private final ConnectionLimiter connections;
    private final BoshSessions bosh;
    private final List<HttpListener> listeners = new ArrayList<>();

    private final java.util.Map<String, HttpEndpoint> endpoints = new java.util.HashMap<>();

    private HttpTransports(HttpConfig config, XmppServer xmpp) {
        this.config = config;
        this.server = xmpp.context();
        var limits = server.config().limits();
        this.webSockets = new ConnectionLimiter(config.maxConnectionsPerAddress(), limits.newConnectionsPerSecond(),
                limits.newConnectionBurst(), server.metrics(), org.parley.xmpp.metrics.ServerMetrics.Limit.CONNECTIONS_PER_ADDRESS);
        // Counted by socket address; new connections are not rate-limited here, as BOSH clients open them often.
        this.connections = new ConnectionLimiter(config.maxConnectionsPerAddress(), 0, 0, server.metrics(),
                org.parley.xmpp.metrics.ServerMetrics.Limit.CONNECTIONS_PER_ADDRESS);
        this.bosh = new BoshSessions(server, config.bosh(), xmpp.loops().workers());
    }

    /** Binds the enabled listeners of {@code config} ({@code parley.http}) on the server's event loops. */
    public static HttpTransports start(XmppServer xmpp, HttpConfig config, Mapping<String, SslContext> tls, HttpEndpoint... endpoints)
            throws ConfigException, InterruptedException {
        HttpTransports http = new HttpTransports(config, xmpp);
        for (HttpEndpoint e : endpoints) for (String path : e.paths()) http.endpoints.put(path, e);
        try {
            // Before the listeners open: a client of a handed-over session may ask the moment they do.
            if (config.bosh().enabled()) http.bosh.restoreHandedOver(java.time.Duration.ofSeconds(30));
            if (config.plain().enabled()) http.listeners.add(HttpListener.bind(config.plain(), false, http, xmpp.loops(), tls));
            if (config.tls().enabled()) http.listeners.add(HttpListener.bind(config.tls(), true, http, xmpp.loops(), tls));
        } catch (InterruptedException | RuntimeException e) {
            http.close();
            throw e;
        }
        return http;
    }

    HttpConfig config() { return config; }

    HttpEndpoint endpoint(String path) { return endpoints.get(path); }

    ServerContext server() { return server; }

    ConnectionLimiter webSocketLimiter() { return webSockets; }

    /** Every connection to the HTTP listeners, by socket address. */
    ConnectionLimiter connectionLimiter() { return connections; }

    BoshSessions bosh() { return bosh; }

    /** The bound port of the plain HTTP listener, or -1. */
    public int plainPort() { return port(false); }

    /** The bound port of the HTTPS listener, or -1. */
    public int tlsPort() { return port(true); }

    private int port(boolean tls) {
        for (HttpListener l : listeners) if (l.tls() == tls) return l.port();
        return -1;
    }

    /** Live BOSH sessions, for monitoring and tests. */
    public int boshSessions() { return bosh.size(); }

    /**
     * The node is about to hand over to its next process: the listeners close and requests on connections still
     * open go unanswered (their clients send them again, to the next process); the BOSH sessions themselves are cut
     * and written by the hand-over. {@link #close} follows it.
     */
    public void prepareHandover() {
        for (HttpListener l : listeners) l.close();
        listeners.clear();
        bosh.prepareHandover();
    }

    @Override
    public void close() {
        for (HttpListener l : listeners) l.close();
        listeners.clear();
        bosh.shutdown();
    }
}
