package org.parley.xmpp.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.EventExecutor;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.router.InProcessServer;
import org.parley.xmpp.router.TestSession;
import org.parley.xmpp.server.ServerContext;
import org.parley.xmpp.stream.StreamErrorCondition;

/** XEP-0198 counting and acknowledgements, in-process, including the wrap of the counters at 2^32. */
class StreamManagementTest {
    @TempDir Path dir;
    private InProcessServer fixture;
    private JdbcStorage storage;
    private ServerContext server;
    private EventExecutor loop;

    @BeforeEach
    void start() throws Exception {
        fixture = new InProcessServer(dir, false, 20, "alice");
        storage = fixture.storage;
        server = fixture.server;
        loop = fixture.loop;
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private TestSession enabled(long countersAt) throws Exception {
        TestSession s = new TestSession(server, loop, 40000).login("alice", "secret", "r", 0);
        s.send("<enable xmlns='urn:xmpp:sm:3' resume='true' max='60'/>");
        String enabled = s.await("<enabled");
        assertThat(enabled).contains("resume='true'").contains("max='60'").contains("id='");
        loop.submit(() -> s.session.streamManagement().startCountersAt(countersAt)).get();
        return s;
    }

    private static String selfMessage(int i) {
        return "<message xmlns='jabber:client' to='alice@localhost/r' type='chat' id='s" + i + "'><body>" + i + "</body></message>";
    }

    @Test
    void answersRequestsWithTheHandledCountAndWrapsAt2To32() throws Exception {
        TestSession s = enabled(0xFFFFFFFEL);
        for (int i = 0; i < 3; i++) s.send("<presence xmlns='jabber:client'><status>" + i + "</status></presence>");
        s.send("<r xmlns='urn:xmpp:sm:3'/>");
        assertThat(s.await("<a ")).contains("h='1'");
    }

    @Test
    void acknowledgementsAcrossTheWrapReleaseStanzas() throws Exception {
        TestSession s = enabled(0xFFFFFFFFL);
        for (int i = 0; i < 3; i++) s.send(selfMessage(i));
        for (int i = 0; i < 3; i++) s.await("id='s" + i + "'");
        // 0xFFFFFFFF + 3 wraps to 2; acknowledging that releases all three.
        s.send("<a xmlns='urn:xmpp:sm:3' h='2'/>");
        assertThat(loop.submit(() -> s.session.streamManagement().unacknowledged().size()).get()).isZero();
        assertThat(s.transport.closed).isFalse();
    }

    @Test
    void acknowledgingMoreThanWasSentIsAStreamError() throws Exception {
        TestSession s = enabled(0);
        s.send(selfMessage(1));
        s.await("id='s1'");
        s.send("<a xmlns='urn:xmpp:sm:3' h='5'/>");
        s.await("<stream-error undefined-condition>");
        assertThat(s.transport.error).isEqualTo(StreamErrorCondition.UNDEFINED_CONDITION);
    }

    @Test
    void serverAsksForAcknowledgementsAndLimitsTheUnackedQueue() throws Exception {
        TestSession s = enabled(0);
        for (int i = 0; i < 10; i++) s.send(selfMessage(i));
        s.await("<r xmlns='urn:xmpp:sm:3'/>");
        // The limit in this test is 20 unacknowledged stanzas.
        for (int i = 10; i < 21; i++) s.send(selfMessage(i));
        s.await("<stream-error resource-constraint>");
    }

    @Test
    void enableBeforeBindAndTwiceAreRefused() throws Exception {
        TestSession s = enabled(0);
        s.send("<enable xmlns='urn:xmpp:sm:3'/>");
        assertThat(s.await("<failed")).contains("unexpected-request");
        assertThat(s.transport.closed).isFalse();
    }

    @Test
    void resumingAnUnknownIdFailsAndTheClientMayBindInstead() throws Exception {
        TestSession s = new TestSession(server, loop, 40001);
        s.open();
        s.await("<stream:features");
        s.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                + java.util.Base64.getEncoder().encodeToString("\0alice\0secret".getBytes()) + "</auth>");
        s.await("<success");
        s.open();
        assertThat(s.await("</stream:features>")).contains("urn:xmpp:sm:3");
        s.send("<resume xmlns='urn:xmpp:sm:3' previd='nope' h='0'/>");
        assertThat(s.await("<failed")).contains("item-not-found");
        s.send("<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        assertThat(s.await("id='b'")).contains("alice@localhost/");
    }
}
