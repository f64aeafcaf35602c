package org.parley.xmpp.component;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.dom4j.Element;
import org.parley.xmpp.net.OutboundBacklog;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.StanzaRateLimiter;
import org.parley.xmpp.stream.InboundStanza;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.parley.xmpp.xml.StreamHeader;
import org.parley.xmpp.xml.XmlFramer;
import org.parley.xmpp.xml.XmlStreamException;
import org.parley.xmpp.xml.XmlStreamListener;
import org.parley.xmpp.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;

/**
 * One XEP-0114 component stream: the header names the component's domain, the handshake proves the shared
 * secret (hex SHA-1 of stream id + secret), then stanzas flow both ways. Everything the component sends
 * must come from its own domain. Lives on one event loop.
 */
final class ComponentConnection extends ChannelInboundHandlerAdapter implements XmlStreamListener {
    private static final Logger log = LoggerFactory.getLogger(ComponentConnection.class);
    static final String NS = "jabber:component:accept";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ServerContext server;
    private final ExternalComponents components;
    private final XmlFramer framer;
    private final StanzaRateLimiter rateLimiter;
    private Channel channel;
    private String streamId;
    private ComponentsConfig.Entry entry;
    private boolean authenticated;
    private boolean closing;
    private ScheduledFuture<?> handshakeTimer;

    ComponentConnection(ServerContext server, ExternalComponents components) {
        this.server = server;
        this.components = components;
        var limits = server.config().limits();
        this.framer = new XmlFramer(XmlFramer.Mode.STREAM, limits.xml(), this);
        // A component speaks for many users at once (an SFU for every participant), hence ten times a client.
        this.rateLimiter = new StanzaRateLimiter(limits.stanzasPerSecond() * 10, limits.stanzaBurst() * 10);
    }

    String domain() {
        return entry.domain();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        long timeout = server.config().limits().negotiationTimeout().toMillis();
        handshakeTimer = channel.eventLoop().schedule(() -> {
            if (!authenticated) fail(StreamErrorCondition.CONNECTION_TIMEOUT, "No handshake in time");
        }, timeout, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            if (!closing) framer.feed(buf.nioBuffer());
        } catch (XmlStreamException e) {
            fail(e.condition(), e.getMessage());
        } finally {
            buf.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) handshakeTimer.cancel(false);
        if (authenticated) {
            components.disconnected(this);
            log.info("component {} disconnected", entry.domain());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) fail(StreamErrorCondition.CONNECTION_TIMEOUT, "Idle for too long");
            else if (idle.state() == IdleState.WRITER_IDLE && authenticated && !closing) {
                channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {' '}));
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("component connection {} failed: {}", channel.remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void streamOpened(StreamHeader header) {
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        streamId = HexFormat.of().formatHex(id);
        String to = header.attributes().get("to");
        ComponentsConfig.Entry e = to == null ? null : components.config().entry(to.toLowerCase(java.util.Locale.ROOT));
        // No version attribute: XEP-0114 streams predate RFC 6120 negotiation, and components expect none.
        write("<?xml version='1.0'?><stream:stream xmlns='" + NS + "' xmlns:stream='http://etherx.jabber.org/streams'"
                + " id='" + streamId + "'" + (e == null ? "" : " from='" + e.domain() + "'") + ">");
        if (!NS.equals(header.defaultNamespace())) {
            fail(StreamErrorCondition.INVALID_NAMESPACE, "Expected " + NS);
        } else if (e == null) {
            fail(StreamErrorCondition.HOST_UNKNOWN, "No component is configured for " + to);
        } else {
            entry = e;
        }
    }

    @Override
    public void element(Element element) {
        if (closing) return;
        if (!authenticated) {
            handshake(element);
            return;
        }
        InboundStanza in = InboundStanza.read(element, NS);
        if (in.failed()) {
            fail(in.error(), in.reason());
            return;
        }
        long pause = rateLimiter.acquire(System.nanoTime());
        if (pause > 0) pauseReading(pause);
        Packet p = in.packet();
        JID from = in.from();
        JID to = in.to();
        if (from == null || !from.getDomain().equals(entry.domain())) {
            fail(StreamErrorCondition.INVALID_FROM, "Stanzas must come from " + entry.domain());
            return;
        }
        if (to == null) {
            fail(StreamErrorCondition.IMPROPER_ADDRESSING, "Stanzas need a 'to'");
            return;
        }
        server.router().route(p);
    }

    private void handshake(Element element) {
        if (entry == null || !"handshake".equals(element.getName())) {
            fail(StreamErrorCondition.NOT_AUTHORIZED, "Handshake first");
            return;
        }
        byte[] expected = HexFormat.of().formatHex(sha1(streamId + entry.secret())).getBytes(StandardCharsets.US_ASCII);
        byte[] given = element.getTextTrim().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, given)) {
            log.warn("component {} from {} failed the handshake", entry.domain(), channel.remoteAddress());
            fail(StreamErrorCondition.NOT_AUTHORIZED, "Wrong secret");
            return;
        }
        authenticated = true;
        handshakeTimer.cancel(false);
        // Registered before the answer goes out: a component may send (and be sent to) right after it.
        components.connected(this, entry.maxConnections());
        write("<handshake/>");
        log.info("component {} connected from {}", entry.domain(), channel.remoteAddress());
    }

    private static byte[] sha1(String s) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void streamClosed() {
        if (closing) return;
        write("</stream:stream>");
        closing = true;
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** A stanza for the component. Safe from any thread. */
    void send(Packet p) {
        String xml = XmlWriter.toXml(p.getElement(), Stanzas.CLIENT_NS);
        if (channel.eventLoop().inEventLoop()) sendNow(xml);
        else channel.eventLoop().execute(() -> sendNow(xml));
    }

    private void sendNow(String xml) {
        if (closing) return;
        if (OutboundBacklog.exceeded(channel, OutboundBacklog.COMPONENT_LIMIT)) {
            fail(StreamErrorCondition.RESOURCE_CONSTRAINT, "The component does not read what it is sent");
            return;
        }
        write(xml);
    }

    /** The same component connected again beyond its connection limit. */
    void replaced() {
        channel.eventLoop().execute(() -> fail(StreamErrorCondition.CONFLICT, "Replaced by a new connection"));
    }

    private void pauseReading(long millis) {
        if (!channel.config().isAutoRead()) return;
        channel.config().setAutoRead(false);
        channel.eventLoop().schedule(() -> channel.config().setAutoRead(true), millis, TimeUnit.MILLISECONDS);
    }

    private void write(String xml) {
        channel.writeAndFlush(ByteBufUtil.writeUtf8(channel.alloc(), xml), channel.voidPromise());
    }

    private void fail(StreamErrorCondition condition, String text) {
        if (closing) return;
        if (streamId == null) {
            write("<?xml version='1.0'?><stream:stream xmlns='" + NS + "' xmlns:stream='http://etherx.jabber.org/streams'>");
        }
        log.debug("component stream error {}: {}", condition.xmlName(), text);
        write(XmlWriter.streamError(condition, text) + "</stream:stream>");
        closing = true;
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
