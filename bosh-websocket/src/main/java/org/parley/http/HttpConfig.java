package org.parley.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.Missing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.xml.XmlLimits;

/** The {@code parley.http} section: listeners, paths and the limits of both HTTP transports. */
public record HttpConfig(
        Listener plain,
        Listener tls,
        ForwardedAddress forwarded,
        CorsPolicy cors,
        WebSocket websocket,
        Bosh bosh,
        Duration requestTimeout,
        Duration keepAliveTimeout,
        int maxStanzaBytes,
        XmlLimits xml,
        int maxConnectionsPerAddress) {

    /** One socket; {@code secure} marks a plain listener that only a TLS-terminating proxy reaches. */
    public record Listener(boolean enabled, String bind, int port, boolean secure) {}

    public record WebSocket(boolean enabled, String path, String seeOtherUri, Duration pingInterval) {}

    public record Bosh(boolean enabled, String path, Duration maxWait, int maxHold, Duration inactivity,
                       Duration maxPause, Duration polling, int maxBodyBytes, int maxSessionsPerAddress,
                       int maxQueuedBytes) {}

    /** Reads and checks the section, reporting every bad key at once. */
    public static HttpConfig from(ServerConfig server) throws ConfigException {
        return new Reader(server).read();
    }

    private static final class Reader {
        private final ServerConfig server;
        private final List<ConfigProblem> problems = new ArrayList<>();

        Reader(ServerConfig server) {
            this.server = server;
        }

        HttpConfig read() throws ConfigException {
            Config root = server.source();
            if (!root.hasPath("http")) {
                throw new ConfigException(List.of(new ConfigProblem("parley.http", "missing (is parley-bosh-websocket's reference.conf on the classpath?)")));
            }
            Config c;
            try {
                c = root.getConfig("http");
            } catch (com.typesafe.config.ConfigException e) {
                throw new ConfigException(List.of(new ConfigProblem("parley.http", e.getMessage())));
            }
            Listener plain = listener(c, "plain", true);
            Listener tls = listener(c, "tls", false);
            if (plain.enabled() && tls.enabled() && plain.port() != 0 && plain.port() == tls.port()
                    && plain.bind().equals(tls.bind())) {
                problems.add(new ConfigProblem("parley.http.listeners.tls.port", "same port as the plain listener"));
            }

            ForwardedAddress forwarded = ForwardedAddress.none();
            List<String> proxies = get("parley.http.trusted-proxies", () -> c.getStringList("trusted-proxies"), List.of());
            try {
                forwarded = ForwardedAddress.trusting(proxies);
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem("parley.http.trusted-proxies", e.getMessage()));
            }

            List<String> origins = get("parley.http.cors.allowed-origins", () -> c.getStringList("cors.allowed-origins"), List.of("*"));
            Duration corsMaxAge = duration(c, "cors.max-age", false);
            CorsPolicy cors = new CorsPolicy(origins, corsMaxAge);

            WebSocket ws = new WebSocket(
                    bool(c, "websocket.enabled"),
                    path(c, "websocket.path"),
                    get("parley.http.websocket.see-other-uri", () -> c.getString("websocket.see-other-uri"), "").trim(),
                    duration(c, "websocket.ping-interval", true));

            int stanzaLimit = server.limits().maxStanzaBytes();
            Bosh bosh = new Bosh(
                    bool(c, "bosh.enabled"),
                    path(c, "bosh.path"),
                    duration(c, "bosh.max-wait", true),
                    integer(c, "bosh.max-hold", 1, 16),
                    duration(c, "bosh.inactivity", true),
                    duration(c, "bosh.max-pause", false),
                    duration(c, "bosh.polling", false),
                    (int) bytes(c, "bosh.max-body-size", stanzaLimit, 64L * 1024 * 1024),
                    integer(c, "bosh.max-sessions-per-address", 1, Integer.MAX_VALUE),
                    (int) bytes(c, "bosh.max-queued-bytes", 1024, 1024L * 1024 * 1024));
            if (ws.enabled() && bosh.enabled() && ws.path().equals(bosh.path())) {
                problems.add(new ConfigProblem("parley.http.bosh.path", "same path as parley.http.websocket.path"));
            }
            Duration requestTimeout = duration(c, "request-timeout", true);
            Duration keepAliveTimeout = duration(c, "keep-alive-timeout", true);
            if (!problems.isEmpty()) throw new ConfigException(problems);
            return new HttpConfig(plain, tls, forwarded, cors, ws, bosh, requestTimeout, keepAliveTimeout, stanzaLimit, server.limits().xml(),
                    server.limits().maxConnectionsPerAddress());
        }

        private Listener listener(Config c, String name, boolean plain) {
            String key = "parley.http.listeners." + name;
            Config l = get(key, () -> c.getConfig("listeners." + name), null);
            if (l == null) return new Listener(false, "0.0.0.0", 0, !plain);
            boolean enabled = get(key + ".enabled", () -> l.getBoolean("enabled"), false);
            String bind = get(key + ".bind", () -> l.getString("bind"), "0.0.0.0");
            int port = get(key + ".port", () -> l.getInt("port"), 0);
            if (port < 0 || port > 65535) problems.add(new ConfigProblem(key + ".port", "not a port: " + port));
            boolean secure = !plain || (l.hasPath("secure") && get(key + ".secure", () -> l.getBoolean("secure"), false));
            return new Listener(enabled, bind, port, secure);
        }

        private String path(Config c, String local) {
            String key = "parley.http." + local;
            String p = get(key, () -> c.getString(local), "/");
            if (!p.startsWith("/") || p.contains("?") || p.contains("#") || p.contains(" ")) {
                problems.add(new ConfigProblem(key, "must be an absolute path such as /http-bind, is '" + p + "'"));
            }
            return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        }

        private boolean bool(Config c, String local) {
            return get("parley.http." + local, () -> c.getBoolean(local), false);
        }

        private int integer(Config c, String local, int min, int max) {
            String key = "parley.http." + local;
            int v = get(key, () -> c.getInt(local), min);
            if (v < min || v > max) problems.add(new ConfigProblem(key, "must be between " + min + " and " + max + ", is " + v));
            return v;
        }

        private long bytes(Config c, String local, long min, long max) {
            String key = "parley.http." + local;
            long v = get(key, () -> c.getBytes(local), min);
            if (v < min || v > max) problems.add(new ConfigProblem(key, "must be between " + min + " and " + max + " bytes"
                    + (local.equals("bosh.max-body-size") ? " (at least parley.limits.max-stanza-size)" : "")));
            return v;
        }

        private Duration duration(Config c, String local, boolean positive) {
            String key = "parley.http." + local;
            Duration d = get(key, () -> c.getDuration(local), Duration.ofSeconds(1));
            if (d.isNegative() || (positive && d.isZero())) problems.add(new ConfigProblem(key, positive ? "must be positive" : "must not be negative"));
            return d;
        }

        private <T> T get(String key, Supplier<T> read, T fallback) {
            try {
                return read.get();
            } catch (Missing e) {
                problems.add(new ConfigProblem(key, "missing"));
            } catch (com.typesafe.config.ConfigException e) {
                problems.add(new ConfigProblem(key, e.getMessage()));
            }
            return fallback;
        }
    }
}
