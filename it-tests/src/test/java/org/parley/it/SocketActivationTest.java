package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Listening sockets handed over by systemd socket activation ({@code LISTEN_FDS}), held across restarts by a stand-in
 * for systemd: a client connecting while no process runs is not refused, and is served by the next process the moment
 * it starts; with hand-over on, a client that lost its stream to a SIGTERM reconnects at once and resumes, with no
 * back-off spent on refused connections.
 */
@ExtendWith(ParleyServer.class)
class SocketActivationTest {
    private final Closer closing = new Closer();

    @AfterEach
    void close() {
        closing.closeAll();
    }

    @Test
    void aClientThatConnectsBeforeTheProcessRunsIsServedOnceItDoes() throws Exception {
        ChildParley child = ChildParley.create("activated-node").holdSockets();
        closing.add(child);
        // Nothing runs yet: the connection waits in the held socket's backlog instead of being refused.
        RawClient early = RawClient.plain(child.c2sPort());
        closing.add(early);

        child.start();
        assertThat(child.log()).anyMatch(l -> l.contains("3 listening socket(s) handed over by systemd"))
                .noneMatch(l -> l.contains("matches no configured listener"));
        early.startTls(child.sslContext()).loginAnonymously("early");
        early.send("<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(early.await("id='p'") + early.await(">")).contains("type='result'");
    }

    @Test
    void aStreamCutByASigtermRestartResumesOnAConnectionMadeWhileNoProcessRan() throws Exception {
        ChildParley child = ChildParley.create("activated-handover").extraConfig("parley.handover.enabled = true\n")
                .holdSockets();
        closing.add(child);
        child.start();
        ChildParley.Resumable alice = child.loginResumable(closing, "alice");
        String id = alice.id();

        assertThat(child.terminate()).isEqualTo(143);
        assertThat(alice.client().closedByServer()).isTrue();
        // Between the two processes: accepted by the kernel, not refused.
        RawClient back = RawClient.plain(child.c2sPort());
        closing.add(back);

        child.start();
        back.startTls(child.sslContext()).authenticate("alice", Clients.PASSWORD);
        assertThat(back.resume(id, 0)).contains("<resumed").contains("previd='" + id + "'");
        back.send("<iq type='get' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(back.await("id='p2'") + back.await(">")).contains("type='result'").contains("to='alice@localhost/tab'");
    }
}
