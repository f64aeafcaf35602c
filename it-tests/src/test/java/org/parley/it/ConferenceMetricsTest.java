package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.it.sfu.ComponentSfu;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;

/**
 * Metrics, health and the admin API scraped during a live conference: a Parley of its own (a child process, so that
 * every count is exactly this test's), one component SFU, three participants; the counts follow the participants as
 * they leave.
 */
@ExtendWith(ParleyServer.class)
class ConferenceMetricsTest {
    private static final String CONF = "domain=\"conference.localhost\"";
    private final Closer closing = new Closer();

    @AfterEach
    void close() {
        closing.closeAll();
    }

    @Test
    void aLiveConferenceIsCountedInMetricsSummaryAndConferenceList() throws Exception {
        ChildParley child = ChildParley.create("metrics-node").withAdmin();
        closing.add(child);
        child.start();
        AdminHttp admin = new AdminHttp(child.adminPort(), ChildParley.ADMIN_TOKEN);
        SfuLogic logic = new SfuLogic("metrics");
        ComponentSfu sfu = ComponentSfu.connect(child.componentPort(), "sfu1.localhost", ChildParley.SFU_SECRET, 0.25, logic, false);
        closing.add(sfu);
        await().atMost(Duration.ofSeconds(10)).until(() -> sfu.received.stream().anyMatch(x -> x.contains("healthcheck")));

        Clients clients = child.clients();
        closing.add(clients);
        String room = "met-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
        List<TestParticipant> ps = new ArrayList<>();
        for (String nick : List.of("meta111", "metb222", "metc333")) {
            TestParticipant p = TestParticipant.connect(clients, room, nick, nick.startsWith("metb"));
            closing.add(p);
            ps.add(p.join());
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> ps.stream().allMatch(p -> p.sid() != null)
                && logic.byRoom(room) != null && logic.byRoom(room).endpoints.values().stream().filter(e -> e.sources != null).count() == 3);

        String m = admin.get("/metrics", null).body();
        assertThat(AdminApiTest.sample(m, "parley_focus_conferences", "")).isEqualTo(1);
        assertThat(AdminApiTest.sample(m, "parley_focus_participants", "")).isEqualTo(3);
        assertThat(AdminApiTest.sample(m, "parley_muc_rooms", CONF)).isEqualTo(1);
        // The three participants and the focus.
        assertThat(AdminApiTest.sample(m, "parley_muc_occupants", CONF)).isEqualTo(4);
        assertThat(AdminApiTest.sample(m, "parley_sessions", "")).isEqualTo(3);
        assertThat(AdminApiTest.sample(m, "parley_focus_bridges", "state=\"operational\"")).isEqualTo(1);
        assertThat(AdminApiTest.sample(m, "parley_focus_bridges", "state=\"draining\"")).isZero();
        assertThat(AdminApiTest.sample(m, "parley_focus_bridge_stress", "bridge=\"sfu1.localhost\"")).isEqualTo(0.25);
        // One create and three endpoint allocations (the first may carry the create), three offers, each answered.
        assertThat(AdminApiTest.sample(m, "parley_focus_colibri_latency_seconds_count", "op=\"allocate\"")).isGreaterThanOrEqualTo(3);
        assertThat(AdminApiTest.sample(m, "parley_focus_colibri_latency_seconds_count", "op=\"modify\"")).isGreaterThanOrEqualTo(3);
        assertThat(AdminApiTest.sample(m, "parley_focus_jingle_latency_seconds_count", "action=\"session-initiate\"")).isEqualTo(3);
        assertThat(AdminApiTest.sample(m, "parley_focus_jingle_latency_seconds_sum", "action=\"session-initiate\"")).isGreaterThan(0);
        assertThat(AdminApiTest.sample(m, "parley_focus_colibri_latency_seconds_bucket", "op=\"allocate\",le=\"+Inf\"")).isGreaterThanOrEqualTo(3);
        assertThat(AdminApiTest.sample(m, "parley_focus_request_timeouts_total", "kind=\"colibri\"")).isZero();

        assertThat(admin.get("/health", null).statusCode()).isEqualTo(200);
        assertThat(admin.get("/ready", null).statusCode()).isEqualTo(200);

        Map<String, Object> summary = admin.json("/api/summary");
        assertThat(summary).containsEntry("conferences", 1L).containsEntry("conferenceParticipants", 3L)
                .containsEntry("rooms", 1L).containsEntry("occupants", 4L).containsEntry("sessions", 3L)
                .containsEntry("shuttingDown", false).containsEntry("ready", true);

        Map<String, Object> list = admin.json("/api/conferences");
        assertThat(list).containsEntry("count", 1L).containsEntry("participants", 3L).containsEntry("unanswered", 0L);
        Map<String, Object> conference = AdminHttp.list(list, "conferences").get(0);
        assertThat(conference).containsEntry("room", room).containsEntry("meetingId", logic.byRoom(room).meetingId)
                .containsEntry("state", "running");
        assertThat(AdminHttp.list(conference, "participants")).extracting(p -> p.get("nick"))
                .containsExactlyInAnyOrder("meta111", "metb222", "metc333");
        for (Map<String, Object> p : AdminHttp.list(conference, "participants")) {
            assertThat(p).containsEntry("bridge", "sfu1.localhost").containsEntry("state", "active")
                    .containsEntry("endpoint", p.get("nick"));
            TestParticipant who = ps.stream().filter(x -> x.nick.equals(p.get("nick"))).findFirst().orElseThrow();
            assertThat(p).containsEntry("jid", who.connection.getUser().toString());
        }
        assertThat(AdminHttp.list(conference, "bridges")).containsExactly(Map.of("jid", "sfu1.localhost", "endpoints", 3L, "relays", 0L));
        assertThat(admin.get("/api/conferences", "wrong-token-0123456789").statusCode()).isEqualTo(401);

        // One leaves: every count follows, and the endpoint's expiry is timed.
        TestParticipant gone = ps.remove(2);
        gone.leave();
        gone.close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String after = admin.get("/metrics", null).body();
            assertThat(AdminApiTest.sample(after, "parley_focus_participants", "")).isEqualTo(2);
            assertThat(AdminApiTest.sample(after, "parley_muc_occupants", CONF)).isEqualTo(3);
            assertThat(AdminApiTest.sample(after, "parley_sessions", "")).isEqualTo(2);
            assertThat(AdminApiTest.sample(after, "parley_focus_colibri_latency_seconds_count", "op=\"expire\"")).isGreaterThanOrEqualTo(1);
        });
        assertThat(admin.json("/api/conferences")).containsEntry("participants", 2L);

        // The rest leave: the conference ends on the SFU, the room goes.
        for (TestParticipant p : ps) p.leave();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String after = admin.get("/metrics", null).body();
            assertThat(AdminApiTest.sample(after, "parley_focus_conferences", "")).isZero();
            assertThat(AdminApiTest.sample(after, "parley_focus_participants", "")).isZero();
            assertThat(AdminApiTest.sample(after, "parley_muc_rooms", CONF)).isZero();
        });
        assertThat(admin.json("/api/conferences")).containsEntry("count", 0L).containsEntry("participants", 0L);
        await().atMost(Duration.ofSeconds(5)).until(() -> logic.byRoom(room) == null);
    }
}
