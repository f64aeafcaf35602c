package org.parley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One BOSH client session (XEP-0124/XEP-0206) of {@link BoshRoundTrip}. It lives on one event loop, with its own
 * keep-alive HTTP/1.1 connections on that loop: one per request in flight, so at most {@code requests} = 2 (hold 1
 * plus one). It logs in ANONYMOUSly one request at a time (creation, auth, restart, bind), then keeps one request
 * held by the server at all times (the long-poll), and sends its messages as a second request. A message carries
 * the {@link System#nanoTime} of its sending; the partner session records the round trip when its long-poll
 * returns with it. Rids go up by one per request.
 */
final class BoshClientSession {
    static final String NS = "http://jabber.org/protocol/httpbind";
    private static final String XBOSH = "urn:xmpp:xbosh";
    private static final String MARK = "~RT~";
    private static final int MAX_REQUESTS = 2;
    private static final boolean DEBUG = Boolean.getBoolean("bosh.debug");

    /** What all sessions share: the bootstrap (no handler, any loop), where to post, the counters. */
    record Shared(Bootstrap bootstrap, String host, String path, int waitSeconds, BoshStats stats) {}

    private enum State { CREATE, AUTH, RESTART, BIND, READY, CLOSING, CLOSED, FAILED }

    private final Shared shared;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Consumer<BoshClientSession> onReady;
    private final Consumer<String> onLoginFailure;
    private final List<Conn> conns = new ArrayList<>(MAX_REQUESTS);
    private final StringBuilder loginText = new StringBuilder();
    private final StringBuilder queued = new StringBuilder();
    private State state = State.CREATE;
    private String sid;
    private long rid;
    private String jid;
    private String partner;
    private int outstanding;
    private io.netty.util.concurrent.ScheduledFuture<?> sender;
    private io.netty.util.concurrent.ScheduledFuture<?> loginTimeout;
    private Consumer<Boolean> onClosed;

    BoshClientSession(Shared shared, EventLoop loop, Consumer<BoshClientSession> onReady, Consumer<String> onLoginFailure) {
        this.shared = shared;
        this.loop = loop;
        this.bootstrap = shared.bootstrap().clone(loop);
        this.onReady = onReady;
        this.onLoginFailure = onLoginFailure;
    }

    String jid() { return jid; }

    EventLoop loop() { return loop; }

    boolean ready() { return state == State.READY; }

    // ---- login ----

    /** Sends the session creation request. */
    void start() {
        loop.execute(() -> {
            rid = ThreadLocalRandom.current().nextLong(1_000_000L, 1L << 40);
            loginTimeout = loop.schedule(() -> fail("no session after " + LoginHandler.TIMEOUT_MS / 1000 + " s (state " + state + ")"),
                    LoginHandler.TIMEOUT_MS, TimeUnit.MILLISECONDS);
            post("<body xmlns='" + NS + "' xmlns:xmpp='" + XBOSH + "' content='text/xml; charset=utf-8' rid='" + rid
                    + "' to='" + LoginHandler.HOST + "' xml:lang='en' wait='" + shared.waitSeconds() + "' hold='1' ver='1.11'"
                    + " xmpp:version='1.0'/>", false);
        });
    }

    private void login(String body) {
        loginText.append(body);
        switch (state) {
            case CREATE -> {
                if (sid == null) {
                    sid = attribute(body, "sid");
                    if (sid == null) {
                        fail("no sid in the creation answer: " + abbreviate(body));
                        return;
                    }
                }
                if (loginText.indexOf("</stream:features>") >= 0) {
                    next(State.AUTH, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
                    return;
                }
            }
            case AUTH -> {
                if (loginText.indexOf("<success") >= 0) {
                    loginText.setLength(0);
                    state = State.RESTART;
                    post("<body xmlns='" + NS + "' xmlns:xmpp='" + XBOSH + "' rid='" + (++rid) + "' sid='" + sid
                            + "' to='" + LoginHandler.HOST + "' xml:lang='en' xmpp:restart='true'/>", false);
                    return;
                }
                if (loginText.indexOf("<failure") >= 0) {
                    fail("SASL failure: " + abbreviate(loginText));
                    return;
                }
            }
            case RESTART -> {
                if (loginText.indexOf("</stream:features>") >= 0) {
                    next(State.BIND, "<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
                    return;
                }
            }
            case BIND -> {
                int at = loginText.indexOf("<jid>");
                if (at >= 0) {
                    jid = loginText.substring(at + 5, loginText.indexOf("</jid>", at));
                    // The presence request stays held as the first long-poll: the session is ready now.
                    next(State.READY, "<presence xmlns='jabber:client'/>");
                    loginText.setLength(0);
                    loginTimeout.cancel(false);
                    onReady.accept(this);
                    return;
                }
                if (loginText.indexOf("type='error'") >= 0) {
                    fail("bind: " + abbreviate(loginText));
                    return;
                }
            }
            default -> { }
        }
        if (outstanding == 0) post(""); // what we wait for comes in a later answer
    }

    private void next(State to, String payload) {
        loginText.setLength(0);
        state = to;
        post(payload);
    }

    // ---- traffic ----

    /** Sends a timestamped message to {@code partner} every {@code periodNanos}, starting at a random phase, until {@code stopAt}. */
    void startSending(String partnerJid, long periodNanos, long stopAt) {
        loop.execute(() -> {
            partner = partnerJid;
            long phase = ThreadLocalRandom.current().nextLong(periodNanos);
            sender = loop.scheduleAtFixedRate(() -> {
                long now = System.nanoTime();
                if (now >= stopAt || state != State.READY) {
                    sender.cancel(false);
                    return;
                }
                queued.append("<message xmlns='jabber:client' to='").append(partner).append("' type='chat'><body>")
                        .append(MARK).append(now).append("~</body></message>");
                shared.stats().sent(now);
                pump();
            }, phase, periodNanos, TimeUnit.NANOSECONDS);
        });
    }

    /** Sends what is queued if a request may go, and keeps one request waiting at the server. */
    private void pump() {
        if (state != State.READY) return;
        if (queued.length() > 0 && outstanding < MAX_REQUESTS) {
            String payload = queued.toString();
            queued.setLength(0);
            post(payload);
        }
        if (outstanding == 0) post("");
    }

    private void received(String body) {
        long now = System.nanoTime();
        for (int at = body.indexOf(MARK); at >= 0; at = body.indexOf(MARK, at + 1)) {
            int end = body.indexOf('~', at + MARK.length());
            try {
                shared.stats().received(Long.parseLong(body.substring(at + MARK.length(), end)), now);
            } catch (RuntimeException bad) {
                shared.stats().error("unparseable message timestamp");
            }
        }
    }

    /**
     * Ends the session with a terminate request (and unavailable presence); {@code done} gets true once the server
     * answers it with its terminate, false when the session fails first or was not ready.
     */
    void terminate(Consumer<Boolean> done) {
        loop.execute(() -> {
            if (sender != null) sender.cancel(false);
            if (state != State.READY) {
                done.accept(false);
                return;
            }
            onClosed = done;
            state = State.CLOSING;
            queued.setLength(0);
            // A terminate request may exceed the request limit by one (XEP-0124 section 12).
            post("<body xmlns='" + NS + "' rid='" + (++rid) + "' sid='" + sid + "' type='terminate'>"
                    + "<presence xmlns='jabber:client' type='unavailable'/></body>", true);
        });
    }

    // ---- requests ----

    private void post(String payload) {
        post("<body xmlns='" + NS + "' rid='" + (++rid) + "' sid='" + sid + "'"
                + (payload.isEmpty() ? "/>" : ">" + payload + "</body>"), false);
    }

    /** Sends a whole {@code <body/>} on a free connection of this session, opening one if none is free. */
    private void post(String body, boolean terminating) {
        if (state == State.FAILED || state == State.CLOSED) return;
        if (!terminating && outstanding >= MAX_REQUESTS) throw new IllegalStateException("more than " + MAX_REQUESTS + " requests");
        outstanding++;
        shared.stats().requests.increment();
        Conn free = null;
        for (Conn c : conns) {
            if (!c.busy && !c.closed) {
                free = c;
                break;
            }
        }
        if (free == null) {
            free = new Conn();
            conns.add(free);
        }
        free.send(body, 0);
    }

    private void answered(Conn c, FullHttpResponse r) {
        outstanding--;
        String body = r.content().toString(StandardCharsets.UTF_8);
        if (r.status().code() != 200) {
            shared.stats().error("HTTP " + r.status().code());
            fail("HTTP " + r.status() + ": " + abbreviate(body));
            return;
        }
        if (body.contains("type='terminate'") || body.contains("type=\"terminate\"")) {
            if (state == State.CLOSING) {
                closed();
                return;
            }
            String condition = attribute(body, "condition");
            shared.stats().error("terminated by the server: " + condition);
            fail("terminated by the server (" + condition + "): " + abbreviate(body));
            return;
        }
        switch (state) {
            case CREATE, AUTH, RESTART, BIND -> login(body);
            case READY -> {
                if (body.endsWith("/>") && body.indexOf('>') == body.length() - 1) shared.stats().emptyAnswers.increment();
                received(body);
                pump();
            }
            case CLOSING -> {
                received(body);
                // the answer to the request before the terminate; the terminate's own answer follows
            }
            default -> { }
        }
    }

    /** A connection broke with a request on it: send that request again (same rid, as XEP-0124 section 14 allows), once. */
    private void lost(String body, int attempt, String why) {
        if (state == State.FAILED || state == State.CLOSED) return;
        if (attempt >= 1) {
            outstanding--;
            shared.stats().error("request lost twice: " + why);
            fail("request lost twice: " + why);
            return;
        }
        shared.stats().retries.increment();
        Conn fresh = new Conn();
        conns.add(fresh);
        fresh.send(body, attempt + 1);
    }

    private void closed() {
        state = State.CLOSED;
        for (Conn c : List.copyOf(conns)) c.close();
        Consumer<Boolean> done = onClosed;
        onClosed = null;
        if (done != null) done.accept(true);
    }

    private void fail(String why) {
        if (state == State.FAILED || state == State.CLOSED) return;
        State was = state;
        state = State.FAILED;
        if (sender != null) sender.cancel(false);
        if (loginTimeout != null) loginTimeout.cancel(false);
        for (Conn c : List.copyOf(conns)) c.close();
        if (was == State.CREATE || was == State.AUTH || was == State.RESTART || was == State.BIND) {
            onLoginFailure.accept(why);
        } else {
            shared.stats().error("session failed after login");
            Consumer<Boolean> done = onClosed;
            onClosed = null;
            if (done != null) done.accept(false);
        }
    }

    static String attribute(CharSequence xml, String name) {
        String s = xml.toString();
        for (char q : new char[] {'\'', '"'}) {
            String key = " " + name + "=" + q;
            int at = s.indexOf(key);
            if (at >= 0) {
                int start = at + key.length();
                int end = s.indexOf(q, start);
                if (end > start) return s.substring(start, end);
            }
        }
        return null;
    }

    private static String abbreviate(CharSequence s) {
        return s.length() <= 300 ? s.toString() : s.subSequence(0, 300) + "...";
    }

    // ---------------------------------------------------------------------------------------------------------

    /** One keep-alive HTTP/1.1 connection of this session, carrying one request at a time. On the session's loop. */
    private final class Conn extends SimpleChannelInboundHandler<FullHttpResponse> {
        private Channel channel;
        private ChannelFuture connecting;
        boolean busy;
        boolean closed;
        private String body;
        private int attempt;

        void send(String body, int attempt) {
            this.body = body;
            this.attempt = attempt;
            busy = true;
            if (channel != null && channel.isActive()) {
                write();
            } else if (connecting == null) {
                connecting = bootstrap.clone().handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), Conn.this);
                    }
                }).connect();
                connecting.addListener(f -> {
                    if (!f.isSuccess()) {
                        shared.stats().error("connect failed");
                        broken("connect: " + f.cause());
                        return;
                    }
                    channel = connecting.channel();
                    if (busy) write();
                });
            }
            // else: still connecting; the listener writes it
        }

        private void write() {
            if (DEBUG) System.out.println(">> " + channel + " " + body);
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, shared.path(),
                    ByteBufUtil.writeUtf8(channel.alloc(), body));
            req.headers().set(HttpHeaderNames.HOST, shared.host())
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/xml; charset=utf-8")
                    .set(HttpHeaderNames.CONTENT_LENGTH, req.content().readableBytes());
            channel.writeAndFlush(req).addListener(f -> {
                if (!f.isSuccess()) channel.close();
            });
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
            if (DEBUG) System.out.println("<< " + ctx.channel() + " " + r.status() + " " + r.content().toString(StandardCharsets.UTF_8));
            if (!busy) return; // nothing asked: ignore
            busy = false;
            body = null;
            if (!HttpUtil.isKeepAlive(r) || r.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
                close();
            }
            answered(this, r);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            broken("connection closed by the server");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void broken(String why) {
            boolean wasClosed = closed;
            closed = true;
            conns.remove(this);
            if (busy && !wasClosed) {
                busy = false;
                String b = body;
                body = null;
                lost(b, attempt, why);
            }
        }

        void close() {
            closed = true;
            conns.remove(this);
            if (channel != null) channel.close();
            else if (connecting != null) connecting.cancel(false);
        }
    }
}
