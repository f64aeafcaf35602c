package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.app.Parley;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.TestSfu;
import org.xmpp.packet.JID;

/**
 * The Jitsi Meet features of the MUC in the stock layout, driven with the stanzas lib-jitsi-meet sends. A user of
 * auth.DOMAIN made an admin of the MUC services opens the rooms, as the focus does (rooms need an admin to start).
 */
class JitsiMeetFeaturesTest {
    static final String DOMAIN = StockLayout.DOMAIN;
    static final String AUTH = StockLayout.AUTH;
    static final String MUC = StockLayout.MUC;
    @RegisterExtension
    static final StockLayoutServer STOCK = new StockLayoutServer("");
    private static StockLayout layout;
    private static Parley parley;
    private Clients web;
    private Clients auth;

    @BeforeAll
    static void start() {
        layout = STOCK.layout();
        parley = STOCK.parley();
    }

    @BeforeEach
    void clients() {
        web = STOCK.web();
        auth = STOCK.auth();
    }

    /** The room's opener (in place of the focus): an admin of the MUC services, nick "focus". */
    JitsiWire opener(String room) throws Exception {
        return layout.opener(auth, room);
    }

    /** An anonymous web app user, as config.js's hosts.domain logs in. */
    JitsiWire guest() throws Exception {
        return layout.guest(web);
    }

    /** The identities of DOMAIN's disco#info, as XMPP._processDiscoInfoIdentities reads them. */
    static String hostIdentities(JitsiWire w) throws Exception {
        return w.iq("host-disco", "<iq type='get' id='host-disco' to='" + DOMAIN + "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    }

    @Test
    void conferenceDurationReachesEveryJoinerOnceTheMeetingStarts() throws Exception {
        String room = "duration@" + MUC;
        JitsiWire focus = opener(room);
        // The focus alone is no meeting yet: the field is there, empty (Prosody's mod_conference_duration).
        assertThat(focus.roomInfoField(room, "muc#roominfo_created_timestamp")).isEmpty();

        JitsiWire alice = guest();
        assertThat(hostIdentities(alice)).contains("<identity category='component' name='conferenceduration." + DOMAIN + "' type='conference_duration'/>");
        long before = System.currentTimeMillis();
        alice.join(room + "/alice1", "Alice");
        String msg = alice.await("the conference duration message", s -> s.startsWith("<message") && s.contains("conference_duration"));
        assertThat(msg).contains("from='conferenceduration." + DOMAIN + "'").contains("<json-message xmlns='http://jitsi.org/jitmeet'>");
        long started = createdTimestamp(msg);
        assertThat(started).isBetween(before - 1000, System.currentTimeMillis());
        // What lib-jitsi-meet reads after joining (ChatRoom.discoRoomInfo -> CONFERENCE_TIMESTAMP_RECEIVED).
        assertThat(alice.roomInfoField(room, "muc#roominfo_created_timestamp")).isEqualTo(Long.toString(started));

        Thread.sleep(20);
        JitsiWire bob = guest();
        bob.join(room + "/bob1", "Bob");
        String late = bob.await("the conference duration message", s -> s.startsWith("<message") && s.contains("conference_duration"));
        assertThat(createdTimestamp(late)).isEqualTo(started);
        assertThat(bob.roomInfoField(room, "muc#roominfo_created_timestamp")).isEqualTo(Long.toString(started));
        // The component answers disco#info with the identity the web app looks for.
        assertThat(bob.iq("c-disco", "<iq type='get' id='c-disco' to='conferenceduration." + DOMAIN + "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"))
                .contains("type='result'").contains("type='conference_duration'");
    }

    /** lib-jitsi-meet's XMPP.sendDominantSpeakerEvent. */
    static void dominantSpeaker(JitsiWire w, String room, boolean silence) throws Exception {
        w.send("<message to='speakerstats." + DOMAIN + "'><speakerstats xmlns='http://jitsi.org/jitmeet' room='" + room
                + "' silence='" + silence + "'/></message>");
    }

    @Test
    void speakerStatsReachALateJoiner() throws Exception {
        String room = "stats@" + MUC;
        JitsiWire focus = opener(room);
        JitsiWire alice = guest();
        assertThat(hostIdentities(alice)).contains("<identity category='component' name='speakerstats." + DOMAIN + "' type='speakerstats'/>");
        alice.join(room + "/alice2", "Alice");
        JitsiWire bob = guest();
        bob.join(room + "/bob2", "Bob");
        // Nobody spoke yet: no stats for a joiner.
        assertThat(bob.drain(300)).noneMatch(s -> s.contains("speakerstats"));

        dominantSpeaker(alice, room, false);
        // lib-jitsi-meet's sendFaceLandmarksEvent.
        alice.send("<message to='speakerstats." + DOMAIN + "'><faceLandmarks xmlns='http://jitsi.org/jitmeet' duration='3'"
                + " faceExpression='happy' room='" + room + "' timestamp='1700000000000'/></message>");
        // A stranger's reports about the room count for nobody and harm nothing.
        JitsiWire mallory = guest();
        dominantSpeaker(mallory, room, false);
        Thread.sleep(400);
        dominantSpeaker(bob, room, false);
        Thread.sleep(200);
        // Bob leaves; his display name stays with his stats.
        bob.send("<presence to='" + room + "/bob2' type='unavailable'/>");
        alice.await("bob gone", s -> s.contains("from='" + room + "/bob2'") && s.contains("type='unavailable'"));

        JitsiWire carol = guest();
        carol.join(room + "/carol2", "Carol");
        String msg = carol.await("the speaker stats", s -> s.startsWith("<message") && s.contains("speakerstats"));
        assertThat(msg).contains("from='speakerstats." + DOMAIN + "'").contains("<json-message xmlns='http://jitsi.org/jitmeet'>");
        Matcher a = Pattern.compile("'alice2':\\{[^}]*'totalDominantSpeakerTime':(\\d+)").matcher(msg);
        assertThat(a.find()).as(msg).isTrue();
        assertThat(Long.parseLong(a.group(1))).isBetween(350L, 5000L);
        assertThat(msg).contains("'faceExpression':'happy'");
        Matcher b = Pattern.compile("'bob2':\\{'displayName':'Bob','totalDominantSpeakerTime':(\\d+)").matcher(msg);
        assertThat(b.find()).as(msg).isTrue();
        assertThat(Long.parseLong(b.group(1))).isBetween(150L, 5000L);
        assertThat(msg).doesNotContain("'focus'").doesNotContain(mallory.jid());
        // Requests the component does not serve are answered, not dropped.
        assertThat(mallory.iq("ss-ping", "<iq type='get' id='ss-ping' to='speakerstats." + DOMAIN + "'><ping xmlns='urn:xmpp:ping'/></iq>"))
                .contains("type='error'").contains("service-unavailable");
        // The room still works for its occupants.
        alice.send("<message to='" + room + "' type='groupchat'><body>still here</body></message>");
        carol.await("the room's message", s -> s.contains("<body>still here</body>"));
        focus.drain(0);
    }

    /** lib-jitsi-meet's Polls.createPoll / answerPoll: ChatRoom.sendPrivateMessage to the component. */
    static void poll(JitsiWire w, String json) throws Exception {
        w.send("<message to='polls." + DOMAIN + "' type='chat'><json-message xmlns='http://jitsi.org/jitmeet'>"
                + json.replace("&", "&amp;").replace("<", "&lt;") + "</json-message></message>");
    }

    @Test
    void pollsReachEveryoneAndALateJoinerGetsThemBounded() throws Exception {
        String room = "polls@" + MUC;
        JitsiWire focus = opener(room);
        JitsiWire alice = guest();
        assertThat(hostIdentities(alice)).contains("<identity category='component' name='polls." + DOMAIN + "' type='polls'/>");
        alice.join(room + "/alice3", "Alice");
        JitsiWire bob = guest();
        bob.join(room + "/bob3", "Bob");

        poll(alice, "{\"answers\":[{\"name\":\"Yes\"},{\"name\":\"No\"}],\"command\":\"new-poll\","
                + "\"pollId\":\"p1\",\"question\":\"Lunch?\",\"type\":\"polls\"}");
        String created = bob.await("the new poll", s -> s.contains("new-poll"));
        assertThat(created).contains("from='polls." + DOMAIN + "'").contains("'senderId':'alice3'").contains("'question':'Lunch?'");
        alice.await("her own poll back", s -> s.contains("new-poll"));

        poll(bob, "{\"answers\":[true,false],\"command\":\"answer-poll\",\"pollId\":\"p1\",\"type\":\"polls\"}");
        String answered = alice.await("bob's answer", s -> s.contains("answer-poll"));
        assertThat(answered).contains("'senderId':'bob3'").contains("'senderName':'Bob'");
        // Bob answers again: his new answer replaces the old one (a flood of answers stays one vote).
        for (int i = 0; i < 20; i++) {
            poll(bob, "{\"answers\":[false,true],\"command\":\"answer-poll\",\"pollId\":\"p1\",\"type\":\"polls\"}");
        }
        for (int i = 0; i < 20; i++) alice.await("answer " + i, s -> s.contains("answer-poll"));

        // A stranger's poll, a duplicate id, a malformed command, an oversized payload: refused, nobody hears of them.
        JitsiWire mallory = guest();
        poll(mallory, "{\"answers\":[{\"name\":\"x\"}],\"command\":\"new-poll\",\"pollId\":\"m\",\"question\":\"?\",\"type\":\"polls\"}");
        assertThat(mallory.await("refusal", s -> s.contains("type='error'"))).contains("not-acceptable");
        poll(alice, "{\"answers\":[{\"name\":\"x\"}],\"command\":\"new-poll\",\"pollId\":\"p1\",\"question\":\"again\",\"type\":\"polls\"}");
        assertThat(alice.await("refusal", s -> s.contains("type='error'"))).contains("not-allowed");
        poll(alice, "{\"answers\":\"no\",\"command\":\"new-poll\",\"pollId\":\"p2\",\"type\":\"polls\"}");
        assertThat(alice.await("refusal", s -> s.contains("type='error'"))).contains("bad-request");
        poll(alice, "{\"answers\":[{\"name\":\"" + "x".repeat(1100) + "\"}],\"command\":\"new-poll\",\"pollId\":\"p3\",\"question\":\"?\",\"type\":\"polls\"}");
        assertThat(alice.await("refusal", s -> s.contains("type='error'"))).contains("not-acceptable").contains("too large");
        assertThat(bob.drain(300)).noneMatch(s -> s.contains("'pollId':'m'") || s.contains("again") || s.contains("'p2'") || s.contains("'p3'"));

        JitsiWire carol = guest();
        carol.join(room + "/carol3", "Carol");
        String old = carol.await("the polls so far", s -> s.contains("old-polls"));
        assertThat(old).contains("from='polls." + DOMAIN + "'").contains("'pollId':'p1'").contains("'question':'Lunch?'")
                .contains("'senderId':'alice3'").contains("'senderName':'Alice'");
        // One vote from Bob, on "No" (his last answer).
        assertThat(old).contains("{'name':'Yes'}").contains("{'name':'No','voters':[{'id':'bob3','name':'Bob'}]}");
        // The room still works.
        alice.send("<message to='" + room + "' type='groupchat'><body>after the poll</body></message>");
        carol.await("the room's message", s -> s.contains("<body>after the poll</body>"));
        focus.drain(0);
    }

    @Test
    void aModeratorEndsTheMeetingForEveryoneAndTheFocusExpiresItOnTheSfu() throws Exception {
        TestSfu jvb = layout.jvb(auth, "jvb-end");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> parley.focus().focus().bridges().get(new JID(jvb.jid())) != null);
            String room = "end-" + System.nanoTime() + "@" + MUC;
            TestParticipant a = TestParticipant.connect(web, room, "aaaa0011", true);
            a.requestConference(room);
            a.enter();
            // The focus makes the first in the room its owner; the second enters once that is settled.
            await().atMost(Duration.ofSeconds(10)).until(() -> role(room, "aaaa0011").equals("moderator"));
            TestParticipant b = TestParticipant.connect(web, room, "bbbb0012", true).enter();
            await().atMost(Duration.ofSeconds(15)).until(() -> a.sid() != null && b.sid() != null && jvb.logic.byRoom(room) != null);
            String meetingId = jvb.logic.byRoom(room).meetingId;
            // The focus makes the first participant a moderator (owner), as Jicofo does.
            await().atMost(Duration.ofSeconds(10)).until(() -> role(room, "aaaa0011").equals("moderator"));
            JitsiWire aw = new JitsiWire(a.connection);
            JitsiWire bw = new JitsiWire(b.connection);
            assertThat(hostIdentities(bw)).contains("<identity category='component' name='endconference." + DOMAIN + "' type='end_conference'/>");

            // lib-jitsi-meet's JitsiConference.end(): <message to='endconference.D'><end_conference/></message>.
            bw.send("<message to='endconference." + DOMAIN + "'><end_conference/></message>");
            assertThat(bw.await("the refusal", s -> s.contains("type='error'"))).contains("<forbidden");
            // An outsider is refused too, and the meeting is unharmed.
            JitsiWire mallory = guest();
            mallory.send("<message to='endconference." + DOMAIN + "'><end_conference/></message>");
            assertThat(mallory.await("the refusal", s -> s.contains("type='error'"))).contains("not-acceptable");
            assertThat(parley.muc().roomInfo(room.substring(0, room.indexOf('@')), MUC).get(5, TimeUnit.SECONDS)).isPresent();
            assertThat(jvb.logic.requests).noneMatch(cm -> cm.expire() && cm.meetingId().equals(meetingId));

            aw.send("<message to='endconference." + DOMAIN + "'><end_conference/></message>");
            String gone = bw.await("the room's end", s -> s.startsWith("<presence") && s.contains("type='unavailable'")
                    && s.contains("from='" + room + "/bbbb0012'"));
            assertThat(gone).contains("<destroy><reason>The meeting has been terminated</reason></destroy>").contains("code='110'");
            aw.await("the room's end", s -> s.contains("<reason>The meeting has been terminated</reason>"));
            await().atMost(Duration.ofSeconds(10)).until(() -> jvb.logic.requests.stream()
                    .anyMatch(cm -> cm.expire() && cm.meetingId().equals(meetingId)));
            assertThat(parley.muc().roomInfo(room.substring(0, room.indexOf('@')), MUC).get(5, TimeUnit.SECONDS)).isEmpty();
            a.close();
            b.close();
        } finally {
            jvb.close();
        }
    }

    @Test
    void audioModerationRefusesAnUnapprovedUnmuteAtTheSfuUntilAModeratorApproves() throws Exception {
        TestSfu jvb = layout.jvb(auth, "jvb-avmod");
        String component = "avmoderation." + DOMAIN;
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> parley.focus().focus().bridges().get(new JID(jvb.jid())) != null);
            String room = "avmod-" + System.nanoTime() + "@" + MUC;
            TestParticipant a = TestParticipant.connect(web, room, "aaaa0021", true);
            JitsiWire aw = new JitsiWire(a.connection);
            a.requestConference(room);
            a.enter();
            await().atMost(Duration.ofSeconds(10)).until(() -> role(room, "aaaa0021").equals("moderator"));
            TestParticipant b = TestParticipant.connect(web, room, "bbbb0022", true);
            JitsiWire bw = new JitsiWire(b.connection);
            b.enter();
            await().atMost(Duration.ofSeconds(15)).until(() -> a.sid() != null && b.sid() != null
                    && jvb.logic.byRoom(room) != null && jvb.logic.byRoom(room).endpoints.get("bbbb0022") != null);
            await().atMost(Duration.ofSeconds(10)).until(() -> role(room, "aaaa0021").equals("moderator"));
            assertThat(hostIdentities(bw)).contains("<identity category='component' name='" + component + "' type='av_moderation'/>");

            // lib-jitsi-meet's AVModeration.enable(true, 'audio') from a non-moderator: refused, nothing changes.
            bw.send("<message to='" + component + "'><av_moderation enable='true' mediaType='audio'/></message>");
            assertThat(bw.await("the refusal", s -> s.contains("type='error'"))).contains("<service-unavailable");
            assertThat(b.mute("bbbb0022", "audio", false).getType()).isEqualTo(org.jivesoftware.smack.packet.IQ.Type.result);
            assertThat(jvb.logic.byRoom(room).endpoints.get("bbbb0022").audioForceMuted).isFalse();

            // The moderator turns audio moderation on: everyone is told, the focus force-mutes the participant.
            aw.send("<message to='" + component + "'><av_moderation enable='true' mediaType='audio'/></message>");
            String on = "'type':'av_moderation','room':'" + room + "','enabled':true,'actor':'" + room + "/aaaa0021','mediaType':'audio'";
            assertThat(bw.await("moderation on", s -> s.contains("'av_moderation'"))).contains(on).contains("from='" + component + "'");
            aw.await("moderation on", s -> s.contains(on));
            await().atMost(Duration.ofSeconds(10)).until(() -> jvb.logic.byRoom(room).endpoints.get("bbbb0022").audioForceMuted);
            assertThat(jvb.logic.byRoom(room).endpoints.get("aaaa0021").audioForceMuted).isFalse();
            // The participant's unmute is refused, and the SFU keeps dropping its audio.
            assertThat(b.mute("bbbb0022", "audio", false).getError().getCondition())
                    .isEqualTo(org.jivesoftware.smack.packet.StanzaError.Condition.not_allowed);
            assertThat(jvb.logic.byRoom(room).endpoints.get("bbbb0022").audioForceMuted).isTrue();

            // It asks to speak (the web app raises its hand); the moderator sees it and approves.
            b.sendPresence("<jitsi_participant_raisedHand xmlns='jabber:client'>" + System.currentTimeMillis()
                    + "</jitsi_participant_raisedHand>");
            aw.await("the raised hand", s -> s.startsWith("<presence") && s.contains("from='" + room + "/bbbb0022'")
                    && s.contains("jitsi_participant_raisedHand"));
            aw.send("<message to='" + component + "'><av_moderation jidToWhitelist='" + room + "/bbbb0022' mediaType='audio'/></message>");
            assertThat(bw.await("the approval", s -> s.contains("'av_moderation'"))).contains("'approved':true")
                    .contains("'mediaType':'audio'").doesNotContain("whitelists");
            assertThat(aw.await("the whitelist", s -> s.contains("'whitelists'")))
                    .contains("'whitelists':{'audio':['" + room + "/bbbb0022']}");
            await().atMost(Duration.ofSeconds(10)).until(() -> b.mute("bbbb0022", "audio", false).getType()
                    == org.jivesoftware.smack.packet.IQ.Type.result);
            await().atMost(Duration.ofSeconds(10)).until(() -> !jvb.logic.byRoom(room).endpoints.get("bbbb0022").audioForceMuted);

            // A joiner learns that audio is moderated.
            TestParticipant c = TestParticipant.connect(web, room, "cccc0023", true);
            JitsiWire cw = new JitsiWire(c.connection);
            c.enter();
            cw.await("the current state", s -> s.contains(on));
            // The moderator rejects the participant again: it is told, the moderators get the shorter list.
            aw.send("<message to='" + component + "'><av_moderation jidToBlacklist='" + room + "/bbbb0022' mediaType='audio'/></message>");
            assertThat(bw.await("the rejection", s -> s.contains("'av_moderation'"))).contains("'removed':true");
            assertThat(aw.await("the whitelist", s -> s.contains("'whitelists'"))).contains("'whitelists':{'audio':[]}");
            // A bad media type from the moderator is refused too.
            aw.send("<message to='" + component + "'><av_moderation enable='true' mediaType='screen'/></message>");
            assertThat(aw.await("the refusal", s -> s.contains("type='error'"))).contains("<service-unavailable");
            a.close();
            b.close();
            c.close();
        } finally {
            jvb.close();
        }
    }

    private static String role(String room, String nick) throws Exception {
        var info = parley.muc().roomInfo(room.substring(0, room.indexOf('@')), MUC).get(5, TimeUnit.SECONDS);
        return info.flatMap(i -> i.participants().stream().filter(p -> p.nick().equals(nick)).findFirst())
                .map(p -> p.role()).orElse("");
    }

    /** The JSON payload's created_timestamp (JitsiWire shows double quotes as single ones). */
    static long createdTimestamp(String message) {
        Matcher m = Pattern.compile("'type':'conference_duration','created_timestamp':(\\d+)").matcher(message);
        assertThat(m.find()).as(message).isTrue();
        return Long.parseLong(m.group(1));
    }
}
