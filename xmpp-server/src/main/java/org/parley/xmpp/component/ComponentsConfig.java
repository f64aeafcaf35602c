package org.parley.xmpp.component;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.config.ListenerConfig;

/**
 * XEP-0114 settings: the listener and the components allowed to connect, each with its domain, secret and
 * how many connections it may hold at once (stanzas are spread over them).
 */
public record ComponentsConfig(ListenerConfig listener, List<Entry> components) {
    public record Entry(String domain, String secret, int maxConnections) {}

    public ComponentsConfig {
        components = List.copyOf(components);
    }

    public Entry entry(String domain) {
        for (Entry e : components) if (e.domain().equals(domain)) return e;
        return null;
    }

    /** Reads {@code parley.listeners.component} and {@code parley.components}; every problem is reported. */
    public static ComponentsConfig from(Config parley) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        ListenerConfig listener = new ListenerConfig(false, "127.0.0.1", 5347);
        if (!parley.hasPath("listeners.component") && !parley.hasPath("components")) {
            return new ComponentsConfig(listener, List.of());
        }
        try {
            Config l = parley.getConfig("listeners.component");
            listener = new ListenerConfig(l.getBoolean("enabled"), l.getString("bind"), l.getInt("port"));
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem("parley.listeners.component", e.getMessage()));
        }
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<? extends Config> list = List.of();
        try {
            if (parley.hasPath("components")) list = parley.getConfigList("components");
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem("parley.components", e.getMessage()));
        }
        for (int i = 0; i < list.size(); i++) {
            String key = "parley.components[" + i + "]";
            Config c = list.get(i);
            try {
                String domain = c.getString("domain").trim().toLowerCase(Locale.ROOT);
                String secret = c.getString("secret");
                int max = c.hasPath("max-connections") ? c.getInt("max-connections") : 1;
                if (!domain.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
                    problems.add(new ConfigProblem(key + ".domain", "not a valid domain name: '" + domain + "'"));
                } else if (!seen.add(domain)) {
                    problems.add(new ConfigProblem(key + ".domain", "duplicate component " + domain));
                } else if (secret.length() < 8) {
                    problems.add(new ConfigProblem(key + ".secret", "too short: use at least 8 characters"));
                } else if (max < 1) {
                    problems.add(new ConfigProblem(key + ".max-connections", "must be at least 1"));
                } else {
                    entries.add(new Entry(domain, secret, max));
                }
            } catch (com.typesafe.config.ConfigException e) {
                problems.add(new ConfigProblem(key, e.getMessage()));
            }
        }
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new ComponentsConfig(listener, entries);
    }
}
