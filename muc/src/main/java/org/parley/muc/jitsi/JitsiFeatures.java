package org.parley.muc.jitsi;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.parley.muc.MucService;
import org.parley.muc.RoomModule;
import org.parley.muc.jitsi.avmoderation.AvModerationComponent;
import org.parley.muc.jitsi.breakout.BreakoutRooms;
import org.parley.muc.jitsi.breakout.BreakoutSettings;
import org.parley.muc.jitsi.duration.ConferenceDuration;
import org.parley.muc.jitsi.endconference.EndConference;
import org.parley.muc.jitsi.lobby.Lobby;
import org.parley.muc.jitsi.polls.Polls;
import org.parley.muc.jitsi.speakerstats.SpeakerStats;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.handler.IqDispatcher;
import org.parley.xmpp.server.ServerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.component.ComponentException;
import org.xmpp.packet.JID;

/**
 * Reads {@code parley.muc.jitsi} and plugs in the Jitsi Meet features that are on: each a {@link RoomModule} on its
 * MUC domains and, where Jitsi has one, a component address advertised in the disco#info of the Jitsi host (the web
 * app finds components by the identities there). A new feature is a package and one line here.
 */
public final class JitsiFeatures {
    private static final Logger log = LoggerFactory.getLogger(JitsiFeatures.class);

    private final Config section;
    private final String firstHost;
    private final String host;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final List<Feature> features = new ArrayList<>();
    /** Null while only checking the configuration. */
    private MucService muc;

    /**
     * One configured feature: its modules for MUC domains and its component address, if any ({@code service} null:
     * the address is a MUC service of its own, only advertised), and what else it plugs in ({@code extra}, or null).
     */
    private record Feature(String key, List<String> mucDomains, RoomModule module, String component, String identityType,
                           JitsiComponent service, java.util.function.Predicate<MucService> extra) {
        Feature(String key, List<String> mucDomains, RoomModule module, String component, String identityType,
                JitsiComponent service) {
            this(key, mucDomains, module, component, identityType, service, null);
        }
    }

    private JitsiFeatures(Config parley, List<String> hosts) {
        Config reference = ConfigFactory.defaultReference(JitsiFeatures.class.getClassLoader()).getConfig("parley.muc.jitsi");
        this.section = parley.hasPath("muc.jitsi") ? parley.getConfig("muc.jitsi").withFallback(reference) : reference;
        this.firstHost = hosts.isEmpty() ? "localhost" : hosts.get(0);
        this.host = string("host");
    }

    /** The problems {@code parley check} and start-up report for {@code parley.muc.jitsi}. */
    public static List<ConfigProblem> check(Config parley, List<String> hosts) {
        JitsiFeatures f = new JitsiFeatures(parley, hosts);
        f.read();
        return f.problems;
    }

    /** Reads the section and installs every feature that is on into {@code muc}. */
    public static void install(ServerContext server, MucService muc, Config parley, List<String> hosts)
            throws ConfigException, ComponentException {
        JitsiFeatures f = new JitsiFeatures(parley, hosts);
        f.muc = muc;
        f.read();
        if (!f.problems.isEmpty()) throw new ConfigException(f.problems);
        for (Feature feature : f.features) {
            if (feature.service() == null && feature.component() != null && !muc.domains().contains(feature.component())) {
                log.warn("parley.muc.jitsi.{}: {} is not a MUC service here; {} is off", feature.key(), feature.component(), feature.key());
                continue;
            }
            if (feature.extra() != null && !feature.extra().test(muc)) continue;
            int installed = 0;
            for (String d : feature.mucDomains()) {
                if (!muc.domains().contains(d)) {
                    log.warn("parley.muc.jitsi.{}: {} is not a MUC service here; skipped", feature.key(), d);
                    continue;
                }
                muc.addModule(d, feature.module());
                installed++;
            }
            if (feature.component() != null) {
                if (feature.service() != null) muc.addComponent(feature.component(), feature.service());
                server.iq().addIdentity(f.host, new IqDispatcher.Identity("component", feature.identityType(), feature.component()));
            }
            log.info("Jitsi {}: on {} MUC service(s){}", feature.key(), installed,
                    feature.component() == null ? "" : ", component " + feature.component());
        }
    }

    private void read() {
        if (bool("conference-duration.enabled")) {
            String component = address("conference-duration.component");
            features.add(new Feature("conference-duration", domains("conference-duration.muc-domains"),
                    new ConferenceDuration(component == null ? null : new JID(component), Clock.systemUTC()),
                    component, "conference_duration", new JitsiComponent("conference_duration", null)));
        }
        if (bool("speaker-stats.enabled")) {
            String component = address("speaker-stats.component");
            if (component == null) problems.add(new ConfigProblem("parley.muc.jitsi.speaker-stats.component",
                    "speaker stats need a component address (speakerstats.<host>), or enabled = false"));
            else {
                SpeakerStats stats = new SpeakerStats(new JID(component), muc, System::currentTimeMillis);
                features.add(new Feature("speaker-stats", domains("speaker-stats.muc-domains"), stats, component,
                        "speakerstats", new JitsiComponent("speakerstats", stats::onStanza)));
            }
        }
        if (bool("polls.enabled")) {
            String component = address("polls.component");
            if (component == null) problems.add(new ConfigProblem("parley.muc.jitsi.polls.component",
                    "polls need a component address (polls.<host>), or enabled = false"));
            else {
                Polls polls = new Polls(new JID(component), muc);
                JitsiComponent address = new JitsiComponent("polls", polls::onStanza);
                polls.address(address);
                features.add(new Feature("polls", domains("polls.muc-domains"), polls, component, "polls", address));
            }
        }
        if (bool("end-conference.enabled")) {
            String component = address("end-conference.component");
            if (component == null) problems.add(new ConfigProblem("parley.muc.jitsi.end-conference.component",
                    "ending the meeting needs a component address (endconference.<host>), or enabled = false"));
            else {
                EndConference end = new EndConference(muc);
                JitsiComponent address = new JitsiComponent("end_conference", end::onStanza);
                end.address(address);
                features.add(new Feature("end-conference", domains("end-conference.muc-domains"), end, component,
                        "end_conference", address));
            }
        }
        if (bool("av-moderation.enabled")) {
            String component = address("av-moderation.component");
            if (component == null) problems.add(new ConfigProblem("parley.muc.jitsi.av-moderation.component",
                    "audio/video moderation needs a component address (avmoderation.<host>), or enabled = false"));
            else {
                AvModerationComponent av = new AvModerationComponent(new JID(component), muc);
                JitsiComponent address = new JitsiComponent("av_moderation", av::onStanza);
                av.address(address);
                features.add(new Feature("av-moderation", domains("av-moderation.muc-domains"), av, component,
                        "av_moderation", address));
            }
        }
        if (bool("lobby.enabled")) {
            String lobbyDomain = address("lobby.lobby-domain");
            if (lobbyDomain == null) {
                if (string("lobby.lobby-domain").isEmpty()) problems.add(new ConfigProblem("parley.muc.jitsi.lobby.lobby-domain",
                        "the lobby needs a MUC service for its rooms (lobby.<host>), or enabled = false"));
            } else {
                Lobby lobby = new Lobby(muc, lobbyDomain, new java.util.HashSet<>(domains("lobby.whitelist")));
                // The lobby service is the component the web app looks for: listed, not served apart.
                features.add(new Feature("lobby", domains("lobby.muc-domains"), lobby, lobbyDomain, "lobbyrooms", null));
                features.add(new Feature("lobby-rooms", List.of(lobbyDomain), lobby.lobbyRooms(), null, null, null));
            }
        }
        breakoutRooms();
    }

    private void breakoutRooms() {
        if (!bool("breakout-rooms.enabled")) return;
        String domain = address("breakout-rooms.breakout-domain");
        int max = positive("breakout-rooms.max-rooms");
        int name = positive("breakout-rooms.max-name-length");
        if (domain == null) {
            problems.add(new ConfigProblem("parley.muc.jitsi.breakout-rooms.breakout-domain",
                    "breakout rooms need their MUC service (breakout.<host>), or enabled = false"));
            return;
        }
        List<String> mains = domains("breakout-rooms.muc-domains");
        if (mains.contains(domain)) {
            problems.add(new ConfigProblem("parley.muc.jitsi.breakout-rooms.muc-domains",
                    "the breakout service " + domain + " cannot also be a main MUC service"));
            return;
        }
        BreakoutRooms rooms = new BreakoutRooms(new BreakoutSettings(mains, domain, max, name,
                java.time.Duration.ofMillis(300), java.time.Duration.ofSeconds(5)), muc);
        List<String> all = new ArrayList<>(mains);
        all.add(domain);
        features.add(new Feature("breakout-rooms", all, rooms, domain, "breakout_rooms", null, m -> {
            if (!m.domains().contains(domain)) {
                log.warn("parley.muc.jitsi.breakout-rooms: {} is not a MUC service here; breakout rooms are off", domain);
                return false;
            }
            m.addServiceModule(domain, rooms);
            return true;
        }));
    }

    private int positive(String key) {
        try {
            int v = section.getInt(key);
            if (v > 0) return v;
            problems.add(new ConfigProblem("parley.muc.jitsi." + key, "must be at least 1"));
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem("parley.muc.jitsi." + key, e.getMessage()));
        }
        return 1;
    }

    private String string(String key) {
        try {
            return section.getString(key).replace("{host}", firstHost).trim().toLowerCase(Locale.ROOT);
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem("parley.muc.jitsi." + key, e.getMessage()));
            return "";
        }
    }

    private boolean bool(String key) {
        try {
            return section.getBoolean(key);
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem("parley.muc.jitsi." + key, e.getMessage()));
            return false;
        }
    }

    /** A domain, or null for "" (the feature has no component then). */
    private String address(String key) {
        String v = string(key);
        if (v.isEmpty()) return null;
        if (!v.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
            problems.add(new ConfigProblem("parley.muc.jitsi." + key, "not a valid domain name: '" + v + "'"));
            return null;
        }
        return v;
    }

    private List<String> domains(String key) {
        try {
            List<String> out = new ArrayList<>();
            for (String d : section.getStringList(key)) out.add(d.replace("{host}", firstHost).trim().toLowerCase(Locale.ROOT));
            return out;
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem("parley.muc.jitsi." + key, e.getMessage()));
            return List.of();
        }
    }
}
