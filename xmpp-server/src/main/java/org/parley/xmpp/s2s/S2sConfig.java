package org.parley.xmpp.s2s;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.config.ListenerConfig;

/**
 * Federation settings: {@code parley.listeners.s2s} and {@code parley.s2s}. Every link is encrypted; how the
 * peer's domain is authenticated is the policy here: SASL EXTERNAL when its certificate validates, else
 * XEP-0220 dialback when allowed, and links to servers whose certificate does not validate refused when valid
 * certificates are required.
 *
 * @param enabled                  federation at all; when false stanzas for other domains bounce at once
 * @param listener                 the inbound listener (5269), serving STARTTLS and direct TLS on one port
 * @param requireValidCertificates refuse peers whose certificate does not validate for their domain
 * @param allowDialback            accept and use XEP-0220 dialback
 * @param routes                   static routes: domain to where its server listens, consulted before DNS
 * @param trustedCertificates      PEM files with extra trust anchors (CAs or peers' self-signed certificates)
 * @param dialbackSecret           the secret dialback keys derive from; empty means a random one at each start
 * @param connectTimeout           how long a link may take to resolve, connect and authenticate
 * @param idleTimeout              links with no traffic either way for this long are closed
 * @param maxQueuedStanzas         stanzas a link holds while it comes up; more bounce
 */
public record S2sConfig(
        boolean enabled,
        ListenerConfig listener,
        boolean requireValidCertificates,
        boolean allowDialback,
        Map<String, Route> routes,
        List<Path> trustedCertificates,
        String dialbackSecret,
        Duration connectTimeout,
        Duration idleTimeout,
        int maxQueuedStanzas) {

    /** Where a statically routed domain's server listens; {@code directTls} for {@code tls://host:port}. */
    public record Route(String host, int port, boolean directTls) {
        @Override public String toString() { return (directTls ? "tls://" : "") + host + ":" + port; }
    }

    public S2sConfig {
        routes = Map.copyOf(routes);
        trustedCertificates = List.copyOf(trustedCertificates);
    }

    /** Federation off: what a hand-built configuration without the sections gets. */
    public static S2sConfig disabled() {
        return new S2sConfig(false, new ListenerConfig(false, "0.0.0.0", 5269), false, true, Map.of(), List.of(), "",
                Duration.ofSeconds(20), Duration.ofMinutes(10), 1000);
    }

    /** Reads {@code parley.listeners.s2s} and {@code parley.s2s}; every problem is reported. */
    public static S2sConfig from(Config parley) throws ConfigException {
        if (!parley.hasPath("s2s") && !parley.hasPath("listeners.s2s")) return disabled();
        List<ConfigProblem> problems = new ArrayList<>();
        S2sConfig d = disabled();
        ListenerConfig listener = d.listener();
        try {
            Config l = parley.getConfig("listeners.s2s");
            listener = new ListenerConfig(l.getBoolean("enabled"), l.getString("bind"), l.getInt("port"));
            if (listener.port() < 0 || listener.port() > 65535) {
                problems.add(new ConfigProblem("parley.listeners.s2s.port", "not a port: " + listener.port()));
            }
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem("parley.listeners.s2s", e.getMessage()));
        }
        Config s;
        try {
            s = parley.getConfig("s2s");
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem("parley.s2s", e.getMessage()));
            throw new ConfigException(problems);
        }
        boolean enabled = read(problems, "enabled", () -> s.getBoolean("enabled"), false);
        boolean requireValid = read(problems, "require-valid-certificates", () -> s.getBoolean("require-valid-certificates"), false);
        boolean allowDialback = read(problems, "allow-dialback", () -> s.getBoolean("allow-dialback"), true);
        String secret = read(problems, "dialback-secret", () -> s.getString("dialback-secret"), "");
        Duration connect = read(problems, "connect-timeout", () -> s.getDuration("connect-timeout"), d.connectTimeout());
        Duration idle = read(problems, "idle-timeout", () -> s.getDuration("idle-timeout"), d.idleTimeout());
        int maxQueued = read(problems, "max-queued-stanzas", () -> s.getInt("max-queued-stanzas"), d.maxQueuedStanzas());
        if (connect.isNegative() || connect.isZero()) problems.add(new ConfigProblem("parley.s2s.connect-timeout", "must be positive"));
        if (idle.isNegative() || idle.isZero()) problems.add(new ConfigProblem("parley.s2s.idle-timeout", "must be positive"));
        if (maxQueued < 1) problems.add(new ConfigProblem("parley.s2s.max-queued-stanzas", "must be at least 1, is " + maxQueued));
        if (!secret.isEmpty() && secret.length() < 16) {
            problems.add(new ConfigProblem("parley.s2s.dialback-secret", "too short: use at least 16 characters, or leave it empty"));
        }

        Map<String, Route> routes = new LinkedHashMap<>();
        if (s.hasPath("routes")) {
            try {
                for (Map.Entry<String, ConfigValue> e : s.getObject("routes").entrySet()) {
                    String domain = e.getKey().trim().toLowerCase(Locale.ROOT);
                    String key = "parley.s2s.routes.\"" + e.getKey() + "\"";
                    if (!validDomain(domain)) {
                        problems.add(new ConfigProblem(key, "not a valid domain name: '" + domain + "'"));
                        continue;
                    }
                    Object value = e.getValue().unwrapped();
                    Route r = value instanceof String str ? parseRoute(str) : null;
                    if (r == null) {
                        problems.add(new ConfigProblem(key, "expected \"host:port\" or \"tls://host:port\", got " + value));
                    } else {
                        routes.put(domain, r);
                    }
                }
            } catch (com.typesafe.config.ConfigException e) {
                problems.add(new ConfigProblem("parley.s2s.routes", e.getMessage()));
            }
        }

        List<Path> trusted = new ArrayList<>();
        if (s.hasPath("trusted-certificates")) {
            try {
                List<String> files = s.getStringList("trusted-certificates");
                // Relative paths are relative to the file that names them, like every other path in the config.
                String origin = s.getValue("trusted-certificates").origin().filename();
                Path base = origin == null || Path.of(origin).toAbsolutePath().getParent() == null
                        ? Path.of("") : Path.of(origin).toAbsolutePath().getParent();
                for (int i = 0; i < files.size(); i++) {
                    Path file = base.resolve(files.get(i)).normalize();
                    String problem = certificateFileProblem(file);
                    if (problem != null) problems.add(new ConfigProblem("parley.s2s.trusted-certificates[" + i + "]", problem));
                    else trusted.add(file);
                }
            } catch (com.typesafe.config.ConfigException e) {
                problems.add(new ConfigProblem("parley.s2s.trusted-certificates", e.getMessage()));
            }
        }
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new S2sConfig(enabled, listener, requireValid, allowDialback, routes, trusted, secret, connect, idle, maxQueued);
    }

    /** Why {@code file} is no use as a trust anchor file, or null when it holds at least one certificate. */
    private static String certificateFileProblem(Path file) {
        try (var in = java.nio.file.Files.newInputStream(file)) {
            var certs = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
            return certs.isEmpty() ? "no certificate in " + file : null;
        } catch (java.io.IOException e) {
            return "cannot read " + file;
        } catch (java.security.GeneralSecurityException e) {
            return "not a PEM certificate file: " + file + " (" + e.getMessage() + ")";
        }
    }

    static Route parseRoute(String value) {
        String v = value.trim();
        boolean tls = false;
        if (v.startsWith("tls://")) {
            tls = true;
            v = v.substring(6);
        }
        String host;
        String port;
        if (v.startsWith("[")) {
            int close = v.indexOf("]:");
            if (close < 0) return null;
            host = v.substring(1, close);
            port = v.substring(close + 2);
        } else {
            int colon = v.lastIndexOf(':');
            if (colon <= 0 || v.indexOf(':') != colon) return null;
            host = v.substring(0, colon);
            port = v.substring(colon + 1);
        }
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535 || host.isBlank()) return null;
            return new Route(host, p, tls);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static boolean validDomain(String domain) {
        return domain.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?");
    }

    /** The ASCII (A-label) form of a domain, or null when it cannot be one a server is reached at. */
    static String asciiDomain(String domain) {
        if (domain == null || domain.isEmpty()) return null;
        try {
            String ascii = java.net.IDN.toASCII(domain).toLowerCase(Locale.ROOT);
            return validDomain(ascii) ? ascii : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private interface Read<T> {
        T get();
    }

    private static <T> T read(List<ConfigProblem> problems, String key, Read<T> read, T fallback) {
        try {
            return read.get();
        } catch (com.typesafe.config.ConfigException.Missing e) {
            problems.add(new ConfigProblem("parley.s2s." + key, "missing"));
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem("parley.s2s." + key, e.getMessage()));
        }
        return fallback;
    }
}
