package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.app.Parley;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.TestSfu;
import org.xmpp.packet.JID;

/**
 * The web app's participant menu (kick, grant and revoke moderator) and what it does to audio/video moderation, in
 * the stock layout with the focus and a test SFU, with the IQs lib-jitsi-meet sends (ChatRoom.kick,
 * ChatRoom.setAffiliation: an item naming the occupant by nick, with a reason).
 */
class ModerationMenuTest {
    static final String DOMAIN = StockLayout.DOMAIN;
    static final String MUC = StockLayout.MUC;
    static final String AVMOD = "avmoderation." + DOMAIN;
    @RegisterExtension
    static final StockLayoutServer STOCK = new StockLayoutServer("");
    private static StockLayout layout;
    private static Parley parley;
    private Clients web;
    private Clients auth;
    private TestSfu jvb;

    @BeforeAll
    static void start() {
        layout = STOCK.layout();
        parley = STOCK.parley();
    }

    @BeforeEach
    void clients() throws Exception {
        web = STOCK.web();
        auth = STOCK.auth();
        jvb = STOCK.closeAfterTest(layout.jvb(auth, "jvb-menu"));
        await().atMost(Duration.ofSeconds(10)).until(() -> parley.focus().focus().bridges().get(new JID(jvb.jid())) != null);
    }

    private List<TestParticipant> meeting(String room, String... nicks) throws Exception {
        List<TestParticipant> ps = new ArrayList<>();
        for (String nick : nicks) {
            TestParticipant p = TestParticipant.connect(web, room, nick, true);
            STOCK.closeAfterTest(p);
            if (ps.isEmpty()) {
                p.requestConference(room);
                p.enter();
                await().atMost(Duration.ofSeconds(10)).until(() -> role(room, nick).equals("moderator"));
            } else {
                p.enter();
            }
            ps.add(p);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> ps.stream().allMatch(p -> p.sid() != null && endpoint(room, p.nick) != null));
        return ps;
    }

    private SfuLogic.Ep endpoint(String room, String nick) {
        SfuLogic.Conf c = jvb.logic.byRoom(room);
        return c == null ? null : c.endpoints.get(nick);
    }

    private static String role(String room, String nick) throws Exception {
        var info = parley.muc().roomInfo(room.substring(0, room.indexOf('@')), MUC).get(5, TimeUnit.SECONDS);
        return info.flatMap(i -> i.participants().stream().filter(p -> p.nick().equals(nick)).findFirst())
                .map(p -> p.role()).orElse("");
    }

    /** lib-jitsi-meet's ChatRoom.kick(jid, reason). */
    private static String kick(JitsiWire w, String room, String nick, String id) throws Exception {
        return w.iq(id, "<iq type='set' id='" + id + "' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='" + nick + "' role='none'><reason>You have been kicked.</reason></item></query></iq>");
    }

    /** lib-jitsi-meet's ChatRoom.setAffiliation(jid, affiliation): grantOwner with 'owner', revokeOwner with 'none'. */
    private static String affiliation(JitsiWire w, String room, String nick, String affiliation, String id) throws Exception {
        return w.iq(id, "<iq type='set' id='" + id + "' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item affiliation='" + affiliation + "' nick='" + nick + "'><reason>Your affiliation has been changed to '"
                + affiliation + "'.</reason></item></query></iq>");
    }

    private static boolean presenceOf(String s, String room, String nick) {
        return s.startsWith("<presence") && s.contains("from='" + room + "/" + nick + "'");
    }

    @Test
    void kickGrantAndRevokeModeratorFromTheParticipantMenu() throws Exception {
        String room = "menu-" + System.nanoTime() + "@" + MUC;
        List<TestParticipant> ps = meeting(room, "aaaa0031", "bbbb0032", "cccc0033");
        JitsiWire a = new JitsiWire(ps.get(0).connection);
        JitsiWire b = new JitsiWire(ps.get(1).connection);
        JitsiWire c = new JitsiWire(ps.get(2).connection);

        // A participant's menu actions are refused by the room, and nothing changes.
        assertThat(kick(b, room, "cccc0033", "b-kick")).contains("type='error'").contains("<forbidden");
        assertThat(affiliation(b, room, "bbbb0032", "owner", "b-own")).contains("type='error'").contains("<forbidden");
        assertThat(role(room, "cccc0033")).isEqualTo("participant");
        assertThat(role(room, "bbbb0032")).isEqualTo("participant");

        // The moderator grants moderator rights: everyone sees the new owner and moderator in its presence.
        assertThat(affiliation(a, room, "bbbb0032", "owner", "a-own")).contains("type='result'");
        for (JitsiWire w : List.of(a, b, c)) {
            w.await("b made moderator", s -> presenceOf(s, room, "bbbb0032") && s.contains("affiliation='owner'")
                    && s.contains("role='moderator'"));
        }

        // The new moderator kicks c: c is told it was kicked (307 and 110, who and why); the others see it go.
        // (Who: the item's <actor nick/>, which Smack parses but does not write back out, so it is read parsed.)
        List<String> actors = new java.util.concurrent.CopyOnWriteArrayList<>();
        ps.get(2).connection.addSyncStanzaListener(st -> {
            MUCUser u = MUCUser.from(st);
            if (u != null && u.getItem() != null && u.getItem().getActorNick() != null) actors.add(u.getItem().getActorNick().toString());
        }, st -> st instanceof org.jivesoftware.smack.packet.Presence);
        assertThat(kick(b, room, "cccc0033", "b-kick2")).contains("type='result'");
        String kicked = c.await("its kick", s -> presenceOf(s, room, "cccc0033") && s.contains("type='unavailable'"));
        assertThat(kicked).contains("code='307'").contains("code='110'").contains("<reason>You have been kicked.</reason>");
        // Smack's listeners run apart from the one that saw the presence: wait for the parsed one too.
        await().atMost(Duration.ofSeconds(5)).until(() -> !actors.isEmpty());
        assertThat(actors).containsExactly("bbbb0032");
        String seen = a.await("c kicked", s -> presenceOf(s, room, "cccc0033") && s.contains("type='unavailable'"));
        assertThat(seen).contains("code='307'").doesNotContain("code='110'");
        // The focus ends its session: its endpoint is expired on the SFU.
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, "cccc0033") == null);

        // Revoked (revokeOwner on someone else: affiliation none): a participant again, and its menu is refused again.
        assertThat(affiliation(a, room, "bbbb0032", "none", "a-none")).contains("type='result'");
        a.await("b a participant again", s -> presenceOf(s, room, "bbbb0032") && s.contains("affiliation='none'")
                && s.contains("role='participant'"));
        assertThat(kick(b, room, "aaaa0031", "b-kick3")).contains("type='error'").contains("<forbidden");
        assertThat(role(room, "aaaa0031")).isEqualTo("moderator");
        assertThat(endpoint(room, "aaaa0031")).isNotNull();
    }

    @Test
    void aModeratorUnderAudioModerationMayUnmuteAndLosesItWithItsRights() throws Exception {
        String room = "menu-av-" + System.nanoTime() + "@" + MUC;
        List<TestParticipant> ps = meeting(room, "aaaa0041", "bbbb0042");
        TestParticipant bob = ps.get(1);
        JitsiWire a = new JitsiWire(ps.get(0).connection);
        JitsiWire b = new JitsiWire(bob.connection);

        a.send("<message to='" + AVMOD + "'><av_moderation enable='true' mediaType='audio'/></message>");
        b.await("moderation on", s -> s.contains("'enabled':true"));
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, "bbbb0042").audioForceMuted);
        assertThat(bob.mute("bbbb0042", "audio", false).getError().getCondition()).isEqualTo(StanzaError.Condition.not_allowed);

        // Made moderator: it gets the whitelists as every moderator (mod_av_moderation_component), and may unmute.
        assertThat(affiliation(a, room, "bbbb0042", "owner", "own")).contains("type='result'");
        String lists = b.await("the whitelists", s -> s.contains("'whitelists'"));
        assertThat(lists).contains("from='" + AVMOD + "'").contains("'whitelists':{'audio':[]}");
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.mute("bbbb0042", "audio", false).getType() == IQ.Type.result);
        await().atMost(Duration.ofSeconds(10)).until(() -> !endpoint(room, "bbbb0042").audioForceMuted);
        int mutes = bob.mutedBy.size();

        // Demoted while speaking: the SFU stops its audio at once and it is told; its unmute is refused again.
        assertThat(affiliation(a, room, "bbbb0042", "none", "none")).contains("type='result'");
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, "bbbb0042").audioForceMuted);
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.mutedBy.size() == mutes + 1);
        assertThat(bob.mutedBy.get(mutes)).contains("http://jitsi.org/jitmeet/audio").contains(">true</mute>").doesNotContain("actor");
        assertThat(bob.mute("bbbb0042", "audio", false).getError().getCondition()).isEqualTo(StanzaError.Condition.not_allowed);
        assertThat(endpoint(room, "bbbb0042").videoForceMuted).isFalse();

        // Approved, it speaks; rejected again, the SFU stops it again.
        a.send("<message to='" + AVMOD + "'><av_moderation jidToWhitelist='" + room + "/bbbb0042' mediaType='audio'/></message>");
        b.await("the approval", s -> s.contains("'approved':true"));
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.mute("bbbb0042", "audio", false).getType() == IQ.Type.result);
        await().atMost(Duration.ofSeconds(10)).until(() -> !endpoint(room, "bbbb0042").audioForceMuted);
        a.send("<message to='" + AVMOD + "'><av_moderation jidToBlacklist='" + room + "/bbbb0042' mediaType='audio'/></message>");
        b.await("the rejection", s -> s.contains("'removed':true"));
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint(room, "bbbb0042").audioForceMuted);
        // The moderator was never touched.
        assertThat(endpoint(room, "aaaa0041").audioForceMuted).isFalse();
    }

    /** lib-jitsi-meet's ChatRoom.muteParticipant for screen share (mediaType 'desktop'). */
    private static IQ desktop(TestParticipant from, String room, String nick, boolean mute) throws Exception {
        return from.toFocus("<mute xmlns='http://jitsi.org/jitmeet/desktop' jid='" + room + "/" + nick + "'>" + mute + "</mute>");
    }

    @Test
    void screenShareModerationAsCurrentLibJitsiMeetAsksForIt() throws Exception {
        String room = "menu-desk-" + System.nanoTime() + "@" + MUC;
        List<TestParticipant> ps = meeting(room, "aaaa0061", "bbbb0062");
        TestParticipant mod = ps.get(0);
        TestParticipant bob = ps.get(1);
        JitsiWire a = new JitsiWire(mod.connection);
        JitsiWire b = new JitsiWire(bob.connection);

        // AVModeration.enable(true, 'desktop'): everyone is told, the focus tells the participant to stop sharing.
        a.send("<message to='" + AVMOD + "'><av_moderation enable='true' mediaType='desktop'/></message>");
        assertThat(b.await("moderation on", s -> s.contains("'av_moderation'"))).contains("'enabled':true").contains("'mediaType':'desktop'");
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.mutedBy.size() == 1);
        assertThat(bob.mutedBy.get(0)).startsWith(room + "/focus ").contains("http://jitsi.org/jitmeet/desktop")
                .contains(">true</mute>").doesNotContain("actor");
        // Its own unmute of the screen share is refused; the moderator's is not.
        assertThat(desktop(bob, room, "bbbb0062", false).getError().getCondition()).isEqualTo(StanzaError.Condition.not_allowed);
        assertThat(desktop(mod, room, "aaaa0061", false).getType()).isEqualTo(IQ.Type.result);
        // Approved for desktop: it may share.
        a.send("<message to='" + AVMOD + "'><av_moderation jidToWhitelist='" + room + "/bbbb0062' mediaType='desktop'/></message>");
        assertThat(b.await("the approval", s -> s.contains("'approved':true"))).contains("'mediaType':'desktop'");
        await().atMost(Duration.ofSeconds(10)).until(() -> desktop(bob, room, "bbbb0062", false).getType() == IQ.Type.result);

        // The moderator stops its screen share: told with the actor, as for audio and video.
        assertThat(desktop(mod, room, "bbbb0062", true).getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.mutedBy.size() == 2);
        assertThat(bob.mutedBy.get(1)).contains("http://jitsi.org/jitmeet/desktop").contains("actor=\"" + room + "/aaaa0061\"");
        // A participant may not stop someone else's.
        assertThat(desktop(bob, room, "aaaa0061", true).getError().getCondition()).isEqualTo(StanzaError.Condition.not_allowed);
        // COLIBRI2 force-mute has no screen share: the SFU keeps carrying the camera and the microphone.
        assertThat(endpoint(room, "bbbb0062").videoForceMuted).isFalse();
        assertThat(endpoint(room, "bbbb0062").audioForceMuted).isFalse();
        assertThat(jvb.logic.forceMutes).noneMatch(f -> f.startsWith("bbbb0062 ") || f.startsWith("aaaa0061 "));
    }

    /**
     * One participant floods the focus with mute IQs (its own mute toggled, and "mute" of the moderator it may not do)
     * and polls.D with answers, all written at once: every request is answered, the poll keeps its one vote (a
     * voter's answer replaces its previous one), the moderator is never muted, and a bystander on the same server
     * does not notice. What paces a longer flood is the per-session stanza rate (limits.stanzas-per-second); as in
     * MucRoomCreationTest, the burst here stays at a size a loaded 2-core machine absorbs within the bystander's
     * 50 ms (450 to 900 stanzas at once cost it 60-250 ms there, whatever they ask for).
     */
    @Test
    void aFloodOfMuteIqsAndPollAnswersFromOneParticipantIsBounded() throws Exception {
        String room = "menu-flood-" + System.nanoTime() + "@" + MUC;
        List<TestParticipant> ps = meeting(room, "aaaa0051", "bbbb0052");
        TestParticipant mod = ps.get(0);
        TestParticipant bob = ps.get(1);
        JitsiWire a = new JitsiWire(mod.connection);
        String polls = "polls." + DOMAIN;
        a.send("<message to='" + polls + "' type='chat'><json-message xmlns='http://jitsi.org/jitmeet'>{\"answers\":[{\"name\":\"Yes\"},"
                + "{\"name\":\"No\"}],\"command\":\"new-poll\",\"pollId\":\"f1\",\"question\":\"Flood?\",\"type\":\"polls\"}</json-message></message>");
        a.await("the poll", s -> s.contains("new-poll"));
        // The flooder counts answers without turning them into text, so that the test's own client costs little.
        java.util.concurrent.atomic.AtomicInteger results = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        bob.connection.addAsyncStanzaListener(st -> {
            IQ iq = (IQ) st;
            if (iq.getStanzaId().startsWith("self") && iq.getType() == IQ.Type.result) results.incrementAndGet();
            if (iq.getStanzaId().startsWith("other") && iq.getType() == IQ.Type.error
                    && iq.getError().getCondition() == StanzaError.Condition.not_allowed) refused.incrementAndGet();
        }, st -> st instanceof IQ);

        // Once unmeasured (the server's code paths compiled), then measured, more than the burst.
        flood(bob, room, polls, 40, results, refused);
        try (Bystander bystander = layout.bystander(auth)) {
            flood(bob, room, polls, 100, results, refused);
            bystander.assertUnharmed();
        }
        // The last toggle unmuted it: the SFU carries its audio; the moderator was never muted nor told.
        await().atMost(Duration.ofSeconds(10)).until(() -> !endpoint(room, "bbbb0052").audioForceMuted);
        assertThat(endpoint(room, "aaaa0051").audioForceMuted).isFalse();
        assertThat(mod.mutedBy).isEmpty();
        assertThat(jvb.logic.forceMutes).noneMatch(f -> f.startsWith("aaaa0051 "));
        // The poll has its one vote from the flooder, its last answer ("No").
        TestParticipant late = TestParticipant.connect(web, room, "cccc0053", true);
        STOCK.closeAfterTest(late);
        JitsiWire c = new JitsiWire(late.connection);
        late.enter();
        assertThat(c.await("the polls so far", s -> s.contains("old-polls")))
                .contains("{'name':'Yes'}").contains("{'name':'No','voters':[{'id':'bbbb0052'");
    }

    /**
     * {@code n} rounds of lib-jitsi-meet's ChatRoom.muteParticipant for itself (mute, unmute, ...) and for the
     * moderator, and Polls.answerPoll (yes, no, ...), written at once; returns when every IQ is answered.
     */
    private static void flood(TestParticipant p, String room, String polls, int n, java.util.concurrent.atomic.AtomicInteger results,
                              java.util.concurrent.atomic.AtomicInteger refused) throws Exception {
        List<org.jivesoftware.smack.packet.Stanza> stanzas = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            stanzas.add(org.jivesoftware.smack.util.PacketParserUtils.parseStanza("<iq xmlns='jabber:client' type='set' id='self" + i
                    + "' to='" + room + "/focus'><mute xmlns='http://jitsi.org/jitmeet/audio' jid='" + room + "/" + p.nick + "'>"
                    + (i % 2 == 0) + "</mute></iq>"));
            stanzas.add(org.jivesoftware.smack.util.PacketParserUtils.parseStanza("<iq xmlns='jabber:client' type='set' id='other" + i
                    + "' to='" + room + "/focus'><mute xmlns='http://jitsi.org/jitmeet/audio' jid='" + room + "/aaaa0051'>true</mute></iq>"));
            stanzas.add(org.jivesoftware.smack.util.PacketParserUtils.parseStanza("<message xmlns='jabber:client' to='" + polls
                    + "' type='chat'><json-message xmlns='http://jitsi.org/jitmeet'>{\"answers\":[" + (i % 2 == 0) + "," + (i % 2 != 0)
                    + "],\"command\":\"answer-poll\",\"pollId\":\"f1\",\"type\":\"polls\"}</json-message></message>"));
        }
        int results0 = results.get();
        int refused0 = refused.get();
        for (var st : stanzas) p.connection.sendStanza(st);
        await().atMost(Duration.ofSeconds(30)).until(() -> results.get() - results0 == n && refused.get() - refused0 == n);
    }
}
