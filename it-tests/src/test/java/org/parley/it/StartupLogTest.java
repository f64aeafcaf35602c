package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's first start, as {@code bin/parley run} does it (the shaded jar, its own logging configuration, the
 * embedded H2 default): the log has no warning but the one about the generated self-signed certificate, above all
 * none about our own dependencies (Flyway once warned that H2 was newer than it supported), and the process stops on
 * SIGTERM.
 */
class StartupLogTest {
    @TempDir
    Path dir;

    @Test
    void aFirstStartOnTheEmbeddedDefaultLogsNoWarning() throws Exception {
        Path jar = Path.of("..", "app", "target", "parley.jar").toAbsolutePath().normalize();
        assertThat(jar).as("the app module's shaded jar (built before it-tests)").exists();
        Path conf = dir.resolve("parley.conf");
        Files.writeString(conf, """
                parley {
                  data-dir = "%s"
                  listeners {
                    c2s { bind = "127.0.0.1", port = 0 }
                    c2s-direct-tls { bind = "127.0.0.1", port = 0 }
                    component { bind = "127.0.0.1", port = 0 }
                    s2s { bind = "127.0.0.1", port = 0 }
                  }
                  http.listeners { plain { bind = "127.0.0.1", port = 0 }, tls { bind = "127.0.0.1", port = 0 } }
                  admin { bind = "127.0.0.1", port = 0 }
                  focus.rest { bind = "127.0.0.1", port = 0 }
                }
                """.formatted(dir.resolve("data")));
        TestServers.requireNoDefaultPorts(org.parley.xmpp.config.ConfigLoader.load(conf).source());
        Path log = dir.resolve("server.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-jar", jar.toString(), "run", "--config", conf.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (!Files.readString(log, StandardCharsets.UTF_8).contains("Parley serving")) {
                assertThat(p.isAlive()).as("server running:\n%s", Files.readString(log)).isTrue();
                assertThat(System.currentTimeMillis()).as("started within 60 s").isLessThan(deadline);
                Thread.sleep(100);
            }
            // Whatever is logged right after the listeners open (HTTP, admin readiness) belongs to the start too.
            Thread.sleep(1_000);
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
            // 143 is the JVM's own exit status after SIGTERM once its shutdown hooks (our close) have run.
            assertThat(p.exitValue()).isIn(0, 143);
        } finally {
            p.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        // The one warning a first start owes the operator: the generated certificate is not trusted by anyone.
        assertThat(lines).as("the start-up log").filteredOn(l -> l.contains(" WARN ") || l.contains(" ERROR "))
                .allMatch(l -> l.contains("Generated a self-signed certificate"));
    }
}
