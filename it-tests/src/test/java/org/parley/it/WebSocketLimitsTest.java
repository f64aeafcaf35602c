package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.parley.app.Parley;

/**
 * {@code limits.bytes-per-second} on WebSocket sessions, on a server of its own with a tight byte rate and a loose
 * stanza rate: a client sending big stanzas over WebSocket is throttled, then disconnected with policy-violation
 * (and the WebSocket close code 1008), while another WebSocket client keeps its round trip.
 */
class WebSocketLimitsTest {
    private static final String TOKEN = "ws-limits-admin-token";
    private static Path dir;
    private static Parley parley;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("parley-ws-limits");
        Path conf = dir.resolve("parley.conf");
        Files.writeString(conf, """
                parley {
                  data-dir = "%s"
                  listeners {
                    c2s { bind = "127.0.0.1", port = 0 }
                    c2s-direct-tls { enabled = false }
                    component { enabled = false }
                    s2s { enabled = false }
                  }
                  http.listeners { plain { bind = "127.0.0.1", port = 0, secure = true }, tls.enabled = false }
                  admin { port = 0, token = "%s" }
                  focus.rest { bind = "127.0.0.1", port = 0 }
                  limits {
                    max-stanza-size = 64KiB
                    bytes-per-second = 16KiB
                    byte-burst = 64KiB
                    stanzas-per-second = 1000
                    stanza-burst = 1000
                    throttle-disconnect-after = 3s
                  }
                }
                """.formatted(dir.resolve("state"), TOKEN));
        parley = TestServers.start(conf);
    }

    @AfterAll
    static void stop() {
        if (parley != null) parley.close();
    }

    private static WebSocketClient client() throws Exception {
        WebSocketClient ws = WebSocketClient.connect(URI.create("ws://127.0.0.1:" + parley.httpPort() + "/xmpp-websocket"), "xmpp");
        ws.login(null, null, null);
        return ws;
    }

    private static double limitHits(AdminHttp admin, String limit) throws Exception {
        return admin.sample("parley_limit_hits_total", "limit=\"" + limit + "\"");
    }

    @Test
    void aWebSocketClientSendingTooManyBytesIsThrottledThenDisconnectedWhileAnotherKeepsItsLatency() throws Exception {
        AdminHttp admin = new AdminHttp(parley.adminPort(), TOKEN);
        try (WebSocketClient victim = client(); WebSocketClient flooder = client()) {
            List<Long> baseline = new ArrayList<>();
            for (int i = 0; i < 10; i++) baseline.add(roundTrip(victim, "b" + i));

            // 8 KiB stanzas as fast as the socket takes them: far over 16 KiB/s, far under 1000 stanzas/s.
            String stanza = "<message xmlns='jabber:client' type='headline' to='localhost'><body>" + "x".repeat(8192) + "</body></message>";
            AtomicBoolean flooding = new AtomicBoolean(true);
            AtomicLong sent = new AtomicLong();
            Thread writer = new Thread(() -> {
                long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                try {
                    while (flooding.get() && System.nanoTime() < end) {
                        flooder.send(stanza);
                        sent.incrementAndGet();
                    }
                } catch (Exception closedOrStuck) {
                    // the server stopped reading, or hung up, as it should
                }
            }, "ws-flooder");
            writer.setDaemon(true);
            long floodStart = System.nanoTime();
            writer.start();

            List<Long> during = new ArrayList<>();
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            int n = 0;
            while (System.nanoTime() < until) during.add(roundTrip(victim, "d" + n++));

            String error = flooder.await("policy-violation");
            long disconnectedMillis = (System.nanoTime() - floodStart) / 1_000_000;
            int closeCode = flooder.awaitClose();
            flooding.set(false);
            System.out.printf("WebSocket flooder (%d stanzas of 8 KiB queued) disconnected %d ms after it started, close code %d%n",
                    sent.get(), disconnectedMillis, closeCode);
            assertThat(error).contains("<stream:error").contains("Too much data");
            assertThat(closeCode).as("WebSocket close code").isEqualTo(1008);
            // Throttled first (3 s of throttle-disconnect-after), not cut off at the first excess byte.
            assertThat(disconnectedMillis).isBetween(2500L, 15_000L);

            long p50 = percentile(during, 50);
            System.out.printf("victim ping round trip: baseline p50 %d µs, during the flood p50 %d µs, max %d µs%n",
                    percentile(baseline, 50) / 1000, p50 / 1000, Collections.max(during) / 1000);
            assertThat(during).hasSizeGreaterThanOrEqualTo(10);
            assertThat(p50).as("victim's median round trip during the flood (ns)").isLessThan(Duration.ofMillis(50).toNanos());
            assertThat(roundTrip(victim, "after")).isPositive();

            assertThat(limitHits(admin, "bytes-per-second")).isGreaterThan(0);
            assertThat(limitHits(admin, "sustained-flood")).isGreaterThanOrEqualTo(1);
            assertThat(limitHits(admin, "stanzas-per-second")).as("the stanza rate was never the limit").isZero();
            assertThat(admin.sample("parley_stream_errors_total", "condition=\"policy-violation\"")).isGreaterThanOrEqualTo(1);
        }
    }

    /** One ping to the server, paced at 20 a second. */
    private static long roundTrip(WebSocketClient ws, String id) throws Exception {
        Thread.sleep(50);
        long t0 = System.nanoTime();
        ws.send("<iq xmlns='jabber:client' type='get' id='" + id + "' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
        ws.await("id='" + id + "'");
        return System.nanoTime() - t0;
    }

    private static long percentile(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }
}
