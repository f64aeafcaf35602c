package org.parley.xmpp.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.Mapping;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.dom4j.Element;
import org.parley.xmpp.metrics.ServerMetrics;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.sasl.ChannelBindings;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.session.GatheredWrites;
import org.parley.xmpp.session.SharedStanza;
import org.parley.xmpp.session.StanzaRateLimiter;
import org.parley.xmpp.session.Transport;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.parley.xmpp.tls.TlsBufferTrimmer;
import org.parley.xmpp.tls.TlsChannelBindings;
import org.parley.xmpp.tls.TlsExporter;
import org.parley.xmpp.xml.StreamHeader;
import org.parley.xmpp.xml.XmlFramer;
import org.parley.xmpp.xml.XmlStreamException;
import org.parley.xmpp.xml.XmlStreamListener;
import org.parley.xmpp.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client TCP connection (5222 with STARTTLS, 5223 with direct TLS): bytes to the XML framer, framer
 * events to the {@link ClientSession}, and the session's output back to bytes. Lives on one event loop.
 */
final class TcpClientConnection extends ChannelInboundHandlerAdapter implements Transport, XmlStreamListener {
    private static final Logger log = LoggerFactory.getLogger(TcpClientConnection.class);

    private final ServerContext server;
    private final Mapping<String, SslContext> tls;
    private final boolean directTls;
    private final ConnectionLimiter limiter;
    private final XmlFramer framer;
    /** bytes-per-second, counted on every read. */
    private final StanzaRateLimiter bytes;
    private final GatheredWrites gathered = new GatheredWrites(false);
    private Channel channel;
    /** Replaced when stream management resumes another session over this connection; read by the loop. */
    private volatile ClientSession session;
    private boolean secure;
    private boolean counted;
    private boolean closing;
    private boolean overflowed;
    private Runnable onSecured;
    private ChannelBindings bindings = ChannelBindings.NONE;
    private final ParserReleaseTimer parserRelease;
    private final long keepaliveNanos;
    private WhitespaceKeepalive keepalive;

    TcpClientConnection(ServerContext server, Mapping<String, SslContext> tls, boolean directTls, ConnectionLimiter limiter,
                        long keepaliveNanos) {
        this.server = server;
        this.keepaliveNanos = keepaliveNanos;
        this.tls = tls;
        this.directTls = directTls;
        this.limiter = limiter;
        var limits = server.config().limits();
        this.framer = new XmlFramer(XmlFramer.Mode.STREAM, limits.xml(), this);
        this.parserRelease = new ParserReleaseTimer(framer::release);
        this.bytes = new StanzaRateLimiter(limits.bytesPerSecond(), limits.byteBurst(), limits.throttleDisconnectAfter().toNanos());
    }

    // ---- Netty inbound ----

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        if (!limiter.tryAcquire(remoteAddress().getAddress())) {
            log.debug("refusing {}: too many connections from that address", remoteAddress());
            channel.close();
            return;
        }
        counted = true;
        session = new ClientSession(server, this);
        keepalive = new WhitespaceKeepalive(channel, keepaliveNanos, () -> secure && !closing);
        keepalive.start();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            if (session == null || closing) return;
            int n = buf.readableBytes();
            framer.feed(buf.nioBuffer());
            throttle(n);
        } catch (XmlStreamException e) {
            ClientSession s = session;
            if (s != null) s.onStreamError(e.condition(), e.getMessage());
        } finally {
            buf.release();
        }
    }

    /** bytes-per-second: pause reading while over it; a client that stays over it is disconnected. */
    private void throttle(int n) {
        long now = System.nanoTime();
        long pause = bytes.acquire(now, n);
        if (pause <= 0 || closing) return;
        server.metrics().limitHit(ServerMetrics.Limit.BYTES_PER_SECOND);
        ClientSession s = session;
        if (bytes.flooding(now) && s != null) {
            server.metrics().limitHit(ServerMetrics.Limit.SUSTAINED_FLOOD);
            log.info("{} sent too many bytes for too long; disconnecting", remoteAddress());
            s.onStreamError(StreamErrorCondition.POLICY_VIOLATION, "Too much data for too long");
            return;
        }
        pauseReading(pause);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!closing) parserRelease.read(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (!hs.isSuccess()) {
                SslHandler failed = channel.pipeline().get(SslHandler.class);
                if (failed != null) TlsExporter.discard(failed.engine());
                log.debug("TLS handshake with {} failed: {}", remoteAddress(), hs.cause().toString());
                channel.close();
                return;
            }
            secure = true;
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            bindings = ssl == null ? ChannelBindings.NONE : TlsChannelBindings.of(ssl.engine());
            Runnable r = onSecured;
            onSecured = null;
            if (r != null) r.run();
        } else if (evt instanceof IdleStateEvent idle) {
            ClientSession s = session;
            if (idle.state() == IdleState.READER_IDLE && s != null) {
                s.onStreamError(StreamErrorCondition.CONNECTION_TIMEOUT, "Idle for too long");
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        gathered.release();
        if (counted) limiter.release(remoteAddress().getAddress());
        counted = false;
        ClientSession s = session;
        if (s != null) s.onDisconnect();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection {} failed: {}", remoteAddress(), cause.toString());
        ctx.close();
    }

    // ---- framer events ----

    @Override
    public void streamOpened(StreamHeader header) {
        var a = header.attributes();
        ClientSession s = session;
        if (s != null) s.onStreamOpen(a.get("to"), a.get("version"), a.get("xml:lang"), header.defaultNamespace());
    }

    @Override
    public void element(Element element) {
        ClientSession s = session;
        if (s != null) s.onElement(element);
    }

    @Override
    public void streamClosed() {
        ClientSession s = session;
        if (s != null) s.onStreamClose();
    }

    // ---- Transport ----

    @Override
    public void openStream(String from, String id, String lang) {
        write(XmlWriter.streamHeader("jabber:client", from, null, id, lang));
    }

    @Override
    public void send(String xml) {
        write(xml);
    }

    private void write(String xml) {
        if (closing || backlogExceeded()) return;
        writeGathered();
        keepalive.wrote();
        channel.writeAndFlush(ByteBufUtil.writeUtf8(channel.alloc(), xml), channel.voidPromise());
    }

    /**
     * A client that stops reading while others send to it: past the limit the session ends with
     * resource-constraint, and what is queued is dropped rather than held.
     */
    private boolean backlogExceeded() {
        if (overflowed) return true;
        if (!OutboundBacklog.exceeded(channel, OutboundBacklog.CLIENT_LIMIT)) return false;
        overflowed = true;
        log.info("{} does not read what it is sent; closing", remoteAddress());
        ClientSession s = session;
        if (s != null) s.onStreamError(StreamErrorCondition.RESOURCE_CONSTRAINT, "Too much output waiting for the client");
        else channel.close();
        return true;
    }

    @Override
    public void fail(StreamErrorCondition condition, String text) {
        if (closing) return;
        if (overflowed) {
            // Nothing more fits; the peer will not read an error either.
            closing = true;
            channel.close();
            return;
        }
        write(XmlWriter.streamError(condition, text) + "</stream:stream>");
        closing = true;
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void close() {
        if (closing) return;
        write("</stream:stream>");
        closing = true;
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
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
        // What was written before still goes out; then the connection ends with nothing more.
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override public boolean secure() { return secure; }

    @Override public boolean canStartTls() { return !directTls && !secure; }

    @Override
    public void startTls(Runnable onSecured) {
        this.onSecured = onSecured;
        // The SNI handler only inspects inbound bytes, so <proceed/> written after it is added still goes out
        // in the clear, and the ClientHello that follows can never overtake it.
        channel.pipeline().addFirst("tls", new SniHandler(tls)).addAfter("tls", "tls-trim", TlsBufferTrimmer.INSTANCE);
        write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    }

    @Override public void restartStream() { framer.reset(); }

    @Override public ChannelBindings channelBindings() { return bindings; }

    @Override public InetSocketAddress remoteAddress() { return (InetSocketAddress) channel.remoteAddress(); }

    @Override public EventExecutor executor() { return channel.eventLoop(); }

    @Override public String defaultNamespace() { return Stanzas.CLIENT_NS; }

    @Override
    public void sendShared(SharedStanza stanza, String to) {
        gatherShared(stanza, to);
        writeGathered();
    }

    @Override
    public void gatherShared(SharedStanza stanza, String to) {
        if (closing || backlogExceeded()) return;
        keepalive.wrote();
        ByteBuf full = gathered.add(channel.alloc(), stanza, to, Stanzas.CLIENT_NS);
        if (full != null) channel.writeAndFlush(full, channel.voidPromise());
    }

    @Override
    public void writeGathered() {
        ByteBuf stanzas = gathered.take();
        if (stanzas != null) channel.writeAndFlush(stanzas, channel.voidPromise());
    }

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

    @Override public String kind() { return directTls ? "tls" : "tcp"; }
}
