package org.parley.xmpp.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * How much a connection has queued but not yet written to its socket. A peer that stops reading while
 * others keep sending to it (a slow client, a flood from a component) would otherwise hold the server's
 * memory without bound; past the limit the connection is closed instead.
 */
public final class OutboundBacklog {
    /** Bytes a client connection may have waiting for its socket. */
    public static final long CLIENT_LIMIT = 4L * 1024 * 1024;
    /** Components carry whole conferences' signalling, so they get more room. */
    public static final long COMPONENT_LIMIT = 16L * 1024 * 1024;

    private OutboundBacklog() {}

    /** Call on the channel's event loop, before writing. */
    public static boolean exceeded(Channel channel, long limit) {
        if (channel.isWritable()) return false;
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer != null && buffer.totalPendingWriteBytes() > limit;
    }
}
