package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestMethodOrder;
import org.parley.app.Parley;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.TestSfu;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.xmpp.sasl.ScramCredentials;
import org.xmpp.packet.JID;

/**
 * Jitsi Meet's stock layout from the two-line switch ({@code parley.jitsi-meet.domain} and the include): a
 * jitsi-videobridge configured as the Debian package does (account jvb on auth.DOMAIN with a password, MUC_JIDS
 * JvbBrewery@internal.auth.DOMAIN) joins the brewery, the focus (focus@auth.DOMAIN, beside the accounts of auth.DOMAIN)
 * uses it, and browser-like clients on DOMAIN get their conference over HTTP (the web app's conferenceRequestUrl) or
 * through focus.DOMAIN. Conferences need a token here, so both ways are shown refusing without one.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JitsiMeetLayoutTest {
    private static final String DOMAIN = StockLayout.DOMAIN;
    private static final String AUTH = StockLayout.AUTH;
    private static final String BREWERY = StockLayout.BREWERY;
    private static final String FOCUS_JID = StockLayout.FOCUS_JID;
    private static final String JVB_PASSWORD = StockLayout.PASSWORD;
    private static final String SECRET = "layout-test-secret-at-least-32-bytes!";
    @RegisterExtension
    static final StockLayoutServer STOCK = new StockLayoutServer("""
            parley.focus {
              policy { create = token, token.secret = "%s" }
              bridges { health-interval = 2s, health-timeout = 1s }
            }
            """.formatted(SECRET));
    private static StockLayout layout;
    private static Parley parley;
    private Clients web;
    private Clients auth;

    @BeforeAll
    static void start() throws Exception {
        // As the Debian packages do: `prosodyctl register jvb auth.DOMAIN <password>` (StockLayout's jvb account).
        layout = STOCK.layout();
        parley = STOCK.parley();
        // An imported Jicofo account: it exists, but the focus answers for its JID.
        assertThat(parley.storage().accounts().create(AUTH, "focus", ScramCredentials.deriveAll(JVB_PASSWORD))
                .get(10, TimeUnit.SECONDS)).isTrue();
    }

    @org.junit.jupiter.api.BeforeEach
    void clients() {
        web = STOCK.web();
        auth = STOCK.auth();
    }

    private TestSfu stockJvb(String nick) throws Exception {
        return STOCK.closeAfterTest(layout.jvb(auth, nick));
    }

    private static String token(String room) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("my_app_id").audience("jitsi").subject(DOMAIN)
                .claim("room", room).expirationTime(Date.from(Instant.now().plusSeconds(600))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    @Test
    @Order(1)
    void healthSaysUnhealthyUntilAStockJvbJoinsTheBrewery() throws Exception {
        JicofoHttp rest = new JicofoHttp(parley.jicofoRestPort());
        HttpResponse<String> before = rest.get("/about/health");
        assertThat(before.statusCode()).isEqualTo(500);
        assertThat(before.body()).contains("No operational bridges");

        TestSfu jvb = stockJvb("jvb-health");
        await().atMost(Duration.ofSeconds(10)).until(() -> parley.focus().focus().bridges().get(new JID(jvb.jid())) != null);
        assertThat(jvb.jid()).isEqualToIgnoringCase(BREWERY + "/jvb-health");
        await().atMost(Duration.ofSeconds(10)).until(() -> rest.get("/about/health").statusCode() == 200);
        HttpResponse<String> after = rest.get("/about/health");
        assertThat(after.body()).isEmpty();
        assertThat(after.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        // The focus's own health checks reach the JVB at its brewery address and come back to focus@auth.D.
        await().atMost(Duration.ofSeconds(10)).until(() -> !jvb.healthChecks.isEmpty());
    }

    @Test
    @Order(2)
    void theBreweryAdmitsOnlyAccountsOfTheAuthDomain() throws Exception {
        XMPPTCPConnection guest = web.connect(web.anonymousConfig().build());
        guest.login();
        var muc = org.jivesoftware.smackx.muc.MultiUserChatManager.getInstanceFor(guest)
                .getMultiUserChat(org.jxmpp.jid.impl.JidCreate.entityBareFrom(BREWERY));
        assertThatThrownBy(() -> muc.join(org.jxmpp.jid.parts.Resourcepart.from("intruder")))
                .isInstanceOf(XMPPException.XMPPErrorException.class).hasMessageContaining("not-allowed");
    }

    @Test
    @Order(3)
    void noClientMayBindTheFocusJid() throws Exception {
        XMPPTCPConnection c = auth.connect(auth.config().setUsernameAndPassword("focus", JVB_PASSWORD).setResource("focus").build());
        assertThatThrownBy(c::login).hasMessageContaining("not-allowed");
    }

    @Test
    @Order(4)
    void conferenceOverHttpWithAndWithoutTokenAsTheIqThenEndToEndOnTheStockJvb() throws Exception {
        TestSfu jvb = stockJvb("jvb-e2e");
        await().atMost(Duration.ofSeconds(10)).until(() -> parley.focus().focus().bridges().get(new JID(jvb.jid())) != null);
        JicofoHttp rest = new JicofoHttp(parley.jicofoRestPort());
        String room = "stock-" + System.nanoTime() + "@conference." + DOMAIN;
        TestParticipant a = TestParticipant.connect(web, room, "aaaa0001", true);
        STOCK.closeAfterTest(a);

        // Without a token: refused over HTTP (403, lib-jitsi-meet asks for authentication) as over XMPP.
        assertThat(rest.conferenceRequest(room, null).statusCode()).isEqualTo(403);
        assertThatThrownBy(() -> a.requestConference(room, null)).hasMessageContaining("not-authorized");
        assertThat(rest.conferenceRequest(room, "not.a.token").statusCode()).isEqualTo(403);

        // With the token as the web app sends it (Authorization: Bearer), and in the IQ's token attribute.
        String token = token("*");
        HttpResponse<String> r = rest.conferenceRequest(room, token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> http = JicofoHttp.json(r);
        assertThat(http).containsEntry("room", room).containsEntry("ready", true).containsEntry("focusJid", FOCUS_JID);
        ConferenceIq iq = a.requestConference(room, token);
        assertThat(http.get("ready")).isEqualTo(iq.ready());
        assertThat(http.get("focusJid")).isEqualTo(iq.focusJid());
        assertThat(http.get("properties")).isEqualTo(iq.propertyMap());
        assertThat(iq.propertyMap()).containsEntry("authentication", "true");

        // The clients join over XMPP and the conference runs on the stock JVB.
        a.enter();
        TestParticipant b = TestParticipant.connect(web, room, "bbbb0002", false).enter();
        STOCK.closeAfterTest(b);
        await().atMost(Duration.ofSeconds(15)).until(() -> a.sid() != null && b.sid() != null);
        assertThat(a.seesFocusAs(FOCUS_JID)).isTrue();
        FocusTest.everyoneSeesEveryone(List.of(a, b));
        SfuLogic.Conf conf = jvb.logic.byRoom(room);
        assertThat(conf.endpoints.keySet()).containsExactlyInAnyOrder("aaaa0001", "bbbb0002");
    }
}
