package org.parley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Heap per idle, authenticated, direct-TLS client session: starts {@code app/target/parley.jar} as a child
 * process on free loopback ports with a fresh embedded H2 data dir, opens N sessions over XEP-0368 direct TLS
 * (ANONYMOUS login, resource bind, initial presence) from a Netty client in this JVM, and compares the child's
 * live heap (after the full GC {@code jcmd GC.class_histogram} forces) with N sessions open against the
 * baseline with none open. The per-class difference shows where the bytes go.
 *
 * <pre>
 * mvn -B -ntp -DskipTests -pl app,bench -am package
 * java -Xmx3g -cp bench/target/benchmarks.jar org.parley.bench.IdleSessions --sessions 10000
 * </pre>
 *
 * Options: {@code --sessions N} (10000), {@code --jar FILE} (app/target/parley.jar), {@code --server-heap SIZE}
 * (1g), {@code --concurrency K} handshakes in flight (200), {@code --client-threads T} (2), {@code --top M}
 * classes to list (15). The client needs about 150 KB of heap per session (JDK SSLEngine + Netty), hence
 * {@code -Xmx3g} for 10,000. Exit code 0 on success, 1 when the server fails to start or more than 1% of the
 * sessions fail, 2 on bad arguments.
 */
public final class IdleSessions {
    private static final String HOST = "localhost";
    private static final String STREAM_HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            + "xmlns:stream='http://etherx.jabber.org/streams' to='" + HOST + "' version='1.0'>";
    private static final String AUTH = "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>";
    private static final String SASL_RESPONSE = "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
    private static final String BIND = "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>";
    private static final String PRESENCE = "<presence/>";
    private static final int WARMUP_SESSIONS = 200;
    private static final long HANDSHAKE_TIMEOUT_MS = 60_000;

    private IdleSessions() {}

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: java -Xmx3g -cp bench/target/benchmarks.jar org.parley.bench.IdleSessions"
                    + " [--sessions 10000] [--jar app/target/parley.jar] [--server-heap 1g] [--concurrency 200]"
                    + " [--client-threads 2] [--top 15]");
            System.exit(2);
            return;
        }
        int code;
        try {
            code = new IdleSessions.Run(o).execute();
        } catch (Exception e) {
            System.out.println("FAILED: " + e);
            e.printStackTrace(System.out);
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    // ---------------------------------------------------------------------------------------------------------

    record Options(int sessions, Path jar, String serverHeap, int concurrency, int clientThreads, int top) {
        static Options parse(String[] args) {
            int sessions = 10_000;
            Path jar = Path.of("app", "target", "parley.jar");
            String heap = "1g";
            int concurrency = 200;
            int threads = 2;
            int top = 15;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
                String v = args[++i];
                try {
                    switch (a) {
                        case "--sessions" -> sessions = Integer.parseInt(v);
                        case "--jar" -> jar = Path.of(v);
                        case "--server-heap" -> heap = v;
                        case "--concurrency" -> concurrency = Integer.parseInt(v);
                        case "--client-threads" -> threads = Integer.parseInt(v);
                        case "--top" -> top = Integer.parseInt(v);
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(a + ": not a number: " + v);
                }
            }
            if (sessions < 1 || concurrency < 1 || threads < 1 || top < 0) {
                throw new IllegalArgumentException("--sessions, --concurrency and --client-threads must be positive");
            }
            if (!heap.matches("\\d+[kKmMgG]?")) throw new IllegalArgumentException("--server-heap: not a size: " + heap);
            return new Options(sessions, jar, heap, concurrency, threads, top);
        }
    }

    /** One measurement: child server, client event loop, temp dir; everything torn down in {@link #execute}. */
    private static final class Run {
        private final Options o;
        private Path tmp;
        private Path serverLog;
        private volatile Process server;
        private EventLoopGroup loop;
        private Thread hook;

        Run(Options o) {
            this.o = o;
        }

        int execute() throws Exception {
            if (!Files.isRegularFile(o.jar())) {
                System.out.println("FAILED: server jar " + o.jar().toAbsolutePath() + " not found; build it with "
                        + "`mvn -B -ntp -DskipTests -pl app -am package` or pass --jar");
                return 1;
            }
            tmp = Files.createTempDirectory("parley-idle-sessions");
            hook = new Thread(this::cleanup, "idle-sessions-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return measure();
            } finally {
                cleanup();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // already running
                }
            }
        }

        private int measure() throws Exception {
            int[] ports = freePorts(2);
            int directTlsPort = ports[1];
            Path conf = tmp.resolve("parley.conf");
            Files.writeString(conf, """
                    parley {
                      data-dir = "%s"
                      listeners {
                        c2s { bind = "127.0.0.1", port = %d }
                        c2s-direct-tls { bind = "127.0.0.1", port = %d }
                      }
                      limits {
                        max-connections-per-address = 100000
                        registrations-per-address = 100000
                        # Opening 10,000 TLS sessions on a small machine can take longer than the default
                        # 300 s read-idle timeout, which would close the first ones before the measurement.
                        idle-timeout = 1h
                      }
                    }
                    """.formatted(tmp.resolve("state").toString().replace("\\", "\\\\"), ports[0], directTlsPort));
            serverLog = tmp.resolve("server.log");

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = List.of(java, "-Xmx" + o.serverHeap(), "-XX:+UseG1GC", "-jar",
                    o.jar().toAbsolutePath().toString(), "run", "--config", conf.toString());
            System.out.printf("Parley idle-session footprint: %,d direct-TLS sessions, server heap %s, %d client thread(s), %d handshakes in flight%n",
                    o.sessions(), o.serverHeap(), o.clientThreads(), o.concurrency());
            System.out.println("server: " + String.join(" ", cmd));
            server = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true)
                    .redirectOutput(serverLog.toFile()).start();
            long pid = server.pid();
            long t0 = System.nanoTime();
            if (!waitForPort(directTlsPort, 60_000)) {
                System.out.println("FAILED: the server did not accept connections on 127.0.0.1:" + directTlsPort
                        + " within 60 s" + (server.isAlive() ? "" : " (it exited with " + server.exitValue() + ")"));
                printServerLogTail(40);
                return 1;
            }
            System.out.printf("server pid %d up on 127.0.0.1:%d (direct TLS) after %.1f s%n", pid, directTlsPort, (System.nanoTime() - t0) / 1e9);

            SslContext ssl = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .protocols("TLSv1.3")
                    .build();
            boolean epoll = Epoll.isAvailable();
            loop = epoll ? new EpollEventLoopGroup(o.clientThreads(), new DefaultThreadFactory("client"))
                         : new NioEventLoopGroup(o.clientThreads(), new DefaultThreadFactory("client"));
            Client client = new Client(loop, epoll, ssl, new InetSocketAddress(InetAddress.getLoopbackAddress(), directTlsPort));

            // Warm-up: load and JIT everything a session touches, then close those sessions again.
            Batch warm = client.open(Math.min(WARMUP_SESSIONS, o.sessions()), o.concurrency());
            String problem = awaitBatch(warm, 120);
            if (problem != null) return fail("warm-up: " + problem);
            if (warm.failed.get() > 0) System.out.println("warm-up: " + warm.summary());
            warm.closeAll();
            Thread.sleep(2000);

            Histogram base = Histogram.take(pid);
            Histogram base2;
            for (int attempt = 0; ; attempt++) {
                Thread.sleep(2000);
                base2 = Histogram.take(pid);
                long drift = Math.abs(base2.totalBytes - base.totalBytes);
                if (drift <= Math.max(256 * 1024, base.totalBytes / 100) || attempt == 4) {
                    System.out.printf("baseline (0 sessions, after %d warm-up sessions): live heap %s, then %s 2 s later (drift %+,d B)%n",
                            warm.ready.get(), mib(base.totalBytes), mib(base2.totalBytes), base2.totalBytes - base.totalBytes);
                    break;
                }
                base = base2;
            }
            Histogram baseline = base2;
            long rssBefore = rssKib(pid);
            int fdsBefore = fdCount(pid);

            // The sessions under measurement.
            long start = System.nanoTime();
            Batch batch = client.open(o.sessions(), o.concurrency());
            long timeoutS = 120 + o.sessions() / 10;
            problem = awaitBatch(batch, timeoutS);
            if (problem != null) return fail(problem);
            double seconds = (System.nanoTime() - start) / 1e9;
            int failed = batch.failed.get();
            System.out.printf("opened %,d of %,d sessions in %.1f s: %,.0f sessions/s (%d failed)%n",
                    batch.ready.get(), o.sessions(), seconds, batch.ready.get() / seconds, failed);
            if (failed > 0) System.out.println("  first failure: " + batch.firstFailure.get());

            Thread.sleep(2000);
            int openBefore = batch.openCount();
            Histogram loaded = Histogram.take(pid);
            long rssAfter = rssKib(pid);
            int fdsAfter = fdCount(pid);
            int open = batch.openCount();
            if (open != openBefore || open != batch.ready.get()) {
                System.out.printf("note: %,d sessions ready, %,d connections open at measurement%n", batch.ready.get(), open);
            }

            if ((o.sessions() - open) * 100L > o.sessions()) {
                return fail(String.format("only %,d of %,d sessions were still open at measurement", open, o.sessions()));
            }
            int n = open;
            long delta = loaded.totalBytes - baseline.totalBytes;
            double perSession = (double) delta / n;
            System.out.println();
            System.out.printf("live heap with %,d idle sessions: %s (baseline %s, +%s)%n",
                    n, mib(loaded.totalBytes), mib(baseline.totalBytes), mib(delta));
            System.out.printf("HEAP PER IDLE SESSION: %.2f KiB (%,.0f bytes)  target <= 16 KiB: %s%n",
                    perSession / 1024, perSession, perSession <= 16 * 1024 ? "MET" : "NOT MET");
            System.out.printf("server RSS: %s before, %s after (+%.1f KiB per session)%n",
                    mibFromKib(rssBefore), mibFromKib(rssAfter), (double) (rssAfter - rssBefore) / n);
            System.out.printf("server open file descriptors: %,d before, %,d after%n", fdsBefore, fdsAfter);
            System.out.println();
            System.out.printf("top %d classes by live bytes added (per session = difference / %,d):%n", o.top(), n);
            System.out.printf("  %14s %12s %10s %9s  %s%n", "bytes", "instances", "B/session", "inst/sess", "class");
            for (Histogram.Row r : loaded.diff(baseline, o.top())) {
                System.out.printf("  %,14d %,12d %10.1f %9.2f  %s%n", r.bytes, r.instances, (double) r.bytes / n,
                        (double) r.instances / n, r.name);
            }

            batch.closeAll();
            warnings();
            System.out.println();
            System.out.println("done");
            return 0;
        }

        /**
         * Waits for every session of the batch to be ready or failed; null when they all got there with at most
         * 1% failed, else why not. Gives up early once more than 1% failed or the server process is gone.
         */
        private String awaitBatch(Batch b, long timeoutS) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
            while (!b.await(1)) {
                if (b.failed.get() * 100L > b.size) {
                    return String.format("more than 1%% of %,d sessions failed, stopped early: %s", b.size, b.summary());
                }
                if (!server.isAlive()) return "the server exited with " + server.exitValue() + ": " + b.summary();
                if (System.nanoTime() > deadline) return "not finished within " + timeoutS + " s: " + b.summary();
            }
            if (b.failed.get() * 100L > b.size) {
                return String.format("more than 1%% of %,d sessions failed: %s", b.size, b.summary());
            }
            return null;
        }

        private int fail(String why) throws IOException {
            System.out.println("FAILED: " + why);
            printServerLogTail(40);
            return 1;
        }

        private void warnings() throws IOException {
            if (serverLog == null || !Files.exists(serverLog)) return;
            List<String> bad;
            try (Stream<String> lines = Files.lines(serverLog, StandardCharsets.UTF_8)) {
                bad = lines.filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.startsWith("Exception")
                        || l.contains("OutOfMemoryError")).toList();
            }
            // The generated self-signed certificate is expected on a fresh data dir.
            List<String> unexpected = bad.stream().filter(l -> !l.contains("self-signed")).toList();
            if (!unexpected.isEmpty()) {
                System.out.printf("%nserver log has %d warning/error line(s); first ones:%n", unexpected.size());
                unexpected.stream().limit(10).forEach(l -> System.out.println("  " + l));
            }
        }

        private void printServerLogTail(int lines) throws IOException {
            if (serverLog == null || !Files.exists(serverLog)) return;
            List<String> all = Files.readAllLines(serverLog, StandardCharsets.UTF_8);
            System.out.println("---- last " + Math.min(lines, all.size()) + " lines of the server log (" + serverLog + ") ----");
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(System.out::println);
            System.out.println("----");
        }

        /** Idempotent; runs from the finally block and from the shutdown hook (Ctrl-C). */
        private synchronized void cleanup() {
            if (loop != null) {
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
                loop = null;
            }
            Process p = server;
            if (p != null) {
                p.destroy();
                try {
                    if (!p.waitFor(15, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        p.waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
                server = null;
            }
            if (tmp != null) {
                try (Stream<Path> walk = Files.walk(tmp)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException e) {
                    System.err.println("could not delete " + tmp + ": " + e);
                }
                tmp = null;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The Netty client: one channel per session, a tiny XMPP state machine each. */
    private static final class Client {
        private final Bootstrap bootstrap;
        private final SslContext ssl;

        Client(EventLoopGroup loop, boolean epoll, SslContext ssl, InetSocketAddress server) {
            this.ssl = ssl;
            this.bootstrap = new Bootstrap().group(loop)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                    .remoteAddress(server);
        }

        /** Starts n sessions, at most {@code inFlight} negotiating at once; returns without waiting. */
        Batch open(int n, int inFlight) throws InterruptedException {
            Batch b = new Batch(n, inFlight);
            Thread opener = new Thread(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        b.permits.acquire();
                        if (bootstrap.config().group().isShuttingDown()) return; // interrupted run, cleanup under way
                        connect(b);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "opener");
            opener.setDaemon(true);
            opener.start();
            return b;
        }

        private void connect(Batch b) {
            Session s = new Session(b);
            ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    // No peer host/port: the JDK client then neither caches nor resumes sessions, so every
                    // connection is a full handshake like a distinct client's. SNI is set explicitly.
                    SSLEngine engine = ssl.newEngine(ch.alloc());
                    SSLParameters params = engine.getSSLParameters();
                    params.setServerNames(List.of(new SNIHostName(HOST)));
                    engine.setSSLParameters(params);
                    SslHandler tls = new SslHandler(engine);
                    tls.setHandshakeTimeoutMillis(30_000); // Netty's 10 s is tight on a busy 2-core machine
                    ch.pipeline().addLast("tls", tls);
                    ch.pipeline().addLast("xmpp", s);
                }
            }).connect();
            f.addListener(done -> {
                if (!done.isSuccess()) s.failed("connect: " + done.cause());
                else b.channels.add(f.channel());
            });
        }
    }

    /** A set of sessions opened together. */
    private static final class Batch {
        final int size;
        final Semaphore permits;
        final CountDownLatch finished;
        final AtomicInteger ready = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicReference<String> firstFailure = new AtomicReference<>();
        final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

        Batch(int n, int inFlight) {
            size = n;
            permits = new Semaphore(inFlight);
            finished = new CountDownLatch(n);
        }

        boolean await(long seconds) throws InterruptedException {
            return finished.await(seconds, TimeUnit.SECONDS);
        }

        int openCount() {
            return channels.size();
        }

        String summary() {
            return ready.get() + " ready, " + failed.get() + " failed, " + finished.getCount() + " pending"
                    + (firstFailure.get() == null ? "" : "; first failure: " + firstFailure.get());
        }

        void closeAll() {
            channels.close().awaitUninterruptibly(30, TimeUnit.SECONDS);
        }
    }

    /** One client session's negotiation: direct TLS, stream, SASL ANONYMOUS, stream restart, bind, presence. */
    private static final class Session extends ChannelInboundHandlerAdapter {
        private enum Step { TLS, FEATURES, SASL, FEATURES_AFTER_AUTH, BIND, READY, DONE }

        private final Batch batch;
        private Step step = Step.TLS;
        private StringBuilder text = new StringBuilder(512);
        private io.netty.util.concurrent.ScheduledFuture<?> timeout;

        Session(Batch batch) {
            this.batch = batch;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            timeout = ctx.executor().schedule(() -> {
                failed("no session after " + HANDSHAKE_TIMEOUT_MS / 1000 + " s (step " + step + ")");
                ctx.close();
            }, HANDSHAKE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent hs) {
                if (!hs.isSuccess()) {
                    failed("TLS handshake: " + hs.cause());
                    ctx.close();
                    return;
                }
                step = Step.FEATURES;
                send(ctx, STREAM_HEADER);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                if (step == Step.READY || step == Step.DONE) return; // idle: drop keepalives and presence echoes
                text.append(buf.toString(StandardCharsets.UTF_8));
            } finally {
                buf.release();
            }
            if (text.indexOf("<stream:error") >= 0 || text.indexOf("</stream:stream>") >= 0) {
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
                        next(ctx, Step.FEATURES_AFTER_AUTH, STREAM_HEADER);
                    } else if (text.indexOf("<challenge") >= 0 && text.indexOf("</challenge>") >= 0) {
                        next(ctx, Step.SASL, SASL_RESPONSE);
                    } else if (text.indexOf("</failure>") >= 0) {
                        failed("SASL failure: " + abbreviate(text));
                        ctx.close();
                    }
                }
                case FEATURES_AFTER_AUTH -> {
                    if (text.indexOf("</stream:features>") >= 0) next(ctx, Step.BIND, BIND);
                }
                case BIND -> {
                    if (text.indexOf("</iq>") >= 0) {
                        if (text.indexOf("type='error'") >= 0 || text.indexOf("type=\"error\"") >= 0) {
                            failed("bind: " + abbreviate(text));
                            ctx.close();
                            return;
                        }
                        next(ctx, Step.READY, PRESENCE);
                        text = null;
                        timeout.cancel(false);
                        batch.ready.incrementAndGet();
                        batch.permits.release();
                        batch.finished.countDown();
                    }
                }
                default -> { }
            }
        }

        private void next(ChannelHandlerContext ctx, Step to, String xml) {
            text.setLength(0);
            step = to;
            send(ctx, xml);
        }

        private static void send(ChannelHandlerContext ctx, String xml) {
            ctx.writeAndFlush(ByteBufUtil.writeUtf8(ctx.alloc(), xml));
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
        void failed(String why) {
            if (step == Step.READY || step == Step.DONE) return;
            step = Step.DONE;
            if (timeout != null) timeout.cancel(false);
            batch.firstFailure.compareAndSet(null, why);
            batch.failed.incrementAndGet();
            batch.permits.release();
            batch.finished.countDown();
        }

        private static String abbreviate(CharSequence s) {
            return s.length() <= 300 ? s.toString() : s.subSequence(0, 300) + "...";
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** A parsed {@code jcmd <pid> GC.class_histogram} (which runs a full GC first, so it counts live objects). */
    static final class Histogram {
        record Row(String name, long instances, long bytes) {}

        final Map<String, Row> rows = new HashMap<>();
        long totalInstances;
        long totalBytes = -1;

        static Histogram take(long pid) throws IOException, InterruptedException {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            if (!Files.isExecutable(Path.of(jcmd))) jcmd = "jcmd";
            Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("jcmd GC.class_histogram timed out");
            }
            Histogram h = parse(out);
            if (p.exitValue() != 0 || h.totalBytes < 0) {
                throw new IOException("jcmd " + pid + " GC.class_histogram failed (exit " + p.exitValue() + "): "
                        + out.substring(0, Math.min(out.length(), 500)));
            }
            return h;
        }

        /** Lines {@code "   1:   123   4567  java.lang.String (java.base@17)"} and {@code "Total 123 4567"}. */
        static Histogram parse(String out) {
            Histogram h = new Histogram();
            for (String line : out.split("\n")) {
                String t = line.trim();
                if (t.startsWith("Total")) {
                    String[] f = t.split("\\s+");
                    if (f.length >= 3) {
                        h.totalInstances = Long.parseLong(f[1]);
                        h.totalBytes = Long.parseLong(f[2]);
                    }
                    continue;
                }
                int colon = t.indexOf(':');
                if (colon <= 0 || !t.substring(0, colon).chars().allMatch(Character::isDigit)) continue;
                String[] f = t.substring(colon + 1).trim().split("\\s+", 4);
                if (f.length < 3) continue;
                String name = f[2];
                // Hidden classes (lambdas) carry an address suffix that differs between runs but not between
                // two histograms of one process; keep the name as printed, without the module.
                Row r = new Row(name, Long.parseLong(f[0]), Long.parseLong(f[1]));
                h.rows.merge(name, r, (a, b) -> new Row(name, a.instances + b.instances, a.bytes + b.bytes));
            }
            return h;
        }

        /** The {@code limit} classes whose live bytes grew most from {@code base} to this histogram. */
        List<Row> diff(Histogram base, int limit) {
            List<Row> d = new ArrayList<>();
            for (Row r : rows.values()) {
                Row b = base.rows.get(r.name);
                long bytes = r.bytes - (b == null ? 0 : b.bytes);
                long inst = r.instances - (b == null ? 0 : b.instances);
                if (bytes != 0) d.add(new Row(r.name, inst, bytes));
            }
            d.sort(Comparator.comparingLong(Row::bytes).reversed());
            return d.subList(0, Math.min(limit, d.size()));
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
        } finally {
            for (ServerSocket s : sockets) if (s != null) s.close();
        }
        return ports;
    }

    private static boolean waitForPort(int port, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return true;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        return false;
    }

    /** VmRSS from /proc/PID/status in KiB; -1 where there is no /proc. */
    private static long rssKib(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    private static int fdCount(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,.1f MiB", bytes / 1024.0 / 1024.0);
    }

    private static String mibFromKib(long kib) {
        return kib < 0 ? "n/a" : String.format(Locale.ROOT, "%,.1f MiB", kib / 1024.0);
    }
}
