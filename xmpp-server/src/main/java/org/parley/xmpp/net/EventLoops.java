package org.parley.xmpp.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server's event loops: native epoll on Linux (no select() limit), NIO elsewhere. */
public final class EventLoops implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventLoops.class);
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final boolean epoll;
    private final HeldSockets held;

    static {
        // Netty samples one buffer allocation in 128 for leak tracking by default, each with a stack trace: about
        // 2% of the server's CPU in a MUC fan-out at moderate load (a buffer or two per delivery). Off unless asked
        // for with -Dio.netty.leakDetection.level=simple (or paranoid).
        if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    public EventLoops(int workerThreads) {
        this(workerThreads, HeldSockets.ofProcess());
    }

    /** @param held the listening sockets that exist before their listeners (systemd's, and those bound early) */
    public EventLoops(int workerThreads, HeldSockets held) {
        epoll = Epoll.isAvailable();
        this.held = held;
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

    private Class<? extends ServerChannel> serverChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * Binds {@code b}'s server channel to {@code address}, or takes the socket systemd holds on that address
     * or that this process bound at its start ({@link HeldSockets}), so that the port stays open across restarts and
     * starts. {@code b} has no channel type yet: this picks it.
     */
    public ChannelFuture bind(ServerBootstrap b, InetSocketAddress address) {
        io.netty.channel.ServerChannel socket = held.take(address);
        if (socket == null) return b.channel(serverChannel()).bind(address);
        log.debug("listener on {} takes the socket held for it", address);
        return b.channelFactory(() -> socket).register();
    }

    /**
     * Says which sockets systemd handed over that no listener took (a unit and a configuration that disagree), and
     * closes those this process bound that no listener took.
     */
    public void reportUnusedInherited() {
        held.reportUnused();
    }

    @Override
    public void close() {
        held.close();
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
