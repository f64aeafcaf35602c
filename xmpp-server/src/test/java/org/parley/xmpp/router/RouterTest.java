package org.parley.xmpp.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.stream.StreamErrorCondition;

/** The delivery rules of RFC 6120 section 10 and RFC 6121 section 8, with sessions driven in-process. */
class RouterTest {
    @TempDir Path dir;
    private InProcessServer fixture;
    private JdbcStorage storage;
    private ServerContext server;
    private EventExecutor loop;

    @BeforeEach
    void start() throws Exception {
        fixture = new InProcessServer(dir, true, 5000, "alice", "bob");
        storage = fixture.storage;
        server = fixture.server;
        loop = fixture.loop;
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private TestSession session() throws Exception {
        return fixture.session();
    }

    @Test
    void messageToFullJidIsDeliveredWithStampedFrom() throws Exception {
        TestSession alice = session().login("alice", "secret", "a", 0);
        TestSession bob = session().login("bob", "secret", "b", 0);
        alice.send("<message xmlns='jabber:client' to='bob@localhost/b' type='chat' id='m1'><body>hi</body></message>");
        String got = bob.await("id='m1'");
        assertThat(got).contains("from='alice@localhost/a'").contains("<body>hi</body>");
    }

    @Test
    void bareJidMessageGoesToHighestPriorityResourcesOnly() throws Exception {
        TestSession alice = session().login("alice", "secret", "a", 0);
        TestSession high = session().login("bob", "secret", "high", 5);
        TestSession low = session().login("bob", "secret", "low", 1);
        high.drain();
        low.drain();
        alice.send("<message xmlns='jabber:client' to='bob@localhost' type='chat' id='m2'><body>x</body></message>");
        high.await("id='m2'");
        assertThat(low.drain()).noneMatch(s -> s.replace('"', '\'').contains("id='m2'"));
    }

    @Test
    void chatToOfflineUserIsStoredAndDeliveredWithDelayAtNextPresence() throws Exception {
        TestSession alice = session().login("alice", "secret", "a", 0);
        alice.send("<message xmlns='jabber:client' to='bob@localhost' type='chat' id='m3'><body>later</body></message>");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> storage.offline().count("localhost", "bob").get() == 1);
        TestSession bob = session().login("bob", "secret", "b", 0);
        String got = bob.await("id='m3'");
        assertThat(got).contains("urn:xmpp:delay").contains("<body>later</body>");
        assertThat(storage.offline().count("localhost", "bob").get()).isZero();
    }

    @Test
    void messageToUnknownAccountComesBackServiceUnavailable() throws Exception {
        TestSession alice = session().login("alice", "secret", "a", 0);
        alice.send("<message xmlns='jabber:client' to='nobody@localhost' type='chat' id='m4'><body>?</body></message>");
        String err = alice.await("id='m4'");
        assertThat(err).contains("type='error'").contains("service-unavailable")
                .contains("<error code='503' type='cancel'>").doesNotContain("xmlns=''");
    }

    @Test
    void iqToAnotherUsersBareJidAndToAbsentResourceAreAnswered() throws Exception {
        TestSession alice = session().login("alice", "secret", "a", 0);
        session().login("bob", "secret", "b", 0);
        alice.send("<iq xmlns='jabber:client' to='bob@localhost' type='get' id='q1'><query xmlns='urn:example:nothing'/></iq>");
        assertThat(alice.await("id='q1'")).contains("type='error'").contains("service-unavailable");
        alice.send("<iq xmlns='jabber:client' to='bob@localhost/gone' type='get' id='q2'><query xmlns='urn:example:nothing'/></iq>");
        assertThat(alice.await("id='q2'")).contains("type='error'").contains("service-unavailable");
        alice.send("<iq xmlns='jabber:client' to='localhost' type='get' id='q3'><query xmlns='urn:example:nothing'/></iq>");
        assertThat(alice.await("id='q3'")).contains("type='error'").contains("service-unavailable");
    }

    @Test
    void groupchatToBareJidIsRefused() throws Exception {
        TestSession alice = session().login("alice", "secret", "a", 0);
        session().login("bob", "secret", "b", 0);
        alice.send("<message xmlns='jabber:client' to='bob@localhost' type='groupchat' id='g1'><body>x</body></message>");
        assertThat(alice.await("id='g1'")).contains("type='error'").contains("service-unavailable");
    }

    @Test
    void remoteDomainIsRemoteServerNotFound() throws Exception {
        TestSession alice = session().login("alice", "secret", "a", 0);
        alice.send("<message xmlns='jabber:client' to='carol@elsewhere.example' type='chat' id='r1'><body>x</body></message>");
        assertThat(alice.await("id='r1'")).contains("remote-server-not-found");
    }

    @Test
    void spoofedFromEndsTheStreamAndLeavesOthersWorking() throws Exception {
        TestSession alice = session().login("alice", "secret", "a", 0);
        TestSession bob = session().login("bob", "secret", "b", 0);
        alice.send("<message xmlns='jabber:client' from='bob@localhost/b' to='bob@localhost/b' id='s1'><body>x</body></message>");
        alice.await("<stream-error invalid-from>");
        assertThat(alice.transport.error).isEqualTo(StreamErrorCondition.INVALID_FROM);
        TestSession carol = session().login("alice", "secret", "c", 0);
        carol.send("<message xmlns='jabber:client' to='bob@localhost/b' type='chat' id='s2'><body>ok</body></message>");
        assertThat(bob.await("id='s2'")).contains("from='alice@localhost/c'");
    }
}
