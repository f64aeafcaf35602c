package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the Jitsi Meet web app sends through the meeting room itself, round-tripped in the stock layout with the
 * stanzas lib-jitsi-meet writes (ChatRoom.lockRoom, join with a password, presence extensions, sendMessage and
 * sendPrivateMessage with the sender's display name): each one reaches the others as lib-jitsi-meet parses it,
 * late joiners included. An admin of auth.D opens the rooms in the focus's place and makes the first guest an owner,
 * as the focus does.
 */
class MeetingRoundTripTest {
    static final String MUC = StockLayout.MUC;
    @RegisterExtension
    static final StockLayoutServer STOCK = new StockLayoutServer("");
    private static StockLayout layout;
    private Clients web;
    private Clients auth;

    @BeforeAll
    static void start() {
        layout = STOCK.layout();
    }

    @BeforeEach
    void clients() {
        web = STOCK.web();
        auth = STOCK.auth();
    }

    private JitsiWire openWithModerator(String room, JitsiWire moderator, String nick) throws Exception {
        return STOCK.openWithModerator(auth, room, moderator, nick, nick);
    }

    /** lib-jitsi-meet's ChatRoom.lockRoom: reads the owner form, then submits the secret (empty to unlock). */
    private static void lockRoom(JitsiWire owner, String room, String key) throws Exception {
        String form = owner.iq("cfg-get", "<iq type='get' id='cfg-get' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        // lockRoom only goes on when the form offers the secret (otherwise the web app says "not supported").
        assertThat(form).contains("type='result'").contains("var='muc#roomconfig_roomsecret'");
        String id = "lock" + key.length();
        assertThat(owner.iq(id, "<iq type='set' id='" + id + "' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<x xmlns='jabber:x:data' type='submit'>"
                + "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
                + "<field var='muc#roomconfig_roomsecret'><value>" + key + "</value></field>"
                + "<field var='muc#roomconfig_passwordprotectedroom'><value>" + (key.isEmpty() ? "0" : "1") + "</value></field>"
                + "<field var='muc#roomconfig_whois'><value>anyone</value></field>"
                + "</x></query></iq>")).contains("type='result'");
    }

    /** lib-jitsi-meet's join: the password goes inside the MUC element. Returns the first answer for that nick. */
    private static String joinWithPassword(JitsiWire w, String occupant, String password) throws Exception {
        w.send("<presence to='" + occupant + "'><x xmlns='http://jabber.org/protocol/muc'>"
                + (password == null ? "" : "<password>" + password + "</password>") + "</x>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Bob</nick></presence>");
        return w.await("the answer to the join", s -> s.startsWith("<presence") && s.contains("from='" + occupant + "'")
                && (s.contains("type='error'") || s.contains("code='110'")));
    }

    @Test
    void aRoomPasswordKeepsOutWhoeverDoesNotKnowItUntilItIsRemoved() throws Exception {
        String room = "locked@" + MUC;
        JitsiWire alice = layout.guest(web);
        openWithModerator(room, alice, "alice1");
        // A participant may not lock the room: the owner form is for owners.
        JitsiWire eve = layout.guest(web);
        eve.join(room + "/eve1", "Eve");
        assertThat(eve.iq("eve-cfg", "<iq type='get' id='eve-cfg' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>"))
                .contains("type='error'").contains("<forbidden");

        lockRoom(alice, room, "s3cret");
        // Everyone in is told the configuration changed (status 104), and lib-jitsi-meet reads the room info again.
        assertThat(eve.await("the configuration change", s -> s.startsWith("<message") && s.contains("from='" + room + "'")
                && s.contains("code='104'"))).contains("type='groupchat'");
        // What lib-jitsi-meet reads to show the room as locked (ChatRoom.discoRoomInfo: muc_passwordprotected).
        assertThat(alice.iq("info", "<iq type='get' id='info' to='" + room + "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"))
                .contains("var='muc_passwordprotected'");

        // Without the password and with a wrong one: not-authorized of type auth, lib-jitsi-meet's PASSWORD_REQUIRED.
        JitsiWire bob = layout.guest(web);
        for (String attempt : new String[] {null, "guess"}) {
            String refused = joinWithPassword(bob, room + "/bob1", attempt);
            assertThat(refused).contains("type='error'").contains("<error type='auth'>")
                    .contains("<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>");
        }
        assertThat(alice.drain(200)).noneMatch(s -> s.contains("from='" + room + "/bob1'"));
        // With it: in, and everyone sees him.
        assertThat(joinWithPassword(bob, room + "/bob1", "s3cret")).contains("code='110'").doesNotContain("type='error'");
        alice.await("bob's presence", s -> s.startsWith("<presence") && s.contains("from='" + room + "/bob1'"));

        // The owner removes the password (lockRoom with an empty key): anyone enters again.
        lockRoom(alice, room, "");
        assertThat(alice.iq("info2", "<iq type='get' id='info2' to='" + room + "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"))
                .contains("var='muc_unsecured'").doesNotContain("muc_passwordprotected");
        JitsiWire carol = layout.guest(web);
        carol.join(room + "/carol1", "Carol");
    }

    @Test
    void raisedHandAndDisplayNameReachEveryoneAndLateJoiners() throws Exception {
        String room = "hands@" + MUC;
        JitsiWire alice = layout.guest(web);
        openWithModerator(room, alice, "alice2");
        JitsiWire bob = layout.guest(web);
        bob.join(room + "/bob2", "Bob");

        // The web app raises the hand: its whole presence again, with the timestamp element (no namespace of its own).
        long raised = System.currentTimeMillis();
        bob.send("<presence to='" + room + "/bob2'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Bob</nick>"
                + "<jitsi_participant_raisedHand>" + raised + "</jitsi_participant_raisedHand></presence>");
        String hand = alice.await("the raised hand", s -> s.startsWith("<presence") && s.contains("from='" + room + "/bob2'")
                && s.contains("jitsi_participant_raisedHand"));
        assertThat(hand).contains("<jitsi_participant_raisedHand>" + raised + "</jitsi_participant_raisedHand>")
                .contains("<nick xmlns='http://jabber.org/protocol/nick'>Bob</nick>");

        // A late joiner sees the hand up in bob's presence, among everyone's.
        JitsiWire carol = layout.guest(web);
        carol.send("<presence to='" + room + "/carol2'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Carol</nick></presence>");
        String bobForCarol = carol.await("bob's presence", s -> s.startsWith("<presence") && s.contains("from='" + room + "/bob2'"));
        assertThat(bobForCarol).contains("<jitsi_participant_raisedHand>" + raised + "</jitsi_participant_raisedHand>");
        carol.await("her own presence", s -> s.contains("from='" + room + "/carol2'") && s.contains("code='110'"));

        // Bob renames himself (the web app's display name: the nick element of his next presence) and lowers his hand.
        bob.send("<presence to='" + room + "/bob2'><x xmlns='http://jabber.org/protocol/muc'/>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Robert</nick></presence>");
        for (JitsiWire w : List.of(alice, carol)) {
            String renamed = w.await("the new display name", s -> s.startsWith("<presence") && s.contains("from='" + room + "/bob2'")
                    && s.contains(">Robert</nick>"));
            assertThat(renamed).doesNotContain("jitsi_participant_raisedHand");
        }
        JitsiWire dave = layout.guest(web);
        dave.send("<presence to='" + room + "/dave2'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        assertThat(dave.await("bob's presence", s -> s.startsWith("<presence") && s.contains("from='" + room + "/bob2'")))
                .contains(">Robert</nick>").doesNotContain("jitsi_participant_raisedHand");
    }

    @Test
    void chatWithDisplayNamesHistoryForLateJoinersAndPrivateChat() throws Exception {
        String room = "chat@" + MUC;
        JitsiWire alice = layout.guest(web);
        openWithModerator(room, alice, "alice3");
        JitsiWire bob = layout.guest(web);
        bob.join(room + "/bob3", "Bob");

        // lib-jitsi-meet's sendMessage(text, 'body', displayName).
        alice.send("<message to='" + room + "' type='groupchat'><body>hello all</body>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Alice</nick></message>");
        String chat = bob.await("the chat message", s -> s.startsWith("<message") && s.contains("<body>hello all</body>"));
        assertThat(chat).contains("from='" + room + "/alice3'").contains("type='groupchat'")
                .contains("<nick xmlns='http://jabber.org/protocol/nick'>Alice</nick>");
        alice.await("her own message back", s -> s.contains("<body>hello all</body>"));
        // A json-message to everyone (JitsiConference.sendMessage with an object): delivered, not kept in the history.
        bob.send("<message to='" + room + "' type='groupchat'><json-message xmlns='http://jitsi.org/jitmeet'>{\"k\":1}</json-message></message>");
        assertThat(alice.await("the json message", s -> s.contains("{'k':1}"))).contains("from='" + room + "/bob3'")
                .contains("type='groupchat'");

        // A late joiner gets the chat so far (Prosody's default history), delayed, with the display name.
        JitsiWire carol = layout.guest(web);
        carol.join(room + "/carol3", "Carol");
        String history = carol.await("the history", s -> s.startsWith("<message") && s.contains("<body>hello all</body>"));
        assertThat(history).contains("from='" + room + "/alice3'").contains("urn:xmpp:delay")
                .contains("<nick xmlns='http://jabber.org/protocol/nick'>Alice</nick>");
        assertThat(carol.drain(200)).noneMatch(s -> s.contains("{'k':1}"));

        // Private chat: sendPrivateMessage(nick, text, 'body', displayName), type chat to room/nick; and the reply.
        bob.send("<message to='" + room + "/carol3' type='chat'><body>psst</body>"
                + "<nick xmlns='http://jabber.org/protocol/nick'>Bob</nick></message>");
        String pm = carol.await("the private message", s -> s.startsWith("<message") && s.contains("<body>psst</body>"));
        assertThat(pm).contains("from='" + room + "/bob3'").contains("type='chat'")
                .contains("<nick xmlns='http://jabber.org/protocol/nick'>Bob</nick>")
                .contains("<x xmlns='http://jabber.org/protocol/muc#user'");
        carol.send("<message to='" + room + "/bob3' type='chat'><body>yes?</body></message>");
        assertThat(bob.await("the reply", s -> s.startsWith("<message") && s.contains("<body>yes?</body>")))
                .contains("from='" + room + "/carol3'");
        assertThat(alice.drain(200)).noneMatch(s -> s.contains("psst") || s.contains("yes?"));
        // To someone not in the room: item-not-found, as lib-jitsi-meet gets it back.
        bob.send("<message to='" + room + "/nobody' type='chat'><body>hello?</body></message>");
        assertThat(bob.await("the error", s -> s.startsWith("<message") && s.contains("type='error'"))).contains("item-not-found");

        // The owner restricts private messages to moderators (muc#roomconfig_allowpm): the moderator still writes to
        // a participant, a participant's private message (to anyone) comes back as an error with the reason, which
        // lib-jitsi-meet shows (CHAT_ERROR_RECEIVED), and reaches nobody.
        assertThat(alice.iq("pm", "<iq type='set' id='pm' to='" + room + "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
                + "<field var='muc#roomconfig_allowpm'><value>moderators</value></field></x></query></iq>")).contains("type='result'");
        alice.send("<message to='" + room + "/bob3' type='chat'><body>from the moderator</body></message>");
        assertThat(bob.await("the moderator's message", s -> s.contains("<body>from the moderator</body>"))).contains("from='" + room + "/alice3'");
        for (String to : List.of("carol3", "alice3")) {
            bob.send("<message to='" + room + "/" + to + "' type='chat'><body>not now " + to + "</body></message>");
            assertThat(bob.await("the refusal", s -> s.startsWith("<message") && s.contains("type='error'")))
                    .contains("not-allowed").contains("<text");
        }
        assertThat(carol.drain(200)).noneMatch(s -> s.contains("not now"));
        assertThat(alice.drain(0)).noneMatch(s -> s.contains("not now"));
    }
}
