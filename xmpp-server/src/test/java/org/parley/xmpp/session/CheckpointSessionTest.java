package org.parley.xmpp.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.EventExecutor;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.xmpp.router.InProcessServer;
import org.parley.xmpp.router.TestSession;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.xmpp.packet.JID;

/**
 * Checkpoints of sessions (issue 18, a crash): a session is marked for the next checkpoint by what it handles and is
 * sent, an idle one is not, and a session restored from a checkpoint accepts a resumption {@code h} beyond what it
 * knows it sent (its client got stanzas sent after the checkpoint) while one restored from a hand-over does not.
 */
class CheckpointSessionTest {
    @TempDir Path dir;
    private InProcessServer fixture;
    private ServerContext server;
    private EventExecutor loop;

    @BeforeEach
    void start() throws Exception {
        fixture = new InProcessServer(dir, false, 20, "alice");
        server = fixture.server;
        loop = fixture.loop;
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private boolean due(TestSession s) throws Exception {
        return loop.submit(() -> s.session.checkpointDue()).get();
    }

    private SessionSnapshot checkpoint(TestSession s) throws Exception {
        return loop.submit(() -> s.session.checkpoint()).get();
    }

    @Test
    void onlyAChangedResumableSessionIsDue() throws Exception {
        TestSession plain = new TestSession(server, loop, 40100).login("alice", "secret", "plain", 0);
        plain.send("<presence xmlns='jabber:client'/>");
        plain.await("<presence");
        assertThat(due(plain)).as("a session without resumption is never written").isFalse();

        TestSession s = new TestSession(server, loop, 40101).login("alice", "secret", "r", 0);
        s.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        s.await("<enabled");
        assertThat(due(s)).isTrue();
        SessionSnapshot first = checkpoint(s);
        assertThat(first.fromCheckpoint()).isTrue();
        assertThat(first.jid()).isEqualTo(new JID("alice@localhost/r"));
        assertThat(due(s)).as("cleared by the checkpoint").isFalse();
        Thread.sleep(100);
        assertThat(due(s)).as("idle").isFalse();

        // Something sent to it (from the other session) marks it, and the snapshot has it unacknowledged.
        plain.send("<message xmlns='jabber:client' to='alice@localhost/r' type='chat'><body>hi</body></message>");
        s.await("<body>hi</body>");
        assertThat(due(s)).isTrue();
        assertThat(checkpoint(s).unacked()).anyMatch(e -> e.asXML().contains("<body>hi</body>"));
        // Something it handles marks it too (its inbound count moves).
        s.send("<presence xmlns='jabber:client'><status>busy</status></presence>");
        s.await("busy");
        assertThat(due(s)).isTrue();
        SessionSnapshot later = checkpoint(s);
        assertThat(later.handledIn()).isEqualTo(first.handledIn() + 1);
        assertThat(later.presence().getStatus()).isEqualTo("busy");
        // The checkpoint left the session as it was.
        s.send("<iq xmlns='jabber:client' type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(s.await("id='p'")).contains("type='result'");
        assertThat(s.transport.closed).isFalse();
    }

    /** Restores a session of alice from {@code snapshot} (one unacknowledged message, 10 sent and acknowledged). */
    private void restore(long expiresAt, String resumeId) throws Exception {
        Element unacked = DocumentHelper.parseText("<message xmlns='jabber:client' to='alice@localhost/r' from='bob@localhost/x' "
                + "type='chat'><body>queued</body></message>").getRootElement();
        SessionSnapshot snapshot = new SessionSnapshot(new JID("alice@localhost/r"), false, resumeId, 60_000, expiresAt,
                5, 10, List.of(unacked), null, List.of(), false, null);
        ClientSession.restore(server, SessionSnapshot.decode(SessionSnapshot.FORMAT, snapshot.encode()), loop).get();
    }

    private TestSession resume(int port, String resumeId, long h) throws Exception {
        TestSession t = new TestSession(server, loop, port);
        t.open();
        t.await("<stream:features");
        t.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                + Base64.getEncoder().encodeToString("\0alice\0secret".getBytes()) + "</auth>");
        t.await("<success");
        t.open();
        t.await("</stream:features>");
        t.send("<resume xmlns='urn:xmpp:sm:3' previd='" + resumeId + "' h='" + h + "'/>");
        return t;
    }

    @Test
    void aCheckpointedSessionTakesAnHBeyondWhatItSentAndResendsNothingTwice() throws Exception {
        restore(SessionSnapshot.FROM_CHECKPOINT, "cp1");
        ClientSession restored = server.resumable().get("cp1");
        // The client got 3 stanzas more than the checkpoint knew of (the queued one and two sent after it).
        TestSession t = resume(40102, "cp1", 13);
        assertThat(t.await("<resumed")).contains("h='5'");
        assertThat(String.join("", t.drain())).doesNotContain("queued");
        // The counts agree from here: the next stanza it gets is the 14th, and acknowledging it is fine.
        TestSession other = new TestSession(server, loop, 40106).login("alice", "secret", "other", 0);
        other.send("<message xmlns='jabber:client' to='alice@localhost/r' type='chat'><body>next</body></message>");
        t.await("<body>next</body>");
        onResumed(restored, "<a xmlns='urn:xmpp:sm:3' h='14'/>");
        assertThat(loop.submit(() -> restored.streamManagement().unacknowledged().size()).get()).isZero();
        assertThat(t.transport.closed).isFalse();
        // Only the resumption is lenient: an acknowledgement beyond what was sent is an error again.
        onResumed(restored, "<a xmlns='urn:xmpp:sm:3' h='40'/>");
        t.await("<stream-error undefined-condition>");
    }

    /** What the client sends on its new connection, which now belongs to the resumed session. */
    private void onResumed(ClientSession resumed, String xml) throws Exception {
        Element e = DocumentHelper.parseText(xml).getRootElement();
        e.detach();
        loop.submit(() -> resumed.onElement(e)).get();
    }

    @Test
    void aCheckpointedSessionResendsWhatTheClientDidNotGet() throws Exception {
        restore(SessionSnapshot.FROM_CHECKPOINT, "cp2");
        TestSession t = resume(40103, "cp2", 10);
        t.await("<resumed");
        assertThat(t.await("<body>queued</body>")).contains("queued");
    }

    @Test
    void aHandedOverSessionStillRefusesAnHBeyondWhatItSent() throws Exception {
        restore(System.currentTimeMillis() + 60_000, "ho1");
        TestSession t = resume(40104, "ho1", 13);
        t.await("<stream-error undefined-condition>");
        assertThat(t.transport.error).isEqualTo(StreamErrorCondition.UNDEFINED_CONDITION);
    }

    @Test
    void anHBehindTheCheckpointIsRefused() throws Exception {
        restore(SessionSnapshot.FROM_CHECKPOINT, "cp3");
        TestSession t = resume(40105, "cp3", 9);
        t.await("<stream-error undefined-condition>");
    }
}
