package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509TrustManager;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.ping.PingManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.parley.app.Parley;

/**
 * The abuse limits on a server of their own with tight settings: one client floods stanzas and connections from
 * 127.0.0.1 and is throttled, then disconnected with policy-violation, while a client from 127.0.0.2 keeps its
 * round trip; presence updates in a big room are coalesced.
 */
class LimitsTest {
    private static final String TOKEN = "limits-test-admin-token";
    private static Path dir;
    private static Parley parley;
    private static X509TrustManager trust;
    private final List<XMPPTCPConnection> open = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("parley-limits");
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
                  http.listeners { plain.enabled = false, tls.enabled = false }
                  admin { port = 0, token = "%s" }
                  focus.rest { bind = "127.0.0.1", port = 0 }
                  limits {
                    new-connections-per-second = 5
                    new-connection-burst = 10
                    stanzas-per-second = 50
                    stanza-burst = 50
                    throttle-disconnect-after = 3s
                  }
                  muc.service-defaults { big-room-size = 2, presence-updates-per-second = 1 }
                }
                """.formatted(dir.resolve("state"), TOKEN));
        parley = TestServers.start(conf);
        trust = ParleyServer.trustManagerFor(dir.resolve("state/certs/localhost.crt"));
    }

    @AfterAll
    static void stop() {
        if (parley != null) parley.close();
    }

    @AfterEach
    void close() {
        for (XMPPTCPConnection c : open) if (c.isConnected()) c.disconnect();
    }

    /** An anonymous Smack client whose connection comes from {@code source} (any 127/8 address works on Linux). */
    private XMPPTCPConnection client(String source) throws Exception {
        InetAddress from = InetAddress.getByName(source);
        SocketFactory bound = new SocketFactory() {
            @Override public Socket createSocket() throws IOException {
                Socket s = new Socket();
                s.bind(new InetSocketAddress(from, 0));
                return s;
            }
            @Override public Socket createSocket(String h, int p) { throw new UnsupportedOperationException(); }
            @Override public Socket createSocket(String h, int p, InetAddress a, int lp) { throw new UnsupportedOperationException(); }
            @Override public Socket createSocket(InetAddress h, int p) { throw new UnsupportedOperationException(); }
            @Override public Socket createSocket(InetAddress h, int p, InetAddress a, int lp) { throw new UnsupportedOperationException(); }
        };
        XMPPTCPConnection c = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain("localhost")
                .setHostAddress(InetAddress.getLoopbackAddress())
                .setPort(parley.startTlsPort())
                .setSocketFactory(bound)
                .setSecurityMode(SecurityMode.required)
                .setCustomX509TrustManager(trust)
                .performSaslAnonymousAuthentication()
                .setConnectTimeout(10_000)
                .build());
        c.setReplyTimeout(10_000);
        open.add(c);
        c.connect().login();
        return c;
    }

    private static String metrics() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + parley.adminPort() + "/metrics"))
                .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double limitHits(String limit) throws Exception {
        return AdminApiTest.sample(metrics(), "parley_limit_hits_total", "limit=\"" + limit + "\"");
    }

    /** A raw client on STARTTLS, logged in anonymously and bound, from 127.0.0.1. */
    private static SSLSocket flooder() throws Exception {
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), parley.startTlsPort());
        plain.setSoTimeout(10_000);
        String header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
                + " to='localhost' version='1.0'>";
        write(plain.getOutputStream(), header);
        readUntil(plain.getInputStream(), "</stream:features>");
        write(plain.getOutputStream(), "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        readUntil(plain.getInputStream(), "<proceed");
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, "localhost", plain.getPort(), true);
        s.startHandshake();
        write(s.getOutputStream(), header);
        readUntil(s.getInputStream(), "</stream:features>");
        write(s.getOutputStream(), "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
        readUntil(s.getInputStream(), "<success");
        write(s.getOutputStream(), header);
        readUntil(s.getInputStream(), "</stream:features>");
        write(s.getOutputStream(), "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        readUntil(s.getInputStream(), "</iq>");
        return s;
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads until {@code fragment} (or the end); returns everything read. */
    private static String readUntil(InputStream in, String fragment) throws IOException {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[4096];
        while (sb.indexOf(fragment) < 0) {
            int n = in.read(buf);
            if (n < 0) break;
            sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    @Test
    void aFloodingClientIsThrottledThenDisconnectedWhileAnotherKeepsItsLatency() throws Exception {
        XMPPTCPConnection victim = client("127.0.0.2");
        PingManager ping = PingManager.getInstanceFor(victim);
        assertThat(ping.pingMyServer()).isTrue();
        List<Long> baseline = new ArrayList<>();
        for (int i = 0; i < 10; i++) baseline.add(roundTrip(ping));

        SSLSocket flood = flooder();
        AtomicBoolean flooding = new AtomicBoolean(true);
        long[] disconnectedAt = new long[1];
        List<String> received = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try {
                received.add(readUntil(flood.getInputStream(), "</stream:stream>"));
            } catch (IOException e) {
                received.add("closed: " + e);
            }
            disconnectedAt[0] = System.nanoTime();
            flooding.set(false);
        });
        reader.start();
        // Headline messages to the server: nothing comes back, so the flooder never stalls on its own input.
        byte[] stanza = "<message type='headline' to='localhost'><body>flood</body></message>".getBytes(StandardCharsets.UTF_8);
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = flood.getOutputStream();
                long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (flooding.get() && System.nanoTime() < end) out.write(stanza);
            } catch (IOException closed) {
                // the server hung up, as it should
            }
        });
        writer.start();
        long floodStart = System.nanoTime();

        // Meanwhile a connection flood from the same address, and the victim's round trips.
        int refused = 0;
        List<Socket> burst = new ArrayList<>();
        for (int i = 0; i < 40; i++) burst.add(new Socket(InetAddress.getLoopbackAddress(), parley.startTlsPort()));
        List<Long> during = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < until && flooding.get()) during.add(roundTrip(ping));
        for (Socket s : burst) {
            s.setSoTimeout(200);
            try {
                // A refused connection is closed at once, before any stream header from the server.
                if (s.getInputStream().read() < 0) refused++;
            } catch (IOException timeoutOrReset) {
                if (!(timeoutOrReset instanceof java.net.SocketTimeoutException)) refused++;
            }
            s.close();
        }

        writer.join(40_000);
        reader.join(10_000);
        long floodMillis = (disconnectedAt[0] - floodStart) / 1_000_000;
        System.out.printf("flooder disconnected %d ms after it started%n", floodMillis);
        // Throttled first (3 s of throttle-disconnect-after), not cut off at the first excess stanza.
        assertThat(floodMillis).isBetween(2500L, 15_000L);
        assertThat(String.join("", received)).as("what the flooder got").contains("<policy-violation");
        assertThat(refused).as("connections refused of 40 opened at once (burst 10)").isGreaterThanOrEqualTo(25);
        assertThat(during).as("round trips while the flood went on").hasSizeGreaterThanOrEqualTo(10);

        long p50 = percentile(during, 50);
        System.out.printf("victim ping round trip: baseline p50 %d µs, during the flood p50 %d µs, p90 %d µs, max %d µs%n",
                percentile(baseline, 50) / 1000, p50 / 1000, percentile(during, 90) / 1000, Collections.max(during) / 1000);
        assertThat(p50).as("victim's median ping round trip during the flood (ns)").isLessThan(Duration.ofMillis(50).toNanos());
        assertThat(limitHits("stanzas-per-second")).isGreaterThan(0);
        assertThat(limitHits("sustained-flood")).isGreaterThanOrEqualTo(1);
        assertThat(limitHits("new-connections-per-second")).isGreaterThanOrEqualTo(25);
        assertThat(AdminApiTest.sample(metrics(), "parley_stream_errors_total", "condition=\"policy-violation\"")).isGreaterThanOrEqualTo(1);
        assertThat(victim.isAuthenticated()).isTrue();
    }

    /** One ping, paced at 20 a second: the victim stays well under its own stanza rate (50/s here). */
    private static long roundTrip(PingManager ping) throws Exception {
        Thread.sleep(50);
        long t0 = System.nanoTime();
        assertThat(ping.pingMyServer(false, 10_000)).isTrue();
        return System.nanoTime() - t0;
    }

    private static long percentile(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }

    @Test
    void presenceUpdatesInABigRoomAreCoalescedToTheLatest() throws Exception {
        String room = "big-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
        XMPPTCPConnection a = client("127.0.0.3");
        XMPPTCPConnection b = client("127.0.0.3");
        MultiUserChat ma = MultiUserChatManager.getInstanceFor(a).getMultiUserChat(JidCreate.entityBareFrom(room));
        ma.join(Resourcepart.from("A"));
        MultiUserChat mb = MultiUserChatManager.getInstanceFor(b).getMultiUserChat(JidCreate.entityBareFrom(room));
        List<String> statuses = new CopyOnWriteArrayList<>();
        mb.addParticipantListener(p -> {
            if (p.getFrom().toString().endsWith("/A") && p.getStatus() != null) statuses.add(p.getStatus());
        });
        mb.join(Resourcepart.from("B"));
        double before = limitHits("muc-presence-rate");
        // The room has 2 occupants (big at 2): A's ten updates in a burst reach B as the first and the last.
        for (int i = 0; i < 10; i++) {
            a.sendStanza(a.getStanzaFactory().buildPresenceStanza().to(room + "/A").ofType(Presence.Type.available)
                    .setStatus("s" + i).build());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> statuses.contains("s9"));
        Thread.sleep(1500);
        assertThat(statuses).as("A's statuses as B saw them").hasSizeLessThanOrEqualTo(3).endsWith("s9");
        assertThat(limitHits("muc-presence-rate")).isGreaterThanOrEqualTo(before + 7);
    }
}
