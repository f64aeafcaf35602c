package org.parley.importer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Jitsi Meet features Parley's MUC serves (parley.muc.jitsi), carried over from the Prosody modules that enable
 * them: the module on a VirtualHost, its main_muc, its *_component address (option or Component). A feature Prosody
 * does not load is written as off, since Parley's layout turns them on.
 */
final class JitsiFeatureImport {
    /**
     * Prosody module -> Parley feature key, its component option and module (null: no module of its own), the default
     * component's prefix, and the Parley key the component address goes to.
     */
    private record Carried(String feature, String componentOption, String componentModule, String defaultPrefix,
                           boolean onMuc, String componentKey) {
        Carried(String feature, String componentOption, String componentModule, String defaultPrefix, boolean onMuc) {
            this(feature, componentOption, componentModule, defaultPrefix, onMuc, "component");
        }
    }

    private static final Map<String, Carried> CARRIED = Map.of(
            "conference_duration", new Carried("conference-duration", "conference_duration_component",
                    "conference_duration_component", null, false),
            "speakerstats", new Carried("speaker-stats", "speakerstats_component", "speakerstats_component", "speakerstats.", false),
            // mod_polls is loaded on each MUC component whose rooms have polls.
            "polls", new Carried("polls", "polls_component", "polls_component", "polls.", true),
            "end_conference", new Carried("end-conference", "end_conference_component", "end_conference", "endconference.", false),
            "av_moderation", new Carried("av-moderation", "av_moderation_component", "av_moderation_component", "avmoderation.", false),
            // The breakout rooms' address is a MUC component of their own (breakout_rooms_muc, Prosody's default
            // breakout.<host>); their meetings are the host's main_muc.
            "muc_breakout_rooms", new Carried("breakout-rooms", "breakout_rooms_muc", null, "breakout.", false, "breakout-domain"));

    private final Set<String> on = new LinkedHashSet<>();
    private final Map<String, String> components = new java.util.HashMap<>();
    private final Map<String, Set<String>> mucs = new java.util.HashMap<>();
    private String host;
    /** The domain under the first MUC that loads a MUC-level feature (conference.D -> D), for default addresses. */
    private String mucHost;
    /** mod_muc_lobby_rooms: its main_muc(s), lobby_muc and muc_lobby_whitelist; null lobbyDomain when not loaded. */
    private final Set<String> lobbyMucs = new LinkedHashSet<>();
    private final Set<String> lobbyWhitelist = new LinkedHashSet<>();
    private String lobbyDomain;

    /** mod_muc_lobby_rooms on a VirtualHost with its main_muc, lobby_muc and muc_lobby_whitelist (may be empty). */
    void lobby(String mainMuc, String lobbyMuc, List<String> whitelist) {
        lobbyMucs.add(mainMuc);
        if (lobbyDomain == null) lobbyDomain = lobbyMuc;
        lobbyWhitelist.addAll(whitelist);
    }

    /** True when Prosody module {@code module} is one Parley carries over. */
    static boolean carries(String module) { return CARRIED.containsKey(module); }

    /** Module {@code module} is enabled on VirtualHost {@code where} (main_muc {@code mainMuc}, may be null). */
    void module(ProsodyConfig.Section where, String module, String mainMuc) {
        Carried c = CARRIED.get(module);
        on.add(c.feature());
        String muc = c.onMuc() ? where.name() : mainMuc != null ? mainMuc : "conference." + where.name();
        if (!c.onMuc() && host == null) host = where.name();
        if (c.onMuc() && mucHost == null) mucHost = where.name().substring(where.name().indexOf('.') + 1);
        mucs.computeIfAbsent(c.feature(), k -> new LinkedHashSet<>()).add(muc);
    }

    /** A VirtualHost option naming a carried feature's component; true when taken. */
    boolean option(ProsodyConfig.Option o) {
        // Read with mod_muc_lobby_rooms (lobby), which Prosody ignores without it.
        if (o.name().equals("muc_lobby_whitelist")) return true;
        for (Carried c : CARRIED.values()) {
            if (c.componentOption().equals(o.name()) && o.value() != null) {
                components.put(c.feature(), String.valueOf(o.value()));
                return true;
            }
        }
        return false;
    }

    /** A Component of a carried feature's component module; true when taken. */
    boolean component(ProsodyConfig.Section c) {
        for (Carried k : CARRIED.values()) {
            if (k.componentModule() != null && k.componentModule().equals(c.module())) {
                components.put(k.feature(), c.name());
                ProsodyConfig.Option muc = c.option("muc_component");
                if (muc != null) mucs.computeIfAbsent(k.feature(), x -> new LinkedHashSet<>()).add(String.valueOf(muc.value()));
                return true;
            }
        }
        return false;
    }

    /** Writes parley.muc.jitsi. */
    void write(Hocon muc) {
        Hocon jitsi = muc.object("jitsi");
        if (host != null) jitsi.put("host", host, "The VirtualHost that loads Jitsi's modules: its disco#info lists the components.");
        for (Carried c : CARRIED.values()) {
            Hocon f = jitsi.object(c.feature());
            if (!on.contains(c.feature())) {
                f.put("enabled", false, "Prosody does not load its module.");
                continue;
            }
            f.put("enabled", true);
            f.put("muc-domains", new ArrayList<>(mucs.getOrDefault(c.feature(), Set.of())));
            String base = host != null ? host : mucHost;
            String fallback = c.defaultPrefix() == null || base == null ? "" : c.defaultPrefix() + base;
            f.put(c.componentKey(), components.getOrDefault(c.feature(), fallback));
        }
        Hocon lobby = jitsi.object("lobby");
        if (lobbyDomain == null) {
            lobby.put("enabled", false, "Prosody does not load mod_muc_lobby_rooms.");
        } else {
            lobby.put("enabled", true);
            lobby.put("muc-domains", new ArrayList<>(lobbyMucs), "Prosody: main_muc.");
            lobby.put("lobby-domain", lobbyDomain, "Prosody: lobby_muc.");
            lobby.put("whitelist", new ArrayList<>(lobbyWhitelist), "Prosody: muc_lobby_whitelist.");
        }
    }

    List<String> features() {
        List<String> all = new ArrayList<>(on);
        if (lobbyDomain != null) all.add("lobby");
        return all;
    }
}
