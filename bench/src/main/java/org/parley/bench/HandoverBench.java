package org.parley.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A restart nobody should notice (issue 18), measured: {@code app/target/parley.jar} as a child with
 * {@code parley.handover.enabled}; guests connect as lib-jitsi-meet does (WebSocket, ANONYMOUS, XEP-0198 with
 * resumption) and enter their meetings; the server gets SIGTERM and is started again on the same data; every guest
 * reconnects to {@code /xmpp-websocket?previd=} with lib-jitsi-meet's back-off, logs in and resumes. Reports the time from SIGTERM to the
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
    private static final Pattern RESUME_ID = Pattern.compile("<enabled[^>]* id='([^']+)'");

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
        URI ws = URI.create("ws://127.0.0.1:" + server.httpPort() + "/xmpp-websocket");
        // Every guest waits on its own thread (as every browser waits on its own), apart from the client's I/O threads.
        ExecutorService pool = Executors.newCachedThreadPool();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        List<Guest> guests = new ArrayList<>();
        long t0 = System.nanoTime();
        List<CompletableFuture<Void>> joining = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            Guest g = new Guest("meeting" + (i % rooms) + "@conference.localhost", "guest" + i);
            guests.add(g);
            joining.add(CompletableFuture.runAsync(() -> g.join(http, ws), pool));
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
                Guest g = guests.get(i);
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
        // As lib-jitsi-meet's ResumeTask: retry until the port takes the connection.
        List<CompletableFuture<Long>> resuming = new ArrayList<>();
        for (Guest g : guests) resuming.add(CompletableFuture.supplyAsync(() -> g.resume(http, ws, sigterm), pool));
        if (!server.start(server.httpPort(), 60_000)) {
            server.printLogTail(40);
            return 1;
        }
        long listenersUp = System.nanoTime();
        List<Long> times = new ArrayList<>();
        int failed = 0;
        for (CompletableFuture<Long> f : resuming) {
            Long t = f.get(120, TimeUnit.SECONDS);
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
        if (failed > 0) System.out.printf("FAILED: %d guests could not resume%n", failed);
        // Where the new process's time went: its start, the restore of sessions and rooms, its ports.
        for (String l : server.logLines(" - ")) {
            if ((l.contains("hand-over") && !l.contains("hand-over checkpoint:")) || l.contains("Storage open")
                    || l.contains("listening for HTTP on") || l.contains("TLS for clients")) {
                System.out.println("  server: " + l);
            }
        }
        server.printProblems(10);
        if (System.getenv("HANDOVER_LOG") != null) server.printLogTail(60);
        pool.shutdownNow();
        return failed == 0 ? 0 : 1;
    }

    private static long at(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * sorted.size())));
    }

    private static long ms(long nanos) { return nanos / 1_000_000; }

    /** One guest: its WebSocket, what it received, and its resumption id. */
    private static final class Guest implements WebSocket.Listener {
        private final String room;
        private final String nick;
        private final StringBuilder received = new StringBuilder();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;
        private String resumeId;
        /** Stanzas handled since stream management was enabled (XEP-0198's h), as lib-jitsi-meet counts them. */
        private long handled;
        private boolean counting;
        private final Object sends = new Object();
        private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);

        Guest(String room, String nick) {
            this.room = room;
            this.nick = nick;
        }

        void join(HttpClient http, URI ws) {
            try {
                socket = http.newWebSocketBuilder().subprotocols("xmpp").buildAsync(ws, this).get(20, TimeUnit.SECONDS);
                login();
                send("<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
                await("id='b'");
                send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
                Matcher m = RESUME_ID.matcher(await("<enabled"));
                if (!m.find()) throw new IllegalStateException("no resumption id");
                resumeId = m.group(1);
                synchronized (this) {
                    counting = true;
                }
                send("<presence xmlns='jabber:client' to='" + room + "/" + nick + "'><x xmlns='http://jabber.org/protocol/muc'/>"
                        + "<nick xmlns='http://jabber.org/protocol/nick'>" + nick + "</nick></presence>");
                await("code='110'");
            } catch (Exception e) {
                throw new IllegalStateException(nick + " could not join: " + e, e);
            }
        }

        /**
         * Reconnects and resumes; the time from {@code since}, or null. Retries while the port is closed with
         * lib-jitsi-meet's back-off (ResumeTask: a random delay between 500 ms and 1.5^n s before the n-th try).
         */
        Long resume(HttpClient http, URI ws, long since) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int attempt = 0;
            while (System.nanoTime() < deadline) {
                attempt++;
                long most = (long) (Math.pow(1.5, attempt) * 1000);
                sleep(500 + java.util.concurrent.ThreadLocalRandom.current().nextLong(Math.max(1, most - 500)));
                synchronized (this) {
                    received.setLength(0);
                }
                try {
                    socket = http.newWebSocketBuilder().subprotocols("xmpp")
                            .buildAsync(URI.create(ws + "?previd=" + resumeId), this).get(20, TimeUnit.SECONDS);
                } catch (Exception portClosed) {
                    continue;
                }
                try {
                    long h;
                    synchronized (this) {
                        counting = false;
                        h = handled;
                    }
                    login();
                    send("<resume xmlns='urn:xmpp:sm:3' previd='" + resumeId + "' h='" + h + "'/>");
                    String answer = await("xmlns='urn:xmpp:sm:3'");
                    return answer.contains("<resumed") ? System.nanoTime() - since : null;
                } catch (Exception e) {
                    return null;
                }
            }
            return null;
        }

        /** A new status in its meeting (as a browser's presence update: audio muted, a new stats id). */
        void presenceUpdate() {
            WebSocket s = socket;
            if (s == null || s.isOutputClosed()) return;
            sendInTurn(s, "<presence xmlns='jabber:client' to='" + room + "/" + nick + "'><status>"
                    + System.nanoTime() + "</status></presence>");
        }

        /** The JDK's WebSocket takes one send at a time: acknowledgements and updates wait for the one before. */
        private void sendInTurn(WebSocket s, String xml) {
            synchronized (sends) {
                lastSend = lastSend.handle((x, e) -> null).thenCompose(x -> s.sendText(xml, true));
            }
        }

        private void login() throws Exception {
            send("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>");
            await("</stream:features>");
            send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
            await("<success");
            send("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>");
            await("</stream:features>");
        }

        private void send(String xml) throws Exception {
            CompletableFuture<?> sent;
            synchronized (sends) {
                sendInTurn(socket, xml);
                sent = lastSend;
            }
            sent.get(20, TimeUnit.SECONDS);
        }

        /** Waits for a message containing {@code fragment}; returns everything received up to and including it. */
        private synchronized String await(String fragment) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int at;
            while ((at = received.indexOf(fragment)) < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new IllegalStateException(nick + ": no " + fragment + " in " + received);
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            int end = received.indexOf(">", at);
            String upTo = received.substring(0, end < 0 ? received.length() : end + 1);
            received.delete(0, upTo.length());
            return upTo;
        }

        /** Every message is one element (RFC 7395); stanzas are counted, the server's {@code <r/>} answered. */
        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            String ack = null;
            synchronized (this) {
                partial.append(data);
                if (last) {
                    String message = partial.toString();
                    partial.setLength(0);
                    received.append(message);
                    if (counting && (message.startsWith("<message") || message.startsWith("<presence") || message.startsWith("<iq"))) handled++;
                    if (counting && message.startsWith("<r ")) ack = "<a xmlns='urn:xmpp:sm:3' h='" + handled + "'/>";
                    notifyAll();
                }
            }
            if (ack != null) sendInTurn(webSocket, ack);
            webSocket.request(1);
            return null;
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
