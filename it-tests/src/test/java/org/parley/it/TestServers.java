package org.parley.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.parley.app.Parley;
import org.parley.xmpp.config.ConfigLoader;
import org.parley.xmpp.config.ServerConfig;

/**
 * Starts the in-process test servers, after checking that their configuration sets every listener: a listener a test
 * does not mention keeps its default port (5222, 5347, ...), which a Parley or Prosody running on the machine may
 * hold, and the test then fails there (or binds a port an operator's server needs).
 */
public final class TestServers {
    /** The listeners' defaults, Jicofo's REST port among them. */
    static final Set<Integer> DEFAULT_PORTS = Set.of(5222, 5223, 5269, 5280, 5347, 5380, 5443, 8888);

    private TestServers() {}

    /** Loads {@code conf}, refuses it if an enabled listener is left on a default port, and starts the server. */
    public static Parley start(Path conf) throws Exception {
        ServerConfig config = ConfigLoader.load(conf);
        requireNoDefaultPorts(config.source());
        return Parley.start(config);
    }

    /**
     * Throws when any enabled listener (any object with a {@code port}) in {@code config}, the {@code parley} section
     * as {@link ServerConfig#source()} has it, is on a default port.
     */
    public static void requireNoDefaultPorts(Config config) {
        List<String> bad = defaultPortListeners(config);
        if (!bad.isEmpty()) {
            throw new IllegalStateException("test configuration leaves listeners on default ports (set port = 0 or "
                    + "enabled = false): " + bad);
        }
    }

    /** The paths of enabled listeners on a default port. */
    static List<String> defaultPortListeners(Config config) {
        List<String> bad = new ArrayList<>();
        walk(config.root(), "parley", bad);
        return bad;
    }

    private static void walk(ConfigObject object, String path, List<String> bad) {
        ConfigValue port = object.get("port");
        ConfigValue enabled = object.get("enabled");
        if (port != null && port.valueType() == ConfigValueType.NUMBER
                && DEFAULT_PORTS.contains(((Number) port.unwrapped()).intValue())
                && (enabled == null || Boolean.TRUE.equals(enabled.unwrapped()))) {
            bad.add(path + " (port " + port.unwrapped() + ")");
        }
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            if (e.getValue() instanceof ConfigObject child) walk(child, path + "." + e.getKey(), bad);
        }
    }
}
