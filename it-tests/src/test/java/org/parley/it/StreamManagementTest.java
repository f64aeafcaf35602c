package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smack.filter.MessageTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.Jid;

/** XEP-0198 over TCP with Smack: a cut connection resumes without losing or repeating a message. */
@ExtendWith(ParleyServer.class)
class StreamManagementTest {
    private final Clients clients = new Clients();

    @AfterEach
    void close() {
        clients.close();
    }

    private XMPPTCPConnection smUser(String user, int resumeSeconds, List<String> bodies) throws Exception {
        XMPPTCPConnection c = new XMPPTCPConnection(clients.config().setUsernameAndPassword(user, Clients.PASSWORD)
                .setResource("phone").build());
        c.setUseStreamManagement(true);
        c.setUseStreamManagementResumption(true);
        c.setPreferredResumptionTime(resumeSeconds);
        c.setReplyTimeout(10_000);
        c.addSyncStanzaListener(s -> bodies.add(((Message) s).getBody()), MessageTypeFilter.CHAT);
        clients.track(c);
        c.connect().login();
        return c;
    }

    private static void send(XMPPTCPConnection from, Jid to, String body) throws Exception {
        from.sendStanza(MessageBuilder.buildMessage().to(to).ofType(Message.Type.chat).setBody(body).build());
    }

    @Test
    void cutConnectionResumesAndEveryMessageArrivesExactlyOnce() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        String bobName = Clients.newUser("bob");
        clients.register(bobName);
        List<String> got = new CopyOnWriteArrayList<>();
        XMPPTCPConnection bob = smUser(bobName, 300, got);
        assertThat(bob.isSmEnabled()).isTrue();
        Jid bobJid = bob.getUser();

        for (int i = 1; i <= 3; i++) send(alice, bobJid, "m" + i);
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 3);

        bob.instantShutdown();
        for (int i = 4; i <= 8; i++) send(alice, bobJid, "m" + i);
        // Give the server time to write into the dead connection: those are the stanzas that must come back.
        Thread.sleep(500);

        bob.connect().login();
        assertThat(bob.streamWasResumed()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 8);
        Thread.sleep(500);
        assertThat(got).containsExactly("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8");

        // The resumed session is the same one: it keeps its JID and keeps working both ways.
        assertThat(bob.getUser().toString()).isEqualTo(bobJid.toString());
        send(alice, bobJid, "m9");
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 9);
    }

    @Test
    void afterTheResumeTimeoutUnacknowledgedMessagesGoToOfflineStorage() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        String bobName = Clients.newUser("bob");
        clients.register(bobName);
        List<String> got = new CopyOnWriteArrayList<>();
        XMPPTCPConnection bob = smUser(bobName, 1, got);
        Jid bobJid = bob.getUser();

        bob.instantShutdown();
        for (int i = 1; i <= 3; i++) send(alice, bobJid, "late" + i);
        var offline = ParleyServer.get().parley().storage().offline();
        await().atMost(Duration.ofSeconds(15)).until(() -> offline.count("localhost", bobName).get() == 3);

        // Resumption is refused now; a new session gets the messages from offline storage, with a delay stamp.
        List<Message> fresh = new CopyOnWriteArrayList<>();
        XMPPTCPConnection again = clients.connect(clients.config().setUsernameAndPassword(bobName, Clients.PASSWORD)
                .setResource("laptop").build());
        ChatManager.getInstanceFor(again).addIncomingListener((from, m, chat) -> fresh.add(m));
        again.login();
        await().atMost(Duration.ofSeconds(10)).until(() -> fresh.size() == 3);
        assertThat(fresh).extracting(Message::getBody).containsExactly("late1", "late2", "late3");
        assertThat(fresh.get(0).getExtension(DelayInformation.class)).isNotNull();
        assertThat(got).isEmpty();
    }
}
