package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.app.Parley;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.TestSfu;
import org.xmpp.packet.JID;

/**
 * Breakout rooms (Jitsi's mod_muc_breakout_rooms) in the stock layout, driven with the messages lib-jitsi-meet's
 * BreakoutRooms sends to {@code breakout.<domain>} and the moves the web app makes (leave the conference, ask the
 * focus for the other room's, join it), with the test SFU recording the conferences the focus allocates.
 */
class BreakoutRoomsTest {
    static final String DOMAIN = StockLayout.DOMAIN;
    static final String MUC = StockLayout.MUC;
    static final String BREAKOUT = StockLayout.BREAKOUT;
    private static StockLayout layout;
    private static Parley parley;
    private Clients web;
    private Clients auth;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        layout = StockLayout.start("parley.muc.jitsi.breakout-rooms.max-rooms = 4");
        parley = layout.parley;
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
        for (AutoCloseable c : closing) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        closing.clear();
        web.close();
        auth.close();
    }

    private TestSfu jvb(String nick) throws Exception {
        TestSfu jvb = layout.jvb(auth, nick);
        closing.add(jvb);
        await().atMost(Duration.ofSeconds(10)).until(() -> parley.focus().focus().bridges().get(new JID(jvb.jid())) != null);
        return jvb;
    }

    /** Joins {@code room} as the web app does (conference request, then the room); the first becomes moderator. */
    private TestParticipant join(String room, String nick) throws Exception {
        TestParticipant p = TestParticipant.connect(web, room, nick, true);
        closing.add(0, p);
        p.join();
        await().atMost(Duration.ofSeconds(10)).until(() -> !role(room, nick).isEmpty());
        return p;
    }

    /** The web app's moveToRoom: leave, ask the focus for the other room's conference, join it. */
    private TestParticipant move(TestParticipant p, String room) throws Exception {
        TestParticipant moved = p.moveTo(room);
        closing.add(0, moved);
        moved.join();
        return moved;
    }

    private static String role(String room, String nick) throws Exception {
        String node = room.substring(0, room.indexOf('@'));
        String domain = room.substring(room.indexOf('@') + 1);
        var info = parley.muc().roomInfo(node, domain).get(5, TimeUnit.SECONDS);
        return info.flatMap(i -> i.participants().stream().filter(p -> p.nick().equals(nick)).findFirst())
                .map(p -> p.role()).orElse("");
    }

    private static boolean roomExists(String room) throws Exception {
        String node = room.substring(0, room.indexOf('@'));
        return parley.muc().roomInfo(node, room.substring(room.indexOf('@') + 1)).get(5, TimeUnit.SECONDS).isPresent();
    }

    /** lib-jitsi-meet's BreakoutRooms._sendMessage: the request's fields as attributes of {@code <breakout_rooms/>}. */
    static void request(JitsiWire w, String attributes) throws Exception {
        w.send("<message to='" + BREAKOUT + "'><breakout_rooms " + attributes + "/></message>");
    }

    static void add(JitsiWire w, String subject) throws Exception {
        request(w, "type='features/breakout-rooms/add' subject='" + subject + "'");
    }

    static void sendTo(JitsiWire w, String participantJid, String roomJid) throws Exception {
        request(w, "type='features/breakout-rooms/move-to-room' participantJid='" + participantJid + "' roomJid='" + roomJid + "'");
    }

    /** The JSON of a json-message from the breakout service (JitsiWire shows double quotes as single ones). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String stanza) throws Exception {
        int start = stanza.indexOf('>', stanza.indexOf("<json-message")) + 1;
        String text = stanza.substring(start, stanza.indexOf("</json-message>")).replace('\'', '"');
        return JSONObjectUtils.parse(text);
    }

    static boolean fromBreakout(String s, String event) {
        return s.startsWith("<message") && s.contains("from='" + BREAKOUT + "'") && s.contains("'event':'" + event + "'");
    }

    /** The next room-list update that satisfies {@code check}; returns its rooms by id. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> update(JitsiWire w, String what, Predicate<Map<String, Map<String, Object>>> check)
            throws Exception {
        String s = w.await(what, m -> {
            if (!fromBreakout(m, "features/breakout-rooms/update")) return false;
            try {
                return check.test((Map<String, Map<String, Object>>) (Map<String, ?>) json(m).get("rooms"));
            } catch (Exception e) {
                return false;
            }
        });
        return (Map<String, Map<String, Object>>) (Map<String, ?>) json(s).get("rooms");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> participants(Map<String, Object> room) {
        return (Map<String, Object>) room.get("participants");
    }

    static List<Map<String, Object>> breakouts(Map<String, Map<String, Object>> rooms) {
        return rooms.values().stream().filter(r -> !Boolean.TRUE.equals(r.get("isMainRoom"))).toList();
    }

    static String jidOf(Map<String, Map<String, Object>> rooms, String name) {
        return breakouts(rooms).stream().filter(r -> name.equals(r.get("name"))).map(r -> (String) r.get("jid")).findFirst().orElseThrow();
    }

    static boolean inRoom(Map<String, Map<String, Object>> rooms, String roomJid, String realJid) {
        return rooms.values().stream().filter(r -> roomJid.equals(r.get("jid"))).anyMatch(r -> participants(r).values().stream()
                .anyMatch(p -> realJid.equals(((Map<?, ?>) p).get("jid"))));
    }

    @Test
    void threeBreakoutRoomsMovesInAndOutEveryoneSeesTheListAndTheCallMovesToAConferenceOfItsOwn() throws Exception {
        TestSfu jvb = jvb("jvb-breakout");
        String main = "breakout-" + System.nanoTime() + "@" + MUC;
        TestParticipant mod = join(main, "mod00001");
        await().atMost(Duration.ofSeconds(10)).until(() -> role(main, "mod00001").equals("moderator"));
        TestParticipant bob = join(main, "bob00002");
        TestParticipant carol = join(main, "carol003");
        JitsiWire modW = new JitsiWire(mod.connection);
        JitsiWire bobW = new JitsiWire(bob.connection);
        JitsiWire carolW = new JitsiWire(carol.connection);
        await().atMost(Duration.ofSeconds(15)).until(() -> bob.sid() != null && carol.sid() != null && jvb.logic.byRoom(main) != null);
        String mainMeeting = jvb.logic.byRoom(main).meetingId;

        // lib-jitsi-meet finds the service in the host's identities and asks it whether rooms can be renamed.
        String host = modW.iq("host-disco", "<iq type='get' id='host-disco' to='" + DOMAIN + "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        assertThat(host).contains("<identity category='component' name='" + BREAKOUT + "' type='breakout_rooms'/>");
        String features = modW.iq("br-disco", "<iq type='get' id='br-disco' to='" + BREAKOUT
                + "'><query xmlns='http://jabber.org/protocol/disco#info' node='breakout_rooms'/></iq>");
        assertThat(features).contains("type='result'").contains("http://jitsi.org/protocol/breakout_rooms#rename");
        assertThat(modW.roomInfoField(main, "muc#roominfo_isbreakout")).isNull();

        for (String name : List.of("Room 1", "Room 2", "Room 3")) add(modW, name);
        Predicate<Map<String, Map<String, Object>>> three = r -> breakouts(r).size() == 3;
        Map<String, Map<String, Object>> rooms = update(bobW, "three breakout rooms", three);
        update(carolW, "three breakout rooms", three);
        update(modW, "three breakout rooms", three);
        assertThat(rooms.get(main.substring(0, main.indexOf('@')))).containsEntry("isMainRoom", true).containsEntry("jid", main);
        assertThat(participants(rooms.get(main.substring(0, main.indexOf('@'))))).containsKeys(main + "/mod00001", main + "/bob00002",
                main + "/carol003").doesNotContainKey(main + "/focus");
        String room1 = jidOf(rooms, "Room 1");
        String room2 = jidOf(rooms, "Room 2");
        String room3 = jidOf(rooms, "Room 3");
        assertThat(room1).endsWith("@" + BREAKOUT);

        // A non-moderator and an outsider get what Prosody answers; the list and the meeting are unharmed.
        add(bobW, "Mine");
        assertThat(bobW.await("the refusal", s -> s.contains("type='error'") && s.contains("from='" + BREAKOUT + "'")))
                .contains("<service-unavailable");
        sendTo(bobW, carol.connection.getUser().toString(), room1);
        request(bobW, "type='features/breakout-rooms/remove' breakoutRoomJid='" + room1 + "'");
        request(bobW, "type='features/breakout-rooms/rename' breakoutRoomJid='" + room1 + "' subject='Hijacked'");
        for (int i = 0; i < 3; i++) {
            assertThat(bobW.await("the refusal", s -> s.contains("type='error'") && s.contains("from='" + BREAKOUT + "'")))
                    .contains("<service-unavailable");
        }
        JitsiWire outsider = layout.guest(web);
        add(outsider, "Mine");
        assertThat(outsider.await("the refusal", s -> s.contains("type='error'"))).contains("<service-unavailable");
        assertThat(carolW.drain(700)).noneMatch(s -> fromBreakout(s, "features/breakout-rooms/move-to-room")
                || (fromBreakout(s, "features/breakout-rooms/update") && (s.contains("Mine") || s.contains("Hijacked"))));
        assertThat(jvb.logic.byRoom(main).endpoints).containsKeys("mod00001", "bob00002", "carol003");

        // The moderator moves bob and carol to Room 1: they are told, and their calls move to a conference of its own
        // (the focus, as Jicofo, starts one once two are in).
        sendTo(modW, bob.connection.getUser().toString(), room1);
        String told = bobW.await("the move", s -> fromBreakout(s, "features/breakout-rooms/move-to-room"));
        assertThat(json(told)).containsEntry("roomJid", room1).containsEntry("type", "breakout_rooms");
        sendTo(modW, carol.connection.getUser().toString(), room1);
        carolW.await("the move", s -> fromBreakout(s, "features/breakout-rooms/move-to-room") && s.contains(room1));
        String firstSid = bob.sid();
        TestParticipant bobIn1 = move(bob, room1);
        TestParticipant carolIn1 = move(carol, room1);
        await().atMost(Duration.ofSeconds(15)).until(() -> bobIn1.sid() != null && carolIn1.sid() != null
                && jvb.logic.byRoom(room1) != null && jvb.logic.byRoom(room1).endpoints.containsKey("bob00002")
                && jvb.logic.byRoom(room1).endpoints.containsKey("carol003"));
        assertThat(bobIn1.sid()).isNotEqualTo(firstSid);
        String breakoutMeeting = jvb.logic.byRoom(room1).meetingId;
        assertThat(breakoutMeeting).isNotEqualTo(mainMeeting);
        // The breakout room names its main room (what lib-jitsi-meet and Jicofo read) and has its own meeting id.
        assertThat(bobW.roomInfoField(room1, "muc#roominfo_isbreakout")).isEqualTo("1");
        assertThat(bobW.roomInfoField(room1, "muc#roominfo_breakout_main_room")).isEqualTo(main);
        assertThat(bobW.roomInfoField(room1, "muc#roominfo_meetingId")).isEqualTo(breakoutMeeting);
        assertThat(bobW.roomInfoField(room1, "muc#roominfo_breakout_main_meetingId")).isEqualTo(mainMeeting);
        // Jicofo reads the same from the owner's configuration form (bob, first in, is the owner there).
        await().atMost(Duration.ofSeconds(10)).until(() -> role(room1, "bob00002").equals("moderator"));
        String form = bobW.iq("owner-form", "<iq type='get' id='owner-form' to='" + room1
                + "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        assertThat(form).contains("var='muc#roominfo_breakout_main_room'").contains("<value>" + main + "</value>")
                .contains("var='muc#roominfo_isbreakout'");
        // Its subject is its name, as Prosody sets it (the web app shows the subject as the meeting's name).
        assertThat(bobW.roomInfoField(room1, "muc#roominfo_subject")).isEqualTo("Room 1");
        // Everyone sees them in Room 1, the moved ones included.
        Predicate<Map<String, Map<String, Object>>> bothIn1 = r -> inRoom(r, room1, bob.connection.getUser().toString())
                && inRoom(r, room1, carol.connection.getUser().toString());
        update(modW, "bob and carol in Room 1", bothIn1);
        update(bobW, "bob and carol in Room 1", bothIn1);

        // Carol on to Room 2, and bob from Room 1 back to the main room (moves out).
        sendTo(modW, carol.connection.getUser().toString(), room2);
        carolW.await("the move", s -> fromBreakout(s, "features/breakout-rooms/move-to-room") && s.contains(room2));
        TestParticipant carolIn2 = move(carolIn1, room2);
        sendTo(modW, bob.connection.getUser().toString(), main);
        bobW.await("the move back", s -> fromBreakout(s, "features/breakout-rooms/move-to-room") && s.contains("'roomJid':'" + main + "'"));
        TestParticipant bobBack = move(bobIn1, main);
        await().atMost(Duration.ofSeconds(15)).until(() -> jvb.logic.byRoom(main) != null && bobBack.sid() != null
                && jvb.logic.byRoom(main).endpoints.containsKey("bob00002"));
        update(modW, "bob back, carol in Room 2", r -> inRoom(r, main, bob.connection.getUser().toString())
                && inRoom(r, room2, carol.connection.getUser().toString()) && participants(r.get(room1.substring(0, room1.indexOf('@')))).isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> jvb.logic.byRoom(room1) == null);

        // Renaming shows in everyone's list, and as the subject in the room.
        request(modW, "type='features/breakout-rooms/rename' breakoutRoomJid='" + room2 + "' subject='Quiet corner'");
        update(bobW, "the new name", r -> breakouts(r).stream().anyMatch(b -> "Quiet corner".equals(b.get("name"))));
        carolW.await("the new subject", s -> s.startsWith("<message") && s.contains("from='" + room2 + "'")
                && s.contains("<subject>Quiet corner</subject>"));
        request(modW, "type='features/breakout-rooms/rename' breakoutRoomJid='" + room3 + "' subject='Room three'");
        update(carolW, "the other new name", r -> breakouts(r).stream().anyMatch(b -> "Room three".equals(b.get("name"))));

        // Removing Room 2 sends carol back to the main room (the destroy names it) and ends its conference.
        request(modW, "type='features/breakout-rooms/remove' breakoutRoomJid='" + room2 + "'");
        String gone = carolW.await("Room 2's end", s -> s.startsWith("<presence") && s.contains("from='" + room2 + "/carol003'")
                && s.contains("<destroy"));
        assertThat(gone).contains("jid='" + main + "'").contains("Breakout room removed.");
        update(modW, "two breakout rooms", r -> breakouts(r).size() == 2 && !r.containsKey(room2.substring(0, room2.indexOf('@'))));
        assertThat(roomExists(room2)).isFalse();
        TestParticipant carolBack = move(carolIn2, main);
        await().atMost(Duration.ofSeconds(15)).until(() -> carolBack.sid() != null
                && jvb.logic.byRoom(main).endpoints.containsKey("carol003"));
        update(bobW, "everyone back", r -> participants(r.get(main.substring(0, main.indexOf('@')))).size() == 3);
    }

    @Test
    void theMainRoomStaysWhilePeopleAreInBreakoutRoomsAndTheyEndWithIt() throws Exception {
        jvb("jvb-breakout-end");
        String main = "breakend-" + System.nanoTime() + "@" + MUC;
        TestParticipant mod = join(main, "mod00011");
        await().atMost(Duration.ofSeconds(10)).until(() -> role(main, "mod00011").equals("moderator"));
        TestParticipant bob = join(main, "bob00012");
        JitsiWire modW = new JitsiWire(mod.connection);
        JitsiWire bobW = new JitsiWire(bob.connection);
        add(modW, "Room A");
        add(modW, "Room B");
        var rooms = update(modW, "two rooms", r -> breakouts(r).size() == 2);
        String roomA = jidOf(rooms, "Room A");
        String roomB = jidOf(rooms, "Room B");

        // Everyone goes to breakout rooms: the main room empties (its conference ends) but stays.
        sendTo(modW, bob.connection.getUser().toString(), roomA);
        bobW.await("the move", s -> fromBreakout(s, "features/breakout-rooms/move-to-room"));
        TestParticipant bobInA = move(bob, roomA);
        // bob is first in Room A, so the focus makes him its owner; the meeting's moderator, who comes next, is one
        // there too, as the main room's owner (Prosody bases breakout rooms' affiliations on the main room's).
        await().atMost(Duration.ofSeconds(15)).until(() -> role(roomA, "bob00012").equals("moderator"));
        TestParticipant modInA = move(mod, roomA);
        await().atMost(Duration.ofSeconds(15)).until(() -> role(roomA, "mod00011").equals("moderator"));
        await().atMost(Duration.ofSeconds(15)).until(() -> parley.muc().roomInfo(main.substring(0, main.indexOf('@')), MUC)
                .get(5, TimeUnit.SECONDS).map(i -> i.participants().stream().allMatch(p -> p.focus())).orElse(false));
        Thread.sleep(6000);
        assertThat(roomExists(main)).as("the main room, kept while people are in its breakout rooms").isTrue();
        // The moderator in a breakout room still manages the meeting, and sees the list.
        add(modW, "Room C");
        update(bobW, "three rooms, seen in Room A", r -> breakouts(r).size() == 3 && inRoom(r, roomA, bob.connection.getUser().toString()));

        // Ending the meeting (mod_end_conference from the main room's owner) ends the breakout rooms with it.
        TestParticipant modBack = move(modInA, main);
        await().atMost(Duration.ofSeconds(15)).until(() -> role(main, "mod00011").equals("moderator"));
        modW.send("<message to='endconference." + DOMAIN + "'><end_conference/></message>");
        String gone = bobW.await("Room A's end", s -> s.startsWith("<presence") && s.contains("from='" + roomA + "/bob00012'")
                && s.contains("<destroy"));
        assertThat(gone).contains("The meeting has been terminated");
        await().atMost(Duration.ofSeconds(10)).until(() -> !roomExists(main) && !roomExists(roomA) && !roomExists(roomB));
        assertThat(bobInA.connection.isConnected()).isTrue();
        assertThat(modBack.connection.isConnected()).isTrue();
    }

    @Test
    void whenEveryoneHasLeftEveryRoomTheMeetingEndsAndBoundsHold() throws Exception {
        jvb("jvb-breakout-bounds");
        String main = "breakbound-" + System.nanoTime() + "@" + MUC;
        TestParticipant mod = join(main, "mod00021");
        await().atMost(Duration.ofSeconds(10)).until(() -> role(main, "mod00021").equals("moderator"));
        JitsiWire modW = new JitsiWire(mod.connection);
        // Names are bounded, and so is the number of rooms (max-rooms = 4 here).
        add(modW, "x".repeat(201));
        assertThat(modW.await("the refusal", s -> s.contains("type='error'"))).contains("<not-acceptable");
        for (int i = 0; i < 5; i++) add(modW, "R" + i);
        assertThat(modW.await("the refusal", s -> s.contains("type='error'"))).contains("<resource-constraint");
        var rooms = update(modW, "four rooms", r -> breakouts(r).size() == 4);
        String r0 = jidOf(rooms, "R0");
        // A room nobody added cannot be opened on the breakout service, by the focus or anyone.
        TestParticipant stray = TestParticipant.connect(web, "stray@" + BREAKOUT, "stray001", true);
        closing.add(0, stray);
        boolean strayReady;
        try {
            strayReady = Boolean.TRUE.equals(stray.requestConference().ready());
        } catch (Exception refused) {
            strayReady = false;
        }
        assertThat(strayReady).isFalse();
        assertThat(roomExists("stray@" + BREAKOUT)).isFalse();

        TestParticipant modIn0 = move(mod, r0);
        await().atMost(Duration.ofSeconds(15)).until(() -> !role(r0, "mod00021").isEmpty());
        modIn0.leave();
        // Nobody in any room: after close-after the meeting and its breakout rooms are gone.
        await().atMost(Duration.ofSeconds(20)).until(() -> !roomExists(main) && !roomExists(r0));
    }

    @Test
    void aFloodOfMovesIsHeldBackByTheSessionRateAndHarmsNobody() throws Exception {
        String main = "breakflood-" + System.nanoTime() + "@" + MUC;
        JitsiWire opener = layout.opener(auth, main);
        JitsiWire mod = layout.guest(web);
        mod.join(main + "/mod00031", "Mod");
        opener.send("<iq type='set' id='own' to='" + main + "'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner' jid='"
                + new JID(mod.jid()).toBareJID() + "'/></query></iq>");
        opener.await("owner", s -> s.contains("id='own'"));
        JitsiWire bob = layout.guest(web);
        bob.join(main + "/bob00032", "Bob");
        JitsiWire carol = layout.guest(web);
        carol.join(main + "/carol033", "Carol");
        add(mod, "Flood");
        String room = jidOf(update(mod, "the room", r -> breakouts(r).size() == 1), "Flood");

        int n = 1200;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) sendTo(mod, bob.jid(), room);
        // Meanwhile others are served promptly.
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            carol.iq("p" + i, "<iq type='get' id='p" + i + "' to='" + DOMAIN + "'><ping xmlns='urn:xmpp:ping'/></iq>");
            assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(2));
        }
        int got = 0;
        long last = start;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (got < n && System.nanoTime() < end) {
            for (String s : bob.drain(100)) {
                if (fromBreakout(s, "features/breakout-rooms/move-to-room")) {
                    got++;
                    last = System.nanoTime();
                }
            }
        }
        assertThat(got).isEqualTo(n);
        // stanzas-per-second = 200 with a burst of 400: about 4 s for the last move (less what one read batch holds
        // beyond the rate before reading pauses); unthrottled they all pass in well under a second.
        assertThat(Duration.ofNanos(last - start)).isGreaterThan(Duration.ofMillis(1500));
        // The meeting is unharmed: the moderator is still in, and still manages it.
        add(mod, "After");
        var after = update(carol, "the next room", r -> breakouts(r).size() == 2);
        assertThat(participants(after.get(main.substring(0, main.indexOf('@'))))).containsEntry(main + "/carol033",
                Map.of("jid", carol.jid(), "role", "participant", "displayName", "Carol"));
        // A new display name (lib-jitsi-meet's presence with <nick/>) shows in the next list.
        carol.send("<presence to='" + main + "/carol033'><nick xmlns='http://jabber.org/protocol/nick'>Caroline</nick></presence>");
        update(mod, "the new display name", r -> participants(r.get(main.substring(0, main.indexOf('@')))).toString().contains("Caroline"));
        assertThat(role(main, "mod00031")).isEqualTo("moderator");
    }
}
