package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jivesoftware.smack.XMPPException.XMPPErrorException;
import org.jivesoftware.smack.filter.AndFilter;
import org.jivesoftware.smack.filter.FromMatchesFilter;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.iqrequest.AbstractIqRequestHandler;
import org.jivesoftware.smack.iqrequest.IQRequestHandler;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.muc.Affiliate;
import org.jivesoftware.smackx.muc.MUCAffiliation;
import org.jivesoftware.smackx.muc.MUCRole;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.muc.ParticipantStatusListener;
import org.jivesoftware.smackx.muc.RoomInfo;
import org.jivesoftware.smackx.muc.UserStatusListener;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jivesoftware.smackx.ping.packet.Ping;
import org.jivesoftware.smackx.xdata.form.FillableForm;
import org.jivesoftware.smackx.xdata.form.Form;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/** XEP-0045 driven by Smack's MultiUserChatManager over real TCP, against conference.localhost and friends. */
@ExtendWith(ParleyServer.class)
class MucTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    private final Clients clients = new Clients();

    @AfterEach
    void close() {
        clients.close();
    }

    static EntityBareJid newRoom(String prefix, String service) throws Exception {
        return JidCreate.entityBareFrom(prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@" + service);
    }

    static EntityBareJid newRoom(String prefix) throws Exception {
        return newRoom(prefix, "conference.localhost");
    }

    static MultiUserChat muc(XMPPTCPConnection c, EntityBareJid room) {
        return MultiUserChatManager.getInstanceFor(c).getMultiUserChat(room);
    }

    static Resourcepart nick(String n) throws Exception {
        return Resourcepart.from(n);
    }

    /** Every presence the room sends to {@code c}, from now on. */
    static List<Presence> presences(XMPPTCPConnection c, EntityBareJid room) {
        List<Presence> got = new CopyOnWriteArrayList<>();
        c.addSyncStanzaListener(s -> got.add((Presence) s), new AndFilter(StanzaTypeFilter.PRESENCE, FromMatchesFilter.createBare(room)));
        return got;
    }

    static List<Integer> codes(Presence p) {
        MUCUser u = MUCUser.from(p);
        return u == null ? List.of() : u.getStatus().stream().map(MUCUser.Status::getCode).toList();
    }

    private MultiUserChat created(XMPPTCPConnection c, EntityBareJid room, String nick) throws Exception {
        MultiUserChat m = muc(c, room);
        m.create(nick(nick)).makeInstant();
        return m;
    }

    private MultiUserChat joined(XMPPTCPConnection c, EntityBareJid room, String nick) throws Exception {
        MultiUserChat m = muc(c, room);
        m.join(nick(nick));
        return m;
    }

    /** The next groupchat message with a body (the room's subject message on joining has none). */
    static Message next(MultiUserChat m, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) return null;
            Message msg = m.nextMessage(left);
            if (msg == null || msg.getBody() != null) return msg;
        }
    }

    private static StanzaError.Condition condition(Throwable t) {
        return ((XMPPErrorException) t).getStanzaError().getCondition();
    }

    private static Form configForm(MultiUserChat m) throws Exception {
        return m.getConfigurationForm();
    }

    // ---- entering, talking, leaving ----

    @Test
    void createJoinTalkChangeNickAndLeave() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        EntityBareJid room = newRoom("talk");
        List<Presence> alicePresences = presences(alice, room);
        MultiUserChat a = created(alice, room, "alice");
        // The listener runs asynchronously: the self-presence may land just after create() returns.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> alicePresences.stream().anyMatch(p -> codes(p).contains(110)));
        Presence self = alicePresences.stream().filter(p -> codes(p).contains(110)).findFirst().orElseThrow();
        assertThat(codes(self)).contains(110, 201, 100);
        assertThat(MUCUser.from(self).getItem().getAffiliation()).isEqualTo(MUCAffiliation.owner);
        assertThat(MUCUser.from(self).getItem().getRole()).isEqualTo(MUCRole.moderator);

        List<EntityFullJid> joined = new CopyOnWriteArrayList<>();
        List<String> nickChanges = new CopyOnWriteArrayList<>();
        List<EntityFullJid> left = new CopyOnWriteArrayList<>();
        a.addParticipantStatusListener(new ParticipantStatusListener() {
            @Override public void joined(EntityFullJid participant) { joined.add(participant); }
            @Override public void nicknameChanged(EntityFullJid participant, Resourcepart newNick) { nickChanges.add(participant.getResourcepart() + "->" + newNick); }
            @Override public void left(EntityFullJid participant) { left.add(participant); }
        });
        MultiUserChat b = joined(bob, room, "bob");
        // Smack wakes join() up before it has stored the self-presence, so the list may lag a moment.
        await().atMost(WAIT).until(() -> b.getOccupants().size() == 2);
        assertThat(b.getOccupants()).extracting(j -> j.getResourcepart().toString()).containsExactlyInAnyOrder("alice", "bob");
        await().atMost(WAIT).until(() -> joined.size() == 1);
        assertThat(joined.get(0).getResourcepart().toString()).isEqualTo("bob");
        // Non-anonymous room: Bob sees Alice's real JID.
        assertThat((Object) b.getOccupant(JidCreate.entityFullFrom(room + "/alice")).getJid()).isEqualTo(alice.getUser());

        a.sendMessage("hello");
        Message got = next(b, 5000);
        assertThat(got.getBody()).isEqualTo("hello");
        assertThat(got.getFrom().toString()).isEqualTo(room + "/alice");
        assertThat(next(a, 5000).getBody()).isEqualTo("hello"); // reflected to the sender

        a.changeSubject("Agenda");
        await().atMost(WAIT).until(() -> "Agenda".equals(b.getSubject()));

        b.changeAvailabilityStatus("busy", Presence.Mode.dnd);
        await().atMost(WAIT).until(() -> {
            Presence p = a.getOccupantPresence(JidCreate.entityFullFrom(room + "/bob"));
            return p != null && "busy".equals(p.getStatus()) && p.getMode() == Presence.Mode.dnd;
        });

        // Smack 4.4's changeNickname() deadlocks on the compliant 303 self-presence (its userHasLeft() needs the monitor
        // changeNickname() holds while waiting), so the nick change goes out as the plain presence it is.
        List<Presence> bobPresences = presences(bob, room);
        bob.sendStanza(bob.getStanzaFactory().buildPresenceStanza().to(room + "/robert").build());
        await().atMost(WAIT).until(() -> nickChanges.contains("bob->robert"));
        await().atMost(WAIT).until(() -> bobPresences.stream().anyMatch(p ->
                p.getFrom().toString().equals(room + "/robert") && codes(p).contains(110)));
        Presence gone = bobPresences.stream().filter(p -> p.getType() == Presence.Type.unavailable).findFirst().orElseThrow();
        assertThat(gone.getFrom().toString()).isEqualTo(room + "/bob");
        assertThat(codes(gone)).contains(303, 110);
        assertThat(MUCUser.from(gone).getItem().getNick().toString()).isEqualTo("robert");
        await().atMost(WAIT).until(() -> a.getOccupants().stream().anyMatch(j -> j.getResourcepart().toString().equals("robert")));
        assertThat(a.getOccupants()).extracting(j -> j.getResourcepart().toString()).containsExactlyInAnyOrder("alice", "robert");

        bob.sendStanza(bob.getStanzaFactory().buildPresenceStanza().to(room + "/robert").ofType(Presence.Type.unavailable).build());
        await().atMost(WAIT).until(() -> left.size() == 1);
        a.leave();
        // The last one out: a temporary room is gone.
        assertThatThrownBy(() -> MultiUserChatManager.getInstanceFor(bob).getRoomInfo(room))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.item_not_found));
    }

    @Test
    void historyOnJoinHonoursTheRequest() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        EntityBareJid room = newRoom("hist");
        MultiUserChat a = created(alice, room, "alice");
        for (int i = 0; i < 5; i++) a.sendMessage("m" + i);
        for (int i = 0; i < 5; i++) next(a, 5000);

        XMPPTCPConnection bob = clients.newUser("bob", "b");
        MultiUserChat b = muc(bob, room);
        b.join(b.getEnterConfigurationBuilder(nick("bob")).requestMaxStanzasHistory(2).build());
        Message first = next(b, 5000);
        Message second = next(b, 5000);
        assertThat(List.of(first.getBody(), second.getBody())).containsExactly("m3", "m4");
        assertThat(DelayInformation.from(first)).isNotNull();
        assertThat(DelayInformation.from(first).getFrom()).isEqualTo(room.toString());
        assertThat(next(b, 300)).isNull();

        XMPPTCPConnection carol = clients.newUser("carol", "c");
        MultiUserChat c = joined(carol, room, "carol");
        for (int i = 0; i < 5; i++) assertThat(next(c, 5000).getBody()).isEqualTo("m" + i);

        XMPPTCPConnection dave = clients.newUser("dave", "d");
        MultiUserChat d = muc(dave, room);
        d.join(d.getEnterConfigurationBuilder(nick("dave")).requestNoHistory().build());
        assertThat(next(d, 300)).isNull();
    }

    @Test
    void privateMessagesBetweenOccupants() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        EntityBareJid room = newRoom("pm");
        created(alice, room, "alice");
        joined(bob, room, "bob");
        AtomicReference<Message> got = new AtomicReference<>();
        bob.addAsyncStanzaListener(s -> got.set((Message) s), new AndFilter(StanzaTypeFilter.MESSAGE, FromMatchesFilter.createFull(JidCreate.from(room + "/alice"))));
        alice.sendStanza(alice.getStanzaFactory().buildMessageStanza().to(room + "/bob").ofType(Message.Type.chat).setBody("psst").build());
        await().atMost(WAIT).until(() -> got.get() != null);
        assertThat(got.get().getBody()).isEqualTo("psst");
        assertThat(MUCUser.from(got.get())).isNotNull();
    }

    @Test
    void mediatedInvitationsAndDeclines() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection carol = clients.newUser("carol", "c");
        EntityBareJid room = newRoom("invite");
        MultiUserChat a = created(alice, room, "alice");
        AtomicReference<String> invited = new AtomicReference<>();
        MultiUserChatManager.getInstanceFor(carol).addInvitationListener((conn, muc, inviter, reason, password, message, invitation) ->
                invited.set(muc.getRoom() + "|" + inviter.asBareJid() + "|" + reason));
        AtomicReference<String> declined = new AtomicReference<>();
        a.addInvitationRejectionListener((invitee, reason, message, decline) -> declined.set(invitee + "|" + reason));
        a.invite(carol.getUser().asEntityBareJid(), "come along");
        await().atMost(WAIT).until(() -> invited.get() != null);
        assertThat(invited.get()).isEqualTo(room + "|" + alice.getUser().asBareJid() + "|come along");
        MultiUserChatManager.getInstanceFor(carol).decline(room, alice.getUser().asEntityBareJid(), "busy");
        await().atMost(WAIT).until(() -> declined.get() != null);
        assertThat(declined.get()).isEqualTo(carol.getUser().asBareJid() + "|busy");
    }

    // ---- access ----

    @Test
    void passwordProtectedRoom() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        EntityBareJid room = newRoom("secret");
        MultiUserChat a = created(alice, room, "alice");
        a.getConfigFormManager().setAndEnablePassword("open sesame").submitConfigurationForm();
        assertThat(MultiUserChatManager.getInstanceFor(bob).getRoomInfo(room).isPasswordProtected()).isTrue();
        MultiUserChat b = muc(bob, room);
        assertThatThrownBy(() -> b.join(nick("bob")))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.not_authorized));
        assertThatThrownBy(() -> b.join(nick("bob"), "wrong"))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.not_authorized));
        b.join(nick("bob"), "open sesame");
        assertThat(b.isJoined()).isTrue();
    }

    @Test
    void membersOnlyRoom() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        XMPPTCPConnection carol = clients.newUser("carol", "c");
        EntityBareJid room = newRoom("members");
        MultiUserChat a = created(alice, room, "alice");
        MultiUserChat b = joined(bob, room, "bob");
        AtomicReference<List<Integer>> removed = new AtomicReference<>();
        b.addUserStatusListener(new UserStatusListener() {
            @Override public void removed(MUCUser mucUser, Presence presence) { removed.set(codes(presence)); }
        });
        a.grantMembership(carol.getUser().asBareJid());
        a.getConfigFormManager().makeMembersOnly().submitConfigurationForm();
        await().atMost(WAIT).until(() -> removed.get() != null);
        assertThat(removed.get()).contains(322, 110);
        await().atMost(WAIT).until(() -> a.getOccupantsCount() == 1);
        MultiUserChat b2 = muc(bob, room);
        assertThatThrownBy(() -> b2.join(nick("bob")))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.registration_required));
        MultiUserChat c = joined(carol, room, "carol");
        assertThat(c.isJoined()).isTrue();
        assertThat(a.getMembers()).extracting(Affiliate::getJid).containsExactly(carol.getUser().asBareJid());
        assertThat(MultiUserChatManager.getInstanceFor(carol).getRoomInfo(room).isMembersOnly()).isTrue();
    }

    @Test
    void maxOccupants() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        EntityBareJid room = newRoom("full");
        MultiUserChat a = created(alice, room, "alice");
        FillableForm f = configForm(a).getFillableForm();
        f.setAnswer("muc#roomconfig_maxusers", "2");
        a.sendConfigurationForm(f);
        joined(clients.newUser("bob", "b"), room, "bob");
        MultiUserChat c = muc(clients.newUser("carol", "c"), room);
        assertThatThrownBy(() -> c.join(nick("carol")))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.service_unavailable));
    }

    // ---- roles and affiliations ----

    @Test
    void voiceModeratorMemberAdminAndOwnerAreGrantedAndRevoked() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        EntityBareJid room = newRoom("roles");
        MultiUserChat a = created(alice, room, "alice");
        MultiUserChat b = joined(bob, room, "bob");
        List<String> events = new CopyOnWriteArrayList<>();
        b.addUserStatusListener(new UserStatusListener() {
            @Override public void voiceGranted() { events.add("voice+"); }
            @Override public void voiceRevoked() { events.add("voice-"); }
            @Override public void moderatorGranted() { events.add("moderator+"); }
            @Override public void moderatorRevoked() { events.add("moderator-"); }
            @Override public void membershipGranted() { events.add("member+"); }
            @Override public void membershipRevoked() { events.add("member-"); }
            @Override public void adminGranted() { events.add("admin+"); }
            @Override public void adminRevoked() { events.add("admin-"); }
            @Override public void ownershipGranted() { events.add("owner+"); }
            @Override public void ownershipRevoked() { events.add("owner-"); }
        });
        a.revokeVoice(nick("bob"));
        await().atMost(WAIT).until(() -> events.contains("voice-"));
        b.sendMessage("may I?");
        assertThat(next(b, 500)).isNull(); // refused, not broadcast
        a.grantVoice(nick("bob"));
        a.grantModerator(nick("bob"));
        await().atMost(WAIT).until(() -> events.contains("moderator+"));
        assertThat(a.getModerators()).extracting(o -> o.getNick().toString()).containsExactlyInAnyOrder("alice", "bob");
        a.revokeModerator(nick("bob"));
        await().atMost(WAIT).until(() -> events.contains("moderator-"));
        assertThat(a.getParticipants()).extracting(o -> o.getNick().toString()).containsExactly("bob");

        Jid bobBare = bob.getUser().asBareJid();
        a.grantMembership(bobBare);
        await().atMost(WAIT).until(() -> events.contains("member+"));
        a.grantAdmin(bobBare);
        await().atMost(WAIT).until(() -> events.contains("admin+"));
        assertThat(a.getAdmins()).extracting(Affiliate::getJid).containsExactly(bobBare);
        a.grantOwnership(bobBare);
        await().atMost(WAIT).until(() -> events.contains("owner+"));
        assertThat(a.getOwners()).extracting(Affiliate::getJid).containsExactlyInAnyOrder(alice.getUser().asBareJid(), bobBare);
        // Bob, an owner now, takes Alice's ownership away; the room still has one owner.
        b.revokeOwnership(alice.getUser().asBareJid());
        assertThat(b.getOwners()).extracting(Affiliate::getJid).containsExactly(bobBare);
        assertThatThrownBy(() -> b.revokeOwnership(bobBare))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.conflict));
    }

    @Test
    void kickAndBanWithReasons() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        XMPPTCPConnection carol = clients.newUser("carol", "c");
        EntityBareJid room = newRoom("kick");
        MultiUserChat a = created(alice, room, "alice");
        MultiUserChat b = joined(bob, room, "bob");
        MultiUserChat c = joined(carol, room, "carol");
        AtomicReference<String> bobKicked = new AtomicReference<>();
        b.addUserStatusListener(new UserStatusListener() {
            @Override public void kicked(Jid actor, String reason) { bobKicked.set(actor + "|" + reason); }
        });
        AtomicReference<String> carolSaw = new AtomicReference<>();
        c.addParticipantStatusListener(new ParticipantStatusListener() {
            @Override public void kicked(EntityFullJid participant, Jid actor, String reason) { carolSaw.set(participant.getResourcepart() + "|" + reason); }
        });
        a.kickParticipant(nick("bob"), "too loud");
        await().atMost(WAIT).until(() -> bobKicked.get() != null && carolSaw.get() != null);
        assertThat(bobKicked.get()).endsWith("|too loud");
        assertThat(carolSaw.get()).isEqualTo("bob|too loud");
        assertThat(b.isJoined()).isFalse();

        AtomicReference<String> carolBanned = new AtomicReference<>();
        c.addUserStatusListener(new UserStatusListener() {
            @Override public void banned(Jid actor, String reason) { carolBanned.set(reason); }
        });
        a.banUser(carol.getUser().asBareJid(), "spam");
        await().atMost(WAIT).until(() -> "spam".equals(carolBanned.get()));
        assertThat(a.getOutcasts()).extracting(Affiliate::getJid).containsExactly(carol.getUser().asBareJid());
        MultiUserChat again = muc(carol, room);
        assertThatThrownBy(() -> again.join(nick("carol2")))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.forbidden));
        // The kicked one may come back.
        MultiUserChat back = joined(bob, room, "bob");
        await().atMost(WAIT).until(() -> back.getOccupantsCount() == 2);
    }

    // ---- configuration and lifecycle ----

    @Test
    void configFormPersistentRoomAndDestroyWithAlternateVenue() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        EntityBareJid room = newRoom("config");
        MultiUserChat a = created(alice, room, "alice");
        Form form = configForm(a);
        for (String field : List.of("muc#roomconfig_roomname", "muc#roomconfig_whois", "muc#roomconfig_persistentroom",
                "muc#roomconfig_membersonly", "muc#roomconfig_passwordprotectedroom", "muc#roomconfig_roomsecret",
                "muc#roomconfig_maxusers", "muc#roomconfig_allowpm", "muc#roomconfig_roomowners", "muc#roominfo_meetingId")) {
            assertThat(form.getField(field)).as(field).isNotNull();
        }
        assertThat(form.getField("muc#roomconfig_whois").getFirstValue()).isEqualTo("anyone");
        String meetingId = form.getField("muc#roominfo_meetingId").getFirstValue();
        assertThat(meetingId).matches("[0-9a-f-]{36}");
        FillableForm f = form.getFillableForm();
        f.setAnswer("muc#roomconfig_roomname", "Design review");
        f.setAnswer("muc#roomconfig_roomdesc", "Weekly");
        f.setAnswer("muc#roomconfig_persistentroom", true);
        a.sendConfigurationForm(f);

        RoomInfo info = MultiUserChatManager.getInstanceFor(bob).getRoomInfo(room);
        assertThat(info.getName()).isEqualTo("Design review");
        assertThat(info.getDescription()).isEqualTo("Weekly");
        assertThat(info.isPersistent()).isTrue();
        assertThat(info.isNonanonymous()).isTrue();
        assertThat(info.getForm().getField("muc#roominfo_meetingId").getFirstValue()).isEqualTo(meetingId);
        var storedRooms = ParleyServer.get().parley().storage().rooms();
        await().atMost(WAIT).until(() -> storedRooms.room("conference.localhost", room.getLocalpart().toString()).get().isPresent());
        assertThat(storedRooms.room("conference.localhost", room.getLocalpart().toString()).get().orElseThrow().meetingId()).isEqualTo(meetingId);

        // Persistent: it stays when everyone leaves, and comes back with its config.
        a.leave();
        assertThat(MultiUserChatManager.getInstanceFor(bob).getRoomInfo(room).getName()).isEqualTo("Design review");
        MultiUserChat b = joined(bob, room, "bob");
        MultiUserChat a2 = joined(alice, room, "alice");
        AtomicReference<String> destroyed = new AtomicReference<>();
        b.addUserStatusListener(new UserStatusListener() {
            @Override public void roomDestroyed(MultiUserChat alternate, String reason) {
                destroyed.set((alternate == null ? "-" : alternate.getRoom().toString()) + "|" + reason);
            }
        });
        EntityBareJid venue = newRoom("venue");
        a2.destroy("moving on", venue);
        await().atMost(WAIT).until(() -> destroyed.get() != null);
        assertThat(destroyed.get()).isEqualTo(venue + "|moving on");
        await().atMost(WAIT).until(() -> storedRooms.room("conference.localhost", room.getLocalpart().toString()).get().isEmpty());
        assertThatThrownBy(() -> MultiUserChatManager.getInstanceFor(bob).getRoomInfo(room))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.item_not_found));
    }

    @Test
    void reservedRoomsStayLockedUntilConfigured() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        XMPPTCPConnection bob = clients.newUser("bob", "b");
        EntityBareJid room = newRoom("reserved", "rooms.localhost");
        MultiUserChat a = muc(alice, room);
        var handle = a.create(nick("alice"));
        MultiUserChat b = muc(bob, room);
        assertThatThrownBy(() -> b.join(nick("bob")))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.item_not_found));
        handle.getConfigFormManager().setRoomOwners(List.of(alice.getUser().asBareJid())).submitConfigurationForm();
        b.join(nick("bob"));
        // rooms.localhost is semi-anonymous: a participant does not see real JIDs, the owner does.
        assertThat((Object) b.getOccupant(JidCreate.entityFullFrom(room + "/alice")).getJid()).isNull();
        await().atMost(WAIT).until(() -> a.getOccupant(JidCreate.entityFullFrom(room + "/bob")) != null);
        assertThat((Object) a.getOccupant(JidCreate.entityFullFrom(room + "/bob")).getJid()).isEqualTo(bob.getUser());
        assertThat(MultiUserChatManager.getInstanceFor(bob).getRoomInfo(room).isNonanonymous()).isFalse();
    }

    @Test
    void serviceAndRoomDiscovery() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        EntityBareJid room = newRoom("disco");
        created(alice, room, "alice");
        MultiUserChatManager m = MultiUserChatManager.getInstanceFor(alice);
        assertThat(m.getMucServiceDomains()).extracting(Object::toString)
                .contains("conference.localhost", "rooms.localhost", "internal.localhost");
        assertThat(m.getRoomsHostedBy(JidCreate.domainBareFrom("conference.localhost"))).containsKey(room);
        RoomInfo info = m.getRoomInfo(room);
        assertThat(info.getOccupantsCount()).isEqualTo(1);
        assertThat(info.isMembersOnly()).isFalse();
        assertThat(info.isPasswordProtected()).isFalse();
        assertThat(info.isPersistent()).isFalse();
        // The internal service's rooms are not listed.
        assertThat(m.getRoomsHostedBy(JidCreate.domainBareFrom("internal.localhost"))).isEmpty();
    }

    // ---- Jitsi ----

    @Test
    void presenceExtensionsPassUntouchedWithOccupantIdAndSelfPing() throws Exception {
        XMPPTCPConnection focus = clients.newUser("focus", "focus");
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        EntityBareJid room = newRoom("jitsi");
        created(focus, room, "focus");
        MultiUserChat a = muc(alice, room);
        a.join(a.getEnterConfigurationBuilder(nick("4f1a2b3c")).withPresence(p -> p
                .addExtension(StandardExtensionElement.builder("stats-id", "jabber:client").setText("Alice-Xz9").build())
                .addExtension(StandardExtensionElement.builder("audiomuted", "http://jitsi.org/jitmeet/audio").setText("true").build())
                .addExtension(StandardExtensionElement.builder("nick", "http://jabber.org/protocol/nick").setText("Alice").build())
                .addExtension(StandardExtensionElement.builder("features", "jabber:client")
                        .addElement(StandardExtensionElement.builder("feature", "jabber:client").addAttribute("var", "https://jitsi.org/meet/e2ee").build())
                        .build()))
                .build());
        MultiUserChat f = muc(focus, room);
        EntityFullJid aliceInRoom = JidCreate.entityFullFrom(room + "/4f1a2b3c");
        await().atMost(WAIT).until(() -> f.getOccupantPresence(aliceInRoom) != null);
        Presence seen = f.getOccupantPresence(aliceInRoom);
        assertThat(((StandardExtensionElement) seen.getExtensionElement("stats-id", "jabber:client")).getText()).isEqualTo("Alice-Xz9");
        assertThat(((StandardExtensionElement) seen.getExtensionElement("audiomuted", "http://jitsi.org/jitmeet/audio")).getText()).isEqualTo("true");
        StandardExtensionElement features = (StandardExtensionElement) seen.getExtensionElement("features", "jabber:client");
        assertThat(features.getFirstElement("feature").getAttributeValue("var")).isEqualTo("https://jitsi.org/meet/e2ee");
        StandardExtensionElement occupantId = (StandardExtensionElement) seen.getExtensionElement("occupant-id", "urn:xmpp:occupant-id:0");
        assertThat(occupantId.getAttributeValue("id")).isNotBlank();

        // XEP-0410: a joined occupant pinging itself gets a result from the room.
        IQ pong = alice.createStanzaCollectorAndSend(new Ping(aliceInRoom)).nextResultOrThrow(5000);
        assertThat(pong.getType()).isEqualTo(IQ.Type.result);

        // The room-size API the HTTP endpoints use (Prosody's mod_muc_size): the focus is not counted.
        Optional<org.parley.muc.RoomInfo> size = ParleyServer.get().parley().muc()
                .roomInfo(room.getLocalpart().toString(), "localhost").get(5, TimeUnit.SECONDS);
        assertThat(size).isPresent();
        assertThat(size.get().sizeJson()).isEqualTo("{\"participants\":1}");
        assertThat(size.get().occupantsJson()).isEqualTo("[{\"jid\":\"" + aliceInRoom + "\",\"email\":\"\",\"display_name\":\"Alice\"}]");
        assertThat(ParleyServer.get().parley().muc().roomInfo("no-such-room", "conference.localhost").get(5, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void privateIqsAreRoutedBetweenOccupants() throws Exception {
        XMPPTCPConnection focus = clients.newUser("focus", "focus");
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        EntityBareJid room = newRoom("iq");
        created(focus, room, "focus");
        joined(alice, room, "alice");
        // Alice's client answers version queries (Smack's VersionManager is off by default; use ping, answered by Smack).
        IQ reply = focus.createStanzaCollectorAndSend(new Ping(JidCreate.entityFullFrom(room + "/alice"))).nextResultOrThrow(5000);
        assertThat(reply.getType()).isEqualTo(IQ.Type.result);
        assertThat(reply.getFrom().toString()).isEqualTo(room + "/alice");
    }

    @Test
    void anAnswerFromAnOccupantThatHasJustLeftStillReachesTheRequester() throws Exception {
        XMPPTCPConnection focus = clients.newUser("focus", "focus");
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        EntityBareJid room = newRoom("iqleft");
        created(focus, room, "focus");
        joined(alice, room, "alice");
        // Alice leaves, then answers (as a client that closes, or the server bouncing what reached a closed session):
        // the room must not drop the answer, or the requester (a focus sending session-initiate) waits out its timeout.
        alice.registerIQRequestHandler(new AbstractIqRequestHandler(Ping.ELEMENT, Ping.NAMESPACE, IQ.Type.get, IQRequestHandler.Mode.sync) {
            @Override
            public IQ handleIQRequest(IQ request) {
                try {
                    alice.sendStanza(alice.getStanzaFactory().buildPresenceStanza().ofType(Presence.Type.unavailable)
                            .to(JidCreate.entityFullFrom(room + "/alice")).build());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return IQ.createResultIQ(request);
            }
        });
        IQ reply = focus.createStanzaCollectorAndSend(new Ping(JidCreate.entityFullFrom(room + "/alice"))).nextResultOrThrow(5000);
        assertThat(reply.getType()).isEqualTo(IQ.Type.result);
        assertThat(reply.getFrom().toString()).isEqualTo(room + "/alice");
    }

    @Test
    void internalServiceAdmitsOnlyItsAccounts() throws Exception {
        clients.register(ParleyServer.FOCUS_USER);
        clients.register(ParleyServer.BRIDGE_USER);
        XMPPTCPConnection focus = clients.login(ParleyServer.FOCUS_USER, "focus");
        XMPPTCPConnection bridge = clients.login(ParleyServer.BRIDGE_USER, "jvb1");
        XMPPTCPConnection stranger = clients.newUser("stranger", "s");
        EntityBareJid brewery = JidCreate.entityBareFrom("jvbbrewery-" + UUID.randomUUID().toString().substring(0, 6) + "@internal.localhost");
        // Nobody but the admin (the focus) creates rooms there.
        assertThatThrownBy(() -> muc(bridge, brewery).join(nick("jvb1")))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.not_allowed));
        MultiUserChat f = muc(focus, brewery);
        f.createOrJoin(nick("focus"));
        MultiUserChat b = muc(bridge, brewery);
        b.join(b.getEnterConfigurationBuilder(nick("jvb1")).withPresence(p -> p.addExtension(
                StandardExtensionElement.builder("stats", "http://jitsi.org/protocol/colibri")
                        .addElement(StandardExtensionElement.builder("stat", "http://jitsi.org/protocol/colibri")
                                .addAttribute("name", "stress_level").addAttribute("value", "0.05").build()).build())).build());
        await().atMost(WAIT).until(() -> f.getOccupantPresence(JidCreate.entityFullFrom(brewery + "/jvb1")) != null);
        assertThatThrownBy(() -> muc(stranger, brewery).join(nick("x")))
                .satisfies(t -> assertThat(condition(t)).isEqualTo(StanzaError.Condition.not_allowed));
    }
}
