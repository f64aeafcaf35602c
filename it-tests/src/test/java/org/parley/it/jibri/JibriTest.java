package org.parley.it.jibri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.dom4j.Element;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StanzaError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.focus.jibri.Jibri;
import org.parley.focus.jibri.JibriIq;
import org.parley.focus.jibri.Jibris;
import org.parley.it.Clients;
import org.parley.it.ParleyServer;
import org.parley.it.sfu.RawIq;
import org.parley.it.sfu.TestParticipant;
import org.xmpp.packet.JID;

/**
 * Recording, live streaming and the SIP video gateway through the focus, with the IQs lib-jitsi-meet's JibriSession
 * sends and test Jibris that answer as jibri's XmppApi does; the room's view is the focus's presence
 * ({@code jibri-recording-status}, {@code jibri-sip-call-state}), which lib-jitsi-meet's RecordingManager reads.
 */
@ExtendWith(ParleyServer.class)
class JibriTest {
    static final String SIP_BREWERY = "jibrisipbrewery@internal.localhost";
    private final Clients clients = new Clients();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        clients.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> jibris().all().isEmpty());
    }

    static Jibris jibris() {
        return ParleyServer.get().parley().focus().focus().jibris();
    }

    private TestJibri jibri(String name) throws Exception {
        return jibri(name, TestJibri.BREWERY);
    }

    private TestJibri jibri(String name, String brewery) throws Exception {
        TestJibri j = TestJibri.start(clients, name, brewery);
        closing.add(j);
        await().atMost(Duration.ofSeconds(10)).until(() -> jibris().all().stream()
                .anyMatch(k -> k.jid().equals(new JID(j.jid())) && k.status()));
        return j;
    }

    private TestParticipant join(String room, String nick) throws Exception {
        TestParticipant p = TestParticipant.connect(clients, room, nick, true);
        closing.add(0, p);
        return p.join();
    }

    /** The first in the room: its owner (auto-owner), so a moderator. */
    private TestParticipant moderator(String room) throws Exception {
        TestParticipant mod = join(room, "mod1");
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.seesItem("mod1", "affiliation", "owner"));
        return mod;
    }

    private static String room() {
        return "jibri-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
    }

    /** lib-jitsi-meet's JibriSession._createIQ. */
    private static String start(String mode, String streamId) {
        return "<jibri xmlns='http://jitsi.org/protocol/jibri' action='start' recording_mode='" + mode + "'"
                + (streamId == null ? "" : " streamid='" + streamId + "'")
                + " app_data='{\"file_recording_metadata\":{\"share\":true}}'/>";
    }

    private static final String STOP = "<jibri xmlns='http://jitsi.org/protocol/jibri' action='stop' recording_mode='file'/>";

    private static String sessionId(IQ answer) {
        assertThat(answer.getType()).isEqualTo(IQ.Type.result);
        return ((RawIq) answer).child().attributeValue("session_id");
    }

    private static void assertError(IQ answer, StanzaError.Condition condition) {
        assertThat(answer).isNotNull();
        assertThat(answer.getType()).isEqualTo(IQ.Type.error);
        assertThat(answer.getError().getCondition()).isEqualTo(condition);
    }

    /** lib-jitsi-meet's getFocusRecordingUpdate on the last focus presence: status, or null without one. */
    private static Element focusStatus(TestParticipant p, String element) {
        Element last = null;
        for (var pr : p.roomPresences()) {
            if (!pr.getFrom().toString().equals(p.room + "/focus")) continue;
            try {
                Element e = org.dom4j.DocumentHelper.parseText(pr.toXML().toString()).getRootElement();
                for (Element c : e.elements()) if (c.getName().equals(element)) last = c;
            } catch (org.dom4j.DocumentException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return last;
    }

    private static boolean shows(TestParticipant p, String status, String sessionId) {
        Element s = focusStatus(p, "jibri-recording-status");
        return s != null && status.equals(s.attributeValue("status")) && sessionId.equals(s.attributeValue("session_id"));
    }

    @Test
    void moderatorStartsAndStopsAFileRecording() throws Exception {
        TestJibri jibri = jibri("rec");
        String room = room();
        TestParticipant mod = moderator(room);
        TestParticipant bob = join(room, "bob1");

        String sid = sessionId(mod.toFocus(start("file", null)));
        assertThat(sid).isNotBlank();
        assertThat(jibri.starts).hasSize(1);
        JibriIq asked = jibri.starts.get(0);
        assertThat(asked.room()).isEqualTo(room);
        assertThat(asked.sessionId()).isEqualTo(sid);
        assertThat(asked.recordingMode()).isEqualTo("file");
        assertThat(asked.streamId()).isNull();
        assertThat(asked.appData()).isEqualTo("{\"file_recording_metadata\":{\"share\":true}}");
        // Everyone sees it on, with who started it (lib-jitsi-meet shows "recording started by").
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(bob, "on", sid));
        Element on = focusStatus(bob, "jibri-recording-status");
        assertThat(on.attributeValue("recording_mode")).isEqualTo("file");
        assertThat(on.attributeValue("initiator")).isEqualTo(room + "/mod1");
        await().atMost(Duration.ofSeconds(5)).until(() -> jibris().all().stream().anyMatch(j -> j.busy()));

        // A second start while it runs: Jicofo's unexpected-request.
        assertError(mod.toFocus(start("file", null)), StanzaError.Condition.unexpected_request);
        assertThat(jibri.starts).hasSize(1);

        assertThat(mod.toFocus(STOP).getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(5)).until(() -> jibri.stops.size() == 1);
        assertThat(jibri.stops.get(0).sessionId()).isEqualTo(sid);
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(bob, "off", sid));
        assertThat(focusStatus(bob, "jibri-recording-status").attributeValue("initiator")).isEqualTo(room + "/mod1");
        // Stopping again: nothing to stop.
        assertError(mod.toFocus(STOP), StanzaError.Condition.item_not_found);
    }

    @Test
    void moderatorStartsAndStopsALiveStream() throws Exception {
        TestJibri jibri = jibri("stream");
        String room = room();
        TestParticipant mod = moderator(room);
        // lib-jitsi-meet checks the stream key: none for a stream is refused, as one for a file.
        assertError(mod.toFocus(start("stream", null)), StanzaError.Condition.bad_request);
        assertError(mod.toFocus(start("file", "key")), StanzaError.Condition.bad_request);
        assertThat(jibri.starts).isEmpty();

        String sid = sessionId(mod.toFocus(start("stream", "abcd-efgh-ijkl")));
        assertThat(jibri.starts).hasSize(1);
        assertThat(jibri.starts.get(0).recordingMode()).isEqualTo("stream");
        assertThat(jibri.starts.get(0).streamId()).isEqualTo("abcd-efgh-ijkl");
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(mod, "on", sid));
        assertThat(focusStatus(mod, "jibri-recording-status").attributeValue("recording_mode")).isEqualTo("stream");
        assertThat(mod.toFocus(STOP).getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(5)).until(() -> jibri.stops.size() == 1 && shows(mod, "off", sid));
    }

    @Test
    void busyJibrisAreSkipped() throws Exception {
        TestJibri busyByPresence = jibri("busy-p");
        busyByPresence.busy(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> jibris().all().stream()
                .anyMatch(j -> j.jid().toString().equals(busyByPresence.jid()) && j.busy()));
        TestJibri refusing = jibri("busy-r");
        refusing.onStart = TestJibri.OnStart.REFUSE_BUSY;
        String room = room();
        TestParticipant mod = moderator(room);
        // Only busy ones: Jicofo's answer when all Jibris are busy, at once (JibriSession.startInternal: AllBusy; no
        // queue, no waiting for one to free up).
        IQ allBusy = mod.toFocus(start("file", null));
        assertError(allBusy, StanzaError.Condition.resource_constraint);
        assertThat(allBusy.getError().getDescriptiveText()).isEqualTo("all Jibris are busy");
        assertThat(busyByPresence.starts).isEmpty();
        assertThat(refusing.starts).hasSize(1);
        assertThat(focusStatus(mod, "jibri-recording-status")).isNull();

        TestJibri idle = jibri("idle");
        String sid = sessionId(mod.toFocus(start("file", null)));
        assertThat(idle.starts).hasSize(1);
        assertThat(busyByPresence.starts).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(mod, "on", sid));
    }

    @Test
    void noJibriAvailable() throws Exception {
        String room = room();
        TestParticipant mod = moderator(room);
        // What lib-jitsi-meet shows as "no recorder available"; Jicofo's NotAvailable text.
        IQ none = mod.toFocus(start("file", null));
        assertError(none, StanzaError.Condition.service_unavailable);
        assertThat(none.getError().getDescriptiveText()).isEqualTo("no Jibris available");
        assertThat(focusStatus(mod, "jibri-recording-status")).isNull();
        // The conference is untouched: a Jibri that comes later is used.
        TestJibri jibri = jibri("late");
        String sid = sessionId(mod.toFocus(start("file", null)));
        assertThat(jibri.starts).hasSize(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(mod, "on", sid));
    }

    @Test
    void aNonModeratorMayNotStartOrStop() throws Exception {
        TestJibri jibri = jibri("nonmod");
        String room = room();
        TestParticipant mod = moderator(room);
        TestParticipant bob = join(room, "bob1");
        await().atMost(Duration.ofSeconds(5)).until(() -> bob.seesItem("bob1", "role", "participant"));
        assertError(bob.toFocus(start("file", null)), StanzaError.Condition.not_allowed);
        assertThat(jibri.starts).isEmpty();
        String sid = sessionId(mod.toFocus(start("file", null)));
        assertError(bob.toFocus(STOP), StanzaError.Condition.not_allowed);
        assertThat(jibri.stops).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(bob, "on", sid));
    }

    @Test
    void aJibriFailingMidSessionIsReplacedBySameSession() throws Exception {
        TestJibri first = jibri("fail1");
        String room = room();
        TestParticipant mod = moderator(room);
        String sid = sessionId(mod.toFocus(start("file", null)));
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(mod, "on", sid));
        TestJibri second = jibri("fail2");

        first.fail(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> second.starts.size() == 1);
        assertThat(second.starts.get(0).sessionId()).isEqualTo(sid);
        await().atMost(Duration.ofSeconds(5)).until(() -> jibris().all().stream()
                .anyMatch(j -> j.jid().toString().equals(second.jid()) && j.engaged()));

        // The second one leaves: nobody left but the first, which failed this session already; the room sees it failed.
        second.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Element s = focusStatus(mod, "jibri-recording-status");
            return s != null && "off".equals(s.attributeValue("status")) && "error".equals(s.attributeValue("failure_reason"));
        });
        assertThat(first.starts).hasSize(1);
        // A new recording may start, on the first again: its failure was of the old session.
        String again = sessionId(mod.toFocus(start("file", null)));
        assertThat(again).isNotEqualTo(sid);
        assertThat(first.starts).hasSize(2);
    }

    @Test
    void aJibriTurningUnhealthyMidSessionIsReplaced() throws Exception {
        TestJibri sick = jibri("sick");
        String room = room();
        TestParticipant mod = moderator(room);
        String sid = sessionId(mod.toFocus(start("stream", "key-1")));
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(mod, "on", sid));
        TestJibri healthy = jibri("healthy");
        sick.unhealthy();
        await().atMost(Duration.ofSeconds(5)).until(() -> healthy.starts.size() == 1);
        assertThat(healthy.starts.get(0).sessionId()).isEqualTo(sid);
        assertThat(healthy.starts.get(0).streamId()).isEqualTo("key-1");
        // The room saw it on throughout, and the new Jibri is what a stop reaches.
        assertThat(shows(mod, "on", sid)).isTrue();
        assertThat(mod.toFocus(STOP).getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(5)).until(() -> healthy.stops.size() == 1);
    }

    @Test
    void aJibriStuckInPendingIsReplaced() throws Exception {
        TestJibri stuck = jibri("stuck");
        stuck.onStart = TestJibri.OnStart.STAY_PENDING;
        String room = room();
        TestParticipant mod = moderator(room);
        String sid = sessionId(mod.toFocus(start("file", null)));
        TestJibri good = jibri("good");
        // After the pending timeout (3 s here) the stuck one is told to stop and another takes the session.
        await().atMost(Duration.ofSeconds(10)).until(() -> good.starts.size() == 1);
        assertThat(stuck.stops).hasSize(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(mod, "on", sid));
    }

    @Test
    void sipGatewayStartsAndStops() throws Exception {
        TestJibri recorder = jibri("not-sip");
        TestJibri sip = jibri("sip", SIP_BREWERY);
        assertThat(jibris().all().stream().filter(Jibri::sip).map(j -> j.jid().toString())).containsExactly(sip.jid());
        String room = room();
        TestParticipant mod = moderator(room);
        String startSip = "<jibri xmlns='http://jitsi.org/protocol/jibri' action='start' sipaddress='sip:room@pbx.example.org'"
                + " displayname='Meeting room'/>";
        String sid = sessionId(mod.toFocus(startSip));
        assertThat(recorder.starts).isEmpty();
        assertThat(sip.starts).hasSize(1);
        assertThat(sip.starts.get(0).sipAddress()).isEqualTo("sip:room@pbx.example.org");
        assertThat(sip.starts.get(0).displayName()).isEqualTo("Meeting room");
        assertThat(sip.starts.get(0).room()).isEqualTo(room);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            Element s = focusStatus(mod, "jibri-sip-call-state");
            return s != null && "on".equals(s.attributeValue("state")) && sid.equals(s.attributeValue("session_id"))
                    && "sip:room@pbx.example.org".equals(s.attributeValue("sipaddress"));
        });
        IQ stop = mod.toFocus("<jibri xmlns='http://jitsi.org/protocol/jibri' action='stop' sipaddress='sip:room@pbx.example.org'/>");
        assertThat(stop.getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(5)).until(() -> sip.stops.size() == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> "off".equals(focusStatus(mod, "jibri-sip-call-state").attributeValue("state")));
    }

    private static String admin(String path) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + ParleyServer.get().adminPort() + path));
        if (path.startsWith("/api/")) request.header("Authorization", "Bearer " + ParleyServer.ADMIN_TOKEN);
        var response = java.net.http.HttpClient.newHttpClient().send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> adminJibri(String jid) throws Exception {
        var list = (List<Map<String, Object>>) org.parley.http.admin.Json.parseObject(admin("/api/jibris")).get("jibris");
        return list.stream().filter(m -> jid.equals(m.get("jid"))).findFirst().orElse(null);
    }

    private static boolean metric(String line) throws Exception {
        return admin("/metrics").lines().anyMatch(l -> l.startsWith(line));
    }

    @Test
    void jibrisAreShownInTheAdminApiAndTheMetrics() throws Exception {
        TestJibri idle = jibri("adm-idle");
        TestJibri sick = jibri("adm-sick");
        TestJibri sip = jibri("adm-sip", SIP_BREWERY);
        sick.unhealthy();
        await().atMost(Duration.ofSeconds(5)).until(() -> "unhealthy".equals(adminJibri(sick.jid()).get("state")));
        assertThat(adminJibri(idle.jid())).containsEntry("kind", "recording").containsEntry("state", "idle")
                .containsEntry("inSession", false);
        assertThat(adminJibri(sip.jid())).containsEntry("kind", "sip").containsEntry("state", "idle");
        assertThat(metric("parley_focus_jibris{kind=\"recording\",state=\"idle\"} 1.0")).isTrue();
        assertThat(metric("parley_focus_jibris{kind=\"recording\",state=\"unhealthy\"} 1.0")).isTrue();
        assertThat(metric("parley_focus_jibris{kind=\"sip\",state=\"idle\"} 1.0")).isTrue();
        assertThat(admin("/api/summary")).contains(sick.jid());

        // An unhealthy Jibri takes no new work: the recording goes to the healthy one, which then shows busy.
        String room = room();
        TestParticipant mod = moderator(room);
        sessionId(mod.toFocus(start("file", null)));
        assertThat(sick.starts).isEmpty();
        assertThat(idle.starts).hasSize(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> "busy".equals(adminJibri(idle.jid()).get("state"))
                && Boolean.TRUE.equals(adminJibri(idle.jid()).get("inSession")));
        assertThat(metric("parley_focus_jibris{kind=\"recording\",state=\"busy\"} 1.0")).isTrue();
    }

    @Test
    void theRecordingStopsWhenTheConferenceEnds() throws Exception {
        TestJibri jibri = jibri("end");
        String room = room();
        TestParticipant mod = moderator(room);
        String sid = sessionId(mod.toFocus(start("file", null)));
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(mod, "on", sid));
        mod.leave();
        await().atMost(Duration.ofSeconds(10)).until(() -> jibri.stops.size() == 1);
        assertThat(jibri.stops.get(0).sessionId()).isEqualTo(sid);
        await().atMost(Duration.ofSeconds(5)).until(() -> jibris().all().stream().noneMatch(Jibri::engaged));
    }
}
