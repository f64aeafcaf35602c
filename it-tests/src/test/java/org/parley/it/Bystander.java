package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jivesoftware.smack.ConnectionListener;
import org.jivesoftware.smack.XMPPConnection;
import org.jivesoftware.smack.filter.AndFilter;
import org.jivesoftware.smack.filter.FromMatchesFilter;
import org.jivesoftware.smack.filter.MessageTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.ping.packet.Ping;

/**
 * A logged-in client next to an attack that measures what the attack costs everyone else: it pings its server
 * every 20 ms and sends itself a message every 50 ms, recording each ping's round trip, the messages sent and
 * received, and every disconnection.
 *
 * <p>Pings go out on a fixed schedule whether or not earlier ones were answered, so a stalled event loop shows up
 * as many slow pings (all those sent during the stall), not as one slow ping followed by silence.
 *
 * <p>The tests run the server in the test JVM, on machines that may be shared: a garbage collection or a few
 * hundred milliseconds without a CPU stop the bystander and the server alike and have nothing to do with the
 * attack. A hiccup meter (a thread that asks to sleep 1 ms, over and over, and records how much longer it slept)
 * measures those stops; {@link Summary#p99BeyondHiccups()} is the p99 of each round trip minus the time the meter
 * was stopped while that ping was under way. An event loop busy with an attack's input does not stop the meter,
 * which runs on a thread of its own, so it is not subtracted.
 *
 * <pre>
 * try (Bystander b = Bystander.start(clients)) {
 *     ... attack ...
 *     b.assertUnharmed();
 * }
 * </pre>
 */
public final class Bystander implements AutoCloseable {
    /** The round-trip p99 a bystander must keep during an attack. */
    public static final Duration P99_LIMIT = Duration.ofMillis(50);
    private static final long PING_EVERY_MS = 20;
    private static final long MESSAGE_EVERY_MS = 50;
    private static final long HICCUP_SLEEP_NANOS = 1_000_000;
    /** Shorter stops of the meter are scheduling noise, not worth recording. */
    private static final long HICCUP_RECORDED_NANOS = 2_000_000;
    private static final String BODY_PREFIX = "bystander-";

    private final XMPPTCPConnection connection;
    private final ScheduledExecutorService timer;
    /** (sent, answered) nanoTime pairs. */
    private final List<long[]> pings = new ArrayList<>();
    /** (start, end) nanoTime of each stop of the hiccup meter. */
    private final List<long[]> hiccups = new ArrayList<>();
    private final AtomicInteger pingsSent = new AtomicInteger();
    private final AtomicInteger pingsFailed = new AtomicInteger();
    private final AtomicInteger messagesSent = new AtomicInteger();
    private final Set<String> messagesReceived = ConcurrentHashMap.newKeySet();
    private final AtomicInteger disconnections = new AtomicInteger();
    private final long startNanos = System.nanoTime();
    private final Instant startedAt = Instant.now();
    private Thread meter;
    private volatile boolean stopped;

    private Bystander(XMPPTCPConnection connection) {
        this.connection = connection;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bystander");
            t.setDaemon(true);
            return t;
        });
    }

    /** A new user on the shared test server (or whichever server {@code clients} connects to), already measuring. */
    public static Bystander start(Clients clients) throws Exception {
        String user = Clients.newUser("bystander");
        clients.register(user);
        XMPPTCPConnection c = clients.connect(clients.config().setUsernameAndPassword(user, Clients.PASSWORD)
                .setResource("b").setSocketFactory(new NoDelaySockets()).build());
        c.login();
        return start(c);
    }

    /**
     * Sockets without Nagle's algorithm: with it, a ping written right after a message waits for the server's
     * delayed ACK, and every few seconds a round trip takes 40 ms for no reason on the server's side.
     */
    static final class NoDelaySockets extends javax.net.SocketFactory {
        @Override
        public java.net.Socket createSocket() throws java.net.SocketException {
            java.net.Socket s = new java.net.Socket();
            s.setTcpNoDelay(true);
            return s;
        }

        @Override
        public java.net.Socket createSocket(String host, int port) throws java.io.IOException {
            java.net.Socket s = createSocket();
            s.connect(new java.net.InetSocketAddress(host, port));
            return s;
        }

        @Override
        public java.net.Socket createSocket(String host, int port, java.net.InetAddress local, int localPort) throws java.io.IOException {
            java.net.Socket s = createSocket();
            s.bind(new java.net.InetSocketAddress(local, localPort));
            s.connect(new java.net.InetSocketAddress(host, port));
            return s;
        }

        @Override
        public java.net.Socket createSocket(java.net.InetAddress host, int port) throws java.io.IOException {
            java.net.Socket s = createSocket();
            s.connect(new java.net.InetSocketAddress(host, port));
            return s;
        }

        @Override
        public java.net.Socket createSocket(java.net.InetAddress host, int port, java.net.InetAddress local, int localPort)
                throws java.io.IOException {
            java.net.Socket s = createSocket();
            s.bind(new java.net.InetSocketAddress(local, localPort));
            s.connect(new java.net.InetSocketAddress(host, port));
            return s;
        }
    }

    /**
     * Measures on an already logged-in connection (closed by {@link #close()}); give it a socket factory that sets
     * TCP_NODELAY (see {@link #start(Clients)}), or Nagle's algorithm adds 40 ms to some round trips.
     */
    public static Bystander start(XMPPTCPConnection connection) throws Exception {
        Bystander b = new Bystander(connection);
        b.begin();
        return b;
    }

    private void begin() throws Exception {
        connection.addConnectionListener(new ConnectionListener() {
            @Override
            public void connectionClosed() {
                if (!stopped) disconnections.incrementAndGet();
            }

            @Override
            public void connectionClosedOnError(Exception e) {
                disconnections.incrementAndGet();
            }
        });
        connection.addStanzaListener(stanza -> {
            String body = ((Message) stanza).getBody();
            if (body != null && body.startsWith(BODY_PREFIX)) messagesReceived.add(body);
        }, new AndFilter(MessageTypeFilter.NORMAL_OR_CHAT, FromMatchesFilter.createFull(connection.getUser())));
        // Warm both ends up (JIT, TLS buffers) so the first measured pings are not the slowest.
        for (int i = 0; i < 50; i++) connection.sendIqRequestAndWaitForResponse(new Ping(connection.getXMPPServiceDomain()));
        // A collection owed to earlier tests in this JVM would otherwise likely land in the measurement.
        System.gc();
        meter = new Thread(this::meterHiccups, "bystander-hiccups");
        meter.setDaemon(true);
        meter.start();
        timer.scheduleAtFixedRate(this::ping, 0, PING_EVERY_MS, TimeUnit.MILLISECONDS);
        timer.scheduleAtFixedRate(this::message, 0, MESSAGE_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    private void meterHiccups() {
        while (!stopped) {
            long before = System.nanoTime();
            LockSupport.parkNanos(HICCUP_SLEEP_NANOS);
            long after = System.nanoTime();
            long excess = after - before - HICCUP_SLEEP_NANOS;
            if (excess > HICCUP_RECORDED_NANOS) {
                synchronized (hiccups) {
                    hiccups.add(new long[] {after - excess, after});
                }
            }
        }
    }

    private void ping() {
        if (stopped || !connection.isAuthenticated()) return;
        long sent = System.nanoTime();
        pingsSent.incrementAndGet();
        try {
            connection.sendIqRequestAsync(new Ping(connection.getXMPPServiceDomain()), 10_000)
                    .onCompletion(f -> {
                        long answered = System.nanoTime();
                        if (f.getIfAvailable() == null) {
                            pingsFailed.incrementAndGet();
                            return;
                        }
                        synchronized (pings) {
                            pings.add(new long[] {sent, answered});
                        }
                    });
        } catch (RuntimeException e) {
            pingsFailed.incrementAndGet();
        }
    }

    private void message() {
        if (stopped || !connection.isAuthenticated()) return;
        try {
            Message m = connection.getStanzaFactory().buildMessageStanza()
                    .to(connection.getUser()).ofType(Message.Type.chat)
                    .setBody(BODY_PREFIX + messagesSent.get()).build();
            connection.sendStanza(m);
            messagesSent.incrementAndGet();
        } catch (Exception e) {
            // not sent, not counted: a disconnection is counted by the listener
        }
    }

    /** Stops sending and waits (up to 10 s) for the answers still under way. Idempotent. */
    public void stop() throws InterruptedException {
        if (stopped) return;
        stopped = true;
        timer.shutdown();
        timer.awaitTermination(5, TimeUnit.SECONDS);
        meter.join(1_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && (answered() + pingsFailed.get() < pingsSent.get()
                || messagesReceived.size() < messagesSent.get())) {
            Thread.sleep(20);
        }
    }

    private int answered() {
        synchronized (pings) {
            return pings.size();
        }
    }

    /** What was measured so far (complete after {@link #stop()}). */
    public Summary summary() {
        List<long[]> p;
        List<long[]> h;
        synchronized (pings) {
            p = new ArrayList<>(pings);
        }
        synchronized (hiccups) {
            h = new ArrayList<>(hiccups);
        }
        long[] rtt = new long[p.size()];
        long[] beyond = new long[p.size()];
        long worst = -1;
        long worstSent = 0;
        for (int i = 0; i < rtt.length; i++) {
            long sent = p.get(i)[0];
            long answered = p.get(i)[1];
            rtt[i] = answered - sent;
            long stopped = 0;
            for (long[] stop : h) stopped += Math.max(0, Math.min(answered, stop[1]) - Math.max(sent, stop[0]));
            beyond[i] = Math.max(0, rtt[i] - stopped);
            if (rtt[i] > worst) {
                worst = rtt[i];
                worstSent = sent;
            }
        }
        java.util.Arrays.sort(rtt);
        java.util.Arrays.sort(beyond);
        long longestHiccup = h.stream().mapToLong(s -> s[1] - s[0]).max().orElse(0);
        return new Summary(pingsSent.get(), rtt.length, pingsFailed.get(), percentile(rtt, 50), percentile(rtt, 99),
                Duration.ofNanos(Math.max(0, worst)), startedAt.plusNanos(worstSent - startNanos), percentile(beyond, 99),
                Duration.ofNanos(longestHiccup), messagesSent.get(), messagesReceived.size(), disconnections.get());
    }

    private static Duration percentile(long[] sorted, int p) {
        if (sorted.length == 0) return Duration.ZERO;
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return Duration.ofNanos(sorted[Math.max(0, index)]);
    }

    /**
     * Stops, then asserts that every ping and message was answered, that the connection never dropped, and that
     * the ping p99 beyond the JVM's own hiccups stayed under {@link #P99_LIMIT}.
     */
    public Summary assertUnharmed() throws InterruptedException {
        return assertUnharmed(P99_LIMIT);
    }

    public Summary assertUnharmed(Duration p99Limit) throws InterruptedException {
        stop();
        Summary s = summary();
        assertThat(s.disconnections()).as("bystander disconnections; %s", s).isZero();
        assertThat(s.pingsSent()).as("bystander pinged; %s", s).isPositive();
        assertThat(s.pingsAnswered()).as("bystander pings answered; %s", s).isEqualTo(s.pingsSent());
        assertThat(s.messagesReceived()).as("bystander messages delivered; %s", s).isEqualTo(s.messagesSent());
        assertThat(s.p99BeyondHiccups()).as("bystander ping p99 beyond JVM hiccups; %s", s).isLessThan(p99Limit);
        return s;
    }

    public XMPPConnection connection() {
        return connection;
    }

    /** Stops measuring and disconnects. */
    @Override
    public void close() throws InterruptedException {
        stop();
        timer.shutdownNow();
        if (connection.isConnected()) connection.disconnect();
    }

    /**
     * A bystander's measurements. {@code p50}, {@code p99} and {@code max} are raw round trips; {@code maxSentAt}
     * says when the slowest ping left, to match it with a log; {@code p99BeyondHiccups} discounts the time the
     * whole JVM was stopped during each ping, the longest of which was {@code longestHiccup}.
     */
    public record Summary(int pingsSent, int pingsAnswered, int pingsFailed, Duration p50, Duration p99, Duration max,
                          Instant maxSentAt, Duration p99BeyondHiccups, Duration longestHiccup,
                          int messagesSent, int messagesReceived, int disconnections) {
        @Override
        public String toString() {
            return ("pings %d sent, %d answered, %d failed; rtt p50 %.1f ms, p99 %.1f ms, max %.1f ms (sent %s);"
                    + " p99 beyond JVM hiccups %.1f ms (longest hiccup %.1f ms); messages %d sent, %d received; %d disconnections")
                    .formatted(pingsSent, pingsAnswered, pingsFailed, ms(p50), ms(p99), ms(max), maxSentAt,
                            ms(p99BeyondHiccups), ms(longestHiccup), messagesSent, messagesReceived, disconnections);
        }

        private static double ms(Duration d) {
            return d.toNanos() / 1e6;
        }
    }
}
