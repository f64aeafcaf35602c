package org.parley.xmpp.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.Mapping;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.parley.xmpp.config.ListenerConfig;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.tls.TlsBufferTrimmer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A client-to-server listener: 5222 (STARTTLS) or 5223 (direct TLS, XEP-0368). */
public final class C2sListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(C2sListener.class);
    private final Channel serverChannel;
    private final boolean directTls;

    private C2sListener(Channel serverChannel, boolean directTls) {
        this.serverChannel = serverChannel;
        this.directTls = directTls;
    }

    public static C2sListener bind(ListenerConfig config, boolean directTls, EventLoops loops, ServerContext server,
                                   Mapping<String, SslContext> tls, ConnectionLimiter limiter) throws InterruptedException {
        long idleSeconds = server.config().limits().idleTimeout().toSeconds();
        long keepaliveNanos = TimeUnit.SECONDS.toNanos(Math.max(30, idleSeconds / 2));
        var counter = new org.parley.xmpp.metrics.ConnectionCounter(server.metrics(),
                directTls ? org.parley.xmpp.metrics.ServerMetrics.ConnectionKind.TLS : org.parley.xmpp.metrics.ServerMetrics.ConnectionKind.TCP);
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
                        p.addLast("count", counter);
                        if (directTls) {
                            p.addLast("tls", new SniHandler(tls));
                            p.addLast("tls-trim", TlsBufferTrimmer.INSTANCE);
                        }
                        p.addLast("flush", new FlushConsolidationHandler(64, true));
                        // Reader idle only: the writer side is WhitespaceKeepalive's, which costs nothing per write.
                        p.addLast("idle", new IdleStateHandler(idleSeconds, 0, 0, TimeUnit.SECONDS));
                        p.addLast("xmpp", new TcpClientConnection(server, tls, directTls, limiter, keepaliveNanos));
                    }
                });
        Channel ch = loops.bind(b, new InetSocketAddress(config.bind(), config.port())).sync().channel();
        log.info("listening for clients on {} ({})", ch.localAddress(), directTls ? "direct TLS" : "STARTTLS");
        return new C2sListener(ch, directTls);
    }

    public int port() { return ((InetSocketAddress) serverChannel.localAddress()).getPort(); }

    public boolean directTls() { return directTls; }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
    }
}
