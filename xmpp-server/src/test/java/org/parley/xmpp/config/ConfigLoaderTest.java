package org.parley.xmpp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir Path dir;

    @Test
    void defaultsServeTheDemoHost() throws Exception {
        ServerConfig c = ConfigLoader.load(null);
        assertThat(c.hosts()).hasSize(1);
        VirtualHost h = c.hosts().get(0);
        assertThat(h.domain()).isEqualTo("localhost");
        assertThat(h.anonymous()).isTrue();
        assertThat(h.registration()).isTrue();
        assertThat(h.requireTls()).isTrue();
        assertThat(h.saslMechanisms()).containsExactly("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN");
        assertThat(c.c2sStartTls().port()).isEqualTo(5222);
        assertThat(c.c2sDirectTls().port()).isEqualTo(5223);
        assertThat(c.limits().maxStanzaBytes()).isEqualTo(256 * 1024);
        assertThat(c.limits().xml()).isEqualTo(org.parley.xmpp.xml.XmlLimits.defaults(256 * 1024));
        assertThat(c.storage().embedded()).isTrue();
        assertThat(c.dataDir()).isEqualTo(Path.of("data"));
    }

    @Test
    void hostsTakeMissingKeysFromHostDefaultsAndPathsAreRelativeToTheFile() throws Exception {
        Path file = dir.resolve("parley.conf");
        Files.writeString(file, """
                parley {
                  data-dir = "state"
                  hosts = [ { domain = "Example.ORG", certificate = "certs/e.pem", key = "certs/e.key" },
                            { domain = "guest.example.org", anonymous = true, sasl-mechanisms = [] } ]
                  limits.idle-timeout = 2m
                  limits { max-attributes-per-element = 100, max-namespaces-per-element = 4, max-attributes-per-stanza = 9000,
                           max-prefixes-per-stanza = 8, max-name-length = 64 }
                  storage.url = "jdbc:postgresql://db/parley"
                }
                """);
        ServerConfig c = ConfigLoader.load(file);
        assertThat(c.hosts()).extracting(VirtualHost::domain).containsExactly("example.org", "guest.example.org");
        VirtualHost e = c.hosts().get(0);
        assertThat(e.registration()).isFalse();
        assertThat(e.anonymous()).isFalse();
        assertThat(e.certificate()).isEqualTo(dir.resolve("certs/e.pem"));
        assertThat(c.hosts().get(1).saslMechanisms()).isEmpty();
        assertThat(c.dataDir()).isEqualTo(dir.resolve("state"));
        assertThat(c.limits().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.limits().xml()).isEqualTo(new org.parley.xmpp.xml.XmlLimits(256 * 1024, 64, 100, 4, 9000, 8, 64));
        assertThat(c.storage().embedded()).isFalse();
    }

    @Test
    void everyProblemIsReportedWithItsKey() throws Exception {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, """
                parley {
                  hosts = [ { domain = "ok.org", sasl-mechanisms = ["SCRAM-SHA-256", "DIGEST-MD5"] },
                            { domain = "not a domain" },
                            { domain = "ok.org" },
                            { domain = "half.org", certificate = "x.pem" } ]
                  listeners.c2s.port = 70000
                  limits.max-depth = 0
                  limits.idle-timeout = "soon"
                  storage.url = "postgres://db"
                }
                """);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.problems()).extracting(ConfigProblem::key).containsExactlyInAnyOrder(
                        "parley.hosts[0].sasl-mechanisms",
                        "parley.hosts[1].domain",
                        "parley.hosts[2].domain",
                        "parley.hosts[3].key",
                        "parley.listeners.c2s.port",
                        "parley.limits.max-depth",
                        "parley.limits.idle-timeout",
                        "parley.storage.url"));
    }

    @Test
    void syntaxErrorsAndMissingFilesAreProblemsToo() throws Exception {
        Path file = dir.resolve("broken.conf");
        Files.writeString(file, "parley { hosts = [ \n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("absent.conf")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage()).contains("absent.conf"));
    }

    @Test
    void systemPropertiesOverrideTheFile() throws Exception {
        System.setProperty("parley.limits.max-depth", "17");
        try {
            assertThat(ConfigLoader.load(null).limits().maxDepth()).isEqualTo(17);
        } finally {
            System.clearProperty("parley.limits.max-depth");
            com.typesafe.config.ConfigFactory.invalidateCaches();
        }
    }

    @Test
    void operatingSectionsAreCheckedWithTheirKeys() throws Exception {
        Path file = dir.resolve("ops.conf");
        Files.writeString(file, """
                parley {
                  hosts = [ { domain = "meet.example.org", token { issuers = [], audiences = ["jitsi"], secret = "short" } } ]
                  turn { secret = "", services = [ { type = "turn", host = "t.example.org" }, { type = "relay", host = "" } ] }
                  limits { new-connections-per-second = 0, byte-burst = 2KiB }
                }
                """);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigProblem::key).contains(
                        "parley.hosts[0].token.issuers", "parley.hosts[0].token.secret",
                        "parley.turn.services[0].restricted", "parley.turn.services[1].type", "parley.turn.services[1].host",
                        "parley.limits.new-connections-per-second", "parley.limits.byte-burst"));
    }

    @Test
    void aTokenHostNeedsNoMechanismsAndReadsItsKeys() throws Exception {
        Path file = dir.resolve("token.conf");
        Files.writeString(file, """
                parley {
                  hosts = [ { domain = "meet.example.org", sasl-mechanisms = [],
                              token { issuers = ["app"], audiences = ["*"], secret = "0123456789abcdef0123456789abcdef", allow-empty = true } } ]
                }
                """);
        VirtualHost h = ConfigLoader.load(file).hosts().get(0);
        assertThat(h.token()).isNotNull();
        assertThat(h.token().issuers()).containsExactly("app");
        assertThat(h.token().allowEmpty()).isTrue();
        assertThat(h.token().clockSkew()).isEqualTo(Duration.ofMinutes(1));
        assertThat(ConfigLoader.load(null).hosts().get(0).token()).isNull();
    }
}
