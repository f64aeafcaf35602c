package org.parley.bench.load;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client session: negotiates the stream (STARTTLS when the transport asks for it, SASL ANONYMOUS, PLAIN or
 * SCRAM-SHA-256 / -1, or XEP-0077 registration, resource binding), then hands every stanza to its
 * {@link Listener}. It receives whole elements as strings (from {@link XmlSplitter} on TCP, one per WebSocket text
 * message otherwise) and reads them with {@link Xml}'s string search. All callbacks run on the channel's event
 * loop; {@link #send} may be called from any thread.
 */
public final class XmppClientHandler extends ChannelInboundHandlerAdapter {
    static final long NEGOTIATION_TIMEOUT_S = 60;
    private static final String FRAMING_NS = "urn:ietf:params:xml:ns:xmpp-framing";
    private static final String SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl";

    /** What a session reports; every method runs on its event loop. */
    public interface Listener {
        /** Negotiation is done: bound (or registered, for REGISTER). */
        void ready(XmppClientHandler client);

        /** Negotiation failed; called at most once, and never after {@link #ready}. */
        void failed(XmppClientHandler client, String why);

        /** A stanza (or other element) after {@link #ready}. */
        default void stanza(XmppClientHandler client, String xml) {}

        /** The connection closed after {@link #ready}. */
        default void closed(XmppClientHandler client) {}
    }

    private enum Step { CONNECTING, FEATURES, STARTTLS, SASL, REGISTER, BIND, READY, DONE }

    private final ClientSpec spec;
    private final Connector connector;
    private final Listener listener;
    final long startNanos = System.nanoTime();
    private long readyNanos;
    private volatile Channel channel;
    private ChannelHandlerContext ctx;
    private Step step = Step.CONNECTING;
    private boolean tls;
    private boolean authenticated;
    private ScramClient scram;
    private String mechanism;
    private String jid;
    private ScheduledFuture<?> timeout;
    /** Stream headers sent: 1 at first, 2 after STARTTLS or SASL, 3 after both. */
    private int opens;
    /** Free for the scenario: its per-session state. */
    public Object attachment;

    XmppClientHandler(ClientSpec spec, Connector connector, Listener listener) {
        this.spec = spec;
        this.connector = connector;
        this.listener = listener;
    }

    public ClientSpec spec() { return spec; }

    /** The full JID bound (null before, and for REGISTER). */
    public String jid() { return jid; }

    /** The SASL mechanism used (null before authentication). */
    public String mechanism() { return mechanism; }

    /** Nanoseconds from creation (just before connecting) to ready. */
    public long loginNanos() { return readyNanos - startNanos; }

    public Channel channel() { return channel; }

    public boolean isReady() { return step == Step.READY; }

    /** Writes and flushes one element, from any thread. */
    public void send(String xml) {
        Channel ch = channel;
        if (ch != null) ch.writeAndFlush(frame(ch, xml), ch.voidPromise());
    }

    /** Writes without flushing (call {@link #flush}), from any thread. */
    public void write(String xml) {
        Channel ch = channel;
        if (ch != null) ch.write(frame(ch, xml), ch.voidPromise());
    }

    public void flush() {
        Channel ch = channel;
        if (ch != null) ch.flush();
    }

    /** Ends the stream and closes the connection without waiting for the server's side. */
    public void close() {
        Channel ch = channel;
        if (ch == null) return;
        if (!ch.isActive()) {
            ch.close();
            return;
        }
        String end = spec.transport().webSocket() ? "<close xmlns='" + FRAMING_NS + "'/>" : XmlSplitter.STREAM_END;
        ch.writeAndFlush(frame(ch, end)).addListener(ChannelFutureListener.CLOSE);
    }

    private Object frame(Channel ch, String xml) {
        return spec.transport().webSocket()
                ? new TextWebSocketFrame(ByteBufUtil.writeUtf8(ch.alloc(), qualified(xml)))
                : ByteBufUtil.writeUtf8(ch.alloc(), xml);
    }

    /**
     * RFC 7395 has no stream-level default namespace: stanzas must say {@code jabber:client} themselves. Adds it
     * to a stanza written without a namespace.
     */
    static String qualified(String xml) {
        if (!(xml.startsWith("<iq") || xml.startsWith("<message") || xml.startsWith("<presence"))) return xml;
        int nameEnd = 1;
        while (nameEnd < xml.length() && " />".indexOf(xml.charAt(nameEnd)) < 0) nameEnd++;
        int tagEnd = Xml.rootTagEnd(xml);
        if (xml.substring(0, tagEnd).contains(" xmlns=")) return xml;
        return xml.substring(0, nameEnd) + " xmlns='jabber:client'" + xml.substring(nameEnd);
    }

    // ---- transport ------------------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            fail("no session after " + NEGOTIATION_TIMEOUT_S + " s (step " + step + ", stream header " + opens
                    + (tls ? ", TLS up" : "") + (authenticated ? ", authenticated" : "") + ")");
            ctx.close();
        }, NEGOTIATION_TIMEOUT_S, TimeUnit.SECONDS);
        // Plain TCP starts at once; TLS and WebSocket wait for their handshake event.
        if (spec.transport() == Transport.STARTTLS) open();
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (!hs.isSuccess()) {
                fail("TLS handshake: " + hs.cause());
                ctx.close();
            } else {
                tls = true;
                connector.noteTls(spec.transport(), ctx.pipeline().get(SslHandler.class));
                if (!spec.transport().webSocket()) open(); // for wss the WebSocket handshake comes next
            }
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            open();
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            fail("WebSocket handshake timed out");
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void open() {
        step = Step.FEATURES;
        opens++;
        String d = spec.domain();
        send(spec.transport().webSocket()
                ? "<open xmlns='" + FRAMING_NS + "' to='" + d + "' version='1.0'/>"
                : "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='"
                        + d + "' version='1.0'>");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        String el;
        if (msg instanceof String s) {
            el = s;
        } else if (msg instanceof TextWebSocketFrame f) {
            el = f.text();
            f.release();
        } else {
            io.netty.util.ReferenceCountUtil.release(msg); // pongs, close frames
            return;
        }
        if (step == Step.READY) {
            if (el.startsWith("<stream:error") || el.equals(XmlSplitter.STREAM_END) || isWsClose(el)) {
                ctx.close();
                return;
            }
            listener.stanza(this, el);
            return;
        }
        if (step == Step.DONE) return;
        try {
            negotiate(el);
        } catch (RuntimeException e) {
            fail("at step " + step + ": " + e + " on " + abbreviate(el));
            ctx.close();
        }
    }

    private static boolean isWsClose(String el) {
        return el.startsWith("<close") && Xml.named(el, "close");
    }

    private void negotiate(String el) {
        if (el.startsWith("<stream:stream") || el.startsWith("<open")) return; // the server's header
        if (el.startsWith("<stream:error") || el.equals(XmlSplitter.STREAM_END) || isWsClose(el)) {
            fail("stream closed at step " + step + ": " + abbreviate(el));
            ctx.close();
            return;
        }
        String name = Xml.name(el);
        if (name.endsWith("features")) {
            features(el);
        } else if (step == Step.STARTTLS && name.equals("proceed")) {
            SslHandler handler = connector.newSslHandler(channel, spec.domain());
            ctx.pipeline().addFirst("tls", handler);
        } else if (step == Step.SASL) {
            sasl(name, el);
        } else if (step == Step.REGISTER && name.equals("iq")) {
            String type = Xml.attr(el, "type");
            if ("result".equals(type) || el.contains("code='409'") || el.contains("code=\"409\"") || el.contains("<conflict")) {
                ready();
            } else {
                fail("registration refused: " + abbreviate(el));
                ctx.close();
            }
        } else if (step == Step.BIND && name.equals("iq")) {
            if (!"result".equals(Xml.attr(el, "type"))) {
                fail("bind: " + abbreviate(el));
                ctx.close();
                return;
            }
            jid = Xml.childText(el, "jid");
            ready();
        }
        // anything else during negotiation (an early presence, an SM request) is ignored
    }

    private void features(String el) {
        if (spec.transport() == Transport.STARTTLS && !tls) {
            if (!el.contains("<starttls")) {
                fail("no STARTTLS offered: " + abbreviate(el));
                ctx.close();
                return;
            }
            step = Step.STARTTLS;
            send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        } else if (!authenticated && spec.auth() == ClientSpec.Auth.REGISTER) {
            step = Step.REGISTER;
            send("<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>" + Xml.escape(spec.user())
                    + "</username><password>" + Xml.escape(spec.password()) + "</password></query></iq>");
        } else if (!authenticated) {
            step = Step.SASL;
            switch (spec.auth()) {
                case ANONYMOUS -> auth("ANONYMOUS", null);
                case PLAIN -> auth("PLAIN", java.util.Base64.getEncoder().encodeToString(
                        ("\0" + spec.user() + "\0" + spec.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                case SCRAM -> {
                    ScramClient.Hash hash = offers(el, "SCRAM-SHA-256") ? ScramClient.Hash.SHA_256 : ScramClient.Hash.SHA_1;
                    if (!offers(el, hash.mechanism)) {
                        fail("neither SCRAM-SHA-256 nor SCRAM-SHA-1 offered: " + abbreviate(el));
                        ctx.close();
                        return;
                    }
                    scram = new ScramClient(hash, spec.user(), spec.password());
                    auth(hash.mechanism, scram.first());
                }
                default -> throw new IllegalStateException();
            }
        } else {
            step = Step.BIND;
            send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        }
    }

    private static boolean offers(String features, String mechanism) {
        return features.contains(">" + mechanism + "<");
    }

    private void auth(String mech, String initial) {
        mechanism = mech;
        send("<auth xmlns='" + SASL_NS + "' mechanism='" + mech + "'>" + (initial == null ? "=" : initial) + "</auth>");
    }

    private void sasl(String name, String el) {
        switch (name) {
            case "challenge" -> {
                String data = Xml.text(el);
                if (scram == null) {
                    send("<response xmlns='" + SASL_NS + "'/>");
                } else if (new String(java.util.Base64.getDecoder().decode(data)).startsWith("v=")) {
                    if (!scram.verify(data)) throw new IllegalStateException("server signature does not match");
                    send("<response xmlns='" + SASL_NS + "'/>");
                } else {
                    send("<response xmlns='" + SASL_NS + "'>" + scram.answer(data) + "</response>");
                }
            }
            case "success" -> {
                String data = Xml.text(el);
                if (scram != null && !data.isEmpty() && !scram.verify(data)) {
                    throw new IllegalStateException("server signature does not match");
                }
                authenticated = true;
                open(); // stream restart
            }
            case "failure" -> {
                fail("SASL " + mechanism + " failure: " + abbreviate(el));
                ctx.close();
            }
            default -> { }
        }
    }

    private void ready() {
        step = Step.READY;
        readyNanos = System.nanoTime();
        if (timeout != null) timeout.cancel(false);
        listener.ready(this);
    }

    /** Counts this session as failed once, before it was ready; later calls are no-ops. */
    void fail(String why) {
        if (step == Step.READY || step == Step.DONE) return;
        step = Step.DONE;
        if (timeout != null) timeout.cancel(false);
        listener.failed(this, why);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (step == Step.READY) {
            step = Step.DONE;
            listener.closed(this);
        } else {
            fail("connection closed at step " + step);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail("exception at step " + step + ": " + cause);
        ctx.close();
    }

    static String abbreviate(CharSequence s) {
        return s.length() <= 300 ? s.toString() : s.subSequence(0, 300) + "...";
    }
}
