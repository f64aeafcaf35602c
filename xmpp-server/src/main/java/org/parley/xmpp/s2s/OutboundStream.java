package org.parley.xmpp.s2s;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.dom4j.Element;
import org.parley.xmpp.net.OutboundBacklog;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.parley.xmpp.xml.StreamHeader;
import org.parley.xmpp.xml.XmlFramer;
import org.parley.xmpp.xml.XmlStreamException;
import org.parley.xmpp.xml.XmlStreamListener;
import org.parley.xmpp.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.PacketError;

/**
 * Our side of one outgoing server-to-server connection, from {@code local} to {@code remote}: TLS (direct, or
 * STARTTLS, which must be offered), the server's certificate judged for the remote domain, then, for a link
 * that carries stanzas, SASL EXTERNAL when the peer offers it, else XEP-0220 dialback. A connection made to ask
 * the authoritative server about a dialback key stops after TLS. Tells its {@link Owner} how it went. Lives on
 * one event loop.
 */
final class OutboundStream extends ChannelInboundHandlerAdapter implements XmlStreamListener {
    private static final Logger log = LoggerFactory.getLogger(OutboundStream.class);

    /** Who uses the connection: a stanza link or a dialback verification. Called on the stream's event loop. */
    interface Owner {
        /** Ready: authenticated (stanza links) or secured (verification). */
        void negotiated(OutboundStream stream);

        /** Negotiation failed; the connection is being closed. */
        void failed(OutboundStream stream, PacketError.Condition condition, String why);

        /** The connection is gone (after {@link #negotiated} or {@link #failed}, or without either). */
        void closed(OutboundStream stream);

        /** The authoritative server's answer to a {@code <db:verify/>}. */
        default void verifyAnswered(String id, String from, String to, boolean valid) {}
    }

    private final S2s s2s;
    private final String local;
    private final String remote;
    private final boolean authenticate;
    private final boolean directTls;
    private final Owner owner;
    private final XmlFramer framer;
    private Channel channel;
    private String streamId;
    private boolean secure;
    private boolean certificateValid;
    private boolean dialbackOffered;
    private boolean saslTried;
    private boolean authenticated;
    private boolean negotiated;
    private boolean finished;
    private boolean closing;

    OutboundStream(S2s s2s, String local, String remote, boolean authenticate, boolean directTls, Owner owner) {
        this.s2s = s2s;
        this.local = local;
        this.remote = remote;
        this.authenticate = authenticate;
        this.directTls = directTls;
        this.owner = owner;
        var limits = s2s.server().config().limits();
        this.framer = new XmlFramer(XmlFramer.Mode.STREAM, limits.xml(), this);
    }

    String local() { return local; }
    String remote() { return remote; }
    boolean directTls() { return directTls; }
    /** True once this side or the peer began closing: nothing more can be sent. */
    boolean closing() { return closing; }

    /** How we were authenticated to the peer, for logs and tests: "SASL EXTERNAL", "dialback" or "none". */
    String method() { return method; }

    private boolean dialbackUsed;
    private String method = "none";

    // ---- Netty ----

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        if (directTls) addTls();
        else sendHeader();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            if (!closing) framer.feed(buf.nioBuffer());
        } catch (XmlStreamException e) {
            fail(e.condition(), e.getMessage(), PacketError.Condition.remote_server_not_found);
        } finally {
            buf.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (!hs.isSuccess()) {
                log.info("TLS with {} for {} failed: {}", channel.remoteAddress(), remote, hs.cause().toString());
                giveUp(PacketError.Condition.remote_server_not_found, "TLS handshake failed");
                channel.close();
                return;
            }
            secure = true;
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            List<X509Certificate> chain = S2sTls.peerChain(ssl.engine());
            certificateValid = s2s.verifier().authenticates(chain, remote);
            if (!certificateValid && s2s.config().requireValidCertificates()) {
                log.warn("s2s {} -> {}: the server's certificate does not validate for {}; refused", local, remote, remote);
                fail(StreamErrorCondition.POLICY_VIOLATION, "Your certificate does not validate for " + remote,
                        PacketError.Condition.remote_server_not_found);
                return;
            }
            framer.reset();
            sendHeader();
        } else if (evt instanceof IdleStateEvent) {
            if (negotiated) {
                log.debug("s2s {} -> {} idle; closing", local, remote);
                close();
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!negotiated) giveUp(PacketError.Condition.remote_server_not_found, "Connection closed during negotiation");
        owner.closed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("s2s connection to {} failed: {}", remote, cause.toString());
        ctx.close();
    }

    // ---- framer ----

    @Override
    public void streamOpened(StreamHeader header) {
        if (!XmlFramer.STREAM_NAMESPACE.equals(header.namespace()) || !S2sXml.SERVER_NS.equals(header.defaultNamespace())) {
            fail(StreamErrorCondition.INVALID_NAMESPACE, "Expected a jabber:server stream", PacketError.Condition.remote_server_not_found);
            return;
        }
        if (!"1.0".equals(header.attribute("version"))) {
            // Without stream features there is no TLS, and every link must be encrypted.
            fail(StreamErrorCondition.UNSUPPORTED_VERSION, "XMPP 1.0 streams only", PacketError.Condition.remote_server_not_found);
            return;
        }
        streamId = header.attribute("id");
        dialbackOffered = S2sXml.DIALBACK_NS.equals(header.namespaces().get("db"));
    }

    @Override
    public void element(Element e) {
        if (closing) return;
        String ns = e.getNamespaceURI();
        String name = e.getName();
        if (XmlFramer.STREAM_NAMESPACE.equals(ns) && "features".equals(name)) {
            features(e);
        } else if (XmlFramer.STREAM_NAMESPACE.equals(ns) && "error".equals(name)) {
            String condition = e.elements().isEmpty() ? "undefined" : e.elements().get(0).getName();
            log.info("s2s {} -> {}: stream error from the server: {}", local, remote, condition);
            giveUp(PacketError.Condition.remote_server_not_found, "Stream error " + condition);
            closing = true;
            channel.close();
        } else if (S2sXml.TLS_NS.equals(ns) && "proceed".equals(name) && !secure) {
            framer.reset();
            addTls();
        } else if (S2sXml.TLS_NS.equals(ns) && "failure".equals(name)) {
            giveUp(PacketError.Condition.remote_server_not_found, "STARTTLS refused");
            closing = true;
            channel.close();
        } else if (S2sXml.SASL_NS.equals(ns) && "success".equals(name) && saslTried && !authenticated) {
            authenticated = true;
            method = "SASL EXTERNAL";
            framer.reset();
            sendHeader();
        } else if (S2sXml.SASL_NS.equals(ns) && "failure".equals(name) && saslTried && !authenticated) {
            log.info("s2s {} -> {}: SASL EXTERNAL refused", local, remote);
            if (canDialback()) startDialback();
            else fail(StreamErrorCondition.NOT_AUTHORIZED, "Cannot authenticate", PacketError.Condition.remote_server_not_found);
        } else if (S2sXml.DIALBACK_NS.equals(ns) && "result".equals(name)) {
            dialbackResult(e);
        } else if (S2sXml.DIALBACK_NS.equals(ns) && "verify".equals(name)) {
            String type = e.attributeValue("type");
            owner.verifyAnswered(e.attributeValue("id"), lower(e.attributeValue("from")), lower(e.attributeValue("to")),
                    "valid".equals(type));
        } else {
            // Streams are one-way (no XEP-0288): stanzas on our outgoing stream are not for us to take.
            log.debug("s2s {} -> {}: ignoring {}", local, remote, e.getQualifiedName());
        }
    }

    @Override
    public void streamClosed() {
        if (!negotiated) giveUp(PacketError.Condition.remote_server_not_found, "Stream closed during negotiation");
        close();
    }

    private void features(Element f) {
        if (!secure) {
            if (f.element(org.dom4j.QName.get("starttls", S2sXml.TLS_NS)) == null) {
                fail(StreamErrorCondition.POLICY_VIOLATION, "TLS is required", PacketError.Condition.remote_server_not_found);
                return;
            }
            write("<starttls xmlns='" + S2sXml.TLS_NS + "'/>");
            return;
        }
        if (!authenticate || authenticated) {
            ready();
            return;
        }
        if (f.element(org.dom4j.QName.get("dialback", S2sXml.DIALBACK_FEATURE_NS)) != null) dialbackOffered = true;
        boolean external = false;
        Element mechanisms = f.element(org.dom4j.QName.get("mechanisms", S2sXml.SASL_NS));
        if (mechanisms != null) {
            for (Element m : mechanisms.elements()) if ("EXTERNAL".equals(m.getTextTrim())) external = true;
        }
        if (external && !saslTried) {
            saslTried = true;
            // RFC 6120 section 6.4.6 / XEP-0178: no authorization identity, the peer takes it from the stream's 'from'.
            write("<auth xmlns='" + S2sXml.SASL_NS + "' mechanism='EXTERNAL'>=</auth>");
        } else if (canDialback()) {
            startDialback();
        } else {
            fail(StreamErrorCondition.NOT_AUTHORIZED, "No way to authenticate " + local + " to " + remote,
                    PacketError.Condition.remote_server_not_found);
        }
    }

    private boolean canDialback() {
        return dialbackOffered && s2s.config().allowDialback() && streamId != null;
    }

    private void startDialback() {
        dialbackUsed = true;
        write(S2sXml.dialbackRequest("result", local, remote, null, s2s.keys().key(remote, local, streamId)));
    }

    private void dialbackResult(Element e) {
        if (!dialbackUsed || authenticated) return;
        if (!local.equals(lower(e.attributeValue("to"))) || !remote.equals(lower(e.attributeValue("from")))) return;
        String type = e.attributeValue("type");
        if ("valid".equals(type)) {
            authenticated = true;
            method = "dialback";
            ready();
        } else {
            log.warn("s2s {} -> {}: dialback {}", local, remote, type == null ? "answer without a type" : type);
            fail(null, null, PacketError.Condition.remote_server_not_found);
        }
    }

    private void ready() {
        if (negotiated) return;
        negotiated = true;
        finished = true;
        owner.negotiated(this);
    }

    // ---- output ----

    /** A serialized stanza or dialback element; on the event loop. */
    void send(String xml) {
        if (closing) return;
        if (OutboundBacklog.exceeded(channel, OutboundBacklog.COMPONENT_LIMIT)) {
            log.warn("s2s {} -> {}: the server does not read what it is sent; closing", local, remote);
            fail(StreamErrorCondition.RESOURCE_CONSTRAINT, "Too much output waiting", PacketError.Condition.remote_server_timeout);
            return;
        }
        write(xml);
    }

    private void sendHeader() {
        write(S2sXml.header(local, remote, null, s2s.config().allowDialback()));
    }

    private void addTls() {
        try {
            SslHandler tls = s2s.tls().client(local).newHandler(channel.alloc(), remote, ((java.net.InetSocketAddress) channel.remoteAddress()).getPort());
            SSLEngine engine = tls.engine();
            try {
                SSLParameters p = engine.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(remote)));
                engine.setSSLParameters(p);
            } catch (IllegalArgumentException notAHostName) {
                // No SNI for names SNI cannot carry.
            }
            channel.pipeline().addFirst("tls", tls);
        } catch (SSLException e) {
            log.warn("s2s {} -> {}: cannot start TLS: {}", local, remote, e.toString());
            giveUp(PacketError.Condition.remote_server_not_found, "TLS setup failed");
            closing = true;
            channel.close();
        }
    }

    private void write(String xml) {
        channel.writeAndFlush(ByteBufUtil.writeUtf8(channel.alloc(), xml), channel.voidPromise());
    }

    /** Closes the stream in an orderly way. Safe from the event loop only. */
    void close() {
        if (closing || channel == null) return;
        closing = true;
        write("</stream:stream>");
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes from any thread. */
    void closeLater() {
        if (channel == null) return;
        channel.eventLoop().execute(this::close);
    }

    private void fail(StreamErrorCondition condition, String text, PacketError.Condition bounce) {
        giveUp(bounce, text == null ? "refused" : text);
        if (closing) return;
        closing = true;
        if (condition != null) write(XmlWriter.streamError(condition, text));
        write("</stream:stream>");
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Reports a failed negotiation once. */
    private void giveUp(PacketError.Condition condition, String why) {
        if (finished) return;
        finished = true;
        owner.failed(this, condition, why);
    }

    static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
