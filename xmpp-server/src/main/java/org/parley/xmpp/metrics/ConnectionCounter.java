package org.parley.xmpp.metrics;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** First in a pipeline: counts the connection open while it is ({@code parley_connections{transport=...}}). */
@ChannelHandler.Sharable
public final class ConnectionCounter extends ChannelInboundHandlerAdapter {
    private final ServerMetrics metrics;
    private final ServerMetrics.ConnectionKind kind;

    public ConnectionCounter(ServerMetrics metrics, ServerMetrics.ConnectionKind kind) {
        this.metrics = metrics;
        this.kind = kind;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.connectionOpened(kind);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.connectionClosed(kind);
        ctx.fireChannelInactive();
    }
}
