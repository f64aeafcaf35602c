package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.metrics.ServerMetrics;
import org.parley.xmpp.sasl.ScramCredentials;
import org.xmpp.packet.JID;

/**
 * The Jitsi Meet lobby (Prosody's mod_muc_lobby_rooms) in the stock layout, driven with the stanzas lib-jitsi-meet
 * sends (ChatRoom.setMembersOnly, ChatRoom.join, Lobby.join / approveAccess / denyAccess, ChatRoom.lockRoom). The
 * room's opener stands in for the focus, which makes the moderator an owner as Jicofo does.
 */
class LobbyTest {
    static final String DOMAIN = StockLayout.DOMAIN;
    static final String MUC = StockLayout.MUC;
    static final String LOBBY = StockLayout.LOBBY;
    static final String MUC_USER = "http://jabber.org/protocol/muc#user";
    /** Low enough that the flood test sees the throttle within a few seconds. */
    static final int STANZAS_PER_SECOND = 100;
    private static StockLayout layout;
    private Clients web;
    private Clients auth;

    @BeforeAll
    static void start() throws Exception {
        layout = StockLayout.start("parley.limits { stanzas-per-second = " + STANZAS_PER_SECOND + ", stanza-burst = "
                + STANZAS_PER_SECOND + " }");
        // Jigasi's account: auth.D is on the stock layout's lobby whitelist.
        assertThat(layout.parley.storage().accounts().create(StockLayout.AUTH, "jigasi",
                ScramCredentials.deriveAll(StockLayout.PASSWORD)).get(10, TimeUnit.SECONDS)).isTrue();
    }

    @AfterAll
    static void stop() {
        if (layout != null) layout.close();
    }

    @BeforeEach
    void clients() {
        web = layout.web();
        auth = layout.auth();
    }

    @AfterEach
    void close() {
        web.close();
        auth.close();
    }

    /** A meeting: the opener (focus) and a moderator it made an owner. */
    record Meeting(String room, String lobby, JitsiWire focus, JitsiWire mod) {}

    Meeting meeting(String name) throws Exception {
        String room = name + "@" + MUC;
        JitsiWire focus = layout.opener(auth, room);
        JitsiWire mod = layout.guest(web);
        mod.join(room + "/mod", "Moderator");
        // What the focus does for the meeting's first participant (auto-owner).
        assertThat(focus.iq("own", "<iq type='set' id='own' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item affiliation='owner' jid='" + bare(mod) + "'/></query></iq>")).contains("type='result'");
        mod.await("its moderator role", s -> s.contains("from='" + room + "/mod'") && s.contains("role='moderator'"));
        return new Meeting(room, name + "@" + LOBBY, focus, mod);
    }

    /**
     * ChatRoom.join (with the password when given): the self-presence, or the error, whichever comes. Without a
     * display name when {@code name} is null.
     */
    static String attempt(JitsiWire w, String occupant, String name, String password) throws Exception {
        w.send("<presence to='" + occupant + "'><x xmlns='http://jabber.org/protocol/muc'>"
                + (password == null ? "" : "<password>" + password + "</password>") + "</x>"
                + "<stats-id>Stats-" + name + "</stats-id>"
                + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://jitsi.org/jitsi-meet' ver='v'/>"
                + (name == null ? "" : "<nick xmlns='http://jabber.org/protocol/nick'>" + name + "</nick>") + "</presence>");
        return w.await("the answer to joining " + occupant, s -> s.startsWith("<presence") && s.contains("from='" + occupant + "'")
                && (s.contains("code='110'") || s.contains("type='error'")));
    }

    static String bare(JitsiWire w) { return new JID(w.jid()).toBareJID(); }

    /** ChatRoom.setMembersOnly(enabled): the owner form is fetched, then submitted with muc#roomconfig_membersonly. */
    static String membersOnly(JitsiWire w, String room, boolean enabled) throws Exception {
        String form = w.iq("cfg-get", "<iq type='get' id='cfg-get' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        if (!form.contains("type='result'")) return form;
        assertThat(form).contains("var='muc#roomconfig_membersonly'");
        return w.iq("cfg-set", "<iq type='set' id='cfg-set' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<x xmlns='jabber:x:data' type='submit'>"
                + "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
                + "<field var='muc#roomconfig_membersonly'><value>" + enabled + "</value></field></x></query></iq>");
    }

    /** Lobby.enable() by the moderator, then Lobby._maybeJoinLobbyRoom: it joins the lobby room as a moderator. */
    static void enableLobby(Meeting m) throws Exception {
        assertThat(membersOnly(m.mod(), m.room(), true)).contains("type='result'");
        m.mod().await("the configuration change (104)", s -> s.startsWith("<message") && s.contains("code='104'"));
        // The web app's "… enabled the lobby" notification, from the moderator who did it.
        lobbyNotify(m, "LOBBY-ENABLED", "'value':true");
        // What ChatRoom.discoRoomInfo reads then: members-only and the lobby room's address.
        assertThat(m.mod().iq("info", "<iq type='get' id='info' to='" + m.room() + "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"))
                .contains("var='muc_membersonly'");
        assertThat(m.mod().roomInfoField(m.room(), "muc#roominfo_lobbyroom")).isEqualTo(m.lobby());
        m.mod().join(m.lobby() + "/modlobby", "Moderator");
    }

    /** A lobby-notify json-message in the meeting from the moderator (as the meeting's other occupants get it). */
    static String lobbyNotify(Meeting m, String event, String detail) throws Exception {
        return m.focus().await(event, s -> s.startsWith("<message") && s.contains("from='" + m.room() + "/mod'")
                && s.contains("<json-message xmlns='http://jitsi.org/jitmeet'>") && s.contains("'type':'lobby-notify'")
                && s.contains("'event':'" + event + "'") && s.contains(detail));
    }

    /** ChatRoom.join on the meeting: refused, with the lobby room's address where both lib-jitsi-meet versions look. */
    static String knock(JitsiWire w, Meeting m, String nick, String name) throws Exception {
        String refused = attempt(w, m.room() + "/" + nick, name, null);
        assertThat(refused).contains("type='error'").contains("<registration-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>")
                .contains("type='auth'");
        // lib-jitsi-meet now: >error>lobbyroom; stable 6726 (2021): >lobbyroom, a child of the presence.
        assertThat(refused).containsPattern("<error[^>]*>.*<lobbyroom xmlns='http://jitsi.org/jitmeet'>" + m.lobby() + "</lobbyroom>.*</error>");
        assertThat(refused.replaceAll("<error.*</error>", "")).contains(">" + m.lobby() + "</lobbyroom>");
        return refused;
    }

    /** Lobby.join(displayName, email) for one who waits: display name first, the e-mail in a second presence. */
    static void waitInLobby(JitsiWire w, Meeting m, String nick, String name, String email) throws Exception {
        w.join(m.lobby() + "/" + nick, name);
        w.send("<presence to='" + m.lobby() + "/" + nick + "'><nick xmlns='http://jabber.org/protocol/nick'>" + name
                + "</nick><email>" + email + "</email></presence>");
    }

    @Test
    void aKnockApprovedEntersTheMeeting() throws Exception {
        Meeting m = meeting("approve");
        JitsiWire kim = layout.guest(web);
        // Before the lobby: the host lists it (XMPP.lobbySupported), the room does not.
        assertThat(kim.iq("host", "<iq type='get' id='host' to='" + DOMAIN + "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"))
                .contains("<identity category='component' name='" + LOBBY + "' type='lobbyrooms'/>");
        assertThat(m.mod().roomInfoField(m.room(), "muc#roominfo_lobbyroom")).isNull();
        enableLobby(m);

        knock(kim, m, "kim", "Kim");
        waitInLobby(kim, m, "kim", "Kim", "kim@example.org");
        // The moderator sees her (MUC_LOBBY_MEMBER_JOINED with her real JID, which approveAccess invites).
        String seen = m.mod().await("Kim in the lobby", s -> s.startsWith("<presence") && s.contains("from='" + m.lobby() + "/kim'"));
        assertThat(seen).contains("<nick xmlns='http://jabber.org/protocol/nick'>Kim</nick>").contains("jid='" + kim.jid() + "'");
        m.mod().await("her e-mail", s -> s.contains("from='" + m.lobby() + "/kim'") && s.contains("kim@example.org"));

        // A second waiting user sees neither Kim nor the moderator, nor Kim's message to the moderators.
        JitsiWire lou = layout.guest(web);
        knock(lou, m, "lou", "Lou");
        waitInLobby(lou, m, "lou", "Lou", "lou@example.org");
        m.mod().await("Lou in the lobby", s -> s.contains("from='" + m.lobby() + "/lou'"));

        // The lobby chat: Kim to the moderators, a moderator to Kim (Lobby.sendMessage / sendPrivateMessage).
        kim.send("<message to='" + m.lobby() + "' type='groupchat'><json-message xmlns='http://jitsi.org/jitmeet'>"
                + "{\"type\":\"lobby-chat\",\"message\":\"may I come in?\"}</json-message></message>");
        m.mod().await("Kim's lobby message", s -> s.startsWith("<message") && s.contains("from='" + m.lobby() + "/kim'")
                && s.contains("may I come in?"));
        m.mod().send("<message to='" + m.lobby() + "/kim' type='chat'><json-message xmlns='http://jitsi.org/jitmeet'>"
                + "{\"type\":\"lobby-chat\",\"message\":\"one moment\"}</json-message></message>");
        kim.await("the moderator's answer", s -> s.startsWith("<message") && s.contains("from='" + m.lobby() + "/modlobby'")
                && s.contains("one moment"));
        m.mod().send("<message to='" + m.lobby() + "' type='groupchat'><body>welcome, all</body></message>");
        lou.await("the moderator's message to the lobby", s -> s.contains("welcome, all"));
        List<String> lousView = lou.drain(300);
        assertThat(lousView).noneMatch(s -> s.contains(m.lobby() + "/kim") || s.contains("may I come in?"));
        assertThat(lousView).noneMatch(s -> s.startsWith("<presence") && s.contains(m.lobby() + "/modlobby"));

        // Lobby.approveAccess: a mediated invitation to the meeting.
        m.mod().send("<message to='" + m.room() + "'><x xmlns='" + MUC_USER + "'><invite to='" + kim.jid() + "'/></x></message>");
        String invite = kim.await("the invitation", s -> s.startsWith("<message") && s.contains("from='" + m.room() + "'")
                && s.contains("<invite"));
        assertThat(invite).contains("from='" + m.mod().jid() + "'");
        assertThat(lobbyNotify(m, "LOBBY-ACCESS-GRANTED", "'value':'" + m.lobby() + "/kim'")).contains("'name':'Kim'");
        // INVITE_MESSAGE_RECEIVED -> ChatRoom.join: she is a member now; then she leaves the lobby (MUC_JOINED).
        kim.join(m.room() + "/kim", "Kim");
        kim.send("<presence to='" + m.lobby() + "/kim' type='unavailable'/>");
        m.mod().await("Kim in the meeting", s -> s.startsWith("<presence") && s.contains("from='" + m.room() + "/kim'")
                && s.contains("affiliation='member'"));
        m.mod().await("Kim gone from the lobby", s -> s.contains("from='" + m.lobby() + "/kim'") && s.contains("type='unavailable'"));
        // Lou still waits: the meeting is still closed to her.
        knock(lou, m, "lou", "Lou");
    }

    @Test
    void aKnockDeniedIsToldAndRemoved() throws Exception {
        Meeting m = meeting("deny");
        enableLobby(m);
        JitsiWire kim = layout.guest(web);
        knock(kim, m, "kim", "Kim");
        waitInLobby(kim, m, "kim", "Kim", "kim@example.org");
        m.mod().await("Kim in the lobby", s -> s.contains("from='" + m.lobby() + "/kim'"));

        // Lobby.denyAccess -> ChatRoom.kick in the lobby room.
        assertThat(m.mod().iq("kick", "<iq type='set' id='kick' to='" + m.lobby() + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='kim' role='none'><reason>You have been kicked.</reason></item></query></iq>")).contains("type='result'");
        // KICKED with isSelfPresence -> MUC_DENIED_ACCESS (the web app's 'joinRejected').
        String kicked = kim.await("her removal", s -> s.contains("from='" + m.lobby() + "/kim'") && s.contains("type='unavailable'"));
        assertThat(kicked).contains("code='307'").contains("code='110'");
        assertThat(lobbyNotify(m, "LOBBY-ACCESS-DENIED", "'value':'" + m.lobby() + "/kim'")).contains("'name':'Kim'");
        m.mod().await("Kim gone from the lobby", s -> s.contains("from='" + m.lobby() + "/kim'") && s.contains("type='unavailable'"));
        // Still not in: a new knock is refused again.
        knock(kim, m, "kim", "Kim");

        // Everyone leaves the lobby room while the lobby is on: it is there again for the next knock.
        m.mod().send("<presence to='" + m.lobby() + "/modlobby' type='unavailable'/>");
        m.mod().await("out of the lobby", s -> s.contains("from='" + m.lobby() + "/modlobby'") && s.contains("type='unavailable'"));
        JitsiWire lou = layout.guest(web);
        knock(lou, m, "lou", "Lou");
        waitInLobby(lou, m, "lou", "Lou", "lou@example.org");
        m.mod().join(m.lobby() + "/modlobby", "Moderator");
        m.mod().await("Lou in the lobby", s -> s.contains("from='" + m.lobby() + "/lou'") && !s.contains("type='unavailable'"));
    }

    @Test
    void theRoomPasswordSkipsTheLobby() throws Exception {
        Meeting m = meeting("password");
        enableLobby(m);
        // ChatRoom.lockRoom: password on, members-only kept.
        assertThat(m.mod().iq("lock", "<iq type='set' id='lock' to='" + m.room() + "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<x xmlns='jabber:x:data' type='submit'>"
                + "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
                + "<field var='muc#roomconfig_roomsecret'><value>s3cret</value></field>"
                + "<field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field>"
                + "<field var='muc#roomconfig_membersonly'><value>true</value></field>"
                + "<field var='muc#roomconfig_whois'><value>anyone</value></field></x></query></iq>")).contains("type='result'");
        JitsiWire pat = layout.guest(web);
        // A wrong password is no way in: the lobby.
        assertThat(attempt(pat, m.room() + "/pat", "Pat", "wrong")).contains("registration-required");
        String in = attempt(pat, m.room() + "/pat", "Pat", "s3cret");
        assertThat(in).contains("code='110'").contains("affiliation='member'");
        // Without a display name (lib-jitsi-meet before the web app asked for one), a joiner is sent to the lobby
        // too: what stable 6726 understands (its lobby screen then asks for the name).
        JitsiWire anon = layout.guest(web);
        anon.send("<presence to='" + m.room() + "/anon'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        String noName = anon.await("the refusal", s -> s.startsWith("<presence") && s.contains("type='error'"));
        assertThat(noName).contains("<registration-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>")
                .contains(">" + m.lobby() + "</lobbyroom>");
    }

    @Test
    void whitelistedDomainsAndTheFocusBypassTheLobby() throws Exception {
        Meeting m = meeting("whitelist");
        enableLobby(m);
        XMPPTCPConnection c = auth.connect(auth.config().setUsernameAndPassword("jigasi", StockLayout.PASSWORD).setResource("gw").build());
        c.login();
        JitsiWire jigasi = new JitsiWire(c);
        assertThat(attempt(jigasi, m.room() + "/jigasi", "Jigasi", null)).contains("code='110'").contains("affiliation='member'");
        // A guest of D (not on the whitelist) knocks.
        knock(layout.guest(web), m, "guest", "Guest");
        // The focus (a service admin) comes and goes freely, nick or not.
        m.focus().send("<presence to='" + m.room() + "/focus' type='unavailable'/>");
        m.focus().await("left", s -> s.contains("from='" + m.room() + "/focus'") && s.contains("type='unavailable'"));
        m.focus().send("<presence to='" + m.room() + "/focus'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        m.focus().await("back", s -> s.contains("from='" + m.room() + "/focus'") && s.contains("code='110'"));
    }

    @Test
    void nonModeratorsAreRefusedEveryModeratorAction() throws Exception {
        Meeting m = meeting("refuse");
        // A participant (not an owner) may not turn the lobby on.
        JitsiWire pete = layout.guest(web);
        pete.join(m.room() + "/pete", "Pete");
        assertThat(membersOnly(pete, m.room(), true)).contains("type='error'").contains("<forbidden");
        assertThat(m.mod().roomInfoField(m.room(), "muc#roominfo_lobbyroom")).isNull();

        // lib-jitsi-meet's setMembersOnly makes those present members first, then turns it on.
        assertThat(m.mod().iq("member", "<iq type='set' id='member' to='" + m.room() + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item affiliation='member' jid='" + bare(pete) + "'/></query></iq>")).contains("type='result'");
        enableLobby(m);
        JitsiWire kim = layout.guest(web);
        knock(kim, m, "kim", "Kim");
        waitInLobby(kim, m, "kim", "Kim", "kim@example.org");
        m.mod().await("Kim in the lobby", s -> s.contains("from='" + m.lobby() + "/kim'"));

        // Pete (a member) may not admit her, nor give himself or her an affiliation, nor turn the lobby off.
        pete.send("<message id='inv' to='" + m.room() + "'><x xmlns='" + MUC_USER + "'><invite to='" + kim.jid() + "'/></x></message>");
        assertThat(pete.await("the refused invitation", s -> s.startsWith("<message") && s.contains("type='error'")))
                .contains("<forbidden");
        assertThat(pete.iq("aff", "<iq type='set' id='aff' to='" + m.room() + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item affiliation='member' jid='" + bare(kim) + "'/></query></iq>")).contains("<forbidden");
        assertThat(membersOnly(pete, m.room(), false)).contains("<forbidden");
        // Kim may not admit herself from outside the meeting.
        kim.send("<message id='self' to='" + m.room() + "'><x xmlns='" + MUC_USER + "'><invite to='" + kim.jid() + "'/></x></message>");
        assertThat(kim.await("the refused invitation", s -> s.startsWith("<message") && s.contains("type='error'"))).contains("not-acceptable");
        // In the lobby, a waiting user may not turn another away (denyAccess is a kick there).
        JitsiWire lou = layout.guest(web);
        knock(lou, m, "lou", "Lou");
        waitInLobby(lou, m, "lou", "Lou", "lou@example.org");
        assertThat(kim.iq("kick", "<iq type='set' id='kick' to='" + m.lobby() + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='lou' role='none'/></query></iq>")).contains("<forbidden");
        assertThat(kim.iq("lcfg", "<iq type='get' id='lcfg' to='" + m.lobby() + "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>"))
                .contains("<forbidden");

        // Nothing changed: Kim still waits outside, the lobby is still on, the meeting works.
        knock(kim, m, "kim", "Kim");
        assertThat(m.mod().roomInfoField(m.room(), "muc#roominfo_lobbyroom")).isEqualTo(m.lobby());
        m.mod().send("<message to='" + m.room() + "' type='groupchat'><body>still here</body></message>");
        pete.await("the meeting's message", s -> s.contains("<body>still here</body>"));
    }

    @Test
    void theLobbyEndsWhenTurnedOffAndWithTheMeeting() throws Exception {
        // Turned off: the waiting user is sent to the meeting (destroy with its address), which lets it in now.
        Meeting m = meeting("off");
        enableLobby(m);
        JitsiWire kim = layout.guest(web);
        knock(kim, m, "kim", "Kim");
        waitInLobby(kim, m, "kim", "Kim", "kim@example.org");
        m.mod().await("Kim in the lobby", s -> s.contains("from='" + m.lobby() + "/kim'"));
        assertThat(membersOnly(m.mod(), m.room(), false)).contains("type='result'");
        String closed = kim.await("the lobby closed", s -> s.contains("from='" + m.lobby() + "/kim'") && s.contains("<destroy"));
        assertThat(closed).contains("jid='" + m.room() + "'").contains("Lobby room closed.");
        lobbyNotify(m, "LOBBY-ENABLED", "'value':false");
        assertThat(m.mod().roomInfoField(m.room(), "muc#roominfo_lobbyroom")).isNull();
        kim.join(m.room() + "/kim", "Kim");

        // The meeting ends (everyone leaves): its lobby room goes with it.
        Meeting n = meeting("ends");
        enableLobby(n);
        JitsiWire lou = layout.guest(web);
        knock(lou, n, "lou", "Lou");
        waitInLobby(lou, n, "lou", "Lou", "lou@example.org");
        n.mod().await("Lou in the lobby", s -> s.contains("from='" + n.lobby() + "/lou'"));
        n.mod().send("<presence to='" + n.lobby() + "/modlobby' type='unavailable'/>");
        n.mod().send("<presence to='" + n.room() + "/mod' type='unavailable'/>");
        n.focus().send("<presence to='" + n.room() + "/focus' type='unavailable'/>");
        String gone = lou.await("the lobby closed", s -> s.contains("from='" + n.lobby() + "/lou'") && s.contains("<destroy"));
        assertThat(gone).contains("Lobby room closed.").doesNotContain("jid='" + n.room() + "'");
        // Nothing is left to wait in: the lobby service opens no room for a client.
        lou.drain(0);
        String again = attempt(lou, n.lobby() + "/lou", "Lou", null);
        assertThat(again).contains("type='error'");
    }

    @Test
    void aFloodOfKnocksIsThrottledAndTheMeetingIsUnharmed() throws Exception {
        Meeting m = meeting("flood");
        JitsiWire pete = layout.guest(web);
        pete.join(m.room() + "/pete", "Pete");
        assertThat(m.mod().iq("member", "<iq type='set' id='member' to='" + m.room() + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item affiliation='member' jid='" + bare(pete) + "'/></query></iq>")).contains("type='result'");
        enableLobby(m);
        JitsiWire flooder = layout.guest(web);
        int knocks = 3 * STANZAS_PER_SECOND;
        double throttled = layout.parley.xmpp().context().metrics().limitHits(ServerMetrics.Limit.STANZAS_PER_SECOND);
        for (int i = 0; i < knocks; i++) {
            // Knock after knock under new nicks, and into the lobby under new nicks too.
            flooder.send("<presence to='" + m.room() + "/f" + i + "'><x xmlns='http://jabber.org/protocol/muc'/>"
                    + "<nick xmlns='http://jabber.org/protocol/nick'>F" + i + "</nick></presence>");
            if (i % 10 == 0) {
                flooder.send("<presence to='" + m.lobby() + "/f" + i + "'><x xmlns='http://jabber.org/protocol/muc'/>"
                        + "<nick xmlns='http://jabber.org/protocol/nick'>F" + i + "</nick></presence>");
            }
        }
        // Meanwhile the meeting goes on at its pace.
        long rt = System.nanoTime();
        pete.send("<message to='" + m.room() + "' type='groupchat'><body>during the flood</body></message>");
        m.mod().await("the meeting's message", s -> s.contains("<body>during the flood</body>"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - rt)).isLessThan(3000);
        // Every knock is answered (nothing dropped, nothing created): the last one arrives, after the throttle.
        flooder.await("the last refusal", s -> s.contains("from='" + m.room() + "/f" + (knocks - 1) + "'") && s.contains("registration-required"));
        assertThat(layout.parley.xmpp().context().metrics().limitHits(ServerMetrics.Limit.STANZAS_PER_SECOND))
                .as("stanzas-per-second held the flooder back").isGreaterThan(throttled);
        List<String> seen = flooder.drain(200);
        assertThat(seen.stream().filter(s -> s.contains("registration-required")).count()).isGreaterThanOrEqualTo(knocks - 2L);
        // The moderator sees the flooder as one waiting user at a time (new nicks are nick changes), nothing more.
        List<String> modView = m.mod().drain(500);
        long lobbyPresences = modView.stream().filter(s -> s.startsWith("<presence") && s.contains("@" + LOBBY + "/f")).count();
        assertThat(lobbyPresences).isBetween(1L, 2L * (knocks / 10) + 2);
        // A real knock still reaches the moderator, and the meeting still admits.
        JitsiWire kim = layout.guest(web);
        knock(kim, m, "kim", "Kim");
        waitInLobby(kim, m, "kim", "Kim", "kim@example.org");
        m.mod().await("Kim in the lobby", s -> s.contains("from='" + m.lobby() + "/kim'"));
        m.mod().send("<message to='" + m.room() + "'><x xmlns='" + MUC_USER + "'><invite to='" + kim.jid() + "'/></x></message>");
        kim.await("the invitation", s -> s.startsWith("<message") && s.contains("<invite"));
        kim.join(m.room() + "/kim", "Kim");
    }
}
