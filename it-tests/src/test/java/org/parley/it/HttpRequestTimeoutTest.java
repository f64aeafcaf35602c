package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.parley.app.Parley;

/**
 * Slow HTTP clients on a server of its own with short timeouts (request 2 s, keep-alive 3 s) and 50 connections per
 * address: requests trickled in (headers or body) and idle connections are closed, a client cannot hold more than
 * its address's share of connections, and a BOSH request the server holds longer than both timeouts is still
 * answered normally.
 */
class HttpRequestTimeoutTest {
    private static final String TOKEN = "http-timeout-admin-token";
    private static final int PER_ADDRESS = 50;
    private static final long REQUEST_TIMEOUT_MS = 2_000;
    private static final long KEEP_ALIVE_TIMEOUT_MS = 3_000;
    /** Scheduling slack on a busy 2-core machine. */
    private static final long SLACK_MS = 2_000;
    private static Path dir;
    private static Parley parley;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("parley-http-timeout");
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
                  http {
                    listeners { plain { bind = "127.0.0.1", port = 0, secure = true }, tls.enabled = false }
                    request-timeout = %ds
                    keep-alive-timeout = %ds
                  }
                  admin { bind = "127.0.0.1", port = 0, token = "%s" }
                  focus.rest { bind = "127.0.0.1", port = 0 }
                  limits { max-connections-per-address = %d, registrations-per-address = 100 }
                }
                """.formatted(dir.resolve("state"), REQUEST_TIMEOUT_MS / 1000, KEEP_ALIVE_TIMEOUT_MS / 1000, TOKEN, PER_ADDRESS));
        parley = TestServers.start(conf);
    }

    @AfterAll
    static void stop() {
        if (parley != null) parley.close();
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), parley.httpPort());
        s.setSoTimeout(100);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads until the server closes the connection (or {@code maxMillis} pass); returns what came, null if still open. */
    private static String readUntilClosed(Socket s, long maxMillis) throws IOException {
        StringBuilder got = new StringBuilder();
        long end = System.currentTimeMillis() + maxMillis;
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        while (System.currentTimeMillis() < end) {
            try {
                int n = in.read(buf);
                if (n < 0) return got.toString();
                got.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
            } catch (SocketTimeoutException nothingYet) {
                // poll again
            } catch (IOException reset) {
                return got.toString();
            }
        }
        return null;
    }

    private static double limitHits(String limit) throws Exception {
        return new AdminHttp(parley.adminPort(), TOKEN).sample("parley_limit_hits_total", "limit=\"" + limit + "\"");
    }

    private static final String SLOW_POST =
            "POST /http-bind HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n<body ";

    /**
     * The attack of issue 15: 200 connections, each a POST announcing 100000 bytes and sending a few. The HTTP path
     * is warmed up first, as on a running server: loading and compiling the codec on a cold event loop alone costs a
     * bystander on that loop a few hundred milliseconds.
     */
    @Test
    void unfinishedBodiesAreTimedOutAndCountAgainstTheAddress() throws Exception {
        try (Socket s = connect()) {
            String create = "<body xmlns='" + BoshRaw.NS + "' rid='1000' to='localhost' wait='5' hold='1' ver='1.11'/>";
            send(s, "POST /http-bind HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: " + create.length()
                    + "\r\n\r\n" + create);
            assertThat(readUntilClosed(s, 10_000)).startsWith("HTTP/1.1 200").contains("sid=");
        }
        for (int i = 0; i < 20; i++) {
            try (Socket s = connect()) {
                send(s, SLOW_POST);
            }
        }
        double refusedBefore = limitHits("connections-per-address");
        List<Socket> sockets = new ArrayList<>();
        try (Clients clients = new Clients(parley::startTlsPort, ParleyServer.trustManagerFor(dir.resolve("state/certs/localhost.crt")));
             Bystander bystander = Bystander.start(clients)) {
            long start = System.currentTimeMillis();
            for (int i = 0; i < 200; i++) {
                Socket s = connect();
                sockets.add(s);
                try {
                    send(s, SLOW_POST);
                } catch (IOException refused) {
                    // closed by the server already: over the address's share
                }
            }
            int answered408 = 0;
            int closedAtOnce = 0;
            for (Socket s : sockets) {
                String got = readUntilClosed(s, REQUEST_TIMEOUT_MS + SLACK_MS + Math.max(0, start - System.currentTimeMillis()) + 4_000);
                assertThat(got).as("every connection is closed").isNotNull();
                if (got.startsWith("HTTP/1.1 408")) answered408++;
                else if (got.isEmpty()) closedAtOnce++;
            }
            long took = System.currentTimeMillis() - start;
            bystander.stop();
            System.out.printf("200 slow POSTs: %d timed out with 408, %d refused, all closed after %d ms%n", answered408, closedAtOnce, took);
            assertThat(answered408).as("connections within the address's share, timed out").isEqualTo(PER_ADDRESS);
            assertThat(closedAtOnce).as("connections over the address's share, refused").isEqualTo(200 - PER_ADDRESS);
            assertThat(took).isLessThan(REQUEST_TIMEOUT_MS + SLACK_MS + 4_000);
            assertThat(limitHits("connections-per-address") - refusedBefore).isGreaterThanOrEqualTo(200 - PER_ADDRESS);
            bystander.assertUnharmed();
        } finally {
            for (Socket s : sockets) s.close();
        }
        // The slots are free again: BOSH works from the same address.
        assertThat(new BoshRaw(URI.create("http://127.0.0.1:" + parley.httpPort() + "/http-bind")).create(5)).contains("sid=");
    }

    @Test
    void headersTrickledByteByByteAreTimedOut() throws Exception {
        try (Socket s = connect()) {
            long start = System.currentTimeMillis();
            send(s, "POST /http-bind HTTP/1.1\r\n");
            String got = null;
            for (int i = 0; got == null && i < 40; i++) {
                try {
                    send(s, "X-" + i + ": y\r\n");
                } catch (IOException closed) {
                    // the server hung up
                }
                got = readUntilClosed(s, 250);
            }
            long took = System.currentTimeMillis() - start;
            assertThat(got).as("closed while the client kept sending header lines").isNotNull().startsWith("HTTP/1.1 408");
            assertThat(took).isBetween(REQUEST_TIMEOUT_MS - 200, REQUEST_TIMEOUT_MS + SLACK_MS);
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedWithoutAnAnswer() throws Exception {
        try (Socket s = connect()) {
            long start = System.currentTimeMillis();
            assertThat(readUntilClosed(s, REQUEST_TIMEOUT_MS + SLACK_MS)).isEmpty();
            assertThat(System.currentTimeMillis() - start).isGreaterThanOrEqualTo(REQUEST_TIMEOUT_MS - 200);
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheKeepAliveTimeout() throws Exception {
        try (Socket s = connect()) {
            send(s, "GET /nothing-here HTTP/1.1\r\nHost: localhost\r\n\r\n");
            StringBuilder got = new StringBuilder();
            long answered = 0;
            long end = System.currentTimeMillis() + 5_000;
            InputStream in = s.getInputStream();
            while (answered == 0 && System.currentTimeMillis() < end) {
                try {
                    int n = in.read();
                    if (n < 0) break;
                    got.append((char) n);
                    if (got.toString().endsWith("Not found")) answered = System.currentTimeMillis();
                } catch (SocketTimeoutException nothingYet) {
                    // poll again
                }
            }
            assertThat(got.toString()).startsWith("HTTP/1.1 404").doesNotContain("close");
            assertThat(readUntilClosed(s, KEEP_ALIVE_TIMEOUT_MS + SLACK_MS)).as("closed, without another answer").isEmpty();
            assertThat(System.currentTimeMillis() - answered).isGreaterThanOrEqualTo(KEEP_ALIVE_TIMEOUT_MS - 200);
        }
    }

    /** BOSH's long poll: the server holds a complete request for up to wait seconds; that is not a slow client. */
    @Test
    void aHeldBoshRequestOutlivesBothTimeouts() throws Exception {
        BoshRaw bosh = new BoshRaw(URI.create("http://127.0.0.1:" + parley.httpPort() + "/http-bind"));
        bosh.create(5);
        long start = System.currentTimeMillis();
        CompletableFuture<HttpResponse<String>> held = bosh.next("");
        HttpResponse<String> r = held.get(15, java.util.concurrent.TimeUnit.SECONDS);
        long took = System.currentTimeMillis() - start;
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("<body").doesNotContain("terminate");
        assertThat(took).as("held for the session's wait").isGreaterThanOrEqualTo(4_500);
    }
}
