package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.disco.ServiceDiscoveryManager;
import org.jivesoftware.smackx.ping.PingManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.impl.JidCreate;

/** XEP-0114 external components over a raw socket, against users on Smack. */
@ExtendWith(ParleyServer.class)
class ComponentTest {
    private final Clients clients = new Clients();

    @AfterEach
    void close() {
        clients.close();
    }

    /** Opens a component stream and completes the handshake with {@code secret}; returns the raw stream. */
    static RawClient component(String domain, String secret) throws Exception {
        return component(ParleyServer.get().componentPort(), domain, secret);
    }

    /** The same on the component port {@code port} (a child process's). */
    static RawClient component(int port, String domain, String secret) throws Exception {
        RawClient c = RawClient.plain(port);
        c.send("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='"
                + domain + "'>");
        String header = c.await(">");
        header = header + c.await(">");
        int at = header.indexOf("id='");
        String id = header.substring(at + 4, header.indexOf('\'', at + 4));
        byte[] digest = MessageDigest.getInstance("SHA-1").digest((id + secret).getBytes(StandardCharsets.UTF_8));
        c.send("<handshake>" + HexFormat.of().formatHex(digest) + "</handshake>");
        return c;
    }

    @Test
    void componentHandshakesReceivesAndSends() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        List<Message> got = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(alice).addIncomingListener((from, m, chat) -> got.add(m));
        try (RawClient c = component("component.localhost", "component-secret")) {
            c.await("<handshake/>");
            ChatManager.getInstanceFor(alice).chatWith(JidCreate.entityBareFrom("bot@component.localhost")).send("to the bot");
            String in = c.await("</message>");
            assertThat(in).contains("to the bot").contains("from='" + alice.getUser() + "'").doesNotContain("jabber:client");

            c.send("<message from='bot@component.localhost/bot' to='" + alice.getUser() + "' type='chat'><body>from the bot</body></message>");
            await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
            assertThat(got.get(0).getBody()).isEqualTo("from the bot");
            assertThat(got.get(0).getFrom().toString()).isEqualTo("bot@component.localhost/bot");

            var items = ServiceDiscoveryManager.getInstanceFor(alice).discoverItems(JidCreate.domainBareFrom("localhost"));
            assertThat(items.getItems()).extracting(i -> i.getEntityID().toString()).contains("component.localhost");

            // An IQ from a user to the component comes back with the component's answer.
            c.send("<iq from='component.localhost' to='" + alice.getUser() + "' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
            assertThat(c.await("type='result'")).contains("<iq").contains("id='p1'");
        }
    }

    @Test
    void wrongSecretIsNotAuthorizedAndUnknownDomainIsHostUnknown() throws Exception {
        try (RawClient c = component("component.localhost", "not-the-secret")) {
            assertThat(c.await("</stream:error>")).contains("<not-authorized");
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawClient c = RawClient.plain(ParleyServer.get().componentPort())) {
            c.send("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='nobody.localhost'>");
            assertThat(c.await("</stream:error>")).contains("<host-unknown");
        }
    }

    @Test
    void spoofedFromIsInvalidFromAndUsersAreUnaffected() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        List<Message> got = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(alice).addIncomingListener((from, m, chat) -> got.add(m));
        try (RawClient c = component("component.localhost", "component-secret")) {
            c.await("<handshake/>");
            c.send("<message from='admin@localhost' to='" + alice.getUser() + "' type='chat'><body>trust me</body></message>");
            assertThat(c.await("</stream:error>")).contains("<invalid-from");
        }
        assertThat(PingManager.getInstanceFor(alice).pingMyServer()).isTrue();
        assertThat(got).isEmpty();
    }

    @Test
    void reconnectingComponentReplacesItsOldStream() throws Exception {
        try (RawClient first = component("solo.localhost", "solo-secret-1")) {
            first.await("<handshake/>");
            try (RawClient second = component("solo.localhost", "solo-secret-1")) {
                second.await("<handshake/>");
                assertThat(first.await("</stream:error>")).contains("<conflict");
                XMPPTCPConnection alice = clients.newUser("alice", "a");
                ChatManager.getInstanceFor(alice).chatWith(JidCreate.entityBareFrom("x@solo.localhost")).send("still there");
                assertThat(second.await("</message>")).contains("still there");
            }
        }
    }

    @Test
    void floodToAUserWhoDoesNotReadEndsThatUserOnlyWithBoundedMemory() throws Exception {
        String slowUser = Clients.newUser("slow");
        clients.register(slowUser);
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        List<Message> got = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(alice).addIncomingListener((from, m, chat) -> got.add(m));
        try (RawClient slow = RawClient.slow(ParleyServer.get().startTlsPort());
             RawClient c = component("component.localhost", "component-secret")) {
            slow.startTls().login(slowUser, Clients.PASSWORD, "r");
            c.await("<handshake/>");
            String body = "x".repeat(60_000);
            String stanza = "<message from='flood@component.localhost' to='" + slowUser + "@localhost/r'><body>" + body + "</body></message>";
            boolean closed = false;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            // Well past the kernel's socket buffers and the server's 4 MiB limit for one client.
            for (int i = 0; i < 600 && System.nanoTime() < deadline; i++) c.send(stanza);
            // The component is still connected and delivers to others.
            c.send("<message from='bot@component.localhost/bot' to='" + alice.getUser() + "' type='chat'><body>after the flood</body></message>");
            await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 1);
            assertThat(slow.closedByServer()).as("the slow client is disconnected").isTrue();
        }
        assertThat(PingManager.getInstanceFor(alice).pingMyServer()).isTrue();
    }
}
