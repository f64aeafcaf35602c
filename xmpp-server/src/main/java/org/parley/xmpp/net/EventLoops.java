package org.parley.xmpp.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server's event loops: native epoll on Linux (no select() limit), NIO elsewhere. */
public final class EventLoops implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventLoops.class);
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final boolean epoll;

    public EventLoops(int workerThreads) {
        epoll = Epoll.isAvailable();
        if (epoll) {
            acceptors = new EpollEventLoopGroup(1, new DefaultThreadFactory("parley-accept"));
            workers = new EpollEventLoopGroup(workerThreads, new DefaultThreadFactory("parley-io"));
        } else {
            log.warn("native epoll unavailable ({}); using NIO", Epoll.unavailabilityCause() == null ? "not Linux" : Epoll.unavailabilityCause().getMessage());
            acceptors = new NioEventLoopGroup(1, new DefaultThreadFactory("parley-accept"));
            workers = new NioEventLoopGroup(workerThreads, new DefaultThreadFactory("parley-io"));
        }
    }

    public EventLoopGroup acceptors() { return acceptors; }
    public EventLoopGroup workers() { return workers; }
    public boolean epoll() { return epoll; }

    public Class<? extends ServerChannel> serverChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    @Override
    public void close() {
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
