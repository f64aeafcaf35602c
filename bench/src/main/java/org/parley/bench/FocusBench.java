package org.parley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.dom4j.Element;
import org.parley.testkit.FreePorts;
import org.parley.xmpp.xml.StreamHeader;
import org.parley.xmpp.xml.XmlFramer;
import org.parley.xmpp.xml.XmlLimits;
import org.parley.xmpp.xml.XmlStreamListener;

/**
 * The focus under load: starts {@code app/target/parley.jar} as a child process (fresh embedded H2 data dir), connects
 * a test SFU to it as an external component on loopback (answering COLIBRI2 as jitsi-videobridge does), and drives
 * participants from lightweight Netty clients in this JVM over direct TLS (ANONYMOUS), each doing what lib-jitsi-meet
 * does: conference request to {@code focus.localhost}, MUC join, answer the {@code session-initiate} with a
 * {@code session-accept} carrying sources. Two measurements:
 * <ul>
 * <li><b>Latency</b>: conferences of two, one after the other (after a warm-up); for the second participant, the time
 * from sending its join presence to receiving its {@code session-initiate} (the focus then allocates both on the SFU
 * and offers both). Reports p50/p99/max.</li>
 * <li><b>Load</b>: N conferences (1000) of K participants (3), all logged in first, then every participant requests
 * and joins at once; the time until every participant has its {@code session-initiate} and its accept was
 * acknowledged, and the server's live heap growth (after a full GC, {@code jcmd GC.class_histogram}) over the same
 * logged-in sessions without conferences.</li>
 * </ul>
 *
 * <pre>
 * mvn -B -ntp -DskipTests -pl app,bench -am package
 * java -Xmx2g -cp bench/target/benchmarks.jar org.parley.bench.FocusBench
 * </pre>
 *
 * Options: {@code --conferences N} (1000), {@code --participants K} (3), {@code --latency-runs L} (300),
 * {@code --jar FILE}, {@code --server-heap SIZE} (1g), {@code --client-threads T} (2), {@code --in-flight F} logins
 * negotiating at once (200). Exit code 0 on success, 1 on failure.
 */
public final class FocusBench {
    private static final String HOST = "localhost";
    private static final String HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            + "xmlns:stream='http://etherx.jabber.org/streams' to='" + HOST + "' version='1.0'>";
    private static final String SFU_DOMAIN = "sfu.localhost";
    private static final String SFU_SECRET = "bench-sfu-secret";

    private FocusBench() {}

    public static void main(String[] args) throws Exception {
        int conferences = 1000;
        int participants = 3;
        int latencyRuns = 300;
        int threads = 2;
        int inFlight = 200;
        String heap = "1g";
        Path jar = Path.of("app", "target", "parley.jar");
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--conferences" -> conferences = Integer.parseInt(v);
                case "--participants" -> participants = Integer.parseInt(v);
                case "--latency-runs" -> latencyRuns = Integer.parseInt(v);
                case "--client-threads" -> threads = Integer.parseInt(v);
                case "--in-flight" -> inFlight = Integer.parseInt(v);
                case "--server-heap" -> heap = v;
                case "--jar" -> jar = Path.of(v);
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        int code = 1;
        Path tmp = Files.createTempDirectory("parley-focusbench");
        Process server = null;
        EventLoopGroup loop = null;
        TestSfu sfu = null;
        try {
            int[] ports = FreePorts.take(3);
            Path conf = tmp.resolve("parley.conf");
            Files.writeString(conf, ("""
                    parley {
                      data-dir = "%s"
                      hosts = [ { domain = "localhost", anonymous = true } ]
                      listeners {
                        c2s { bind = "127.0.0.1", port = %d }
                        c2s-direct-tls { bind = "127.0.0.1", port = %d }
                        component { bind = "127.0.0.1", port = %d }
                        # off, not on their default ports, which a running server may hold
                        s2s { enabled = false }
                      }
                      http.listeners { plain { enabled = false }, tls { enabled = false } }
                      components = [ { domain = "%s", secret = "%s" } ]
                      admin.enabled = false
                      focus.rest { bind = "127.0.0.1", port = 0 }
                    """ + ChildServer.BENCH_LIMITS + """
                      focus {
                        bridges { breweries = [], components = ["%s"], max-participants-per-bridge = -1 }
                        conference-start-timeout = 10m
                        single-participant-timeout = 10m
                      }
                    }
                    """).formatted(tmp.resolve("state").toString().replace("\\", "\\\\"), ports[0], ports[1], ports[2],
                    SFU_DOMAIN, SFU_SECRET, SFU_DOMAIN));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+UseG1GC"));
            cmd.addAll(LauncherOptions.JVM);
            cmd.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "run", "--config", conf.toString()));
            System.out.println("server: " + String.join(" ", cmd));
            server = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("server.log").toFile()).start();
            if (!ChildServer.waitForPort(ports[1], 90_000) || !ChildServer.waitForPort(ports[2], 10_000)) {
                System.out.println("FAILED: the server did not start; see " + tmp.resolve("server.log"));
                return;
            }
            sfu = TestSfu.connect(ports[2], SFU_DOMAIN, SFU_SECRET);
            System.out.println("test SFU connected as component " + SFU_DOMAIN);
            Thread.sleep(1500); // the focus greets component SFUs at start, and again each health interval
            if (!sfu.announced.await(20, TimeUnit.SECONDS)) {
                System.out.println("FAILED: the focus never greeted the SFU");
                return;
            }
            Thread.sleep(300);

            SslContext ssl = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).protocols("TLSv1.3").build();
            boolean epoll = Epoll.isAvailable();
            loop = epoll ? new EpollEventLoopGroup(threads, new DefaultThreadFactory("client"))
                    : new NioEventLoopGroup(threads, new DefaultThreadFactory("client"));
            Bootstrap bootstrap = new Bootstrap().group(loop).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                    .remoteAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[1]));

            // ---- latency: conferences of two, one at a time
            int warm = Math.min(50, latencyRuns);
            long[] latencies = new long[latencyRuns];
            for (int i = -warm; i < latencyRuns; i++) {
                String room = "lat" + (i + warm) + "@conference.localhost";
                List<Participant> two = login(bootstrap, ssl, 2, 2);
                two.get(0).join(room, "a" + (i + warm)).get(20, TimeUnit.SECONDS);
                Thread.sleep(30); // let the focus see the first one in the room
                // Nobody is offered a session before the second participant arrives: time that one.
                CompletableFuture<Void> j = two.get(1).join(room, "b" + (i + warm));
                j.get(20, TimeUnit.SECONDS);
                two.get(1).initiated.get(20, TimeUnit.SECONDS);
                two.get(0).initiated.get(20, TimeUnit.SECONDS);
                if (i >= 0) latencies[i] = two.get(1).joinToInitiateNanos();
                for (Participant p : two) p.close();
            }
            Arrays.sort(latencies);
            System.out.printf("join -> session-initiate (second participant, %d conferences of 2 after %d warm-up): "
                            + "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", latencyRuns, warm,
                    latencies[latencyRuns / 2] / 1e6, latencies[(int) Math.ceil(latencyRuns * 0.9) - 1] / 1e6,
                    latencies[Math.min(latencyRuns - 1, (int) Math.ceil(latencyRuns * 0.99) - 1)] / 1e6,
                    latencies[latencyRuns - 1] / 1e6);
            Thread.sleep(3000);

            // ---- load: N conferences of K at once
            int total = conferences * participants;
            long t0 = System.nanoTime();
            List<Participant> all = login(bootstrap, ssl, total, inFlight);
            System.out.printf("%,d participants logged in (direct TLS, ANONYMOUS) in %.1f s%n", total, (System.nanoTime() - t0) / 1e9);
            Thread.sleep(2000);
            HeapHistogram before = HeapHistogram.take(server.pid());
            long requestsBefore = sfu.requests.get();
            long start = System.nanoTime();
            List<CompletableFuture<Void>> done = new ArrayList<>(total);
            for (int c = 0; c < conferences; c++) {
                for (int k = 0; k < participants; k++) {
                    Participant p = all.get(c * participants + k);
                    done.add(p.join("load" + c + "@conference.localhost", "p" + k).thenCompose(v -> p.accepted));
                }
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%,d conferences of %d: every participant offered and accepted in %.2f s "
                            + "(%,.0f participants/s; %,d COLIBRI2 requests to the SFU)%n",
                    conferences, participants, seconds, total / seconds, sfu.requests.get() - requestsBefore);
            Thread.sleep(2000);
            HeapHistogram after = HeapHistogram.take(server.pid());
            long grown = after.totalBytes - before.totalBytes;
            System.out.printf("server live heap: %.1f MiB with the sessions alone, %.1f MiB with the conferences: "
                            + "+%.1f MiB, %,d bytes per conference (%,d per participant)%n",
                    before.totalBytes / 1048576.0, after.totalBytes / 1048576.0, grown / 1048576.0,
                    grown / conferences, grown / total);
            for (HeapHistogram.Row r : after.diff(before, 12)) {
                System.out.printf("  %+,12d B %+,9d  %s%n", r.bytes(), r.instances(), r.name());
            }
            for (Participant p : all) p.close();
            code = 0;
        } catch (Exception e) {
            System.out.println("FAILED: " + e);
            e.printStackTrace(System.out);
            System.out.println("server log: " + tmp.resolve("server.log"));
        } finally {
            if (sfu != null) sfu.close();
            if (loop != null) loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (server != null) {
                server.destroy();
                if (!server.waitFor(20, TimeUnit.SECONDS)) server.destroyForcibly();
            }
            if (code == 0) ChildServer.deleteTree(tmp);
        }
        System.out.flush();
        System.exit(code);
    }

    private static List<Participant> login(Bootstrap bootstrap, SslContext ssl, int n, int inFlight) throws Exception {
        Semaphore permits = new Semaphore(inFlight);
        List<Participant> out = new ArrayList<>(n);
        List<CompletableFuture<Void>> ready = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            permits.acquire();
            Participant p = new Participant();
            out.add(p);
            ready.add(p.ready);
            p.ready.whenComplete((v, e) -> permits.release());
            bootstrap.clone().handler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    SSLEngine engine = ssl.newEngine(ch.alloc());
                    SSLParameters params = engine.getSSLParameters();
                    params.setServerNames(List.of(new SNIHostName(HOST)));
                    engine.setSSLParameters(params);
                    SslHandler tls = new SslHandler(engine);
                    tls.setHandshakeTimeoutMillis(60_000);
                    ch.pipeline().addLast("tls", tls);
                    ch.pipeline().addLast("xmpp", p);
                }
            }).connect().addListener(f -> {
                if (!f.isSuccess()) p.ready.completeExceptionally(f.cause());
            });
        }
        CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------

    /** One participant: login, then conference request, join, and Jingle answers, driven by its parsed stanzas. */
    private static final class Participant extends ChannelInboundHandlerAdapter implements XmlStreamListener {
        private static final AtomicLong SSRCS = new AtomicLong(ThreadLocalRandom.current().nextLong(1_000_000, 1_000_000_000L));
        enum Step { TLS, FEATURES, SASL, FEATURES_AFTER_AUTH, BIND, READY }

        final CompletableFuture<Void> ready = new CompletableFuture<>();
        final CompletableFuture<Void> initiated = new CompletableFuture<>();
        final CompletableFuture<Void> accepted = new CompletableFuture<>();
        private final XmlFramer framer = new XmlFramer(XmlFramer.Mode.STREAM, new XmlLimits(4 << 20, 64), this);
        private ChannelHandlerContext ctx;
        private Step step = Step.TLS;
        private String room;
        private String nick;
        private CompletableFuture<Void> joined;
        private volatile long joinSent;
        private volatile long initiateAt;

        long joinToInitiateNanos() {
            return initiateAt - joinSent;
        }

        CompletableFuture<Void> join(String room, String nick) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            ctx.executor().execute(() -> {
                this.room = room;
                this.nick = nick;
                this.joined = f;
                send("<iq type='set' id='conf' to='focus.localhost'><conference xmlns='http://jitsi.org/protocol/focus' room='"
                        + room + "' machine-uid='" + nick + "'/></iq>");
            });
            return f;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent hs) {
                if (!hs.isSuccess()) {
                    ready.completeExceptionally(hs.cause());
                    ctx.close();
                } else {
                    step = Step.FEATURES;
                    send(HEADER);
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                framer.feed(buf.nioBuffer());
            } catch (Exception e) {
                fail(e);
                ctx.close();
            } finally {
                buf.release();
            }
        }

        @Override
        public void streamOpened(StreamHeader header) { }

        @Override
        public void streamClosed() {
            fail(new IOException("stream closed at " + step));
        }

        @Override
        public void element(Element e) {
            String name = e.getName();
            switch (step) {
                case FEATURES -> {
                    if (name.equals("features")) {
                        step = Step.SASL;
                        send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
                    }
                }
                case SASL -> {
                    if (name.equals("success")) {
                        step = Step.FEATURES_AFTER_AUTH;
                        framer.reset();
                        send(HEADER);
                    } else if (name.equals("challenge")) {
                        send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
                    } else {
                        fail(new IOException("SASL: " + e.asXML()));
                    }
                }
                case FEATURES_AFTER_AUTH -> {
                    if (name.equals("features")) {
                        step = Step.BIND;
                        send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
                    }
                }
                case BIND -> {
                    if (name.equals("iq") && "bind".equals(e.attributeValue("id"))) {
                        step = Step.READY;
                        send("<presence/>");
                        ready.complete(null);
                    }
                }
                case READY -> stanza(e);
                default -> { }
            }
        }

        private void stanza(Element e) {
            if (!e.getName().equals("iq")) return;
            String type = e.attributeValue("type");
            String id = e.attributeValue("id");
            if ("conf".equals(id)) {
                Element c = e.element("conference");
                if (!"result".equals(type)) {
                    joined.completeExceptionally(new IOException("conference request failed: " + e.asXML()));
                } else if (c != null && !"true".equals(c.attributeValue("ready"))) {
                    ctx.executor().schedule(() -> join(room, nick), 200, TimeUnit.MILLISECONDS);
                } else {
                    joinSent = System.nanoTime();
                    send("<presence to='" + room + "/" + nick + "'><x xmlns='http://jabber.org/protocol/muc'/>"
                            + "<stats-id>" + nick + "-stats</stats-id></presence>");
                    joined.complete(null);
                }
                return;
            }
            if ("accept".equals(id)) {
                if ("result".equals(type)) accepted.complete(null);
                else accepted.completeExceptionally(new IOException("session-accept refused: " + e.asXML()));
                return;
            }
            if (!"set".equals(type)) return;
            String from = e.attributeValue("from");
            send("<iq type='result' id='" + id + "' to='" + from + "'/>");
            Element jingle = e.element("jingle");
            if (jingle != null && "session-initiate".equals(jingle.attributeValue("action"))) {
                initiateAt = System.nanoTime();
                initiated.complete(null);
                long a = SSRCS.incrementAndGet(), v = SSRCS.incrementAndGet();
                send("<iq type='set' id='accept' to='" + from + "'><jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='"
                        + jingle.attributeValue("sid") + "'><content creator='responder' name='audio'>"
                        + "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='"
                        + a + "' name='" + nick + "-a0'/></description><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='pwdpwdpwdpwd'>"
                        + "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='active'>AA:BB</fingerprint></transport></content>"
                        + "<content creator='responder' name='video'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video'>"
                        + "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='" + v + "' name='" + nick + "-v0' videoType='camera'/>"
                        + "</description></content></jingle></iq>");
            }
        }

        private void send(String xml) {
            ctx.writeAndFlush(ByteBufUtil.writeUtf8(ctx.alloc(), xml));
        }

        private void fail(Throwable t) {
            ready.completeExceptionally(t);
            initiated.completeExceptionally(t);
            accepted.completeExceptionally(t);
            if (joined != null) joined.completeExceptionally(t);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(new IOException("connection closed at " + step));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
            ctx.close();
        }

        void close() {
            if (ctx != null) ctx.close();
        }
    }
}
