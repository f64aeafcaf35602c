package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.packet.StanzaError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.it.sfu.ComponentSfu;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;

/**
 * The operator's admin API on a Parley child process with two component SFUs: draining an SFU, and the node's
 * graceful shutdown, which must keep the process alive exactly as long as a conference runs (or until the timeout),
 * then exit cleanly with code 0. Bad requests (wrong or no token, malformed JSON, unknown SFU) get their own answers.
 */
@ExtendWith(ParleyServer.class)
class DrainAndShutdownTest {
    private final Closer closing = new Closer();

    @AfterEach
    void close() {
        closing.closeAll();
    }

    private ChildParley child(String node) throws Exception {
        ChildParley c = ChildParley.create(node).withAdmin();
        closing.add(c);
        c.start();
        return c;
    }

    private ComponentSfu sfu(ChildParley child, String domain, double stress, SfuLogic logic) throws Exception {
        ComponentSfu sfu = ComponentSfu.connect(child.componentPort(), domain, ChildParley.SFU_SECRET, stress, logic, false);
        closing.add(sfu);
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> sfu.received.stream().anyMatch(x -> x.contains("healthcheck")));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the focus never health-checked " + domain + "; the SFU got " + sfu.received
                    + "\nchild log:\n" + child.logTail(), e);
        }
        return sfu;
    }

    private Clients clients(ChildParley child) {
        Clients c = child.clients();
        closing.add(c);
        return c;
    }

    private TestParticipant participant(Clients clients, String room, String nick) throws Exception {
        TestParticipant p = TestParticipant.connect(clients, room, nick, false);
        closing.add(p);
        return p;
    }

    private List<TestParticipant> conference(Clients clients, String room, String... nicks) throws Exception {
        List<TestParticipant> ps = new ArrayList<>();
        for (String n : nicks) ps.add(participant(clients, room, n).join());
        await().atMost(Duration.ofSeconds(15)).until(() -> ps.stream().allMatch(p -> p.sid() != null));
        return ps;
    }

    private static String room(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
    }

    private static Map<String, Object> bridge(AdminHttp admin, String jid) throws Exception {
        return AdminHttp.list(admin.json("/api/bridges"), "bridges").stream().filter(b -> jid.equals(b.get("jid")))
                .findFirst().orElseThrow();
    }

    @Test
    void aDrainedSfuGetsNoNewConferenceWhileItsOwnConferenceStaysAndAShutdownCanBeCancelled() throws Exception {
        ChildParley child = child("drain-node");
        AdminHttp admin = new AdminHttp(child.adminPort(), ChildParley.ADMIN_TOKEN);
        SfuLogic one = new SfuLogic("one");
        SfuLogic two = new SfuLogic("two");
        sfu(child, "sfu1.localhost", 0.1, one);
        sfu(child, "sfu2.localhost", 0.5, two);
        Clients clients = clients(child);

        String a = room("dra");
        List<TestParticipant> first = conference(clients, a, "daa111", "dab222");
        assertThat(one.endpoints(a)).containsExactlyInAnyOrder("daa111", "dab222");

        // Bad requests first: none of them drains anything.
        assertThat(admin.post("/api/bridges/drain", null, "{\"jid\":\"sfu1.localhost\"}").statusCode()).isEqualTo(401);
        assertThat(admin.post("/api/bridges/drain", "not-the-token-0123456789", "{\"jid\":\"sfu1.localhost\"}").statusCode()).isEqualTo(401);
        assertThat(admin.post("/api/bridges/drain", "{\"jid\":\"sfu1.localhost\"").statusCode()).isEqualTo(400);
        assertThat(admin.post("/api/bridges/drain", "{\"drain\":true}").statusCode()).isEqualTo(400);
        assertThat(admin.post("/api/bridges/drain", "{\"jid\":\"sfu1.localhost\",\"drain\":\"yes\"}").statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = admin.post("/api/bridges/drain", "{\"jid\":\"sfu9.localhost\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("sfu9.localhost");
        assertThat(admin.get("/api/bridges/drain").statusCode()).isEqualTo(405);
        assertThat(bridge(admin, "sfu1.localhost")).containsEntry("state", "operational").containsEntry("adminDrain", false);

        HttpResponse<String> drained = admin.post("/api/bridges/drain", "{\"jid\":\"sfu1.localhost\",\"drain\":true}");
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(AdminHttp.object(drained.body())).containsEntry("jid", "sfu1.localhost").containsEntry("state", "draining")
                .containsEntry("adminDrain", true);
        assertThat(bridge(admin, "sfu1.localhost")).containsEntry("state", "draining").containsEntry("adminDrain", true);
        assertThat(admin.sample("parley_focus_bridges", "state=\"draining\"")).isEqualTo(1);
        assertThat(admin.sample("parley_focus_bridges", "state=\"operational\"")).isEqualTo(1);

        // A new conference goes to the other SFU, though the drained one is the less loaded.
        String b = room("drb");
        conference(clients, b, "dba111", "dbb222");
        await().atMost(Duration.ofSeconds(10)).until(() -> two.endpoints(b).size() == 2);
        assertThat(one.byRoom(b)).isNull();
        // The drained SFU keeps its conference and its participants' sessions.
        assertThat(one.endpoints(a)).containsExactlyInAnyOrder("daa111", "dab222");
        assertThat(first).allMatch(p -> p.received(org.parley.jingle.JingleAction.SESSION_TERMINATE).isEmpty());

        // Undrained, it is the least loaded again and takes the next new conference.
        HttpResponse<String> undrained = admin.post("/api/bridges/drain", "{\"jid\":\"sfu1.localhost\",\"drain\":false}");
        assertThat(undrained.statusCode()).isEqualTo(200);
        assertThat(AdminHttp.object(undrained.body())).containsEntry("state", "operational").containsEntry("adminDrain", false);
        String c = room("drc");
        conference(clients, c, "dca111", "dcb222");
        await().atMost(Duration.ofSeconds(10)).until(() -> one.endpoints(c).size() == 2);

        // A graceful shutdown with conferences running, then cancelled: ready again, new conferences again.
        assertThat(admin.post("/api/shutdown/cancel", "{}").statusCode()).isEqualTo(200);
        HttpResponse<String> started = admin.post("/api/shutdown", "");
        assertThat(started.statusCode()).isEqualTo(202);
        assertThat(AdminHttp.object(started.body())).containsEntry("shuttingDown", true).containsEntry("conferences", 3L);
        assertThat(admin.get("/ready", null).statusCode()).isEqualTo(503);
        HttpResponse<String> cancelled = admin.post("/api/shutdown/cancel", "");
        assertThat(cancelled.statusCode()).isEqualTo(200);
        assertThat(AdminHttp.object(cancelled.body())).containsEntry("shuttingDown", false);
        assertThat(admin.get("/ready", null).statusCode()).isEqualTo(200);
        String d = room("drd");
        assertThat(participant(clients, d, "dda111").requestConference().ready()).isNotNull();
        assertThat(child.alive()).isTrue();
    }

    @Test
    void anOperatorsDrainOutlivesARestartOfTheNode() throws Exception {
        ChildParley child = child("drain-restart");
        AdminHttp admin = new AdminHttp(child.adminPort(), ChildParley.ADMIN_TOKEN);
        sfu(child, "sfu1.localhost", 0.1, new SfuLogic("one"));
        sfu(child, "sfu2.localhost", 0.5, new SfuLogic("two"));
        assertThat(admin.post("/api/bridges/drain", "{\"jid\":\"sfu1.localhost\"}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> adminDrainStored(child, "sfu1.localhost"));

        child.kill();
        child.start();
        // Known again from the database before the SFU reconnects, still drained.
        assertThat(bridge(admin, "sfu1.localhost")).containsEntry("adminDrain", true).containsEntry("state", "draining");
        SfuLogic one = new SfuLogic("one");
        SfuLogic two = new SfuLogic("two");
        sfu(child, "sfu1.localhost", 0.1, one);
        sfu(child, "sfu2.localhost", 0.5, two);
        assertThat(bridge(admin, "sfu1.localhost")).containsEntry("adminDrain", true);
        String r = room("drr");
        conference(clients(child), r, "dra111", "drb222");
        await().atMost(Duration.ofSeconds(10)).until(() -> two.endpoints(r).size() == 2);
        assertThat(one.byRoom(r)).isNull();

        // Undrained, and that too is written.
        assertThat(admin.post("/api/bridges/drain", "{\"jid\":\"sfu1.localhost\",\"drain\":false}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> !adminDrainStored(child, "sfu1.localhost"));
    }

    @Test
    void aDrainOnOneNodeReachesTheOtherThroughTheDatabase() throws Exception {
        ChildParley a = child("drain-pair-a");
        ChildParley b = closing.add(ChildParley.onDatabase(a.jdbcUrl(), "drain-pair-b").withAdmin());
        b.start();
        // One SFU connected to both nodes, as a jitsi-videobridge is to every shard.
        sfu(a, "sfu1.localhost", 0.1, new SfuLogic("one-a"));
        sfu(b, "sfu1.localhost", 0.1, new SfuLogic("one-b"));
        AdminHttp adminA = new AdminHttp(a.adminPort(), ChildParley.ADMIN_TOKEN);
        AdminHttp adminB = new AdminHttp(b.adminPort(), ChildParley.ADMIN_TOKEN);
        assertThat(bridge(adminB, "sfu1.localhost")).containsEntry("adminDrain", false);

        assertThat(adminA.post("/api/bridges/drain", "{\"jid\":\"sfu1.localhost\"}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> Boolean.TRUE.equals(bridge(adminB, "sfu1.localhost").get("adminDrain")));
        assertThat(bridge(adminB, "sfu1.localhost")).containsEntry("state", "draining");
        // B's own stats writes for the SFU leave the stored drain alone.
        Thread.sleep(3000);
        assertThat(adminDrainStored(a, "sfu1.localhost")).isTrue();

        assertThat(adminA.post("/api/bridges/drain", "{\"jid\":\"sfu1.localhost\",\"drain\":false}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> Boolean.FALSE.equals(bridge(adminB, "sfu1.localhost").get("adminDrain")));
    }

    private static boolean adminDrainStored(ChildParley child, String jid) throws Exception {
        try (var c = child.jdbc(); var ps = c.prepareStatement("SELECT admin_drain FROM focus_bridges WHERE jid = ?")) {
            ps.setString(1, jid);
            try (var rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    @Test
    void aGracefulShutdownRefusesNewConferencesAndExitsCleanlyOnlyAfterTheLastConferenceEnds() throws Exception {
        ChildParley child = child("shutdown-node");
        AdminHttp admin = new AdminHttp(child.adminPort(), ChildParley.ADMIN_TOKEN);
        SfuLogic logic = new SfuLogic("shut");
        sfu(child, "sfu1.localhost", 0.1, logic);
        Clients clients = clients(child);
        String room = room("shut");
        List<TestParticipant> ps = new ArrayList<>(conference(clients, room, "sha111", "shb222"));
        String meetingId = logic.byRoom(room).meetingId;

        assertThat(admin.post("/api/shutdown", null, "").statusCode()).isEqualTo(401);
        assertThat(admin.post("/api/shutdown", "not-the-token-0123456789", "").statusCode()).isEqualTo(401);
        assertThat(admin.post("/api/shutdown", "{\"timeoutSeconds\":").statusCode()).isEqualTo(400);
        assertThat(admin.post("/api/shutdown", "{\"timeoutSeconds\":-5}").statusCode()).isEqualTo(400);
        assertThat(admin.post("/api/shutdown", "{\"timeoutSeconds\":\"soon\"}").statusCode()).isEqualTo(400);
        assertThat(admin.post("/api/shutdown/cancel", null, "").statusCode()).isEqualTo(401);
        assertThat(admin.get("/ready", null).statusCode()).isEqualTo(200);
        assertThat(admin.json("/api/shutdown")).containsEntry("shuttingDown", false);

        HttpResponse<String> started = admin.post("/api/shutdown", "{}");
        assertThat(started.statusCode()).isEqualTo(202);
        assertThat(AdminHttp.object(started.body())).containsEntry("shuttingDown", true).containsEntry("stopping", false)
                .containsEntry("conferences", 1L);
        HttpResponse<String> ready = admin.get("/ready", null);
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("graceful shutdown");
        assertThat(admin.get("/health", null).statusCode()).isEqualTo(200);
        assertThat(admin.json("/api/summary")).containsEntry("shuttingDown", true).containsEntry("ready", false);
        // A second POST changes nothing.
        assertThat(admin.post("/api/shutdown", "{\"timeoutSeconds\":1}").statusCode()).isEqualTo(202);

        // A new room is refused as Jicofo refuses it in graceful shutdown (lib-jitsi-meet looks for <graceful-shutdown/>).
        TestParticipant late = participant(clients, room("new"), "nwa111");
        XMPPException.XMPPErrorException refused = catchThrowableOfType(late::requestConference, XMPPException.XMPPErrorException.class);
        assertThat(refused).as("the conference request for a new room").isNotNull();
        assertThat(refused.getStanzaError().getCondition()).isEqualTo(StanzaError.Condition.service_unavailable);
        assertThat(refused.getStanzaError().toXML().toString()).contains("graceful-shutdown").contains("http://jitsi.org/protocol/colibri");

        // The running conference goes on, and takes a newcomer.
        TestParticipant third = participant(clients, room, "shc333");
        assertThat(third.requestConference().ready()).isTrue();
        third.join();
        ps.add(third);
        await().atMost(Duration.ofSeconds(15)).until(() -> third.sid() != null && logic.endpoints(room).size() == 3);

        // Alive while a participant is left (past the second POST's 1 s timeout: the first request's timeout holds).
        for (int i = 0; i < 2; i++) {
            TestParticipant p = ps.remove(0);
            p.leave();
            p.close();
        }
        Thread.sleep(2000);
        assertThat(child.alive()).as("the process while one participant is left").isTrue();
        assertThat(logic.byRoom(room)).isNotNull();
        assertThat(admin.get("/ready", null).statusCode()).isEqualTo(503);

        ps.get(0).leave();
        Integer exit = child.awaitExit(30);
        assertThat(exit).as("exit code after the last participant left; log:%n%s", child.logTail()).isEqualTo(0);
        // The normal close: the conference was expired on the SFU, and the log tells why the node stopped.
        assertThat(logic.conference(meetingId)).isNull();
        assertThat(child.log()).anyMatch(l -> l.contains("graceful shutdown: the last conference ended"));
    }

    @Test
    void aGracefulShutdownStopsTheNodeAtItsTimeoutEvenWithAConferenceLeft() throws Exception {
        ChildParley child = child("timeout-node");
        AdminHttp admin = new AdminHttp(child.adminPort(), ChildParley.ADMIN_TOKEN);
        SfuLogic logic = new SfuLogic("late");
        sfu(child, "sfu1.localhost", 0.1, logic);
        String room = room("late");
        conference(clients(child), room, "lta111", "ltb222");
        String meetingId = logic.byRoom(room).meetingId;

        long t0 = System.nanoTime();
        assertThat(admin.post("/api/shutdown", "{\"timeoutSeconds\":3}").statusCode()).isEqualTo(202);
        Integer exit = child.awaitExit(30);
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertThat(exit).as("exit code; log:%n%s", child.logTail()).isEqualTo(0);
        assertThat(took).as("ms from the POST to the exit").isBetween(2500L, 25_000L);
        // The conference left was ended as on SIGTERM: expired on the SFU.
        assertThat(logic.conference(meetingId)).isNull();
        assertThat(child.log()).anyMatch(l -> l.contains("graceful shutdown: shutdown-timeout reached; ending the 1 conferences left"));
    }
}
