package org.parley.bench;

import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Heap per idle, authenticated client session: starts {@code app/target/parley.jar} as a child process on free
 * loopback ports with a fresh embedded H2 data dir ({@link ChildServer}), opens N sessions (ANONYMOUS login,
 * resource bind, initial presence) from a Netty client in this JVM ({@link IdleClient}), and compares the
 * child's live heap (after the full GC {@code jcmd GC.class_histogram} forces) with N sessions open against
 * the baseline with none open ({@link HeapHistogram}). The per-class difference shows where the bytes go.
 *
 * <pre>
 * mvn -B -ntp -DskipTests -pl app,bench -am package
 * java -Xmx3g -cp bench/target/benchmarks.jar org.parley.bench.IdleSessions --sessions 10000
 * java -Xmx3g -cp bench/target/benchmarks.jar org.parley.bench.IdleSessions --sessions 10000 --transport websocket
 * </pre>
 *
 * Options: {@code --transport tls|websocket} (tls: XEP-0368 direct TLS; websocket: RFC 7395 over ws:// to the
 * plain HTTP listener, configured as behind a TLS proxy), {@code --sessions N} (10000), {@code --jar FILE}
 * (app/target/parley.jar), {@code --server-heap SIZE} (1g), {@code --concurrency K} handshakes in flight (200),
 * {@code --client-threads T} (2), {@code --top M} classes to list (15), {@code --source-addresses K} (client
 * source addresses 127.0.0.2 …, by default one per 25,000 sessions), {@code --stream-management on|off} (XEP-0198
 * enable with resumption after bind and answers to the server's ack requests, as lib-jitsi-meet; on by default over
 * WebSocket), {@code --login-seconds S} (0: off; else a closed loop of logins, {@code --login-concurrency C} (16)
 * in flight, measured for S seconds on the empty server after a 20 s warm-up, again with the N sessions open, and
 * once they are closed). With {@code -XX:NativeMemoryTracking=summary} in {@code PARLEY_SERVER_JVM_OPTIONS} the
 * growth is also split by the JVM's native memory categories. N is capped to what the descriptor limit allows
 * (the server inherits this process's {@code ulimit -n}). The TLS client needs about 150 KB of
 * heap per session (JDK SSLEngine + Netty), hence {@code -Xmx3g} for 10,000. Exit code 0 on success, 1 when the
 * server fails to start or more than 1% of the sessions fail, 2 on bad arguments.
 */
public final class IdleSessions {
    private static final int WARMUP_SESSIONS = 200;
    /** Sessions per client source address: below the default ephemeral port range's 28,232 ports. */
    static final int SESSIONS_PER_SOURCE = 25_000;
    /** Descriptors the server needs beside its sessions (jars, epoll, log, H2) and the login probe's. */
    private static final int DESCRIPTOR_MARGIN = 400;
    private static final int LOGIN_WARMUP_SECONDS = 20;

    private IdleSessions() {}

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: java -Xmx3g -cp bench/target/benchmarks.jar org.parley.bench.IdleSessions"
                    + " [--transport tls|websocket] [--sessions 10000] [--jar app/target/parley.jar] [--server-heap 1g]"
                    + " [--concurrency 200] [--client-threads 2] [--top 15] [--source-addresses K]"
                    + " [--stream-management on|off] [--login-seconds 0] [--login-concurrency 16]");
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

    record Options(IdleClient.Transport transport, int sessions, Path jar, String serverHeap, int concurrency,
                   int clientThreads, int top, int sourceAddresses, Boolean streamManagement, int loginSeconds,
                   int loginConcurrency) {
        static Options parse(String[] args) {
            IdleClient.Transport transport = IdleClient.Transport.TLS;
            int sources = -1;
            Boolean sm = null;
            int loginSeconds = 0;
            int loginConcurrency = 16;
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
                        case "--transport" -> transport = switch (v.toLowerCase(Locale.ROOT)) {
                            case "tls" -> IdleClient.Transport.TLS;
                            case "websocket", "ws" -> IdleClient.Transport.WEBSOCKET;
                            default -> throw new IllegalArgumentException("--transport: tls or websocket, not " + v);
                        };
                        case "--sessions" -> sessions = Integer.parseInt(v);
                        case "--jar" -> jar = Path.of(v);
                        case "--server-heap" -> heap = v;
                        case "--concurrency" -> concurrency = Integer.parseInt(v);
                        case "--client-threads" -> threads = Integer.parseInt(v);
                        case "--top" -> top = Integer.parseInt(v);
                        case "--source-addresses" -> sources = Integer.parseInt(v);
                        case "--stream-management" -> sm = switch (v) {
                            case "on", "true" -> Boolean.TRUE;
                            case "off", "false" -> Boolean.FALSE;
                            default -> throw new IllegalArgumentException("--stream-management: on or off, not " + v);
                        };
                        case "--login-seconds" -> loginSeconds = Integer.parseInt(v);
                        case "--login-concurrency" -> loginConcurrency = Integer.parseInt(v);
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(a + ": not a number: " + v);
                }
            }
            if (sessions < 1 || concurrency < 1 || threads < 1 || top < 0 || loginConcurrency < 1 || loginSeconds < 0
                    || sources > 250) {
                throw new IllegalArgumentException("--sessions, --concurrency, --client-threads and --login-concurrency"
                        + " must be positive, --source-addresses at most 250");
            }
            if (!heap.matches("\\d+[kKmMgG]?")) throw new IllegalArgumentException("--server-heap: not a size: " + heap);
            if (sm == Boolean.TRUE && transport != IdleClient.Transport.WEBSOCKET) {
                throw new IllegalArgumentException("--stream-management on needs --transport websocket");
            }
            return new Options(transport, sessions, jar, heap, concurrency, threads, top, sources, sm, loginSeconds,
                    loginConcurrency);
        }

        /** XEP-0198 as lib-jitsi-meet has it: on by default over WebSocket. */
        boolean sm() {
            return streamManagement != null ? streamManagement : transport == IdleClient.Transport.WEBSOCKET;
        }

        /**
         * The client's local addresses: 127.0.0.2 … as many as {@code --source-addresses} says, by default one per
         * {@value #SESSIONS_PER_SOURCE} sessions (none below that: the kernel picks 127.0.0.1).
         */
        List<InetAddress> sources() throws java.net.UnknownHostException {
            int k = sourceAddresses >= 0 ? sourceAddresses
                    : sessions <= SESSIONS_PER_SOURCE ? 0 : (sessions + SESSIONS_PER_SOURCE - 1) / SESSIONS_PER_SOURCE;
            List<InetAddress> list = new ArrayList<>();
            for (int i = 0; i < k; i++) list.add(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i)}));
            return list;
        }

        String transportName() {
            return transport == IdleClient.Transport.TLS ? "direct-TLS" : "WebSocket";
        }
    }

    private static int run(Options o) throws Exception {
        return ChildServer.run(o.jar(), o.serverHeap(), o.clientThreads(), "idle-sessions", (server, loops) -> measure(o, server, loops));
    }

    private static int measure(Options o, ChildServer server, EventLoopGroup loop) throws Exception {
        boolean ws = o.transport() == IdleClient.Transport.WEBSOCKET;
        int port = ws ? server.httpPort() : server.directTlsPort();
        int sessions = o.sessions();
        long limit = ProcessStats.openFilesLimit();
        if (limit > 0 && sessions + DESCRIPTOR_MARGIN + o.loginConcurrency() > limit) {
            int capped = (int) Math.max(1, limit - DESCRIPTOR_MARGIN - o.loginConcurrency());
            System.out.printf("NOTE: the descriptor limit (ulimit -n %,d, inherited by the server) leaves room for %,d"
                    + " sessions, not %,d: measuring %,d. Raise it (ulimit -n, up to the hard limit %s) to open more.%n",
                    limit, capped, sessions, capped, ProcessStats.openFilesHardLimit());
            sessions = capped;
        }
        List<InetAddress> sources = o.sources();
        System.out.printf("Parley idle-session footprint: %,d %s sessions%s, server heap %s, %d client thread(s), %d handshakes in flight%n",
                sessions, o.transportName(), o.sm() ? " with XEP-0198" : "", o.serverHeap(), o.clientThreads(), o.concurrency());
        if (!sources.isEmpty()) {
            System.out.println("client source addresses: " + sources.stream().map(InetAddress::getHostAddress).toList());
        }
        System.out.println("server: " + String.join(" ", server.command()));
        long t0 = System.nanoTime();
        if (!server.start(port, 60_000)) {
            System.out.println("FAILED: the server did not accept connections on 127.0.0.1:" + port + " within 60 s ("
                    + server.exitDescription() + ")");
            server.printLogTail(40);
            return 1;
        }
        long pid = server.pid();
        System.out.printf("server pid %d up on 127.0.0.1:%d (%s) after %.1f s%n", pid, port,
                ws ? "HTTP, ws://127.0.0.1:" + port + IdleClient.WEBSOCKET_PATH : "direct TLS", (System.nanoTime() - t0) / 1e9);

        IdleClient client = new IdleClient(o.transport(), loop, port, sources, o.sm());
        // The login probe comes from 127.0.0.1 (no bound source), apart from the held sessions' addresses.
        IdleClient prober = new IdleClient(o.transport(), loop, port, List.of(), o.sm());

        // Warm-up: load and JIT everything a session touches, then close those sessions again.
        SessionBatch warm = client.open(Math.min(WARMUP_SESSIONS, sessions), o.concurrency());
        String problem = warm.await(120, server::alive);
        if (problem != null) return fail(server, "warm-up: " + problem);
        if (warm.failed.get() > 0) System.out.println("warm-up: " + warm.summary());
        warm.closeAll();
        LoginRate empty = null;
        if (o.loginSeconds() > 0) {
            // A fresh JVM compiles its login path for its first ~20 s: the rate to compare is the warm one.
            LoginRate warmLogins = LoginRate.measure(prober, pid, o.loginConcurrency(), LOGIN_WARMUP_SECONDS);
            System.out.println("login warm-up:                " + warmLogins);
            empty = LoginRate.measure(prober, pid, o.loginConcurrency(), o.loginSeconds());
            System.out.println("logins on the empty server:   " + empty);
        }
        Thread.sleep(2000);

        HeapHistogram baseline = HeapHistogram.settled(pid, "0 sessions, after " + warm.ready.get() + " warm-up sessions");
        long rssBefore = ProcessStats.rssKib(pid);
        ProcessStats.Fds fdsBefore = ProcessStats.fds(pid);
        boolean nmt = NativeMemory.tracked(server.command());
        NativeMemory nativeBefore = nmt ? NativeMemory.take(pid) : null;

        // The sessions under measurement.
        long start = System.nanoTime();
        SessionBatch batch = client.open(sessions, o.concurrency());
        problem = batch.await(120 + sessions / 10, server::alive);
        if (problem != null) return fail(server, problem);
        double seconds = (System.nanoTime() - start) / 1e9;
        int failed = batch.failed.get();
        System.out.printf("opened %,d of %,d sessions in %.1f s: %,.0f sessions/s (%d failed)%n",
                batch.ready.get(), sessions, seconds, batch.ready.get() / seconds, failed);
        if (failed > 0) System.out.println("  first failure: " + batch.firstFailure.get());

        Thread.sleep(2000);
        int openBefore = batch.openCount();
        HeapHistogram loaded = HeapHistogram.take(pid);
        long rssAfter = ProcessStats.rssKib(pid);
        ProcessStats.Fds fdsAfter = ProcessStats.fds(pid);
        NativeMemory nativeAfter = nmt ? NativeMemory.take(pid) : null;
        int open = batch.openCount();
        if (open != openBefore || open != batch.ready.get()) {
            System.out.printf("note: %,d sessions ready, %,d connections open at measurement%n", batch.ready.get(), open);
        }
        if ((sessions - open) * 100L > sessions) {
            return fail(server, String.format("only %,d of %,d sessions were still open at measurement", open, sessions));
        }
        int n = open;
        System.out.println();
        loaded.printGrowth(baseline, n, "idle " + o.transportName() + " sessions");
        double rssPerSession = (double) (rssAfter - rssBefore) / n;
        System.out.printf("server RSS: %s before, %s after (+%.1f KiB per session)%n",
                ProcessStats.mibFromKib(rssBefore), ProcessStats.mibFromKib(rssAfter), rssPerSession);
        System.out.printf("  at this rate 100,000 sessions: %s%n",
                ProcessStats.mibFromKib(rssBefore + Math.round(rssPerSession * 100_000)));
        if (nmt) nativeAfter.printGrowth(nativeBefore, n);
        System.out.printf("server open file descriptors: before %s%n", fdsBefore);
        System.out.printf("                               after %s (+%.2f per session)%n", fdsAfter,
                (double) (fdsAfter.total() - fdsBefore.total()) / n);
        if (o.loginSeconds() > 0) {
            LoginRate full = LoginRate.measure(prober, pid, o.loginConcurrency(), o.loginSeconds());
            System.out.println();
            System.out.println("logins on the empty server:   " + empty);
            System.out.printf("logins with %,d sessions open: %s%n", batch.openCount(), full);
            System.out.printf("  rate with them / rate without: %.2f; server CPU per login with / without: %.2f%n",
                    full.perSecond() / empty.perSecond(), full.cpuMsPerLogin() / empty.cpuMsPerLogin());
        }
        System.out.println();
        loaded.printTop(baseline, n, o.top());

        batch.closeAll();
        if (o.loginSeconds() > 0) {
            Thread.sleep(2000);
            System.out.println();
            System.out.println("logins once they are closed:  " + LoginRate.measure(prober, pid, o.loginConcurrency(), o.loginSeconds()));
        }
        server.printProblems(10);
        System.out.println();
        System.out.println("done");
        return 0;
    }

    private static int fail(ChildServer server, String why) throws java.io.IOException {
        System.out.println("FAILED: " + why);
        server.printLogTail(40);
        return 1;
    }
}
