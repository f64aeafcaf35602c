package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.xmpp.config.ConfigLoader;

/** Every test server goes through {@link TestServers}' check; here the check itself. */
class TestServersTest {
    @TempDir
    Path dir;

    private java.util.List<String> listenersOnDefaultPorts(String hocon) throws Exception {
        Path conf = dir.resolve("parley.conf");
        Files.writeString(conf, "parley { data-dir = \"" + dir.resolve("state") + "\"\n" + hocon + "\n}");
        return TestServers.defaultPortListeners(ConfigLoader.load(conf).source());
    }

    @Test
    void aListenerTheConfigDoesNotMentionIsFoundOnItsDefaultPort() throws Exception {
        // HttpSettingsTest's configuration before the fix: the component listener stayed on 5347.
        assertThat(listenersOnDefaultPorts("""
                listeners {
                  c2s { bind = "127.0.0.1", port = 0 }
                  c2s-direct-tls { enabled = false }
                  s2s { bind = "127.0.0.1", port = 0 }
                }
                http.listeners { plain { bind = "127.0.0.1", port = 0 }, tls { enabled = false } }
                admin.enabled = false
                focus.rest { port = 0 }
                """)).containsExactly("parley.listeners.component (port 5347)");
    }

    @Test
    void theDefaultsAreAllFound() throws Exception {
        assertThat(listenersOnDefaultPorts("")).hasSizeGreaterThanOrEqualTo(8).contains("parley.focus.rest (port 8888)");
    }

    @Test
    void everyListenerOnPortZeroOrOffPasses() throws Exception {
        assertThat(listenersOnDefaultPorts("""
                listeners {
                  c2s { port = 0 }
                  c2s-direct-tls { port = 0 }
                  component { enabled = false }
                  s2s { port = 0 }
                }
                http.listeners { plain { port = 0 }, tls { enabled = false } }
                admin { port = 0 }
                focus.rest.enabled = false
                """)).isEmpty();
    }
}
