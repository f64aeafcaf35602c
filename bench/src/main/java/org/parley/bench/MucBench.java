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
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import org.parley.bench.servers.Ports;

/**
 * MUC load: starts {@code app/target/parley.jar} as a child process on free loopback ports (fresh embedded H2 data
 * dir, limits raised), and drives it from lightweight Netty clients in this JVM over direct TLS (XEP-0368, ANONYMOUS,
 * bind). Two measurements, each after a smaller warm-up run of the same kind:
 * <ul>
 * <li><b>Join storm</b>: N clients (500), all bound, send their join presence (a Jitsi-sized one, ~600 bytes of
 * extensions) at once; measured until every client has received the presence of every occupant, itself included
 * (N x N presences). Reports the time, presences delivered per second, and the server's CPU time.</li>
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
 * Options: {@code --joiners N} (500), {@code --occupants M} (100), {@code --messages K} (20000), {@code --window W}
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
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        int code;
        try (Server server = Server.start(jar, heap, serverOpts)) {
            code = new MucBench.Run(server, threads).execute(joiners, occupants, messages, window, rounds, only);
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

        Run(Server server, int threads) throws Exception {
            this.server = server;
            this.threads = threads;
            boolean epoll = Epoll.isAvailable();
            loop = epoll ? new EpollEventLoopGroup(threads, new DefaultThreadFactory("client"))
                    : new NioEventLoopGroup(threads, new DefaultThreadFactory("client"));
            ssl = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).protocols("TLSv1.3").build();
            bootstrap = new Bootstrap().group(loop).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                    .remoteAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port));
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

        record JoinResult(double seconds, double rate, double serverCpu, long delivered) {
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
            close(clients);
            Thread.sleep(1000);
            return new JoinResult(seconds, rate, cpu, delivered);
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

        final CompletableFuture<Void> ready = new CompletableFuture<>();
        volatile Channel channel;
        private int state;
        private final StringBuilder negotiation = new StringBuilder();
        final AtomicInteger presences = new AtomicInteger();
        volatile long startedAt;
        volatile long completedAt;
        private int presenceMatch;
        private int messageMatch;
        private int bodyMatch;
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
            channel.writeAndFlush(ByteBufUtil.writeUtf8(channel.alloc(), "<presence to='" + room + "/" + nick + "'>"
                    + "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>" + jitsiPresence(nick) + "</presence>"),
                    channel.voidPromise());
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
            channel.write(ByteBufUtil.writeUtf8(channel.alloc(), "<message to='" + room + "' type='groupchat'><body>"
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
            }
            ctx.fireUserEventTriggered(evt);
        }

        private static void write(ChannelHandlerContext ctx, String s) {
            ctx.writeAndFlush(ByteBufUtil.writeUtf8(ctx.alloc(), s), ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
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
                        write(ctx, HEADER);
                    } else if (s.contains("<failure")) {
                        ready.completeExceptionally(new IllegalStateException("SASL failed: " + s));
                    }
                }
                case 2 -> {
                    if (s.contains("</stream:features>")) {
                        negotiation.setLength(0);
                        state = 3;
                        write(ctx, "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
                    }
                }
                case 3 -> {
                    if (s.contains("</iq>") || s.contains("</jid>")) {
                        negotiation.setLength(0);
                        state = 4;
                        ready.complete(null);
                    }
                }
                default -> { }
            }
        }

        /** Counts {@code <presence} and {@code <message} openings and reads the nanoTime body of messages. */
        private void scan(ByteBuf buf) {
            int messagesBefore = messagesSeen;
            for (int i = buf.readerIndex(), end = buf.writerIndex(); i < end; i++) {
                byte b = buf.getByte(i);
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
                if (bodyMatch == BODY.length) {
                    bodyMatch = 0;
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
        final Path dir;
        final Path log;
        final String heap;

        private Server(Process process, int port, Path dir, Path log, String heap) {
            this.process = process;
            this.port = port;
            this.dir = dir;
            this.log = log;
            this.heap = heap;
        }

        static Server start(Path jar, String heap, String opts) throws Exception {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("server jar " + jar.toAbsolutePath() + " not found; build it with"
                        + " `mvn -B -ntp -DskipTests -pl app,bench -am package` or pass --jar");
            }
            Path dir = Files.createTempDirectory("parley-muc-bench");
            int[] ports = Ports.free(2);
            Path conf = dir.resolve("parley.conf");
            Files.writeString(conf, ("""
                    parley {
                      data-dir = "%s"
                      listeners {
                        c2s { bind = "127.0.0.1", port = %d }
                        c2s-direct-tls { bind = "127.0.0.1", port = %d }
                      }
                      admin.enabled = false
                      focus.rest { bind = "127.0.0.1", port = 0 }
                    """ + ChildServer.BENCH_LIMITS + """
                    }
                    """).formatted(dir.resolve("state").toString().replace("\\", "\\\\"), ports[0], ports[1]));
            Path log = dir.resolve("server.log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+UseG1GC"));
            for (String o : opts.trim().split("\\s+")) if (!o.isEmpty()) cmd.add(o);
            cmd.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "run", "--config", conf.toString()));
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Server s = new Server(p, ports[1], dir, log, heap);
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) break;
                try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), ports[1])) {
                    return s;
                } catch (IOException notYet) {
                    Thread.sleep(200);
                }
            }
            String tail = Files.exists(log) ? String.join("\n", Files.readAllLines(log)) : "";
            s.close();
            throw new IllegalStateException("the server did not start:\n" + tail);
        }

        String describe() {
            return "heap " + heap + ", direct TLS on 127.0.0.1:" + port;
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
