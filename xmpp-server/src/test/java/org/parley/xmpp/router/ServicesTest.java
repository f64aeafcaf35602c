package org.parley.xmpp.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.server.ServerContext;
import org.xmpp.component.Component;
import org.xmpp.component.ComponentManager;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;

/** Internal services (Tinder components) behind the router: delivery, replies, from checks, queries. */
class ServicesTest {
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

    /** Answers every message with an echo, from a room-like JID of its own domain or, when asked, a forged one. */
    static final class Echo implements Component {
        ComponentManager manager;
        JID jid;
        final java.util.concurrent.CopyOnWriteArrayList<Packet> got = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override public String getName() { return "Echo"; }
        @Override public String getDescription() { return "echoes messages"; }
        @Override public void initialize(JID jid, ComponentManager m) { this.jid = jid; this.manager = m; }
        @Override public void start() { }
        @Override public void shutdown() { }

        @Override
        public void processPacket(Packet p) {
            got.add(p);
            if (p instanceof Message m) {
                Message reply = new Message();
                reply.setTo(m.getFrom());
                reply.setID(m.getID());
                reply.setBody("echo " + m.getBody());
                reply.setFrom("forge".equals(m.getBody()) ? new JID("bob@localhost/b") : new JID("room", jid.getDomain(), "nick"));
                try {
                    manager.sendPacket(this, reply);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    @Test
    void messagesReachTheServiceAndItsRepliesComeBack() throws Exception {
        Echo echo = new Echo();
        server.services().addComponent("echo.localhost", echo);
        TestSession alice = session().login("alice", "secret", "a", 0);
        alice.send("<message xmlns='jabber:client' to='room@echo.localhost' id='e1'><body>hi</body></message>");
        String reply = alice.await("id='e1'");
        assertThat(reply).contains("from='room@echo.localhost/nick'").contains("echo hi");
        assertThat(echo.got.get(0).getFrom().toString()).isEqualTo("alice@localhost/a");
    }

    @Test
    void aServiceCannotSendFromAnotherDomain() throws Exception {
        Echo echo = new Echo();
        server.services().addComponent("echo.localhost", echo);
        TestSession alice = session().login("alice", "secret", "a", 0);
        alice.send("<message xmlns='jabber:client' to='room@echo.localhost' id='f1'><body>forge</body></message>");
        alice.send("<message xmlns='jabber:client' to='room@echo.localhost' id='f2'><body>fine</body></message>");
        alice.await("id='f2'");
        assertThat(alice.drain()).noneMatch(s -> s.contains("f1"));
    }

    @Test
    void queriesGetTheirAnswerThroughTheListener() throws Exception {
        Echo echo = new Echo();
        server.services().addComponent("echo.localhost", echo);
        session().login("alice", "secret", "a", 0);
        IQ ping = new IQ(IQ.Type.get);
        ping.setTo("localhost");
        ping.setChildElement("ping", "urn:xmpp:ping");
        java.util.concurrent.CompletableFuture<IQ> answer = new java.util.concurrent.CompletableFuture<>();
        server.services().query(echo, ping, new org.xmpp.component.IQResultListener() {
            @Override public void receivedAnswer(IQ packet) { answer.complete(packet); }
            @Override public void answerTimeout(String id) { answer.completeExceptionally(new AssertionError("timeout")); }
        });
        IQ result = answer.get(5, TimeUnit.SECONDS);
        assertThat(result.getType()).isEqualTo(IQ.Type.result);
        assertThat(echo.got).noneMatch(p -> p instanceof IQ);
    }

    @Test
    void servicesAreListedInTheServersDiscoItems() throws Exception {
        server.services().addComponent("echo.localhost", new Echo());
        TestSession alice = session().login("alice", "secret", "a", 0);
        alice.send("<iq xmlns='jabber:client' to='localhost' type='get' id='d1'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        assertThat(alice.await("id='d1'")).contains("jid='echo.localhost'").contains("name='Echo'");
    }

    /** Echoes messages from its own JID (resource "focus"), or from a neighbour's when the body says "forge". */
    static final class EntityEcho implements Component {
        ComponentManager manager;
        JID jid;
        final java.util.concurrent.CopyOnWriteArrayList<Packet> got = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override public String getName() { return "Focus user"; }
        @Override public String getDescription() { return "echoes messages"; }
        @Override public void initialize(JID jid, ComponentManager m) { this.jid = jid; this.manager = m; }
        @Override public void start() { }
        @Override public void shutdown() { }

        @Override
        public void processPacket(Packet p) {
            got.add(p);
            if (p instanceof Message m) {
                Message reply = new Message();
                reply.setTo(m.getFrom());
                reply.setID(m.getID());
                reply.setBody("echo " + m.getBody());
                reply.setFrom("forge".equals(m.getBody()) ? new JID("bob@localhost/b") : new JID(jid.getNode(), jid.getDomain(), "focus"));
                try {
                    manager.sendPacket(this, reply);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    @Test
    void anEntityOwnsOneJidOfAVirtualHostAndItsNeighboursKeepTheirs() throws Exception {
        EntityEcho focus = new EntityEcho();
        server.services().addEntity(new JID("focus@localhost"), focus);
        TestSession alice = session().login("alice", "secret", "a", 0);
        TestSession bob = session().login("bob", "secret", "b", 0);
        alice.send("<message xmlns='jabber:client' to='focus@localhost/focus' id='n1'><body>hi</body></message>");
        assertThat(alice.await("id='n1'")).contains("from='focus@localhost/focus'").contains("echo hi");
        alice.send("<message xmlns='jabber:client' to='focus@localhost' id='n2'><body>bare</body></message>");
        assertThat(alice.await("id='n2'")).contains("echo bare");
        // It may not speak for a neighbour on its host.
        alice.send("<message xmlns='jabber:client' to='focus@localhost/focus' id='n3'><body>forge</body></message>");
        alice.send("<message xmlns='jabber:client' to='focus@localhost/focus' id='n4'><body>fine</body></message>");
        alice.await("id='n4'");
        assertThat(alice.drain()).noneMatch(x -> x.contains("n3"));
        // The host's other accounts are untouched.
        alice.send("<message xmlns='jabber:client' to='bob@localhost/b' id='n5'><body>to bob</body></message>");
        assertThat(bob.await("id='n5'")).contains("to bob");
        assertThat(focus.got).extracting(p -> p.getID()).containsExactly("n1", "n2", "n3", "n4");
        assertThat(server.services().ownsAddress("focus@localhost")).isTrue();
        assertThat(server.services().ownsAddress("bob@localhost")).isFalse();
        server.services().removeComponent("focus@localhost");
        assertThat(server.services().ownsAddress("focus@localhost")).isFalse();
    }
}
