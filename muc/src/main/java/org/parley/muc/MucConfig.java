package org.parley.muc;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;

/** The {@code parley.muc} section, checked: every problem names its key. */
public record MucConfig(boolean enabled, int threads, List<ServiceSettings> services, RoomCreationLimit.Settings roomCreation) {

    /**
     * Reads {@code muc} from the resolved {@code parley} section ({@code ServerConfig.source()}); {@code hosts} are
     * the served virtual hosts, the first of which {@code {host}} stands for.
     */
    public static MucConfig read(Config parley, List<String> hosts) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        MucConfig c = read(parley, hosts, problems);
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return c;
    }

    /** The problems {@code parley check} reports for this section. */
    public static List<ConfigProblem> check(Config parley, List<String> hosts) {
        List<ConfigProblem> problems = new ArrayList<>();
        read(parley, hosts, problems);
        problems.addAll(org.parley.muc.jitsi.JitsiFeatures.check(parley, hosts));
        return problems;
    }

    private static MucConfig read(Config parley, List<String> hosts, List<ConfigProblem> problems) {
        Config muc = parley.hasPath("muc") ? parley.getConfig("muc").withFallback(reference())
                : reference();
        String host = hosts.isEmpty() ? "localhost" : hosts.get(0);
        boolean enabled = get(problems, "parley.muc.enabled", () -> muc.getBoolean("enabled"), true);
        int threads = get(problems, "parley.muc.threads", () -> muc.getInt("threads"), 0);
        if (threads < 0) problems.add(new ConfigProblem("parley.muc.threads", "must not be negative (0 = one per core)"));
        Config defaults = muc.getConfig("service-defaults");
        List<? extends Config> list = get(problems, "parley.muc.services", () -> muc.getConfigList("services"), List.of());
        List<ServiceSettings> services = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> hostSet = new HashSet<>(hosts);
        for (int i = 0; i < list.size(); i++) {
            String prefix = "parley.muc.services[" + i + "]";
            Config s = list.get(i).withFallback(defaults);
            ServiceSettings settings = service(prefix, s, host, problems);
            if (settings == null) continue;
            if (!seen.add(settings.domain())) {
                problems.add(new ConfigProblem(prefix + ".domain", "duplicate MUC domain " + settings.domain()));
            } else if (hostSet.contains(settings.domain())) {
                problems.add(new ConfigProblem(prefix + ".domain", settings.domain() + " is a virtual host; a MUC service needs a domain of its own"));
            } else {
                services.add(settings);
            }
        }
        return new MucConfig(enabled, threads, List.copyOf(services), roomCreation(muc, problems));
    }

    private static RoomCreationLimit.Settings roomCreation(Config muc, List<ConfigProblem> problems) {
        String key = "parley.muc.room-creation.";
        Config c = get(problems, "parley.muc.room-creation", () -> muc.getConfig("room-creation"), null);
        if (c == null) return RoomCreationLimit.Settings.NONE;
        double sessionRate = get(problems, key + "per-session-per-minute", () -> c.getDouble("per-session-per-minute"), 0.0);
        int sessionBurst = get(problems, key + "per-session-burst", () -> c.getInt("per-session-burst"), 1);
        double addressRate = get(problems, key + "per-address-per-minute", () -> c.getDouble("per-address-per-minute"), 0.0);
        int addressBurst = get(problems, key + "per-address-burst", () -> c.getInt("per-address-burst"), 1);
        if (sessionRate < 0) problems.add(new ConfigProblem(key + "per-session-per-minute", "must not be negative (0 = no limit)"));
        if (addressRate < 0) problems.add(new ConfigProblem(key + "per-address-per-minute", "must not be negative (0 = no limit)"));
        if (sessionBurst < 1) problems.add(new ConfigProblem(key + "per-session-burst", "must be at least 1"));
        if (addressBurst < 1) problems.add(new ConfigProblem(key + "per-address-burst", "must be at least 1"));
        return new RoomCreationLimit.Settings(sessionRate, sessionBurst, addressRate, addressBurst);
    }

    private static ServiceSettings service(String prefix, Config s, String host, List<ConfigProblem> problems) {
        int before = problems.size();
        String domain = get(problems, prefix + ".domain", () -> s.getString("domain"), "")
                .replace("{host}", host).trim().toLowerCase(Locale.ROOT);
        if (!domain.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
            problems.add(new ConfigProblem(prefix + ".domain", "not a valid domain name: '" + domain + "'"));
        }
        String name = get(problems, prefix + ".name", () -> s.getString("name"), "Chatrooms");
        JidPatterns allowed = patterns(problems, prefix + ".allowed-jids", s, "allowed-jids", host);
        JidPatterns creators = patterns(problems, prefix + ".room-creators", s, "room-creators", host);
        JidPatterns admins = patterns(problems, prefix + ".admins", s, "admins", host);
        boolean lock = get(problems, prefix + ".lock-new-rooms", () -> s.getBoolean("lock-new-rooms"), false);
        boolean pm = get(problems, prefix + ".allow-private-messages", () -> s.getBoolean("allow-private-messages"), true);
        int historyDefault = get(problems, prefix + ".history-default-stanzas", () -> s.getInt("history-default-stanzas"), 20);
        int maxHistory = get(problems, prefix + ".max-history", () -> s.getInt("max-history"), 100);
        if (historyDefault < 0) problems.add(new ConfigProblem(prefix + ".history-default-stanzas", "must not be negative"));
        if (maxHistory < 0) problems.add(new ConfigProblem(prefix + ".max-history", "must not be negative"));
        RoomConfig room = RoomConfig.XEP_DEFAULTS;
        try {
            room = RoomConfig.fromConfig(s.getConfig("room-defaults"), RoomConfig.XEP_DEFAULTS);
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem(prefix + ".room-defaults." + e.getMessage().split(":")[0], e.getMessage()));
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem(prefix + ".room-defaults", e.getMessage()));
        }
        if (room.historyLength() > maxHistory) room = withHistory(room, maxHistory);
        int bigRoom = get(problems, prefix + ".big-room-size", () -> s.getInt("big-room-size"), 50);
        if (bigRoom < 1) problems.add(new ConfigProblem(prefix + ".big-room-size", "must be at least 1"));
        double presenceRate = get(problems, prefix + ".presence-updates-per-second", () -> s.getDouble("presence-updates-per-second"), 2.0);
        if (!(presenceRate > 0)) problems.add(new ConfigProblem(prefix + ".presence-updates-per-second", "must be positive"));
        boolean tokens = get(problems, prefix + ".token-verification", () -> s.getBoolean("token-verification"), false);
        boolean guests = get(problems, prefix + ".token-guests", () -> s.getBoolean("token-guests"), true);
        if (problems.size() > before) return null;
        return new ServiceSettings(domain, name, allowed, creators, admins, lock, pm, historyDefault, maxHistory, room,
                bigRoom, presenceRate, tokens, guests);
    }

    private static RoomConfig withHistory(RoomConfig r, int h) {
        return new RoomConfig(r.name(), r.description(), r.persistent(), r.publicRoom(), r.membersOnly(), r.moderated(),
                r.passwordProtected(), r.password(), r.whois(), r.maxUsers(), r.allowPm(), r.allowInvites(),
                r.changeSubject(), r.logging(), h);
    }

    private static JidPatterns patterns(List<ConfigProblem> problems, String key, Config s, String path, String host) {
        List<String> raw = get(problems, key, () -> s.getStringList(path), List.of());
        List<String> out = new ArrayList<>();
        for (String p : raw) {
            String v = p.replace("{host}", host).trim();
            if (!v.equals("*") && !v.matches("([^@/\\s]+@)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
                problems.add(new ConfigProblem(key, "not \"*\", a bare JID or a domain: '" + p + "'"));
            }
            out.add(v);
        }
        return new JidPatterns(out);
    }

    private static Config reference() {
        return ConfigFactory.defaultReference(MucConfig.class.getClassLoader()).getConfig("parley.muc");
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
