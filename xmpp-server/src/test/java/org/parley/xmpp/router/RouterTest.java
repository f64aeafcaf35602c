package org.parley.xmpp.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.storage.StorageConfig;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.config.Limits;
import org.parley.xmpp.config.ListenerConfig;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.config.VirtualHost;
import org.parley.xmpp.sasl.ScramCredentials;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.stream.StreamErrorCondition;

/** The delivery rules of RFC 6120 section 10 and RFC 6121 section 8, with sessions driven in-process. */
class RouterTest {
    @TempDir Path dir;
    private JdbcStorage storage;
    private ServerContext server;
    private EventExecutor loop;
    private int port = 40000;

    @BeforeEach
    void start() throws Exception {
        StorageConfig storageConfig = new StorageConfig(null, null, null, 2, dir);
        storage = JdbcStorage.open(storageConfig);
        Limits limits = new Limits(65536, 64, 100, 1000, 1000, 10, 5, Duration.ofMinutes(10),
                Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofSeconds(300), 5000);
        VirtualHost host = new VirtualHost("localhost", List.of("PLAIN"), true, false, true, null, null);
        ListenerConfig off = new ListenerConfig(false, "127.0.0.1", 0);
        server = new ServerContext(new ServerConfig(List.of(host), off, off, limits, storageConfig, dir, "Parley", "test",
                com.typesafe.config.ConfigFactory.empty()),
                storage);
        for (String user : List.of("alice", "bob")) {
            storage.accounts().create("localhost", user, ScramCredentials.deriveAll("secret")).get();
        }
        loop = new io.netty.util.concurrent.DefaultEventExecutor();
    }

    @AfterEach
    void stop() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        storage.close();
    }

    private TestSession session() throws Exception {
        return new TestSession(server, loop, port++);
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
