package org.parley.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.net.InetSocketAddress;
import org.parley.xmpp.net.EventLoops;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One bound HTTP socket (plain or TLS) serving both XMPP transports on the server's event loops. */
final class HttpListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpListener.class);
    private final Channel serverChannel;
    private final boolean tls;

    private HttpListener(Channel serverChannel, boolean tls) {
        this.serverChannel = serverChannel;
        this.tls = tls;
    }

    static HttpListener bind(HttpConfig.Listener listener, boolean tls, HttpTransports http, EventLoops loops,
                             Mapping<String, SslContext> sni) throws InterruptedException {
        HttpConfig config = http.config();
        long requestNanos = config.requestTimeout().toNanos();
        long keepAliveNanos = config.keepAliveTimeout().toNanos();
        ServerBootstrap b = new ServerBootstrap()
                .group(loops.acceptors(), loops.workers())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        var p = ch.pipeline();
                        p.addLast("slot", new AddressSlot(http.connectionLimiter(), config.forwarded()));
                        if (tls) p.addLast("tls", new SniHandler(sni));
                        p.addLast(RequestDeadline.NAME, new RequestDeadline(requestNanos, keepAliveNanos));
                        p.addLast("http", new HttpServerCodec());
                        p.addLast("aggregator", new BodyLimit(config.bosh().maxBodyBytes(), config.cors()));
                        p.addLast("router", new HttpRouter(http, tls, listener.secure()));
                    }
                });
        Channel ch = loops.bind(b, new InetSocketAddress(listener.bind(), listener.port())).sync().channel();
        log.info("listening for HTTP on {} ({}{}): WebSocket {}, BOSH {}", ch.localAddress(), tls ? "TLS" : "plain",
                !tls && listener.secure() ? ", behind a TLS proxy" : "",
                config.websocket().enabled() ? config.websocket().path() : "off",
                config.bosh().enabled() ? config.bosh().path() : "off");
        return new HttpListener(ch, tls);
    }

    int port() { return ((InetSocketAddress) serverChannel.localAddress()).getPort(); }

    boolean tls() { return tls; }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
    }
}
