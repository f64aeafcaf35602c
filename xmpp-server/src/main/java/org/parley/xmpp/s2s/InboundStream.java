package org.parley.xmpp.s2s;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.dom4j.Element;
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
import org.xmpp.packet.PacketError;

/**
 * One incoming server-to-server stream. TLS first (direct, detected by the first byte, or STARTTLS, which is
 * required); then the peer authenticates domain pairs (remote, local): with SASL EXTERNAL for the stream's
 * {@code from} when its certificate validates for that domain, or with dialback, each {@code <db:result/>}
 * checked with the authoritative server (or accepted at once when the certificate validates, XEP-0344). The
 * stream also answers {@code <db:verify/>} for keys this node handed out. Stanzas are only taken for an
 * authenticated pair, and go to the router as from a local session. Lives on one event loop.
 */
final class InboundStream extends ChannelInboundHandlerAdapter implements XmlStreamListener {
    private static final Logger log = LoggerFactory.getLogger(InboundStream.class);
    private static final byte TLS_HANDSHAKE_RECORD = 0x16;

    private final S2s s2s;
    private final XmlFramer framer;
    private final StanzaRateLimiter rateLimiter;
    /** Authenticated pairs: remote domain to the local domains it may send to. */
    private final Map<String, Set<String>> authorized = new HashMap<>();
    /** Pairs whose dialback verification is under way, "remote local". */
    private final Set<String> pending = new HashSet<>();
    private final Map<String, Boolean> certificateCovers = new HashMap<>();
    private Channel channel;
    private boolean sawBytes;
    private boolean secure;
    private boolean headerSent;
    private boolean saslDone;
    private boolean servedVerify;
    private boolean closing;
    /**
     * This side closed in order (idle): the peer may have sent stanzas before it read our closing tag, and RFC 6120
     * (4.4) has us process what it sends until it closes too. Dropped, they were lost with no error to anyone.
     */
    private boolean draining;
    private String streamId;
    private String peerDomain;
    private String localDomain;
    private List<X509Certificate> peerChain = List.of();
    private ScheduledFuture<?> negotiationTimer;

    InboundStream(S2s s2s) {
        this.s2s = s2s;
        var limits = s2s.server().config().limits();
        this.framer = new XmlFramer(XmlFramer.Mode.STREAM, limits.xml(), this);
        // A server speaks for all its users at once, like a component.
        this.rateLimiter = new StanzaRateLimiter(limits.stanzasPerSecond() * 10, limits.stanzaBurst() * 10);
    }

    /** Authenticated remote domains, for tests and logs. */
    Set<String> authenticatedRemotes() { return Set.copyOf(authorized.keySet()); }

    // ---- Netty ----

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        s2s.inboundOpened(this);
        long wait = Math.max(s2s.server().config().limits().negotiationTimeout().toMillis(),
                s2s.config().connectTimeout().toMillis() + 5_000);
        negotiationTimer = channel.eventLoop().schedule(() -> {
            if (authorized.isEmpty() && pending.isEmpty() && !servedVerify) {
                fail(StreamErrorCondition.CONNECTION_TIMEOUT, "Nothing was negotiated in time");
            }
        }, wait, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        if (!sawBytes) {
            sawBytes = true;
            if (!secure && buf.isReadable() && buf.getByte(buf.readerIndex()) == TLS_HANDSHAKE_RECORD) {
                // Direct TLS (XEP-0368) on the same port: hand these bytes to a TLS handler put in front of us.
                ctx.pipeline().addBefore(ctx.name(), "tls", new SniHandler(s2s.tls().serverMapping()));
                ctx.pipeline().fireChannelRead(buf);
                return;
            }
        }
        try {
            if (!closing || draining) framer.feed(buf.nioBuffer());
        } catch (XmlStreamException e) {
            fail(e.condition(), e.getMessage());
        } finally {
            buf.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (!hs.isSuccess()) {
                log.debug("s2s TLS handshake with {} failed: {}", channel.remoteAddress(), hs.cause().toString());
                closing = true;
                channel.close();
                return;
            }
            secure = true;
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            peerChain = ssl == null ? List.of() : S2sTls.peerChain(ssl.engine());
        } else if (evt instanceof IdleStateEvent) {
            log.debug("s2s stream from {} idle; closing", peerDomain);
            close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (negotiationTimer != null) negotiationTimer.cancel(false);
        s2s.inboundClosed(this);
        if (!authorized.isEmpty()) log.info("s2s stream from {} closed", authorized.keySet());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("s2s connection {} failed: {}", channel.remoteAddress(), cause.toString());
        ctx.close();
    }

    // ---- framer ----

    @Override
    public void streamOpened(StreamHeader header) {
        streamId = S2sXml.newStreamId();
        String to = OutboundStream.lower(header.attribute("to"));
        String from = OutboundStream.lower(header.attribute("from"));
        boolean known = to != null && s2s.isLocal(to);
        write(S2sXml.header(known ? to : null, from, streamId, s2s.config().allowDialback()));
        headerSent = true;
        if (!XmlFramer.STREAM_NAMESPACE.equals(header.namespace()) || !S2sXml.SERVER_NS.equals(header.defaultNamespace())) {
            fail(StreamErrorCondition.INVALID_NAMESPACE, "Expected a jabber:server stream");
            return;
        }
        if (!known) {
            fail(StreamErrorCondition.HOST_UNKNOWN, to == null ? "The stream names no domain" : to + " is not served here");
            return;
        }
        if (!"1.0".equals(header.attribute("version"))) {
            fail(StreamErrorCondition.UNSUPPORTED_VERSION, "XMPP 1.0 streams only: every link must use TLS");
            return;
        }
        localDomain = to;
        peerDomain = from;
        StringBuilder f = new StringBuilder(256).append("<stream:features>");
        if (!secure) {
            f.append("<starttls xmlns='").append(S2sXml.TLS_NS).append("'><required/></starttls>");
        } else {
            if (!saslDone && from != null && certificateCovers(from)) {
                f.append("<mechanisms xmlns='").append(S2sXml.SASL_NS).append("'><mechanism>EXTERNAL</mechanism></mechanisms>");
            }
            if (s2s.config().allowDialback()) f.append("<dialback xmlns='").append(S2sXml.DIALBACK_FEATURE_NS).append("'><errors/></dialback>");
        }
        write(f.append("</stream:features>").toString());
    }

    @Override
    public void element(Element e) {
        String ns = e.getNamespaceURI();
        String name = e.getName();
        if (closing) {
            if (draining && S2sXml.SERVER_NS.equals(ns) && ("message".equals(name) || "presence".equals(name) || "iq".equals(name))) {
                stanza(e);
            }
            return;
        }
        if (!secure) {
            if (S2sXml.TLS_NS.equals(ns) && "starttls".equals(name)) {
                // The SNI handler only looks at inbound bytes: <proceed/> still leaves in the clear.
                channel.pipeline().addBefore("s2s-in", "tls", new SniHandler(s2s.tls().serverMapping()));
                write("<proceed xmlns='" + S2sXml.TLS_NS + "'/>");
                framer.reset();
            } else {
                fail(StreamErrorCondition.POLICY_VIOLATION, "STARTTLS first");
            }
            return;
        }
        if (S2sXml.SASL_NS.equals(ns) && "auth".equals(name)) {
            saslExternal(e);
        } else if (S2sXml.DIALBACK_NS.equals(ns) && "result".equals(name) && e.attributeValue("type") == null) {
            dialbackResult(e);
        } else if (S2sXml.DIALBACK_NS.equals(ns) && "verify".equals(name) && e.attributeValue("type") == null) {
            answerVerify(e);
        } else if (S2sXml.SERVER_NS.equals(ns) && ("message".equals(name) || "presence".equals(name) || "iq".equals(name))) {
            stanza(e);
        } else if (XmlFramer.STREAM_NAMESPACE.equals(ns) && "error".equals(name)) {
            log.info("s2s stream from {}: stream error {}", peerDomain, e.elements().isEmpty() ? "" : e.elements().get(0).getName());
            closing = true;
            channel.close();
        } else {
            fail(StreamErrorCondition.UNSUPPORTED_STANZA_TYPE, "Unexpected " + e.getQualifiedName());
        }
    }

    @Override
    public void streamClosed() {
        closeNow();
    }

    // ---- authentication ----

    private void saslExternal(Element auth) {
        if (saslDone || peerDomain == null || !"EXTERNAL".equals(auth.attributeValue("mechanism"))) {
            saslFailure("invalid-mechanism");
            return;
        }
        String authzid = auth.getTextTrim();
        if (!authzid.isEmpty() && !authzid.equals("=")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authzid), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException bad) {
                saslFailure("incorrect-encoding");
                return;
            }
            if (!decoded.equals(peerDomain)) {
                saslFailure("invalid-authzid");
                return;
            }
        }
        if (!certificateCovers(peerDomain)) {
            saslFailure("not-authorized");
            return;
        }
        saslDone = true;
        authorize(peerDomain, localDomain, "SASL EXTERNAL");
        write("<success xmlns='" + S2sXml.SASL_NS + "'/>");
        framer.reset();
    }

    private void saslFailure(String condition) {
        write("<failure xmlns='" + S2sXml.SASL_NS + "'><" + condition + "/></failure>");
    }

    private void dialbackResult(Element e) {
        String from = OutboundStream.lower(e.attributeValue("from"));
        String to = OutboundStream.lower(e.attributeValue("to"));
        String key = e.getTextTrim();
        if (from == null || to == null || key.isEmpty()) {
            fail(StreamErrorCondition.IMPROPER_ADDRESSING, "db:result needs from, to and a key");
            return;
        }
        if (!s2s.isLocal(to)) {
            write(S2sXml.dialbackError(to, from, "cancel", "item-not-found"));
            return;
        }
        if (s2s.isLocal(from) || S2sConfig.asciiDomain(from) == null) {
            write(S2sXml.dialbackError(to, from, "cancel", "forbidden"));
            return;
        }
        if (!s2s.config().allowDialback()) {
            write(S2sXml.dialbackError(to, from, "cancel", "policy-violation"));
            return;
        }
        if (isAuthorized(from, to)) {
            write(S2sXml.dialbackAnswer("result", "valid", to, from, null));
            return;
        }
        String pairKey = from + ' ' + to;
        if (!pending.add(pairKey)) return;
        if (certificateCovers(from)) {
            // XEP-0344: the certificate already proves the domain; no need to ask its server.
            pending.remove(pairKey);
            authorize(from, to, "dialback with a valid certificate");
            write(S2sXml.dialbackAnswer("result", "valid", to, from, null));
            return;
        }
        if (s2s.config().requireValidCertificates()) {
            pending.remove(pairKey);
            log.info("s2s stream from {}: refusing dialback for {}: its certificate does not validate", channel.remoteAddress(), from);
            write(S2sXml.dialbackError(to, from, "cancel", "policy-violation"));
            return;
        }
        String id = streamId;
        s2s.verify(channel.eventLoop(), to, from, id, key).thenAccept(result -> {
            pending.remove(pairKey);
            if (closing) return;
            if (result.error() != null) {
                write(S2sXml.dialbackError(to, from, "cancel", result.error().toXMPP()));
            } else if (result.valid()) {
                authorize(from, to, "dialback");
                write(S2sXml.dialbackAnswer("result", "valid", to, from, null));
            } else {
                log.warn("s2s stream from {}: dialback key for {} -> {} is not valid", channel.remoteAddress(), from, to);
                write(S2sXml.dialbackAnswer("result", "invalid", to, from, null));
            }
        });
    }

    /** We are the authoritative server: is the key one we would have made for this stream? */
    private void answerVerify(Element e) {
        String receiving = OutboundStream.lower(e.attributeValue("from"));
        String originating = OutboundStream.lower(e.attributeValue("to"));
        String id = e.attributeValue("id");
        if (receiving == null || originating == null || id == null) {
            fail(StreamErrorCondition.IMPROPER_ADDRESSING, "db:verify needs from, to and id");
            return;
        }
        servedVerify = true;
        boolean valid = s2s.isLocal(originating) && s2s.keys().valid(receiving, originating, id, e.getTextTrim());
        write(S2sXml.dialbackAnswer("verify", valid ? "valid" : "invalid", originating, receiving, id));
    }

    private boolean certificateCovers(String domain) {
        if (!secure || peerChain.isEmpty()) return false;
        return certificateCovers.computeIfAbsent(domain, d -> s2s.verifier().authenticates(peerChain, d));
    }

    private void authorize(String remote, String local, String how) {
        authorized.computeIfAbsent(remote, r -> new HashSet<>()).add(local);
        log.info("s2s stream from {} ({}) authenticated for {} -> {} by {}", remote, channel.remoteAddress(), remote, local, how);
    }

    private boolean isAuthorized(String remote, String local) {
        Set<String> locals = authorized.get(remote);
        return locals != null && locals.contains(local);
    }

    // ---- stanzas ----

    private void stanza(Element e) {
        InboundStanza in = InboundStanza.read(e, S2sXml.SERVER_NS);
        if (in.failed()) {
            fail(in.error(), in.reason());
            return;
        }
        long pause = rateLimiter.acquire(System.nanoTime());
        if (pause > 0) pauseReading(pause);
        Packet p = in.packet();
        JID from = in.from();
        JID to = in.to();
        if (from == null || to == null) {
            fail(StreamErrorCondition.IMPROPER_ADDRESSING, "Stanzas between servers need 'from' and 'to'");
            return;
        }
        if (!s2s.isLocal(to.getDomain())) {
            fail(StreamErrorCondition.HOST_UNKNOWN, to.getDomain() + " is not served here");
            return;
        }
        if (!isAuthorized(from.getDomain(), to.getDomain())) {
            log.info("s2s stream from {}: stanza from {} to {} on a pair not authenticated", channel.remoteAddress(),
                    from.getDomain(), to.getDomain());
            fail(StreamErrorCondition.INVALID_FROM, from.getDomain() + " is not authenticated for " + to.getDomain() + " on this stream");
            return;
        }
        s2s.server().router().route(p);
    }

    private void pauseReading(long millis) {
        if (!channel.config().isAutoRead()) return;
        channel.config().setAutoRead(false);
        channel.eventLoop().schedule(() -> channel.config().setAutoRead(true), millis, TimeUnit.MILLISECONDS);
    }

    // ---- output ----

    private void write(String xml) {
        if (closing) return;
        channel.writeAndFlush(ByteBufUtil.writeUtf8(channel.alloc(), xml), channel.voidPromise());
    }

    /**
     * Orderly close, from the event loop: our closing tag, then what the peer still sends is handled until it closes
     * its side ({@link #streamClosed}) or {@link #DRAIN_MILLIS} pass.
     */
    void close() {
        if (closing) return;
        writeClosingTag();
        closing = true;
        draining = true;
        channel.eventLoop().schedule(() -> channel.close(), DRAIN_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** How long an orderly close waits for the peer's closing tag. */
    static final long DRAIN_MILLIS = 10_000;

    /** Our closing tag (unless sent) and the connection's end, now: the peer closed, or this server stops. */
    private void closeNow() {
        if (!closing) writeClosingTag();
        closing = true;
        draining = false;
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Our closing tag, after a header of our own if we had not answered the peer's yet. */
    private void writeClosingTag() {
        if (!headerSent) write(S2sXml.header(null, null, S2sXml.newStreamId(), false));
        write("</stream:stream>");
    }

    /** Closes from any thread, at once (this server stops). */
    void closeLater() {
        if (channel != null) channel.eventLoop().execute(this::closeNow);
    }

    private void fail(StreamErrorCondition condition, String text) {
        if (closing) return;
        if (!headerSent) {
            write(S2sXml.header(null, null, S2sXml.newStreamId(), false));
            headerSent = true;
        }
        log.debug("s2s stream error {} to {}: {}", condition.xmlName(), channel.remoteAddress(), text);
        write(XmlWriter.streamError(condition, text) + "</stream:stream>");
        closing = true;
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
