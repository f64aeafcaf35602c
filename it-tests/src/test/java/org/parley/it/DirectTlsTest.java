package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** XEP-0368: TLS from the first byte on the direct TLS port, then the usual negotiation without STARTTLS. */
@ExtendWith(ParleyServer.class)
class DirectTlsTest {
    private final Clients clients = new Clients();

    @AfterEach
    void close() {
        clients.close();
    }

    @Test
    void logsInOverDirectTlsAndExchangesMessages() throws Exception {
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        List<Message> got = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(bob).addIncomingListener((from, m, chat) -> got.add(m));
        String alice = Clients.newUser("alice");
        clients.register(alice);

        try (RawClient raw = RawClient.directTls(ParleyServer.get().directTlsPort())) {
            raw.openStream();
            String features = raw.await("</stream:features>");
            assertThat(features).doesNotContain("starttls").contains("SCRAM-SHA-256").contains("PLAIN");
            String plain = java.util.Base64.getEncoder().encodeToString(("\0" + alice + "\0" + Clients.PASSWORD).getBytes());
            raw.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + plain + "</auth>");
            raw.await("<success");
            raw.openStream();
            raw.await("</stream:features>");
            raw.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>tls</resource></bind></iq>");
            assertThat(raw.await("</iq>")).contains(alice + "@localhost/tls");
            raw.send("<message to='" + bob.getUser() + "' type='chat'><body>over direct TLS</body></message>");
            await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
            assertThat(got.get(0).getBody()).isEqualTo("over direct TLS");
            assertThat(got.get(0).getFrom().toString()).isEqualTo(alice + "@localhost/tls");
            raw.send("</stream:stream>");
            raw.await("</stream:stream>");
        }
    }
}
