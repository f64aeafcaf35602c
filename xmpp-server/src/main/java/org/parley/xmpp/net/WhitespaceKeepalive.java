package org.parley.xmpp.net;

import io.netty.channel.Channel;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A space sent to a client that was sent nothing for a whole period, so that a peer gone without a FIN is found
 * (the write fails). Unlike IdleStateHandler's writer-idle check, which puts a promise and a listener on every
 * write, a write here only sets a flag: the check runs once per period on the connection's event loop. A space
 * goes out between one and two periods after the last write. The check runs on the channel's event loop; the flag is
 * volatile because a write may come from another thread ({@code TcpClientConnection.write} does not hop to the loop).
 */
final class WhitespaceKeepalive implements Runnable {
    private final Channel channel;
    private final long periodNanos;
    private final BooleanSupplier wanted;
    private volatile boolean wrote;

    /** {@code wanted}: whether a space may go out now (the stream is secured and not closing). */
    WhitespaceKeepalive(Channel channel, long periodNanos, BooleanSupplier wanted) {
        this.channel = channel;
        this.periodNanos = periodNanos;
        this.wanted = wanted;
    }

    void start() {
        channel.eventLoop().schedule(this, periodNanos, TimeUnit.NANOSECONDS);
    }

    /** Something was written to the client. */
    void wrote() {
        // A read first: the volatile store (a fence on x86) happens once per period, not once per write.
        if (!wrote) wrote = true;
    }

    @Override
    public void run() {
        if (!channel.isActive()) return;
        if (!wrote && wanted.getAsBoolean()) channel.writeAndFlush(channel.alloc().buffer(1).writeByte(' '), channel.voidPromise());
        wrote = false;
        start();
    }
}
