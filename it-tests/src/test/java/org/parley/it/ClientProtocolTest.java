package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.jivesoftware.smack.ConnectionListener;
import org.jivesoftware.smack.XMPPException.StreamErrorException;
import org.jivesoftware.smack.XMPPException.XMPPErrorException;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.SimpleIQ;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.packet.StreamError;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.roster.RosterEntry;
import org.jivesoftware.smack.roster.SubscribeListener;
import org.jivesoftware.smack.roster.packet.RosterPacket;
import org.jivesoftware.smack.sasl.SASLErrorException;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.ping.PingManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;

/** RFC 6120/6121 and the small XEPs, driven by Smack over real TCP with STARTTLS. */
@ExtendWith(ParleyServer.class)
class ClientProtocolTest {
    private final Clients clients = new Clients();

    @AfterEach
    void close() {
        clients.close();
    }

    @Test
    void registersAndLogsInWithScramSha256OverStartTls() throws Exception {
        String user = Clients.newUser("reg");
        clients.register(user);
        XMPPTCPConnection c = clients.login(user, "desk");
        assertThat(c.isSecureConnection()).isTrue();
        assertThat(c.isAuthenticated()).isTrue();
        assertThat(c.getUsedSaslMechansism()).isEqualTo("SCRAM-SHA-256");
        assertThat(c.getUser().toString()).isEqualTo(user + "@localhost/desk");
    }

    @Test
    void registeringATakenNameIsAConflict() throws Exception {
        String user = Clients.newUser("taken");
        clients.register(user);
        assertThatThrownBy(() -> clients.register(user))
                .isInstanceOfSatisfying(XMPPErrorException.class,
                        e -> assertThat(e.getStanzaError().getCondition()).isEqualTo(StanzaError.Condition.conflict));
    }

    @Test
    void removingTheAccountInBandEndsItsOtherSessionsAndItsLogins() throws Exception {
        String user = Clients.newUser("gone");
        clients.register(user);
        XMPPTCPConnection desk = clients.login(user, "desk");
        XMPPTCPConnection phone = clients.login(user, "phone");
        try {
            org.jivesoftware.smackx.iqregister.AccountManager.getInstance(desk).deleteAccount();
        } catch (org.jivesoftware.smack.SmackException.NotConnectedException e) {
            // The server sends the result and then ends the stream (XEP-0077 3.2); Smack hands stanzas to listeners on
            // another thread than the one that reads the stream error, so the error can overtake the result.
            assertThat(e).hasMessageContaining("Account removed");
        }
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> !phone.isConnected());
        assertThatThrownBy(() -> clients.login(user, "again")).isInstanceOf(org.jivesoftware.smack.sasl.SASLErrorException.class);
    }

    @Test
    void anonymousLoginGetsAGeneratedJid() throws Exception {
        XMPPTCPConnection c = clients.connect(clients.anonymousConfig().build());
        c.login();
        assertThat(c.getUser().getLocalpart().toString()).isNotBlank();
        assertThat(c.getUser().getDomain().toString()).isEqualTo("localhost");
        assertThat(c.getUser().getResourceOrEmpty().toString()).isNotBlank();
        assertThat(PingManager.getInstanceFor(c).pingMyServer()).isTrue();
    }

    @Test
    void twoUsersExchangeMessages() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        List<Message> toBob = new CopyOnWriteArrayList<>();
        List<Message> toAlice = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(bob).addIncomingListener((from, m, chat) -> toBob.add(m));
        ChatManager.getInstanceFor(alice).addIncomingListener((from, m, chat) -> toAlice.add(m));
        ChatManager.getInstanceFor(alice).chatWith(bob.getUser().asEntityBareJid()).send("hello bob ✓");
        await().atMost(Duration.ofSeconds(10)).until(() -> toBob.size() == 1);
        assertThat(toBob.get(0).getBody()).isEqualTo("hello bob ✓");
        assertThat(toBob.get(0).getFrom().toString()).isEqualTo(alice.getUser().toString());
        ChatManager.getInstanceFor(bob).chatWith(alice.getUser().asEntityBareJid()).send("hi alice");
        await().atMost(Duration.ofSeconds(10)).until(() -> toAlice.size() == 1);
        assertThat(toAlice.get(0).getBody()).isEqualTo("hi alice");
    }

    @Test
    void subscriptionHandshakeUpdatesBothRostersWithPushes() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        EntityBareJid aliceJid = alice.getUser().asEntityBareJid();
        EntityBareJid bobJid = bob.getUser().asEntityBareJid();
        Roster bobRoster = Roster.getInstanceFor(bob);
        bobRoster.addSubscribeListener((from, presence) -> SubscribeListener.SubscribeAnswer.ApproveAndAlsoRequestIfRequired);
        Roster aliceRoster = Roster.getInstanceFor(alice);
        aliceRoster.addSubscribeListener((from, presence) -> SubscribeListener.SubscribeAnswer.Approve);
        aliceRoster.createItemAndRequestSubscription(bobJid, "Bob", new String[] {"Friends"});

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            RosterEntry e = aliceRoster.getEntry(bobJid);
            assertThat(e).isNotNull();
            assertThat(e.getType()).isEqualTo(RosterPacket.ItemType.both);
            assertThat(e.getName()).isEqualTo("Bob");
            assertThat(e.getGroups()).extracting(g -> g.getName()).containsExactly("Friends");
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            RosterEntry e = bobRoster.getEntry(aliceJid);
            assertThat(e).isNotNull();
            assertThat(e.getType()).isEqualTo(RosterPacket.ItemType.both);
        });
        // Presence now flows both ways.
        await().atMost(Duration.ofSeconds(10)).until(() -> aliceRoster.getPresence(bobJid).isAvailable());
        await().atMost(Duration.ofSeconds(10)).until(() -> bobRoster.getPresence(aliceJid).isAvailable());

        // The roster is persisted: a new session of alice gets it from the server.
        String aliceUser = aliceJid.getLocalpart().toString();
        alice.disconnect();
        XMPPTCPConnection again = clients.login(aliceUser, "second");
        Roster reloaded = Roster.getInstanceFor(again);
        reloaded.reloadAndWait();
        assertThat(reloaded.getEntry(bobJid)).isNotNull();
        assertThat(reloaded.getEntry(bobJid).getType()).isEqualTo(RosterPacket.ItemType.both);
        // And bob sees alice's old resource go unavailable, then the new one come.
        await().atMost(Duration.ofSeconds(10)).until(() -> bobRoster.getPresenceResource(again.getUser()).isAvailable());
    }

    @Test
    void offlineMessageIsDeliveredAtNextLoginWithDelay() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        String bob = Clients.newUser("bob");
        clients.register(bob);
        EntityBareJid bobJid = JidCreate.entityBareFrom(bob + "@localhost");
        ChatManager.getInstanceFor(alice).chatWith(bobJid).send("while you were away");

        List<Message> received = new CopyOnWriteArrayList<>();
        XMPPTCPConnection c = clients.connect(clients.config().setUsernameAndPassword(bob, Clients.PASSWORD)
                .setResource("phone").build());
        ChatManager.getInstanceFor(c).addIncomingListener((from, m, chat) -> received.add(m));
        c.login();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
        Message m = received.get(0);
        assertThat(m.getBody()).isEqualTo("while you were away");
        assertThat(m.getFrom().asBareJid().toString()).isEqualTo(alice.getUser().asBareJid().toString());
        DelayInformation delay = m.getExtension(DelayInformation.class);
        assertThat(delay).isNotNull();
        assertThat(delay.getStamp()).isBefore(new java.util.Date(System.currentTimeMillis() + 1000));
    }

    @Test
    void pingsTheServerAndAnotherUser() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        assertThat(PingManager.getInstanceFor(alice).pingMyServer()).isTrue();
        assertThat(PingManager.getInstanceFor(alice).ping(bob.getUser())).isTrue();
    }

    @Test
    void iqToAnUnknownNamespaceIsServiceUnavailable() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        IQ unknown = new SimpleIQ("query", "urn:example:no-such-feature") { };
        unknown.setType(IQ.Type.get);
        unknown.setTo(JidCreate.domainBareFrom("localhost"));
        assertThatThrownBy(() -> alice.sendIqRequestAndWaitForResponse(unknown))
                .isInstanceOfSatisfying(XMPPErrorException.class, e -> assertThat(e.getStanzaError().getCondition())
                        .isEqualTo(StanzaError.Condition.service_unavailable));
        // The session is unharmed.
        assertThat(PingManager.getInstanceFor(alice).pingMyServer()).isTrue();
    }

    @Test
    void secondBindOfTheSameResourceReplacesTheFirstWithConflict() throws Exception {
        String user = Clients.newUser("twice");
        clients.register(user);
        XMPPTCPConnection first = clients.login(user, "same");
        AtomicReference<Exception> closedWith = new AtomicReference<>();
        first.addConnectionListener(new ConnectionListener() {
            @Override public void connectionClosedOnError(Exception e) { closedWith.set(e); }
        });
        XMPPTCPConnection second = clients.login(user, "same");
        await().atMost(Duration.ofSeconds(10)).until(() -> closedWith.get() != null);
        assertThat(closedWith.get()).isInstanceOfSatisfying(StreamErrorException.class,
                e -> assertThat(e.getStreamError().getCondition()).isEqualTo(StreamError.Condition.conflict));
        assertThat(second.getUser().toString()).isEqualTo(user + "@localhost/same");
        assertThat(PingManager.getInstanceFor(second).pingMyServer()).isTrue();
    }

    @Test
    void wrongPasswordIsNotAuthorized() throws Exception {
        String user = Clients.newUser("pw");
        clients.register(user);
        XMPPTCPConnection c = clients.connect(clients.config().setUsernameAndPassword(user, "wrong").build());
        assertThatThrownBy(c::login).isInstanceOfSatisfying(SASLErrorException.class,
                e -> assertThat(e.getSASLFailure().getSASLErrorString()).isEqualTo("not-authorized"));
    }
}
