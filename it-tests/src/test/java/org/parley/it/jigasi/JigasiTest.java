package org.parley.it.jigasi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jxmpp.jid.impl.JidCreate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.focus.jigasi.Jigasis;
import org.parley.it.Clients;
import org.parley.it.StockLayout;
import org.parley.it.StockLayoutServer;
import org.parley.it.sfu.RawIq;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.TestSfu;
import org.parley.jingle.JingleAction;
import org.parley.xmpp.sasl.ScramCredentials;
import org.xmpp.packet.JID;

/**
 * Jigasi through the focus (issue 19), black-box in Jitsi Meet's stock layout with test Jigasis in
 * {@code JigasiBrewery@internal.auth.D}: dial-out and the transcriber as lib-jitsi-meet asks for them (a Rayo dial to
 * the focus's occupant), the choice of Jigasi, Jicofo's errors, hang-up straight to the call, the conference reply's
 * {@code sipGatewayEnabled}, and a Jigasi joining a room by itself (dial-in).
 */
class JigasiTest {
    static final String JIGASI_BREWERY = "JigasiBrewery@internal.auth." + StockLayout.DOMAIN;

    @RegisterExtension
    static final StockLayoutServer STOCK = new StockLayoutServer("""
            parley.focus.jigasi { breweries = ["%s"], dial-timeout = 2s }
            # Jigasi's transcriber account (jigasi@auth.D here) is hidden, as Jicofo trusts only its trusted domains.
            parley.focus.hidden-domains = ["%s"]
            parley.admin { enabled = true, bind = "127.0.0.1", port = 0, token = "%s" }
            """.formatted(JIGASI_BREWERY, StockLayout.AUTH, JigasiTest.ADMIN_TOKEN));
    static final String ADMIN_TOKEN = "jigasi-admin-token-0123456789";

    private static final AtomicInteger resources = new AtomicInteger();

    @BeforeAll
    static void jigasiAccount() throws Exception {
        assertThat(STOCK.parley().storage().accounts().create(StockLayout.AUTH, "jigasi",
                ScramCredentials.deriveAll(StockLayout.PASSWORD)).get(10, TimeUnit.SECONDS)).isTrue();
    }

    @BeforeEach
    void noJigasiLeftFromTheTestBefore() {
        await().atMost(Duration.ofSeconds(10)).until(() -> jigasis().all().isEmpty());
    }

    private static Jigasis jigasis() {
        return STOCK.parley().focus().focus().jigasis();
    }

    private XMPPTCPConnection jigasiAccount(Clients auth, String resource) throws Exception {
        XMPPTCPConnection c = auth.connect(auth.config().setUsernameAndPassword("jigasi", StockLayout.PASSWORD)
                .setResource(resource).build());
        c.login();
        return c;
    }

    /**
     * A Jigasi in the brewery, known to the focus when this returns. SIP calls join as anonymous guests of D (jigasi's
     * stock call account), the transcriber as jigasi@auth.D (hidden).
     */
    private TestJigasi jigasi(String name, boolean sip, boolean transcription, String region, int participants) throws Exception {
        Clients auth = STOCK.auth();
        Clients web = STOCK.web();
        String nick = name + "-" + resources.incrementAndGet();
        TestJigasi j = STOCK.closeAfterTest(TestJigasi.join(jigasiAccount(auth, nick), JIGASI_BREWERY, nick, sip, transcription,
                region, () -> {
                    try {
                        if (!sip || transcription) return jigasiAccount(auth, "call-" + resources.incrementAndGet());
                        XMPPTCPConnection c = web.connect(web.anonymousConfig().build());
                        c.login();
                        return c;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
        if (participants > 0) j.participants(participants);
        await().atMost(Duration.ofSeconds(10)).until(() -> jigasis().all().stream()
                .anyMatch(k -> k.jid().equals(new JID(j.jid())) && k.participants() == participants));
        return j;
    }

    private static String room() {
        return "jg-" + UUID.randomUUID().toString().substring(0, 8) + "@" + StockLayout.MUC;
    }

    private TestParticipant join(String room, String nick) throws Exception {
        TestParticipant p = STOCK.closeAfterTest(TestParticipant.connect(STOCK.web(), room, nick, true));
        return p.join();
    }

    /** The first participant, an owner (Jicofo's auto-owner) once this returns. */
    private TestParticipant moderator(String room, String nick) throws Exception {
        TestParticipant p = join(room, nick);
        await().atMost(Duration.ofSeconds(10)).until(() -> p.seesItem(nick, "affiliation", "owner"));
        return p;
    }

    /** lib-jitsi-meet's ChatRoom.dial: a Rayo dial to the focus's occupant with the room in JvbRoomName. */
    private static IQ dial(TestParticipant p, String to) throws Exception {
        return p.toFocus("<dial xmlns='urn:xmpp:rayo:1' to='" + to + "' from='fromnumber'>"
                + "<header name='JvbRoomName' value='" + p.room + "'/></dial>");
    }

    private static String refUri(IQ answer) {
        assertThat(answer).isNotNull();
        assertThat(answer.getType()).as(answer.toXML().toString()).isEqualTo(IQ.Type.result);
        String uri = ((RawIq) answer).child().attributeValue("uri");
        assertThat(uri).startsWith("xmpp:");
        return uri;
    }

    private static void assertError(IQ answer, StanzaError.Condition condition) {
        assertThat(answer).isNotNull();
        assertThat(answer.getType()).as(answer.toXML().toString()).isEqualTo(IQ.Type.error);
        assertThat(answer.getError().getCondition()).isEqualTo(condition);
    }

    /** lib-jitsi-meet's hang-up: to the call's address from the ref, straight to the Jigasi's occupant. */
    private static IQ hangUp(TestParticipant p, String uri) throws Exception {
        RawIq iq = RawIq.of("<hangup xmlns='urn:xmpp:rayo:1'/>");
        iq.setType(IQ.Type.set);
        iq.setTo(JidCreate.from(uri.substring("xmpp:".length())));
        try {
            return p.connection.sendIqRequestAndWaitForResponse(iq);
        } catch (org.jivesoftware.smack.XMPPException.XMPPErrorException e) {
            return (IQ) e.getStanza();
        }
    }

    @Test
    void dialOutGoesToTheLeastLoadedSipJigasiWithTheRoomAndHangUpEndsTheCall() throws Exception {
        TestJigasi busy = jigasi("busy", true, false, null, 5);
        TestJigasi idle = jigasi("idle", true, false, null, 1);
        TestJigasi transcriber = jigasi("trans", false, true, null, 0);
        String room = room();
        TestParticipant mod = moderator(room, "dmod");

        String uri = refUri(dial(mod, "+4930123456"));
        // The least loaded Jigasi that does SIP got it, from the focus in the brewery, with the room; nobody else was asked.
        assertThat(idle.dials).hasSize(1);
        assertThat(idle.dials.get(0)).startsWith(JIGASI_BREWERY.toLowerCase() + "/focus ").contains("to=\"+4930123456\"")
                .contains("name=\"JvbRoomName\"").contains("value=\"" + room + "\"");
        assertThat(busy.dials).isEmpty();
        assertThat(transcriber.dials).isEmpty();
        // The ref names the call in the room, and the caller sees it come in.
        String callNick = uri.substring(uri.indexOf('/') + 1);
        assertThat(uri).isEqualTo("xmpp:" + room + "/" + callNick);
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.seesPresence(callNick, "http://jitsi.org/protocol/jigasi"));

        // Hang-up goes to the call itself; the call leaves the room.
        IQ hungUp = hangUp(mod, uri);
        assertThat(hungUp.getType()).isEqualTo(IQ.Type.result);
        assertThat(idle.hangups).containsExactly(room + "/dmod");
        await().atMost(Duration.ofSeconds(5)).until(() -> idle.callsInProgress.isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.roomPresences().stream().anyMatch(p ->
                p.getFrom().toString().equals(room + "/" + callNick) && p.getType() == org.jivesoftware.smack.packet.Presence.Type.unavailable));
    }

    @Test
    void theTranscriberGoesToAJigasiThatTranscribesAndASecondOneIsRefused() throws Exception {
        TestJigasi sip = jigasi("sip", true, false, null, 0);
        TestJigasi transcriber = jigasi("tr", false, true, null, 3);
        String room = room();
        TestParticipant mod = moderator(room, "tmod");

        String uri = refUri(dial(mod, "jitsi_meet_transcribe"));
        assertThat(transcriber.dials).hasSize(1);
        assertThat(transcriber.dials.get(0)).contains("to=\"jitsi_meet_transcribe\"");
        assertThat(sip.dials).isEmpty();
        String callNick = uri.substring(uri.indexOf('/') + 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.seesPresence(callNick, "http://jitsi.org/protocol/transcriber"));
        // One transcriber per room (Jicofo's conflict); nobody is asked again.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            IQ again = dial(mod, "jitsi_meet_transcribe");
            return again.getType() == IQ.Type.error && again.getError().getCondition() == StanzaError.Condition.conflict;
        });
        assertThat(transcriber.dials).hasSize(1);
        assertThat(sip.dials).isEmpty();
    }

    @Test
    void aJigasiThatRefusesIsLeftOutAndTheNextTakesTheCall() throws Exception {
        TestJigasi refusing = jigasi("refuse", true, false, null, 0);
        refusing.mode = TestJigasi.Mode.REFUSE;
        TestJigasi silent = jigasi("silent", true, false, null, 1);
        silent.mode = TestJigasi.Mode.SILENT;
        TestJigasi taking = jigasi("take", true, false, null, 7);
        String room = room();
        TestParticipant mod = moderator(room, "rmod");

        refUri(dial(mod, "+111"));
        // Least loaded first: the one that refuses, then the one that does not answer (dial-timeout), then the last.
        assertThat(refusing.dials).hasSize(1);
        assertThat(silent.dials).hasSize(1);
        assertThat(taking.dials).hasSize(1);
        assertThat(taking.callsInProgress).hasSize(1);

        // When every one tried refuses: Jicofo's undefined-condition; the last did not answer: remote-server-timeout.
        taking.mode = TestJigasi.Mode.SILENT;
        assertError(dial(mod, "+222"), StanzaError.Condition.remote_server_timeout);
        silent.mode = TestJigasi.Mode.REFUSE;
        taking.mode = TestJigasi.Mode.REFUSE;
        assertError(dial(mod, "+333"), StanzaError.Condition.undefined_condition);
        assertThat(refusing.dials).hasSize(3);
        assertThat(taking.dials).hasSize(3);
    }

    @Test
    void theCallersRegionComesFirstAndAJigasiShuttingDownTakesNothing() throws Exception {
        TestJigasi eu = jigasi("eu", true, false, "eu-west", 10);
        TestJigasi us = jigasi("us", true, false, "us-east", 0);
        String room = room();
        TestParticipant mod = STOCK.closeAfterTest(TestParticipant.connect(STOCK.web(), room, "emod", true)).region("eu-west").join();
        await().atMost(Duration.ofSeconds(10)).until(() -> mod.seesItem("emod", "affiliation", "owner"));

        refUri(dial(mod, "+100"));
        assertThat(eu.dials).hasSize(1);
        assertThat(us.dials).isEmpty();
        // A moderator from a region without a Jigasi gets the least loaded one.
        String room2 = room();
        TestParticipant far = STOCK.closeAfterTest(TestParticipant.connect(STOCK.web(), room2, "emod2", true)).region("ap-south").join();
        await().atMost(Duration.ofSeconds(10)).until(() -> far.seesItem("emod2", "affiliation", "owner"));
        refUri(dial(far, "+150"));
        assertThat(eu.dials).hasSize(1);
        assertThat(us.dials).hasSize(1);
        // The region's Jigasi shuts down: it takes nothing, the other one does.
        eu.gracefulShutdown(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> jigasis().all().stream().anyMatch(j -> j.gracefulShutdown()));
        refUri(dial(mod, "+200"));
        assertThat(eu.dials).hasSize(1);
        assertThat(us.dials).hasSize(2);
        // None left that may take a call: Jicofo's service-unavailable.
        us.gracefulShutdown(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> jigasis().all().stream().allMatch(j -> j.gracefulShutdown()));
        assertError(dial(mod, "+300"), StanzaError.Condition.service_unavailable);
        assertThat(eu.dials).hasSize(1);
        assertThat(us.dials).hasSize(2);
    }

    @Test
    void onlyModeratorsDialAndOnlyForTheirOwnRoom() throws Exception {
        TestJigasi j = jigasi("perm", true, true, null, 0);
        String room = room();
        TestParticipant mod = moderator(room, "pmod");
        TestParticipant guest = join(room, "pguest");
        await().atMost(Duration.ofSeconds(10)).until(() -> guest.seesItem("pguest", "role", "participant"));

        // Jicofo's moderator check: forbidden, for a number and for the transcriber alike.
        assertError(dial(guest, "+123"), StanzaError.Condition.forbidden);
        assertError(dial(guest, "jitsi_meet_transcribe"), StanzaError.Condition.forbidden);
        // A JvbRoomName naming another room: forbidden, even for a moderator.
        assertError(mod.toFocus("<dial xmlns='urn:xmpp:rayo:1' to='+123' from='x'><header name='JvbRoomName' value='other@"
                + StockLayout.MUC + "'/></dial>"), StanzaError.Condition.forbidden);
        // No destination: bad-request.
        assertError(mod.toFocus("<dial xmlns='urn:xmpp:rayo:1' from='x'/>"), StanzaError.Condition.bad_request);
        assertThat(j.dials).isEmpty();
        // Without the header the focus names the room itself.
        refUri(mod.toFocus("<dial xmlns='urn:xmpp:rayo:1' to='+124' from='x'/>"));
        assertThat(j.dials).hasSize(1);
        assertThat(j.dials.get(0)).contains("value=\"" + room + "\"");
    }

    @Test
    void theConferenceReplyOffersSipAndTranscriptionOnlyWhileAJigasiCanTakeThem() throws Exception {
        String room = room();
        TestParticipant p = STOCK.closeAfterTest(TestParticipant.connect(STOCK.web(), room, "amod", true));
        var reply = p.requestConference();
        assertThat(reply.property("sipGatewayEnabled")).isEqualTo("false");
        assertThat(reply.property("transcriptionEnabled")).isEqualTo("false");

        TestJigasi sip = jigasi("avail", true, false, null, 0);
        reply = p.requestConference();
        assertThat(reply.property("sipGatewayEnabled")).isEqualTo("true");
        assertThat(reply.property("transcriptionEnabled")).isEqualTo("false");
        TestJigasi tr = jigasi("avtr", false, true, null, 0);
        assertThat(p.requestConference().property("transcriptionEnabled")).isEqualTo("true");

        // Shutting down counts as gone; the last one leaving takes the offer away.
        sip.gracefulShutdown(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> "false".equals(p.requestConference().property("sipGatewayEnabled")));
        sip.gracefulShutdown(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> "true".equals(p.requestConference().property("sipGatewayEnabled")));
        sip.close();
        tr.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> jigasis().all().isEmpty());
        reply = p.requestConference();
        assertThat(reply.property("sipGatewayEnabled")).isEqualTo("false");
        assertThat(reply.property("transcriptionEnabled")).isEqualTo("false");
    }

    private static String admin(String path) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + STOCK.parley().adminPort() + path))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).GET().build();
        var response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }

    /** One sample of /metrics (no labels). */
    private static double metric(String name) throws Exception {
        var m = java.util.regex.Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(admin("/metrics"));
        assertThat(m.find()).as(name).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theAdminApiTheMetricsAndTheDashboardShowTheJigasis() throws Exception {
        TestJigasi sip = jigasi("adm-sip", true, false, "eu-west", 2);
        TestJigasi tr = jigasi("adm-tr", false, true, null, 0);
        String api = admin("/api/jigasis");
        assertThat(api).contains("\"count\":2").contains("\"sipAvailable\":true").contains("\"transcriptionAvailable\":true")
                .contains("\"breweries\":[\"" + JIGASI_BREWERY.toLowerCase() + "\"]")
                .contains("\"jid\":\"" + JIGASI_BREWERY.toLowerCase() + "/" + sip.nick + "\"")
                .contains("\"region\":\"eu-west\"").contains("\"participants\":2");
        assertThat(admin("/api/summary")).contains("\"jigasis\":[").contains(tr.nick);
        assertThat(metric("parley_focus_jigasi_instances")).isEqualTo(2);
        assertThat(metric("parley_focus_jigasi_sip")).isEqualTo(1);
        assertThat(metric("parley_focus_jigasi_transcribers")).isEqualTo(1);
        double accepted = metric("parley_focus_jigasi_dial_accepted_total");

        sip.gracefulShutdown(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> admin("/api/jigasis").contains("\"state\":\"shutting-down\""));
        assertThat(metric("parley_focus_jigasi_sip_graceful_shutdown")).isEqualTo(1);
        TestParticipant mod = moderator(room(), "amod2");
        assertError(dial(mod, "+999"), StanzaError.Condition.service_unavailable);
        assertThat(metric("parley_focus_jigasi_dial_accepted_total")).isEqualTo(accepted + 1);
        assertThat(metric("parley_focus_jigasi_dial_no_instance_total")).isGreaterThanOrEqualTo(1);
        assertThat(admin("/api/jigasis")).contains("\"noInstance\":");
    }

    @Test
    void aJigasiDialingInIsAParticipantLikeAnyOther() throws Exception {
        TestSfu sfu = STOCK.closeAfterTest(STOCK.layout().jvb(STOCK.auth(), "jvb-jigasi"));
        await().atMost(Duration.ofSeconds(10)).until(() -> STOCK.parley().focus().focus().bridges().get(new JID(sfu.jid())) != null);
        String room = room();
        TestParticipant web = join(room, "dweb");
        // jigasi's JvbConference for an incoming SIP call: a conference request, then the room, announcing jigasi.
        TestParticipant phone = join(room, "dphone");
        phone.sendPresence("<features xmlns='http://jitsi.org/jitmeet'><feature var='http://jitsi.org/protocol/jigasi'/></features>");
        await().atMost(Duration.ofSeconds(15)).until(() -> web.sid() != null && phone.sid() != null);
        assertThat(phone.received(JingleAction.SESSION_INITIATE)).hasSize(1);
        assertThat(sfu.logic.byRoom(room).endpoints).containsKeys("dweb", "dphone");
    }
}
