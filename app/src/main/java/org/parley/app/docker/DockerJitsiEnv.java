package org.parley.app.docker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.parley.importer.Hocon;

/**
 * docker-jitsi-meet's environment (the variables its prosody and jicofo containers read, with their defaults) as one
 * Parley configuration, so that its web and jvb containers work against Parley unchanged: the same domains, the
 * brewery, the focus at focus@XMPP_AUTH_DOMAIN answering on focus.XMPP_DOMAIN, BOSH/WebSocket on PROSODY_HTTP_PORT
 * and c2s on XMPP_PORT on every interface, and the accounts its prosody container registers at start. Variables
 * that would change behaviour and have no Parley equivalent each get one line in {@link Result#notes()}; the ones
 * that make the setup unusable (an authentication type Parley lacks, no JVB password) are {@link Result#errors()}.
 */
public final class DockerJitsiEnv {
    /** An account docker-jitsi-meet's prosody container registers with prosodyctl. */
    public record Account(String user, String domain, String password) {}

    /** The configuration text, what it could not carry (one line each), what makes it unusable, the accounts. */
    public record Result(String config, List<String> notes, List<String> errors, List<Account> accounts) {}

    /** Addresses no other container reaches (the web container's nginx is on the same Docker network). */
    private static final String PRIVATE_RANGES = "127.0.0.1,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16";

    private final Map<String, String> env;
    private final List<String> notes = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final List<Account> accounts = new ArrayList<>();

    private DockerJitsiEnv(Map<String, String> env) {
        this.env = env;
    }

    /** {@code dataDir}: where the database and generated certificates go (the container's volume). */
    public static Result convert(Map<String, String> env, String dataDir) {
        DockerJitsiEnv d = new DockerJitsiEnv(env);
        String config = d.build(dataDir);
        return new Result(config, List.copyOf(d.notes), List.copyOf(d.errors), List.copyOf(d.accounts));
    }

    /** The variable, or {@code fallback} when unset or empty (docker-jitsi-meet's templates: {@code default}). */
    private String get(String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private boolean isSet(String name) {
        return get(name, null) != null;
    }

    /** docker-jitsi-meet's {@code toBool}: 1, true, t, yes, on (any case) are true. */
    private boolean flag(String name, boolean fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "true", "t", "yes", "y", "on" -> true;
            default -> false;
        };
    }

    private int port(String name, int fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        try {
            int p = Integer.parseInt(v);
            if (p >= 0 && p <= 65535) return p;
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.add(name + "=" + v + " is not a port");
        return fallback;
    }

    private static List<String> list(String commaSeparated) {
        if (commaSeparated == null) return List.of();
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private void note(String variable, String what) {
        notes.add(variable + ": " + what);
    }

    private String build(String dataDir) {
        String domain = get("XMPP_DOMAIN", "meet.jitsi");
        String authDomain = get("XMPP_AUTH_DOMAIN", "auth.meet.jitsi");
        String mucDomain = get("XMPP_MUC_DOMAIN", "muc.meet.jitsi");
        String internalMuc = get("XMPP_INTERNAL_MUC_DOMAIN", "internal-muc.meet.jitsi");
        String guestDomain = get("XMPP_GUEST_DOMAIN", "guest.meet.jitsi");
        String hiddenDomain = get("XMPP_HIDDEN_DOMAIN", get("XMPP_RECORDER_DOMAIN", "hidden.meet.jitsi"));
        String focusJid = "focus@" + authDomain;

        boolean auth = flag("ENABLE_AUTH", false);
        String authType = get("PROSODY_AUTH_TYPE", get("AUTH_TYPE", "internal")).toLowerCase(Locale.ROOT);
        boolean guests = auth && flag("ENABLE_GUESTS", false);
        boolean jwt = auth && authType.equals("jwt");
        boolean recording = flag("ENABLE_RECORDING", false);
        boolean transcriptions = flag("ENABLE_TRANSCRIPTIONS", false);
        boolean hidden = recording || transcriptions;
        String bind = get("PARLEY_BIND", "0.0.0.0");

        Hocon root = new Hocon();
        Hocon parley = root.object("parley");
        parley.put("data-dir", dataDir);

        // ---- hosts ----
        List<Object> hosts = parley.list("hosts");
        Hocon main = new Hocon().put("domain", domain);
        hosts.add(main);
        if (!auth) {
            main.put("anonymous", true);
        } else if (authType.equals("internal")) {
            // Accounts on XMPP_DOMAIN (parley adduser user@XMPP_DOMAIN), as Prosody's internal_hashed.
            main.put("anonymous", false);
        } else if (jwt) {
            jwtHost(main);
        } else {
            errors.add("AUTH_TYPE=" + authType + ": not supported by Parley (internal and jwt are)");
        }
        if (guests) hosts.add(new Hocon().put("domain", guestDomain).put("anonymous", true));
        hosts.add(new Hocon().put("domain", authDomain));
        if (hidden) hosts.add(new Hocon().put("domain", hiddenDomain));

        // ---- listeners: what the jvb (c2s) and web (http) containers reach, on every interface ----
        Hocon listeners = parley.object("listeners");
        listeners.put("c2s", new Hocon().put("bind", bind).put("port", port("XMPP_PORT", 5222)));
        listeners.put("c2s-direct-tls", new Hocon().put("enabled", false));
        listeners.put("component", new Hocon().put("enabled", false));
        listeners.put("s2s", new Hocon().put("enabled", false));
        parley.object("s2s").put("enabled", false);
        Hocon http = parley.object("http");
        // nginx in the web container terminates TLS: Prosody's consider_bosh_secure / consider_websocket_secure.
        http.object("listeners").put("plain", new Hocon().put("bind", bind).put("port", port("PROSODY_HTTP_PORT", 5280)).put("secure", true));
        http.object("listeners").put("tls", new Hocon().put("enabled", false));
        http.put("trusted-proxies", list(get("PROSODY_TRUSTED_PROXIES", PRIVATE_RANGES)));
        parley.object("admin").put("bind", "127.0.0.1").put("port", port("PARLEY_ADMIN_PORT", 5380));

        // ---- MUC ----
        Hocon muc = parley.object("muc");
        muc.object("service-defaults").put("admins", List.of(focusJid));
        List<Object> services = muc.list("services");
        Hocon meetings = new Hocon().put("domain", mucDomain).put("room-creators", List.of());
        if (jwt && get("JWT_TOKEN_AUTH_MODULE", "token_verification").equals("token_verification")) {
            meetings.put("token-verification", true).put("token-guests", guests);
        }
        services.add(meetings);
        List<String> conferenceDomains = new ArrayList<>(List.of(mucDomain));
        if (flag("ENABLE_BREAKOUT_ROOMS", true)) {
            services.add(new Hocon().put("domain", "breakout." + domain).put("room-creators", List.of()));
            conferenceDomains.add("breakout." + domain);
        }
        if (flag("ENABLE_LOBBY", true)) services.add(new Hocon().put("domain", "lobby." + domain).put("room-creators", List.of()));
        // muc_filter_whitelist = XMPP_AUTH_DOMAIN: only the bridges', Jibri's and Jigasi's accounts enter.
        services.add(new Hocon().put("domain", internalMuc).put("name", "Internal").put("allowed-jids", List.of(authDomain))
                .put("room-defaults", new Hocon().put("public", false)));

        // ---- the focus (jicofo's container) ----
        Hocon focus = parley.object("focus");
        focus.put("domain", "focus." + domain).put("jid", focusJid).put("muc-domains", conferenceDomains);
        focus.object("bridges").put("breweries", List.of(get("JVB_BREWERY_MUC", "jvbbrewery") + "@" + internalMuc));
        // Jicofo's jibri and jibri-sip breweries exist only with ENABLE_RECORDING, as in docker-jitsi-meet's jicofo.conf.
        focus.object("jibri").put("brewery", recording ? get("JIBRI_BREWERY_MUC", "jibribrewery") + "@" + internalMuc : "")
                .put("sip-brewery", recording ? get("JIBRI_SIP_BREWERY_MUC", "jibrisipbrewery") + "@" + internalMuc : "");
        focus.object("rest").put("bind", bind).put("port", port("PARLEY_REST_PORT", 8888));
        if (hidden) focus.put("hidden-domains", List.of(hiddenDomain));
        // jicofo.conf's jigasi.brewery-jid, set by docker-jitsi-meet when Jigasi dials out or transcribes.
        if (isSet("JIGASI_SIP_URI") || transcriptions) {
            focus.object("jigasi").put("breweries", List.of(get("JIGASI_BREWERY_MUC", "jigasibrewery") + "@" + internalMuc));
        }
        focusPolicy(focus);

        // ---- the web app's meeting features (the Prosody modules docker-jitsi-meet loads by default) ----
        Hocon jitsi = muc.object("jitsi").put("host", domain);
        feature(jitsi, "conference-duration", "conferenceduration." + domain, conferenceDomains, true);
        feature(jitsi, "speaker-stats", "speakerstats." + domain, conferenceDomains, true);
        feature(jitsi, "polls", "polls." + domain, conferenceDomains, true);
        feature(jitsi, "end-conference", "endconference." + domain, conferenceDomains, flag("ENABLE_END_CONFERENCE", true));
        feature(jitsi, "av-moderation", "avmoderation." + domain, conferenceDomains, flag("ENABLE_AV_MODERATION", true));
        // mod_muc_lobby_rooms on the meetings (main_muc), rooms on lobby.<domain>; Jibri's and the transcriber's
        // hidden domain skips it (docker-jitsi-meet's muc_lobby_whitelist).
        jitsi.object("lobby").put("enabled", flag("ENABLE_LOBBY", true)).put("muc-domains", List.of(mucDomain))
                .put("lobby-domain", "lobby." + domain)
                .put("whitelist", recording || transcriptions ? List.of(hiddenDomain) : List.of());
        // docker-jitsi-meet loads muc_breakout_rooms with breakout_rooms_muc = breakout.XMPP_DOMAIN, main_muc = XMPP_MUC_DOMAIN.
        jitsi.object("breakout-rooms").put("enabled", flag("ENABLE_BREAKOUT_ROOMS", true)).put("muc-domains", List.of(mucDomain))
                .put("breakout-domain", "breakout." + domain);

        turn(parley);
        accounts(authDomain, hiddenDomain, recording, transcriptions);
        unsupported();
        return "# Written by `parley container` from docker-jitsi-meet's environment at every start: edit the variables,\n"
                + "# or put your own settings in the custom file included at the end.\n"
                + root.render()
                + "include file(" + Hocon.quote(get("PARLEY_CUSTOM_CONFIG", "/config/custom-parley.conf")) + ")\n";
    }

    /** Prosody's token authentication on XMPP_DOMAIN (authentication = "token", app_id, app_secret). */
    private void jwtHost(Hocon main) {
        if (!get("JWT_AUTH_TYPE", "token").equals("token")) {
            errors.add("JWT_AUTH_TYPE=" + get("JWT_AUTH_TYPE", "") + ": not supported by Parley (token is)");
        }
        String secret = get("JWT_APP_SECRET", null);
        if (secret == null) {
            errors.add("AUTH_TYPE=jwt needs JWT_APP_SECRET" + (isSet("JWT_ASAP_KEYSERVER")
                    ? " (JWT_ASAP_KEYSERVER: fetching public keys from a key server is not supported; put the keys in "
                    + "parley.hosts[].token.public-keys in the custom file)" : ""));
            secret = "";
        }
        String appId = get("JWT_APP_ID", null);
        // Prosody's token library: accepted issuers default to the app id, audiences to any.
        List<String> issuers = list(get("JWT_ACCEPTED_ISSUERS", null));
        if (issuers.isEmpty()) issuers = appId != null ? List.of(appId) : List.of("*");
        List<String> audiences = list(get("JWT_ACCEPTED_AUDIENCES", null));
        if (audiences.isEmpty()) audiences = List.of("*");
        main.put("token", new Hocon().put("issuers", issuers).put("audiences", audiences).put("secret", secret)
                .put("allow-empty", flag("JWT_ALLOW_EMPTY", false)));
        if (isSet("JWT_ASAP_KEYSERVER") && get("JWT_APP_SECRET", null) != null) {
            note("JWT_ASAP_KEYSERVER", "fetching public keys from a key server is not supported; RS256 tokens need their "
                    + "keys in parley.hosts[].token.public-keys (custom file)");
        }
        if (flag("JWT_ENABLE_DOMAIN_VERIFICATION", false)) note("JWT_ENABLE_DOMAIN_VERIFICATION", "not supported, ignored");
        String sign = get("JWT_SIGN_TYPE", "HS256");
        if (!sign.equals("HS256") && !sign.equals("RS256")) note("JWT_SIGN_TYPE", sign + " is not supported (HS256 and RS256 are)");
    }

    /** Jicofo's authentication: who may start a conference. */
    /** One of the web app's features on the meeting MUCs, with its component address. */
    private static void feature(Hocon jitsi, String name, String component, List<String> mucDomains, boolean enabled) {
        jitsi.object(name).put("enabled", enabled).put("muc-domains", mucDomains).put("component", component);
    }

    private void focusPolicy(Hocon focus) {
        boolean jicofoAuth = flag("JICOFO_ENABLE_AUTH", flag("ENABLE_AUTH", false));
        String type = get("JICOFO_AUTH_TYPE", get("AUTH_TYPE", "internal")).toLowerCase(Locale.ROOT);
        Hocon policy = focus.object("policy");
        if (jicofoAuth) {
            if (type.equals("jwt")) {
                policy.put("create", "token");
                String secret = get("JWT_APP_SECRET", null);
                if (secret != null) policy.object("token").put("secret", secret);
            } else {
                // Jicofo's XMPP authentication: users with an account (not guests) start meetings.
                policy.put("create", "authenticated");
            }
        }
        if (isSet("ENABLE_AUTO_OWNER")) policy.put("auto-owner", flag("ENABLE_AUTO_OWNER", true));
    }

    /** Prosody's external_services from STUN_*, TURN_*, TURNS_* with docker-jitsi-meet's defaults. */
    private void turn(Hocon parley) {
        String secret = get("TURN_CREDENTIALS", null);
        List<String> turnHosts = list(get("TURN_HOST", null));
        List<String> turnsHosts = list(get("TURNS_HOST", null));
        String stun = get("STUN_HOST", null);
        if (turnHosts.isEmpty() && turnsHosts.isEmpty() && stun == null) return;
        Hocon turn = parley.object("turn");
        if (secret != null) turn.put("secret", secret);
        turn.put("ttl", get("TURN_TTL", "86400") + "s");
        List<Object> services = turn.list("services");
        if (stun != null) services.add(new Hocon().put("type", "stun").put("host", stun).put("port", port("STUN_PORT", 443)).put("transport", "udp"));
        boolean restricted = secret != null;
        for (String host : turnHosts) {
            for (String transport : list(get("TURN_TRANSPORT", "tcp"))) {
                services.add(new Hocon().put("type", "turn").put("host", host).put("port", port("TURN_PORT", 443))
                        .put("transport", transport).put("restricted", restricted));
            }
        }
        for (String host : turnsHosts) {
            services.add(new Hocon().put("type", "turns").put("host", host).put("port", port("TURNS_PORT", 443))
                    .put("transport", "tcp").put("restricted", restricted));
        }
        if (isSet("TURN_USERNAME") || isSet("TURN_PASSWORD")) {
            note("TURN_USERNAME/TURN_PASSWORD", "static TURN credentials are not supported (use TURN_CREDENTIALS, coturn's "
                    + "static-auth-secret); the TURN services are announced without credentials");
        }
    }

    /** What docker-jitsi-meet's register-setup creates with prosodyctl (the focus's account is not needed). */
    private void accounts(String authDomain, String hiddenDomain, boolean recording, boolean transcriptions) {
        String jvbPassword = get("JVB_AUTH_PASSWORD", null);
        if (jvbPassword == null) errors.add("JVB_AUTH_PASSWORD must be set (the bridge's account)");
        else accounts.add(new Account(get("JVB_AUTH_USER", "jvb"), authDomain, jvbPassword));
        if (isSet("JIBRI_XMPP_PASSWORD")) accounts.add(new Account(get("JIBRI_XMPP_USER", "jibri"), authDomain, get("JIBRI_XMPP_PASSWORD", null)));
        if (isSet("JIGASI_XMPP_PASSWORD")) accounts.add(new Account(get("JIGASI_XMPP_USER", "jigasi"), authDomain, get("JIGASI_XMPP_PASSWORD", null)));
        if (recording && isSet("JIBRI_RECORDER_PASSWORD")) {
            accounts.add(new Account(get("JIBRI_RECORDER_USER", "recorder"), hiddenDomain, get("JIBRI_RECORDER_PASSWORD", null)));
        }
        if (transcriptions && isSet("JIGASI_TRANSCRIBER_PASSWORD")) {
            accounts.add(new Account(get("JIGASI_TRANSCRIBER_USER", "transcriber"), hiddenDomain, get("JIGASI_TRANSCRIBER_PASSWORD", null)));
        }
        if (isSet("JICOFO_AUTH_PASSWORD")) note("JICOFO_AUTH_PASSWORD", "not needed: the focus is part of Parley (no focus account is created)");
    }

    /** docker-jitsi-meet settings that change behaviour and that Parley does not have. */
    private void unsupported() {
        if (flag("ENABLE_VISITORS", false)) note("ENABLE_VISITORS", "visitors are not supported");
        if (flag("ENABLE_JVB_XMPP_SERVER", false)) note("ENABLE_JVB_XMPP_SERVER", "a separate XMPP server for the bridges is not supported: they join " + get("XMPP_INTERNAL_MUC_DOMAIN", "internal-muc.meet.jitsi"));
        if (!get("PROSODY_MODE", "client").equals("client")) errors.add("PROSODY_MODE=" + get("PROSODY_MODE", "") + ": only client is supported");
        if (flag("ENABLE_S2S", false) || flag("PROSODY_ENABLE_S2S", false)) note("PROSODY_ENABLE_S2S", "federation stays off in the container (set parley.s2s in the custom file)");
        if (!flag("PROSODY_C2S_REQUIRE_ENCRYPTION", true)) note("PROSODY_C2S_REQUIRE_ENCRYPTION", "Parley always requires TLS on 5222 (jitsi-videobridge uses STARTTLS)");
        if (isSet("MAX_PARTICIPANTS")) note("MAX_PARTICIPANTS", "a per-room occupant limit is not supported");
        if (flag("PROSODY_RESERVATION_ENABLED", false)) note("PROSODY_RESERVATION_ENABLED", "the reservation API is not supported");
        if (flag("PROSODY_ENABLE_RATE_LIMITS", false)) note("PROSODY_ENABLE_RATE_LIMITS", "Parley's own limits apply (parley.limits)");
        if (flag("ENABLE_SUBDOMAINS", true)) {
            note("ENABLE_SUBDOMAINS", "tenant paths (/<tenant>/<room>: rooms on muc.<tenant>.XMPP_DOMAIN) are not served");
        }
        for (String v : List.of("XMPP_MODULES", "XMPP_MUC_MODULES", "XMPP_INTERNAL_MUC_MODULES", "XMPP_LOBBY_MUC_MODULES",
                "XMPP_BREAKOUT_MUC_MODULES", "GLOBAL_MODULES", "GLOBAL_CONFIG", "XMPP_CONFIGURATION", "XMPP_MUC_CONFIGURATION")) {
            if (isSet(v)) note(v, "Prosody modules and Lua settings have no effect on Parley");
        }
        if (isSet("MAX_SSRCS_PER_USER")) note("MAX_SSRCS_PER_USER", "use parley.focus.sources.max-per-participant in the custom file");
    }
}
