package org.parley.it.jibri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.http.admin.Json;
import org.parley.it.StockLayout;
import org.parley.it.StockLayoutServer;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.TestSfu;
import org.parley.jingle.JingleAction;
import org.xmpp.packet.JID;

/**
 * A recording in Jitsi Meet's stock layout with the recorder actually in the meeting, as Jibri's browser joins it
 * (jibri.conf's call-login recorder@recorder.D, a hidden domain of the focus): it gets its Jingle session from the
 * focus like everyone, but counts for nothing: not for min-participants (the stock layout's, and Jicofo's, default of
 * 2), not for auto-owner, not in the focus's participant counts; and the others see its real JID on recorder.D, which
 * is what lib-jitsi-meet's ChatRoom.onPresence needs to mark it isHiddenDomain and the web app to leave it out.
 */
class JibriRecorderTest {
    static final String ADMIN_TOKEN = "jibri-recorder-admin-token-0123456789";
    @RegisterExtension
    static final StockLayoutServer STOCK = new StockLayoutServer("""
            parley.admin { enabled = true, bind = "127.0.0.1", port = 0, token = "%s" }
            parley.focus.single-participant-timeout = 1s
            """.formatted(ADMIN_TOKEN));
    private static final AtomicInteger count = new AtomicInteger();

    @BeforeEach
    void nothingLeftFromTheTestBefore() {
        await().atMost(Duration.ofSeconds(10)).until(() -> STOCK.parley().focus().focus().jibris().all().isEmpty());
    }

    private static String room() {
        return "rec-" + UUID.randomUUID().toString().substring(0, 8) + "@" + StockLayout.MUC;
    }

    private static TestSfu bridge() throws Exception {
        TestSfu sfu = STOCK.closeAfterTest(STOCK.layout().jvb(STOCK.auth(), "jvb-rec-" + count.incrementAndGet()));
        await().atMost(Duration.ofSeconds(10)).until(() -> STOCK.parley().focus().focus().bridges().get(new JID(sfu.jid())) != null);
        return sfu;
    }

    /** A Jibri as jibri.conf has it in the stock layout: control login jibri@auth.D, call login recorder@recorder.D. */
    private static TestJibri jibri() throws Exception {
        var auth = STOCK.auth();
        String nick = "jibri-" + count.incrementAndGet();
        XMPPTCPConnection c = auth.connect(auth.config().setUsernameAndPassword("jibri", StockLayout.PASSWORD).setResource(nick).build());
        c.login();
        TestJibri j = STOCK.closeAfterTest(TestJibri.join(c, StockLayout.JIBRI_BREWERY, nick));
        j.callLogin = new TestJibri.CallLogin(STOCK.recorder(), "recorder", StockLayout.PASSWORD, "focus." + StockLayout.DOMAIN);
        await().atMost(Duration.ofSeconds(10)).until(() -> STOCK.parley().focus().focus().jibris().all().stream()
                .anyMatch(k -> k.jid().equals(new JID(j.jid())) && k.status()));
        return j;
    }

    private static TestParticipant join(String room, String nick) throws Exception {
        return STOCK.closeAfterTest(TestParticipant.connect(STOCK.web(), room, nick, true)).join();
    }

    private static TestParticipant moderator(String room, String nick) throws Exception {
        TestParticipant p = join(room, nick);
        await().atMost(Duration.ofSeconds(10)).until(() -> p.seesItem(nick, "affiliation", "owner"));
        return p;
    }

    /** lib-jitsi-meet's JibriSession start of a file recording; returns the session id. */
    private static String startRecording(TestParticipant mod) throws Exception {
        IQ answer = mod.toFocus("<jibri xmlns='http://jitsi.org/protocol/jibri' action='start' recording_mode='file'"
                + " app_data='{\"file_recording_metadata\":{\"share\":true}}'/>");
        assertThat(answer.getType()).as(answer.toXML().toString()).isEqualTo(IQ.Type.result);
        return ((org.parley.it.sfu.RawIq) answer).child().attributeValue("session_id");
    }

    /** The recorder's browser once it is in the meeting. */
    private static TestParticipant recorderIn(TestJibri jibri) {
        await().atMost(Duration.ofSeconds(10)).until(() -> jibri.inRoom != null);
        return jibri.inRoom;
    }

    private static boolean offered(TestParticipant p) {
        return !p.received(JingleAction.SESSION_INITIATE).isEmpty();
    }

    private static HttpResponse<String> admin(String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + STOCK.parley().adminPort() + path));
        if (path.startsWith("/api/")) b.header("Authorization", "Bearer " + ADMIN_TOKEN);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> adminJson(String path) throws Exception {
        HttpResponse<String> r = admin(path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (Map<String, Object>) Json.parse(r.body());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> conference(String room) throws Exception {
        for (Map<String, Object> c : (List<Map<String, Object>>) adminJson("/api/conferences").get("conferences")) {
            if (room.equals(c.get("room"))) return c;
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> participant(String room, String nick) throws Exception {
        Map<String, Object> c = conference(room);
        if (c == null) return null;
        for (Map<String, Object> p : (List<Map<String, Object>>) c.get("participants")) {
            if (nick.equals(p.get("nick"))) return p;
        }
        return null;
    }

    private static double metric(String name) throws Exception {
        for (String line : admin("/metrics").body().lines().toList()) {
            if (line.startsWith(name + " ")) return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
        throw new AssertionError("no " + name);
    }

    /** Whether any presence {@code seer} got of {@code nick} showed it as an owner. */
    private static boolean everSeenOwner(TestParticipant seer, String nick) {
        for (Presence p : seer.roomPresences()) {
            if (!p.getFrom().toString().equals(seer.room + "/" + nick)) continue;
            var x = p.getExtensionElement("x", "http://jabber.org/protocol/muc#user");
            String xml = x == null ? "" : x.toXML().toString().replace('"', '\'');
            if (xml.contains("affiliation='owner'")) return true;
        }
        return false;
    }

    @Test
    void theRecorderGetsItsSessionFromTheFocusLikeEveryoneAndIsNotCountedOrShown() throws Exception {
        bridge();
        TestJibri jibri = jibri();
        String room = room();
        TestParticipant mod = moderator(room, "mod1");
        TestParticipant bob = join(room, "bob1");
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.sid() != null && bob.sid() != null);

        String sid = startRecording(mod);
        TestParticipant rec = recorderIn(jibri);
        String recorderJid = rec.connection.getUser().toString();
        assertThat(new JID(recorderJid).getDomain()).isEqualTo(StockLayout.RECORDER);
        // Media like everyone: the focus offers it a session with the others' sources, and it is in the conference.
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.sid() != null);
        assertThat(rec.received(JingleAction.SESSION_INITIATE)).hasSize(1);
        assertThat(rec.remoteSources()).containsKeys("mod1", "bob1");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Map<String, Object> p = participant(room, rec.nick);
            return p != null && "active".equals(p.get("state"));
        });
        assertThat(participant(room, rec.nick)).containsEntry("hidden", true).containsEntry("jid", recorderJid);
        assertThat(participant(room, "bob1")).containsEntry("hidden", false);
        // Jibri says 'on' once its browser is in; the room sees it.
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.seesPresence("focus", "status=\"on\"")
                || mod.seesPresence("focus", "status='on'"));

        // Not shown: the others see its real JID, a full JID on recorder.D (lib-jitsi-meet's isHiddenDomain compares
        // what lies between '@' and '/' with config.hiddenDomain), and the session_id of its presence, which
        // RecordingManager reads from hidden-domain occupants.
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.seesItem(rec.nick, "jid", recorderJid)
                && bob.seesPresence(rec.nick, sid));
        // And counted nowhere the focus counts participants.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(((Number) adminJson("/api/conferences").get("participants")).intValue()).isEqualTo(2);
            assertThat(metric("parley_focus_participants")).isEqualTo(2.0);
            assertThat(((Number) adminJson("/api/summary").get("conferenceParticipants")).intValue()).isEqualTo(2);
        });

        // Stopped: the recorder leaves, and the conference goes on without it.
        assertThat(mod.toFocus("<jibri xmlns='http://jitsi.org/protocol/jibri' action='stop' recording_mode='file'/>").getType())
                .isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(10)).until(() -> participant(room, rec.nick) == null);
        assertThat(participant(room, "mod1")).containsEntry("state", "active");
    }

    @Test
    void theRecorderDoesNotCountForMinParticipantsButATeacherRecordingAloneIsNotAlone() throws Exception {
        assertThat(STOCK.parley().focus().focus().config().minParticipants()).isEqualTo(2);
        bridge();
        TestJibri jibri = jibri();
        String room = room();
        TestParticipant mod = moderator(room, "solo1");
        // One person and the recorder are not two participants: nobody gets a session.
        startRecording(mod);
        TestParticipant rec = recorderIn(jibri);
        await().atMost(Duration.ofSeconds(10)).until(() -> participant(room, rec.nick) != null);
        Thread.sleep(1500);
        assertThat(offered(mod)).isFalse();
        assertThat(offered(rec)).isFalse();

        // A second person starts the conference, for the recorder too.
        TestParticipant bob = join(room, "second1");
        await().atMost(Duration.ofSeconds(10)).until(() -> offered(mod) && offered(bob) && offered(rec));
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.sid() != null && mod.sid() != null);

        // The second person leaves: a teacher recording alone keeps its session past the single-participant timeout
        // (1 s here), since the recorder takes the media, and so does the recorder.
        bob.leave();
        Thread.sleep(2500);
        assertThat(mod.received(JingleAction.SESSION_TERMINATE)).isEmpty();
        assertThat(rec.received(JingleAction.SESSION_TERMINATE)).isEmpty();
        assertThat(participant(room, "solo1")).containsEntry("state", "active");

        // Without the recorder the teacher is alone, and the timeout ends its session as any day.
        assertThat(mod.toFocus("<jibri xmlns='http://jitsi.org/protocol/jibri' action='stop' recording_mode='file'/>").getType())
                .isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(10)).until(() -> !mod.received(JingleAction.SESSION_TERMINATE).isEmpty());
    }

    @Test
    void theRecorderNeverGetsOwnershipFromAutoOwner() throws Exception {
        bridge();
        TestJibri jibri = jibri();
        String room = room();
        TestParticipant mod = moderator(room, "owner1");
        startRecording(mod);
        TestParticipant rec = recorderIn(jibri);
        // Bob comes after the recorder: the recorder is the older occupant when the owner leaves.
        TestParticipant bob = join(room, "next1");
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.seesItem(rec.nick, "role", "participant")
                && bob.seesItem("next1", "role", "participant"));

        mod.leave();
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.seesItem("next1", "affiliation", "owner"));
        assertThat(everSeenOwner(bob, rec.nick)).isFalse();

        // Alone, the recorder is not made an owner either: the meeting ends and the recording stops.
        bob.leave();
        await().atMost(Duration.ofSeconds(10)).until(() -> jibri.stops.size() == 1);
        assertThat(everSeenOwner(rec, rec.nick)).isFalse();
        assertThat(jibri.inRoom).isNull();
    }
}
