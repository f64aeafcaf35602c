package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/** The admin port: Prometheus metrics, health, readiness and the JSON API, scraped around a live room. */
@ExtendWith(ParleyServer.class)
class AdminApiTest {
    private final Clients clients = new Clients();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        clients.close();
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ParleyServer.get().adminPort() + path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one Prometheus sample, e.g. {@code parley_muc_rooms{domain="conference.localhost"}}. */
    static double sample(String metrics, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + (labels.isEmpty() ? "" : "\\{" + Pattern.quote(labels) + "\\}")
                + " ([0-9.eE+-]+)$").matcher(metrics);
        if (!m.find()) throw new AssertionError("no sample " + name + "{" + labels + "} in:\n" + metrics);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void metricsCountSessionsConnectionsStanzasAndRooms() throws Exception {
        String before = get("/metrics", null).body();
        double stanzasBefore = sample(before, "parley_stanzas_in_total", "kind=\"presence\"");

        String name = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        MultiUserChat a = MultiUserChatManager.getInstanceFor(alice).getMultiUserChat(JidCreate.entityBareFrom(name + "@conference.localhost"));
        a.create(Resourcepart.from("Alice")).makeInstant();
        MultiUserChatManager.getInstanceFor(bob).getMultiUserChat(JidCreate.entityBareFrom(name + "@conference.localhost"))
                .join(Resourcepart.from("Bob"));

        HttpResponse<String> r = get("/metrics", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        String m = r.body();
        // Other test classes share the server: at least ours are there.
        assertThat(sample(m, "parley_sessions", "")).isGreaterThanOrEqualTo(2);
        assertThat(sample(m, "parley_connections", "transport=\"tcp\"")).isGreaterThanOrEqualTo(2);
        assertThat(sample(m, "parley_connections_opened_total", "transport=\"tcp\"")).isGreaterThanOrEqualTo(4);
        assertThat(sample(m, "parley_muc_rooms", "domain=\"conference.localhost\"")).isGreaterThanOrEqualTo(1);
        assertThat(sample(m, "parley_muc_occupants", "domain=\"conference.localhost\"")).isGreaterThanOrEqualTo(2);
        assertThat(sample(m, "parley_stanzas_in_total", "kind=\"presence\"")).isGreaterThanOrEqualTo(stanzasBefore + 2);
        assertThat(sample(m, "parley_stanzas_out_total", "kind=\"iq\"")).isGreaterThan(0);
        assertThat(m).contains("parley_stream_errors_total{condition=\"policy-violation\"}")
                .contains("parley_limit_hits_total{limit=\"new-connections-per-second\"}")
                .contains("hikaricp_connections_active{pool=\"parley-storage\"}")
                .contains("jvm_memory_used_bytes")
                .contains("process_cpu_usage");

        // The room's occupants are exactly ours: the sample moves when Bob leaves.
        double occupants = sample(m, "parley_muc_occupants", "domain=\"conference.localhost\"");
        bob.disconnect();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                sample(get("/metrics", null).body(), "parley_muc_occupants", "domain=\"conference.localhost\"") <= occupants - 1);
    }

    @Test
    void healthAndReadiness() throws Exception {
        HttpResponse<String> health = get("/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"up\"");
        HttpResponse<String> ready = get("/ready", null);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"ready\":true");
    }

    @Test
    void apiNeedsTheBearerToken() throws Exception {
        assertThat(get("/api/sessions", null).statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = get("/api/sessions", "not-the-token-at-all");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(get("/api/summary", "x").statusCode()).isEqualTo(401);
        assertThat(get("/api/no-such-thing", ParleyServer.ADMIN_TOKEN).statusCode()).isEqualTo(404);
    }

    @Test
    void disconnectEndsTheSessionsOfOneAccount() throws Exception {
        AdminHttp admin = new AdminHttp(ParleyServer.get().adminPort(), ParleyServer.ADMIN_TOKEN);
        XMPPTCPConnection dan = clients.newUser("dan", "desk");
        XMPPTCPConnection danPhone = clients.login(dan.getUser().getLocalpart().toString(), "phone");
        XMPPTCPConnection erin = clients.newUser("erin", "desk");

        HttpResponse<String> r = admin.post("/api/sessions/disconnect", "{\"jid\": \"" + dan.getUser().asBareJid() + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(AdminHttp.object(r.body())).containsEntry("disconnected", 2L);
        await().atMost(Duration.ofSeconds(10)).until(() -> !dan.isConnected() && !danPhone.isConnected());
        assertThat(erin.isConnected()).isTrue();

        HttpResponse<String> none = admin.post("/api/sessions/disconnect", "{\"jid\": \"nobody-here@localhost\"}");
        assertThat(AdminHttp.object(none.body())).containsEntry("disconnected", 0L);
        for (String bad : List.of("{}", "{\"jid\": 5}", "{\"jid\": \"localhost\"}", "{\"jid\": \"a@localhost/r\"}",
                "{\"jid\": \"@localhost\"}", "[1]", "{\"jid\":")) {
            HttpResponse<String> answer = admin.post("/api/sessions/disconnect", bad);
            assertThat(answer.statusCode()).as(bad + " -> " + answer.body()).isEqualTo(400);
        }
        assertThat(admin.post("/api/sessions/disconnect", "not-the-token-at-all", "{\"jid\": \"" + erin.getUser().asBareJid() + "\"}")
                .statusCode()).isEqualTo(401);
        assertThat(erin.isConnected()).isTrue();
    }

    @Test
    void sessionsAndRoomsAreListed() throws Exception {
        String name = "api-" + UUID.randomUUID().toString().substring(0, 8);
        XMPPTCPConnection carol = clients.newUser("carol", "desk");
        MultiUserChatManager.getInstanceFor(carol).getMultiUserChat(JidCreate.entityBareFrom(name + "@conference.localhost"))
                .create(Resourcepart.from("Carol")).makeInstant();

        HttpResponse<String> sessions = get("/api/sessions", ParleyServer.ADMIN_TOKEN);
        assertThat(sessions.statusCode()).isEqualTo(200);
        assertThat(sessions.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(sessions.body()).contains("{\"jid\":\"" + carol.getUser() + "\",\"transport\":\"tcp\",\"address\":\"127.0.0.1:");

        HttpResponse<String> rooms = get("/api/rooms", ParleyServer.ADMIN_TOKEN);
        assertThat(rooms.statusCode()).isEqualTo(200);
        assertThat(rooms.body()).contains("\"jid\":\"" + name + "@conference.localhost\"").contains("\"nick\":\"Carol\"")
                .contains("\"affiliation\":\"owner\"");

        HttpResponse<String> summary = get("/api/summary", ParleyServer.ADMIN_TOKEN);
        assertThat(summary.statusCode()).isEqualTo(200);
        assertThat(summary.body()).contains("\"sessions\":").contains("\"rooms\":").contains("\"occupants\":")
                .contains("\"connections\":{\"tcp\":");
    }

    @Test
    void aConferenceAndItsSfuShowInMetricsTheSummaryAndTheApi() throws Exception {
        org.parley.it.sfu.TestSfu sfu = org.parley.it.sfu.TestSfu.start(clients, "admin-jvb", 0.3, null);
        List<AutoCloseable> closing = new ArrayList<>();
        closing.add(sfu);
        var bridges = ParleyServer.get().parley().focus().focus().bridges();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> bridges.get(new org.xmpp.packet.JID(sfu.jid())) != null);
            String room = "adm-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
            org.parley.it.sfu.TestParticipant a = org.parley.it.sfu.TestParticipant.connect(clients, room, "aaaa1111", false);
            closing.add(0, a);
            assertThat(a.requestConference().ready()).isTrue();
            a.join();
            org.parley.it.sfu.TestParticipant b = org.parley.it.sfu.TestParticipant.connect(clients, room, "bbbb2222", true);
            closing.add(0, b);
            b.join();
            await().atMost(Duration.ofSeconds(10)).until(() -> a.sid() != null && b.sid() != null);

            String m = get("/metrics", null).body();
            assertThat(sample(m, "parley_focus_conferences", "")).isGreaterThanOrEqualTo(1);
            assertThat(sample(m, "parley_focus_bridges", "state=\"operational\"")).isGreaterThanOrEqualTo(1);
            assertThat(sample(m, "parley_focus_bridge_stress", "bridge=\"" + sfu.jid() + "\"")).isEqualTo(0.3);
            assertThat(sample(m, "parley_muc_occupants", "domain=\"conference.localhost\"")).isGreaterThanOrEqualTo(3);

            String summary = get("/api/summary", ParleyServer.ADMIN_TOKEN).body();
            assertThat(summary).contains("\"bridgeStress\":{").contains("\"" + sfu.jid() + "\":0.3");
            assertThat(summary).containsPattern("\"conferences\":[1-9]");
            HttpResponse<String> api = get("/api/bridges", ParleyServer.ADMIN_TOKEN);
            assertThat(api.statusCode()).isEqualTo(200);
            assertThat(api.body()).contains("\"jid\":\"" + sfu.jid() + "\"").contains("\"state\":\"operational\"")
                    .contains("\"stress\":0.3");
        } finally {
            for (AutoCloseable c : closing) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
            // As FocusTest: the next test that picks bridges must not find this one.
            await().atMost(Duration.ofSeconds(10)).until(() -> bridges.all().stream().noneMatch(x -> x.failure() == null));
        }
    }
}
