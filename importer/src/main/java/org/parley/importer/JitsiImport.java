package org.parley.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a Prosody + Jicofo setup (Jitsi Meet's, as its Debian packages write it) into one Parley configuration and the
 * accounts to copy. Every setting that is not carried over becomes a {@link Note} with its file and line; a note that
 * {@link Note#changesBehaviour() changes behaviour} means Parley on the output will not do what Prosody and Jicofo did.
 */
public final class JitsiImport {
    /** One thing the operator should know, where it was set. */
    public record Note(String where, String message, boolean changesBehaviour) {
        @Override public String toString() {
            return where + ": " + (changesBehaviour ? "" : "(no effect) ") + message;
        }
    }

    /** The configuration text, the notes, and the accounts of the hosts that keep accounts. */
    public record Result(String config, List<Note> notes, List<ProsodyAccounts.Account> accounts) {
        public boolean changesBehaviour() {
            return notes.stream().anyMatch(Note::changesBehaviour);
        }
    }

    /** Options Parley needs nothing for: Prosody's own housekeeping, or what Parley always does. Why, by option. */
    private static final Map<String, String> NO_EFFECT = Map.ofEntries(
            Map.entry("plugin_paths", "Parley has no plugins to load"),
            Map.entry("pidfile", "systemd tracks Parley's process"),
            Map.entry("log", "Parley logs to standard error (the journal under systemd)"),
            Map.entry("daemonize", "Parley runs in the foreground under systemd"),
            Map.entry("admins", "Parley has no server administrators over XMPP; the admin API has a token"),
            Map.entry("modules_disabled", "modules are not Parley's unit"),
            Map.entry("archive_expires_after", "Parley keeps no message archive"),
            Map.entry("certificates", "certificates are named per host (taken from this directory where found)"),
            Map.entry("data_path", "Parley keeps its data in its database"),
            Map.entry("unlimited_jids", "Parley's limits are per session and per address; the bridges stay far below them"),
            Map.entry("muc_mapper_domain_base", "handled with the domain mapper module (see muc_domain_mapper)"),
            Map.entry("muc_room_cache_size", "Parley keeps every live room in memory"),
            Map.entry("default_storage", "Parley keeps its data in its database"),
            Map.entry("storage", "Parley keeps its data in its database"),
            Map.entry("s2s_require_encryption", "Parley's federation always uses TLS"),
            Map.entry("c2s_require_encryption", "carried over as require-tls"),
            Map.entry("ssl", "Parley uses TLS 1.2 and 1.3 with modern ciphers; per-host certificate and key are carried over"),
            Map.entry("network_backend", "Parley uses Netty with epoll"),
            Map.entry("use_libevent", "Parley uses Netty with epoll"),
            Map.entry("enabled", "disabled hosts are not carried over"),
            Map.entry("smacks_max_unacked_stanzas", "Parley's parley.limits.max-unacked-stanzas applies"),
            Map.entry("smacks_hibernation_time", "Parley's parley.limits.resume-timeout applies"),
            Map.entry("lobby_muc", "the lobby MUC is carried over as a MUC service"),
            Map.entry("breakout_rooms_muc", "the breakout MUC is carried over as a MUC service"),
            Map.entry("main_muc", "the main MUC is carried over as a MUC service"),
            Map.entry("muc_component", "the feature's MUC is the main one"),
            Map.entry("http_default_host", "Parley serves BOSH and WebSocket for every host"));

    /** Modules whose job Parley does itself, or that Jitsi Meet does not use. */
    private static final Map<String, String> MODULES_BUILT_IN = Map.ofEntries(
            Map.entry("roster", "built in"), Map.entry("saslauth", "built in"), Map.entry("tls", "built in"),
            Map.entry("dialback", "built in (parley.s2s.allow-dialback)"), Map.entry("disco", "built in"),
            Map.entry("ping", "built in"), Map.entry("version", "built in"), Map.entry("register", "built in (per host: registration)"),
            Map.entry("bosh", "built in (parley.http)"), Map.entry("websocket", "built in (parley.http)"),
            Map.entry("smacks", "built in (XEP-0198)"), Map.entry("external_services", "carried over as parley.turn"),
            Map.entry("muc_meeting_id", "built in (every room has a meeting id)"),
            Map.entry("limits", "carried over as parley.limits"), Map.entry("limits_exception", "Parley's limits are per session"),
            Map.entry("posix", "systemd runs Parley"), Map.entry("uptime", "Jitsi Meet does not use it"),
            Map.entry("time", "Jitsi Meet does not use it"), Map.entry("admin_adhoc", "the admin API replaces it"),
            Map.entry("admin_shell", "the admin API replaces it"), Map.entry("carbons", "Jitsi Meet does not use it"),
            Map.entry("pep", "Jitsi Meet does not use it"), Map.entry("private", "Jitsi Meet does not use it"),
            Map.entry("blocklist", "Jitsi Meet does not use it"), Map.entry("vcard4", "Jitsi Meet does not use it"),
            Map.entry("vcard_legacy", "Jitsi Meet does not use it"), Map.entry("pubsub", "Jitsi Meet does not use it"),
            Map.entry("offline", "built in"), Map.entry("c2s", "built in"), Map.entry("s2s", "built in"),
            Map.entry("http", "built in"), Map.entry("http_files", "nginx serves the web app"),
            Map.entry("turncredentials", "carried over as parley.turn"), Map.entry("mam", "Jitsi Meet does not use it"),
            Map.entry("csi_simple", "Jitsi Meet does not use it"), Map.entry("server_contact_info", "Jitsi Meet does not use it"),
            Map.entry("announce", "Jitsi Meet does not use it"), Map.entry("watchregistrations", "Jitsi Meet does not use it"),
            Map.entry("motd", "Jitsi Meet does not use it"), Map.entry("welcome", "Jitsi Meet does not use it"),
            Map.entry("cloud_notify", "Jitsi Meet does not use it"), Map.entry("bookmarks", "Jitsi Meet does not use it"),
            Map.entry("groups", "Jitsi Meet does not use it"), Map.entry("account_activity", "Jitsi Meet does not use it"),
            Map.entry("lastactivity", "Jitsi Meet does not use it"), Map.entry("vcard", "Jitsi Meet does not use it"));

    /** Jitsi features Parley does not serve yet (issue 17 and 19): losing them changes what users see. */
    private static final Map<String, String> MODULES_MISSING = Map.ofEntries(
            Map.entry("room_metadata", "room metadata"),
            Map.entry("muc_domain_mapper", "multi-tenant room names (domain mapper)"),
            Map.entry("muc_rate_limit", "Prosody's MUC join rate limit (Parley coalesces presence floods instead)"),
            Map.entry("muc_password_check", "Jigasi's room password check"),
            Map.entry("persistent_lobby", "the persistent lobby"), Map.entry("muc_kick_participant", "the kick API"),
            Map.entry("muc_size", "the room size HTTP API on Prosody's port (Parley serves /room-size on its HTTP listener)"),
            Map.entry("presence_identity", "the token identity in presence"),
            Map.entry("token_verification", "token verification in rooms (carried over as token-verification where set on a MUC)"));

    private final ProsodyConfig prosody;
    private final Path prosodyData;
    private final JicofoConfig jicofo;
    private final List<Note> notes = new ArrayList<>();
    private final List<ProsodyAccounts.Account> accounts = new ArrayList<>();
    private final Hocon root = new Hocon();
    private final Hocon parley = root.object("parley");
    private String domain;
    private final JitsiFeatureImport features = new JitsiFeatureImport();

    private JitsiImport(ProsodyConfig prosody, Path prosodyData, JicofoConfig jicofo) {
        this.prosody = prosody;
        this.prosodyData = prosodyData;
        this.jicofo = jicofo;
    }

    /**
     * Converts. {@code prosodyData} is Prosody's data directory (accounts of internal_hashed hosts are read from it;
     * null: none), {@code jicofo} may be null, {@code dataDir} is Parley's data directory in the output.
     */
    public static Result convert(ProsodyConfig prosody, Path prosodyData, JicofoConfig jicofo, String dataDir) throws IOException {
        JitsiImport i = new JitsiImport(prosody, prosodyData, jicofo);
        i.parley.put("data-dir", dataDir);
        i.run();
        return new Result(i.header() + i.root.render(), List.copyOf(i.notes), List.copyOf(i.accounts));
    }

    private String header() {
        return "# Written by `parley import-jitsi` from the Prosody configuration"
                + (jicofo != null ? " and " + jicofo.file() : "") + ".\n"
                + "# Settings that could not be carried over were listed by the command, one line each.\n";
    }

    private void note(ProsodyConfig.Source at, String message, boolean changesBehaviour) {
        notes.add(new Note(at.toString(), message, changesBehaviour));
    }

    private void run() throws IOException {
        domain = jitsiDomain();
        Set<String> handledGlobal = new LinkedHashSet<>();
        hosts(handledGlobal);
        Hocon muc = parley.object("muc");
        List<Object> mucServices = muc.list("services");
        Hocon focus = parley.object("focus");
        components(mucServices, focus);
        global(handledGlobal);
        focusDefaults(focus, mucServices);
        if (jicofo != null) jicofo(focus);
        features.write(muc);
        // Prosody and Jicofo end every meeting at a restart; the operator who switches gets restarts nobody notices.
        parley.object("handover").put("enabled", true,
                "Restarts and upgrades keep streams, rooms and conferences (docs/operating.md, \"Restart with hand-over\").");
        if (!focus.isEmpty() && focus.get("jid") instanceof String jid) {
            muc.object("service-defaults").put("admins", List.of(jid), "The focus is an owner of every room.");
        }
    }

    /** The Jitsi Meet domain: Jicofo's xmpp-domain, else the domain behind the focus's client_proxy. */
    private String jitsiDomain() {
        if (jicofo != null && jicofo.string("xmpp.client.xmpp-domain") != null) return jicofo.string("xmpp.client.xmpp-domain");
        for (ProsodyConfig.Section c : prosody.components().values()) {
            if ("client_proxy".equals(c.module()) && c.name().startsWith("focus.")) return c.name().substring("focus.".length());
        }
        for (ProsodyConfig.Section h : prosody.hosts().values()) {
            if (h.option("main_muc") != null) return h.name();
        }
        return prosody.hosts().isEmpty() ? null : prosody.hosts().keySet().iterator().next();
    }

    // ---- virtual hosts ----

    private void hosts(Set<String> handledGlobal) throws IOException {
        List<ProsodyConfig.Section> ordered = new ArrayList<>();
        // The Jitsi domain first: Parley's first host is its default (room size, {host} in defaults).
        if (domain != null && prosody.hosts().containsKey(domain)) ordered.add(prosody.hosts().get(domain));
        for (ProsodyConfig.Section h : prosody.hosts().values()) if (!ordered.contains(h)) ordered.add(h);
        List<Object> hosts = parley.list("hosts");
        for (ProsodyConfig.Section h : ordered) {
            ProsodyConfig.Option enabled = h.option("enabled");
            if (enabled != null && Boolean.FALSE.equals(enabled.value())) {
                note(h.source(), "VirtualHost " + h.name() + " is disabled (enabled = false): not carried over", false);
                continue;
            }
            hosts.add(host(h, handledGlobal));
        }
    }

    private Hocon host(ProsodyConfig.Section h, Set<String> handledGlobal) throws IOException {
        Hocon out = new Hocon();
        out.put("domain", h.name());
        Set<String> handled = new LinkedHashSet<>(List.of("authentication", "ssl", "c2s_require_encryption",
                "modules_enabled", "app_id", "app_secret", "asap_key_server", "asap_accepted_issuers",
                "asap_accepted_audiences", "allow_empty_token", "allow_registration", "enabled"));
        ProsodyConfig.Option auth = prosody.effective(h, "authentication");
        String kind = auth == null ? "internal_hashed" : String.valueOf(auth.value());
        ProsodyConfig.Source authAt = auth == null ? h.source() : auth.source();
        switch (kind) {
            case "anonymous", "jitsi-anonymous" -> {
                out.put("anonymous", true);
                out.put("sasl-mechanisms", List.of(), "Prosody: authentication = \"" + kind + "\" (guests only).");
            }
            case "internal_hashed", "internal_plain" -> accountsOf(h, out, authAt);
            case "token" -> token(h, out, authAt);
            default -> note(authAt, "authentication = \"" + kind + "\" on " + h.name() + " has no Parley equivalent "
                    + "(Parley has accounts, anonymous and token): the host keeps accounts instead", true);
        }
        ProsodyConfig.Option reg = prosody.effective(h, "allow_registration");
        if (reg != null && Boolean.TRUE.equals(reg.value()) && !"token".equals(kind) && !kind.contains("anonymous")) {
            out.put("registration", true);
        }
        ProsodyConfig.Option tls = prosody.effective(h, "c2s_require_encryption");
        if (tls != null && Boolean.FALSE.equals(tls.value())) {
            // Jitsi's template turns it off for the guest host only because browsers come through nginx's TLS,
            // which Parley's loopback HTTP listener already counts as secure; direct clients still get STARTTLS.
            note(tls.source(), "c2s_require_encryption = false on " + h.name() + ": Parley keeps require-tls on for TCP "
                    + "clients (browsers behind nginx count as secure through the HTTP listener's secure = true)", false);
        }
        certificate(h, out);
        modules(h, prosody.effective(h, "modules_enabled"), h.option("modules_enabled") == null);
        if (h.option("modules_enabled") == null) handledGlobal.add("modules_enabled");
        for (ProsodyConfig.Option o : h.options().values()) {
            if (handled.contains(o.name())) continue;
            unknownOrNoEffect(o, "VirtualHost " + h.name());
        }
        return out;
    }

    private void accountsOf(ProsodyConfig.Section h, Hocon out, ProsodyConfig.Source authAt) throws IOException {
        if (prosodyData == null) {
            note(authAt, "accounts of " + h.name() + " are not copied: no Prosody data directory", true);
            return;
        }
        ProsodyAccounts.Result r = ProsodyAccounts.read(prosodyData, h.name());
        for (ProsodyAccounts.Problem p : r.problems()) {
            notes.add(new Note(p.file().toString(), "account not copied: " + p.reason(), true));
        }
        accounts.addAll(r.accounts());
        boolean sha1Only = r.accounts().stream().anyMatch(ProsodyAccounts.Account::hashed);
        if (sha1Only) {
            // Prosody keeps SCRAM-SHA-1 keys only. A client that picks SCRAM-SHA-256 cannot log in with them, so
            // the host offers what Prosody offered; a password change stores SHA-256 keys as well.
            out.put("sasl-mechanisms", List.of("SCRAM-SHA-1", "PLAIN"),
                    "Prosody's accounts have SCRAM-SHA-1 keys only (" + r.accounts().size() + " imported); add "
                            + "SCRAM-SHA-256 once every user has changed the password.");
        }
    }

    private void token(ProsodyConfig.Section h, Hocon out, ProsodyConfig.Source authAt) {
        Hocon token = out.object("token");
        ProsodyConfig.Option appId = prosody.effective(h, "app_id");
        ProsodyConfig.Option secret = prosody.effective(h, "app_secret");
        ProsodyConfig.Option issuers = prosody.effective(h, "asap_accepted_issuers");
        ProsodyConfig.Option audiences = prosody.effective(h, "asap_accepted_audiences");
        ProsodyConfig.Option keyServer = prosody.effective(h, "asap_key_server");
        ProsodyConfig.Option allowEmpty = prosody.effective(h, "allow_empty_token");
        // Prosody's token library: issuers default to the app id, audiences to any.
        token.put("issuers", issuers != null ? strings(issuers.value()) : appId != null ? List.of(String.valueOf(appId.value())) : List.of("*"));
        token.put("audiences", audiences != null ? strings(audiences.value()) : List.of("*"));
        if (secret != null) {
            String s = String.valueOf(secret.value());
            token.put("secret", s);
            if (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
                note(secret.source(), "app_secret is shorter than 32 bytes: Parley verifies HS256 only with secrets of at "
                        + "least 256 bits (RFC 7518), so it refuses this one; set a longer secret in both places", true);
            }
        }
        if (keyServer != null) {
            note(keyServer.source(), "asap_key_server (RS256 keys fetched by URL) has no Parley equivalent: put the "
                    + "public keys in parley.hosts[].token.public-keys as PEM files", true);
        }
        if (allowEmpty != null && Boolean.TRUE.equals(allowEmpty.value())) token.put("allow-empty", true);
        if (secret == null && keyServer == null) {
            note(authAt, "authentication = \"token\" on " + h.name() + " without app_secret or asap_key_server", true);
        }
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) for (Object x : l) out.add(String.valueOf(x));
        else out.add(String.valueOf(v));
        return out;
    }

    /** The host's ssl certificate and key, else Prosody's certificates directory's {@code <host>.crt}/{@code .key}. */
    private void certificate(ProsodyConfig.Section h, Hocon out) {
        ProsodyConfig.Option ssl = h.option("ssl");
        if (ssl != null && ssl.value() instanceof Map<?, ?> m && m.get("certificate") instanceof String cert
                && m.get("key") instanceof String key) {
            out.put("certificate", cert);
            out.put("key", key);
            return;
        }
        ProsodyConfig.Option dir = prosody.global().option("certificates");
        Path base = Path.of(prosody.global().source().file()).toAbsolutePath().getParent();
        Path certs = base == null ? null : base.resolve(dir == null ? "certs" : String.valueOf(dir.value()));
        if (certs != null && Files.isRegularFile(certs.resolve(h.name() + ".crt")) && Files.isRegularFile(certs.resolve(h.name() + ".key"))) {
            out.put("certificate", certs.resolve(h.name() + ".crt").toString());
            out.put("key", certs.resolve(h.name() + ".key").toString());
            return;
        }
        note(h.source(), "no certificate for " + h.name() + " found: Parley generates a self-signed one (browsers reach "
                + "Parley through nginx's certificate; the bridges do not verify it)", false);
    }

    private void modules(ProsodyConfig.Section where, ProsodyConfig.Option modules, boolean inherited) {
        if (modules == null || inherited) return;
        for (String m : strings(modules.value())) {
            if (MODULES_BUILT_IN.containsKey(m)) continue;
            if (m.equals("muc_lobby_rooms")) {
                lobby(where, modules);
                continue;
            }
            if (JitsiFeatureImport.carries(m)) {
                ProsodyConfig.Option main = prosody.effective(where, "main_muc");
                features.module(where, m, main == null ? null : String.valueOf(main.value()));
                continue;
            }
            String missing = MODULES_MISSING.get(m);
            if (missing != null) {
                note(modules.source(), "module " + m + " on " + where.name() + ": Parley does not serve " + missing + " yet", true);
            } else {
                note(modules.source(), "module " + m + " on " + where.name() + " has no Parley equivalent", true);
            }
        }
    }

    /** mod_muc_lobby_rooms needs main_muc and lobby_muc (without them Prosody logs an error and serves no lobby). */
    private void lobby(ProsodyConfig.Section where, ProsodyConfig.Option modules) {
        ProsodyConfig.Option main = prosody.effective(where, "main_muc");
        ProsodyConfig.Option lobbyMuc = prosody.effective(where, "lobby_muc");
        if (main == null || lobbyMuc == null) {
            note(modules.source(), "module muc_lobby_rooms on " + where.name() + " without main_muc and lobby_muc: Prosody "
                    + "serves no lobby, nor does Parley", false);
            return;
        }
        ProsodyConfig.Option whitelist = prosody.effective(where, "muc_lobby_whitelist");
        features.lobby(String.valueOf(main.value()), String.valueOf(lobbyMuc.value()),
                whitelist == null ? List.of() : strings(whitelist.value()));
    }

    private void unknownOrNoEffect(ProsodyConfig.Option o, String where) {
        // breakout_rooms_muc is also the breakout feature's address (and the MUC service beside it).
        if (o.name().equals("breakout_rooms_muc")) features.option(o);
        String why = NO_EFFECT.get(o.name());
        if (why != null) {
            if (!o.name().equals("enabled") && !o.name().equals("c2s_require_encryption") && !o.name().equals("ssl")
                    && !o.name().endsWith("_muc") && !o.name().equals("muc_component")) {
                note(o.source(), o.name() + " in " + where + ": " + why, false);
            }
            return;
        }
        if (features.option(o)) return;
        if (o.name().endsWith("_component")) {
            note(o.source(), o.name() + " in " + where + ": Parley does not serve " + o.value() + " yet", true);
            return;
        }
        note(o.source(), o.name() + " in " + where + " has no Parley equivalent", true);
    }

    // ---- components ----

    private void components(List<Object> mucServices, Hocon focus) {
        for (ProsodyConfig.Section c : prosody.components().values()) {
            if (features.component(c)) continue;
            switch (c.module()) {
                case "muc" -> mucServices.add(muc(c));
                case "client_proxy" -> {
                    focus.put("domain", c.name(), "Prosody: Component \"" + c.name() + "\" \"client_proxy\".");
                    ProsodyConfig.Option target = c.option("target_address");
                    if (target != null) focus.put("jid", String.valueOf(target.value()));
                    for (ProsodyConfig.Option o : c.options().values()) {
                        if (!o.name().equals("target_address")) unknownOrNoEffect(o, "Component " + c.name());
                    }
                }
                case "component" -> {
                    Hocon comp = new Hocon().put("domain", c.name());
                    ProsodyConfig.Option secret = c.option("component_secret");
                    if (secret == null) secret = prosody.global().option("component_secret");
                    if (secret != null) comp.put("secret", String.valueOf(secret.value()));
                    else note(c.source(), "external component " + c.name() + " has no component_secret", true);
                    parley.list("components").add(comp);
                    for (ProsodyConfig.Option o : c.options().values()) {
                        if (!o.name().equals("component_secret")) unknownOrNoEffect(o, "Component " + c.name());
                    }
                }
                default -> note(c.source(), "Component \"" + c.name() + "\" \"" + c.module() + "\": Parley does not serve "
                        + "this feature yet; its address stays free", true);
            }
        }
    }

    private Hocon muc(ProsodyConfig.Section c) {
        Hocon s = new Hocon().put("domain", c.name());
        boolean internal = c.name().startsWith("internal.");
        if (internal) {
            s.put("name", "Internal");
            // Prosody lets any local user into the internal MUC; Parley admits the accounts of the host it sits on.
            String accountsHost = c.name().substring("internal.".length());
            s.put("allowed-jids", List.of(prosody.hosts().containsKey(accountsHost) ? accountsHost : "*"),
                    "The breweries (bridges, Jibris, Jigasis): only the accounts of " + accountsHost + " enter.");
            s.object("room-defaults").put("public", false);
        }
        Set<String> handled = new LinkedHashSet<>(List.of("modules_enabled", "storage", "admins", "restrict_room_creation",
                "muc_room_locking", "muc_room_default_public_jids", "muc_room_default_persistent", "name", "muc_tombstones",
                "muc_room_cache_size", "muc_max_occupants", "muc_room_default_public", "muc_room_default_members_only",
                "muc_room_default_moderated", "muc_room_default_change_subject", "muc_room_default_history_length",
                "muc_access_whitelist"));
        ProsodyConfig.Option restrict = c.option("restrict_room_creation");
        if (restrict != null && restrict.value() != null && !Boolean.FALSE.equals(restrict.value())) {
            // true, "admin" or "local": Jitsi sets true, so that only the focus (an admin) opens rooms.
            s.put("room-creators", internal ? List.of("*") : List.of(), "Prosody: restrict_room_creation = " + restrict.value() + ".");
        }
        ProsodyConfig.Option admins = c.option("admins");
        if (admins != null) {
            List<String> list = strings(admins.value());
            if (!list.isEmpty()) s.put("admins", list);
        }
        ProsodyConfig.Option locking = c.option("muc_room_locking");
        if (locking != null) s.put("lock-new-rooms", Boolean.TRUE.equals(locking.value()));
        ProsodyConfig.Option name = c.option("name");
        if (name != null && !internal) s.put("name", String.valueOf(name.value()));
        Hocon defaults = s.object("room-defaults");
        ProsodyConfig.Option publicJids = c.option("muc_room_default_public_jids");
        if (publicJids != null) defaults.put("whois", Boolean.TRUE.equals(publicJids.value()) ? "anyone" : "moderators");
        bool(c, "muc_room_default_persistent", defaults, "persistent");
        bool(c, "muc_room_default_public", defaults, "public");
        bool(c, "muc_room_default_members_only", defaults, "members-only");
        bool(c, "muc_room_default_moderated", defaults, "moderated");
        bool(c, "muc_room_default_change_subject", defaults, "change-subject");
        ProsodyConfig.Option history = c.option("muc_room_default_history_length");
        if (history != null && history.value() instanceof Long n) defaults.put("history-length", n);
        ProsodyConfig.Option maxOccupants = c.option("muc_max_occupants");
        if (maxOccupants != null && maxOccupants.value() instanceof Long n) defaults.put("max-users", n);
        if (defaults.isEmpty()) s.put("room-defaults", new Hocon());
        ProsodyConfig.Option modules = c.option("modules_enabled");
        if (modules != null) {
            List<String> rest = new ArrayList<>();
            for (String m : strings(modules.value())) {
                if (m.equals("token_verification")) s.put("token-verification", true, "Prosody: token_verification.");
                else rest.add(m);
            }
            modules(c, new ProsodyConfig.Option(modules.name(), rest, modules.source()), false);
        }
        for (String n : List.of("muc_tombstones", "muc_access_whitelist")) {
            ProsodyConfig.Option o = c.option(n);
            if (o != null) note(o.source(), n + " in Component " + c.name() + " has no Parley equivalent", true);
        }
        for (ProsodyConfig.Option o : c.options().values()) {
            if (!handled.contains(o.name())) unknownOrNoEffect(o, "Component " + c.name());
        }
        if (s.get("room-defaults") instanceof Hocon d && d.isEmpty()) s.put("room-defaults", d);
        return s;
    }

    private static void bool(ProsodyConfig.Section c, String option, Hocon out, String key) {
        ProsodyConfig.Option o = c.option(option);
        if (o != null && o.value() instanceof Boolean b) out.put(key, b);
    }

    /**
     * Where the focus watches rooms (the host's main_muc and breakout_rooms_muc) and its brewery (Jicofo's default
     * JvbBrewery on the internal MUC); jicofo.conf, read after, has the last word.
     */
    private void focusDefaults(Hocon focus, List<Object> mucServices) {
        ProsodyConfig.Section main = domain == null ? null : prosody.hosts().get(domain);
        List<String> rooms = new ArrayList<>();
        for (String key : List.of("main_muc", "breakout_rooms_muc")) {
            ProsodyConfig.Option o = main == null ? null : main.option(key);
            if (o != null) rooms.add(String.valueOf(o.value()));
        }
        if (rooms.isEmpty() && domain != null && prosody.components().containsKey("conference." + domain)) {
            rooms.add("conference." + domain);
        }
        if (!rooms.isEmpty()) focus.put("muc-domains", rooms);
        for (Object o : mucServices) {
            if (o instanceof Hocon s && s.get("domain") instanceof String d && d.startsWith("internal.")) {
                focus.object("bridges").put("breweries", List.of("JvbBrewery@" + d));
                break;
            }
        }
    }

    // ---- the global section ----

    private void global(Set<String> handledAlready) {
        ProsodyConfig.Section g = prosody.global();
        Set<String> handled = new LinkedHashSet<>(List.of("external_services", "external_service_secret",
                "external_service_ttl", "consider_bosh_secure", "consider_websocket_secure", "http_ports", "http_interfaces",
                "https_ports", "https_interfaces", "c2s_ports", "c2s_interfaces", "c2s_direct_tls_ports", "legacy_ssl_ports",
                "s2s_ports", "s2s_interfaces", "component_ports", "component_interfaces", "component_interface",
                "s2s_secure_auth", "limits", "authentication", "modules_enabled", "app_id", "app_secret", "asap_key_server",
                "asap_accepted_issuers", "asap_accepted_audiences", "allow_empty_token", "allow_registration",
                "component_secret", "c2s_require_encryption", "cross_domain_bosh", "cross_domain_websocket"));
        handled.addAll(handledAlready);
        turn(g);
        http(g);
        listeners(g);
        ProsodyConfig.Option secureAuth = g.option("s2s_secure_auth");
        if (secureAuth != null && Boolean.TRUE.equals(secureAuth.value())) {
            parley.object("s2s").put("require-valid-certificates", true);
        }
        limits(g);
        modules(g, g.option("modules_enabled"), false);
        for (ProsodyConfig.Option o : g.options().values()) {
            if (!handled.contains(o.name())) unknownOrNoEffect(o, "the global section");
        }
    }

    private void turn(ProsodyConfig.Section g) {
        ProsodyConfig.Option services = g.option("external_services");
        if (services == null || !(services.value() instanceof List<?> list)) return;
        Hocon turn = parley.object("turn");
        ProsodyConfig.Option secret = g.option("external_service_secret");
        if (secret != null) turn.put("secret", String.valueOf(secret.value()));
        Long ttl = null;
        ProsodyConfig.Option globalTtl = g.option("external_service_ttl");
        if (globalTtl != null && globalTtl.value() instanceof Long t) ttl = t;
        List<Object> out = turn.list("services");
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m)) {
                note(services.source(), "an external_services entry that is not a table: not carried over", true);
                continue;
            }
            Hocon s = new Hocon();
            s.put("type", String.valueOf(m.get("type")));
            s.put("host", String.valueOf(m.get("host")));
            if (m.get("port") instanceof Long p) s.put("port", p);
            if (m.get("transport") != null) s.put("transport", String.valueOf(m.get("transport")));
            boolean restricted = Boolean.TRUE.equals(m.get("secret")) || m.get("secret") instanceof String
                    || m.get("username") != null;
            s.put("restricted", restricted);
            if (m.get("secret") instanceof String own) {
                if (secret == null) turn.put("secret", own);
                else if (!own.equals(String.valueOf(secret.value()))) {
                    note(services.source(), "TURN server " + m.get("host") + " has a secret of its own; Parley signs every "
                            + "TURN credential with parley.turn.secret", true);
                }
            }
            if (m.get("username") != null || m.get("password") != null) {
                note(services.source(), "TURN server " + m.get("host") + " has a static username/password; Parley gives "
                        + "time-limited credentials from the shared secret", true);
            }
            if (m.get("ttl") instanceof Long t) {
                if (ttl != null && !ttl.equals(t)) {
                    note(services.source(), "external services with different ttl values; Parley uses one: " + ttl + " s", true);
                }
                ttl = t;
            }
            out.add(s);
        }
        if (ttl != null) turn.put("ttl", ttl + "s");
    }

    private void http(ProsodyConfig.Section g) {
        ProsodyConfig.Option bosh = g.option("consider_bosh_secure");
        ProsodyConfig.Option ws = g.option("consider_websocket_secure");
        boolean secure = (bosh != null && Boolean.TRUE.equals(bosh.value())) || (ws != null && Boolean.TRUE.equals(ws.value()));
        Hocon plain = parley.object("http").object("listeners").object("plain");
        Long port = firstPort(g.option("http_ports"));
        String bind = firstString(g.option("http_interfaces"));
        // Jitsi's nginx proxies to 127.0.0.1:5280: Prosody's default (all interfaces) is narrowed to loopback
        // unless the configuration named interfaces.
        plain.put("bind", bind != null ? bind : "127.0.0.1");
        plain.put("port", port != null ? port : 5280L);
        plain.put("secure", secure, secure ? "Prosody: consider_bosh_secure / consider_websocket_secure." : null);
        parley.object("http").put("trusted-proxies", List.of("127.0.0.1", "::1"), "nginx in front: its X-Forwarded-For is trusted.");
        ProsodyConfig.Option cors = g.option("cross_domain_bosh");
        if (cors == null) cors = g.option("cross_domain_websocket");
        if (cors != null) {
            // false: no CORS headers (the web app is served from the same origin, through nginx); true: any origin.
            List<String> origins = cors.value() instanceof List<?> l ? strings(l) : Boolean.TRUE.equals(cors.value())
                    ? List.of("*") : List.of();
            parley.object("http").object("cors").put("allowed-origins", origins, "Prosody: " + cors.name() + " = " + cors.value() + ".");
        }
        ProsodyConfig.Option https = g.option("https_ports");
        Hocon tls = parley.object("http").object("listeners").object("tls");
        if (https != null && https.value() instanceof List<?> l && l.isEmpty()) {
            tls.put("enabled", false);
        } else {
            Long p = firstPort(https);
            tls.put("port", p != null ? p : 5281L, "Prosody's https port (5281 unless https_ports says otherwise).");
        }
    }

    private void listeners(ProsodyConfig.Section g) {
        Hocon l = parley.object("listeners");
        Long c2s = firstPort(g.option("c2s_ports"));
        if (c2s != null) l.object("c2s").put("port", c2s);
        String c2sBind = firstString(g.option("c2s_interfaces"));
        if (c2sBind != null) l.object("c2s").put("bind", c2sBind);
        ProsodyConfig.Option direct = g.option("c2s_direct_tls_ports");
        if (direct == null) direct = g.option("legacy_ssl_ports");
        Long d = firstPort(direct);
        if (d != null) l.object("c2s-direct-tls").put("port", d);
        else l.object("c2s-direct-tls").put("enabled", false, "Prosody had no direct TLS port (legacy_ssl_ports).");
        Long s2s = firstPort(g.option("s2s_ports"));
        if (s2s != null) l.object("s2s").put("port", s2s);
        Long comp = firstPort(g.option("component_ports"));
        if (comp != null) l.object("component").put("port", comp);
        String compBind = firstString(g.option("component_interfaces"));
        if (compBind == null) compBind = firstString(g.option("component_interface"));
        if (compBind != null) l.object("component").put("bind", compBind);
    }

    private static Long firstPort(ProsodyConfig.Option o) {
        if (o == null) return null;
        if (o.value() instanceof Long n) return n;
        if (o.value() instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Long n) return n;
        return null;
    }

    private static String firstString(ProsodyConfig.Option o) {
        if (o == null) return null;
        if (o.value() instanceof String s) return s;
        if (o.value() instanceof List<?> l && !l.isEmpty()) return String.valueOf(l.get(0));
        return null;
    }

    /** mod_limits: {@code limits = { c2s = { rate = "10kb/s", burst = "2s" } }}. */
    private void limits(ProsodyConfig.Section g) {
        ProsodyConfig.Option o = g.option("limits");
        if (o == null || !(o.value() instanceof Map<?, ?> m)) return;
        if (m.get("c2s") instanceof Map<?, ?> c2s && c2s.get("rate") instanceof String rate) {
            Long bytes = rate(rate);
            if (bytes != null) parley.object("limits").put("bytes-per-second", bytes, "Prosody: limits.c2s.rate = \"" + rate + "\".");
            else note(o.source(), "limits.c2s.rate \"" + rate + "\" not understood", true);
        }
        for (Object k : m.keySet()) {
            if (!"c2s".equals(k)) note(o.source(), "limits." + k + " has no Parley equivalent", true);
        }
    }

    private static Long rate(String r) {
        var match = java.util.regex.Pattern.compile("(?i)\\s*([0-9.]+)\\s*(b|kb|mb)/s\\s*").matcher(r);
        if (!match.matches()) return null;
        double n = Double.parseDouble(match.group(1));
        long unit = switch (match.group(2).toLowerCase()) {
            case "kb" -> 1024;
            case "mb" -> 1024 * 1024;
            default -> 1;
        };
        return (long) (n * unit);
    }

    // ---- jicofo.conf ----

    private static final Set<String> BRIDGE_KEYS = Set.of("bridge.max-bridge-participants", "bridge.average-participant-stress",
            "bridge.stress-threshold", "bridge.selection-strategy", "bridge.health-checks.interval",
            "bridge.health-checks.enabled");

    private static final Set<String> JIBRI_KEYS = Set.of("jibri.brewery-jid", "jibri-sip.brewery-jid",
            "jibri.pending-timeout", "jibri.num-retries");

    /**
     * Jicofo's Jibri settings. Without a brewery Jicofo records nothing, so neither does the imported focus (Parley's
     * own default brewery is for new installs).
     */
    private void jibri(Hocon jibri) {
        String brewery = jicofo.string("jibri.brewery-jid");
        jibri.put("brewery", brewery == null ? "" : brewery);
        String sip = jicofo.string("jibri-sip.brewery-jid");
        if (sip != null) jibri.put("sip-brewery", sip);
        var j = jicofo.settings();
        if (j.hasPath("jibri.pending-timeout")) jibri.put("pending-timeout", j.getDuration("jibri.pending-timeout").toMillis() + "ms");
        if (j.hasPath("jibri.num-retries")) {
            int retries = j.getInt("jibri.num-retries");
            if (retries >= 0) {
                jibri.put("retries", (long) retries);
            } else {
                notes.add(new Note(jicofo.file() + ":" + jicofo.line("jibri.num-retries"), "jibri.num-retries " + retries
                        + " (without end): Parley keeps its bounded default", false));
            }
        }
    }

    /** Jicofo's bridge selection, as far as Parley's selector has the same knobs. */
    private void bridges(Hocon bridges, String where) {
        var j = jicofo.settings();
        if (j.hasPath("bridge.max-bridge-participants")) {
            int max = j.getInt("bridge.max-bridge-participants");
            // -1 is Jicofo's "no maximum".
            bridges.put("max-participants-per-bridge", (long) (max <= 0 ? 1_000_000 : max),
                    "jicofo.conf: bridge.max-bridge-participants = " + max + ".");
        }
        if (j.hasPath("bridge.average-participant-stress")) {
            bridges.put("stress-per-endpoint", j.getDouble("bridge.average-participant-stress"));
        }
        if (j.hasPath("bridge.stress-threshold")) bridges.put("overload-threshold", j.getDouble("bridge.stress-threshold"));
        if (j.hasPath("bridge.health-checks.interval")) {
            bridges.put("health-interval", j.getDuration("bridge.health-checks.interval").toMillis() + "ms");
        }
        if (Boolean.FALSE.equals(jicofo.bool("bridge.health-checks.enabled"))) {
            notes.add(new Note(where + ":" + jicofo.line("bridge.health-checks.enabled"), "bridge.health-checks.enabled = false: "
                    + "Parley always checks its SFUs' health", true));
        }
        // Jicofo's default is one bridge per conference; region-based strategies cascade across regions.
        String strategy = jicofo.string("bridge.selection-strategy");
        String kind = strategy == null ? "SingleBridgeSelectionStrategy" : strategy.substring(strategy.lastIndexOf('.') + 1);
        switch (kind) {
            case "SingleBridgeSelectionStrategy" -> bridges.put("cascade", false,
                    "jicofo.conf: " + (strategy == null ? "no bridge.selection-strategy (Jicofo's default" : "bridge.selection-strategy ("
                            + kind) + ", one bridge per conference).");
            case "RegionBasedBridgeSelectionStrategy", "IntraRegionBridgeSelectionStrategy" -> {
                bridges.put("cascade", true, "jicofo.conf: bridge.selection-strategy = " + kind + ".");
                bridges.put("region-aware", true);
            }
            default -> notes.add(new Note(where + ":" + jicofo.line("bridge.selection-strategy"), "bridge.selection-strategy "
                    + kind + " has no Parley equivalent; Parley cascades by load and region", true));
        }
    }

    /**
     * Jicofo's codec switches and payload types applied to Parley's default codec list (parley.focus.codecs, read from
     * the focus's reference.conf on the class path).
     */
    @SuppressWarnings("unchecked")
    private void codecs(Hocon focus, String where) {
        var j = jicofo.settings();
        if (!j.hasPath("codec")) return;
        com.typesafe.config.Config ref = com.typesafe.config.ConfigFactory.defaultReference(JitsiImport.class.getClassLoader());
        if (!ref.hasPath("parley.focus.codecs.video")) {
            notes.add(new Note(where + ":" + jicofo.line("codec"), "codec settings not carried over (Parley's codec defaults "
                    + "are not on the class path)", true));
            return;
        }
        for (String media : List.of("video", "audio")) {
            if (!j.hasPath("codec." + media)) continue;
            List<Map<String, Object>> list = new ArrayList<>();
            for (Object o : ref.getList("parley.focus.codecs." + media).unwrapped()) list.add(new java.util.LinkedHashMap<>((Map<String, Object>) o));
            boolean changed = false;
            for (String codec : j.getConfig("codec." + media).root().keySet()) {
                String path = "codec." + media + "." + codec;
                if (!(j.getValue(path) instanceof com.typesafe.config.ConfigObject)) continue;
                String name = codecName(codec);
                Map<String, Object> entry = list.stream().filter(m -> name.equalsIgnoreCase(String.valueOf(m.get("name"))))
                        .findFirst().orElse(null);
                if (entry == null) {
                    notes.add(new Note(where + ":" + jicofo.line(path), path + ": Parley offers no " + codec, true));
                    continue;
                }
                Object pt = entry.get("id");
                if (Boolean.FALSE.equals(jicofo.bool(path + ".enabled"))) {
                    list.remove(entry);
                    list.removeIf(m -> "rtx".equals(m.get("name")) && ("apt=" + pt).equals(apt(m)));
                    changed = true;
                    continue;
                }
                if (j.hasPath(path + ".pt") && j.getInt(path + ".pt") != ((Number) pt).intValue()) {
                    int newPt = j.getInt(path + ".pt");
                    for (Map<String, Object> m : list) {
                        if ("rtx".equals(m.get("name")) && ("apt=" + pt).equals(apt(m))) m.put("parameters", List.of("apt=" + newPt));
                    }
                    entry.put("id", newPt);
                    changed = true;
                }
                if (j.hasPath(path + ".rtx-pt")) {
                    int rtx = j.getInt(path + ".rtx-pt");
                    Object id = entry.get("id");
                    list.stream().filter(m -> "rtx".equals(m.get("name")) && ("apt=" + id).equals(apt(m)))
                            .forEach(m -> m.put("id", rtx));
                    changed = true;
                }
            }
            if (changed) focus.object("codecs").put(media, list, "jicofo.conf: codec." + media + " applied to Parley's defaults.");
        }
    }

    private static String codecName(String jicofoKey) {
        return switch (jicofoKey) {
            case "vp8" -> "VP8";
            case "vp9" -> "VP9";
            case "h264" -> "H264";
            case "av1" -> "AV1";
            case "opus" -> "opus";
            case "telephone-event" -> "telephone-event";
            default -> jicofoKey;
        };
    }

    private static String apt(Map<String, Object> m) {
        return m.get("parameters") instanceof List<?> l && !l.isEmpty() ? String.valueOf(l.get(0)) : "";
    }

    private void jicofo(Hocon focus) {
        String where = jicofo.file().toString();
        String proxy = jicofo.string("xmpp.client.client-proxy");
        if (proxy != null) focus.put("domain", proxy);
        String user = jicofo.string("xmpp.client.username");
        String userDomain = jicofo.string("xmpp.client.domain");
        if (user != null && userDomain != null) focus.put("jid", user + "@" + userDomain, "jicofo.conf: xmpp.client.username@domain.");
        String brewery = jicofo.string("bridge.brewery-jid");
        if (brewery != null) focus.object("bridges").put("breweries", List.of(brewery));
        String jigasiBrewery = jicofo.string("jigasi.brewery-jid");
        if (jigasiBrewery != null) focus.object("jigasi").put("breweries", List.of(jigasiBrewery));
        Boolean moderatorChecks = jicofo.bool("conference.enable-moderator-checks");
        if (moderatorChecks != null) focus.object("jigasi").put("moderators-only", moderatorChecks);
        jibri(focus.object("jibri"));
        Boolean autoOwner = jicofo.bool("conference.enable-auto-owner");
        if (autoOwner != null) focus.object("policy").put("auto-owner", autoOwner);
        Boolean authEnabled = jicofo.bool("authentication.enabled");
        String authType = jicofo.string("authentication.type");
        if (Boolean.TRUE.equals(authEnabled)) {
            if ("XMPP".equalsIgnoreCase(authType) || authType == null) {
                focus.object("policy").put("create", "authenticated", "jicofo.conf: authentication (XMPP): users with accounts start meetings.");
            } else if ("JWT".equalsIgnoreCase(authType)) {
                focus.object("policy").put("create", "token", "jicofo.conf: authentication type JWT.");
            } else {
                notes.add(new Note(where + ":" + jicofo.line("authentication.type"), "authentication type " + authType
                        + " has no Parley equivalent", true));
            }
        }
        Set<String> handled = Set.of("xmpp.client.client-proxy", "xmpp.client.username", "xmpp.client.domain",
                "xmpp.client.xmpp-domain", "xmpp.client.password", "xmpp.client.hostname", "xmpp.client.port",
                "xmpp.client.disable-certificate-verification", "bridge.brewery-jid", "conference.enable-auto-owner",
                "authentication.enabled", "authentication.type", "authentication.login-url", "xmpp.trusted-domains",
                "xmpp.client.conference-muc-jid", "rest.port", "rest.host", "rest.enabled", "jigasi.brewery-jid",
                "conference.enable-moderator-checks");
        Set<String> mapped = new LinkedHashSet<>(handled);
        mapped.addAll(BRIDGE_KEYS);
        mapped.addAll(JIBRI_KEYS);
        for (var e : jicofo.settings().entrySet()) {
            String path = e.getKey();
            if (mapped.contains(path) || path.startsWith("codec.")) continue;
            int line = Math.max(0, e.getValue().origin().lineNumber());
            String message = path.startsWith("jibri") ? "Jibri (" + path + ") has no Parley equivalent"
                    : path + " has no Parley equivalent";
            notes.add(new Note(where + ":" + line, message, true));
        }
        if (jicofo.string("xmpp.client.password") != null) {
            notes.add(new Note(where + ":" + jicofo.line("xmpp.client.password"), "xmpp.client.password: the focus is "
                    + "part of Parley and logs in with no password", false));
        }
        List<String> trusted = jicofo.settings().hasPath("xmpp.trusted-domains")
                ? jicofo.settings().getStringList("xmpp.trusted-domains") : List.of();
        if (!trusted.isEmpty()) {
            // Jicofo trusts Jibri's (and the transcriber's) domain; Parley's focus makes its occupants hidden.
            focus.put("hidden-domains", trusted, "jicofo.conf: xmpp.trusted-domains (Jibri's recorder domain).");
        }
        bridges(focus.object("bridges"), where);
        codecs(focus, where);
        // Jicofo's REST port (conference requests from nginx, health checks) is the focus's.
        if (jicofo.settings().hasPath("rest.port")) focus.object("rest").put("port", (long) jicofo.settings().getInt("rest.port"));
        String restHost = jicofo.string("rest.host");
        if (restHost != null) focus.object("rest").put("bind", restHost);
        Boolean restEnabled = jicofo.bool("rest.enabled");
        if (restEnabled != null) focus.object("rest").put("enabled", restEnabled);
        String conferenceMuc = jicofo.string("xmpp.client.conference-muc-jid");
        if (conferenceMuc != null) focus.put("muc-domains", List.of(conferenceMuc));
    }
}
