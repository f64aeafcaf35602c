package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smackx.ping.PingManager;

/**
 * Two logged-in users beside a test that sends bad input: afterwards the bystander must still be connected, answer a
 * ping and receive its friend's message. (For latency during an attack, see {@link Bystander}.)
 */
final class BystanderPair {
    final XMPPTCPConnection bystander;
    final XMPPTCPConnection friend;
    final List<Message> received = new CopyOnWriteArrayList<>();

    BystanderPair(Clients clients) throws Exception {
        bystander = clients.newUser("bystander", "b");
        friend = clients.newUser("friend", "f");
        ChatManager.getInstanceFor(bystander).addIncomingListener((from, m, chat) -> received.add(m));
    }

    void stillWorks() throws Exception {
        assertThat(bystander.isConnected()).isTrue();
        assertThat(PingManager.getInstanceFor(bystander).pingMyServer()).isTrue();
        int before = received.size();
        ChatManager.getInstanceFor(friend).chatWith(bystander.getUser().asEntityBareJid()).send("still there?");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == before + 1);
    }
}
