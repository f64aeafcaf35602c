package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * After a hand-over, federation starts a few seconds late so that the resuming clients get the CPU first; a stanza
 * for another server sent meanwhile waits for it and then leaves, instead of bouncing.
 */
@ExtendWith(ParleyServer.class)
class FederationAfterHandoverTest {
    private final Closer closing = new Closer();

    @AfterEach
    void close() {
        closing.closeAll();
    }

    @Test
    void aStanzaForAnotherServerSentWhileFederationStartsLateLeavesOnceItHasStarted() throws Exception {
        // The other server: accepts the link and never answers.
        ServerSocket peer = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        closing.add(peer);
        List<Socket> links = new CopyOnWriteArrayList<>();
        Thread accept = new Thread(() -> {
            try {
                while (true) links.add(peer.accept());
            } catch (java.io.IOException closed) {
                // test over
            }
        }, "peer");
        accept.setDaemon(true);
        accept.start();

        ChildParley child = ChildParley.create("federation-late").extraConfig("parley.handover.enabled = true\n"
                + "parley.s2s { routes { \"peer.test\" = \"127.0.0.1:" + peer.getLocalPort() + "\" }, connect-timeout = 20s }\n");
        closing.add(child);
        child.start();
        String id = child.loginResumable(closing, "alice").id();
        assertThat(child.terminate()).isEqualTo(143);

        child.start();
        RawClient back = RawClient.plain(child.c2sPort());
        closing.add(back);
        back.startTls(child.sslContext()).authenticate("alice", Clients.PASSWORD);
        assertThat(back.resume(id, 0)).contains("<resumed");
        int before = links.size();
        back.send("<message to='bob@peer.test' id='m1' type='chat'><body>hi</body></message>");
        back.send("<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(back.await("id='p'") + back.await(">")).as("nothing bounced before the ping's answer")
                .doesNotContain("id='m1'");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (links.size() == before && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(links).as("the message went to the other server once federation started").hasSizeGreaterThan(before);
        assertThat(child.log()).anyMatch(l -> l.contains("federation started") && l.contains("the resuming clients went first"));
        assertThat(back.drain(300)).as("and did not bounce").doesNotContain("id='m1'");
        for (Socket s : links) s.close();
    }
}
