package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.it.sfu.TestParticipant;
import org.jxmpp.jid.impl.JidCreate;
import org.parley.testkit.FreePorts;

/**
 * A restart with hand-over ({@code parley.handover.enabled}), on a child {@code Main run} process: SIGTERM cuts the
 * client's connection without a stream error, the next process restores its session before it opens its ports, and
 * the client resumes there (XEP-0198) with every stanza it had not acknowledged delivered once, and what was sent to
 * it meanwhile. A process started after a crash has nothing to restore: the resume gets item-not-found.
 */
@ExtendWith(ParleyServer.class)
class RestartHandoverTest {
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private RawClient connect(ChildParley child) throws Exception {
        RawClient c = RawClient.plain(child.c2sPort());
        closing.add(c);
        c.startTls(child.sslContext());
        return c;
    }

    private static void send(XMPPTCPConnection from, String to, String body) throws Exception {
        from.sendStanza(MessageBuilder.buildMessage().to(JidCreate.from(to)).ofType(Message.Type.chat).setBody(body).build());
    }

    private static int count(String text, String fragment) {
        int n = 0;
        for (int i = text.indexOf(fragment); i >= 0; i = text.indexOf(fragment, i + 1)) n++;
        return n;
    }

    @Test
    void aResumableSessionOutlivesASigtermRestart() throws Exception {
        // Without checkpoints, as the crash at the end shows what is left then (CrashCheckpointTest: with them).
        ChildParley child = ChildParley.create("handover-node").extraConfig("parley.handover { enabled = true, checkpoint-interval = 0 }\n");
        closing.add(child);
        child.start();
        Clients clients = child.clients();
        closing.add(clients);
        clients.register("alice");
        clients.register("bob");

        RawClient alice = connect(child);
        alice.login("alice", Clients.PASSWORD, "phone");
        String id = alice.enableResumption("");
        alice.send("<presence/>");
        alice.await("<presence"); // her own, back to her (RFC 6121 4.2.2): the first stanza she handles

        XMPPTCPConnection bob = clients.login("bob", "desk");
        send(bob, "alice@localhost/phone", "one");
        alice.await("<body>one</body>");
        send(bob, "alice@localhost/phone", "two");
        alice.await("<body>two</body>");
        // Alice acknowledges her presence and "one" only: "two" is hers to get again after the restart.
        alice.send("<a xmlns='urn:xmpp:sm:3' h='2'/>");
        Thread.sleep(200);

        long sigterm = System.nanoTime();
        // 143: the JVM's status after SIGTERM once its shutdown hook ran (systemd's unit takes it as success).
        assertThat(child.terminate()).isEqualTo(143);
        assertThat(alice.closedByServer()).isTrue();
        String last = alice.rest();
        assertThat(last).as("what alice got as the old process stopped").doesNotContain("stream:error").doesNotContain("</stream:stream>");
        assertThat(child.log()).anyMatch(l -> l.contains("resumable sessions written for node handover-node"));

        child.start();
        long portsOpen = System.nanoTime();
        assertThat(child.log()).anyMatch(l -> l.contains("sessions of node handover-node wait for their clients (0 expired, 0 unreadable)"));
        // Bob (no stream management) starts over; alice's session is there to take his message while she is away.
        XMPPTCPConnection bob2 = clients.login("bob", "desk2");
        send(bob2, "alice@localhost/phone", "three");
        Thread.sleep(200);

        RawClient back = connect(child);
        back.authenticate("alice", Clients.PASSWORD);
        String resumed = back.resume(id, 2);
        long resumedAt = System.nanoTime();
        assertThat(resumed).contains("<resumed").contains("previd='" + id + "'")
                // The server handled alice's presence and her acknowledgement is no stanza: h counts one.
                .contains("h='1'");
        String after = back.drain(1500);
        assertThat(count(after, "<body>one</body>")).as(after).isZero();
        assertThat(count(after, "<body>two</body>")).as(after).isEqualTo(1);
        assertThat(count(after, "<body>three</body>")).as(after).isEqualTo(1);
        assertThat(after.indexOf("<body>two</body>")).isLessThan(after.indexOf("<body>three</body>"));
        back.send("<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(back.await("id='p'") + back.await(">")).contains("to='alice@localhost/phone'");
        System.out.printf("hand-over restart: SIGTERM to ports open %d ms, to resumed %d ms%n",
                (portsOpen - sigterm) / 1_000_000, (resumedAt - sigterm) / 1_000_000);

        // After a crash nothing is handed over: the resume is refused and the client starts over cleanly.
        child.kill();
        child.start();
        RawClient afterCrash = connect(child);
        afterCrash.authenticate("alice", Clients.PASSWORD);
        assertThat(afterCrash.resume(id, 3)).contains("item-not-found");
        afterCrash.send("<iq type='set' id='bind2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>phone</resource></bind></iq>");
        assertThat(afterCrash.await("</iq>")).contains("alice@localhost/phone");
    }

    /**
     * SIGTERM the moment the client port opens, while the node still starts its other listeners: the node stops as
     * any other time, with its hand-over (clients connect as soon as a port accepts; a restart may come then). The
     * shutdown hook used to be registered only once the start was over, and such a SIGTERM ended the process at once.
     */
    /**
     * On the embedded H2 (the default storage) the hand-over is written from the SIGTERM's handling while H2 must
     * still be open: H2 closes its databases in a JVM shutdown hook of its own, which used to run beside Parley's
     * and now and then closed the database under the hand-over ("Database is already closed"; every session lost).
     */
    @Test
    void theEmbeddedDatabaseTakesTheHandOverAtEverySigterm() throws Exception {
        ChildParley child = ChildParley.create("handover-h2").extraConfig("""
                parley.handover { enabled = true, checkpoint-interval = 0 }
                parley.storage.url = ""
                """);
        closing.add(child);
        child.start();
        List<RawClient> guests = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            RawClient g = connect(child);
            g.loginAnonymously("g" + i);
            g.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
            assertThat(g.await("/>")).contains("<enabled");
            guests.add(g);
        }
        for (int restart = 1; restart <= 3; restart++) {
            assertThat(child.terminate()).isEqualTo(143);
            assertThat(child.log()).as("restart %d", restart)
                    .anyMatch(l -> l.contains("hand-over: 20 resumable sessions written for node handover-h2"))
                    .noneMatch(l -> l.contains("hand-over failed"));
            child.start();
            assertThat(child.log()).anyMatch(l -> l.contains("hand-over: 20 sessions of node handover-h2 wait for their clients"));
        }
    }

    @Test
    void aSigtermWhileTheNodeStillStartsHandsOverAllTheSame() throws Exception {
        int http = FreePorts.take(1)[0];
        ChildParley child = ChildParley.create("handover-starting").extraConfig("""
                parley.handover.enabled = true
                parley.http.listeners.plain { enabled = true, bind = "127.0.0.1", port = %d, secure = true }
                """.formatted(http));
        closing.add(child);
        child.launch();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!ChildParley.listening(child.c2sPort())) {
            assertThat(System.currentTimeMillis()).as("the c2s port opens").isLessThan(deadline);
            Thread.sleep(10);
        }
        assertThat(child.terminate()).isEqualTo(143);
        assertThat(child.log()).anyMatch(l -> l.contains("stopping"))
                .anyMatch(l -> l.contains("resumable sessions written for node handover-starting"));
    }

    /**
     * lib-jitsi-meet's path: an anonymous guest over WebSocket with stream management, its connection dropped by the
     * hand-over with no close frame (code 1006, as when its network goes), resuming on the new process through
     * {@code /xmpp-websocket?previd=}; what was sent to it meanwhile arrives once.
     */
    @Test
    void anAnonymousWebSocketGuestResumesOnTheNextProcess() throws Exception {
        int http = FreePorts.take(1)[0];
        ChildParley child = ChildParley.create("handover-ws").extraConfig("""
                parley.handover.enabled = true
                parley.http.listeners.plain { enabled = true, bind = "127.0.0.1", port = %d, secure = true }
                """.formatted(http));
        closing.add(child);
        child.start();
        Clients clients = child.clients();
        closing.add(clients);
        clients.register("bob");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> ChildParley.listening(http));
        java.net.URI ws = java.net.URI.create("ws://127.0.0.1:" + http + "/xmpp-websocket");

        WebSocketClient guest = WebSocketClient.connect(ws, "xmpp");
        closing.add(guest);
        String jid = guest.login(null, null, null);
        guest.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        String enabled = guest.await("<enabled");
        int at = enabled.indexOf("id='") + 4;
        String id = enabled.substring(at, enabled.indexOf('\'', at));

        child.terminate();
        // No close frame: 1006 (abnormal closure), what a browser reports when its network goes.
        assertThat(guest.awaitClose()).isEqualTo(1006);

        child.start();
        // HTTP opens last, just after the ports start() waits for.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> ChildParley.listening(http));
        XMPPTCPConnection bob = clients.login("bob", "desk");
        send(bob, jid, "while you were away");
        Thread.sleep(200);
        WebSocketClient back = WebSocketClient.connect(java.net.URI.create(ws + "?previd=" + id), "xmpp");
        closing.add(back);
        back.open();
        back.await("</stream:features>");
        back.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
        back.await("<success");
        back.open();
        back.await("</stream:features>");
        back.send("<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='0'/>");
        assertThat(back.await("<resumed")).contains("previd='" + id + "'");
        back.await("<body>while you were away</body>");
        back.send("<iq xmlns='jabber:client' type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(back.await("id='p'")).contains("to='" + jid + "'");
    }

    /** Logs in, enables resumption and enters {@code room} as {@code nick}; returns the resumption id. */
    static String enterResumable(RawClient c, String user, String room, String nick) throws Exception {
        c.login(user, Clients.PASSWORD, "r");
        String id = c.enableResumption("");
        c.send("<presence to='" + room + "/" + nick + "'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>" + nick + "</nick></presence>");
        c.await("code='110'");
        return id;
    }

    private RawClient resume(ChildParley child, String user, String id) throws Exception {
        RawClient c = connect(child);
        c.authenticate(user, Clients.PASSWORD);
        // h='0': everything since the enable comes again; what the test looks at is what follows.
        assertThat(c.resume(id, 0)).contains("<resumed").contains("previd='" + id + "'");
        return c;
    }

    /**
     * A room and its occupants go to the next process with their sessions: after the restart both occupants resume,
     * nobody saw anybody leave or join, the room's history, subject-free state and roles are as they were, and a
     * message from one reaches the other once.
     */
    @Test
    void aRoomWithItsOccupantsOutlivesASigtermRestart() throws Exception {
        ChildParley child = ChildParley.create("handover-room").extraConfig("parley.handover.enabled = true\n");
        closing.add(child);
        child.start();
        Clients clients = child.clients();
        closing.add(clients);
        clients.register("ann");
        clients.register("cem");
        String room = "standup@conference.localhost";

        RawClient ann = connect(child);
        String annId = enterResumable(ann, "ann", room, "Ann");
        RawClient cem = connect(child);
        String cemId = enterResumable(cem, "cem", room, "Cem");
        ann.await("from='" + room + "/Cem'");
        ann.send("<message to='" + room + "' type='groupchat' id='m1'><body>before the restart</body></message>");
        cem.await("<body>before the restart</body>");
        ann.await("<body>before the restart</body>");

        child.terminate();
        assertThat(ann.closedByServer()).isTrue();
        assertThat(cem.closedByServer()).isTrue();
        assertThat(ann.rest() + cem.rest()).doesNotContain("type='unavailable'").doesNotContain("stream:error");
        assertThat(child.log()).anyMatch(l -> l.contains("hand-over: 1 rooms written for node handover-room"));

        child.start();
        assertThat(child.log()).anyMatch(l -> l.contains("hand-over: 1 rooms of node handover-room restored (0 unreadable)"));
        RawClient ann2 = resume(child, "ann", annId);
        RawClient cem2 = resume(child, "cem", cemId);
        ann2.drain(500);
        cem2.drain(500);
        ann2.send("<message to='" + room + "' type='groupchat' id='m2'><body>after the restart</body></message>");
        String atCem = cem2.await("<body>after the restart</body>");
        assertThat(atCem).contains("from='" + room + "/Ann'");
        String more = cem2.drain(800) + ann2.drain(800);
        assertThat(more).doesNotContain("<body>after the restart</body><body>");
        assertThat(atCem + more).as("no one left or joined").doesNotContain("type='unavailable'").doesNotContain("code='110'");
        // A newcomer gets the history and both occupants, with their roles: the room is the same room.
        clients.register("dia");
        RawClient dia = connect(child);
        dia.login("dia", Clients.PASSWORD, "r");
        dia.send("<presence to='" + room + "/Dia'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        String joined = dia.await("code='110'");
        assertThat(joined).contains("from='" + room + "/Ann'").contains("from='" + room + "/Cem'")
                .contains("affiliation='owner' role='moderator'");
        assertThat(dia.await("<body>after the restart</body>")).contains("<body>before the restart</body>");
    }

    /**
     * A stream whose resumption state is gone after a restart: Ann asked for a 5 s resumption window and does not
     * come back across two SIGTERM restarts in a row, which Cem's session (the default window) outlives. When Ann's
     * window runs out she leaves the room once, as a client that lost its network; her late resume gets
     * item-not-found, and she binds and enters again under the same nick with no ghost of her old session: one Ann in
     * the room, and Cem sees her leave once and join once.
     */
    @Test
    void aStreamWhoseResumptionRanOutAfterARestartGetsItemNotFoundAndRejoinsWithoutAGhost() throws Exception {
        ChildParley child = ChildParley.create("handover-expiry").extraConfig("parley.handover.enabled = true\n");
        closing.add(child);
        child.start();
        Clients clients = child.clients();
        closing.add(clients);
        clients.register("ann");
        clients.register("cem");
        String room = "triage@conference.localhost";

        RawClient ann = connect(child);
        ann.login("ann", Clients.PASSWORD, "r");
        String annId = ann.enableResumption(" max='5'");
        ann.send("<presence to='" + room + "/Ann'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        ann.await("code='110'");
        RawClient cem = connect(child);
        String cemId = enterResumable(cem, "cem", room, "Cem");

        child.terminate();
        child.start();
        assertThat(child.log()).anyMatch(l -> l.contains("hand-over: 1 rooms of node handover-expiry restored (0 unreadable)"));
        child.terminate();
        child.start();
        RawClient cem2 = resume(child, "cem", cemId);
        // Cem's resume asks for everything since his enable again (h='0'): the text up to Ann's leave is that replay.
        String upToTheLeave = cem2.await("type='unavailable'");
        assertThat(count(upToTheLeave, "type='unavailable'")).isEqualTo(1);
        assertThat(upToTheLeave.substring(upToTheLeave.lastIndexOf("<presence"))).contains("from='" + room + "/Ann'");

        RawClient late = connect(child);
        late.authenticate("ann", Clients.PASSWORD);
        assertThat(late.resume(annId, 1)).contains("item-not-found");
        late.send("<iq type='set' id='bind2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>");
        assertThat(late.await("</iq>")).contains("ann@localhost/r");
        late.send("<presence to='" + room + "/Ann'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        String entered = late.await("code='110'");
        assertThat(count(entered, "from='" + room + "/Ann'")).as(entered).isEqualTo(1);
        assertThat(count(entered, "from='" + room + "/Cem'")).as(entered).isEqualTo(1);
        assertThat(entered).doesNotContain("<error").doesNotContain("type='unavailable'");

        String afterTheLeave = cem2.await("from='" + room + "/Ann'") + cem2.drain(800);
        assertThat(count(afterTheLeave, "from='" + room + "/Ann'")).as(afterTheLeave).isEqualTo(1);
        assertThat(afterTheLeave).as("no second leave").doesNotContain("type='unavailable'");
        // The room agrees: a newcomer finds one Ann and one Cem.
        clients.register("dia");
        RawClient dia = connect(child);
        dia.login("dia", Clients.PASSWORD, "r");
        dia.send("<presence to='" + room + "/Dia'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        String seen = dia.await("code='110'");
        assertThat(count(seen, "from='" + room + "/Ann'")).as(seen).isEqualTo(1);
        assertThat(count(seen, "from='" + room + "/Cem'")).as(seen).isEqualTo(1);
    }

    /**
     * The whole of it with the focus: three participants in a conference on a (component) SFU; SIGTERM; the next
     * process restores their sessions and the room, the focus resumes the conference and keeps each participant's
     * Jingle session: no session-initiate or -terminate, no COLIBRI2 allocation or expire, nobody leaves the room.
     * A fourth participant joining afterwards is offered the three's sources.
     */
    @Test
    void aConferenceGoesOnAcrossASigtermRestart() throws Exception {
        conferenceAcrossASigtermRestart("handover-focus", "");
    }

    /**
     * The same where the focus lives as an address of a virtual host ({@code focus@auth.localhost} beside the accounts
     * of auth.localhost, Jitsi Meet's stock layout), which the next process registers only after it restored the
     * rooms: the focus is no ghost of its rooms, nobody sees it leave and come back (lib-jitsi-meet's room code
     * throws on a focus leaving and drops its presence handler).
     */
    @Test
    void theFocusOfTheStockLayoutStaysInItsRoomsAcrossASigtermRestart() throws Exception {
        conferenceAcrossASigtermRestart("handover-focus-host",
                "parley.hosts = [ { domain = \"localhost\", anonymous = true, registration = true }, { domain = \"auth.localhost\" } ]\n");
    }

    private void conferenceAcrossASigtermRestart(String node, String extraConfig) throws Exception {
        ChildParley child = ChildParley.create(node).extraConfig("parley.handover.enabled = true\n" + extraConfig);
        closing.add(child);
        child.start();
        ChildConference conference = ChildConference.start(child, "handover", List.of("hoa111", "hob222", "hoc333"), closing);
        conference.remember();

        long sigterm = System.nanoTime();
        child.terminate();
        child.start();
        conference.resume();
        long resumed = System.nanoTime();
        assertThat(child.log()).anyMatch(l -> l.contains("kept its session"));
        Thread.sleep(2000);
        System.out.printf("hand-over restart with a conference: SIGTERM to 3 streams resumed %d ms%n", (resumed - sigterm) / 1_000_000);
        conference.assertUnchanged("the restart");

        // Someone new: offered the three's sources, and they get its.
        conference.clients.register("hod444");
        TestParticipant d = TestParticipant.connectAs(conference.clients, "hod444", conference.room, "hod444");
        closing.add(d);
        d.join();
        List<TestParticipant> all = new ArrayList<>(conference.participants);
        all.add(d);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> d.sid() != null && conference.logic.endpoints(conference.room).size() == 4);
        FocusTest.everyoneSeesEveryone(all);
    }

    /**
     * The lobby and breakout rooms are as they were after a hand-over restart: the moderator admits the user who
     * knocked before the restart (the meeting announces who, from what it knew of the lobby), and the breakout room
     * added before is still in the meeting's list.
     */
    @Test
    void theLobbyAndTheBreakoutRoomsOutliveASigtermRestart() throws Exception {
        ChildParley child = ChildParley.create("handover-lobby").extraConfig("""
                parley.handover.enabled = true
                parley.muc.services = [
                  { domain = "conference.localhost", admins = ["%s"] }
                  { domain = "lobby.localhost", room-creators = [] }
                  { domain = "breakout.localhost", room-creators = [] }
                ]
                parley.muc.jitsi {
                  lobby { enabled = true, muc-domains = ["conference.localhost"], lobby-domain = "lobby.localhost" }
                  breakout-rooms { enabled = true, muc-domains = ["conference.localhost"], breakout-domain = "breakout.localhost" }
                }
                """.formatted(ParleyServer.FOCUS_JID));
        closing.add(child);
        child.start();
        Clients clients = child.clients();
        closing.add(clients);
        clients.register("eva");
        clients.register("dia");
        String room = "retro@conference.localhost";
        String lobby = "retro@lobby.localhost";

        RawClient eva = connect(child);
        String evaId = enterResumable(eva, "eva", room, "Eva");
        eva.send("<iq type='set' id='lock' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
                + "<field var='muc#roomconfig_membersonly'><value>1</value></field></x></query></iq>");
        eva.await("id='lock'");
        eva.send("<message to='breakout.localhost'><breakout_rooms type='features/breakout-rooms/add' subject='Room One'/></message>");
        eva.await("Room One");

        RawClient dia = connect(child);
        dia.login("dia", Clients.PASSWORD, "r");
        String diaId = dia.enableResumption("");
        dia.send("<presence to='" + room + "/Dia'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Dia</nick></presence>");
        assertThat(dia.await("</presence>")).contains("registration-required").contains(lobby);
        dia.send("<presence to='" + lobby + "/Dia'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Dia</nick></presence>");
        dia.await("code='110'");

        child.terminate();
        child.start();
        RawClient eva2 = resume(child, "eva", evaId);
        RawClient dia2 = resume(child, "dia", diaId);
        eva2.drain(500);
        dia2.drain(500);

        // Admitting, as lib-jitsi-meet's Lobby.approveAccess does: an invitation through the meeting.
        eva2.send("<message to='" + room + "'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='dia@localhost/r'/></x></message>");
        assertThat(dia2.await("</message>")).contains("<invite").contains("from='" + room + "'");
        String notice = eva2.await("LOBBY-ACCESS-GRANTED");
        assertThat(notice + eva2.await("</message>")).contains("Dia");
        dia2.send("<presence to='" + room + "/Dia'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Dia</nick></presence>");
        assertThat(dia2.await("code='110'")).contains("from='" + room + "/Eva'");

        eva2.send("<message to='breakout.localhost'><breakout_rooms type='features/breakout-rooms/add' subject='Room Two'/></message>");
        String list = eva2.await("Room Two");
        assertThat(list.substring(list.lastIndexOf("<message"))).contains("Room One");
    }
}
