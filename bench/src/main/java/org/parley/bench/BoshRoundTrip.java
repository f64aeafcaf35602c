package org.parley.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * BOSH message round trip with many concurrent sessions: starts {@code app/target/parley.jar} as a child process
 * ({@link ChildServer}), logs in N BOSH sessions ANONYMOUSly over the plain HTTP listener ({@link BoshClientSession}:
 * wait 60, hold 1, so each keeps one long-poll held and may add one request to send), pairs them up, and has every
 * session send a timestamped chat message to its partner at a fixed rate. The round trip is the time from the
 * sender's timer firing (so a message queued behind the sender's own requests counts its wait) to the message
 * arriving in the answer to the partner's long-poll. Messages sent in the warm-up are not counted; those sent in
 * the measurement window are, whenever they arrive.
 *
 * <pre>
 * mvn -B -ntp -DskipTests -pl app,bench -am package
 * java -Xmx1g -cp bench/target/benchmarks.jar org.parley.bench.BoshRoundTrip --sessions 1000
 * </pre>
 *
 * Options: {@code --sessions N} (1000), {@code --rate R} messages per second over all sessions (200: each
 * session sends every N/R s), {@code --duration S} seconds measured (30), {@code --warmup S} seconds of traffic
 * before that (10), {@code --wait S} BOSH wait (60), {@code --concurrency K} logins in flight (100),
 * {@code --client-threads T} (2), {@code --jar FILE}, {@code --server-heap SIZE} (1g), {@code --top M} heap
 * classes to list (10); {@code -Dbosh.debug=true} prints every request and answer. Also prints the server's live heap, RSS and descriptors per logged-in BOSH session
 * (each with its held request and its connection), and the server's CPU use during the window. Exit code 0 on
 * success, 1 when the server fails to start, more than 1% of the logins or of the messages fail, 2 on bad arguments.
 */
public final class BoshRoundTrip {
    private static final String PATH = "/http-bind";
    private static final int WARMUP_SESSIONS = 100;

    private BoshRoundTrip() {}

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: java -cp bench/target/benchmarks.jar org.parley.bench.BoshRoundTrip [--sessions 1000]"
                    + " [--rate 200] [--duration 30] [--warmup 10] [--wait 60] [--concurrency 100] [--client-threads 2]"
                    + " [--jar app/target/parley.jar] [--server-heap 1g] [--top 10]");
            System.exit(2);
            return;
        }
        int code;
        try {
            code = run(o);
        } catch (Exception e) {
            System.out.println("FAILED: " + e);
            e.printStackTrace(System.out);
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    record Options(int sessions, double rate, int duration, int warmup, int waitSeconds, int concurrency,
                   int clientThreads, Path jar, String serverHeap, int top) {
        static Options parse(String[] args) {
            int sessions = 1000, duration = 30, warmup = 10, wait = 60, concurrency = 100, threads = 2, top = 10;
            double rate = 200;
            Path jar = Path.of("app", "target", "parley.jar");
            String heap = "1g";
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
                String v = args[++i];
                try {
                    switch (a) {
                        case "--sessions" -> sessions = Integer.parseInt(v);
                        case "--rate" -> rate = Double.parseDouble(v);
                        case "--duration" -> duration = Integer.parseInt(v);
                        case "--warmup" -> warmup = Integer.parseInt(v);
                        case "--wait" -> wait = Integer.parseInt(v);
                        case "--concurrency" -> concurrency = Integer.parseInt(v);
                        case "--client-threads" -> threads = Integer.parseInt(v);
                        case "--jar" -> jar = Path.of(v);
                        case "--server-heap" -> heap = v;
                        case "--top" -> top = Integer.parseInt(v);
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(a + ": not a number: " + v);
                }
            }
            if (sessions < 2 || rate <= 0 || duration < 1 || warmup < 0 || wait < 1 || concurrency < 1 || threads < 1 || top < 0) {
                throw new IllegalArgumentException("--sessions must be at least 2; --rate, --duration, --wait, --concurrency"
                        + " and --client-threads positive");
            }
            if (!heap.matches("\\d+[kKmMgG]?")) throw new IllegalArgumentException("--server-heap: not a size: " + heap);
            return new Options(sessions, rate, duration, warmup, wait, concurrency, threads, jar, heap, top);
        }
    }

    private static int run(Options o) throws Exception {
        return ChildServer.run(o.jar(), o.serverHeap(), o.clientThreads(), "bosh-round-trip", (server, loops) -> measure(o, server, loops));
    }

    private static int measure(Options o, ChildServer server, EventLoopGroup loops) throws Exception {
        int port = server.httpPort();
        System.out.printf("Parley BOSH round trip: %,d sessions, %,.0f messages/s in all (one every %.2f s per session),"
                        + " %d s warm-up + %d s measured, wait %d, server heap %s, %d client thread(s)%n",
                o.sessions(), o.rate(), o.sessions() / o.rate(), o.warmup(), o.duration(), o.waitSeconds(), o.serverHeap(),
                o.clientThreads());
        System.out.println("server: " + String.join(" ", server.command()));
        long t0 = System.nanoTime();
        if (!server.start(port, 60_000)) {
            System.out.println("FAILED: the server did not accept connections on 127.0.0.1:" + port + " within 60 s ("
                    + server.exitDescription() + ")");
            server.printLogTail(40);
            return 1;
        }
        long pid = server.pid();
        System.out.printf("server pid %d up on http://127.0.0.1:%d%s after %.1f s%n", pid, port, PATH, (System.nanoTime() - t0) / 1e9);

        Bootstrap base = new Bootstrap()
                .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .remoteAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        BoshStats stats = new BoshStats();
        BoshClientSession.Shared shared = new BoshClientSession.Shared(base, "127.0.0.1:" + port, PATH, o.waitSeconds(), stats);

        // Warm-up logins, ended again, so that the baseline heap has everything a session loads once.
        List<BoshClientSession> warm = new ArrayList<>();
        SessionBatch warmBatch = login(shared, loops, Math.min(WARMUP_SESSIONS, o.sessions()), o.concurrency(), warm);
        String problem = warmBatch.await(120, server::alive);
        if (problem != null) return fail(server, "warm-up: " + problem);
        terminate(warm, 30);
        Thread.sleep(2000);
        HeapHistogram baseline = HeapHistogram.settled(pid, "0 sessions, after " + warm.size() + " warm-up BOSH sessions");
        long rssBefore = ProcessStats.rssKib(pid);
        ProcessStats.Fds fdsBefore = ProcessStats.fds(pid);

        List<BoshClientSession> sessions = new ArrayList<>();
        long loginStart = System.nanoTime();
        SessionBatch batch = login(shared, loops, o.sessions(), o.concurrency(), sessions);
        problem = batch.await(120 + o.sessions() / 10, server::alive);
        if (problem != null) return fail(server, problem);
        double loginSeconds = (System.nanoTime() - loginStart) / 1e9;
        System.out.printf("logged in %,d of %,d BOSH sessions in %.1f s: %,.0f sessions/s (%d failed)%n",
                batch.ready.get(), o.sessions(), loginSeconds, batch.ready.get() / loginSeconds, batch.failed.get());
        if (batch.failed.get() > 0) System.out.println("  first failure: " + batch.firstFailure.get());

        Thread.sleep(2000);
        HeapHistogram loaded = HeapHistogram.take(pid);
        long rssAfter = ProcessStats.rssKib(pid);
        ProcessStats.Fds fdsAfter = ProcessStats.fds(pid);
        int n = sessions.size();
        System.out.println();
        loaded.printGrowth(baseline, n, "logged-in BOSH sessions, each with one held request");
        System.out.printf("server RSS: %s before, %s after (+%.1f KiB per session)%n",
                ProcessStats.mibFromKib(rssBefore), ProcessStats.mibFromKib(rssAfter), (double) (rssAfter - rssBefore) / n);
        System.out.printf("server open file descriptors: before %s%n", fdsBefore);
        System.out.printf("                               after %s (+%.2f per session)%n", fdsAfter,
                (double) (fdsAfter.total() - fdsBefore.total()) / n);
        loaded.printTop(baseline, n, o.top());

        // Traffic: pairs (0,1), (2,3), ...; an odd last session writes to itself.
        Collections.shuffle(sessions); // partners on different client loops as often as not
        long period = (long) (o.sessions() / o.rate() * 1e9);
        long now = System.nanoTime();
        stats.windowStart = now + TimeUnit.SECONDS.toNanos(o.warmup());
        stats.windowEnd = stats.windowStart + TimeUnit.SECONDS.toNanos(o.duration());
        for (int i = 0; i < n; i++) {
            BoshClientSession partner = sessions.get((i ^ 1) < n ? i ^ 1 : i);
            sessions.get(i).startSending(partner.jid(), period, stats.windowEnd);
        }
        System.out.println();
        System.out.printf("traffic started; measuring from %d s to %d s%n", o.warmup(), o.warmup() + o.duration());
        if (!sleepUntil(stats.windowStart, server)) return fail(server, "the server is gone during the warm-up");
        Duration serverCpu0 = ProcessStats.cpu(pid);
        Duration clientCpu0 = ProcessStats.cpu(ProcessHandle.current().pid());
        stats.requestsAtStart = stats.requests.sum();
        String load0 = ProcessStats.loadAverage();
        if (!sleepUntil(stats.windowEnd, server)) return fail(server, "the server is gone during the measurement");
        Duration serverCpu = ProcessStats.cpu(pid).minus(serverCpu0);
        Duration clientCpu = ProcessStats.cpu(ProcessHandle.current().pid()).minus(clientCpu0);
        stats.requestsAtEnd = stats.requests.sum();
        String load1 = ProcessStats.loadAverage();
        // Messages still on their way: up to 10 s more.
        long graceEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stats.received.sum() < stats.sent.sum() && System.nanoTime() < graceEnd) Thread.sleep(100);

        int code = report(o, stats, serverCpu, clientCpu, load0, load1);

        long closeStart = System.nanoTime();
        int closed = terminate(sessions, 60);
        System.out.printf("%nterminated %,d of %,d sessions in %.1f s%n", closed, n, (System.nanoTime() - closeStart) / 1e9);
        server.printProblems(10);
        System.out.println();
        System.out.println(code == 0 ? "done" : "FAILED (see above)");
        return code;
    }

    private static int report(Options o, BoshStats stats, Duration serverCpu, Duration clientCpu, String load0, String load1) {
        Histogram h = stats.latency();
        long sent = stats.sent.sum();
        long received = stats.received.sum();
        long lost = sent - received;
        double seconds = o.duration();
        System.out.println();
        System.out.printf("messages sent in the %d s window: %,d (%,.1f/s), arrived: %,d (%,.1f/s), missing after 10 s: %,d%n",
                o.duration(), sent, sent / seconds, received, received / seconds, lost);
        System.out.printf("HTTP requests in the window: %,d (%,.1f/s); empty answers so far: %,d; requests resent after a broken connection: %,d%n",
                stats.requestsAtEnd - stats.requestsAtStart, (stats.requestsAtEnd - stats.requestsAtStart) / seconds,
                stats.emptyAnswers.sum(), stats.retries.sum());
        if (h.getTotalCount() > 0) {
            System.out.printf("ROUND TRIP (ms): median %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (min %.2f, mean %.2f, n=%,d)%n",
                    ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                    ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), ms(h.getMinValue()), h.getMean() / 1000,
                    h.getTotalCount());
        } else {
            System.out.println("ROUND TRIP: no message arrived");
        }
        System.out.printf("CPU in the window: server %.1f s (%.0f%% of one core), client %.1f s (%.0f%%); load average %s -> %s (%d cores)%n",
                serverCpu.toMillis() / 1000.0, serverCpu.toMillis() / 10.0 / seconds,
                clientCpu.toMillis() / 1000.0, clientCpu.toMillis() / 10.0 / seconds, load0, load1,
                Runtime.getRuntime().availableProcessors());
        Map<String, Long> errors = stats.errors();
        if (errors.isEmpty()) {
            System.out.println("errors: none");
        } else {
            System.out.println("errors:");
            errors.forEach((k, v) -> System.out.printf("  %,8d  %s%n", v, k));
        }
        if (stats.receivedOther.sum() > 0) {
            System.out.printf("(%,d messages sent in the warm-up or after the window arrived too)%n", stats.receivedOther.sum());
        }
        boolean ok = received > 0 && lost * 100 <= sent;
        if (!ok) System.out.println("more than 1% of the messages did not arrive");
        return ok ? 0 : 1;
    }

    /** Logs in {@code n} sessions, {@code inFlight} at a time, round robin over the loops; the ready ones go to {@code into}. */
    private static SessionBatch login(BoshClientSession.Shared shared, EventLoopGroup loops, int n, int inFlight,
                                      List<BoshClientSession> into) {
        SessionBatch b = new SessionBatch(n, inFlight);
        Thread opener = new Thread(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    b.permits.acquire();
                    if (loops.isShuttingDown()) return;
                    BoshClientSession s = new BoshClientSession(shared, (EventLoop) loops.next(), ready -> {
                        synchronized (into) {
                            into.add(ready);
                        }
                        b.ready();
                    }, b::failed);
                    s.start();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bosh-opener");
        opener.setDaemon(true);
        opener.start();
        return b;
    }

    /** Terminates the sessions; returns how many got the server's terminate answer within {@code seconds}. */
    private static int terminate(List<BoshClientSession> sessions, int seconds) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(sessions.size());
        AtomicInteger clean = new AtomicInteger();
        for (BoshClientSession s : sessions) {
            s.terminate(ok -> {
                if (ok) clean.incrementAndGet();
                done.countDown();
            });
        }
        done.await(seconds, TimeUnit.SECONDS);
        return clean.get();
    }

    private static boolean sleepUntil(long nanoTime, ChildServer server) throws InterruptedException {
        while (System.nanoTime() < nanoTime) {
            if (!server.alive()) return false;
            Thread.sleep(Math.min(200, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanoTime - System.nanoTime()))));
        }
        return true;
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    private static int fail(ChildServer server, String why) throws java.io.IOException {
        System.out.println("FAILED: " + why);
        server.printLogTail(40);
        return 1;
    }
}
