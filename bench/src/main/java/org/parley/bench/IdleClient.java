package org.parley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The Netty client of {@link IdleSessions}: one channel per session, a {@link LoginHandler} on each. Connections
 * take their local address in turn from {@code sources} (127.0.0.2, 127.0.0.3, …): one source address has only the
 * ephemeral port range (about 28,000 ports by default) towards the server's one address and port.
 */
final class IdleClient {
    enum Transport { TLS, WEBSOCKET }

    static final String WEBSOCKET_PATH = "/xmpp-websocket";

    private final Transport transport;
    private final Bootstrap bootstrap;
    private final SslContext ssl;
    private final URI webSocketUri;
    private final List<InetAddress> sources;
    private final boolean streamManagement;
    private final java.util.concurrent.atomic.AtomicInteger nextSource = new java.util.concurrent.atomic.AtomicInteger();

    IdleClient(Transport transport, EventLoopGroup loop, int port) throws SSLException {
        this(transport, loop, port, List.of(), false);
    }

    /**
     * @param sources local addresses to bind, in turn (empty: the kernel's choice, 127.0.0.1)
     * @param streamManagement XEP-0198 enable after bind, and answer the server's ack requests (WebSocket only)
     */
    IdleClient(Transport transport, EventLoopGroup loop, int port, List<InetAddress> sources, boolean streamManagement)
            throws SSLException {
        if (streamManagement && transport != Transport.WEBSOCKET) {
            throw new IllegalArgumentException("XEP-0198 is implemented for the WebSocket client only");
        }
        this.transport = transport;
        this.sources = List.copyOf(sources);
        this.streamManagement = streamManagement;
        this.ssl = transport == Transport.TLS
                ? SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                        .trustManager(InsecureTrustManagerFactory.INSTANCE).protocols("TLSv1.3").build()
                : null;
        this.webSocketUri = URI.create("ws://127.0.0.1:" + port + WEBSOCKET_PATH);
        this.bootstrap = new Bootstrap().group(loop)
                .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .remoteAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /** Starts n sessions, at most {@code inFlight} negotiating at once; returns without waiting. */
    SessionBatch open(int n, int inFlight) {
        return start(new SessionBatch(n, inFlight));
    }

    /** Logs in sessions and closes each once ready, {@code inFlight} at a time, until the batch is stopped. */
    SessionBatch loginLoop(int inFlight) {
        return start(new SessionBatch(Integer.MAX_VALUE, inFlight, true));
    }

    private SessionBatch start(SessionBatch b) {
        int n = b.size;
        Thread opener = new Thread(() -> {
            try {
                for (int i = 0; i < n && !b.stop; i++) {
                    b.permits.acquire();
                    if (b.stop) return;
                    if (bootstrap.config().group().isShuttingDown()) return; // interrupted run, cleanup under way
                    connect(b);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "opener");
        opener.setDaemon(true);
        opener.start();
        return b;
    }

    private void connect(SessionBatch b) {
        LoginHandler login = transport == Transport.TLS ? new LoginHandler.Tls(b)
                : new LoginHandler.WebSocket(b, streamManagement);
        Bootstrap boot = bootstrap.clone();
        if (!sources.isEmpty()) {
            boot.localAddress(new InetSocketAddress(sources.get(Math.floorMod(nextSource.getAndIncrement(), sources.size())), 0));
        }
        ChannelFuture f = boot.handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (transport == Transport.TLS) {
                    // No peer host/port: the JDK client then neither caches nor resumes sessions, so every
                    // connection is a full handshake like a distinct client's. SNI is set explicitly.
                    SSLEngine engine = ssl.newEngine(ch.alloc());
                    SSLParameters params = engine.getSSLParameters();
                    params.setServerNames(List.of(new SNIHostName(LoginHandler.HOST)));
                    engine.setSSLParameters(params);
                    SslHandler tls = new SslHandler(engine);
                    tls.setHandshakeTimeoutMillis(30_000); // Netty's 10 s is tight on a busy 2-core machine
                    ch.pipeline().addLast("tls", tls);
                } else {
                    ch.pipeline().addLast("http", new HttpClientCodec());
                    ch.pipeline().addLast("aggregator", new HttpObjectAggregator(8192));
                    ch.pipeline().addLast("websocket", new WebSocketClientProtocolHandler(
                            WebSocketClientProtocolConfig.newBuilder()
                                    .webSocketUri(webSocketUri)
                                    .subprotocol("xmpp")
                                    .handshakeTimeoutMillis(30_000)
                                    .maxFramePayloadLength(1 << 20)
                                    .build()));
                }
                ch.pipeline().addLast("xmpp", login);
            }
        }).connect();
        f.addListener(done -> {
            if (!done.isSuccess()) login.failed("connect: " + done.cause());
            else b.channels.add(f.channel());
        });
    }
}
