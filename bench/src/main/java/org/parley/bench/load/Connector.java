package org.parley.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Opens client sessions to one {@link Target}: one Netty channel per session on a small shared event loop group
 * (native epoll where available), TLS through BoringSSL when netty-tcnative loads (else the JDK), no certificate
 * checks, SNI set to the session's domain, and no TLS session resumption (every connection is a full handshake,
 * like a distinct client's).
 */
public final class Connector implements AutoCloseable {
    private final Target target;
    private final EventLoopGroup group;
    private final SslContext ssl;
    private final Map<Transport, String> tlsSeen = new ConcurrentHashMap<>();

    public Connector(Target target, int threads) throws SSLException {
        this.target = target;
        DefaultThreadFactory tf = new DefaultThreadFactory("client", true);
        this.group = Epoll.isAvailable() ? new EpollEventLoopGroup(threads, tf) : new NioEventLoopGroup(threads, tf);
        this.ssl = SslContextBuilder.forClient()
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .protocols("TLSv1.3", "TLSv1.2")
                .build();
    }

    public Target target() { return target; }

    public EventLoopGroup group() { return group; }

    /** "BoringSSL" or "JDK". */
    public static String tlsLibrary() {
        return OpenSsl.isAvailable() ? "BoringSSL (netty-tcnative)" : "JDK";
    }

    /** Starts a session; the listener hears how it went. */
    public XmppClientHandler connect(ClientSpec spec, XmppClientHandler.Listener listener) {
        XmppClientHandler client = new XmppClientHandler(spec, this, listener);
        Transport t = spec.transport();
        int port = target.port(t);
        if (port <= 0) {
            group.next().execute(() -> client.fail("the server has no " + t.label + " port"));
            return client;
        }
        new Bootstrap().group(group)
                .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (t == Transport.TLS || t == Transport.WSS) p.addLast("tls", newSslHandler(ch, spec.domain()));
                        if (t.webSocket()) {
                            String scheme = t == Transport.WSS ? "wss" : "ws";
                            p.addLast("http", new HttpClientCodec());
                            p.addLast("aggregator", new HttpObjectAggregator(1 << 20));
                            p.addLast("websocket", new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                                    .webSocketUri(URI.create(scheme + "://" + spec.domain() + ":" + port + target.wsPath()))
                                    .subprotocol("xmpp")
                                    .handshakeTimeoutMillis(30_000)
                                    .maxFramePayloadLength(1 << 20)
                                    .build()));
                        } else {
                            p.addLast("xml", new XmlSplitter());
                        }
                        p.addLast("xmpp", client);
                    }
                })
                .connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                .addListener(f -> {
                    if (!f.isSuccess()) client.fail("connect to port " + port + ": " + f.cause());
                });
        return client;
    }

    SslHandler newSslHandler(Channel ch, String domain) {
        SSLEngine engine = ssl.newEngine(ch.alloc());
        SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(domain)));
        engine.setSSLParameters(params);
        SslHandler h = new SslHandler(engine);
        h.setHandshakeTimeoutMillis(30_000);
        return h;
    }

    void noteTls(Transport t, SslHandler h) {
        if (h != null && !tlsSeen.containsKey(t)) {
            tlsSeen.putIfAbsent(t, h.engine().getSession().getProtocol() + " " + h.engine().getSession().getCipherSuite());
        }
    }

    /** The protocol and cipher the first TLS session on each transport negotiated. */
    public Map<Transport, String> tlsSeen() { return tlsSeen; }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
