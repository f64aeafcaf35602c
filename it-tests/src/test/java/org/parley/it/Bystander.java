package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <pre>
 * try (Bystander b = Bystander.start(clients)) {
 *     ... attack ...
 *     b.stop();
 *     b.assertUnharmed();
 * }
 * </pre>
 */
public final class Bystander implements AutoCloseable {
    /** The round-trip p99 a bystander must keep during an attack. */
    public static final Duration P99_LIMIT = Duration.ofMillis(50);
    private static final long PING_EVERY_MS = 20;
    private static final long MESSAGE_EVERY_MS = 50;
    private static final String BODY_PREFIX = "bystander-";

    private final XMPPTCPConnection connection;
    private final ScheduledExecutorService timer;
    private final List<Long> rttNanos = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger pingsSent = new AtomicInteger();
    private final AtomicInteger pingsFailed = new AtomicInteger();
    private final AtomicInteger messagesSent = new AtomicInteger();
    private final Set<String> messagesReceived = ConcurrentHashMap.newKeySet();
    private final AtomicInteger disconnections = new AtomicInteger();
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
        return start(clients.newUser("bystander", "b"));
    }

    /** Measures on an already logged-in connection (closed by {@link #close()}). */
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
        timer.scheduleAtFixedRate(this::ping, 0, PING_EVERY_MS, TimeUnit.MILLISECONDS);
        timer.scheduleAtFixedRate(this::message, 0, MESSAGE_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    private void ping() {
        if (stopped || !connection.isAuthenticated()) return;
        long sent = System.nanoTime();
        pingsSent.incrementAndGet();
        try {
            connection.sendIqRequestAsync(new Ping(connection.getXMPPServiceDomain()), 10_000)
                    .onCompletion(f -> {
                        if (f.getIfAvailable() != null) rttNanos.add(System.nanoTime() - sent);
                        else pingsFailed.incrementAndGet();
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline
                && (rttNanos.size() + pingsFailed.get() < pingsSent.get() || messagesReceived.size() < messagesSent.get())) {
            Thread.sleep(20);
        }
    }

    /** What was measured so far (complete after {@link #stop()}). */
    public Summary summary() {
        List<Long> sorted;
        synchronized (rttNanos) {
            sorted = new ArrayList<>(rttNanos);
        }
        Collections.sort(sorted);
        return new Summary(pingsSent.get(), sorted.size(), pingsFailed.get(), percentile(sorted, 50), percentile(sorted, 99),
                sorted.isEmpty() ? Duration.ZERO : Duration.ofNanos(sorted.get(sorted.size() - 1)),
                messagesSent.get(), messagesReceived.size(), disconnections.get());
    }

    private static Duration percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return Duration.ZERO;
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return Duration.ofNanos(sorted.get(Math.max(0, index)));
    }

    /** Stops, then asserts ping p99 under {@link #P99_LIMIT}, every ping and message answered, no disconnection. */
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
        assertThat(s.p99()).as("bystander ping p99; %s", s).isLessThan(p99Limit);
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

    /** A bystander's measurements: ping round trips and message counts. */
    public record Summary(int pingsSent, int pingsAnswered, int pingsFailed, Duration p50, Duration p99, Duration max,
                          int messagesSent, int messagesReceived, int disconnections) {
        @Override
        public String toString() {
            return "pings %d sent, %d answered, %d failed; rtt p50 %.1f ms, p99 %.1f ms, max %.1f ms; messages %d sent, %d received; %d disconnections"
                    .formatted(pingsSent, pingsAnswered, pingsFailed, p50.toNanos() / 1e6, p99.toNanos() / 1e6, max.toNanos() / 1e6,
                            messagesSent, messagesReceived, disconnections);
        }
    }
}
