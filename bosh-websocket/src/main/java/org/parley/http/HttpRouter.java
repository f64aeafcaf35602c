package org.parley.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.parley.http.bosh.BoshBody;
import org.parley.http.bosh.BoshExchange;
import org.parley.http.bosh.BoshSession;
import org.parley.http.websocket.WebSocketTransport;
import org.parley.xmpp.sasl.ChannelBindings;
import org.parley.xmpp.tls.TlsChannelBindings;
import org.parley.xmpp.tls.TlsExporter;
import org.parley.xmpp.xml.XmlStreamException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of one connection: sends each request to WebSocket (upgrading the connection for good) or
 * to BOSH, and answers everything else. Requests on one connection are served one at a time: a BOSH
 * request may be held for a minute, and HTTP/1.1 wants answers in request order, so a pipelined request
 * waits (unread) until the one before it is answered.
 */
final class HttpRouter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpRouter.class);
    private static final int MAX_PIPELINED = 4;

    private final HttpTransports http;
    private final HttpConfig config;
    private final boolean tlsListener;
    private final boolean secure;
    private final ArrayDeque<FullHttpRequest> pipelined = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private FrameParser boshParser;
    private ChannelBindings bindings = ChannelBindings.NONE;
    private boolean busy;

    HttpRouter(HttpTransports http, boolean tlsListener, boolean secure) {
        this.http = http;
        this.config = http.config();
        this.tlsListener = tlsListener;
        this.secure = secure;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (busy) {
            if (pipelined.size() >= MAX_PIPELINED) {
                req.release();
                ctx.close();
                return;
            }
            pipelined.add(req);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        dispatch(req);
    }

    private void dispatch(FullHttpRequest req) {
        busy = true;
        RequestDeadline d = deadline();
        if (d != null) d.serving();
        try {
            route(req);
        } catch (RuntimeException e) {
            log.warn("failed to serve {} {}", req.method(), req.uri(), e);
            text(req, HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal error", h -> { }, true);
        } finally {
            req.release();
        }
    }

    /** The answer to the current request is written; serve the next one on this connection. */
    private void next() {
        if (!ctx.channel().eventLoop().inEventLoop()) {
            ctx.channel().eventLoop().execute(this::next);
            return;
        }
        busy = false;
        FullHttpRequest n = pipelined.poll();
        if (n != null) {
            dispatch(n);
        } else {
            RequestDeadline d = deadline();
            if (d != null) d.idle();
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Null once the connection is torn down. */
    private RequestDeadline deadline() {
        return (RequestDeadline) ctx.pipeline().get(RequestDeadline.NAME);
    }

    private void route(FullHttpRequest req) {
        if (req.decoderResult().isFailure()) {
            text(req, HttpResponseStatus.BAD_REQUEST, "Malformed request", h -> { }, true);
            return;
        }
        String path = path(req.uri());
        InetSocketAddress client = config.forwarded().client((InetSocketAddress) ctx.channel().remoteAddress(), req.headers());
        if (config.websocket().enabled() && path.equals(config.websocket().path())) {
            websocket(req, client);
        } else if (config.bosh().enabled() && path.equals(config.bosh().path())) {
            bosh(req, client);
        } else if (http.endpoint(path) != null) {
            endpoint(req, path, http.endpoint(path));
        } else {
            text(req, HttpResponseStatus.NOT_FOUND, "Not found", h -> { }, false);
        }
    }

    /** The path of an origin-form or absolute-form request target, without query or trailing slash. */
    static String path(String uri) {
        String p = uri;
        int q = p.indexOf('?');
        if (q >= 0) p = p.substring(0, q);
        int hash = p.indexOf('#');
        if (hash >= 0) p = p.substring(0, hash);
        if (!p.startsWith("/")) {
            int scheme = p.indexOf("://");
            if (scheme >= 0) {
                int slash = p.indexOf('/', scheme + 3);
                p = slash < 0 ? "/" : p.substring(slash);
            }
        }
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private void endpoint(FullHttpRequest req, String path, HttpEndpoint endpoint) {
        if (!HttpMethod.GET.equals(req.method())) {
            text(req, HttpResponseStatus.METHOD_NOT_ALLOWED, "GET only", h -> h.set(HttpHeaderNames.ALLOW, "GET"), false);
            return;
        }
        boolean keep = HttpUtil.isKeepAlive(req);
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        endpoint.answer(path, new io.netty.handler.codec.http.QueryStringDecoder(req.uri())).whenComplete((answer, error) -> {
            HttpEndpoint.Answer a = error != null ? new HttpEndpoint.Answer(500, "{\"error\":\"internal\"}") : answer;
            if (error != null) log.warn("{} failed", path, error);
            ctx.channel().eventLoop().execute(() -> json(a, keep, origin));
        });
    }

    private void json(HttpEndpoint.Answer a, boolean keepAlive, String origin) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()),
                ByteBufUtil.writeUtf8(ctx.alloc(), a.json()));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        if (origin != null && config.cors().allows(origin)) r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if (!keepAlive) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener((ChannelFutureListener) f -> {
            if (!keepAlive || !f.isSuccess()) f.channel().close();
            else next();
        });
    }

    // ---- WebSocket ----

    private void websocket(FullHttpRequest req, InetSocketAddress client) {
        if (!HttpMethod.GET.equals(req.method())) {
            text(req, HttpResponseStatus.METHOD_NOT_ALLOWED, "WebSocket upgrades only",
                    h -> h.set(HttpHeaderNames.ALLOW, "GET"), false);
            return;
        }
        if (!req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            text(req, HttpResponseStatus.UPGRADE_REQUIRED, "This is an XMPP WebSocket endpoint (RFC 7395)",
                    h -> h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET), false);
            return;
        }
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (!config.cors().allows(origin)) {
            text(req, HttpResponseStatus.FORBIDDEN, "Origin not allowed", h -> { }, true);
            return;
        }
        if (!offersXmpp(req)) {
            // RFC 7395 section 3.1 lets the server complete the handshake without a subprotocol, leaving the
            // client to give up; refusing outright tells a misconfigured client why in one round trip.
            text(req, HttpResponseStatus.BAD_REQUEST, "The xmpp WebSocket subprotocol is required (RFC 7395)", h -> { }, true);
            return;
        }
        String host = req.headers().get(HttpHeaderNames.HOST, "localhost");
        String location = (tlsListener ? "wss://" : "ws://") + host + config.websocket().path();
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(config.maxStanzaBytes())
                .allowExtensions(false)
                .closeOnProtocolViolation(false)
                .build();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(location, "xmpp", decoder).newHandshaker(req);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        handshaker.handshake(ctx.channel(), req).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                log.debug("WebSocket handshake with {} failed: {}", client, f.cause().toString());
                f.channel().close();
            }
        });
        // From here on the connection carries frames. Anything pipelined behind the upgrade was never valid.
        for (FullHttpRequest r : pipelined) r.release();
        pipelined.clear();
        long ping = config.websocket().pingInterval().toMillis();
        ctx.pipeline().replace(RequestDeadline.NAME, "idle", new IdleStateHandler(ping, 0, 0, TimeUnit.MILLISECONDS));
        // As on TCP: a flush outside a read becomes one flush per connection per event-loop turn, so a room's burst
        // to this session (a join storm, a busy meeting) shares frames' system calls instead of one write per stanza.
        ctx.pipeline().addBefore("idle", "flush", new FlushConsolidationHandler(64, true));
        ctx.pipeline().replace(this, "websocket", new WebSocketTransport(http.server(), http.webSocketLimiter(), client,
                secure, bindings, config.websocket().seeOtherUri(), config.xml(), token(req.uri()), query(req.uri(), "previd")));
    }

    /** The {@code token} query parameter (Jitsi passes the JWT so: {@code /xmpp-websocket?room=x&token=...}), or null. */
    static String token(String uri) {
        return query(uri, "token");
    }

    /** A query parameter of the request URI, or null when absent or empty. */
    static String query(String uri, String name) {
        if (uri.indexOf('?') < 0) return null;
        java.util.List<String> v = new io.netty.handler.codec.http.QueryStringDecoder(uri).parameters().get(name);
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
    }

    private static boolean offersXmpp(FullHttpRequest req) {
        for (String header : req.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
            for (String p : header.split(",")) {
                if (p.trim().equals("xmpp")) return true;
            }
        }
        return false;
    }

    // ---- BOSH ----

    private void bosh(FullHttpRequest req, InetSocketAddress client) {
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (HttpMethod.OPTIONS.equals(req.method())) {
            text(req, HttpResponseStatus.OK, "", h -> config.cors().preflight(origin, h), false);
            return;
        }
        if (!HttpMethod.POST.equals(req.method())) {
            text(req, HttpResponseStatus.METHOD_NOT_ALLOWED, "BOSH takes POST requests (XEP-0124)",
                    h -> h.set(HttpHeaderNames.ALLOW, "POST, OPTIONS"), false);
            return;
        }
        if (!config.cors().allows(origin)) {
            text(req, HttpResponseStatus.FORBIDDEN, "Origin not allowed", h -> { }, true);
            return;
        }
        BoshExchange exchange = new BoshExchange(ctx.channel(), HttpUtil.isKeepAlive(req), secure, client, origin,
                config.cors(), this::next).token(token(req.uri()));
        if (boshParser == null) {
            // The wrapper adds one level of nesting to the stanzas it carries.
            boshParser = new FrameParser(config.xml().withStanzaBytes(config.bosh().maxBodyBytes(), config.xml().maxDepth() + 1));
        }
        BoshBody body;
        try {
            body = BoshBody.parse(boshParser, req.content());
        } catch (XmlStreamException bad) {
            log.debug("malformed BOSH request from {}: {}", client, bad.getMessage());
            exchange.respond(BoshSession.terminateBody("bad-request", ""));
            return;
        }
        http.bosh().handle(body, exchange);
    }

    // ---- plain answers ----

    private void text(FullHttpRequest req, HttpResponseStatus status, String text, Consumer<io.netty.handler.codec.http.HttpHeaders> headers,
                      boolean close) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, ByteBufUtil.writeUtf8(ctx.alloc(), text));
        if (!text.isEmpty()) r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        headers.accept(r.headers());
        boolean keep = !close && HttpUtil.isKeepAlive(req);
        if (!keep) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener((ChannelFutureListener) f -> {
            if (!keep || !f.isSuccess()) {
                f.channel().close();
            } else {
                next();
            }
        });
    }

    // ---- connection events ----

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (!hs.isSuccess()) {
                SslHandler failed = ctx.pipeline().get(SslHandler.class);
                if (failed != null) TlsExporter.discard(failed.engine());
                log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), hs.cause().toString());
                ctx.close();
                return;
            }
            // Captured now: the exporter secret is gone once the handshake is over (see TlsExporter).
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            bindings = ssl == null ? ChannelBindings.NONE : TlsChannelBindings.of(ssl.engine());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (FullHttpRequest r : pipelined) r.release();
        pipelined.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
