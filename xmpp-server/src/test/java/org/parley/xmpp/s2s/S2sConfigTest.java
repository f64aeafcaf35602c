package org.parley.xmpp.s2s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigLoader;
import org.parley.xmpp.config.ConfigProblem;

class S2sConfigTest {
    @TempDir Path dir;

    @Test
    void defaultsFederateOn5269WithDialbackAllowed() throws Exception {
        S2sConfig c = S2sConfig.from(ConfigLoader.load(null).source());
        assertThat(c.enabled()).isTrue();
        assertThat(c.listener().enabled()).isTrue();
        assertThat(c.listener().port()).isEqualTo(5269);
        assertThat(c.listener().bind()).isEqualTo("0.0.0.0");
        assertThat(c.requireValidCertificates()).isFalse();
        assertThat(c.allowDialback()).isTrue();
        assertThat(c.routes()).isEmpty();
        assertThat(c.trustedCertificates()).isEmpty();
        assertThat(c.dialbackSecret()).isEmpty();
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.maxQueuedStanzas()).isEqualTo(1000);
    }

    @Test
    void aConfigWithoutTheSectionsHasFederationOff() throws Exception {
        assertThat(S2sConfig.from(ConfigFactory.empty()).enabled()).isFalse();
    }

    @Test
    void routesAndTrustedCertificatesRelativeToTheFile() throws Exception {
        org.parley.xmpp.tls.CertificateStore.selfSigned(dir, "peer.example");
        Files.move(dir.resolve("peer.example.crt"), dir.resolve("peer.pem"));
        Path file = dir.resolve("parley.conf");
        Files.writeString(file, """
                parley.s2s {
                  routes {
                    "B.example" = "10.0.0.2:5270"
                    "c.example" = "tls://c-host.example:5223"
                    "d.example" = "[::1]:5269"
                  }
                  trusted-certificates = ["peer.pem"]
                  require-valid-certificates = true
                  dialback-secret = "sixteen chars at least"
                  idle-timeout = 2m
                }
                """);
        S2sConfig c = S2sConfig.from(ConfigLoader.load(file).source());
        assertThat(c.routes()).containsEntry("b.example", new S2sConfig.Route("10.0.0.2", 5270, false))
                .containsEntry("c.example", new S2sConfig.Route("c-host.example", 5223, true))
                .containsEntry("d.example", new S2sConfig.Route("::1", 5269, false));
        assertThat(c.trustedCertificates()).containsExactly(dir.resolve("peer.pem"));
        assertThat(c.requireValidCertificates()).isTrue();
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void everyProblemIsReportedByTheLoaderWithItsKey() throws Exception {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, """
                parley {
                  listeners.s2s.port = 70000
                  s2s {
                    routes { "ok.example" = "nope", "bad domain" = "1.2.3.4:5269" }
                    trusted-certificates = ["missing.pem", "bad.conf"]
                    dialback-secret = "short"
                    connect-timeout = 0s
                    max-queued-stanzas = 0
                  }
                }
                """);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.problems()).extracting(ConfigProblem::key).containsExactlyInAnyOrder(
                        "parley.listeners.s2s.port",
                        "parley.s2s.routes.\"ok.example\"",
                        "parley.s2s.routes.\"bad domain\"",
                        "parley.s2s.trusted-certificates[0]",
                        "parley.s2s.trusted-certificates[1]",
                        "parley.s2s.dialback-secret",
                        "parley.s2s.connect-timeout",
                        "parley.s2s.max-queued-stanzas"));
    }

    @Test
    void routeSyntax() {
        assertThat(S2sConfig.parseRoute("host:1")).isEqualTo(new S2sConfig.Route("host", 1, false));
        assertThat(S2sConfig.parseRoute("tls://[2001:db8::1]:5270")).isEqualTo(new S2sConfig.Route("2001:db8::1", 5270, true));
        assertThat(S2sConfig.parseRoute("host")).isNull();
        assertThat(S2sConfig.parseRoute("host:0")).isNull();
        assertThat(S2sConfig.parseRoute(":5269")).isNull();
        assertThat(S2sConfig.parseRoute("a:b:5269")).isNull();
    }

    @Test
    void asciiDomains() {
        assertThat(S2sConfig.asciiDomain("Example.ORG")).isEqualTo("example.org");
        assertThat(S2sConfig.asciiDomain("bücher.example")).isEqualTo("xn--bcher-kva.example");
        assertThat(S2sConfig.asciiDomain("bad domain")).isNull();
        assertThat(S2sConfig.asciiDomain("")).isNull();
    }
}
