package org.parley.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One client session's negotiation once its transport is up: stream open, SASL ANONYMOUS, stream restart,
 * resource bind, optionally XEP-0198 enable (with resumption, as lib-jitsi-meet asks), initial presence; then it
 * sits idle, dropping whatever arrives except the server's XEP-0198 ack requests, which it answers. The transport decides how the
 * stream opens and how an element travels: {@link Tls} (XEP-0368 direct TLS, one XML stream over TLS) or
 * {@link WebSocket} (RFC 7395, one element per text message).
 */
abstract class LoginHandler extends ChannelInboundHandlerAdapter {
    static final String HOST = "localhost";
    static final long TIMEOUT_MS = 60_000;
    private static final String AUTH = "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>";
    private static final String SASL_RESPONSE = "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";

    static final String SM_NS = "urn:xmpp:sm:3";
    private static final String SM_ENABLE = "<enable xmlns='" + SM_NS + "' resume='true'/>";

    private enum Step { CONNECTING, FEATURES, SASL, FEATURES_AFTER_AUTH, BIND, SM_ENABLE, READY, DONE }

    private final SessionBatch batch;
    private final boolean streamManagement;
    /** XEP-0198: stanzas received since {@code <enabled/>}, the h of our answers to {@code <r/>}. */
    private long handled;
    private Step step = Step.CONNECTING;
    private StringBuilder text = new StringBuilder(512);
    private io.netty.util.concurrent.ScheduledFuture<?> timeout;

    LoginHandler(SessionBatch batch, boolean streamManagement) {
        this.batch = batch;
        this.streamManagement = streamManagement;
    }

    /** The stream header, sent first and again after SASL success. */
    abstract String open();

    abstract String bind();

    abstract String presence();

    /** What ends the stream: {@code </stream:stream>}, or RFC 7395's {@code <close/>}. */
    abstract String closeStream();

    /** The message for {@code xml} as this transport writes it. */
    abstract Object frame(ChannelHandlerContext ctx, String xml);

    /** The text carried by an inbound message, or null when it is none of the stream's (released by the caller). */
    abstract String text(Object msg);

    /** Whether the stream text so far shows the server closing the stream. */
    abstract boolean streamClosed(StringBuilder text);

    /** The transport's own handshake is done (or failed, with a reason): the XMPP stream starts. */
    final void transportUp(ChannelHandlerContext ctx, String failure) {
        if (failure != null) {
            failed(failure);
            ctx.close();
            return;
        }
        step = Step.FEATURES;
        send(ctx, open());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            failed("no session after " + TIMEOUT_MS / 1000 + " s (step " + step + ")");
            ctx.close();
        }, TIMEOUT_MS, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        String in;
        try {
            if (step == Step.DONE || (step == Step.READY && !streamManagement)) return; // idle: drop whatever comes
            in = text(msg);
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (in == null) return;
        if (step == Step.READY) {
            idleStreamManagement(ctx, in);
            return;
        }
        text.append(in);
        if (text.indexOf("<stream:error") >= 0 || streamClosed(text)) {
            failed("stream error at step " + step + ": " + abbreviate(text));
            ctx.close();
            return;
        }
        switch (step) {
            case FEATURES -> {
                if (text.indexOf("</stream:features>") >= 0) next(ctx, Step.SASL, AUTH);
            }
            case SASL -> {
                if (text.indexOf("<success") >= 0) {
                    next(ctx, Step.FEATURES_AFTER_AUTH, open());
                } else if (text.indexOf("<challenge") >= 0 && text.indexOf("</challenge>") >= 0) {
                    next(ctx, Step.SASL, SASL_RESPONSE);
                } else if (text.indexOf("</failure>") >= 0) {
                    failed("SASL failure: " + abbreviate(text));
                    ctx.close();
                }
            }
            case FEATURES_AFTER_AUTH -> {
                if (text.indexOf("</stream:features>") >= 0) next(ctx, Step.BIND, bind());
            }
            case BIND -> {
                if (text.indexOf("</iq>") >= 0) {
                    if (text.indexOf("type='error'") >= 0 || text.indexOf("type=\"error\"") >= 0) {
                        failed("bind: " + abbreviate(text));
                        ctx.close();
                        return;
                    }
                    if (streamManagement) next(ctx, Step.SM_ENABLE, SM_ENABLE);
                    else ready(ctx);
                }
            }
            case SM_ENABLE -> {
                if (text.indexOf("<enabled") >= 0) {
                    ready(ctx);
                } else if (text.indexOf("<failed") >= 0) {
                    failed("XEP-0198 enable: " + abbreviate(text));
                    ctx.close();
                }
            }
            default -> { }
        }
    }

    private void ready(ChannelHandlerContext ctx) {
        next(ctx, Step.READY, presence());
        text = null;
        timeout.cancel(false);
        batch.ready();
        if (batch.closeWhenReady) {
            // Closed as a client that logs out does: a connection cut under XEP-0198 resumption would leave the
            // session waiting on the server for its client to come back.
            ctx.writeAndFlush(frame(ctx, closeStream())).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Idle with XEP-0198 on: counts the stanzas that arrive and answers the server's {@code <r/>} with that count,
     * so its queue of unacknowledged stanzas stays as short as a real client keeps it. One element per message
     * (WebSocket framing).
     */
    private void idleStreamManagement(ChannelHandlerContext ctx, String element) {
        if (element.startsWith("<r ") || element.startsWith("<r/")) {
            send(ctx, "<a xmlns='" + SM_NS + "' h='" + handled + "'/>");
        } else if (element.startsWith("<presence") || element.startsWith("<message") || element.startsWith("<iq")) {
            handled = (handled + 1) & 0xFFFFFFFFL;
        }
    }

    private void next(ChannelHandlerContext ctx, Step to, String xml) {
        text.setLength(0);
        step = to;
        send(ctx, xml);
    }

    private void send(ChannelHandlerContext ctx, String xml) {
        ctx.writeAndFlush(frame(ctx, xml));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (step != Step.READY && step != Step.DONE) failed("connection closed at step " + step);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failed("exception at step " + step + ": " + cause);
        ctx.close();
    }

    /** Counts this session as failed once, before it was ready; later calls are no-ops. */
    final void failed(String why) {
        if (step == Step.READY || step == Step.DONE) return;
        step = Step.DONE;
        if (timeout != null) timeout.cancel(false);
        batch.failed(why);
    }

    private static String abbreviate(CharSequence s) {
        return s.length() <= 300 ? s.toString() : s.subSequence(0, 300) + "...";
    }

    // ---------------------------------------------------------------------------------------------------------

    /** XEP-0368 direct TLS: the stream starts once the TLS handshake is done; reads are raw stream bytes. */
    static final class Tls extends LoginHandler {
        private static final String STREAM_HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                + "xmlns:stream='http://etherx.jabber.org/streams' to='" + HOST + "' version='1.0'>";

        Tls(SessionBatch batch) {
            super(batch, false);
        }

        @Override String open() { return STREAM_HEADER; }

        @Override String bind() { return "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>"; }

        @Override String presence() { return "<presence/>"; }

        @Override String closeStream() { return "</stream:stream>"; }

        @Override
        Object frame(ChannelHandlerContext ctx, String xml) {
            return ByteBufUtil.writeUtf8(ctx.alloc(), xml);
        }

        @Override
        String text(Object msg) {
            return msg instanceof ByteBuf buf ? buf.toString(StandardCharsets.UTF_8) : null;
        }

        @Override
        boolean streamClosed(StringBuilder text) {
            return text.indexOf("</stream:stream>") >= 0;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent hs) {
                transportUp(ctx, hs.isSuccess() ? null : "TLS handshake: " + hs.cause());
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * RFC 7395 over ws://: the stream starts once the upgrade handshake is done; each text message is one
     * element, {@code <open/>} and {@code <close/>} in the framing namespace stand for the stream's ends.
     * Pings are answered by Netty's {@code WebSocketClientProtocolHandler} before they get here.
     */
    static final class WebSocket extends LoginHandler {
        private static final String OPEN = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='" + HOST + "' version='1.0'/>";

        WebSocket(SessionBatch batch, boolean streamManagement) {
            super(batch, streamManagement);
        }

        @Override String open() { return OPEN; }

        @Override
        String bind() {
            return "<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>";
        }

        @Override String presence() { return "<presence xmlns='jabber:client'/>"; }

        @Override String closeStream() { return "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"; }

        @Override
        Object frame(ChannelHandlerContext ctx, String xml) {
            return new TextWebSocketFrame(ByteBufUtil.writeUtf8(ctx.alloc(), xml));
        }

        @Override
        String text(Object msg) {
            return msg instanceof TextWebSocketFrame f ? f.text() : null; // pongs and close frames are no stream text
        }

        @Override
        boolean streamClosed(StringBuilder text) {
            return text.indexOf("<close ") >= 0 || text.indexOf("<close/>") >= 0;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                transportUp(ctx, null);
            } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                transportUp(ctx, "WebSocket handshake timed out");
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
