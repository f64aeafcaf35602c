package org.parley.xmpp.s2s;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a remote domain on the resolver pool, then tries its addresses in order on one event loop until a TCP
 * connection is made; the stream handler made for that address takes over from there.
 */
final class Connector {
    private static final Logger log = LoggerFactory.getLogger(Connector.class);

    private Connector() {}

    /**
     * @param streams   makes the handler for an address
     * @param cancelled true once the caller gave up (timeout, shutdown): a late connection is closed at once
     * @param failed    called on {@code loop} with a reason when no address could be reached
     * @param connected called on {@code loop} with the channel of the connection made
     */
    static void connect(S2s s2s, EventLoop loop, String remote, Function<Resolver.Target, OutboundStream> streams,
                        BooleanSupplier cancelled, Consumer<String> failed, Consumer<Channel> connected) {
        try {
            s2s.resolverPool().execute(() -> {
                List<Resolver.Target> targets;
                try {
                    targets = s2s.resolver().resolve(remote);
                } catch (RuntimeException e) {
                    log.debug("resolving {} failed", remote, e);
                    targets = List.of();
                }
                List<Resolver.Target> found = targets;
                try {
                    loop.execute(() -> attempt(s2s, loop, remote, found, 0, streams, cancelled, failed, connected));
                } catch (RejectedExecutionException stopped) {
                    // The server stopped while the name was being resolved: nobody is left to tell.
                    log.debug("resolved {} after the server stopped", remote);
                }
            });
        } catch (RejectedExecutionException e) {
            loop.execute(() -> failed.accept("the server is shutting down"));
        }
    }

    private static void attempt(S2s s2s, EventLoop loop, String remote, List<Resolver.Target> targets, int i,
                                Function<Resolver.Target, OutboundStream> streams, BooleanSupplier cancelled,
                                Consumer<String> failed, Consumer<Channel> connected) {
        if (cancelled.getAsBoolean()) return;
        if (i >= targets.size()) {
            failed.accept(targets.isEmpty() ? remote + " does not resolve" : "no server for " + remote + " answers");
            return;
        }
        Resolver.Target target = targets.get(i);
        OutboundStream stream = streams.apply(target);
        long idleSeconds = Math.max(1, s2s.config().idleTimeout().toSeconds());
        var counter = new org.parley.xmpp.metrics.ConnectionCounter(s2s.server().metrics(), org.parley.xmpp.metrics.ServerMetrics.ConnectionKind.S2S);
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(s2s.channelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, s2s.config().connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("count", counter);
                        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS));
                        ch.pipeline().addLast("s2s-out", stream);
                    }
                });
        ChannelFuture f = b.connect(target.address());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                log.debug("s2s connect to {} ({}) failed: {}", target.address(), remote, String.valueOf(done.cause()));
                attempt(s2s, loop, remote, targets, i + 1, streams, cancelled, failed, connected);
            } else if (cancelled.getAsBoolean()) {
                f.channel().close();
            } else {
                connected.accept(f.channel());
            }
        });
    }
}
