package org.parley.xmpp.component;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.parley.xmpp.config.ListenerConfig;
import org.parley.xmpp.net.EventLoops;
import org.parley.xmpp.server.ServerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The XEP-0114 listener (5347 on loopback by default). */
public final class ComponentListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ComponentListener.class);
    private final Channel serverChannel;

    private ComponentListener(Channel serverChannel) {
        this.serverChannel = serverChannel;
    }

    public static ComponentListener bind(ListenerConfig config, EventLoops loops, ServerContext server) throws InterruptedException {
        long idleSeconds = server.config().limits().idleTimeout().toSeconds();
        var counter = new org.parley.xmpp.metrics.ConnectionCounter(server.metrics(), org.parley.xmpp.metrics.ServerMetrics.ConnectionKind.COMPONENT);
        ServerBootstrap b = new ServerBootstrap()
                .group(loops.acceptors(), loops.workers())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("count", counter);
                        ch.pipeline().addLast("idle", new IdleStateHandler(idleSeconds, Math.max(30, idleSeconds / 2), 0, TimeUnit.SECONDS));
                        ch.pipeline().addLast("component", new ComponentConnection(server, server.components()));
                    }
                });
        Channel ch = loops.bind(b, new InetSocketAddress(config.bind(), config.port())).sync().channel();
        log.info("listening for components on {}", ch.localAddress());
        return new ComponentListener(ch);
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
    }
}
