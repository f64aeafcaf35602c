package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.parley.app.Parley;

/**
 * HTTP transport settings the shared test server cannot have without changing every other test: a plain
 * listener that is not secure, see-other-uri, a short BOSH inactivity and a trusted proxy. Its own server,
 * on the embedded database.
 */
class HttpSettingsTest {
    private static final Pattern SID = Pattern.compile("sid='([^']+)'");
    private static Parley parley;
    private static Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("parley-http-settings");
        Path conf = dir.resolve("parley.conf");
        Files.writeString(conf, """
                parley {
                  data-dir = "%s"
                  listeners {
                    c2s { bind = "127.0.0.1", port = 0 }
                    c2s-direct-tls { enabled = false }
                    component { enabled = false }
                    s2s { bind = "127.0.0.1", port = 0 }
                  }
                  http {
                    listeners {
                      plain { bind = "127.0.0.1", port = 0 }
                      tls { enabled = false }
                    }
                    trusted-proxies = ["127.0.0.1"]
                    websocket.see-other-uri = "wss://elsewhere.example/xmpp-websocket"
                    bosh { inactivity = 2s, max-sessions-per-address = 2 }
                  }
                  admin.enabled = false
                  focus.rest { bind = "127.0.0.1", port = 0 }
                }
                """.formatted(dir.resolve("state")));
        parley = TestServers.start(conf);
    }

    @AfterAll
    static void stop() {
        if (parley != null) parley.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + parley.httpPort() + path);
    }

    private HttpResponse<String> post(String body, String forwardedFor) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/http-bind")).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (forwardedFor != null) b.header("X-Forwarded-For", forwardedFor);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String creation(long rid) {
        return "<body xmlns='" + BoshRaw.NS + "' rid='" + rid + "' to='localhost' wait='1' hold='1' ver='1.11'"
                + " xmlns:xmpp='urn:xmpp:xbosh' xmpp:version='1.0'/>";
    }

    private static String sid(String answer) {
        Matcher m = SID.matcher(answer);
        assertThat(m.find()).as("sid in %s", answer).isTrue();
        return m.group(1);
    }

    @Test
    void plainListenerThatIsNotSecureOffersNoSaslOnARequireTlsHost() throws Exception {
        String created = post(creation(100), null).body();
        assertThat(created).contains("<stream:features").doesNotContain("<mechanisms");
    }

    @Test
    void seeOtherUriSendsWebSocketClientsElsewhere() throws Exception {
        try (WebSocketClient ws = WebSocketClient.connect(URI.create("ws://127.0.0.1:" + parley.httpPort() + "/xmpp-websocket"), "xmpp")) {
            ws.open();
            String close = ws.await("<close");
            assertThat(close).contains("see-other-uri='wss://elsewhere.example/xmpp-websocket'");
            assertThat(ws.awaitClose()).isEqualTo(1000);
        }
    }

    @Test
    void inactiveBoshSessionEnds() throws Exception {
        String sid = sid(post(creation(200), null).body());
        Thread.sleep(3500);
        String late = post("<body xmlns='" + BoshRaw.NS + "' rid='201' sid='" + sid + "'/>", null).body();
        assertThat(late).contains("type='terminate'", "condition='item-not-found'");
    }

    @Test
    void sessionsPerAddressCountTheForwardedClient() throws Exception {
        assertThat(post(creation(300), "198.51.100.1").body()).contains("sid='");
        assertThat(post(creation(400), "198.51.100.1").body()).contains("sid='");
        assertThat(post(creation(500), "198.51.100.1").body()).contains("condition='policy-violation'");
        // Another browser behind the same proxy is not affected.
        assertThat(post(creation(600), "203.0.113.5, 198.51.100.2").body()).contains("sid='");
    }
}
