package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client ports listen from a process's first moments, before the database, the certificates and a hand-over's
 * restore (seconds), and without systemd holding them: a client reconnecting after a restart is not refused while
 * the next process starts (lib-jitsi-meet would back off for up to 1.5ⁿ s); its connection waits in the backlog and
 * is served once everything is restored.
 */
@ExtendWith(ParleyServer.class)
class EarlyPortsTest {
    private final Closer closing = new Closer();

    @AfterEach
    void close() {
        closing.closeAll();
    }

    @Test
    void aStreamCutByASigtermRestartResumesOnAConnectionMadeWhileTheNextProcessStarts() throws Exception {
        ChildParley child = ChildParley.create("early-ports").extraConfig("parley.handover.enabled = true\n");
        closing.add(child);
        child.start();
        String id = child.loginResumable(closing, "alice").id();
        assertThat(child.terminate()).isEqualTo(143);

        child.launch();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!ChildParley.listening(child.c2sPort())) {
            assertThat(child.alive()).as("the next process runs").isTrue();
            assertThat(System.currentTimeMillis()).as("the c2s port listens").isLessThan(deadline);
            Thread.sleep(5);
        }
        RawClient back = RawClient.plain(child.c2sPort());
        closing.add(back);
        assertThat(child.log()).as("the connection came before the listener started: it waits in the backlog")
                .noneMatch(l -> l.contains("listening for clients on"));

        back.startTls(child.sslContext()).authenticate("alice", Clients.PASSWORD);
        assertThat(back.resume(id, 0)).contains("<resumed").contains("previd='" + id + "'");
        assertThat(child.log()).anyMatch(l -> l.contains("client port(s) listening from the start"))
                .anyMatch(l -> l.contains("sessions of node early-ports wait for their clients"));
        back.send("<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(back.await("id='p'") + back.await(">")).contains("type='result'").contains("to='alice@localhost/tab'");
    }
}
