package org.parley.muc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Room behaviour (XEP-0045) through a synchronous harness: what each party receives, exactly. */
class RoomTest {
    static final String DOMAIN = "conference.localhost";
    static final String ROOM = "room@" + DOMAIN;
    static final String ALICE = "alice@localhost/a";
    static final String BOB = "bob@localhost/b";
    static final String CAROL = "carol@localhost/c";

    final Harness h = new Harness(ServiceSettings.open(DOMAIN));

    /** Alice creates the room, Bob joins; both inboxes emptied. */
    void aliceAndBob() {
        h.join(ALICE, ROOM, "alice");
        h.join(BOB, ROOM, "bob");
        h.clear();
    }

    static long count(List<String> stanzas, String fragment) {
        return stanzas.stream().filter(s -> s.contains(fragment)).count();
    }

    @Test
    void creatorGetsStatus201AndOwnership() {
        h.join(ALICE, ROOM, "alice", "<c xmlns='http://jabber.org/protocol/caps' node='n' ver='v' hash='sha-1'/>");
        List<String> got = h.take(ALICE);
        assertThat(got).hasSize(2);
        assertThat(got.get(0)).startsWith("<presence").contains("from='" + ROOM + "/alice'")
                .contains("affiliation='owner'").contains("role='moderator'")
                .contains("<status code='110'/>").contains("<status code='201'/>")
                .contains("<c xmlns='http://jabber.org/protocol/caps' node='n' ver='v' hash='sha-1'/>")
                .contains("<occupant-id xmlns='urn:xmpp:occupant-id:0' id='");
        // No history yet, then the (empty) subject, from the room itself.
        assertThat(got.get(1)).startsWith("<message").contains("from='" + ROOM + "'").contains("type='groupchat'").contains("<subject/>");
        assertThat(h.domain.room("room").meetingId).matches("[0-9a-f-]{36}");
    }

    @Test
    void joinerGetsEveryoneFirstThenItselfAndOthersGetItOnce() {
        h.join(ALICE, ROOM, "alice");
        h.clear();
        h.join(BOB, ROOM, "bob", "<status>hi</status><stats-id xmlns='jitsi'>Bob-1</stats-id>");
        List<String> bob = h.take(BOB);
        assertThat(bob).hasSize(3);
        assertThat(bob.get(0)).contains("from='" + ROOM + "/alice'").doesNotContain("code='110'");
        assertThat(bob.get(1)).contains("from='" + ROOM + "/bob'").contains("code='110'").doesNotContain("code='201'")
                .contains("affiliation='none'").contains("role='participant'");
        assertThat(bob.get(2)).contains("<subject/>");
        List<String> alice = h.take(ALICE);
        assertThat(alice).hasSize(1);
        // Presence extensions pass untouched; the owner is a moderator and sees the real JID (semi-anonymous room).
        assertThat(alice.get(0)).contains("from='" + ROOM + "/bob'").contains("<status>hi</status>")
                .contains("<stats-id xmlns='jitsi'>Bob-1</stats-id>").contains("jid='" + BOB + "'");
        // Bob, a participant, does not see Alice's real JID.
        assertThat(bob.get(0)).doesNotContain("jid='" + ALICE + "'");
        assertThat(h.takeAll()).isEmpty();
    }

    @Test
    void nonAnonymousRoomsShowJidsToAllAndSay100() {
        Harness open = new Harness(new ServiceSettings(DOMAIN, "c", JidPatterns.ANYONE, JidPatterns.ANYONE, JidPatterns.NOBODY,
                false, true, 20, 100, RoomConfig.fromConfig(com.typesafe.config.ConfigFactory.parseString("whois = anyone"), RoomConfig.XEP_DEFAULTS)));
        open.join(ALICE, ROOM, "alice");
        open.join(BOB, ROOM, "bob");
        List<String> bob = open.take(BOB);
        assertThat(bob.get(0)).contains("jid='" + ALICE + "'");
        assertThat(bob.get(1)).contains("code='100'").contains("code='110'");
    }

    @Test
    void aJoinBroadcastIsSerializedOncePerViewNotPerRecipient() {
        for (int i = 0; i < 50; i++) h.join("u" + i + "@localhost/r", ROOM, "u" + i);
        h.clear();
        h.join(BOB, ROOM, "bob");
        // Bob's presence: one shared stanza for the 49 participants, one with his JID for the owner, one for himself,
        // plus the subject; the 50 presences Bob receives are the occupants' cached stanzas, built at their own join.
        assertThat(h.sent).hasSize(50 + 50 + 1 + 1);
        long fresh = h.sent.stream().map(Harness.Sent::shared).distinct().count();
        assertThat(fresh).isLessThanOrEqualTo(50 + 2 + 1 + 1);
        h.clear();
        h.send(BOB, "<presence to='" + ROOM + "/bob'><show>away</show></presence>");
        assertThat(h.sent).hasSize(51);
        assertThat(h.sharedSeen).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void nicknameConflictIsRefusedAndTheRoomIsUnharmed() {
        aliceAndBob();
        h.send(CAROL, "<presence to='" + ROOM + "/bob' id='j1'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        List<String> carol = h.take(CAROL);
        assertThat(carol).hasSize(1);
        assertThat(carol.get(0)).contains("type='error'").contains("id='j1'").contains("from='" + ROOM + "/bob'")
                .contains("<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>").contains("type='cancel'");
        assertThat(h.takeAll()).isEmpty();
        assertThat(h.domain.room("room").occupantCount()).isEqualTo(2);
    }

    @Test
    void joinWithoutNicknameIsJidMalformed() {
        h.send(ALICE, "<presence to='" + ROOM + "' id='n1'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("<jid-malformed").contains("type='modify'").contains("id='n1'");
        assertThat(h.domain.room("room")).isNull();
    }

    @Test
    void malformedHistoryRequestCreatesNoRoom() {
        h.send(ALICE, "<presence to='new@" + DOMAIN + "/a' id='h1'><x xmlns='http://jabber.org/protocol/muc'>"
                + "<history maxstanzas='many'/></x></presence>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("<bad-request").contains("id='h1'");
        assertThat(h.domain.room("new")).isNull();
        h.send(ALICE, "<presence to='new@" + DOMAIN + "/a'><x xmlns='http://jabber.org/protocol/muc'><history since='yesterday'/></x></presence>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("<bad-request");
        assertThat(h.domain.roomCount()).isZero();
    }

    @Test
    void presenceChangeReachesEachOtherOccupantOnce() {
        aliceAndBob();
        h.join(CAROL, ROOM, "carol");
        h.clear();
        h.send(BOB, "<presence to='" + ROOM + "/bob' id='p1'><show>dnd</show><audiomuted xmlns='jitsi'>true</audiomuted></presence>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("<show>dnd</show>").contains("<audiomuted xmlns='jitsi'>true</audiomuted>");
        assertThat(h.take(CAROL)).singleElement().asString().contains("<show>dnd</show>").doesNotContain("code='110'");
        assertThat(h.take(BOB)).singleElement().asString().contains("code='110'").contains("id='p1'");
        assertThat(h.takeAll()).isEmpty();
    }

    @Test
    void nickChangeSends303ThenTheNewNick() {
        aliceAndBob();
        h.send(BOB, "<presence to='" + ROOM + "/robert'/>");
        List<String> alice = h.take(ALICE);
        assertThat(alice).hasSize(2);
        assertThat(alice.get(0)).contains("type='unavailable'").contains("from='" + ROOM + "/bob'").contains("nick='robert'").contains("code='303'");
        assertThat(alice.get(1)).contains("from='" + ROOM + "/robert'").doesNotContain("unavailable");
        List<String> bob = h.take(BOB);
        assertThat(bob.get(0)).contains("code='303'").contains("code='110'");
        assertThat(bob.get(1)).contains("code='110'");
        // The old nick is free, the new one taken.
        h.send(CAROL, "<presence to='" + ROOM + "/robert'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        assertThat(h.take(CAROL)).singleElement().asString().contains("<conflict");
        h.join(CAROL, ROOM, "bob");
        assertThat(h.take(CAROL)).anyMatch(s -> s.contains("code='110'") && s.contains("/bob'"));
    }

    @Test
    void nickChangeToATakenNickIsAConflict() {
        aliceAndBob();
        h.send(BOB, "<presence to='" + ROOM + "/alice' id='c1'/>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<conflict").contains("from='" + ROOM + "/alice'").contains("id='c1'");
        assertThat(h.takeAll()).isEmpty();
    }

    @Test
    void leavingSendsUnavailableAndTheLastOneOutDestroysATemporaryRoom() {
        aliceAndBob();
        h.send(BOB, "<presence to='" + ROOM + "/bob' type='unavailable' id='l1'><status>bye</status></presence>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("type='unavailable'").contains("<status>bye</status>")
                .contains("role='none'");
        assertThat(h.take(BOB)).singleElement().asString().contains("code='110'").contains("id='l1'");
        h.send(ALICE, "<presence to='" + ROOM + "/alice' type='unavailable'/>");
        assertThat(h.domain.room("room")).isNull();
        // A new presence recreates it with a new meeting id.
        h.join(BOB, ROOM, "bob");
        assertThat(h.take(BOB).get(0)).contains("code='201'").contains("affiliation='owner'");
    }

    @Test
    void groupchatGoesToEveryoneAndIntoHistory() {
        aliceAndBob();
        h.send(BOB, "<message to='" + ROOM + "' type='groupchat' id='m1'><body>hello</body>"
                + "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>");
        String a = h.take(ALICE).get(0);
        String b = h.take(BOB).get(0);
        assertThat(a).contains("from='" + ROOM + "/bob'").contains("id='m1'").contains("<body>hello</body>").doesNotContain("forged");
        assertThat(b.replace("to='" + BOB + "'", "")).isEqualTo(a.replace("to='" + ALICE + "'", ""));
        h.clock.advance(60);
        h.send(ALICE, "<message to='" + ROOM + "' type='groupchat'><body>second</body></message>");
        h.clear();
        h.join(CAROL, ROOM, "carol");
        List<String> carol = h.take(CAROL);
        assertThat(carol).hasSize(2 + 1 + 2 + 1);
        assertThat(carol.get(3)).contains("<body>hello</body>").contains("<delay xmlns='urn:xmpp:delay' from='" + ROOM + "' stamp='2026-01-01T10:00:00Z'/>");
        assertThat(carol.get(4)).contains("<body>second</body>");
        assertThat(carol.get(5)).contains("<subject/>");
    }

    @Test
    void historyRequestsAreHonoured() {
        h.join(ALICE, ROOM, "alice");
        for (int i = 0; i < 30; i++) {
            h.send(ALICE, "<message to='" + ROOM + "' type='groupchat'><body>m" + i + "</body></message>");
            h.clock.advance(10);
        }
        h.clear();
        h.join(BOB, ROOM, "bob"); // default: 20 (and the room keeps 20)
        assertThat(count(h.take(BOB), "<body>")).isEqualTo(20);
        h.send("dave@localhost/d", "<presence to='" + ROOM + "/dave'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='3'/></x></presence>");
        List<String> dave = h.take("dave@localhost/d");
        assertThat(count(dave, "<body>")).isEqualTo(3);
        assertThat(dave.stream().filter(s -> s.contains("<body>")).findFirst().orElseThrow()).contains("<body>m27</body>");
        h.send("erin@localhost/e", "<presence to='" + ROOM + "/erin'><x xmlns='http://jabber.org/protocol/muc'><history seconds='35'/></x></presence>");
        assertThat(count(h.take("erin@localhost/e"), "<body>")).isEqualTo(3); // sent at 270, 280, 290 s; now is 300 s
        h.send("fay@localhost/f", "<presence to='" + ROOM + "/fay'><x xmlns='http://jabber.org/protocol/muc'><history maxchars='0'/></x></presence>");
        assertThat(count(h.take("fay@localhost/f"), "<body>")).isZero();
        h.send("gus@localhost/g", "<presence to='" + ROOM + "/gus'><x xmlns='http://jabber.org/protocol/muc'><history since='2026-01-01T10:04:35Z'/></x></presence>");
        assertThat(count(h.take("gus@localhost/g"), "<body>")).isEqualTo(2);
        h.send("hal@localhost/h", "<presence to='" + ROOM + "/hal'><x xmlns='http://jabber.org/protocol/muc'><history maxchars='700'/></x></presence>");
        long n = count(h.take("hal@localhost/h"), "<body>");
        assertThat(n).isBetween(1L, 4L);
    }

    @Test
    void nonOccupantsMayNotSpeak() {
        aliceAndBob();
        h.send(CAROL, "<message to='" + ROOM + "' type='groupchat' id='x1'><body>let me in</body></message>");
        assertThat(h.take(CAROL)).singleElement().asString().contains("<not-acceptable").contains("id='x1'");
        assertThat(h.takeAll()).isEmpty();
    }

    @Test
    void onlyModeratorsChangeTheSubjectUnlessAllowed() {
        aliceAndBob();
        h.send(BOB, "<message to='" + ROOM + "' type='groupchat'><subject>mine</subject></message>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<forbidden");
        h.send(ALICE, "<message to='" + ROOM + "' type='groupchat'><subject>Agenda</subject></message>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<subject>Agenda</subject>").contains("from='" + ROOM + "/alice'");
        h.clear();
        h.join(CAROL, ROOM, "carol");
        List<String> carol = h.take(CAROL);
        assertThat(carol.get(carol.size() - 1)).contains("<subject>Agenda</subject>").contains("from='" + ROOM + "/alice'");
    }

    @Test
    void privateMessagesGoToTheOccupantFromTheSendersOccupantJid() {
        aliceAndBob();
        h.send(ALICE, "<message to='" + ROOM + "/bob' type='chat' id='pm1'><body>psst</body></message>");
        String got = h.take(BOB).get(0);
        assertThat(got).contains("from='" + ROOM + "/alice'").contains("to='" + BOB + "'").contains("<body>psst</body>")
                .contains("<x xmlns='http://jabber.org/protocol/muc#user'/>");
        h.send(ALICE, "<message to='" + ROOM + "/nobody' type='chat'><body>?</body></message>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("<item-not-found");
        h.send(CAROL, "<message to='" + ROOM + "/bob' type='chat'><body>hi</body></message>");
        assertThat(h.take(CAROL)).singleElement().asString().contains("<not-acceptable");
        h.send(ALICE, "<message to='" + ROOM + "/bob' type='groupchat'><body>hi</body></message>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("<bad-request");
        assertThat(h.takeAll()).isEmpty();
    }

    @Test
    void privateMessagesCanBeSwitchedOff() {
        Harness off = new Harness(new ServiceSettings(DOMAIN, "c", JidPatterns.ANYONE, JidPatterns.ANYONE, JidPatterns.NOBODY,
                false, false, 20, 100, RoomConfig.XEP_DEFAULTS));
        off.join(ALICE, ROOM, "alice");
        off.join(BOB, ROOM, "bob");
        off.clear();
        off.send(ALICE, "<message to='" + ROOM + "/bob' type='chat'><body>psst</body></message>");
        assertThat(off.take(ALICE)).singleElement().asString().contains("<not-allowed");
        assertThat(off.takeAll()).isEmpty();
    }

    @Test
    void moderatorKicksWithReasonAndEveryoneHears307() {
        aliceAndBob();
        h.join(CAROL, ROOM, "carol");
        h.clear();
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='k1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='bob' role='none'><reason>flooding</reason></item></query></iq>");
        List<String> bob = h.take(BOB);
        assertThat(bob).singleElement().asString().contains("type='unavailable'").contains("code='307'").contains("code='110'")
                .contains("<actor nick='alice'/>").contains("<reason>flooding</reason>");
        assertThat(h.take(CAROL)).singleElement().asString().contains("code='307'").doesNotContain("code='110'");
        List<String> alice = h.take(ALICE);
        assertThat(alice).anyMatch(s -> s.contains("code='307'"));
        assertThat(alice).anyMatch(s -> s.contains("type='result'") && s.contains("id='k1'"));
        assertThat(h.domain.room("room").occupantCount()).isEqualTo(2);
    }

    @Test
    void participantsCannotKickOrConfigureAndModeratorsCannotKickOwners() {
        aliceAndBob();
        h.send(BOB, "<iq to='" + ROOM + "' type='set' id='k2'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='alice' role='none'/></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<forbidden").contains("id='k2'");
        h.send(BOB, "<iq to='" + ROOM + "' type='get' id='o1'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<forbidden");
        h.send(BOB, "<iq to='" + ROOM + "' type='set' id='o2'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<forbidden");
        h.send(BOB, "<iq to='" + ROOM + "' type='set' id='a1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='carol@localhost' affiliation='outcast'/></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<forbidden");
        // Bob made moderator by the owner still may not kick the owner.
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='g1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='bob' role='moderator'/></query></iq>");
        h.clear();
        h.send(BOB, "<iq to='" + ROOM + "' type='set' id='k3'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='alice' role='none'/></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<not-allowed");
        assertThat(h.takeAll()).isEmpty();
        assertThat(h.domain.room("room").occupantCount()).isEqualTo(2);
    }

    @Test
    void voiceIsGrantedAndRevoked() {
        aliceAndBob();
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='v1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='bob' role='visitor'/></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("role='visitor'").contains("code='110'");
        h.send(BOB, "<message to='" + ROOM + "' type='groupchat'><body>can I?</body></message>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<forbidden");
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='v2'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='bob' role='participant'/></query></iq>");
        h.clear();
        h.send(BOB, "<message to='" + ROOM + "' type='groupchat'><body>yes</body></message>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("<body>yes</body>");
    }

    @Test
    void banRemovesWith301AndKeepsTheUserOut() {
        aliceAndBob();
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='b1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='bob@localhost' affiliation='outcast'><reason>spam</reason></item></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("code='301'").contains("affiliation='outcast'")
                .contains("<reason>spam</reason>");
        h.join("bob@localhost/other", ROOM, "bob2");
        assertThat(h.take("bob@localhost/other")).singleElement().asString().contains("<forbidden").contains("type='auth'");
        h.clear();
        h.send(ALICE, "<iq to='" + ROOM + "' type='get' id='l1'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast'/></query></iq>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("jid='bob@localhost'").contains("<reason>spam</reason>");
    }

    @Test
    void membersOnlyRoomsAdmitMembersAndRemoveOthersWith322() {
        aliceAndBob();
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='m1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='carol@localhost' affiliation='member'/></query></iq>");
        h.send(ALICE, configSubmit("muc#roomconfig_membersonly", "1"));
        assertThat(h.take(BOB)).anyMatch(s -> s.contains("code='322'") && s.contains("unavailable"));
        h.join("dave@localhost/d", ROOM, "dave");
        assertThat(h.take("dave@localhost/d")).singleElement().asString().contains("<registration-required").contains("type='auth'");
        h.join(CAROL, ROOM, "carol");
        assertThat(h.take(CAROL)).anyMatch(s -> s.contains("code='110'") && s.contains("affiliation='member'"));
    }

    static String configSubmit(String... fieldsAndValues) {
        StringBuilder sb = new StringBuilder("<iq to='" + ROOM + "' type='set' id='cfg'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>");
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            sb.append("<field var='").append(fieldsAndValues[i]).append("'><value>").append(fieldsAndValues[i + 1]).append("</value></field>");
        }
        return sb.append("</x></query></iq>").toString();
    }

    @Test
    void passwordProtectedRooms() {
        h.join(ALICE, ROOM, "alice");
        h.send(ALICE, configSubmit("muc#roomconfig_passwordprotectedroom", "1"));
        assertThat(h.take(ALICE)).anyMatch(s -> s.contains("<not-acceptable"));
        h.send(ALICE, configSubmit("muc#roomconfig_passwordprotectedroom", "1", "muc#roomconfig_roomsecret", "s3cret"));
        assertThat(h.take(ALICE)).anyMatch(s -> s.contains("type='result'"));
        h.join(BOB, ROOM, "bob");
        assertThat(h.take(BOB)).singleElement().asString().contains("<not-authorized").contains("type='auth'");
        h.send(BOB, "<presence to='" + ROOM + "/bob'><x xmlns='http://jabber.org/protocol/muc'><password>wrong</password></x></presence>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<not-authorized");
        h.send(BOB, "<presence to='" + ROOM + "/bob'><x xmlns='http://jabber.org/protocol/muc'><password>s3cret</password></x></presence>");
        assertThat(h.take(BOB)).anyMatch(s -> s.contains("code='110'"));
    }

    @Test
    void fullRoomsTurnNewcomersAway() {
        h.join(ALICE, ROOM, "alice");
        h.send(ALICE, configSubmit("muc#roomconfig_maxusers", "2"));
        h.join(BOB, ROOM, "bob");
        h.join(CAROL, ROOM, "carol");
        assertThat(h.take(CAROL)).singleElement().asString().contains("<service-unavailable").contains("type='wait'");
        h.send(ALICE, configSubmit("muc#roomconfig_maxusers", "lots"));
        assertThat(h.take(ALICE)).anyMatch(s -> s.contains("<bad-request"));
        assertThat(h.domain.room("room").config.maxUsers()).isEqualTo(2);
    }

    @Test
    void lockedRoomsWaitForTheirOwnersConfiguration() {
        Harness locking = new Harness(new ServiceSettings(DOMAIN, "c", JidPatterns.ANYONE, JidPatterns.ANYONE, JidPatterns.NOBODY,
                true, true, 20, 100, RoomConfig.XEP_DEFAULTS));
        locking.join(ALICE, ROOM, "alice");
        assertThat(locking.take(ALICE).get(0)).contains("code='201'");
        locking.join(BOB, ROOM, "bob");
        assertThat(locking.take(BOB)).singleElement().asString().contains("<item-not-found");
        locking.send(BOB, "<iq to='" + ROOM + "' type='get' id='d'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        assertThat(locking.take(BOB)).singleElement().asString().contains("<item-not-found");
        // Instant room: an empty submit.
        locking.send(ALICE, "<iq to='" + ROOM + "' type='set' id='i1'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<x xmlns='jabber:x:data' type='submit'/></query></iq>");
        assertThat(locking.take(ALICE)).anyMatch(s -> s.contains("type='result'") && s.contains("id='i1'"));
        locking.join(BOB, ROOM, "bob");
        assertThat(locking.take(BOB)).anyMatch(s -> s.contains("code='110'"));
    }

    @Test
    void cancellingTheInitialConfigurationDestroysALockedRoom() {
        Harness locking = new Harness(new ServiceSettings(DOMAIN, "c", JidPatterns.ANYONE, JidPatterns.ANYONE, JidPatterns.NOBODY,
                true, true, 20, 100, RoomConfig.XEP_DEFAULTS));
        locking.join(ALICE, ROOM, "alice");
        locking.send(ALICE, "<iq to='" + ROOM + "' type='set' id='c1'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<x xmlns='jabber:x:data' type='cancel'/></query></iq>");
        assertThat(locking.domain.room("room")).isNull();
    }

    @Test
    void ownersGetTheConfigFormWithTheMeetingId() {
        aliceAndBob();
        h.send(ALICE, "<iq to='" + ROOM + "' type='get' id='f1'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        String form = h.take(ALICE).get(0);
        String meetingId = h.domain.room("room").meetingId;
        assertThat(form).contains("type='result'").contains("<value>http://jabber.org/protocol/muc#roomconfig</value>")
                .contains("var='muc#roomconfig_whois'").contains("var='muc#roomconfig_persistentroom'")
                .contains("var='muc#roomconfig_membersonly'").contains("var='muc#roomconfig_passwordprotectedroom'")
                .contains("var='muc#roomconfig_maxusers'").contains("var='muc#roomconfig_allowpm'")
                .contains("<field var='muc#roomconfig_roomowners' type='jid-multi' label='Room owners'><value>alice@localhost</value></field>")
                .contains("<value>" + meetingId + "</value>");
        // Changing whois announces 172 and 104 to occupants.
        h.send(ALICE, configSubmit("muc#roomconfig_whois", "anyone", "muc#roominfo_meetingId", "ignored"));
        assertThat(h.take(BOB)).anyMatch(s -> s.contains("code='104'") && s.contains("code='172'"))
                .anyMatch(s -> s.contains("jid='" + ALICE + "'")); // Bob now sees Alice's JID
        assertThat(h.domain.room("room").meetingId).isEqualTo(meetingId);
    }

    @Test
    void discoInfoDescribesTheRoomAndTheService() {
        aliceAndBob();
        h.send(CAROL, "<iq to='" + ROOM + "' type='get' id='i1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        String info = h.take(CAROL).get(0);
        assertThat(info).contains("category='conference'").contains("var='http://jabber.org/protocol/muc'")
                .contains("var='muc_public'").contains("var='muc_temporary'").contains("var='muc_open'")
                .contains("var='muc_semianonymous'").contains("var='muc_unsecured'").contains("var='urn:xmpp:occupant-id:0'")
                .contains("var='http://jabber.org/protocol/muc#stable_id'")
                .contains("<field var='muc#roominfo_occupants' type='text-single' label='Number of occupants'><value>2</value></field>")
                .contains("var='muc#roominfo_meetingId'");
        h.send(CAROL, "<iq to='" + DOMAIN + "' type='get' id='s1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        assertThat(h.take(CAROL).get(0)).contains("var='http://jabber.org/protocol/muc'");
        h.send(CAROL, "<iq to='" + DOMAIN + "' type='get' id='s2'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        assertThat(h.take(CAROL).get(0)).contains("<item jid='" + ROOM + "' name='room'/>");
        h.send(CAROL, "<iq to='nothere@" + DOMAIN + "' type='get' id='s3'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        assertThat(h.take(CAROL).get(0)).contains("<item-not-found");
        h.send(CAROL, "<iq to='" + DOMAIN + "' type='get' id='s4'><unique xmlns='http://jabber.org/protocol/muc#unique'/></iq>");
        assertThat(h.take(CAROL).get(0)).containsPattern("<unique xmlns='http://jabber.org/protocol/muc#unique'>[0-9a-f-]{36}</unique>");
    }

    @Test
    void destroyRemovesEveryoneWithTheAlternateVenue() {
        aliceAndBob();
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='d1'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                + "<destroy jid='other@" + DOMAIN + "'><reason>moved</reason></destroy></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("type='unavailable'")
                .contains("<destroy jid='other@" + DOMAIN + "'><reason>moved</reason></destroy>");
        assertThat(h.take(ALICE)).anyMatch(s -> s.contains("<destroy")).anyMatch(s -> s.contains("type='result'"));
        assertThat(h.domain.room("room")).isNull();
    }

    @Test
    void privateIqsTravelBetweenOccupantsAndSelfPingIsAnswered() {
        aliceAndBob();
        h.send(ALICE, "<iq to='" + ROOM + "/bob' type='get' id='q1'><query xmlns='jabber:iq:version'/></iq>");
        String forwarded = h.take(BOB).get(0);
        assertThat(forwarded).contains("from='" + ROOM + "/alice'").contains("to='" + BOB + "'").doesNotContain("id='q1'");
        String sealed = forwarded.replaceAll(".* id='([^']+)'.*", "$1");
        h.send(BOB, "<iq to='" + ROOM + "/alice' type='result' id='" + sealed + "'><query xmlns='jabber:iq:version'><name>x</name></query></iq>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("from='" + ROOM + "/bob'").contains("id='q1'").contains("to='" + ALICE + "'");
        // A forged answer goes nowhere.
        h.send(CAROL, "<iq to='" + ROOM + "/alice' type='result' id='" + sealed + "'/>");
        assertThat(h.takeAll()).isEmpty();
        h.send(BOB, "<iq to='" + ROOM + "/bob' type='get' id='sp'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("type='result'").contains("id='sp'");
        h.send(CAROL, "<iq to='" + ROOM + "/carol' type='get' id='sp2'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(h.take(CAROL)).singleElement().asString().contains("<not-acceptable").contains("id='sp2'");
    }

    @Test
    void occupantIdsAreStablePerUserAndDistinct() {
        aliceAndBob();
        h.send(BOB, "<presence to='" + ROOM + "/bob' type='unavailable'/>");
        h.clear();
        h.join("bob@localhost/phone", ROOM, "bobby");
        String again = h.take(ALICE).get(0);
        String id = again.replaceAll(".*<occupant-id xmlns='urn:xmpp:occupant-id:0' id='([^']+)'/>.*", "$1");
        Room room = h.domain.room("room");
        assertThat(room.occupants()).extracting(o -> o.occupantId).doesNotHaveDuplicates().contains(id);
        assertThat(room.occupants().stream().filter(o -> o.nick.equals("bobby")).findFirst().orElseThrow().occupantId).isEqualTo(id);
    }

    @Test
    void mediatedInvitationsAndDeclines() {
        aliceAndBob();
        h.send(BOB, "<message to='" + ROOM + "'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='carol@localhost'>"
                + "<reason>join us</reason></invite></x></message>");
        assertThat(h.take("carol@localhost")).singleElement().asString().contains("from='" + ROOM + "'")
                .contains("<invite from='" + BOB + "'><reason>join us</reason></invite>");
        h.send(CAROL, "<message to='" + ROOM + "'><x xmlns='http://jabber.org/protocol/muc#user'><decline to='" + BOB + "'>"
                + "<reason>busy</reason></decline></x></message>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<decline from='carol@localhost'><reason>busy</reason></decline>");
        h.send(CAROL, "<message to='" + ROOM + "'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='dave@localhost'/></x></message>");
        assertThat(h.take(CAROL)).singleElement().asString().contains("<not-acceptable");
    }

    @Test
    void affiliationChangesFollowTheRules() {
        aliceAndBob();
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='a1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='bob@localhost' affiliation='admin'/></query></iq>");
        List<String> bob = h.take(BOB);
        assertThat(bob.get(0)).contains("affiliation='admin'").contains("role='moderator'").contains("code='110'");
        // Now a moderator of a semi-anonymous room, Bob gets the others' presence with their real JIDs.
        assertThat(bob.get(1)).contains("from='" + ROOM + "/alice'").contains("jid='" + ALICE + "'");
        // An admin may not touch owners, nor make admins.
        h.send(BOB, "<iq to='" + ROOM + "' type='set' id='a2'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='alice@localhost' affiliation='none'/></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<not-allowed");
        h.send(BOB, "<iq to='" + ROOM + "' type='set' id='a3'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='carol@localhost' affiliation='admin'/></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<not-allowed");
        // The last owner cannot leave the room ownerless.
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='a4'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='alice@localhost' affiliation='admin'/></query></iq>");
        assertThat(h.take(ALICE)).last().asString().contains("<conflict").contains("<error type='cancel' code='409'>");
        // Demoting Bob to member makes him a participant again.
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='a5'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='bob@localhost' affiliation='member'/></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("affiliation='member'").contains("role='participant'");
        h.send(ALICE, "<iq to='" + ROOM + "' type='get' id='a6'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner'/></query></iq>");
        assertThat(h.take(ALICE)).anyMatch(s -> s.contains("<item affiliation='owner' jid='alice@localhost'/>"));
        h.send(ALICE, "<iq to='" + ROOM + "' type='get' id='a7'><query xmlns='http://jabber.org/protocol/muc#admin'><item role='participant'/></query></iq>");
        assertThat(h.take(ALICE)).anyMatch(s -> s.contains("nick='bob'") && s.contains("role='participant'"));
        h.send(BOB, "<iq to='" + ROOM + "' type='get' id='a8'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<forbidden");
    }

    @Test
    void persistentRoomsAreStoredSurviveEmptinessAndReload() {
        aliceAndBob();
        h.send(ALICE, configSubmit("muc#roomconfig_persistentroom", "1", "muc#roomconfig_roomname", "Team"));
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='m1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='carol@localhost' affiliation='member'/></query></iq>");
        h.send(ALICE, "<message to='" + ROOM + "' type='groupchat'><subject>Weekly</subject></message>");
        assertThat(h.repository.rooms).containsKey(DOMAIN + "/room");
        String meetingId = h.domain.room("room").meetingId;
        h.send(ALICE, "<presence to='" + ROOM + "/alice' type='unavailable'/>");
        h.send(BOB, "<presence to='" + ROOM + "/bob' type='unavailable'/>");
        assertThat(h.domain.room("room")).isNotNull();

        Harness restarted = new Harness(ServiceSettings.open(DOMAIN), h.repository);
        Room room = restarted.domain.room("room");
        assertThat(room).isNotNull();
        assertThat(room.meetingId).isEqualTo(meetingId);
        assertThat(room.config.name()).isEqualTo("Team");
        assertThat(room.config.persistent()).isTrue();
        restarted.join(CAROL, ROOM, "carol");
        List<String> carol = restarted.take(CAROL);
        assertThat(carol.get(0)).contains("affiliation='member'").doesNotContain("code='201'");
        assertThat(carol.get(carol.size() - 1)).contains("<subject>Weekly</subject>");
        // Destroying it removes it from storage.
        restarted.join(ALICE, ROOM, "alice");
        restarted.send(ALICE, "<iq to='" + ROOM + "' type='set' id='d'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>");
        assertThat(restarted.repository.rooms).isEmpty();
    }

    @Test
    void shutdownTellsEveryone332() {
        aliceAndBob();
        Outbox out = h.new Recorder();
        h.domain.room("room").shutdown(out);
        out.flush();
        assertThat(h.take(ALICE)).singleElement().asString().contains("code='332'").contains("code='110'").contains("unavailable");
        assertThat(h.take(BOB)).singleElement().asString().contains("code='332'");
    }

    @Test
    void restrictedServicesAdmitOnlyTheirAccounts() {
        Harness internal = new Harness(new ServiceSettings("internal.localhost", "i", new JidPatterns(List.of("jvb@auth.localhost")),
                JidPatterns.NOBODY, new JidPatterns(List.of("focus@auth.localhost")), false, true, 20, 100, RoomConfig.XEP_DEFAULTS));
        String brewery = "jvbbrewery@internal.localhost";
        internal.join("jvb@auth.localhost/jvb1", brewery, "jvb1");
        assertThat(internal.take("jvb@auth.localhost/jvb1")).singleElement().asString().contains("<not-allowed");
        internal.join("focus@auth.localhost/focus", brewery, "focus");
        assertThat(internal.take("focus@auth.localhost/focus").get(0)).contains("code='201'").contains("affiliation='owner'");
        internal.join("jvb@auth.localhost/jvb1", brewery, "jvb1");
        assertThat(internal.take("jvb@auth.localhost/jvb1")).anyMatch(s -> s.contains("code='110'"));
        internal.join(ALICE, brewery, "alice");
        assertThat(internal.take(ALICE)).singleElement().asString().contains("<not-allowed");
    }

    @Test
    void roomInfoCountsParticipantsWithoutTheFocus() throws Exception {
        h.join("focus@auth.localhost/focus", ROOM, "focus");
        h.join(ALICE, ROOM, "alice", "<nick xmlns='http://jabber.org/protocol/nick'>Alice \"A\"</nick><email>a@example.org</email>");
        h.join(BOB, ROOM, "bob");
        RoomInfo info = h.domain.roomInfo("room").get().orElseThrow();
        assertThat(info.participantCount()).isEqualTo(2);
        assertThat(info.sizeJson()).isEqualTo("{\"participants\":2}");
        assertThat(info.occupantsJson()).isEqualTo("[{\"jid\":\"room@conference.localhost/alice\",\"email\":\"a@example.org\","
                + "\"display_name\":\"Alice \\\"A\\\"\"},{\"jid\":\"room@conference.localhost/bob\",\"email\":\"\",\"display_name\":\"\"}]");
        assertThat(h.domain.roomInfo("none").get()).isEmpty();
    }

    @Test
    void errorsFromAGoneClientRemoveIt() {
        aliceAndBob();
        h.send(BOB, "<message to='" + ROOM + "' type='error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("code='333'");
        assertThat(h.domain.room("room").occupantCount()).isEqualTo(1);
    }

    @Test
    void affiliationLossInAMembersOnlyRoomRemovesWith321() {
        aliceAndBob();
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='m'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='bob@localhost' affiliation='member'/></query></iq>");
        h.send(ALICE, configSubmit("muc#roomconfig_membersonly", "1"));
        h.clear();
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='r'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='bob@localhost' affiliation='none'><reason>expired</reason></item></query></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("type='unavailable'").contains("code='321'")
                .contains("code='110'").contains("<reason>expired</reason>");
        assertThat(h.take(ALICE)).anyMatch(s -> s.contains("code='321'"));
    }

    @Test
    void loggedRoomsSay170OnJoinAndOnChange() {
        aliceAndBob();
        h.send(ALICE, configSubmit("muc#roomconfig_enablelogging", "1"));
        assertThat(h.take(BOB)).singleElement().asString().contains("code='170'").contains("code='104'");
        h.join(CAROL, ROOM, "carol");
        assertThat(h.take(CAROL)).anyMatch(s -> s.contains("code='110'") && s.contains("code='170'"));
        h.send(ALICE, configSubmit("muc#roomconfig_enablelogging", "0"));
        assertThat(h.take(CAROL)).singleElement().asString().contains("code='171'");
    }

    @Test
    void reservedNicknamesAreEnforcedWith210() {
        h.join(ALICE, ROOM, "alice");
        h.send(ALICE, "<iq to='" + ROOM + "' type='set' id='r'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='bob@localhost' affiliation='member' nick='Bobby'/></query></iq>");
        assertThat(h.take(ALICE)).anyMatch(s -> s.contains("type='result'"));
        // Someone else may not take Bob's nick; Bob entering as anything gets it, with 210.
        h.join(CAROL, ROOM, "Bobby");
        assertThat(h.take(CAROL)).singleElement().asString().contains("<conflict");
        h.join(BOB, ROOM, "bob");
        String self = h.take(BOB).stream().filter(s -> s.contains("code='110'")).findFirst().orElseThrow();
        assertThat(self).contains("from='" + ROOM + "/Bobby'").contains("code='210'").contains("affiliation='member'");
        // The disco query Smack's getReservedNickname() sends.
        h.send(BOB, "<iq to='" + ROOM + "' type='get' id='q'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>");
        assertThat(h.take(BOB)).singleElement().asString().contains("name='Bobby'");
        h.send(BOB, "<presence to='" + ROOM + "/other'/>");
        assertThat(h.take(BOB)).singleElement().asString().contains("<not-acceptable");
    }

    @Test
    void stringprepChangingTheNickIsStatus210() {
        h.join(ALICE, ROOM, "alice");
        h.clear();
        // U+00AD (soft hyphen) is mapped to nothing by resourceprep (RFC 3454 table B.1).
        h.send(BOB, "<presence to='" + ROOM + "/An\u00ADna'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        String self = h.take(BOB).stream().filter(s -> s.contains("code='110'")).findFirst().orElseThrow();
        assertThat(self).contains("from='" + ROOM + "/Anna'").contains("code='210'");
    }

    @Test
    void groupchatMessagesWithoutBodyAreBroadcastButNotKept() {
        aliceAndBob();
        h.send(BOB, "<message to='" + ROOM + "' type='groupchat'><json-message xmlns='http://jitsi.org/jitmeet'>{\"type\":\"e2e-ping\"}</json-message></message>");
        assertThat(h.take(ALICE)).singleElement().asString().contains("<json-message xmlns='http://jitsi.org/jitmeet'>");
        assertThat(h.domain.room("room").history().size()).isZero();
    }

    @Test
    void visitorsRequestVoiceAndModeratorsGrantIt() {
        h.join(ALICE, ROOM, "alice");
        h.send(ALICE, configSubmit("muc#roomconfig_moderatedroom", "1"));
        h.join(BOB, ROOM, "bob");
        assertThat(h.take(BOB)).anyMatch(s -> s.contains("code='110'") && s.contains("role='visitor'"));
        h.clear();
        h.send(BOB, "<message to='" + ROOM + "'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
                + "<value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role'><value>participant</value></field></x></message>");
        String request = h.take(ALICE).get(0);
        assertThat(request).contains("from='" + ROOM + "'").contains("<value>" + BOB + "</value>").contains("var='muc#request_allow'");
        h.send(ALICE, "<message to='" + ROOM + "'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
                + "<value>http://jabber.org/protocol/muc#request</value></field><field var='muc#roomnick'><value>bob</value></field>"
                + "<field var='muc#request_allow'><value>true</value></field></x></message>");
        assertThat(h.take(BOB)).singleElement().asString().contains("role='participant'").contains("code='110'");
    }
}
