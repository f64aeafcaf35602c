package org.parley.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A restart nobody should notice (issue 18), measured: {@code app/target/parley.jar} as a child with
 * {@code parley.handover.enabled}; guests connect as lib-jitsi-meet does (WebSocket, ANONYMOUS, XEP-0198 with
 * resumption) and enter their meetings ({@link HandoverGuest}); the server gets SIGTERM and is started again on the
 * same data; every guest, the moment its connection drops, reconnects to {@code /xmpp-websocket?previd=} with
 * lib-jitsi-meet's ResumeTask back-off (the first try 1.5–3 s later), logs in and resumes. Reports the time from SIGTERM to the
 * old process's exit, to the new one's port, and to each guest's {@code <resumed/>} (distribution), and how many
 * failed to resume.
 *
 * <p>With {@code --kill}, the server is killed ({@code kill -9}) instead: before that, every guest changes its presence
 * in its meeting every few seconds for {@code --steady} seconds (so every session and room changes in every
 * checkpoint interval), the server's checkpoints are logged (rows, time) and summed up, and the kill comes while that
 * goes on; the next process restores the last checkpoint.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar org.parley.bench.HandoverBench [--sessions 500] [--rooms 50] [--kill] [--steady 20] [--timeout 10s] [--jar app/target/parley.jar]
 *       [--systemd-sockets]   (the listening sockets held across the restart, as a parley.socket unit holds them)
 *       [--class-archive]     (the server starts from an AppCDS archive, as the Debian package's launcher does)
 *   (HANDOVER_LOG=1 prints the end of the server log, with the hand-over's own times)
 * </pre>
 */
public final class HandoverBench {
    private HandoverBench() {}

    public static void main(String[] args) throws Exception {
        int sessions = 500;
        int rooms = 50;
        Path jar = Path.of("app", "target", "parley.jar");
        boolean kill = false;
        int steady = 20;
        String timeout = "10s";
        boolean held = false;
        boolean archive = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--rooms" -> rooms = Integer.parseInt(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--kill" -> kill = true;
                case "--steady" -> steady = Integer.parseInt(args[++i]);
                case "--timeout" -> timeout = args[++i];
                case "--systemd-sockets" -> held = true;
                case "--class-archive" -> archive = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int n = sessions;
        int r = rooms;
        boolean k = kill;
        int s = steady;
        String t = timeout;
        boolean holdSockets = held;
        boolean classArchive = archive;
        System.exit(ChildServer.run(jar, "1g", 2, "handover-bench",
                (server, loops) -> measure(server, n, r, k, s, t, holdSockets, classArchive)));
    }

    private static final Pattern CHECKPOINT = Pattern.compile("hand-over checkpoint: (\\d+) rows .* in (\\d+) ms \\((\\d+) ms snapshotting\\)");

    private static int measure(ChildServer server, int sessions, int rooms, boolean kill, int steadySeconds, String timeout,
                               boolean holdSockets, boolean classArchive) throws Exception {
        // timeout: parley.handover.timeout, how long writing and restoring may take (10s by default; a busier machine needs more).
        server.extraConfig("parley.handover { enabled = true, timeout = " + timeout + " }\n");
        server.environment("PARLEY_CHECKPOINT_LOG", "DEBUG");
        if (holdSockets) server.holdSockets();
        if (classArchive) server.archiveClasses();
        if (!server.start(server.httpPort(), 60_000)) {
            server.printLogTail(40);
            return 1;
        }
        // One event loop thread for every guest: the server's machine is the client's too.
        EventLoopGroup loop = Epoll.isAvailable() ? new EpollEventLoopGroup(1, new DefaultThreadFactory("guests", true))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("guests", true));
        AtomicLong restartStarted = new AtomicLong();
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.httpPort());
        List<HandoverGuest> guests = new ArrayList<>();
        long t0 = System.nanoTime();
        List<CompletableFuture<Void>> joining = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            HandoverGuest g = new HandoverGuest(loop, address, "meeting" + (i % rooms) + "@conference.localhost", "guest" + i,
                    restartStarted::get);
            guests.add(g);
            joining.add(g.join());
            if (i % 50 == 49) CompletableFuture.allOf(joining.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
        CompletableFuture.allOf(joining.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        System.out.printf("%d guests in %d meetings in %d ms%n", sessions, rooms, ms(System.nanoTime() - t0));

        java.util.concurrent.ScheduledExecutorService updates = null;
        if (kill) {
            // Each guest changes its presence every 5 s (spread evenly): every session gets its meeting's updates in
            // every checkpoint interval, and every room changes.
            updates = Executors.newScheduledThreadPool(2);
            for (int i = 0; i < guests.size(); i++) {
                HandoverGuest g = guests.get(i);
                updates.scheduleAtFixedRate(g::presenceUpdate, 5000L * i / guests.size(), 5000, TimeUnit.MILLISECONDS);
            }
            int before = server.logLines("hand-over checkpoint:").size();
            Thread.sleep(steadySeconds * 1000L);
            List<String> lines = server.logLines("hand-over checkpoint:");
            List<Long> rows = new ArrayList<>();
            List<Long> took = new ArrayList<>();
            List<Long> snapshotting = new ArrayList<>();
            // The first ones after the joins are skipped: the steady state is what is measured.
            for (String l : lines.subList(Math.min(lines.size(), before + 2), lines.size())) {
                Matcher m = CHECKPOINT.matcher(l);
                if (!m.find()) continue;
                rows.add(Long.parseLong(m.group(1)));
                took.add(Long.parseLong(m.group(2)));
                snapshotting.add(Long.parseLong(m.group(3)));
            }
            Collections.sort(rows);
            Collections.sort(took);
            Collections.sort(snapshotting);
            if (!took.isEmpty()) {
                System.out.printf("steady state, each guest's presence every 5 s, %d checkpoints in %d s: rows p50 %d (max %d); "
                                + "ms p50 %d, p90 %d, max %d (snapshotting p50 %d ms)%n", took.size(), steadySeconds,
                        at(rows, 0.5), rows.get(rows.size() - 1), at(took, 0.5), at(took, 0.9), took.get(took.size() - 1),
                        at(snapshotting, 0.5));
            } else {
                System.out.println("no checkpoint logged in the steady state (PARLEY_CHECKPOINT_LOG=DEBUG not honoured?)");
            }
        }

        long sigterm = System.nanoTime();
        java.time.LocalTime sigtermClock = java.time.LocalTime.now();
        restartStarted.set(sigterm);
        if (kill) {
            if (!server.kill(60_000)) {
                System.out.println("FAILED: the server did not die within 60 s of kill -9");
                return 1;
            }
            updates.shutdownNow();
        } else if (!server.terminate(60_000)) {
            System.out.println("FAILED: the server did not exit within 60 s of SIGTERM");
            return 1;
        }
        long exited = System.nanoTime();
        // When the next process's HTTP port first takes a connection (into its backlog: it listens from its start).
        CompletableFuture<Long> listening = CompletableFuture.supplyAsync(() -> {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < until) {
                if (ChildServer.accepts(server.httpPort())) return System.nanoTime();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return null;
        });
        if (!server.start(server.httpPort(), 60_000)) {
            server.printLogTail(40);
            return 1;
        }
        long listenersUp = System.nanoTime();
        List<Long> times = new ArrayList<>();
        int failed = 0;
        for (HandoverGuest g : guests) {
            Long t = g.resumed().get(120, TimeUnit.SECONDS);
            if (t == null) failed++;
            else times.add(t);
        }
        Collections.sort(times);
        String signal = kill ? "kill -9" : "SIGTERM";
        Long firstAccepted = listening.get(60, TimeUnit.SECONDS);
        System.out.printf("%s -> old process exited: %d ms; -> new process's port listening: %s; -> its %s: %d ms%n", signal,
                ms(exited - sigterm), firstAccepted == null ? "never" : ms(firstAccepted - sigterm) + " ms",
                holdSockets ? "listeners up (the held sockets never closed)" : "listeners up",
                ms(listenersUp - sigterm));
        if (!times.isEmpty()) {
            System.out.printf("%s -> <resumed/> for %d of %d guests: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms%n",
                    signal, times.size(), sessions, ms(at(times, 0.5)), ms(at(times, 0.9)), ms(at(times, 0.99)),
                    ms(times.get(times.size() - 1)));
        }
        if (failed > 0) {
            System.out.printf("FAILED: %d guests could not resume; the first: %s%n", failed,
                    guests.stream().map(HandoverGuest::failure).filter(java.util.Objects::nonNull).findFirst().orElse("?"));
        }
        // Where the new process's time went: its start, the restore of sessions and rooms, its ports.
        System.out.printf("  (%s at %s)%n", signal, sigtermClock.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        for (String l : server.logLines(" - ")) {
            if ((l.contains("hand-over") && !l.contains("hand-over checkpoint:")) || l.contains("Storage open")
                    || l.contains("listening for HTTP on") || l.contains("TLS for clients")) {
                System.out.println("  server: " + l);
            }
        }
        server.printProblems(10);
        if (System.getenv("HANDOVER_LOG") != null) server.printLogTail(60);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        return failed == 0 ? 0 : 1;
    }

    private static long at(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * sorted.size())));
    }

    private static long ms(long nanos) { return nanos / 1_000_000; }
}
