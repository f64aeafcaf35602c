package org.parley.http.admin;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.config.ServerConfig;

/**
 * {@code parley.admin}: the admin listener (metrics, health, API, dashboard). The API is off while {@code token}
 * is empty; {@code /metrics} needs the token only with {@code metrics-require-token}. {@code shutdown-timeout} bounds
 * the wait for the last conference after {@code POST /api/shutdown}.
 */
public record AdminConfig(boolean enabled, String bind, int port, String token, boolean metricsRequireToken,
                          Duration shutdownTimeout) {

    public boolean apiEnabled() { return !token.isEmpty(); }

    public static AdminConfig from(ServerConfig server) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        Config root = server.source();
        if (!root.hasPath("admin")) {
            throw new ConfigException(List.of(new ConfigProblem("parley.admin", "missing (is parley-bosh-websocket's reference.conf on the classpath?)")));
        }
        Config c = root.getConfig("admin");
        boolean enabled = get(problems, "parley.admin.enabled", () -> c.getBoolean("enabled"), false);
        String bind = get(problems, "parley.admin.bind", () -> c.getString("bind"), "127.0.0.1");
        int port = get(problems, "parley.admin.port", () -> c.getInt("port"), 0);
        if (port < 0 || port > 65535) problems.add(new ConfigProblem("parley.admin.port", "not a port: " + port));
        String token = get(problems, "parley.admin.token", () -> c.getString("token"), "").trim();
        if (!token.isEmpty() && token.length() < 16) {
            problems.add(new ConfigProblem("parley.admin.token", "too short: use at least 16 random characters"));
        }
        boolean metricsToken = get(problems, "parley.admin.metrics-require-token", () -> c.getBoolean("metrics-require-token"), false);
        if (metricsToken && token.isEmpty()) {
            problems.add(new ConfigProblem("parley.admin.metrics-require-token", "needs parley.admin.token"));
        }
        Duration shutdownTimeout = get(problems, "parley.admin.shutdown-timeout", () -> c.getDuration("shutdown-timeout"), Duration.ZERO);
        if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
            problems.add(new ConfigProblem("parley.admin.shutdown-timeout", "must be positive: " + shutdownTimeout));
        }
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new AdminConfig(enabled, bind, port, token, metricsToken, shutdownTimeout);
    }

    private static <T> T get(List<ConfigProblem> problems, String key, Supplier<T> read, T fallback) {
        try {
            return read.get();
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem(key, e.getMessage()));
            return fallback;
        }
    }
}
