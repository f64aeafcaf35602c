package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.roster.RosterEntry;
import org.jivesoftware.smack.roster.SubscribeListener;
import org.jivesoftware.smack.roster.packet.RosterPacket;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/** What federation must do whichever way the servers authenticate each other. */
abstract class FederationContract {
    static final Duration WAIT = Duration.ofSeconds(20);

    abstract FederatedServers servers();

    /** How links are expected to authenticate: "SASL EXTERNAL" or "dialback". */
    abstract String expectedMethod();

    @Test
    void usersOnTwoServersExchangeMessagesBothWays() throws Exception {
        FederatedServers s = servers();
        XMPPTCPConnection alice = s.login(s.one, FederatedServers.newUser("alice"), "a");
        XMPPTCPConnection bob = s.login(s.two, FederatedServers.newUser("bob"), "b");
        List<Message> toAlice = new CopyOnWriteArrayList<>();
        List<Message> toBob = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(alice).addIncomingListener((from, m, chat) -> toAlice.add(m));
        ChatManager.getInstanceFor(bob).addIncomingListener((from, m, chat) -> toBob.add(m));

        ChatManager.getInstanceFor(alice).chatWith(bob.getUser().asEntityBareJid()).send("hello from one");
        await().atMost(WAIT).until(() -> toBob.size() == 1);
        assertThat(toBob.get(0).getBody()).isEqualTo("hello from one");
        assertThat(toBob.get(0).getFrom().toString()).isEqualTo(alice.getUser().toString());

        ChatManager.getInstanceFor(bob).chatWith(alice.getUser().asEntityBareJid()).send("hello from two");
        await().atMost(WAIT).until(() -> toAlice.size() == 1);
        assertThat(toAlice.get(0).getBody()).isEqualTo("hello from two");
        assertThat(toAlice.get(0).getFrom().toString()).isEqualTo(bob.getUser().toString());

        assertThat(s.one.xmpp().context().s2s().linkMethod(FederatedServers.ONE, FederatedServers.TWO)).isEqualTo(expectedMethod());
        assertThat(s.two.xmpp().context().s2s().linkMethod(FederatedServers.TWO, FederatedServers.ONE)).isEqualTo(expectedMethod());
    }

    @Test
    void presenceSubscriptionHandshakeAcrossServers() throws Exception {
        FederatedServers s = servers();
        XMPPTCPConnection alice = s.login(s.one, FederatedServers.newUser("alice"), "a");
        XMPPTCPConnection bob = s.login(s.two, FederatedServers.newUser("bob"), "b");
        EntityBareJid aliceJid = alice.getUser().asEntityBareJid();
        EntityBareJid bobJid = bob.getUser().asEntityBareJid();
        Roster bobRoster = Roster.getInstanceFor(bob);
        bobRoster.addSubscribeListener((from, presence) -> SubscribeListener.SubscribeAnswer.ApproveAndAlsoRequestIfRequired);
        Roster aliceRoster = Roster.getInstanceFor(alice);
        aliceRoster.addSubscribeListener((from, presence) -> SubscribeListener.SubscribeAnswer.Approve);
        aliceRoster.createItemAndRequestSubscription(bobJid, "Bob", new String[] {"Remote"});

        await().atMost(WAIT).untilAsserted(() -> {
            RosterEntry e = aliceRoster.getEntry(bobJid);
            assertThat(e).isNotNull();
            assertThat(e.getType()).isEqualTo(RosterPacket.ItemType.both);
        });
        await().atMost(WAIT).untilAsserted(() -> {
            RosterEntry e = bobRoster.getEntry(aliceJid);
            assertThat(e).isNotNull();
            assertThat(e.getType()).isEqualTo(RosterPacket.ItemType.both);
        });
        await().atMost(WAIT).until(() -> aliceRoster.getPresence(bobJid).isAvailable());
        await().atMost(WAIT).until(() -> bobRoster.getPresence(aliceJid).isAvailable());

        // Going offline reaches the other server's subscriber.
        bob.disconnect();
        await().atMost(WAIT).until(() -> !aliceRoster.getPresence(bobJid).isAvailable());
    }

    @Test
    void contactsOnTheOtherServerAreProbedAtLogin() throws Exception {
        FederatedServers s = servers();
        String aliceName = FederatedServers.newUser("alice");
        XMPPTCPConnection alice = s.login(s.one, aliceName, "a");
        XMPPTCPConnection bob = s.login(s.two, FederatedServers.newUser("bob"), "b");
        EntityBareJid bobJid = bob.getUser().asEntityBareJid();
        Roster.getInstanceFor(bob).addSubscribeListener((from, p) -> SubscribeListener.SubscribeAnswer.ApproveAndAlsoRequestIfRequired);
        Roster aliceRoster = Roster.getInstanceFor(alice);
        aliceRoster.addSubscribeListener((from, p) -> SubscribeListener.SubscribeAnswer.Approve);
        aliceRoster.createItemAndRequestSubscription(bobJid, "Bob", null);
        await().atMost(WAIT).until(() -> aliceRoster.getEntry(bobJid) != null
                && aliceRoster.getEntry(bobJid).getType() == RosterPacket.ItemType.both);
        alice.disconnect();
        XMPPTCPConnection again = s.loginExisting(s.one, aliceName, "again");
        Roster roster = Roster.getInstanceFor(again);
        await().atMost(WAIT).until(() -> roster.getPresence(bobJid).isAvailable());
    }

    @Test
    void remoteUserJoinsARoomOnTheOtherServersServiceDomain() throws Exception {
        FederatedServers s = servers();
        XMPPTCPConnection alice = s.login(s.one, FederatedServers.newUser("alice"), "a");
        EntityBareJid room = JidCreate.entityBareFrom("lobby-" + FederatedServers.newUser("r") + "@echo." + FederatedServers.TWO);
        MultiUserChat muc = MultiUserChatManager.getInstanceFor(alice).getMultiUserChat(room);
        List<Message> got = new CopyOnWriteArrayList<>();
        muc.addMessageListener(got::add);
        muc.join(Resourcepart.from("alice"));
        assertThat(muc.isJoined()).isTrue();
        muc.sendMessage("hello room");
        await().atMost(WAIT).until(() -> got.size() == 1);
        assertThat(got.get(0).getBody()).isEqualTo("hello room");
        assertThat(got.get(0).getFrom().toString()).isEqualTo(room + "/alice");
    }

    @Test
    void usersOfBothServersMeetInARealRoomOnOneOfThem() throws Exception {
        FederatedServers s = servers();
        XMPPTCPConnection alice = s.login(s.one, FederatedServers.newUser("alice"), "a");
        XMPPTCPConnection bob = s.login(s.two, FederatedServers.newUser("bob"), "b");
        EntityBareJid room = JidCreate.entityBareFrom("meet-" + FederatedServers.newUser("r") + "@conference." + FederatedServers.TWO);
        MultiUserChat bobs = MultiUserChatManager.getInstanceFor(bob).getMultiUserChat(room);
        // Smack hands MUC message listeners every groupchat message from the room, the empty <subject/> that
        // XEP-0045 7.2.15 has the room send on entering included: count only what was said.
        List<Message> bobGot = new CopyOnWriteArrayList<>();
        bobs.addMessageListener(m -> { if (m.getBody() != null) bobGot.add(m); });
        bobs.join(Resourcepart.from("bob"));
        MultiUserChat alices = MultiUserChatManager.getInstanceFor(alice).getMultiUserChat(room);
        List<Message> aliceGot = new CopyOnWriteArrayList<>();
        alices.addMessageListener(m -> { if (m.getBody() != null) aliceGot.add(m); });
        alices.join(Resourcepart.from("alice"));
        await().atMost(WAIT).until(() -> bobs.getOccupants().size() == 2 && alices.getOccupants().size() == 2);

        alices.sendMessage("from the other server");
        await().atMost(WAIT).until(() -> bobGot.size() == 1);
        await().atMost(WAIT).until(() -> aliceGot.size() == 1);
        assertThat(bobGot.get(0).getFrom().toString()).isEqualTo(room + "/alice");
        bobs.sendMessage("welcome");
        await().atMost(WAIT).until(() -> aliceGot.size() == 2);
        assertThat(aliceGot.get(1).getBody()).isEqualTo("welcome");

        alices.leave();
        await().atMost(WAIT).until(() -> bobs.getOccupants().size() == 1);
    }
}
