package org.parley.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigLoader;
import org.parley.xmpp.config.ConfigProblem;

class HttpConfigTest {
    @TempDir
    Path dir;

    private HttpConfig load(String hocon) throws Exception {
        Path f = dir.resolve("parley.conf");
        Files.writeString(f, hocon);
        return HttpConfig.from(ConfigLoader.load(f));
    }

    @Test
    void defaultsServeBothTransportsOn5280And5443() throws Exception {
        HttpConfig c = HttpConfig.from(ConfigLoader.load(null));
        assertThat(c.plain()).isEqualTo(new HttpConfig.Listener(true, "0.0.0.0", 5280, false));
        assertThat(c.tls()).isEqualTo(new HttpConfig.Listener(true, "0.0.0.0", 5443, true));
        assertThat(c.websocket().path()).isEqualTo("/xmpp-websocket");
        assertThat(c.websocket().seeOtherUri()).isEmpty();
        assertThat(c.bosh().path()).isEqualTo("/http-bind");
        assertThat(c.bosh().maxWait()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.bosh().maxBodyBytes()).isGreaterThanOrEqualTo(c.maxStanzaBytes());
        assertThat(c.cors().allows("https://anywhere.example")).isTrue();
    }

    @Test
    void operatorSettings() throws Exception {
        HttpConfig c = load("""
                parley.http {
                  listeners.plain { port = 8080, secure = true }
                  listeners.tls.enabled = false
                  trusted-proxies = ["127.0.0.1", "10.0.0.0/8"]
                  cors.allowed-origins = ["https://meet.example"]
                  websocket { path = "/ws/", see-other-uri = "wss://other.example/xmpp-websocket" }
                  bosh { path = "/bosh", max-hold = 2 }
                }
                """);
        assertThat(c.plain().port()).isEqualTo(8080);
        assertThat(c.plain().secure()).isTrue();
        assertThat(c.tls().enabled()).isFalse();
        assertThat(c.websocket().path()).isEqualTo("/ws");
        assertThat(c.websocket().seeOtherUri()).isEqualTo("wss://other.example/xmpp-websocket");
        assertThat(c.bosh().path()).isEqualTo("/bosh");
        assertThat(c.bosh().maxHold()).isEqualTo(2);
        assertThat(c.cors().allows("https://other.example")).isFalse();
    }

    @Test
    void everyBadKeyIsNamed() {
        assertThatThrownBy(() -> load("""
                parley.http {
                  listeners.plain.port = 70000
                  trusted-proxies = ["not-an-address"]
                  websocket.path = "xmpp"
                  bosh { path = "/xmpp", max-body-size = 1KiB, max-hold = 0 }
                }
                """)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                .extracting(ConfigProblem::key)
                .contains("parley.http.listeners.plain.port", "parley.http.trusted-proxies", "parley.http.websocket.path",
                        "parley.http.bosh.max-body-size", "parley.http.bosh.max-hold"));
    }
}
