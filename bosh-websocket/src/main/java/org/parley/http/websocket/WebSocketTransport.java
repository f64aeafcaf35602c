package org.parley.http.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.dom4j.Element;
import org.parley.http.FrameParser;
import org.parley.xmpp.metrics.ServerMetrics;
import org.parley.xmpp.net.ConnectionLimiter;
import org.parley.xmpp.net.OutboundBacklog;
import org.parley.xmpp.net.ParserReleaseTimer;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.sasl.ChannelBindings;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.session.GatheredWrites;
import org.parley.xmpp.session.SharedStanza;
import org.parley.xmpp.session.StanzaRateLimiter;
import org.parley.xmpp.session.Transport;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.parley.xmpp.xml.XmlFramer;
import org.parley.xmpp.xml.XmlLimits;
import org.parley.xmpp.xml.XmlStreamException;
import org.parley.xmpp.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One XMPP stream over a WebSocket (RFC 7395): each text message is one element, {@code <open/>} and
 * {@code <close/>} in the framing namespace stand for the stream header and its end. Installed on the
 * channel once the upgrade handshake is done, and lives on its event loop.
 */
public final class WebSocketTransport extends ChannelInboundHandlerAdapter implements Transport {
    public static final String FRAMING_NS = "urn:ietf:params:xml:ns:xmpp-framing";
    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);
    private static final String CLOSE = "<close xmlns='" + FRAMING_NS + "'/>";
    /** How long to wait for the client's close frame after ours before dropping the connection. */
    private static final long CLOSE_GRACE_MILLIS = 2000;

    private final ServerContext server;
    private final ConnectionLimiter limiter;
    private final InetSocketAddress client;
    private final boolean secure;
    private final ChannelBindings bindings;
    private final String seeOtherUri;
    private final int maxMessageBytes;
    private final FrameParser parser;
    /** An idle WebSocket keeps no parser: between messages it holds nothing a new one could not rebuild. */
    private final ParserReleaseTimer parserRelease;
    /** The upgrade request's {@code ?token=} (Jitsi token auth), or null. */
    private final String authToken;
    /** The upgrade request's {@code ?previd=} (lib-jitsi-meet resuming), or null. */
    private final String resumeHint;
    /** {@code limits.bytes-per-second}, counted on every text frame's payload, as TCP counts every read. */
    private final StanzaRateLimiter bytes;
    private final GatheredWrites gathered = new GatheredWrites(true);
    private Channel channel;
    private ClientSession session;
    private CompositeByteBuf fragments;
    private boolean counted;
    private boolean closing;
    private boolean closeFrameSent;
    /** Past {@link OutboundBacklog#CLIENT_LIMIT} of output the client did not read: nothing more is written. */
    private boolean overflowed;
    private boolean pingOutstanding;
    private boolean opened;

    public WebSocketTransport(ServerContext server, ConnectionLimiter limiter, InetSocketAddress client, boolean secure,
                              ChannelBindings bindings, String seeOtherUri, XmlLimits xml, String authToken,
                              String resumeHint) {
        this.server = server;
        this.authToken = authToken;
        this.resumeHint = resumeHint;
        this.limiter = limiter;
        this.client = client;
        this.secure = secure;
        this.bindings = bindings;
        this.seeOtherUri = seeOtherUri == null || seeOtherUri.isEmpty() ? null : seeOtherUri;
        this.maxMessageBytes = xml.maxStanzaBytes();
        this.parser = new FrameParser(xml);
        this.parserRelease = new ParserReleaseTimer(parser::release);
        var limits = server.config().limits();
        this.bytes = new StanzaRateLimiter(limits.bytesPerSecond(), limits.byteBurst(), limits.throttleDisconnectAfter().toNanos());
    }

    // ---- Netty inbound ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        if (!limiter.tryAcquire(client.getAddress())) {
            log.debug("refusing WebSocket from {}: too many connections from that address", client);
            closeFrameSent = true;
            channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.POLICY_VIOLATION, "Too many connections"))
                    .addListener(ChannelFutureListener.CLOSE);
            closing = true;
            return;
        }
        counted = true;
        server.metrics().connectionOpened(ServerMetrics.ConnectionKind.WEBSOCKET);
        session = new ClientSession(server, this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        WebSocketFrame frame = (WebSocketFrame) msg;
        try {
            pingOutstanding = false;
            if (frame instanceof TextWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
                int n = frame.content().readableBytes();
                dataFrame(frame);
                throttle(n);
            } else if (frame instanceof PingWebSocketFrame) {
                channel.writeAndFlush(new PongWebSocketFrame(frame.content().retain()), channel.voidPromise());
            } else if (frame instanceof CloseWebSocketFrame close) {
                peerClosed(close);
            } else if (frame instanceof BinaryWebSocketFrame) {
                streamError(StreamErrorCondition.UNSUPPORTED_ENCODING, "XMPP over WebSocket uses text messages only");
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!closing) parserRelease.read(ctx);
        ctx.fireChannelReadComplete();
    }

    /** bytes-per-second: pause reading while over it; a client that stays over it is disconnected. */
    private void throttle(int n) {
        if (session == null || closing) return;
        long now = System.nanoTime();
        long pause = bytes.acquire(now, n);
        if (pause <= 0) return;
        server.metrics().limitHit(ServerMetrics.Limit.BYTES_PER_SECOND);
        if (bytes.flooding(now)) {
            server.metrics().limitHit(ServerMetrics.Limit.SUSTAINED_FLOOD);
            log.info("WebSocket {} sent too many bytes for too long; disconnecting", client);
            streamError(StreamErrorCondition.POLICY_VIOLATION, "Too much data for too long");
            return;
        }
        pauseReading(pause);
    }

    private void dataFrame(WebSocketFrame frame) {
        if (session == null || closing) return;
        boolean first = frame instanceof TextWebSocketFrame;
        if (first && fragments != null) {
            streamError(StreamErrorCondition.NOT_WELL_FORMED, "new message before the last one ended");
            return;
        }
        if (!first && fragments == null) {
            streamError(StreamErrorCondition.NOT_WELL_FORMED, "continuation without a message");
            return;
        }
        if (first && frame.isFinalFragment()) {
            message(frame.content());
            return;
        }
        if (fragments == null) fragments = channel.alloc().compositeBuffer(64);
        if (fragments.readableBytes() + frame.content().readableBytes() > maxMessageBytes) {
            releaseFragments();
            streamError(StreamErrorCondition.POLICY_VIOLATION, "message exceeds " + maxMessageBytes + " bytes");
            return;
        }
        fragments.addComponent(true, frame.content().retain());
        if (frame.isFinalFragment()) {
            CompositeByteBuf whole = fragments;
            fragments = null;
            try {
                message(whole);
            } finally {
                whole.release();
            }
        }
    }

    private void message(ByteBuf content) {
        Element e;
        try {
            e = parser.parse(content);
        } catch (XmlStreamException bad) {
            streamError(bad.condition(), bad.getMessage());
            return;
        }
        if (e == null) return;
        if (FRAMING_NS.equals(e.getNamespaceURI())) {
            switch (e.getName()) {
                case "open" -> {
                    if (seeOtherUri != null) {
                        seeOther();
                        return;
                    }
                    opened = true;
                    session.onStreamOpen(e.attributeValue("to"), e.attributeValue("version"), FrameParser.xmlLang(e),
                            Stanzas.CLIENT_NS);
                }
                case "close" -> session.onStreamClose();
                default -> streamError(StreamErrorCondition.INVALID_XML, "unknown framing element " + e.getName());
            }
            return;
        }
        if (XmlFramer.STREAM_NAMESPACE.equals(e.getNamespaceURI()) && "stream".equals(e.getName())) {
            streamError(StreamErrorCondition.INVALID_NAMESPACE, "RFC 7395 streams open with <open/>, not <stream:stream>");
            return;
        }
        if (!opened) {
            // Through onStreamError, so that the client gets our <open/> before the error, as RFC 6120 4.9.1.1 asks.
            streamError(StreamErrorCondition.NOT_AUTHORIZED, "The stream starts with <open/>");
            return;
        }
        session.onElement(e);
    }

    /**
     * A client that stops reading while others send to it (a frozen tab, a dead network nobody noticed yet) would hold
     * the server's memory without bound; as on TCP, past the limit its session ends with resource-constraint.
     */
    private boolean backlogExceeded() {
        if (overflowed) return true;
        if (!OutboundBacklog.exceeded(channel, OutboundBacklog.CLIENT_LIMIT)) return false;
        overflowed = true;
        log.info("WebSocket client {} does not read what it is sent; closing", client);
        if (session != null) session.onStreamError(StreamErrorCondition.RESOURCE_CONSTRAINT, "Too much output waiting for the client");
        else channel.close();
        return true;
    }

    private void streamError(StreamErrorCondition condition, String text) {
        if (session != null) session.onStreamError(condition, text);
    }

    private void seeOther() {
        log.debug("sending WebSocket client {} to {}", client, seeOtherUri);
        session.onDisconnect();
        write("<close xmlns='" + FRAMING_NS + "' see-other-uri='" + XmlWriter.escapeAttribute(seeOtherUri) + "'/>");
        closeWebSocket(WebSocketCloseStatus.NORMAL_CLOSURE);
    }

    private void peerClosed(CloseWebSocketFrame close) {
        if (closeFrameSent) {
            channel.close();
            return;
        }
        // The client ended the WebSocket without <close/>: echo its close frame as RFC 6455 asks, then go.
        writeGathered();
        closing = true;
        closeFrameSent = true;
        int status = close.statusCode() < 0 ? WebSocketCloseStatus.NORMAL_CLOSURE.code() : close.statusCode();
        channel.writeAndFlush(new CloseWebSocketFrame(status, null)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
            if (closing) {
                channel.close();
            } else if (pingOutstanding) {
                streamError(StreamErrorCondition.CONNECTION_TIMEOUT, "No answer to ping");
            } else {
                pingOutstanding = true;
                channel.writeAndFlush(new PingWebSocketFrame(), channel.voidPromise());
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseFragments();
        gathered.release();
        if (counted) {
            limiter.release(client.getAddress());
            server.metrics().connectionClosed(ServerMetrics.ConnectionKind.WEBSOCKET);
        }
        counted = false;
        if (session != null) session.onDisconnect();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseFragments();
        gathered.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException || (cause instanceof CorruptedWebSocketFrameException c
                && c.closeStatus() != null && c.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code())) {
            streamError(StreamErrorCondition.POLICY_VIOLATION, "message exceeds " + maxMessageBytes + " bytes");
        } else if (cause instanceof CorruptedFrameException) {
            log.debug("WebSocket protocol error from {}: {}", client, cause.toString());
            streamError(StreamErrorCondition.BAD_FORMAT, "WebSocket protocol error");
            if (session == null) ctx.close();
        } else {
            log.debug("WebSocket connection {} failed: {}", client, cause.toString());
            ctx.close();
        }
    }

    private void releaseFragments() {
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
    }

    // ---- Transport ----

    @Override
    public void openStream(String from, String id, String lang) {
        StringBuilder sb = new StringBuilder(160).append("<open xmlns='").append(FRAMING_NS).append('\'');
        if (from != null) sb.append(" from='").append(XmlWriter.escapeAttribute(from)).append('\'');
        if (id != null) sb.append(" id='").append(XmlWriter.escapeAttribute(id)).append('\'');
        sb.append(" version='1.0'");
        if (lang != null) sb.append(" xml:lang='").append(XmlWriter.escapeAttribute(lang)).append('\'');
        write(sb.append("/>").toString());
    }

    @Override
    public void send(String xml) {
        write(xml);
    }

    private void write(String xml) {
        if (closing || backlogExceeded()) return;
        writeGathered();
        // The pooled allocator: Unpooled.copiedBuffer (what TextWebSocketFrame(String) does) counts every buffer in
        // LongAdders that all event loops update.
        channel.writeAndFlush(new TextWebSocketFrame(ByteBufUtil.writeUtf8(channel.alloc(), xml)), channel.voidPromise());
    }

    /**
     * One message per stanza, as RFC 7395 has it. A MUC broadcast reaches here once per occupant: the serialized
     * halves are shared, and only this recipient's address is written between them, into one pooled buffer
     * (a String per recipient copied into a fresh unpooled buffer was most of a 1,000-occupant join storm's CPU).
     */
    @Override
    public void sendShared(SharedStanza stanza, String to) {
        gatherShared(stanza, to);
        writeGathered();
    }

    /** Written as ready-made text frames, past Netty's frame encoder, which would copy each into a buffer of its own. */
    @Override
    public void gatherShared(SharedStanza stanza, String to) {
        if (closing || backlogExceeded()) return;
        ByteBuf full = gathered.add(channel.alloc(), stanza, to, defaultNamespace());
        if (full != null) channel.writeAndFlush(full, channel.voidPromise());
    }

    @Override
    public void writeGathered() {
        ByteBuf frames = gathered.take();
        if (frames != null) channel.writeAndFlush(frames, channel.voidPromise());
    }

    @Override
    public void fail(StreamErrorCondition condition, String text) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> fail(condition, text));
            return;
        }
        if (closing) return;
        if (overflowed) {
            // Nothing more fits; the client will not read an error either.
            closing = true;
            channel.close();
            return;
        }
        write(withStreamPrefix(XmlWriter.streamError(condition, text)));
        write(CLOSE);
        closeWebSocket(condition == StreamErrorCondition.POLICY_VIOLATION
                ? WebSocketCloseStatus.POLICY_VIOLATION : WebSocketCloseStatus.NORMAL_CLOSURE);
    }

    /** Each message stands alone, so the stream prefix the TCP stream header declares must come along. */
    static String withStreamPrefix(String streamError) {
        return "<stream:error xmlns:stream='" + XmlFramer.STREAM_NAMESPACE + "'>"
                + streamError.substring("<stream:error>".length());
    }

    @Override
    public void close() {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(this::close);
            return;
        }
        if (closing) return;
        write(CLOSE);
        closeWebSocket(WebSocketCloseStatus.NORMAL_CLOSURE);
    }

    @Override
    public void drop() {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(this::drop);
            return;
        }
        if (closing) return;
        writeGathered();
        closing = true;
        closeFrameSent = true;
        // No close frame: the browser sees code 1006, as when its network goes, and lib-jitsi-meet resumes.
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    private void closeWebSocket(WebSocketCloseStatus status) {
        writeGathered();
        closing = true;
        if (closeFrameSent) return;
        closeFrameSent = true;
        channel.writeAndFlush(new CloseWebSocketFrame(status));
        // The client answers with its own close frame (which closes the connection in peerClosed); a client
        // that never does is dropped after a grace period.
        channel.eventLoop().schedule(() -> { channel.close(); }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override public boolean secure() { return secure; }

    @Override public boolean canStartTls() { return false; }

    @Override
    public void startTls(Runnable onSecured) {
        fail(StreamErrorCondition.UNSUPPORTED_FEATURE, "No STARTTLS over WebSocket; use wss://");
    }

    /** Each message is parsed on its own, so a new {@code <open/>} needs no parser reset. */
    @Override public void restartStream() { }

    @Override public ChannelBindings channelBindings() { return bindings; }

    @Override public InetSocketAddress remoteAddress() { return client; }

    @Override public EventExecutor executor() { return channel.eventLoop(); }

    @Override public String defaultNamespace() { return ""; }

    @Override
    public void attach(ClientSession resumed) {
        session = resumed;
    }

    @Override
    public void pauseReading(long millis) {
        if (!channel.config().isAutoRead()) return;
        channel.config().setAutoRead(false);
        channel.eventLoop().schedule(() -> channel.config().setAutoRead(true), millis, TimeUnit.MILLISECONDS);
    }

    @Override public String kind() { return "websocket"; }

    @Override public String authToken() { return authToken; }

    @Override public String resumeHint() { return resumeHint; }
}
