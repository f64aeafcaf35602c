package org.parley.focus;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.parley.jingle.rtp.Parameter;
import org.parley.jingle.rtp.PayloadType;
import org.parley.jingle.rtp.RtcpFb;
import org.parley.jingle.rtp.RtpHdrExt;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.config.VirtualHost;
import org.xmpp.packet.JID;

/**
 * The {@code parley.focus} section, checked: every problem names its key. See {@code reference.conf} for what each
 * setting means.
 *
 * @param focusJid the focus's bare JID ({@code focus@auth.example.org}); in rooms it is {@code focusJid/nickname}
 */
public record FocusConfig(
        boolean enabled,
        int threads,
        String domain,
        JID focusJid,
        String nickname,
        Set<String> mucDomains,
        Policy policy,
        Set<String> hiddenDomains,
        int minParticipants,
        Duration singleParticipantTimeout,
        Duration conferenceStartTimeout,
        Duration joinTimeout,
        BridgeSettings bridges,
        Duration colibriTimeout,
        int colibriRetries,
        Duration jingleTimeout,
        int jingleRetries,
        int inviteRetries,
        Duration discoTimeout,
        RestartLimits restart,
        int maxSourcesPerParticipant,
        int maxGroupsPerParticipant,
        Codecs codecs,
        Moderation moderation,
        JibriSettings jibri,
        org.parley.focus.jigasi.JigasiSettings jigasi) {

    /** Who may start a conference. */
    public enum CreatePolicy { ANYONE, AUTHENTICATED, TOKEN, NOBODY }

    public record Token(String secret, String issuer, String audience) {}

    public record Policy(CreatePolicy create, Set<String> authenticatedDomains, Token token, boolean autoOwner) {}

    public record BridgeSettings(List<JID> breweries, List<String> components, Duration healthInterval,
                                 Duration healthTimeout, double overloadThreshold, double stressPerEndpoint,
                                 Duration recentWindow, int maxParticipantsPerBridge, boolean cascade,
                                 boolean regionAware) {}

    /** The moderation features of the focus ({@code parley.focus.moderation}). */
    public record Moderation(boolean mute, boolean startMuted, String avModerationComponent) {
        /** Whether audio/video moderation messages are taken from a component. */
        public boolean avModeration() { return !avModerationComponent.isEmpty(); }
    }

    /**
     * Jibri (recording, live streaming, SIP video gateway): the brewery rooms where they announce themselves (null =
     * none), how long a session may stay pending, how often it moves to another Jibri, how long a Jibri has to answer.
     */
    public record JibriSettings(JID brewery, JID sipBrewery, Duration pendingTimeout, int retries, Duration requestTimeout) {}

    public record RestartLimits(Duration minInterval, Duration interval, int maxRequests) {}

    /** What the focus offers and allocates: payload types and header extensions per media. */
    public record Codecs(List<PayloadType> audio, List<PayloadType> video, List<RtpHdrExt> audioHeaderExtensions,
                         List<RtpHdrExt> videoHeaderExtensions, boolean extmapAllowMixed) {}

    /** Whether {@code realJid} is of a hidden domain (a recorder, a transcriber): a participant that counts for nothing. */
    public boolean hidden(JID realJid) {
        return realJid != null && hiddenDomains.contains(realJid.getDomain());
    }

    /** The full JID the focus occupies rooms with: {@code focus@auth.example.org/focus}. */
    public JID occupantRealJid() {
        return new JID(focusJid.getNode(), focusJid.getDomain(), nickname);
    }

    /**
     * Reads {@code focus} from the resolved {@code parley} section ({@code ServerConfig.source()}); {@code hosts} are
     * the served virtual hosts, the first of which {@code {host}} stands for.
     */
    public static FocusConfig read(Config parley, List<VirtualHost> hosts) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        FocusConfig c = read(parley, hosts, problems);
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return c;
    }

    /** The problems {@code parley check} reports for this section. */
    public static List<ConfigProblem> check(Config parley, List<VirtualHost> hosts) {
        List<ConfigProblem> problems = new ArrayList<>();
        read(parley, hosts, problems);
        return problems;
    }

    /** The defaults of {@code reference.conf}, for {@code hosts}. */
    public static FocusConfig defaults(List<VirtualHost> hosts) {
        try {
            return read(ConfigFactory.empty(), hosts);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FocusConfig read(Config parley, List<VirtualHost> hosts, List<ConfigProblem> problems) {
        Config f = parley.hasPath("focus") ? parley.getConfig("focus").withFallback(reference()) : reference();
        String host = hosts.isEmpty() ? "localhost" : hosts.get(0).domain();
        Set<String> hostDomains = new LinkedHashSet<>();
        for (VirtualHost h : hosts) hostDomains.add(h.domain());
        String p = "parley.focus.";

        boolean enabled = get(problems, p + "enabled", () -> f.getBoolean("enabled"), true);
        int threads = get(problems, p + "threads", () -> f.getInt("threads"), 0);
        if (threads < 0) problems.add(new ConfigProblem(p + "threads", "must not be negative (0 = one per core)"));
        String domain = domain(problems, p + "domain", get(problems, p + "domain", () -> f.getString("domain"), ""), host);
        String nickname = get(problems, p + "nickname", () -> f.getString("nickname"), "focus").trim();
        if (nickname.isEmpty()) problems.add(new ConfigProblem(p + "nickname", "must not be empty"));
        JID focusJid = jid(problems, p + "jid", get(problems, p + "jid", () -> f.getString("jid"), "focus@auth.localhost"), host);
        if (focusJid != null) {
            if (focusJid.getNode() == null || focusJid.getResource() != null) {
                problems.add(new ConfigProblem(p + "jid", "must be a bare JID with a local part, like focus@auth." + host));
            } else if (focusJid.getDomain().equals(domain)) {
                problems.add(new ConfigProblem(p + "jid", "must not be in parley.focus.domain (" + domain + ")"));
            }
        }
        if (hostDomains.contains(domain)) {
            problems.add(new ConfigProblem(p + "domain", domain + " is a virtual host; the focus needs a domain of its own"));
        }
        Set<String> mucDomains = new LinkedHashSet<>();
        for (String d : get(problems, p + "muc-domains", () -> f.getStringList("muc-domains"), List.<String>of())) {
            mucDomains.add(domain(problems, p + "muc-domains", d, host));
        }
        Policy policy = policy(f, p + "policy.", hosts, problems);
        Set<String> hidden = new LinkedHashSet<>();
        for (String d : get(problems, p + "hidden-domains", () -> f.getStringList("hidden-domains"), List.<String>of())) {
            hidden.add(domain(problems, p + "hidden-domains", d, host));
        }
        int minParticipants = get(problems, p + "min-participants", () -> f.getInt("min-participants"), 2);
        if (minParticipants < 1) problems.add(new ConfigProblem(p + "min-participants", "must be at least 1"));
        Duration single = duration(problems, f, p, "single-participant-timeout");
        Duration startTimeout = duration(problems, f, p, "conference-start-timeout");
        Duration joinTimeout = duration(problems, f, p, "join-timeout");

        String b = "bridges.";
        List<JID> breweries = new ArrayList<>();
        for (String s : get(problems, p + b + "breweries", () -> f.getStringList(b + "breweries"), List.<String>of())) {
            JID j = jid(problems, p + b + "breweries", s, host);
            if (j == null) continue;
            if (j.getNode() == null || j.getResource() != null) {
                problems.add(new ConfigProblem(p + b + "breweries", "not a room JID: '" + s + "'"));
            } else {
                breweries.add(j);
            }
        }
        List<String> components = new ArrayList<>();
        for (String s : get(problems, p + b + "components", () -> f.getStringList(b + "components"), List.<String>of())) {
            components.add(domain(problems, p + b + "components", s, host));
        }
        Duration healthInterval = duration(problems, f, p, b + "health-interval");
        Duration healthTimeout = duration(problems, f, p, b + "health-timeout");
        double overload = get(problems, p + b + "overload-threshold", () -> f.getDouble(b + "overload-threshold"), 0.8);
        double perEndpoint = get(problems, p + b + "stress-per-endpoint", () -> f.getDouble(b + "stress-per-endpoint"), 0.01);
        Duration recent = duration(problems, f, p, b + "recent-window");
        int cap = get(problems, p + b + "max-participants-per-bridge", () -> f.getInt(b + "max-participants-per-bridge"), 80);
        if (cap == 0 || cap < -1) {
            problems.add(new ConfigProblem(p + b + "max-participants-per-bridge", "must be positive, or -1 for no cap"));
        }
        boolean cascade = get(problems, p + b + "cascade", () -> f.getBoolean(b + "cascade"), true);
        boolean regionAware = get(problems, p + b + "region-aware", () -> f.getBoolean(b + "region-aware"), true);
        BridgeSettings bridges = new BridgeSettings(List.copyOf(breweries), List.copyOf(components), healthInterval,
                healthTimeout, overload, perEndpoint, recent, cap, cascade, regionAware);

        Duration colibriTimeout = duration(problems, f, p, "colibri.timeout");
        int colibriRetries = nonNegative(problems, p + "colibri.retries", () -> f.getInt("colibri.retries"));
        Duration jingleTimeout = duration(problems, f, p, "jingle.timeout");
        int jingleRetries = nonNegative(problems, p + "jingle.retries", () -> f.getInt("jingle.retries"));
        int inviteRetries = nonNegative(problems, p + "jingle.invite-retries", () -> f.getInt("jingle.invite-retries"));
        Duration discoTimeout = duration(problems, f, p, "jingle.disco-timeout");
        RestartLimits restart = new RestartLimits(duration(problems, f, p, "restart.min-interval"),
                duration(problems, f, p, "restart.interval"),
                nonNegative(problems, p + "restart.max-requests", () -> f.getInt("restart.max-requests")));
        int maxSources = nonNegative(problems, p + "sources.max-per-participant", () -> f.getInt("sources.max-per-participant"));
        int maxGroups = nonNegative(problems, p + "sources.max-groups-per-participant",
                () -> f.getInt("sources.max-groups-per-participant"));
        Codecs codecs = codecs(f, p + "codecs.", problems);
        Moderation moderation = new Moderation(get(problems, p + "moderation.mute", () -> f.getBoolean("moderation.mute"), true),
                get(problems, p + "moderation.start-muted", () -> f.getBoolean("moderation.start-muted"), true),
                avModerationComponent(problems, p + "moderation.av-moderation-component",
                        get(problems, p + "moderation.av-moderation-component", () -> f.getString("moderation.av-moderation-component"), ""), host));
        JibriSettings jibri = new JibriSettings(
                roomOrNone(problems, p + "jibri.brewery", get(problems, p + "jibri.brewery", () -> f.getString("jibri.brewery"), ""), host),
                roomOrNone(problems, p + "jibri.sip-brewery", get(problems, p + "jibri.sip-brewery", () -> f.getString("jibri.sip-brewery"), ""), host),
                duration(problems, f, p, "jibri.pending-timeout"),
                nonNegative(problems, p + "jibri.retries", () -> f.getInt("jibri.retries")),
                duration(problems, f, p, "jibri.request-timeout"));
        return new FocusConfig(enabled, threads, domain, focusJid, nickname, Set.copyOf(mucDomains), policy,
                Set.copyOf(hidden), minParticipants, single, startTimeout, joinTimeout, bridges, colibriTimeout,
                colibriRetries, jingleTimeout, jingleRetries, inviteRetries, discoTimeout, restart, maxSources, maxGroups,
                codecs, moderation, jibri, org.parley.focus.jigasi.JigasiSettings.read(f, host, problems));
    }

    private static Policy policy(Config f, String p, List<VirtualHost> hosts, List<ConfigProblem> problems) {
        String createText = get(problems, p + "create", () -> f.getString("policy.create"), "anyone");
        CreatePolicy create = CreatePolicy.ANYONE;
        try {
            create = CreatePolicy.valueOf(createText.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem(p + "create", "one of anyone, authenticated, token, nobody; not '" + createText + "'"));
        }
        List<String> auth = get(problems, p + "authenticated-domains", () -> f.getStringList("policy.authenticated-domains"), List.<String>of());
        Set<String> authDomains = new LinkedHashSet<>();
        String host = hosts.isEmpty() ? "localhost" : hosts.get(0).domain();
        for (String d : auth) authDomains.add(domain(problems, p + "authenticated-domains", d, host));
        if (auth.isEmpty()) {
            for (VirtualHost h : hosts) if (!h.anonymous()) authDomains.add(h.domain());
        }
        Token token = new Token(get(problems, p + "token.secret", () -> f.getString("policy.token.secret"), ""),
                get(problems, p + "token.issuer", () -> f.getString("policy.token.issuer"), ""),
                get(problems, p + "token.audience", () -> f.getString("policy.token.audience"), ""));
        if (create == CreatePolicy.TOKEN && token.secret().isEmpty()) {
            problems.add(new ConfigProblem(p + "token.secret", "needed when policy.create = token"));
        }
        boolean autoOwner = get(problems, p + "auto-owner", () -> f.getBoolean("policy.auto-owner"), true);
        return new Policy(create, Set.copyOf(authDomains), token, autoOwner);
    }

    private static Codecs codecs(Config f, String p, List<ConfigProblem> problems) {
        List<PayloadType> audio = payloadTypes(f, "codecs.audio", p + "audio", problems);
        List<PayloadType> video = payloadTypes(f, "codecs.video", p + "video", problems);
        List<RtpHdrExt> audioExt = headerExtensions(f, "codecs.audio-header-extensions", p + "audio-header-extensions", problems);
        List<RtpHdrExt> videoExt = headerExtensions(f, "codecs.video-header-extensions", p + "video-header-extensions", problems);
        boolean mixed = get(problems, p + "extmap-allow-mixed", () -> f.getBoolean("codecs.extmap-allow-mixed"), true);
        if (audio.isEmpty()) problems.add(new ConfigProblem(p + "audio", "at least one audio codec is needed"));
        return new Codecs(audio, video, audioExt, videoExt, mixed);
    }

    private static List<PayloadType> payloadTypes(Config f, String path, String key, List<ConfigProblem> problems) {
        List<? extends Config> list = get(problems, key, () -> f.getConfigList(path), List.<Config>of());
        List<PayloadType> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Config c = list.get(i);
            String k = key + "[" + i + "]";
            try {
                List<Parameter> params = new ArrayList<>();
                if (c.hasPath("parameters")) {
                    for (String s : c.getStringList("parameters")) {
                        int eq = s.indexOf('=');
                        if (eq <= 0) throw new IllegalArgumentException("parameter '" + s + "' is not name=value");
                        params.add(new Parameter(s.substring(0, eq).trim(), s.substring(eq + 1).trim()));
                    }
                }
                List<RtcpFb> fbs = new ArrayList<>();
                if (c.hasPath("rtcp-fb")) {
                    for (String s : c.getStringList("rtcp-fb")) {
                        String[] parts = s.trim().split("\\s+", 2);
                        fbs.add(new RtcpFb(parts[0], parts.length > 1 ? parts[1] : null));
                    }
                }
                Integer channels = c.hasPath("channels") ? c.getInt("channels") : null;
                out.add(new PayloadType(c.getInt("id"), c.getString("name"), c.getInt("clockrate"), channels, null, null,
                        params, fbs, List.of()));
            } catch (com.typesafe.config.ConfigException | IllegalArgumentException e) {
                problems.add(new ConfigProblem(k, e.getMessage()));
            }
        }
        return List.copyOf(out);
    }

    private static List<RtpHdrExt> headerExtensions(Config f, String path, String key, List<ConfigProblem> problems) {
        List<? extends Config> list = get(problems, key, () -> f.getConfigList(path), List.<Config>of());
        List<RtpHdrExt> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            try {
                out.add(new RtpHdrExt(list.get(i).getInt("id"), list.get(i).getString("uri")));
            } catch (com.typesafe.config.ConfigException | IllegalArgumentException e) {
                problems.add(new ConfigProblem(key + "[" + i + "]", e.getMessage()));
            }
        }
        return List.copyOf(out);
    }

    private static Duration duration(List<ConfigProblem> problems, Config f, String prefix, String path) {
        Duration d = get(problems, prefix + path, () -> f.getDuration(path), Duration.ofSeconds(10));
        if (d.isNegative() || d.isZero()) {
            problems.add(new ConfigProblem(prefix + path, "must be positive"));
            return Duration.ofSeconds(10);
        }
        return d;
    }

    private static int nonNegative(List<ConfigProblem> problems, String key, Supplier<Integer> read) {
        int v = get(problems, key, read, 0);
        if (v < 0) problems.add(new ConfigProblem(key, "must not be negative"));
        return v;
    }

    private static String domain(List<ConfigProblem> problems, String key, String raw, String host) {
        String d = raw.replace("{host}", host).trim().toLowerCase(Locale.ROOT);
        if (!d.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
            problems.add(new ConfigProblem(key, "not a valid domain name: '" + raw + "'"));
        }
        return d;
    }

    /** The component's domain, or "" (off). */
    private static String avModerationComponent(List<ConfigProblem> problems, String key, String raw, String host) {
        return raw.isBlank() ? "" : domain(problems, key, raw, host);
    }

    /** A brewery room's JID, or null for "" (none). */
    private static JID roomOrNone(List<ConfigProblem> problems, String key, String raw, String host) {
        if (raw.isBlank()) return null;
        JID j = jid(problems, key, raw, host);
        if (j != null && (j.getNode() == null || j.getResource() != null)) {
            problems.add(new ConfigProblem(key, "not a room JID: '" + raw + "'"));
            return null;
        }
        return j;
    }

    private static JID jid(List<ConfigProblem> problems, String key, String raw, String host) {
        try {
            return new JID(raw.replace("{host}", host).trim());
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem(key, "not a JID: '" + raw + "'"));
            return null;
        }
    }

    private static Config reference() {
        return ConfigFactory.defaultReference(FocusConfig.class.getClassLoader()).getConfig("parley.focus");
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
