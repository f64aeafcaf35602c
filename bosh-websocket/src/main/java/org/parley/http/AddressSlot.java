package org.parley.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.parley.xmpp.net.ConnectionLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one of its socket address's {@code max-connections-per-address} slots for as long as the connection is open,
 * whatever it carries (a request trickling in, an idle keep-alive, a WebSocket), and closes it before TLS or HTTP
 * cost anything when the address has none left. Trusted proxies carry many clients and are not counted here.
 */
final class AddressSlot extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AddressSlot.class);
    private final ConnectionLimiter limiter;
    private final ForwardedAddress forwarded;
    private InetAddress held;

    AddressSlot(ConnectionLimiter limiter, ForwardedAddress forwarded) {
        this.limiter = limiter;
        this.forwarded = forwarded;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress address = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        if (!forwarded.isTrusted(address)) {
            if (!limiter.tryAcquire(address)) {
                log.debug("refusing HTTP connection from {}: too many connections from that address", address);
                ctx.close();
                return;
            }
            held = address;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (held != null) limiter.release(held);
        held = null;
        ctx.fireChannelInactive();
    }
}
