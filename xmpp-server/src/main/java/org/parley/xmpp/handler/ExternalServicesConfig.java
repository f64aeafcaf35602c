package org.parley.xmpp.handler;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;

/**
 * {@code parley.turn}: the STUN and TURN servers XEP-0215 announces, and coturn's shared secret
 * ({@code static-auth-secret} with {@code use-auth-secret}) for their time-limited credentials.
 */
public record ExternalServicesConfig(String secret, Duration ttl, List<Service> services) {

    /** One server; {@code restricted} services get credentials. */
    public record Service(String type, String host, int port, String transport, boolean restricted, String name) {
        public boolean turn() { return type.startsWith("turn"); }
    }

    public static ExternalServicesConfig from(Config parley) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        if (!parley.hasPath("turn")) return new ExternalServicesConfig("", Duration.ofDays(1), List.of());
        Config c = parley.getConfig("turn");
        String secret = get(problems, "parley.turn.secret", () -> c.getString("secret"), "");
        Duration ttl = get(problems, "parley.turn.ttl", () -> c.getDuration("ttl"), Duration.ofDays(1));
        if (ttl.isNegative() || ttl.isZero()) problems.add(new ConfigProblem("parley.turn.ttl", "must be positive"));
        List<? extends Config> list = get(problems, "parley.turn.services", () -> c.getConfigList("services"), List.of());
        List<Service> services = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String key = "parley.turn.services[" + i + "]";
            Config s = list.get(i);
            String type = get(problems, key + ".type", () -> s.getString("type"), "stun").toLowerCase(Locale.ROOT);
            if (!List.of("stun", "stuns", "turn", "turns").contains(type)) {
                problems.add(new ConfigProblem(key + ".type", "must be stun, stuns, turn or turns, is " + type));
            }
            String host = get(problems, key + ".host", () -> s.getString("host"), "").trim();
            if (host.isEmpty()) problems.add(new ConfigProblem(key + ".host", "missing"));
            int defaultPort = type.endsWith("s") ? 5349 : 3478;
            int port = s.hasPath("port") ? get(problems, key + ".port", () -> s.getInt("port"), defaultPort) : defaultPort;
            if (port < 1 || port > 65535) problems.add(new ConfigProblem(key + ".port", "not a port: " + port));
            String transport = s.hasPath("transport")
                    ? get(problems, key + ".transport", () -> s.getString("transport"), "udp").toLowerCase(Locale.ROOT)
                    : type.endsWith("s") ? "tcp" : "udp";
            if (!transport.equals("udp") && !transport.equals("tcp")) {
                problems.add(new ConfigProblem(key + ".transport", "must be udp or tcp, is " + transport));
            }
            boolean restricted = s.hasPath("restricted")
                    ? get(problems, key + ".restricted", () -> s.getBoolean("restricted"), true) : type.startsWith("turn");
            if (restricted && secret.isEmpty()) {
                problems.add(new ConfigProblem(key + ".restricted", "restricted services need parley.turn.secret for their credentials"));
            }
            String name = s.hasPath("name") ? get(problems, key + ".name", () -> s.getString("name"), null) : null;
            services.add(new Service(type, host, port, transport, restricted, name));
        }
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new ExternalServicesConfig(secret, ttl, List.copyOf(services));
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
