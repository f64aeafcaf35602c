package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smack.filter.MessageTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.parley.testkit.FreePorts;

/**
 * Two servers that trust nothing of each other (self-signed certificates, no trusted-certificates): links
 * authenticate with dialback. Also what goes wrong: forged keys, unknown hosts, unreachable and silent servers,
 * and idle links closing.
 */
class FederationDialbackTest extends FederationContract {
    private static FederatedServers servers;
    private static ServerSocket silent;
    private static final List<Socket> silentlyAccepted = new CopyOnWriteArrayList<>();
    private static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        // Accepts connections and never says a word: links to it must time out.
        silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            try {
                while (true) silentlyAccepted.add(silent.accept());
            } catch (java.io.IOException closed) {
                // test over
            }
        }, "silent-server");
        accept.setDaemon(true);
        accept.start();
        closedPort = FreePorts.take(1)[0];
        servers = new FederatedServers(FederatedServers.Mode.DIALBACK,
                Map.of("silent.localhost", "127.0.0.1:" + silent.getLocalPort(), "closed.localhost", "127.0.0.1:" + closedPort),
                "idle-timeout = 3s");
        servers.two.xmpp().context().services().addComponent("echo." + FederatedServers.TWO, new EchoRoom());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (servers != null) servers.close();
        } finally {
            silent.close();
            for (Socket s : silentlyAccepted) s.close();
        }
    }

    @Override FederatedServers servers() { return servers; }

    @Override String expectedMethod() { return "dialback"; }

    @Test
    void forgedDialbackKeyIsRefusedAndNothingIsDelivered() throws Exception {
        XMPPTCPConnection alice = servers.login(servers.one, FederatedServers.newUser("alice"), "a");
        List<Message> got = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(alice).addIncomingListener((from, m, chat) -> got.add(m));
        try (RawServer mallory = new RawServer(servers.one.s2sPort())) {
            mallory.startTls(FederatedServers.TWO, FederatedServers.ONE);
            mallory.openStream(FederatedServers.TWO, FederatedServers.ONE);
            String header = mallory.await("</stream:features>");
            assertThat(header).contains("urn:xmpp:features:dialback").doesNotContain("EXTERNAL");
            mallory.send("<db:result from='two.localhost' to='one.localhost'>"
                    + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</db:result>");
            // Server one asks two.localhost's real server, which never made that key.
            assertThat(mallory.await("/>")).contains("type='invalid'").contains("from='one.localhost'").contains("to='two.localhost'");
            mallory.send("<message from='mallory@two.localhost/x' to='" + alice.getUser().asEntityBareJid()
                    + "' type='chat'><body>forged</body></message>");
            assertThat(mallory.await("</stream:error>")).contains("<invalid-from");
            assertThat(mallory.closedByServer()).isTrue();
        }
        // A genuine message from two.localhost still gets through, and the forged one never did.
        XMPPTCPConnection bob = servers.login(servers.two, FederatedServers.newUser("bob"), "b");
        ChatManager.getInstanceFor(bob).chatWith(alice.getUser().asEntityBareJid()).send("genuine");
        await().atMost(WAIT).until(() -> !got.isEmpty());
        Thread.sleep(300);
        assertThat(got).extracting(Message::getBody).containsExactly("genuine");
    }

    @Test
    void stanzasBeforeAuthenticationAreInvalidFrom() throws Exception {
        try (RawServer peer = new RawServer(servers.one.s2sPort())) {
            peer.startTls(FederatedServers.TWO, FederatedServers.ONE);
            peer.openStream(FederatedServers.TWO, FederatedServers.ONE);
            peer.await("</stream:features>");
            peer.send("<message from='x@two.localhost' to='y@one.localhost'><body>hi</body></message>");
            assertThat(peer.await("</stream:error>")).contains("<invalid-from");
        }
    }

    @Test
    void plaintextStanzasAreRefusedBeforeTls() throws Exception {
        try (RawServer peer = new RawServer(servers.one.s2sPort())) {
            peer.openStream(FederatedServers.TWO, FederatedServers.ONE);
            assertThat(peer.await("</stream:features>")).contains("<starttls").contains("<required/>");
            peer.send("<db:result from='two.localhost' to='one.localhost'>abc</db:result>");
            assertThat(peer.await("</stream:error>")).contains("<policy-violation");
        }
    }

    @Test
    void streamToAnUnknownHostIsHostUnknown() throws Exception {
        try (RawServer peer = new RawServer(servers.one.s2sPort())) {
            peer.openStream(FederatedServers.TWO, "nowhere.localhost");
            assertThat(peer.await("</stream:error>")).contains("<host-unknown");
            assertThat(peer.closedByServer()).isTrue();
        }
    }

    @Test
    void unreachableServerBouncesRemoteServerNotFoundAndSilentOneRemoteServerTimeout() throws Exception {
        XMPPTCPConnection alice = servers.login(servers.one, FederatedServers.newUser("alice"), "a");
        List<Message> errors = new CopyOnWriteArrayList<>();
        alice.addAsyncStanzaListener(s -> errors.add((Message) s), MessageTypeFilter.ERROR);
        ChatManager chats = ChatManager.getInstanceFor(alice);
        chats.chatWith(JidCreate.entityBareFrom("x@closed.localhost")).send("anyone?");
        await().atMost(WAIT).until(() -> errors.size() == 1);
        assertThat(errors.get(0).getError().getCondition()).isEqualTo(StanzaError.Condition.remote_server_not_found);
        assertThat(errors.get(0).getFrom().toString()).isEqualTo("x@closed.localhost");

        // Two stanzas queue on the link to the silent server; both bounce once the connect timeout (5 s) passes.
        chats.chatWith(JidCreate.entityBareFrom("x@silent.localhost")).send("first");
        chats.chatWith(JidCreate.entityBareFrom("y@silent.localhost")).send("second");
        await().atMost(WAIT).until(() -> errors.size() == 3);
        assertThat(errors.subList(1, 3)).allSatisfy(m ->
                assertThat(m.getError().getCondition()).isEqualTo(StanzaError.Condition.remote_server_timeout));
        assertThat(errors.subList(1, 3)).extracting(Message::getBody).containsExactlyInAnyOrder("first", "second");
    }

    @Test
    void idleLinksCloseAndComeBackWhenNeeded() throws Exception {
        XMPPTCPConnection alice = servers.login(servers.one, FederatedServers.newUser("alice"), "a");
        XMPPTCPConnection bob = servers.login(servers.two, FederatedServers.newUser("bob"), "b");
        List<Message> toBob = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(bob).addIncomingListener((from, m, chat) -> toBob.add(m));
        ChatManager.getInstanceFor(alice).chatWith(bob.getUser().asEntityBareJid()).send("before");
        await().atMost(WAIT).until(() -> toBob.size() == 1);
        var s2s = servers.one.xmpp().context().s2s();
        // idle-timeout is 3 s here.
        await().atMost(WAIT).until(() -> s2s.linkMethod(FederatedServers.ONE, FederatedServers.TWO) == null);
        ChatManager.getInstanceFor(alice).chatWith(bob.getUser().asEntityBareJid()).send("after");
        await().atMost(WAIT).until(() -> toBob.size() == 2);
        assertThat(toBob.get(1).getBody()).isEqualTo("after");
    }

    @Test
    void idleLinksWithAServiceDomainCloseAndComeBackWhenNeeded() throws Exception {
        XMPPTCPConnection alice = servers.login(servers.one, FederatedServers.newUser("alice"), "a");
        XMPPTCPConnection bob = servers.login(servers.two, FederatedServers.newUser("bob"), "b");
        String conference = "conference." + FederatedServers.TWO;
        EntityBareJid room = JidCreate.entityBareFrom("idle-" + FederatedServers.newUser("r") + "@" + conference);
        MultiUserChat bobs = MultiUserChatManager.getInstanceFor(bob).getMultiUserChat(room);
        List<Message> bobGot = new CopyOnWriteArrayList<>();
        bobs.addMessageListener(m -> { if (m.getBody() != null) bobGot.add(m); });
        bobs.join(Resourcepart.from("bob"));
        MultiUserChat alices = MultiUserChatManager.getInstanceFor(alice).getMultiUserChat(room);
        List<Message> aliceGot = new CopyOnWriteArrayList<>();
        alices.addMessageListener(m -> { if (m.getBody() != null) aliceGot.add(m); });
        alices.join(Resourcepart.from("alice"));
        await().atMost(WAIT).until(() -> bobs.getOccupants().size() == 2);
        alices.sendMessage("before");
        await().atMost(WAIT).until(() -> bobGot.size() == 1 && aliceGot.size() == 1);

        // idle-timeout is 3 s here: both links between one.localhost and the MUC domain close.
        var s2sOne = servers.one.xmpp().context().s2s();
        var s2sTwo = servers.two.xmpp().context().s2s();
        await().atMost(WAIT).until(() -> s2sOne.linkMethod(FederatedServers.ONE, conference) == null
                && s2sTwo.linkMethod(conference, FederatedServers.ONE) == null);

        // Alice's message needs a new link to the room, its reflection a new one back.
        alices.sendMessage("after");
        await().atMost(WAIT).until(() -> bobGot.size() == 2 && aliceGot.size() == 2);
        assertThat(bobGot.get(1).getBody()).isEqualTo("after");
        assertThat(aliceGot.get(1).getFrom().toString()).isEqualTo(room + "/alice");
        assertThat(s2sOne.linkMethod(FederatedServers.ONE, conference)).isEqualTo("dialback");
        alices.leave();
        await().atMost(WAIT).until(() -> bobs.getOccupants().size() == 1);
    }
}
