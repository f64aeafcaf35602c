package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.it.MucTest.muc;
import static org.parley.it.MucTest.newRoom;
import static org.parley.it.MucTest.next;
import static org.parley.it.MucTest.nick;

import java.util.List;
import org.jivesoftware.smack.XMPPException.XMPPErrorException;
import org.jivesoftware.smack.filter.StanzaIdFilter;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.ping.packet.Ping;
import org.jivesoftware.smackx.xdata.form.FillableForm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;

/** What the MUC refuses, and with which error; after each refusal the room still works for its occupants. */
@ExtendWith(ParleyServer.class)
class MucBadInputTest {
    static final String MUC_NS = "http://jabber.org/protocol/muc";
    private final Clients clients = new Clients();

    @AfterEach
    void close() {
        clients.close();
    }

    /** Sends {@code s} and returns the stanza answering its id. */
    static Stanza exchange(XMPPTCPConnection c, Stanza s) throws Exception {
        Stanza reply = c.createStanzaCollectorAndSend(new StanzaIdFilter(s.getStanzaId()), s).nextResult(5000);
        assertThat(reply).as("an answer to " + s.toXML()).isNotNull();
        return reply;
    }

    static StanzaError.Condition condition(Stanza reply) {
        assertThat(reply.getError()).as("an error in " + reply.toXML()).isNotNull();
        return reply.getError().getCondition();
    }

    static StanzaError.Condition condition(Throwable t) {
        return ((XMPPErrorException) t).getStanzaError().getCondition();
    }

    /** Alice owns the room, Bob takes part; both can still talk. */
    private void assertRoomWorks(MultiUserChat a, MultiUserChat b, int occupants) throws Exception {
        assertThat(a.getOccupantsCount()).isEqualTo(occupants);
        String text = "still here " + System.nanoTime();
        a.sendMessage(text);
        assertThat(next(b, 5000).getBody()).isEqualTo(text);
        assertThat(next(a, 5000).getBody()).isEqualTo(text);
    }

    private MultiUserChat[] aliceAndBob(XMPPTCPConnection alice, XMPPTCPConnection bob, EntityBareJid room) throws Exception {
        MultiUserChat a = muc(alice, room);
        a.create(nick("alice")).makeInstant();
        MultiUserChat b = muc(bob, room);
        b.join(nick("bob"));
        return new MultiUserChat[] {a, b};
    }

    @Test
    void joinWithoutNicknameIsJidMalformed() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        XMPPTCPConnection carol = clients.newUser("carol", "c");
        EntityBareJid room = newRoom("nonick");
        MultiUserChat[] ab = aliceAndBob(alice, bob, room);
        Presence bare = carol.getStanzaFactory().buildPresenceStanza().to(room)
                .addExtension(StandardExtensionElement.builder("x", MUC_NS).build()).build();
        assertThat(condition(exchange(carol, bare))).isEqualTo(StanzaError.Condition.jid_malformed);
        Presence blank = carol.getStanzaFactory().buildPresenceStanza().to(room + "/ ")
                .addExtension(StandardExtensionElement.builder("x", MUC_NS).build()).build();
        assertThat(condition(exchange(carol, blank))).isEqualTo(StanzaError.Condition.jid_malformed);
        assertRoomWorks(ab[0], ab[1], 2);
    }

    @Test
    void presenceToANonExistentRoomWithABadFormCreatesNothing() throws Exception {
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        EntityBareJid room = newRoom("badform");
        for (String[] attr : List.of(new String[] {"maxstanzas", "lots"}, new String[] {"maxchars", "-1"},
                new String[] {"since", "last tuesday"})) {
            Presence p = bob.getStanzaFactory().buildPresenceStanza().to(room + "/bob")
                    .addExtension(StandardExtensionElement.builder("x", MUC_NS)
                            .addElement(StandardExtensionElement.builder("history", MUC_NS).addAttribute(attr[0], attr[1]).build())
                            .build())
                    .build();
            Stanza reply = exchange(bob, p);
            assertThat(condition(reply)).as(attr[0]).isEqualTo(StanzaError.Condition.bad_request);
            assertThat(reply.getFrom().toString()).isEqualTo(room + "/bob");
        }
        assertThatThrownBy(() -> MultiUserChatManager.getInstanceFor(bob).getRoomInfo(room))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.item_not_found));
        assertThat(ParleyServer.get().parley().muc().roomInfo(room.getLocalpart().toString(), "conference.localhost").get()).isEmpty();
    }

    @Test
    void aBadConfigurationFormChangesNothing() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        EntityBareJid room = newRoom("badconfig");
        MultiUserChat[] ab = aliceAndBob(alice, bob, room);
        FillableForm f = ab[0].getConfigurationForm().getFillableForm();
        f.setAnswer("muc#roomconfig_roomname", "Renamed");
        f.setAnswer("muc#roomconfig_maxusers", "lots");
        assertThatThrownBy(() -> ab[0].sendConfigurationForm(f))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.bad_request));
        FillableForm g = ab[0].getConfigurationForm().getFillableForm();
        g.setAnswer("muc#roomconfig_whois", "everyone");
        assertThatThrownBy(() -> ab[0].sendConfigurationForm(g))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.bad_request));
        assertThat(MultiUserChatManager.getInstanceFor(bob).getRoomInfo(room).getName()).isNotEqualTo("Renamed");
        assertRoomWorks(ab[0], ab[1], 2);
    }

    @Test
    void aParticipantTryingOwnerOperationsIsForbidden() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        EntityBareJid room = newRoom("mutiny");
        MultiUserChat[] ab = aliceAndBob(alice, bob, room);
        MultiUserChat b = ab[1];
        assertThatThrownBy(b::getConfigurationForm).satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.forbidden));
        assertThatThrownBy(() -> b.destroy("mine now", null)).satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.forbidden));
        assertThatThrownBy(() -> b.kickParticipant(nick("alice"), "bye")).satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.forbidden));
        assertThatThrownBy(() -> b.banUser(alice.getUser().asBareJid(), "bye")).satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.forbidden));
        assertThatThrownBy(() -> b.grantOwnership(bob.getUser().asBareJid())).satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.forbidden));
        assertThatThrownBy(() -> b.grantModerator(nick("bob"))).satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.forbidden));
        assertThatThrownBy(b::getOwners).satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.forbidden));
        assertThat(ab[0].getOwners()).extracting(o -> o.getJid().toString()).containsExactly(alice.getUser().asBareJid().toString());
        assertRoomWorks(ab[0], ab[1], 2);
    }

    @Test
    void aNonOccupantCannotSpeakWhisperOrProxy() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        XMPPTCPConnection carol = clients.newUser("carol", "c");
        EntityBareJid room = newRoom("outsider");
        MultiUserChat[] ab = aliceAndBob(alice, bob, room);
        Message groupchat = carol.getStanzaFactory().buildMessageStanza().to(room).ofType(Message.Type.groupchat).setBody("let me in").build();
        Stanza reply = exchange(carol, groupchat);
        assertThat(condition(reply)).isEqualTo(StanzaError.Condition.not_acceptable);
        Message pm = carol.getStanzaFactory().buildMessageStanza().to(room + "/alice").ofType(Message.Type.chat).setBody("psst").build();
        assertThat(condition(exchange(carol, pm))).isEqualTo(StanzaError.Condition.not_acceptable);
        Ping ping = new Ping(JidCreate.entityFullFrom(room + "/alice"));
        IQ pong = (IQ) exchange(carol, ping);
        assertThat(condition(pong)).isEqualTo(StanzaError.Condition.not_acceptable);
        assertThat(next(ab[1], 500)).isNull();
        Message toNowhere = carol.getStanzaFactory().buildMessageStanza().to("nowhere-" + System.nanoTime() + "@conference.localhost")
                .ofType(Message.Type.groupchat).setBody("anyone?").build();
        assertThat(condition(exchange(carol, toNowhere))).isEqualTo(StanzaError.Condition.item_not_found);
        assertRoomWorks(ab[0], ab[1], 2);
    }
}
