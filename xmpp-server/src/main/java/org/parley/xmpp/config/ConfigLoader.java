package org.parley.xmpp.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.Missing;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.parley.storage.StorageConfig;

/**
 * Reads the operator's HOCON file over {@code reference.conf}, with environment and system-property
 * overrides, into a {@link ServerConfig}. Collects every problem before failing, so {@code parley check}
 * can list them all at once.
 */
public final class ConfigLoader {
    static final Set<String> KNOWN_MECHANISMS = Set.of(
            "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "ANONYMOUS");

    private final List<ConfigProblem> problems = new ArrayList<>();

    private ConfigLoader() {}

    /** Loads {@code file} (or only the defaults when null). */
    public static ServerConfig load(Path file) throws ConfigException {
        if (file != null && !Files.isRegularFile(file)) {
            throw new ConfigException(List.of(new ConfigProblem(file.toString(), "cannot read the configuration file")));
        }
        Config raw;
        try {
            raw = resolve(file);
        } catch (com.typesafe.config.ConfigException e) {
            String key = e.origin() == null ? (file == null ? "reference.conf" : file.toString()) : e.origin().description();
            throw new ConfigException(List.of(new ConfigProblem(key, e.getMessage())));
        }
        ConfigLoader loader = new ConfigLoader();
        ServerConfig config;
        try {
            config = loader.read(raw.getConfig("parley"), file);
        } catch (com.typesafe.config.ConfigException e) {
            // A whole section of the wrong type (e.g. "listeners = 5"): nothing below it can be read.
            loader.problems.add(new ConfigProblem(e.origin() == null ? "parley" : e.origin().description(), e.getMessage()));
            config = null;
        }
        if (!loader.problems.isEmpty()) throw new ConfigException(loader.problems);
        return config;
    }

    private static Config resolve(Path file) {
        Config user = ConfigFactory.empty();
        if (file != null) {
            user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        }
        ConfigFactory.invalidateCaches();
        return ConfigFactory.systemEnvironmentOverrides()
                .withFallback(ConfigFactory.systemProperties())
                .withFallback(user)
                .withFallback(ConfigFactory.defaultReference(ConfigLoader.class.getClassLoader()))
                .resolve();
    }

    private ServerConfig read(Config c, Path file) {
        Path base = file == null || file.toAbsolutePath().getParent() == null
                ? Path.of("") : file.toAbsolutePath().getParent();
        Path dataDir = get("parley.data-dir", () -> base.resolve(c.getString("data-dir")).normalize(), Path.of("data"));
        String serverName = get("parley.server-name", () -> c.getString("server-name"), "Parley");

        Config defaults = c.getConfig("host-defaults");
        List<VirtualHost> hosts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<? extends Config> hostList = get("parley.hosts", () -> c.getConfigList("hosts"), List.of());
        for (int i = 0; i < hostList.size(); i++) {
            String prefix = "parley.hosts[" + i + "]";
            Config h = hostList.get(i).withFallback(defaults);
            VirtualHost host = readHost(prefix, h, base);
            if (host == null) continue;
            if (!seen.add(host.domain())) {
                problems.add(new ConfigProblem(prefix + ".domain", "duplicate host " + host.domain()));
                continue;
            }
            hosts.add(host);
        }
        if (hostList.isEmpty()) problems.add(new ConfigProblem("parley.hosts", "at least one host must be configured"));

        ListenerConfig c2s = listener("c2s", c.getConfig("listeners.c2s"));
        ListenerConfig c2sTls = listener("c2s-direct-tls", c.getConfig("listeners.c2s-direct-tls"));

        Config l = c.getConfig("limits");
        Limits limits = new Limits(
                (int) bytes(l, "parley.limits.max-stanza-size", 1024, 64L * 1024 * 1024),
                positive(l, "parley.limits.max-depth"),
                positive(l, "parley.limits.max-connections-per-address"),
                positive(l, "parley.limits.stanzas-per-second"),
                positive(l, "parley.limits.stanza-burst"),
                nonNegative(l, "parley.limits.max-offline-messages-per-user"),
                nonNegative(l, "parley.limits.registrations-per-address"),
                duration(l, "parley.limits.registration-window"),
                duration(l, "parley.limits.negotiation-timeout"),
                duration(l, "parley.limits.idle-timeout"),
                duration(l, "parley.limits.resume-timeout"),
                positive(l, "parley.limits.max-unacked-stanzas"),
                positive(l, "parley.limits.new-connections-per-second"),
                positive(l, "parley.limits.new-connection-burst"),
                (int) bytes(l, "parley.limits.bytes-per-second", 1024, Integer.MAX_VALUE),
                (int) bytes(l, "parley.limits.byte-burst", 1024, Integer.MAX_VALUE),
                duration(l, "parley.limits.throttle-disconnect-after"),
                positive(l, "parley.limits.max-attributes-per-element"),
                positive(l, "parley.limits.max-namespaces-per-element"),
                positive(l, "parley.limits.max-attributes-per-stanza"),
                positive(l, "parley.limits.max-prefixes-per-stanza"),
                positive(l, "parley.limits.max-name-length"));
        if (limits.byteBurst() < limits.maxStanzaBytes()) {
            problems.add(new ConfigProblem("parley.limits.byte-burst", "must be at least parley.limits.max-stanza-size"));
        }

        Config s = c.getConfig("storage");
        String url = get("parley.storage.url", () -> s.getString("url"), "");
        if (!url.isBlank() && !url.startsWith("jdbc:")) {
            problems.add(new ConfigProblem("parley.storage.url", "must be a JDBC URL such as jdbc:postgresql://host/db"));
        }
        StorageConfig storage = new StorageConfig(url, get("parley.storage.user", () -> s.getString("user"), ""),
                get("parley.storage.password", () -> s.getString("password"), ""), positive(s, "parley.storage.pool-size"), dataDir,
                duration(s, "parley.storage.connection-timeout"));

        try {
            org.parley.xmpp.component.ComponentsConfig.from(c);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        try {
            org.parley.xmpp.s2s.S2sConfig.from(c);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        try {
            org.parley.xmpp.handler.ExternalServicesConfig.from(c);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        String version = ConfigLoader.class.getPackage().getImplementationVersion();
        return new ServerConfig(hosts, c2s, c2sTls, limits, storage, dataDir, serverName,
                version == null ? "development" : version, c);
    }

    private VirtualHost readHost(String prefix, Config h, Path base) {
        String domain = get(prefix + ".domain", () -> h.getString("domain"), null);
        if (domain == null) return null;
        domain = domain.trim().toLowerCase(Locale.ROOT);
        if (domain.isEmpty() || !domain.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
            problems.add(new ConfigProblem(prefix + ".domain", "not a valid domain name: '" + domain + "'"));
            return null;
        }
        List<String> mechanisms = get(prefix + ".sasl-mechanisms", () -> h.getStringList("sasl-mechanisms"), List.of());
        List<String> upper = new ArrayList<>();
        for (String m : mechanisms) {
            String u = m.trim().toUpperCase(Locale.ROOT);
            if (!KNOWN_MECHANISMS.contains(u)) {
                problems.add(new ConfigProblem(prefix + ".sasl-mechanisms", "unknown mechanism " + m
                        + " (known: " + String.join(", ", KNOWN_MECHANISMS) + ")"));
            } else {
                upper.add(u);
            }
        }
        boolean anonymous = get(prefix + ".anonymous", () -> h.getBoolean("anonymous"), false);
        boolean registration = get(prefix + ".registration", () -> h.getBoolean("registration"), false);
        boolean requireTls = get(prefix + ".require-tls", () -> h.getBoolean("require-tls"), true);
        Path cert = optionalPath(prefix + ".certificate", h, "certificate", base);
        Path key = optionalPath(prefix + ".key", h, "key", base);
        if ((cert == null) != (key == null)) {
            problems.add(new ConfigProblem(prefix + (cert == null ? ".certificate" : ".key"),
                    "certificate and key must be given together"));
        }
        org.parley.xmpp.token.TokenSettings token = null;
        if (h.hasPath("token") && !h.getIsNull("token")) {
            Config t = get(prefix + ".token", () -> h.getConfig("token"), null);
            if (t != null) token = org.parley.xmpp.token.TokenSettings.read(prefix + ".token", t, base, problems);
        }
        if (upper.isEmpty() && !anonymous && token == null) {
            problems.add(new ConfigProblem(prefix + ".sasl-mechanisms", "no mechanism left: nobody could log in"));
        }
        return new VirtualHost(domain, upper, anonymous, registration, requireTls, cert, key, token);
    }

    private Path optionalPath(String key, Config h, String path, Path base) {
        if (!h.hasPath(path)) return null;
        String value = get(key, () -> h.getString(path), null);
        if (value == null || value.isBlank()) return null;
        return base.resolve(value).normalize();
    }

    private ListenerConfig listener(String name, Config l) {
        String prefix = "parley.listeners." + name;
        boolean enabled = get(prefix + ".enabled", () -> l.getBoolean("enabled"), false);
        String bind = get(prefix + ".bind", () -> l.getString("bind"), "0.0.0.0");
        int port = get(prefix + ".port", () -> l.getInt("port"), 0);
        if (port < 0 || port > 65535) problems.add(new ConfigProblem(prefix + ".port", "not a port: " + port));
        return new ListenerConfig(enabled, bind, port);
    }

    private int positive(Config c, String key) {
        int v = get(key, () -> c.getInt(local(key)), 1);
        if (v < 1) problems.add(new ConfigProblem(key, "must be at least 1, is " + v));
        return v;
    }

    private int nonNegative(Config c, String key) {
        int v = get(key, () -> c.getInt(local(key)), 0);
        if (v < 0) problems.add(new ConfigProblem(key, "must not be negative, is " + v));
        return v;
    }

    private long bytes(Config c, String key, long min, long max) {
        long v = get(key, () -> c.getBytes(local(key)), min);
        if (v < min || v > max) problems.add(new ConfigProblem(key, "must be between " + min + " and " + max + " bytes"));
        return v;
    }

    private Duration duration(Config c, String key) {
        Duration d = get(key, () -> c.getDuration(local(key)), Duration.ofSeconds(1));
        if (d.isNegative() || d.isZero()) problems.add(new ConfigProblem(key, "must be positive"));
        return d;
    }

    private static String local(String fullKey) {
        return fullKey.substring(fullKey.lastIndexOf('.') + 1);
    }

    /** Reads one value; a wrong type or missing key becomes a problem instead of an exception. */
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
