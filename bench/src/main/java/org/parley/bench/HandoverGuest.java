package org.parley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One guest of {@link HandoverBench} as lib-jitsi-meet is one: a WebSocket session (RFC 7395) with ANONYMOUS login,
 * XEP-0198 with resumption, in a meeting. When its connection drops it resumes as lib-jitsi-meet's
 * {@code ResumeTask} does: a fresh WebSocket to {@code ?previd=}, login, {@code <resume/>} with the stanzas it
 * handled, tried again with the task's full-jitter back-off while that fails to connect.
 *
 * <p>A Netty channel on a shared event loop, driven by what arrives: a benchmark on the server's machine must leave
 * the cores to the server. (The JDK's WebSocket client it replaced took a core of two while 500 guests resumed.)
 */
@ChannelHandler.Sharable // by its connections one after the other, never two at once
final class HandoverGuest extends ChannelInboundHandlerAdapter {
    private static final Pattern RESUME_ID = Pattern.compile("<enabled[^>]* id='([^']+)'");
    private static final String FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";
    private static final String OPEN = "<open xmlns='" + FRAMING + "' to='localhost' version='1.0'/>";

    /** One element to send (or none) and what the answer must contain before the next step. */
    private record Step(String send, String await) {}

    private final EventLoopGroup group;
    private final InetSocketAddress server;
    private final String room;
    private final String nick;
    private final LongSupplier restartStarted;
    private final CompletableFuture<Void> joined = new CompletableFuture<>();
    private final CompletableFuture<Long> resumed = new CompletableFuture<>();
    private final Deque<Step> steps = new ArrayDeque<>();
    private volatile Channel channel;
    private String resumeId;
    /** Stanzas handled since stream management was enabled (XEP-0198's h), as lib-jitsi-meet counts them. */
    private long handled;
    private boolean counting;
    private boolean resuming;
    private int attempts;
    private long deadline;
    private volatile String failure;

    /**
     * @param restartStarted when the restart began ({@link System#nanoTime}); read when the guest resumes, the
     *                       moment its resumption is timed from
     */
    HandoverGuest(EventLoopGroup group, InetSocketAddress server, String room, String nick, LongSupplier restartStarted) {
        this.group = group;
        this.server = server;
        this.room = room;
        this.nick = nick;
        this.restartStarted = restartStarted;
    }

    /** Connects, logs in, enables resumption and enters the meeting; completes when its self-presence came. */
    CompletableFuture<Void> join() {
        steps.add(new Step(OPEN, "</stream:features>"));
        steps.add(new Step("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>", "<success"));
        steps.add(new Step(OPEN, "</stream:features>"));
        steps.add(new Step("<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>", "id='b'"));
        steps.add(new Step("<enable xmlns='urn:xmpp:sm:3' resume='true'/>", "<enabled"));
        steps.add(new Step("<presence xmlns='jabber:client' to='" + room + "/" + nick + "'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>" + nick + "</nick></presence>", "code='110'"));
        connect("");
        return joined;
    }

    /** The time from the restart's start to {@code <resumed/>}, or null when the server refused or it never came. */
    CompletableFuture<Long> resumed() { return resumed; }

    /** Why it did not resume (null while it may yet, or once it did). */
    String failure() { return failure; }

    /** A new status in its meeting (as a browser's presence update: audio muted, a new stats id). */
    void presenceUpdate() {
        Channel ch = channel;
        if (ch != null && ch.isActive()) send(ch, "<presence xmlns='jabber:client' to='" + room + "/" + nick + "'><status>"
                + System.nanoTime() + "</status></presence>");
    }

    private void connect(String query) {
        URI uri = URI.create("ws://localhost:" + server.getPort() + "/xmpp-websocket" + query);
        new Bootstrap().group(group)
                .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 20_000)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                                new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                                        .webSocketUri(uri).subprotocol("xmpp").handshakeTimeoutMillis(20_000)
                                        .maxFramePayloadLength(1 << 20).build()),
                                new WebSocketFrameAggregator(1 << 20), HandoverGuest.this);
                    }
                })
                .connect(server)
                .addListener(f -> {
                    if (!f.isSuccess()) group.next().execute(() -> notConnected(String.valueOf(f.cause())));
                });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            next(ctx.channel());
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            fail("no WebSocket handshake");
            ctx.close();
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof TextWebSocketFrame frame)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        String xml = frame.text();
        frame.release();
        if (counting && (xml.startsWith("<message") || xml.startsWith("<presence") || xml.startsWith("<iq"))) handled++;
        if (counting && xml.startsWith("<r ")) send(ctx.channel(), "<a xmlns='urn:xmpp:sm:3' h='" + handled + "'/>");
        Step waiting = steps.peek();
        if (waiting == null || !xml.contains(waiting.await())) {
            if (waiting != null && (xml.contains("<failure") || xml.contains("<failed"))) fail(xml);
            return;
        }
        steps.poll();
        if (waiting.await().equals("<enabled")) {
            Matcher m = RESUME_ID.matcher(xml);
            if (!m.find()) {
                fail("no resumption id in " + xml);
                return;
            }
            resumeId = m.group(1);
            counting = true;
        }
        if (waiting.await().equals("<resumed")) {
            counting = true;
            resumed.complete(System.nanoTime() - restartStarted.getAsLong());
        }
        if (steps.isEmpty() && !resuming) joined.complete(null);
        next(ctx.channel());
    }

    private void next(Channel ch) {
        Step s = steps.peek();
        if (s != null && s.send() != null) send(ch, s.send());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        channel = null;
        if (!joined.isDone() || resumed.isDone()) {
            fail("connection closed");
            return;
        }
        if (!resuming) {
            // The connection was lost: lib-jitsi-meet's ResumeTask takes over.
            resuming = true;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            scheduleResume();
        } else if (!steps.isEmpty()) {
            fail("connection closed while resuming");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /**
     * lib-jitsi-meet's ResumeTask (modules/xmpp/ResumeTask.ts): the n-th try after a random delay between n × 1.5 s
     * and 3^n s (1.5–3 s, then 3–9 s, then 4.5–27 s), full jitter.
     */
    private void scheduleResume() {
        attempts++;
        long least = attempts * 1500L;
        long most = (long) Math.pow(3, attempts) * 1000L;
        long delay = least + ThreadLocalRandom.current().nextLong(Math.max(1, most - least));
        if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay) > deadline) {
            fail("not resumed within 60 s");
            return;
        }
        group.next().schedule(this::tryResume, delay, TimeUnit.MILLISECONDS);
    }

    private void tryResume() {
        steps.clear();
        counting = false;
        steps.add(new Step(OPEN, "</stream:features>"));
        steps.add(new Step("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>", "<success"));
        steps.add(new Step(OPEN, "</stream:features>"));
        // h as it stands now: nothing is counted until the stream is resumed.
        steps.add(new Step("<resume xmlns='urn:xmpp:sm:3' previd='" + resumeId + "' h='" + handled + "'/>", "<resumed"));
        connect("?previd=" + resumeId);
    }

    private void notConnected(String why) {
        if (resuming && !resumed.isDone()) scheduleResume();
        else fail(why);
    }

    private void fail(String why) {
        if (!joined.isDone()) joined.completeExceptionally(new IllegalStateException(nick + ": " + why));
        else if (resuming && !resumed.isDone()) {
            failure = why;
            resumed.complete(null);
        }
    }

    private static void send(Channel ch, String xml) {
        ch.writeAndFlush(new TextWebSocketFrame(ByteBufUtil.writeUtf8(ch.alloc(), xml)), ch.voidPromise());
    }
}
