package org.parley.xmpp.s2s;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.parley.xmpp.config.ListenerConfig;
import org.parley.xmpp.net.EventLoops;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server-to-server listener (5269): STARTTLS streams and direct TLS (XEP-0368) on the same port. */
final class S2sListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(S2sListener.class);
    private final Channel serverChannel;

    private S2sListener(Channel serverChannel) {
        this.serverChannel = serverChannel;
    }

    static S2sListener bind(ListenerConfig config, EventLoops loops, S2s s2s) throws InterruptedException {
        // Half as long again as outgoing links wait: the sending side, which knows whether it has more to say,
        // should be the one to close, so no stanza crosses a close coming the other way.
        long idleSeconds = Math.max(2, s2s.config().idleTimeout().toSeconds() * 3 / 2);
        var counter = new org.parley.xmpp.metrics.ConnectionCounter(s2s.server().metrics(), org.parley.xmpp.metrics.ServerMetrics.ConnectionKind.S2S);
        ServerBootstrap b = new ServerBootstrap()
                .group(loops.acceptors(), loops.workers())
                .option(ChannelOption.SO_BACKLOG, 256)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("count", counter);
                        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS));
                        ch.pipeline().addLast("s2s-in", new InboundStream(s2s));
                    }
                });
        Channel ch = loops.bind(b, new InetSocketAddress(config.bind(), config.port())).sync().channel();
        log.info("listening for servers on {}", ch.localAddress());
        return new S2sListener(ch);
    }

    int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
    }
}
