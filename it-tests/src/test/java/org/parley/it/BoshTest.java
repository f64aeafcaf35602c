package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.bosh.BOSHConfiguration;
import org.jivesoftware.smack.bosh.XMPPBOSHConnection;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.ping.PingManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** BOSH (XEP-0124/0206) with Smack's BOSH client and with hand-written requests, next to TCP clients. */
@ExtendWith(ParleyServer.class)
class BoshTest {
    private final Clients clients = new Clients();
    private final List<XMPPBOSHConnection> bosh = new ArrayList<>();
    private XMPPTCPConnection tcp;
    private XMPPBOSHConnection bystander;
    private final List<Message> bystanderGot = new CopyOnWriteArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        tcp = clients.newUser("bosh-tcp", "t");
        bystander = connect(boshConfig().performSaslAnonymousAuthentication().build());
        bystander.login();
        ChatManager.getInstanceFor(bystander).addIncomingListener((from, m, chat) -> bystanderGot.add(m));
    }

    @AfterEach
    void close() {
        for (XMPPBOSHConnection c : bosh) if (c.isConnected()) c.disconnect();
        clients.close();
    }

    /**
     * Awaitility normally fails on any uncaught exception in any thread; jbosh's receive threads throw one
     * ("Connection is not open") when Smack shuts its HTTP client down under a held request on disconnect.
     */
    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(10)).dontCatchUncaughtExceptions();
    }

    private static BOSHConfiguration.Builder boshConfig() throws Exception {
        return BOSHConfiguration.builder()
                .setXmppDomain("localhost")
                // Smack writes an IP-literal host into the BOSH URI wrongly ("http:///127.0.0.1"), a name works.
                .setHost("localhost")
                .setPort(ParleyServer.get().httpPort())
                .setFile("/http-bind")
                .setUseHttps(false)
                // The plain listener stands for one behind a TLS proxy: the stream is secure, the socket is not.
                .setSecurityMode(SecurityMode.disabled)
                .setSendPresence(true);
    }

    private XMPPBOSHConnection connect(BOSHConfiguration config) throws Exception {
        XMPPBOSHConnection c = new XMPPBOSHConnection(config);
        c.setReplyTimeout(10_000);
        bosh.add(c);
        c.connect();
        return c;
    }

    private void bystanderStillWorks() throws Exception {
        assertThat(bystander.isAuthenticated()).isTrue();
        assertThat(PingManager.getInstanceFor(bystander).pingMyServer()).isTrue();
        int before = bystanderGot.size();
        ChatManager.getInstanceFor(tcp).chatWith(bystander.getUser().asEntityBareJid()).send("still there?");
        eventually().until(() -> bystanderGot.size() == before + 1);
    }

    @Test
    void scramLoginOverBoshChatsAndSharesPresenceWithTcp() throws Exception {
        String user = Clients.newUser("bosh-user");
        clients.register(user);
        XMPPTCPConnection desk = clients.login(user, "desk");
        List<Presence> deskSaw = new CopyOnWriteArrayList<>();
        desk.addAsyncStanzaListener(p -> deskSaw.add((Presence) p), StanzaTypeFilter.PRESENCE);
        List<Message> deskGot = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(desk).addIncomingListener((from, m, chat) -> deskGot.add(m));

        XMPPBOSHConnection web = connect(boshConfig().addEnabledSaslMechanism(ScramSha256Mechanism.NAME)
                .setUsernameAndPassword(user, Clients.PASSWORD).setResource("web").build());
        web.login();
        assertThat(web.getUsedSaslMechansism()).isEqualTo("SCRAM-SHA-256");
        assertThat(web.getUser().toString()).isEqualTo(user + "@localhost/web");
        eventually().until(() -> deskSaw.stream()
                .anyMatch(p -> p.getFrom().equals(web.getUser()) && p.isAvailable()));

        List<Message> webGot = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(web).addIncomingListener((from, m, chat) -> webGot.add(m));
        ChatManager.getInstanceFor(tcp).chatWith(web.getUser().asEntityBareJid()).send("to BOSH");
        eventually().until(() -> webGot.stream().anyMatch(m -> "to BOSH".equals(m.getBody())));

        List<Message> tcpGot = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(tcp).addIncomingListener((from, m, chat) -> tcpGot.add(m));
        for (int i = 0; i < 20; i++) {
            ChatManager.getInstanceFor(web).chatWith(tcp.getUser().asEntityBareJid()).send("from BOSH " + i);
        }
        eventually().until(() -> tcpGot.size() == 20);
        for (int i = 0; i < 20; i++) assertThat(tcpGot.get(i).getBody()).isEqualTo("from BOSH " + i);

        web.disconnect();
        eventually().until(() -> deskSaw.stream()
                .anyMatch(p -> p.getFrom().equals(web.getUser()) && p.getType() == Presence.Type.unavailable));
    }

    @Test
    void anonymousBoshClientReceivesWhatArrivesWhileItsRequestIsHeld() throws Exception {
        // After this round trip the initial presence is in, so a chat to the bare JID has a resource to go to.
        assertThat(PingManager.getInstanceFor(bystander).pingMyServer()).isTrue();
        Thread.sleep(500);
        // The bystander's request is held (nothing to send); a message must end the wait at once, not at 'wait'.
        long start = System.nanoTime();
        ChatManager.getInstanceFor(tcp).chatWith(bystander.getUser().asEntityBareJid()).send("wake up");
        eventually().until(() -> bystanderGot.stream().anyMatch(m -> "wake up".equals(m.getBody())));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
    }

    @Test
    void creationResponseCarriesTheSessionParametersAndFeatures() throws Exception {
        BoshRaw raw = new BoshRaw("/http-bind?room=lobby");
        String created = raw.create(5);
        assertThat(created).contains("wait='5'", "hold='1'", "requests='2'", "ver='1.11'", "from='localhost'",
                "authid='", "xmpp:version='1.0'", "xmpp:restartlogic='true'", "inactivity='", "<stream:features",
                "<mechanism>ANONYMOUS</mechanism>");
        // The same rid again (section 14.3): the same answer.
        assertThat(raw.post(raw.body(raw.rid(), "")).body()).isEqualTo(created);
        raw.post(raw.body(raw.rid() + 1, "").replace("/>", " type='terminate'/>"));
    }

    @Test
    void anonymousLoginByHandWithRestart() throws Exception {
        BoshRaw raw = new BoshRaw();
        raw.create(5);
        assertThat(raw.next("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>").get(10, TimeUnit.SECONDS).body())
                .contains("<success");
        String restarted = raw.postAsync(raw.body(raw.rid() + 1, "").replace("/>",
                " xmlns:xmpp='urn:xmpp:xbosh' xmpp:restart='true' to='localhost'/>")).get(10, TimeUnit.SECONDS).body();
        raw.next("");
        assertThat(restarted).contains("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>");
        String bound = raw.next("<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
                .get(10, TimeUnit.SECONDS).body();
        assertThat(bound).contains("<jid>");
        // A stanza left in the wrapper's namespace is read as jabber:client, as other servers do.
        raw.next("<message to='" + bystander.getUser() + "'><body>unqualified</body></message>").get(10, TimeUnit.SECONDS);
        eventually().until(() -> bystanderGot.stream().anyMatch(m -> "unqualified".equals(m.getBody())));
        String end = raw.postAsync(raw.body(raw.rid() + 1, "<presence xmlns='jabber:client' type='unavailable'/>")
                .replace("<body ", "<body type='terminate' ")).get(10, TimeUnit.SECONDS).body();
        assertThat(end).contains("type='terminate'");
        assertThat(raw.post(raw.body(raw.rid() + 2, "")).body()).contains("condition='item-not-found'");
    }

    @Test
    void unknownSidIsItemNotFound() throws Exception {
        BoshRaw raw = new BoshRaw();
        HttpResponse<String> r = raw.post("<body xmlns='" + BoshRaw.NS + "' rid='42' sid='no-such-session'/>");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("type='terminate'", "condition='item-not-found'");
        bystanderStillWorks();
    }

    @Test
    void ridOutsideTheWindowEndsTheSessionWithItemNotFound() throws Exception {
        BoshRaw raw = new BoshRaw();
        raw.create(5);
        HttpResponse<String> r = raw.post(raw.body(raw.rid() + 5, ""));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("type='terminate'", "condition='item-not-found'");
        assertThat(raw.post(raw.body(raw.rid() + 1, "")).body()).contains("condition='item-not-found'");
        bystanderStillWorks();
    }

    @Test
    void moreSimultaneousRequestsThanAllowedIsPolicyViolation() throws Exception {
        BoshRaw raw = new BoshRaw();
        raw.create(10);
        long r = raw.rid();
        // requests='2': one held request, one waiting behind a gap, and a third is one too many.
        CompletableFuture<HttpResponse<String>> held = raw.postAsync(raw.body(r + 1, ""));
        Thread.sleep(300);
        CompletableFuture<HttpResponse<String>> early = raw.postAsync(raw.body(r + 3, ""));
        Thread.sleep(300);
        HttpResponse<String> third = raw.post(raw.body(r + 4, ""));
        assertThat(third.body()).contains("type='terminate'", "condition='policy-violation'");
        // The requests before it are answered too (in rid order, the termination last) instead of hanging.
        assertThat(held.get(10, TimeUnit.SECONDS).body()).startsWith("<body");
        assertThat(early.get(10, TimeUnit.SECONDS).body()).startsWith("<body");
        assertThat(raw.post(raw.body(r + 2, "")).body()).contains("condition='item-not-found'");
        bystanderStillWorks();
    }

    @Test
    void oversizedBodyIsRefusedWith413AndPolicyViolation() throws Exception {
        BoshRaw raw = new BoshRaw();
        raw.create(5);
        String huge = "<message xmlns='jabber:client' to='x@localhost'><body>" + "x".repeat(400 * 1024) + "</body></message>";
        HttpResponse<String> r = raw.post(raw.body(raw.rid() + 1, huge));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("condition='policy-violation'");
        bystanderStillWorks();
    }

    @Test
    void malformedBodyIsBadRequest() throws Exception {
        BoshRaw raw = new BoshRaw();
        assertThat(raw.post("<body xmlns='" + BoshRaw.NS + "' rid='1' to='localhost'><unclosed></body>").body())
                .contains("condition='bad-request'");
        assertThat(raw.post("not xml at all").body()).contains("condition='bad-request'");
        assertThat(raw.post("<body xmlns='" + BoshRaw.NS + "' to='localhost'/>").body()).contains("condition='bad-request'");
        bystanderStillWorks();
    }

    @Test
    void corsPreflightAndOtherMethodsAndPaths() throws Exception {
        BoshRaw raw = new BoshRaw();
        var http = raw.http();
        HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(raw.uri())
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://meet.example")
                .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue("*");
        assertThat(preflight.headers().firstValue("access-control-allow-methods").orElse("")).contains("POST");
        assertThat(preflight.headers().firstValue("access-control-allow-headers").orElse("")).containsIgnoringCase("content-type");
        assertThat(preflight.headers().firstValue("access-control-max-age")).isPresent();

        HttpResponse<String> created = http.send(HttpRequest.newBuilder(raw.uri()).header("Origin", "https://meet.example")
                .POST(HttpRequest.BodyPublishers.ofString("<body xmlns='" + BoshRaw.NS + "' rid='7' to='localhost' wait='1' hold='1'/>"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.headers().firstValue("access-control-allow-origin")).hasValue("*");

        assertThat(http.send(HttpRequest.newBuilder(raw.uri()).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(405);
        var base = "http://127.0.0.1:" + ParleyServer.get().httpPort();
        assertThat(http.send(HttpRequest.newBuilder(java.net.URI.create(base + "/elsewhere")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        assertThat(http.send(HttpRequest.newBuilder(java.net.URI.create(base + "/xmpp-websocket"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(405);
    }
}
