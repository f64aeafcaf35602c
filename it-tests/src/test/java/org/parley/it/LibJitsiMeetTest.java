package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.parley.it.JitsiBrowser.Participant;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestSfu;
import org.xmpp.packet.JID;

/**
 * The Jitsi Meet web app's client library against Parley in the stock layout: a real lib-jitsi-meet build (npm
 * {@code @lyno/lib-jitsi-meet}, jitsi-meet stable 6726) in headless Chromium with fake camera and microphone, one page
 * per participant ({@link JitsiBrowser}), a test SFU in the brewery recording COLIBRI2. ICE to the test SFU never
 * connects; what is tested is the signalling the web app's buttons depend on.
 */
class LibJitsiMeetTest {
    private static final AtomicInteger rooms = new AtomicInteger();
    private static StockLayout layout;
    private static Clients auth;
    private static TestSfu jvb;
    private static JitsiBrowser browser;
    private final List<Participant> participants = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        browser = JitsiBrowser.start("LibJitsiMeetTest");
        layout = StockLayout.start("");
        auth = layout.auth();
        jvb = layout.jvb(auth, "jvb-ljm");
        await().atMost(Duration.ofSeconds(10)).until(() -> layout.parley.focus().focus().bridges().get(new JID(jvb.jid())) != null);
    }

    @AfterAll
    static void stop() throws Exception {
        try (var b = browser; var l = layout) {
            if (jvb != null) jvb.close();
            if (auth != null) auth.close();
        }
    }

    @AfterEach
    void leave() throws Exception {
        for (Participant p : participants) {
            try {
                p.close();
            } catch (Exception | AssertionError e) {
                System.out.println("closing " + p.name + ": " + e.getMessage());
            }
        }
        participants.clear();
    }

    private static String room(String what) {
        return "ljm-" + what + "-" + rooms.incrementAndGet();
    }

    private static String roomJid(String room) {
        return room + "@" + StockLayout.MUC;
    }

    /** The connection options of the web app's config.js for the stock layout, over WebSocket or BOSH. */
    private static Map<String, Object> options(boolean bosh) {
        String http = "127.0.0.1:" + layout.parley.httpPort();
        return Map.of(
                "hosts", Map.of("domain", StockLayout.DOMAIN, "muc", StockLayout.MUC, "focus", "focus." + StockLayout.DOMAIN),
                "serviceUrl", bosh ? "http://" + http + "/http-bind" : "ws://" + http + "/xmpp-websocket");
    }

    /** A new participant logged in anonymously, not in a conference yet. */
    private Participant connect(String name, boolean bosh) throws Exception {
        Participant p = browser.open(name);
        participants.add(p);
        p.call("connect", options(bosh));
        return p;
    }

    /** A participant in the conference of {@code room}; its id is its MUC nickname and its endpoint id. */
    private Participant join(String name, String room) throws Exception {
        return join(name, room, false);
    }

    private Participant join(String name, String room, boolean bosh) throws Exception {
        Participant p = connect(name, bosh);
        p.call("join", room, name);
        return p;
    }

    private static String id(Participant p) throws Exception {
        return (String) p.eval("meet.conference.myUserId()");
    }

    private static SfuLogic.Ep endpoint(String room, String id) {
        SfuLogic.Conf c = jvb.logic.byRoom(roomJid(room));
        return c == null ? null : c.endpoints.get(id);
    }

    /** The focus's session-initiate reached the page and lib-jitsi-meet answered it with a session-accept. */
    private static void awaitSession(Participant p) throws Exception {
        p.waitFor("meet.stanzas('IN', 'session-initiate') > 0 && meet.stanzas('OUT', 'session-accept') > 0"
                + " && meet.conference.jvbJingleSession && meet.conference.jvbJingleSession.state === 'active'");
    }

    @Test
    void participantsJoinSeeEachOtherAndGetTheirSessionsFromTheFocus() throws Exception {
        String room = room("conf");
        Participant alice = join("Alice", room);
        // The focus makes the first participant the room's owner, as Jicofo does.
        alice.waitFor("meet.conference.isModerator()");
        Participant bob = join("Bob", room);
        // Carol's web app is configured for BOSH.
        Participant carol = join("Carol", room, true);
        List<Participant> all = List.of(alice, bob, carol);
        List<String> ids = new ArrayList<>();
        for (Participant p : all) ids.add(id(p));

        for (Participant p : all) {
            assertThat(p.eval("meet.saw('CONFERENCE_JOINED')")).isEqualTo(true);
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i) == p) continue;
                p.waitFor("meet.saw('USER_JOINED', '" + ids.get(i) + "')");
                p.waitFor("meet.idOf('" + all.get(i).name + "') === '" + ids.get(i) + "'");
            }
            awaitSession(p);
        }
        assertThat(alice.eval("meet.conference.isModerator()")).isEqualTo(true);
        assertThat(bob.eval("meet.conference.isModerator()")).isEqualTo(false);
        assertThat(carol.eval("meet.conference.getParticipantById('" + ids.get(0) + "').getRole()")).isEqualTo("moderator");

        // One conference on the SFU, one endpoint per participant, each with the transport of its session-accept.
        await().atMost(Duration.ofSeconds(10)).until(() -> jvb.logic.endpoints(roomJid(room)).containsAll(ids));
        assertThat(jvb.logic.conferences().stream().filter(c -> roomJid(room).equals(c.name))).hasSize(1);
        assertThat(jvb.logic.endpoints(roomJid(room))).containsExactlyInAnyOrderElementsOf(ids);
        for (String id : ids) {
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, id).remoteTransport != null
                    && endpoint(room, id).sources != null);
        }
        // Each page makes the others' audio and video tracks: Carol, the last, from the sources in her offer (JSON,
        // as lib-jitsi-meet announces json-encoded-sources), Alice and Bob from the focus's source-adds.
        for (Participant p : all) {
            p.waitFor("meet.conference.getParticipants().every(x => x.getTracks().length === 2)", Duration.ofSeconds(5));
        }
    }

    /** A moderator and {@code others}, all in {@code room} with their sessions; the moderator joined first. */
    private List<Participant> meeting(String room, String moderator, String... others) throws Exception {
        List<Participant> all = new ArrayList<>();
        Participant mod = join(moderator, room);
        mod.waitFor("meet.conference.isModerator()");
        all.add(mod);
        for (String name : others) all.add(join(name, room));
        for (Participant p : all) {
            awaitSession(p);
            String id = id(p);
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, id) != null);
        }
        return all;
    }

    @Test
    void aModeratorMutesAParticipantsAudioAndVideoThroughTheFocus() throws Exception {
        String room = room("mute");
        List<Participant> all = meeting(room, "Alice", "Bob");
        Participant alice = all.get(0);
        Participant bob = all.get(1);
        String aliceId = id(alice);
        String bobId = id(bob);

        // The participant menu's "Mute": lib-jitsi-meet's mute IQ to the focus; the focus tells Bob, whose
        // lib-jitsi-meet mutes his microphone track, and the SFU drops his audio.
        alice.eval("meet.conference.muteParticipant('" + bobId + "', 'audio')");
        bob.waitFor("meet.local('audio').muted && meet.conference.isMutedByFocus");
        bob.waitFor("meet.saw('TRACK_MUTE_CHANGED', {track: 'audio', local: true, muted: true})");
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, bobId).audioForceMuted);
        assertThat(endpoint(room, bobId).videoForceMuted).isFalse();
        assertThat((Boolean) bob.eval("meet.local('video').muted")).isFalse();
        // Bob's muted microphone reaches the others through his presence.
        alice.waitFor("meet.conference.getParticipantById('" + bobId + "').getTracksByMediaType('audio')[0].isMuted()");

        // "Stop video" from the same menu.
        alice.eval("meet.conference.muteParticipant('" + bobId + "', 'video')");
        bob.waitFor("meet.local('video').muted && meet.conference.isVideoMutedByFocus");
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, bobId).videoForceMuted);

        // Bob unmutes his microphone: lib-jitsi-meet tells the focus, which lets his audio through again.
        bob.call("unmute", "audio");
        await().atMost(Duration.ofSeconds(10)).until(() -> !endpoint(room, bobId).audioForceMuted);
        assertThat(endpoint(room, bobId).videoForceMuted).isTrue();
        assertThat(jvb.logic.forceMutes).contains(bobId + " audio=true video=false", bobId + " audio=true video=true",
                bobId + " audio=false video=true");

        // Bob is no moderator: his mute of Alice is refused by the focus and changes nothing.
        bob.eval("meet.conference.muteParticipant('" + aliceId + "', 'audio')");
        bob.waitFor("meet.stanzas('IN', 'not-allowed') > 0");
        assertThat((Boolean) alice.eval("meet.local('audio').muted")).isFalse();
        assertThat(endpoint(room, aliceId).audioForceMuted).isFalse();
        assertThat(jvb.logic.forceMutes).noneMatch(f -> f.startsWith(aliceId + " "));
    }

    @Test
    void aModeratorGrantsModeratorAndKicksFromTheParticipantMenu() throws Exception {
        String room = room("kick");
        List<Participant> all = meeting(room, "Alice", "Bob", "Carol");
        Participant alice = all.get(0);
        Participant bob = all.get(1);
        Participant carol = all.get(2);
        String bobId = id(bob);
        String carolId = id(carol);
        assertThat(bob.eval("meet.conference.isModerator()")).isEqualTo(false);

        // "Grant moderator": an owner affiliation for Bob's nick; everyone sees his new role.
        alice.eval("meet.conference.grantOwner('" + bobId + "')");
        bob.waitFor("meet.conference.isModerator()");
        bob.waitFor("meet.saw('USER_ROLE_CHANGED', '" + bobId + "', 'moderator')");
        carol.waitFor("meet.saw('USER_ROLE_CHANGED', '" + bobId + "', 'moderator')");
        carol.waitFor("meet.conference.getParticipantById('" + bobId + "').getRole() === 'moderator'");

        // "Kick out" by the new moderator: Carol is told she was kicked, the others see her leave, and the focus
        // removes her endpoint from the SFU.
        bob.eval("meet.conference.kickParticipant('" + carolId + "', 'Bye')");
        carol.waitFor("meet.saw('KICKED')");
        alice.waitFor("meet.saw('USER_LEFT', '" + carolId + "')");
        alice.waitFor("meet.saw('PARTICIPANT_KICKED')");
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, carolId) == null);
        assertThat(jvb.logic.endpoints(roomJid(room))).contains(id(alice), bobId);

        // Dave, a participant, cannot kick: the room refuses and Alice stays.
        Participant dave = join("Dave", room);
        String aliceId = id(alice);
        dave.waitFor("meet.idOf('Alice') === '" + aliceId + "'");
        dave.eval("meet.conference.kickParticipant('" + aliceId + "', 'no')");
        dave.waitFor("meet.stanzas('IN', 'not-allowed') > 0 || meet.stanzas('IN', 'forbidden') > 0");
        assertThat(alice.eval("meet.saw('KICKED')")).isEqualTo(false);
    }

    @Test
    void audioModerationKeepsAParticipantMutedUntilAModeratorApproves() throws Exception {
        String room = room("avmod");
        List<Participant> all = meeting(room, "Alice", "Bob");
        Participant alice = all.get(0);
        Participant bob = all.get(1);
        String bobId = id(bob);
        assertThat(alice.eval("meet.conference.isAVModerationSupported()")).isEqualTo(true);

        // "Ask everyone to unmute" off: audio moderation on. Everyone is told; the focus mutes Bob (his
        // lib-jitsi-meet mutes his microphone) and the SFU drops his audio.
        alice.eval("meet.conference.enableAVModeration('audio')");
        for (Participant p : all) p.waitFor("meet.saw('AV_MODERATION_CHANGED', {enabled: true, mediaType: 'audio'})");
        bob.waitFor("meet.local('audio').muted && meet.conference.isMutedByFocus");
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, bobId).audioForceMuted);
        assertThat(endpoint(room, id(alice)).audioForceMuted).isFalse();

        // The web app keeps Bob's unmute button from working; a client that unmutes anyway (lib-jitsi-meet's own
        // unmute IQ) is refused by the focus and the SFU keeps dropping his audio.
        bob.eval("meet.conference.room.muteParticipant(meet.conference.room.myroomjid, false, 'audio')");
        bob.waitFor("meet.stanzas('IN', 'not-allowed') > 0");
        assertThat(endpoint(room, bobId).audioForceMuted).isTrue();

        // The moderator approves Bob: he is told, and his unmute now goes through to the SFU.
        alice.eval("meet.conference.avModerationApprove('audio', '" + bobId + "')");
        bob.waitFor("meet.saw('AV_MODERATION_APPROVED', {mediaType: 'audio'})");
        alice.waitFor("meet.saw('AV_MODERATION_PARTICIPANT_APPROVED')");
        bob.call("unmute", "audio");
        await().atMost(Duration.ofSeconds(10)).until(() -> !endpoint(room, bobId).audioForceMuted);
    }

    /** The id lib-jitsi-meet gave to whoever knocked with {@code name}, as the moderator's page saw it. */
    private static String knocker(Participant moderator, String name) throws Exception {
        moderator.waitFor("meet.events.some(e => e.type === 'LOBBY_USER_JOINED' && e.args[1] === '" + name + "')");
        return (String) moderator.eval("meet.events.find(e => e.type === 'LOBBY_USER_JOINED' && e.args[1] === '" + name + "').args[0]");
    }

    @Test
    void aModeratorTurnsTheLobbyOnApprovesOneKnockAndDeniesAnother() throws Exception {
        String room = room("lobby");
        List<Participant> all = meeting(room, "Alice", "Bob");
        Participant alice = all.get(0);
        Participant bob = all.get(1);
        assertThat(alice.eval("meet.conference.isLobbySupported()")).isEqualTo(true);

        // The security dialog's lobby switch: the room becomes members-only and the moderator's page enters its lobby.
        alice.eval("meet.conference.enableLobby()");
        alice.waitFor("meet.conference.isMembersOnly()");
        bob.waitFor("meet.saw('MEMBERS_ONLY_CHANGED', true)");
        alice.waitFor("meet.conference.room.getLobby().lobbyRoom && meet.conference.room.getLobby().lobbyRoom.joined");

        // A newcomer's join is refused with the members-only error; the web app's lobby screen knocks.
        Participant carol = connect("Carol", false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> carol.call("join", room, "Carol"))
                .hasMessageContaining("conference.connectionError.membersOnly");
        carol.call("knock", "Carol", "carol@example.com");
        String carolKnock = knocker(alice, "Carol");
        alice.waitFor("meet.saw('LOBBY_USER_UPDATED', '" + carolKnock + "', {email: 'carol@example.com'})");
        // Only moderators see who waits.
        assertThat(bob.eval("meet.events.some(e => e.type.startsWith('LOBBY_USER'))")).isEqualTo(false);

        // Approved: lib-jitsi-meet joins the meeting on the invitation, and the focus gives Carol her session.
        alice.eval("meet.conference.lobbyApproveAccess('" + carolKnock + "')");
        carol.waitFor("meet.saw('CONFERENCE_JOINED')");
        String carolId = id(carol);
        alice.waitFor("meet.saw('USER_JOINED', '" + carolId + "')");
        bob.waitFor("meet.saw('USER_JOINED', '" + carolId + "')");
        alice.waitFor("meet.saw('LOBBY_USER_LEFT', '" + carolKnock + "')");
        awaitSession(carol);
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, carolId) != null);

        // Denied: Dave is told and never enters.
        Participant dave = connect("Dave", false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dave.call("join", room, "Dave"))
                .hasMessageContaining("conference.connectionError.membersOnly");
        dave.call("knock", "Dave", "dave@example.com");
        String daveKnock = knocker(alice, "Dave");
        alice.eval("meet.conference.lobbyDenyAccess('" + daveKnock + "')");
        dave.waitFor("meet.saw('CONFERENCE_FAILED', 'conference.connectionError.accessDenied')");
        alice.waitFor("meet.saw('LOBBY_USER_LEFT', '" + daveKnock + "')");
        assertThat(dave.eval("meet.saw('CONFERENCE_JOINED')")).isEqualTo(false);
        assertThat(alice.eval("meet.idOf('Dave')")).isNull();
        assertThat(jvb.logic.endpoints(roomJid(room))).hasSize(3);
    }

    /** Waits until {@code p}'s room list has a room named {@code name} whose participants are exactly {@code ids}. */
    private static void awaitRoomList(Participant p, String name, String... ids) throws Exception {
        StringBuilder want = new StringBuilder();
        for (String id : ids) want.append(want.length() == 0 ? "" : ",").append("'").append(id).append("'");
        p.waitFor("meet.rooms().some(r => r.name === '" + name + "' && JSON.stringify(Object.keys(r.participants || {})"
                + ".map(k => k.split('/')[1]).sort()) === JSON.stringify([" + want + "].sort()))");
    }

    @Test
    void aModeratorMovesTwoParticipantsToABreakoutRoomAndOneBack() throws Exception {
        String room = room("breakout");
        List<Participant> all = meeting(room, "Alice", "Bob", "Carol");
        Participant alice = all.get(0);
        Participant bob = all.get(1);
        Participant carol = all.get(2);
        String aliceId = id(alice);
        String bobId = id(bob);
        String carolId = id(carol);

        // "Add breakout room": every page gets the room list with the new room, empty.
        alice.eval("meet.conference.getBreakoutRooms().createBreakoutRoom('Room A')");
        for (Participant p : all) awaitRoomList(p, "Room A");
        String breakoutJid = (String) alice.eval("meet.rooms().find(r => r.name === 'Room A').jid");
        assertThat(breakoutJid).endsWith("@" + StockLayout.BREAKOUT);

        // "Send to breakout room" for Bob and Carol: each page is told to move, leaves the meeting and joins the
        // breakout room's conference as the web app does; with two in it the focus gives both a session there.
        alice.call("sendToRoom", bobId, "Room A");
        alice.call("sendToRoom", carolId, "Room A");
        for (Participant p : List.of(bob, carol)) {
            p.waitFor("meet.saw('MOVED', '" + breakoutJid + "')");
            p.waitFor("meet.inRoom('" + breakoutJid + "')");
        }
        String bobInRoom = id(bob);
        String carolInRoom = id(carol);
        for (Participant p : List.of(bob, carol)) awaitSession(p);
        await().atMost(Duration.ofSeconds(15)).until(() -> jvb.logic.endpoints(breakoutJid).containsAll(List.of(bobInRoom, carolInRoom)));
        alice.waitFor("meet.saw('USER_LEFT', '" + bobId + "') && meet.saw('USER_LEFT', '" + carolId + "')");
        bob.waitFor("meet.idOf('Carol') === '" + carolInRoom + "'");
        // The room list with the two in Room A reaches the main room and the breakout room.
        for (Participant p : all) awaitRoomList(p, "Room A", bobInRoom, carolInRoom);

        // Bob is sent back to the main room: he leaves Room A and is in the meeting again.
        alice.call("sendToRoom", bobInRoom, null);
        bob.waitFor("meet.inRoom('" + roomJid(room) + "')");
        String bobBack = id(bob);
        alice.waitFor("meet.idOf('Bob') === '" + bobBack + "'");
        carol.waitFor("meet.saw('USER_LEFT', '" + bobInRoom + "')");
        for (Participant p : all) awaitRoomList(p, "Room A", carolInRoom);
        awaitSession(bob);
        await().atMost(Duration.ofSeconds(15)).until(() -> jvb.logic.endpoints(roomJid(room)).containsAll(List.of(aliceId, bobBack)));
    }
}
