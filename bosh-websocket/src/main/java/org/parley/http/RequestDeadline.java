package org.parley.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the time a connection may hold a slot without giving the server work: its first request, and each request
 * from its first byte, must arrive whole within {@code request-timeout}; between requests the connection may sit
 * idle for {@code keep-alive-timeout}. While the router serves a request (a BOSH request held for up to max-wait
 * included) nothing is timed. Sits below the HTTP codec, so a request trickled byte by byte, headers or body, is
 * timed from its first byte.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
    static final String NAME = "deadline";
    private static final Logger log = LoggerFactory.getLogger(RequestDeadline.class);
    private static final byte[] TIMED_OUT = ("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final long requestNanos;
    private final long keepAliveNanos;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private boolean serving;
    private boolean receiving;
    /** Before the first byte: timed from the connection's opening, not from that byte. */
    private boolean opening;

    RequestDeadline(long requestNanos, long keepAliveNanos) {
        this.requestNanos = requestNanos;
        this.keepAliveNanos = keepAliveNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        opening = true;
        arm(requestNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!serving && !receiving) {
            receiving = true;
            if (!opening) arm(requestNanos);
        }
        opening = false;
        ctx.fireChannelRead(msg);
    }

    /** A whole request went to the router: the server's turn, untimed. Bytes arriving meanwhile are pipelined. */
    void serving() {
        opening = false;
        serving = true;
        receiving = false;
        cancel();
    }

    /** The last request is answered and none waits: the connection idles until the client starts another. */
    void idle() {
        serving = false;
        receiving = false;
        arm(keepAliveNanos);
    }

    private void arm(long nanos) {
        cancel();
        timer = ctx.executor().schedule(this::expire, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) timer.cancel(false);
        timer = null;
    }

    private void expire() {
        timer = null;
        if (serving || !ctx.channel().isActive()) return;
        if (receiving) {
            log.debug("HTTP connection {}: request not complete within {} ms, closing", ctx.channel().remoteAddress(),
                    TimeUnit.NANOSECONDS.toMillis(requestNanos));
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMED_OUT)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }
}
