package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.it.sfu.TestParticipant;
import org.parley.jingle.focus.ConferenceIq;

/**
 * Jicofo's REST API on the shared server (policy "anyone"): the conference request over HTTP as lib-jitsi-meet sends
 * it when config.js sets conferenceRequestUrl, answered as the conference IQ is, then the client's XMPP join; bad
 * requests get 4xx and leave the focus serving.
 */
@ExtendWith(ParleyServer.class)
class ConferenceRequestHttpTest {
    private final Clients clients = new Clients();
    private final JicofoHttp rest = new JicofoHttp(ParleyServer.get().jicofoRestPort());

    @AfterEach
    void close() {
        clients.close();
    }

    static String room() {
        return "h-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
    }

    @Test
    void httpConferenceRequestIsAnsweredAsTheIqThenTheClientJoins() throws Exception {
        String room = room();
        HttpResponse<String> r = rest.conferenceRequest(room, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        Map<String, Object> http = JicofoHttp.json(r);
        assertThat(http).containsEntry("room", room).containsEntry("ready", true)
                .containsEntry("focusJid", ParleyServer.FOCUS_JID);

        TestParticipant p = TestParticipant.connect(clients, room, "http0001", true);
        ConferenceIq iq = p.requestConference();
        assertThat(http.get("ready")).isEqualTo(iq.ready());
        assertThat(http.get("focusJid")).isEqualTo(iq.focusJid());
        assertThat(http.get("room")).isEqualTo(iq.room());
        assertThat(http.get("properties")).isEqualTo(iq.propertyMap());
        assertThat(iq.propertyMap()).containsEntry("authentication", "false");

        // As lib-jitsi-meet in HTTP mode: no conference IQ, straight into the room the focus holds.
        TestParticipant q = TestParticipant.connect(clients, room, "http0002", true).enter();
        await().atMost(Duration.ofSeconds(10)).until(() -> q.seesFocusAs(ParleyServer.FOCUS_JID));
    }

    @Test
    void badRequestsGetClientErrorsAndTheFocusKeepsServing() throws Exception {
        assertThat(rest.post("/conference-request/v1", "{\"room\":", null).statusCode()).isEqualTo(400);
        assertThat(rest.post("/conference-request/v1", "{}", null).statusCode()).isEqualTo(400);
        assertThat(rest.post("/conference-request/v1", "[1,2]", null).statusCode()).isEqualTo(400);
        assertThat(rest.post("/conference-request/v1", "{\"room\":\"r@conference.localhost\",\"properties\":{\"a\":{}}}", null)
                .statusCode()).isEqualTo(400);
        // A room on a domain the focus does not serve: the IQ's not-acceptable, as a 400 that is no session error.
        HttpResponse<String> foreign = rest.conferenceRequest("r@conference.elsewhere.example", null);
        assertThat(foreign.statusCode()).isEqualTo(400);
        assertThat(foreign.body()).contains("not-acceptable").doesNotContain("invalid-session");
        assertThat(rest.conferenceRequest("not a jid@@", null).statusCode()).isEqualTo(400);
        assertThat(rest.get("/conference-request/v1").statusCode()).isEqualTo(405);
        assertThat(rest.get("/nothing-here").statusCode()).isEqualTo(404);
        HttpResponse<String> big = rest.post("/conference-request/v1", "{\"room\":\"" + "x".repeat(64 * 1024) + "\"}", null);
        assertThat(big.statusCode()).isEqualTo(413);

        HttpResponse<String> ok = rest.conferenceRequest(room(), null);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(JicofoHttp.json(ok)).containsEntry("ready", true);
    }

    @Test
    void aboutVersionHasJicofosShape() throws Exception {
        HttpResponse<String> v = rest.get("/about/version");
        assertThat(v.statusCode()).isEqualTo(200);
        assertThat(JicofoHttp.json(v)).containsKeys("name", "version", "os").containsEntry("name", "Parley");
    }
}
