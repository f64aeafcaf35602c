package org.parley.it.jibri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import org.dom4j.Element;
import org.jivesoftware.smack.packet.IQ;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.it.ChildParley;
import org.parley.it.Clients;
import org.parley.it.ParleyServer;
import org.parley.it.sfu.RawIq;
import org.parley.it.sfu.TestParticipant;

/**
 * A recording survives a restart of the focus (persisted focus state): a Parley server as a child process, killed as
 * by {@code kill -9} during a recording and started again on the same database. The Jibri keeps recording and comes
 * back to its brewery; the restarted focus takes the session up with it instead of starting it again.
 */
@ExtendWith(ParleyServer.class)
class JibriRestartTest {
    private static final String JIBRI_USER = "it-jibri";
    private final java.util.List<AutoCloseable> closing = new java.util.ArrayList<>();

    @AfterEach
    void close() {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static String config() {
        return """
                parley.muc.services = [
                  { domain = "conference.{host}", admins = ["%1$s"] }
                  { domain = "internal.{host}", admins = ["%1$s"], room-defaults { public = false } }
                ]
                parley.focus.jibri { pending-timeout = 5s, request-timeout = 2s }
                """.formatted(ParleyServer.FOCUS_JID);
    }

    private TestParticipant moderator(Clients clients, String room) throws Exception {
        TestParticipant mod = TestParticipant.connect(clients, room, "mod1", true);
        closing.add(mod);
        mod.join();
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.seesItem("mod1", "affiliation", "owner"));
        return mod;
    }

    private static Element recordingStatus(TestParticipant p) {
        Element last = null;
        for (var pr : p.roomPresences()) {
            if (!pr.getFrom().toString().equals(p.room + "/focus")) continue;
            try {
                Element e = org.dom4j.DocumentHelper.parseText(pr.toXML().toString()).getRootElement();
                for (Element c : e.elements()) if (c.getName().equals("jibri-recording-status")) last = c;
            } catch (org.dom4j.DocumentException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return last;
    }

    private static boolean shows(TestParticipant p, String status, String sid) {
        Element s = recordingStatus(p);
        return s != null && status.equals(s.attributeValue("status")) && sid.equals(s.attributeValue("session_id"));
    }

    @Test
    void aRecordingInProgressIsTakenUpAfterARestartNotStartedAgain() throws Exception {
        ChildParley child = ChildParley.create("jibri-restart").extraConfig(config());
        closing.add(child);
        child.start();
        Clients before = child.clients();
        closing.add(before);
        before.register(JIBRI_USER);
        TestJibri jibri = TestJibri.join(before.login(JIBRI_USER, "jibri-a"), TestJibri.BREWERY, "jibri-a");
        closing.add(jibri);
        String room = "jr-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
        TestParticipant mod = moderator(before, room);
        String start = "<jibri xmlns='http://jitsi.org/protocol/jibri' action='start' recording_mode='file'/>";
        // The Jibri may still be joining its brewery: lib-jitsi-meet's user would press the button again.
        IQ answer = null;
        for (int i = 0; i < 40 && (answer == null || answer.getType() != IQ.Type.result); i++) {
            answer = mod.toFocus(start);
            if (answer.getType() != IQ.Type.result) Thread.sleep(250);
        }
        assertThat(answer.getType()).isEqualTo(IQ.Type.result);
        String sid = ((RawIq) answer).child().attributeValue("session_id");
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(mod, "on", sid));
        // What a crash could hit: the session, written.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (var c = child.jdbc(); var ps = c.prepareStatement("SELECT bridges FROM focus_conferences WHERE room = ?")) {
                ps.setString(1, room);
                try (var rs = ps.executeQuery()) {
                    return rs.next() && rs.getString(1).contains(sid) && rs.getString(1).contains("running=\"true\"");
                }
            }
        });

        child.kill();
        child.start();
        Clients after = child.clients();
        closing.add(after);
        // Jibri reconnects and rejoins its brewery, still recording; the participant comes back (lib-jitsi-meet).
        jibri.reconnect(after.login(JIBRI_USER, "jibri-a"));
        TestParticipant back = moderator(after, room);
        await().atMost(Duration.ofSeconds(10)).until(() -> shows(back, "on", sid));
        // Past the pending timeout: the focus has kept the session with its Jibri, not started it again.
        Thread.sleep(6000);
        assertThat(jibri.starts).hasSize(1);
        assertThat(jibri.stops).isEmpty();
        assertThat(shows(back, "on", sid)).isTrue();

        // The restarted focus knows the session: the moderator's stop reaches the same Jibri.
        assertThat(back.toFocus("<jibri xmlns='http://jitsi.org/protocol/jibri' action='stop' recording_mode='file'/>")
                .getType()).isEqualTo(IQ.Type.result);
        await().atMost(Duration.ofSeconds(5)).until(() -> jibri.stops.size() == 1);
        assertThat(jibri.stops.get(0).sessionId()).isEqualTo(sid);
        await().atMost(Duration.ofSeconds(5)).until(() -> shows(back, "off", sid));
    }
}
