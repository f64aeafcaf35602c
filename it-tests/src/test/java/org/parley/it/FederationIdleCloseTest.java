package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.tls.CertificateStore;

/**
 * An incoming server-to-server stream closed for idleness: a stanza the peer sent before it read the closing tag is
 * still delivered (RFC 6120 4.4: the closing side processes what arrives until the peer closes too). Dropped, it was
 * lost with no error to anyone, which CI saw as a presence probe's answer that never came.
 */
class FederationIdleCloseTest {
    private static FederatedServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = new FederatedServers(FederatedServers.Mode.CERTIFICATES, Map.of(), "allow-dialback = false\nidle-timeout = 2s");
    }

    @AfterAll
    static void stop() throws Exception {
        if (servers != null) servers.close();
    }

    @Test
    void aStanzaSentAsTheIdleStreamClosesIsDelivered() throws Exception {
        XMPPTCPConnection alice = servers.login(servers.one, FederatedServers.newUser("alice"), "a");
        List<Message> got = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(alice).addIncomingListener((from, m, chat) -> got.add(m));
        String aliceJid = alice.getUser().asEntityBareJidString();
        // Two's own certificate, which one trusts: the raw peer authenticates as two.localhost with SASL EXTERNAL.
        var two = CertificateStore.selfSigned(servers.dir.resolve("two/state/certs"), FederatedServers.TWO);
        try (RawServer peer = new RawServer(servers.one.s2sPort())) {
            peer.authenticateExternal(FederatedServers.TWO, FederatedServers.ONE, two);
            // Quiet for the idle timeout: one closes its side.
            peer.await("</stream:stream>");
            peer.send("<message from='bob@two.localhost/b' to='" + aliceJid + "' type='chat'><body>in flight</body></message>");
            peer.send("</stream:stream>");
            await().atMost(Duration.ofSeconds(20)).until(() -> !got.isEmpty());
            assertThat(got).extracting(Message::getBody).containsExactly("in flight");
            assertThat(peer.closedByServer()).as("the connection ends once both sides closed").isTrue();
        }
    }
}
