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
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.parley.testkit.FreePorts;

/**
 * MUC load: starts {@code app/target/parley.jar} as a child process on free loopback ports (fresh embedded H2 data
 * dir, limits raised), and drives it from lightweight Netty clients in this JVM over direct TLS (XEP-0368) or, with
 * {@code --transport websocket}, RFC 7395 WebSocket on {@code ws://} to the plain HTTP listener marked secure (as
 * Jitsi deployments run it, behind a TLS-terminating proxy); ANONYMOUS, bind. Two measurements, each after a
 * smaller warm-up run of the same kind:
 * <ul>
 * <li><b>Join storm</b>: N clients (500), all bound, send their join presence (a Jitsi-sized one, ~600 bytes of
 * extensions) at once; measured until every client has received the presence of every occupant, itself included
 * (N x N presences). Reports the time, presences delivered per second, and the server's CPU time. With
 * {@code --presence-changes C} (0), once the room is full one occupant changes its presence C times, {@code
 * --change-spacing-ms} (100) apart, each stamped with its send time; every occupant records when each arrives:
 * p50/p99/max over all N x C receptions.</li>
 * <li><b>Fan-out</b>: M occupants (100) in one room; one sends groupchat messages, each as soon as its previous one
 * comes back reflected (a window of 1, or {@code --window W}); every occupant timestamps arrival. Reports delivered
 * stanzas per second and p50/p99/max latency from send to arrival.</li>
 * </ul>
 * Client and server share the machine; the server's CPU seconds are read from {@code /proc} so the figures can be
 * put per server core.
 *
 * <pre>
 * mvn -B -ntp -DskipTests -pl app,bench -am package
 * java -Xmx2g -cp bench/target/benchmarks.jar org.parley.bench.MucBench
 * </pre>
 *
 * Options: {@code --transport tls|websocket} (tls), {@code --joiners N} (500), {@code --occupants M} (100), {@code --messages K} (20000), {@code --window W}
 * (1), {@code --jar FILE}, {@code --server-heap SIZE} (1g), {@code --server-java-opts "..."} (e.g. a JFR recording),
 * {@code --client-threads T} (2).
 */
public final class MucBench {
    private static final String HOST = "localhost";
    private static final String MUC = "conference.localhost";
    private static final String HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            + "xmlns:stream='http://etherx.jabber.org/streams' to='" + HOST + "' version='1.0'>";

    private MucBench() {}

    public static void main(String[] args) throws Exception {
        int joiners = 500;
        int occupants = 100;
        int messages = 20_000;
        int window = 1;
        int threads = 2;
        Path jar = Path.of("app", "target", "parley.jar");
        String heap = "1g";
        String serverOpts = "";
        int rounds = 3;
        String only = "both";
        boolean ws = false;
        int changes = 0;
        int spacing = 100;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--joiners" -> joiners = Integer.parseInt(v);
                case "--occupants" -> occupants = Integer.parseInt(v);
                case "--messages" -> messages = Integer.parseInt(v);
                case "--window" -> window = Integer.parseInt(v);
                case "--client-threads" -> threads = Integer.parseInt(v);
                case "--jar" -> jar = Path.of(v);
                case "--server-heap" -> heap = v;
                case "--server-java-opts" -> serverOpts = v;
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--only" -> only = v;
                case "--transport" -> ws = switch (v) {
                    case "websocket", "ws" -> true;
                    case "tls" -> false;
                    default -> throw new IllegalArgumentException("--transport: tls or websocket, not " + v);
                };
                case "--presence-changes" -> changes = Integer.parseInt(v);
                case "--change-spacing-ms" -> spacing = Integer.parseInt(v);
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        int code;
        try (Server server = Server.start(jar, heap, serverOpts, ws)) {
            code = new MucBench.Run(server, threads, ws, changes, spacing).execute(joiners, occupants, messages, window, rounds, only);
        } catch (Exception e) {
            System.out.println("FAILED: " + e);
            e.printStackTrace(System.out);
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static final class Run {
        private final Server server;
        private final EventLoopGroup loop;
        private final Bootstrap bootstrap;
        private final SslContext ssl;
        private final int threads;
        private final boolean ws;
        private final URI webSocketUri;
        private final int changes;
        private final int spacingMs;

        Run(Server server, int threads, boolean ws, int changes, int spacingMs) throws Exception {
            this.server = server;
            this.threads = threads;
            this.ws = ws;
            this.changes = changes;
            this.spacingMs = spacingMs;
            this.webSocketUri = URI.create("ws://127.0.0.1:" + server.httpPort + "/xmpp-websocket");
            boolean epoll = Epoll.isAvailable();
            loop = epoll ? new EpollEventLoopGroup(threads, new DefaultThreadFactory("client"))
                    : new NioEventLoopGroup(threads, new DefaultThreadFactory("client"));
            // BoringSSL when netty-tcnative loads: the JDK's SSLEngine costs the client more CPU than the server
            // spends, on the same two cores.
            ssl = SslContextBuilder.forClient().sslProvider(io.netty.handler.ssl.OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).protocols("TLSv1.3").build();
            bootstrap = new Bootstrap().group(loop).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                    .remoteAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), ws ? server.httpPort : server.port));
        }

        int execute(int joiners, int occupants, int messages, int window, int rounds, String only) throws Exception {
            try {
                System.out.printf("Parley MUC benchmark: server pid %d (%s), %d client thread(s), %d cores, load average %s%n",
                        server.process.pid(), server.describe(), threads, Runtime.getRuntime().availableProcessors(), loadAverage());
                System.out.println();
                if (!only.equals("fanout")) {
                    joinStorm("warm-up", Math.min(100, joiners));
                    List<JoinResult> joins = new ArrayList<>();
                    for (int r = 0; r < rounds; r++) joins.add(joinStorm("join storm", joiners));
                    joins.sort(Comparator.comparingDouble(JoinResult::seconds));
                    JoinResult best = joins.get(0);
                    JoinResult median = joins.get(joins.size() / 2);
                    if (changes > 0) {
                        List<JoinResult> byP99 = new ArrayList<>(joins);
                        byP99.sort(Comparator.comparingDouble(JoinResult::changeP99));
                        JoinResult m = byP99.get(byP99.size() / 2);
                        System.out.printf("SUMMARY presence change to %d occupants, %d changes %d ms apart: p50 %.2f ms,"
                                + " p99 %.2f ms, max %.2f ms (median round by p99)%n",
                                joiners, changes, spacingMs, m.changeP50, m.changeP99, m.changeMax);
                    }
                    System.out.printf("SUMMARY join storm, %d clients, %d rounds: full occupant lists after %.2f s median (%.2f s best),"
                            + " %,.0f presences/s median (%,.0f best); %,.0f presences per server CPU second median%n",
                            joiners, rounds, median.seconds, best.seconds, median.rate, best.rate, median.perServerCpu());
                    System.out.println();
                }
                if (!only.equals("join")) {
                    fanOut("warm-up", Math.min(20, occupants), Math.min(2000, messages), window);
                    List<FanOutResult> fans = new ArrayList<>();
                    for (int r = 0; r < rounds; r++) fans.add(fanOut("fan-out", occupants, messages, window));
                    fans.sort(Comparator.comparingDouble(FanOutResult::rate).reversed());
                    FanOutResult best = fans.get(0);
                    FanOutResult median = fans.get(fans.size() / 2);
                    System.out.printf("SUMMARY fan-out, %d occupants, window %d, %d rounds: %,.0f delivered stanzas/s median"
                            + " (%,.0f best), latency p50 %.2f ms, p99 %.2f ms (median round); %,.0f deliveries per server CPU second%n",
                            occupants, window, rounds, median.rate, best.rate, median.p50, median.p99, median.perServerCpu());
                }
                return 0;
            } finally {
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }

        record JoinResult(double seconds, double rate, double serverCpu, long delivered, double changeP50,
                          double changeP99, double changeMax) {
            double perServerCpu() { return delivered / Math.max(serverCpu, 1e-9); }
        }

        record FanOutResult(double rate, double p50, double p99, double serverCpu, long delivered) {
            double perServerCpu() { return delivered / Math.max(serverCpu, 1e-9); }
        }

        static String loadAverage() {
            try {
                return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
            } catch (IOException e) {
                return "?";
            }
        }

        static double clientCpu() {
            var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            return os instanceof com.sun.management.OperatingSystemMXBean o ? o.getProcessCpuTime() / 1e9 : 0;
        }

        JoinResult joinStorm(String label, int n) throws Exception {
            String room = "storm-" + label.replace(' ', '-') + "-" + System.nanoTime() + "@" + MUC;
            List<Client> clients = connect(n);
            CountDownLatch complete = new CountDownLatch(n);
            for (Client c : clients) c.expectPresences(n, complete);
            double cpu0 = server.cpuSeconds();
            double client0 = clientCpu();
            long t0 = System.nanoTime();
            for (Client c : clients) c.startedAt = t0;
            for (int i = 0; i < n; i++) clients.get(i).join(room, "p" + i);
            boolean done = complete.await(120 + n / 5, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            double cpu = server.cpuSeconds() - cpu0;
            double clientCpu = clientCpu() - client0;
            double seconds = (t1 - t0) / 1e9;
            long delivered = 0;
            for (Client c : clients) delivered += c.presences.get();
            if (!done) {
                close(clients);
                throw new IllegalStateException(label + ": only " + (n - complete.getCount()) + " of " + n
                        + " clients got the full occupant list; " + delivered + " presences delivered");
            }
            double rate = delivered / seconds;
            long[] completions = clients.stream().mapToLong(c -> c.completedAt - c.startedAt).sorted().toArray();
            System.out.printf("%-10s %4d clients join one room: everyone has all %d occupants after %.3f s"
                    + " (half of them after %.3f s); %,d presences, %,.0f presences/s; server CPU %.2f s"
                    + " (%,.0f presences per server CPU second), client CPU %.2f s, load %s%n",
                    label, n, n, seconds, completions[n / 2] / 1e9, delivered, rate, cpu, delivered / Math.max(cpu, 1e-9),
                    clientCpu, loadAverage());
            double[] change = changes > 0 && !label.equals("warm-up") ? presenceChanges(room, clients) : new double[3];
            close(clients);
            Thread.sleep(1000);
            return new JoinResult(seconds, rate, cpu, delivered, change[0], change[1], change[2]);
        }

        /**
         * Occupants of the full room change their presence {@link #changes} times, each stamped with its send time
         * and {@link #spacingMs} apart; returns p50, p99 and max (ms) over every occupant's receptions. Each change
         * comes from another occupant, as people mute and unmute: one occupant's own updates in a big room are held
         * to the room's presence rate ({@code muc.presence-updates-per-second}, 2), which would measure the hold.
         */
        double[] presenceChanges(String room, List<Client> clients) throws Exception {
            int n = clients.size();
            CountDownLatch all = new CountDownLatch(n);
            for (Client c : clients) c.expectMessages(changes, all);
            double cpu0 = server.cpuSeconds();
            for (int i = 0; i < changes; i++) {
                int who = (int) ((i * 7919L) % n); // distinct for changes < n when n is not a multiple of 7919
                clients.get(who).changePresence(room, "p" + who, i % 2 == 0);
                Thread.sleep(spacingMs);
            }
            if (!all.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("presence changes: " + all.getCount() + " of " + n + " occupants missed some");
            }
            double cpu = server.cpuSeconds() - cpu0;
            long[] latencies = collect(clients, (long) changes * n);
            int k = latencies.length;
            double[] r = {latencies[k / 2] / 1e6, latencies[Math.min(k - 1, (int) (k * 0.99))] / 1e6, latencies[k - 1] / 1e6};
            System.out.printf("           presence change to %d occupants, %d changes %d ms apart: p50 %.2f ms, p99 %.2f ms,"
                    + " max %.2f ms; server CPU %.2f s (%.1f us per delivery)%n",
                    n, changes, spacingMs, r[0], r[1], r[2], cpu, cpu * 1e6 / k);
            return r;
        }

        /** Every client's recorded latencies, sorted. */
        private static long[] collect(List<Client> clients, long expected) {
            long[] latencies = new long[(int) expected];
            int k = 0;
            for (Client c : clients) {
                int take = Math.min(c.latencyCount, latencies.length - k);
                System.arraycopy(c.latencies, 0, latencies, k, take);
                k += take;
            }
            long[] sorted = Arrays.copyOf(latencies, k);
            Arrays.sort(sorted);
            return sorted;
        }

        FanOutResult fanOut(String label, int m, int messages, int window) throws Exception {
            String room = "fanout-" + label + "-" + System.nanoTime() + "@" + MUC;
            List<Client> clients = connect(m);
            CountDownLatch joined = new CountDownLatch(m);
            for (Client c : clients) c.expectPresences(m, joined);
            for (int i = 0; i < m; i++) clients.get(i).join(room, "o" + i);
            if (!joined.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("fan-out room did not fill");
            Thread.sleep(200);
            CountDownLatch delivered = new CountDownLatch(m);
            for (Client c : clients) c.expectMessages(messages, delivered);
            Client sender = clients.get(0);
            double cpu0 = server.cpuSeconds();
            double client0 = clientCpu();
            long t0 = System.nanoTime();
            sender.startSending(room, messages, window);
            if (!delivered.await(300, TimeUnit.SECONDS)) throw new IllegalStateException("fan-out did not complete");
            long t1 = System.nanoTime();
            double cpu = server.cpuSeconds() - cpu0;
            double clientCpu = clientCpu() - client0;
            double seconds = (t1 - t0) / 1e9;
            long total = (long) messages * m;
            long[] latencies = new long[(int) total];
            int k = 0;
            for (Client c : clients) {
                System.arraycopy(c.latencies, 0, latencies, k, c.latencyCount);
                k += c.latencyCount;
            }
            Arrays.sort(latencies, 0, k);
            double p50 = latencies[(int) (k * 0.50)] / 1e6;
            double p99 = latencies[Math.min(k - 1, (int) (k * 0.99))] / 1e6;
            double max = latencies[k - 1] / 1e6;
            double rate = total / seconds;
            System.out.printf("%-10s %4d occupants, 1 sender, window %d: %,d messages in %.2f s = %,.0f messages/s,"
                    + " %,.0f delivered stanzas/s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; server CPU %.2f s,"
                    + " client CPU %.2f s, load %s%n",
                    label, m, window, messages, seconds, messages / seconds, rate, p50, p99, max, cpu, clientCpu, loadAverage());
            close(clients);
            Thread.sleep(1000);
            return new FanOutResult(rate, p50, p99, cpu, total);
        }

        private List<Client> connect(int n) throws Exception {
            List<Client> clients = new ArrayList<>(n);
            List<CompletableFuture<Void>> ready = new ArrayList<>(n);
            java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(64);
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                Client c = new Client();
                clients.add(c);
                ready.add(c.ready);
                c.ready.whenComplete((r, e) -> inFlight.release());
                bootstrap.clone().handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        c.ws = ws;
                        if (ws) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                    new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                                            .webSocketUri(webSocketUri).subprotocol("xmpp").handshakeTimeoutMillis(30_000)
                                            .maxFramePayloadLength(1 << 20).build()), c);
                            return;
                        }
                        SSLEngine engine = ssl.newEngine(ch.alloc(), HOST, server.port);
                        SSLParameters p = engine.getSSLParameters();
                        p.setServerNames(List.of(new SNIHostName(HOST)));
                        engine.setSSLParameters(p);
                        ch.pipeline().addLast(new SslHandler(engine), c);
                    }
                }).connect().addListener(f -> {
                    if (!f.isSuccess()) c.ready.completeExceptionally(f.cause());
                });
            }
            CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            return clients;
        }

        private static void close(List<Client> clients) {
            for (Client c : clients) if (c.channel != null) c.channel.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** A lightweight client: negotiates by text matching, then only counts stanzas and reads message timestamps. */
    private static final class Client extends ChannelInboundHandlerAdapter {
        private static final byte[] PRESENCE = "<presence".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] MESSAGE = "<message".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] BODY = "<body>".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] STATUS = "<status>".getBytes(StandardCharsets.US_ASCII);
        private static final String WS_OPEN = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='" + HOST + "' version='1.0'/>";

        final CompletableFuture<Void> ready = new CompletableFuture<>();
        volatile Channel channel;
        /** RFC 7395 framing: one element per text frame, {@code <open/>} for the stream header. */
        boolean ws;
        private int state;
        private final StringBuilder negotiation = new StringBuilder();
        final AtomicInteger presences = new AtomicInteger();
        volatile long startedAt;
        volatile long completedAt;
        private int presenceMatch;
        private int messageMatch;
        private int bodyMatch;
        private int statusMatch;
        private byte[] scratch = new byte[16 * 1024];
        private boolean inBody;
        private long bodyValue;
        private int expectPresences;
        private CountDownLatch presenceLatch;
        private int messagesSeen;
        private int expectMessages;
        private CountDownLatch messageLatch;
        long[] latencies = new long[0];
        int latencyCount;
        // sender
        private String room;
        private int toSend;
        private int sent;

        void expectPresences(int n, CountDownLatch latch) {
            channel.eventLoop().execute(() -> {
                expectPresences = n;
                presenceLatch = latch;
                presences.set(0);
            });
        }

        void expectMessages(int n, CountDownLatch latch) throws Exception {
            channel.eventLoop().submit(() -> {
                expectMessages = n;
                messageLatch = latch;
                messagesSeen = 0;
                latencies = new long[n];
                latencyCount = 0;
            }).get();
        }

        void join(String room, String nick) {
            channel.writeAndFlush(frame(channel.alloc(), "<presence xmlns='jabber:client' to='" + room + "/" + nick + "'>"
                    + "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>" + jitsiPresence(nick) + "</presence>"),
                    channel.voidPromise());
        }

        /** lib-jitsi-meet sends its whole presence again on every change (here: audio muted or not), with the send time. */
        void changePresence(String room, String nick, boolean audioMuted) {
            String p = jitsiPresence(nick).replace("<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>true",
                    "<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>" + audioMuted);
            channel.writeAndFlush(frame(channel.alloc(), "<presence xmlns='jabber:client' to='" + room + "/" + nick + "'>"
                    + "<status>" + System.nanoTime() + "</status>" + p + "</presence>"), channel.voidPromise());
        }

        private Object frame(io.netty.buffer.ByteBufAllocator alloc, String xml) {
            ByteBuf b = ByteBufUtil.writeUtf8(alloc, xml);
            return ws ? new TextWebSocketFrame(b) : b;
        }

        /** What lib-jitsi-meet puts into its MUC presence, give or take. */
        static String jitsiPresence(String nick) {
            return "<stats-id>Kirsten-Ys8</stats-id>"
                    + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://jitsi.org/jitsi-meet' ver='cvjWXufsg4xT62Ec2mlATkFZ9lk='/>"
                    + "<jitsi_participant_region>eu-central-1</jitsi_participant_region>"
                    + "<jitsi_participant_codecList>vp9,vp8,h264,av1</jitsi_participant_codecList>"
                    + "<nick xmlns='http://jabber.org/protocol/nick'>Participant " + nick + "</nick>"
                    + "<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>true</audiomuted>"
                    + "<videomuted xmlns='http://jitsi.org/jitmeet/video'>true</videomuted>"
                    + "<SourceInfo>{\"" + nick + "-a0\":{\"muted\":true},\"" + nick + "-v0\":{\"muted\":true}}</SourceInfo>"
                    + "<features><feature var='https://jitsi.org/meet/e2ee'/><feature var='https://jitsi.org/meet/jvb-ice'/>"
                    + "<feature var='http://jitsi.org/json-encoded-sources'/></features>";
        }

        void startSending(String room, int total, int window) {
            channel.eventLoop().execute(() -> {
                this.room = room;
                this.toSend = total;
                this.sent = 0;
                for (int i = 0; i < window && sent < toSend; i++) sendNext();
                channel.flush();
            });
        }

        private void sendNext() {
            sent++;
            channel.write(frame(channel.alloc(), "<message xmlns='jabber:client' to='" + room + "' type='groupchat'><body>"
                    + System.nanoTime() + "</body></message>"), channel.voidPromise());
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) write(ctx, HEADER);
                else ready.completeExceptionally(e.cause());
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                write(ctx, WS_OPEN);
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                ready.completeExceptionally(new IllegalStateException("WebSocket handshake timed out"));
            }
            ctx.fireUserEventTriggered(evt);
        }

        private void write(ChannelHandlerContext ctx, String s) {
            ctx.writeAndFlush(frame(ctx.alloc(), s), ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof WebSocketFrame f && !(f instanceof TextWebSocketFrame)) {
                f.release(); // pongs, close: nothing of the stream's
                return;
            }
            ByteBuf buf = msg instanceof WebSocketFrame f ? f.content() : (ByteBuf) msg;
            try {
                if (state < 4) {
                    negotiation.append(buf.toString(StandardCharsets.UTF_8));
                    negotiate(ctx);
                } else {
                    scan(buf);
                }
            } finally {
                buf.release();
            }
        }

        private void negotiate(ChannelHandlerContext ctx) {
            String s = negotiation.toString();
            switch (state) {
                case 0 -> {
                    if (s.contains("</stream:features>")) {
                        negotiation.setLength(0);
                        state = 1;
                        write(ctx, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
                    }
                }
                case 1 -> {
                    if (s.contains("<success")) {
                        negotiation.setLength(0);
                        state = 2;
                        write(ctx, ws ? WS_OPEN : HEADER);
                    } else if (s.contains("<failure")) {
                        ready.completeExceptionally(new IllegalStateException("SASL failed: " + s));
                    }
                }
                case 2 -> {
                    if (s.contains("</stream:features>")) {
                        negotiation.setLength(0);
                        state = 3;
                        write(ctx, "<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
                    }
                }
                case 3 -> {
                    if (s.contains("</iq>") || s.contains("</jid>")) {
                        negotiation.setLength(0);
                        state = 4;
                        if (ws) rawFrames(ctx);
                        ready.complete(null);
                    }
                }
                default -> { }
            }
        }

        /**
         * From here on the server's frames are scanned as raw bytes, without decoding them: a server frame is a
         * header of 2 to 10 bytes (unmasked) and the stanza, and the scan looks for {@code <presence}, {@code <body>}
         * and {@code <status>} only, which no header can fake. Netty's frame decoder, one object per stanza, cost
         * the client more CPU than the server spent sending a million presences. The encoder stays for what the
         * client sends (masked frames). Nothing arrives between the bind result and the join this client sends next.
         */
        private static void rawFrames(ChannelHandlerContext ctx) {
            var p = ctx.pipeline();
            p.remove(io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder.class);
            for (var name : p.names()) {
                if (p.get(name) instanceof io.netty.handler.codec.http.websocketx.Utf8FrameValidator) p.remove(name);
            }
            p.remove(WebSocketClientProtocolHandler.class);
        }

        /** Counts {@code <presence} and {@code <message} openings and reads the nanoTime body of messages. */
        private void scan(ByteBuf buf) {
            int messagesBefore = messagesSeen;
            // One bulk copy, then a plain array loop: ByteBuf.getByte checks bounds and reference count per byte.
            int end = buf.readableBytes();
            if (scratch.length < end) scratch = new byte[Math.max(end, 2 * scratch.length)];
            buf.getBytes(buf.readerIndex(), scratch, 0, end);
            byte[] bytes = scratch;
            for (int i = 0; i < end; i++) {
                if (!inBody && (presenceMatch | messageMatch | bodyMatch | statusMatch) == 0) {
                    // Every pattern starts with '<': between elements only that byte matters. Four matchers stepped
                    // over each of a storm's 700 million bytes took the client more CPU than the server's whole storm.
                    while (i < end && bytes[i] != '<') i++;
                    if (i == end) break;
                }
                byte b = bytes[i];
                if (inBody) {
                    if (b >= '0' && b <= '9') {
                        bodyValue = bodyValue * 10 + (b - '0');
                        continue;
                    }
                    inBody = false;
                    if (messageLatch != null && latencyCount < latencies.length) {
                        latencies[latencyCount++] = System.nanoTime() - bodyValue;
                    }
                }
                presenceMatch = step(PRESENCE, presenceMatch, b);
                if (presenceMatch == PRESENCE.length) {
                    presenceMatch = 0;
                    if (presences.incrementAndGet() == expectPresences && presenceLatch != null) {
                        completedAt = System.nanoTime();
                        presenceLatch.countDown();
                    }
                }
                messageMatch = step(MESSAGE, messageMatch, b);
                if (messageMatch == MESSAGE.length) messageMatch = 0;
                bodyMatch = step(BODY, bodyMatch, b);
                statusMatch = step(STATUS, statusMatch, b);
                if (bodyMatch == BODY.length || statusMatch == STATUS.length) {
                    bodyMatch = 0;
                    statusMatch = 0;
                    if (messageLatch != null) {
                        inBody = true;
                        bodyValue = 0;
                        messagesSeen++;
                    }
                }
            }
            if (messageLatch != null && messagesSeen > messagesBefore) {
                if (messagesSeen >= expectMessages && messagesBefore < expectMessages) messageLatch.countDown();
                if (room != null) {
                    // The sender: each reflected message lets the next one go.
                    for (int k = messagesBefore; k < messagesSeen && sent < toSend; k++) sendNext();
                    channel.flush();
                }
            }
        }

        private static int step(byte[] pattern, int matched, byte b) {
            if (pattern[matched] == b) return matched + 1;
            return b == '<' ? 1 : 0;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ready.completeExceptionally(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ready.completeExceptionally(new IllegalStateException("connection closed during negotiation"));
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The server under test, a child process on a throw-away data dir. */
    private static final class Server implements AutoCloseable {
        final Process process;
        final int port;
        final int httpPort;
        final Path dir;
        final Path log;
        final String heap;

        private Server(Process process, int port, int httpPort, Path dir, Path log, String heap) {
            this.process = process;
            this.port = port;
            this.httpPort = httpPort;
            this.dir = dir;
            this.log = log;
            this.heap = heap;
        }

        static Server start(Path jar, String heap, String opts, boolean ws) throws Exception {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("server jar " + jar.toAbsolutePath() + " not found; build it with"
                        + " `mvn -B -ntp -DskipTests -pl app,bench -am package` or pass --jar");
            }
            Path dir = Files.createTempDirectory("parley-muc-bench");
            int[] ports = FreePorts.take(3);
            Path conf = dir.resolve("parley.conf");
            Files.writeString(conf, ("""
                    parley {
                      data-dir = "%s"
                      listeners {
                        c2s { bind = "127.0.0.1", port = %d }
                        c2s-direct-tls { bind = "127.0.0.1", port = %d }
                        # off, not on their default ports, which a running server may hold
                        component { enabled = false }
                        s2s { enabled = false }
                      }
                      # secure: as behind a TLS-terminating proxy, as Jitsi deployments run it
                      http.listeners {
                        plain { enabled = true, bind = "127.0.0.1", port = %d, secure = true }
                        tls { enabled = false }
                      }
                      admin.enabled = false
                      focus.rest { bind = "127.0.0.1", port = 0 }
                    """ + ChildServer.BENCH_LIMITS + """
                    }
                    """).formatted(dir.resolve("state").toString().replace("\\", "\\\\"), ports[0], ports[1], ports[2]));
            Path log = dir.resolve("server.log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+UseG1GC"));
            cmd.addAll(LauncherOptions.JVM);
            for (String o : opts.trim().split("\\s+")) if (!o.isEmpty()) cmd.add(o);
            cmd.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "run", "--config", conf.toString()));
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Server s = new Server(p, ports[1], ports[2], dir, log, heap);
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) break;
                // Its client ports listen from its first moments; it serves once its last client listener says so.
                if (Files.exists(log) && Files.readString(log).contains("listening for HTTP on")) {
                    try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), ports[ws ? 2 : 1])) {
                        return s;
                    } catch (IOException notYet) {
                        // not yet
                    }
                }
                Thread.sleep(100);
            }
            String tail = Files.exists(log) ? String.join("\n", Files.readAllLines(log)) : "";
            s.close();
            throw new IllegalStateException("the server did not start:\n" + tail);
        }

        String describe() {
            return "heap " + heap + ", direct TLS on 127.0.0.1:" + port + ", ws://127.0.0.1:" + httpPort + "/xmpp-websocket";
        }

        /** User plus system CPU time of the server process so far, from /proc (0 where there is none). */
        double cpuSeconds() {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                return ticks / 100.0;
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        @Override
        public synchronized void close() {
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException e) {
                    System.err.println("could not delete " + dir + ": " + e);
                }
            }
        }

    }
}
