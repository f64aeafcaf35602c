package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
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
import org.jxmpp.jid.impl.JidCreate;

/** XMPP over WebSocket (RFC 7395) against TCP clients on the same server, and what it does with bad frames. */
@ExtendWith(ParleyServer.class)
class WebSocketTest {
    private final Clients clients = new Clients();
    private final List<WebSocketClient> sockets = new CopyOnWriteArrayList<>();
    private XMPPTCPConnection bystander;

    @BeforeEach
    void bystander() throws Exception {
        bystander = clients.newUser("ws-bystander", "b");
    }

    @AfterEach
    void close() {
        for (WebSocketClient s : sockets) s.close();
        clients.close();
    }

    private WebSocketClient plain() throws Exception {
        WebSocketClient c = WebSocketClient.plain();
        sockets.add(c);
        return c;
    }

    private void bystanderStillWorks() throws Exception {
        assertThat(bystander.isConnected()).isTrue();
        assertThat(PingManager.getInstanceFor(bystander).pingMyServer()).isTrue();
    }

    @Test
    void anonymousWebSocketClientChatsWithTcpClient() throws Exception {
        List<Message> got = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(bystander).addIncomingListener((from, m, chat) -> got.add(m));
        WebSocketClient ws = plain();
        assertThat(ws.subprotocol()).isEqualTo("xmpp");
        ws.open();
        String open = ws.await("<open");
        assertThat(open).contains("xmlns='" + WebSocketClient.FRAMING + "'").contains("from='localhost'")
                .contains("version='1.0'").contains(" id='");
        ws.await("</stream:features>");
        ws.close();
        sockets.remove(ws);

        WebSocketClient anon = plain();
        String jid = anon.login(null, null, null);
        assertThat(jid).startsWith("").contains("@localhost/");
        anon.send("<presence xmlns='jabber:client'/>");
        anon.send("<message xmlns='jabber:client' to='" + bystander.getUser().asEntityBareJidString()
                + "' type='chat'><body>hello from a browser</body></message>");
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
        assertThat(got.get(0).getBody()).isEqualTo("hello from a browser");
        assertThat(got.get(0).getFrom().toString()).isEqualTo(jid);

        ChatManager.getInstanceFor(bystander).chatWith(JidCreate.entityBareFrom(jid)).send("hello from TCP");
        // A chat to the bare JID of an anonymous user reaches its one resource; stanzas carry their namespace.
        String m = anon.await("hello from TCP");
        assertThat(m).startsWith("<message").contains("xmlns='jabber:client'");
    }

    @Test
    void plainLoginOverWssSharesPresenceWithTheSameAccountOverTcp() throws Exception {
        String user = Clients.newUser("ws-user");
        clients.register(user);
        XMPPTCPConnection desk = clients.login(user, "desk");
        List<Presence> deskSaw = new CopyOnWriteArrayList<>();
        desk.addAsyncStanzaListener(p -> deskSaw.add((Presence) p), StanzaTypeFilter.PRESENCE);

        WebSocketClient web = WebSocketClient.tls();
        sockets.add(web);
        String jid = web.login(user, Clients.PASSWORD, "web");
        assertThat(jid).isEqualTo(user + "@localhost/web");
        web.send("<presence xmlns='jabber:client'><status>in a browser</status></presence>");
        await().atMost(Duration.ofSeconds(10)).until(() -> deskSaw.stream()
                .anyMatch(p -> p.getFrom().toString().equals(jid) && "in a browser".equals(p.getStatus())));
        // The other resource's presence comes back to the WebSocket client as well.
        web.await("from='" + user + "@localhost/desk'");

        desk.sendStanza(desk.getStanzaFactory().buildMessageStanza().to(JidCreate.entityFullFrom(jid))
                .setBody("to the browser tab").build());
        web.await("to the browser tab");

        web.send("<close xmlns='" + WebSocketClient.FRAMING + "'/>");
        web.await("<close");
        assertThat(web.awaitClose()).isEqualTo(1000);
        await().atMost(Duration.ofSeconds(10)).until(() -> deskSaw.stream()
                .anyMatch(p -> p.getFrom().toString().equals(jid) && p.getType() == Presence.Type.unavailable));
    }

    @Test
    void handshakeWithoutTheXmppSubprotocolIsRefused() {
        URI uri = URI.create("ws://127.0.0.1:" + ParleyServer.get().httpPort() + "/xmpp-websocket");
        assertThatThrownBy(() -> WebSocketClient.connect(uri, null))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(400));
    }

    @Test
    void queryStringsAreIgnored() throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + ParleyServer.get().httpPort() + "/xmpp-websocket?room=lobby");
        WebSocketClient ws = WebSocketClient.connect(uri, "xmpp");
        sockets.add(ws);
        ws.open().await("</stream:features>");
    }

    private static void streamErrorThenClose(WebSocketClient ws, String condition) throws Exception {
        String error = ws.await("<stream:error");
        assertThat(error).contains("xmlns:stream='http://etherx.jabber.org/streams'").contains("<" + condition);
        ws.await("<close xmlns='" + WebSocketClient.FRAMING + "'");
        assertThat(ws.awaitClose()).isGreaterThan(0);
    }

    @Test
    void nonXmlMessageIsNotWellFormed() throws Exception {
        WebSocketClient ws = plain();
        ws.open().await("</stream:features>");
        ws.send("this is not XML <");
        streamErrorThenClose(ws, "not-well-formed");
        bystanderStillWorks();
    }

    @Test
    void twoElementsInOneMessageAreNotWellFormed() throws Exception {
        WebSocketClient ws = plain();
        ws.login(null, null, null);
        ws.send("<presence xmlns='jabber:client'/><presence xmlns='jabber:client'/>");
        streamErrorThenClose(ws, "not-well-formed");
        bystanderStillWorks();
    }

    @Test
    void binaryMessageIsAStreamError() throws Exception {
        WebSocketClient ws = plain();
        ws.open().await("</stream:features>");
        ws.sendBinary("<presence xmlns='jabber:client'/>".getBytes());
        streamErrorThenClose(ws, "unsupported-encoding");
        bystanderStillWorks();
    }

    @Test
    void messageOverTheStanzaLimitIsPolicyViolation() throws Exception {
        WebSocketClient ws = plain();
        ws.login(null, null, null);
        try {
            ws.send("<message xmlns='jabber:client' to='x@localhost'><body>" + "x".repeat(300 * 1024) + "</body></message>");
        } catch (ExecutionException closedWhileSending) {
            // The server may close before the whole message is written; the error was sent first.
        }
        streamErrorThenClose(ws, "policy-violation");
        bystanderStillWorks();
    }

    @Test
    void elementBeforeOpenGetsOpenThenError() throws Exception {
        WebSocketClient ws = plain();
        ws.send("<message xmlns='jabber:client' to='x@localhost'><body>early</body></message>");
        ws.await("<open");
        streamErrorThenClose(ws, "not-authorized");
        bystanderStillWorks();
    }

    @Test
    void streamManagementResumesOverANewWebSocket() throws Exception {
        String user = Clients.newUser("wssm");
        clients.register(user);
        WebSocketClient first = plain();
        String jid = first.login(user, Clients.PASSWORD, "tab");
        first.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        String enabled = first.await("<enabled");
        int at = enabled.indexOf("id='") + 4;
        String id = enabled.substring(at, enabled.indexOf('\'', at));

        org.jxmpp.jid.Jid to = org.jxmpp.jid.impl.JidCreate.from(jid);
        bystander.sendStanza(org.jivesoftware.smack.packet.MessageBuilder.buildMessage().to(to)
                .ofType(Message.Type.chat).setBody("one").build());
        first.await("<body>one</body>");
        first.cut();
        for (String body : List.of("two", "three")) {
            bystander.sendStanza(org.jivesoftware.smack.packet.MessageBuilder.buildMessage().to(to)
                    .ofType(Message.Type.chat).setBody(body).build());
        }
        Thread.sleep(300);

        WebSocketClient second = plain();
        second.authenticate(user, Clients.PASSWORD);
        // The client handled one stanza (the message "one") before the cut.
        second.send("<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='1'/>");
        assertThat(second.await("<resumed")).contains("previd='" + id + "'");
        second.await("<body>two</body>");
        second.await("<body>three</body>");
        second.send("<r xmlns='urn:xmpp:sm:3'/>");
        second.await("<a ");
        // "one" was acknowledged by the resume and is not sent again; the resumed session keeps its JID.
        second.send("<iq xmlns='jabber:client' type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
        String pong = second.await("id='p'");
        assertThat(pong).contains("to='" + jid + "'");
        bystanderStillWorks();
    }

    /**
     * lib-jitsi-meet (anonymous guests over WebSocket, stream management on by default) reconnects to
     * {@code /xmpp-websocket?previd=<id>}, logs in with ANONYMOUS again and sends {@code <resume/>}: the new login
     * must get the local part of the session it resumes, or the resume can only fail (ResumeTask.js).
     */
    @Test
    void anAnonymousGuestResumesWhenItsUrlNamesTheSession() throws Exception {
        WebSocketClient first = plain();
        String jid = first.login(null, null, null);
        first.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        String enabled = first.await("<enabled");
        int at = enabled.indexOf("id='") + 4;
        String id = enabled.substring(at, enabled.indexOf('\'', at));
        org.jxmpp.jid.Jid to = org.jxmpp.jid.impl.JidCreate.from(jid);
        first.cut();
        bystander.sendStanza(org.jivesoftware.smack.packet.MessageBuilder.buildMessage().to(to)
                .ofType(Message.Type.chat).setBody("while away").build());
        Thread.sleep(300);

        // Without the hint a new anonymous login is somebody else: its resume is refused, the session still waits.
        WebSocketClient stranger = plain();
        anonymousAuthentication(stranger);
        stranger.send("<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='0'/>");
        assertThat(stranger.await("<failed")).contains("item-not-found");
        stranger.close();

        // An unknown id in the URL changes nothing either.
        WebSocketClient guessing = WebSocketClient.connect(java.net.URI.create("ws://127.0.0.1:" + ParleyServer.get().httpPort()
                + "/xmpp-websocket?previd=not-a-session"), "xmpp");
        anonymousAuthentication(guessing);
        guessing.send("<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='0'/>");
        assertThat(guessing.await("<failed")).contains("item-not-found");
        guessing.close();

        WebSocketClient second = WebSocketClient.connect(java.net.URI.create("ws://127.0.0.1:" + ParleyServer.get().httpPort()
                + "/xmpp-websocket?room=r&previd=" + id), "xmpp");
        anonymousAuthentication(second);
        second.send("<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='0'/>");
        assertThat(second.await("<resumed")).contains("previd='" + id + "'");
        second.await("<body>while away</body>");
        second.send("<iq xmlns='jabber:client' type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(second.await("id='p'")).contains("to='" + jid + "'");
        second.close();
        bystanderStillWorks();
    }

    private static void anonymousAuthentication(WebSocketClient ws) throws Exception {
        ws.open();
        ws.await("<open");
        ws.await("</stream:features>");
        ws.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
        ws.await("<success");
        ws.open();
        ws.await("<open");
        ws.await("</stream:features>");
    }

    @Test
    void floodToAWebSocketClientThatDoesNotReadEndsThatClientOnly() throws Exception {
        String slowUser = Clients.newUser("ws-slow");
        clients.register(slowUser);
        XMPPTCPConnection alice = clients.newUser("ws-alice", "a");
        List<Message> got = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(alice).addIncomingListener((from, m, chat) -> got.add(m));
        WebSocketClient slow = plain();
        String jid = slow.login(slowUser, Clients.PASSWORD, "r");
        slow.stopReading();
        int sent = 600;
        try (RawClient c = ComponentTest.component("component.localhost", "component-secret")) {
            c.await("<handshake/>");
            String stanza = "<message from='flood@component.localhost' to='" + jid + "'><body>" + "x".repeat(60_000) + "</body></message>";
            // Well past the kernel's socket buffers and the server's 4 MiB limit for one client.
            for (int i = 0; i < sent; i++) c.send(stanza);
            c.send("<message from='bot@component.localhost/bot' to='" + alice.getUser() + "' type='chat'><body>after the flood</body></message>");
            await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 1);
        }
        // What the server had written before it gave up is still in the kernel's buffers: read it to the end. Waiting
        // for the count to settle, not for the close event, which the JDK client has been seen not to report after a
        // flood (HandoverInFlightTest).
        slow.resumeReading();
        int[] seen = {-1};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            int now = slow.messages().size();
            boolean settled = now == seen[0];
            seen[0] = now;
            return settled;
        });
        List<String> messages = slow.messages();
        assertThat(messages.stream().filter(m -> m.contains("from='flood@component.localhost'")).count())
                .as("the server stopped writing to a client that did not read").isLessThan(sent);
        assertThat(PingManager.getInstanceFor(alice).pingMyServer()).isTrue();
        bystanderStillWorks();
    }
}
