package org.parley.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/** The room's hooks: each called where and when RoomModule says, with what a module may do there. */
class RoomModuleTest {
    static final String ROOM = RoomTest.ROOM;
    static final String ALICE = RoomTest.ALICE;
    static final String BOB = RoomTest.BOB;
    static final String CAROL = RoomTest.CAROL;

    final Harness h = new Harness(ServiceSettings.open(RoomTest.DOMAIN));
    final List<String> calls = new ArrayList<>();

    final class Recording implements RoomModule {
        @Override public void created(MucRoom room) { calls.add("created " + room.jid()); }

        @Override public PacketError joining(MucRoom room, JID user, String nick, Presence presence) {
            calls.add("joining " + nick);
            return nick.equals("carol") ? new PacketError(PacketError.Condition.forbidden, PacketError.Type.auth, "no carols") : null;
        }

        @Override public void joined(MucRoom room, RoomOccupant o) {
            calls.add("joined " + o.nick() + " " + o.role().xml());
            List<String> count = room.state(this, ArrayList::new);
            count.add(o.nick());
        }

        @Override public void presence(MucRoom room, RoomOccupant o, Element payload) {
            payload.addElement("tag", "urn:test").setText(o.nick());
        }

        @Override public void left(MucRoom room, RoomOccupant o) { calls.add("left " + o.nick()); }

        @Override public boolean message(MucRoom room, RoomOccupant sender, Message m) {
            if (!"secret".equals(m.getBody())) return false;
            Message answer = new Message();
            answer.setFrom(room.jid());
            answer.setTo(sender.realJid());
            answer.setBody("consumed");
            room.send(answer);
            return true;
        }

        @Override public void roomInfo(MucRoom room, Element form) {
            List<String> joined = room.state(this);
            Forms.field(form, "test#joined", "text-single", "Joined", String.join(",", joined));
        }

        @Override public void destroyed(MucRoom room) { calls.add("destroyed"); }
    }

    @Test
    void hooksRunAtTheirPlaces() {
        h.domain.addModule(new Recording());
        h.join(ALICE, ROOM, "alice");
        h.join(BOB, ROOM, "bob");
        assertThat(calls).containsExactly("created " + ROOM, "joining alice", "joined alice moderator",
                "joining bob", "joined bob participant");
        // The presence extension reaches others and the occupant itself.
        assertThat(h.take(BOB)).anyMatch(s -> s.contains("from='" + ROOM + "/alice'") && s.contains("<tag xmlns='urn:test'>alice</tag>"));
        h.clear();

        h.join(CAROL, ROOM, "carol");
        assertThat(h.take(CAROL)).singleElement().satisfies(s -> assertThat(s).contains("type='error'")
                .contains("<forbidden").contains("no carols"));
        assertThat(h.takeAll()).isEmpty();

        h.send(BOB, "<message to='" + ROOM + "' type='groupchat'><body>secret</body></message>");
        assertThat(h.take(BOB)).singleElement().satisfies(s -> assertThat(s).contains("<body>consumed</body>"));
        assertThat(h.takeAll()).isEmpty();
        h.send(BOB, "<message to='" + ROOM + "' type='groupchat'><body>hello</body></message>");
        assertThat(h.take(ALICE)).singleElement().satisfies(s -> assertThat(s).contains("<body>hello</body>"));

        h.send(ALICE, "<iq type='get' id='d' to='" + ROOM + "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        assertThat(h.take(ALICE)).singleElement().satisfies(s -> assertThat(s).contains("var='test#joined'")
                .contains("<value>alice,bob</value>"));

        calls.clear();
        h.send(BOB, "<presence to='" + ROOM + "/bob' type='unavailable'/>");
        h.send(ALICE, "<presence to='" + ROOM + "/alice' type='unavailable'/>");
        assertThat(calls).containsExactly("left bob", "left alice", "destroyed");
    }

    @Test
    void aModuleEndsTheRoomForEveryone() {
        RoomModule ender = new RoomModule() {
            @Override public boolean message(MucRoom room, RoomOccupant sender, Message m) {
                if (!"end".equals(m.getBody())) return false;
                room.destroy("ended");
                return true;
            }
        };
        h.domain.addModule(ender);
        h.join(ALICE, ROOM, "alice");
        h.join(BOB, ROOM, "bob");
        h.clear();
        h.send(ALICE, "<message to='" + ROOM + "' type='groupchat'><body>end</body></message>");
        assertThat(h.take(BOB)).singleElement().satisfies(s -> assertThat(s).contains("type='unavailable'")
                .contains("<destroy><reason>ended</reason></destroy>"));
        assertThat(h.domain.room("room")).isNull();
    }

    @Test
    void aModuleKeepsAnEmptiedTemporaryRoomAndEndsItWithAnAlternateVenue() {
        List<MucRoom> kept = new ArrayList<>();
        h.domain.addModule(new RoomModule() {
            @Override public boolean keepEmpty(MucRoom room) {
                kept.add(room);
                return true;
            }
        });
        h.join(ALICE, ROOM, "alice");
        h.send(ALICE, "<presence to='" + ROOM + "/alice' type='unavailable'/>");
        assertThat(kept).hasSize(1);
        assertThat(h.domain.room("room")).as("kept, empty").isNotNull();
        h.join(BOB, ROOM, "bob");
        h.clear();
        h.domain.inRoom("room", r -> r.handle().destroy("moved", new JID("main@" + RoomTest.DOMAIN)));
        assertThat(h.take(BOB)).singleElement().satisfies(s -> assertThat(s)
                .contains("<destroy jid='main@" + RoomTest.DOMAIN + "'><reason>moved</reason></destroy>"));
        assertThat(h.domain.room("room")).isNull();
    }

    @Test
    void aModuleAddsFieldsToTheOwnersForm() {
        h.domain.addModule(new RoomModule() {
            @Override public void configForm(MucRoom room, Element form) {
                form.addElement("field", form.getNamespaceURI()).addAttribute("var", "x-module").addElement("value").setText("1");
            }
        });
        h.join(ALICE, ROOM, "alice");
        h.clear();
        h.send(ALICE, "<iq type='get' id='f' to='" + ROOM + "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        assertThat(h.take(ALICE)).singleElement().satisfies(s -> assertThat(s).contains("var='x-module'")
                .contains("muc#roominfo_meetingId"));
    }

    @Test
    void aModuleSetsTheSubjectAsTheRoom() {
        h.join(ALICE, ROOM, "alice");
        h.clear();
        h.domain.inRoom("room", r -> r.handle().subject("Room 1"));
        assertThat(h.take(ALICE)).singleElement().satisfies(s -> assertThat(s).contains("from='" + ROOM + "'")
                .contains("<subject>Room 1</subject>"));
        h.join(BOB, ROOM, "bob");
        assertThat(h.take(BOB)).anySatisfy(s -> assertThat(s).contains("<subject>Room 1</subject>"));
    }

    @Test
    void aServiceModuleTakesStanzasToTheServiceItselfFirst() {
        h.domain.addServiceModule((stanza, reply) -> {
            if (!(stanza instanceof Message m) || m.getElement().element("hello") == null) return false;
            Message answer = new Message();
            answer.setTo(m.getFrom());
            answer.setFrom(m.getTo());
            answer.setBody("hi");
            reply.accept(answer);
            return true;
        });
        h.send(ALICE, "<message to='" + RoomTest.DOMAIN + "'><hello/></message>");
        assertThat(h.take(ALICE)).singleElement().satisfies(s -> assertThat(s).contains("<body>hi</body>"));
        // What the module leaves is the service's as before.
        h.send(ALICE, "<message to='" + RoomTest.DOMAIN + "'><other/></message>");
        assertThat(h.take(ALICE)).singleElement().satisfies(s -> assertThat(s).contains("service-unavailable"));
    }

    @Test
    void roleAndAffiliationChangesReachModules() {
        h.domain.addModule(new RoomModule() {
            @Override public void roleChanged(MucRoom room, RoomOccupant o, Role previous) {
                calls.add("role " + o.nick() + " " + previous.xml() + "->" + o.role().xml());
            }

            @Override public void affiliationChanged(MucRoom room, JID user, Affiliation previous, Affiliation now) {
                calls.add("affiliation " + user + " " + previous.xml() + "->" + now.xml());
            }
        });
        h.join(ALICE, ROOM, "alice");
        h.join(BOB, ROOM, "bob");
        h.send(ALICE, "<iq type='set' id='r' to='" + ROOM + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='bob' role='moderator'/></query></iq>");
        h.send(ALICE, "<iq type='set' id='a' to='" + ROOM + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item jid='" + new JID(CAROL).toBareJID() + "' affiliation='member'/></query></iq>");
        // Kicking is leaving, not a role change.
        h.send(ALICE, "<iq type='set' id='k' to='" + ROOM + "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                + "<item nick='bob' role='none'/></query></iq>");
        assertThat(calls).containsExactly("role bob participant->moderator",
                "affiliation " + new JID(CAROL).toBareJID() + " none->member");
    }

    @Test
    void aModuleOpensAndConfiguresARoomNobodyIsIn() {
        List<MucRoom> seen = new ArrayList<>();
        h.domain.addModule(new Recording());
        h.domain.inRoomCreating("lobby", room -> {
            seen.add(room.handle());
            room.handle().reconfigure(c -> new RoomConfig(c.name(), c.description(), c.persistent(), c.publicRoom(), true,
                    c.moderated(), c.passwordProtected(), c.password(), c.whois(), c.maxUsers(), c.allowPm(),
                    c.allowInvites(), c.changeSubject(), c.logging(), c.historyLength()));
            room.handle().setAffiliation(new JID(BOB), Affiliation.MEMBER);
        });
        assertThat(seen).singleElement().satisfies(r -> assertThat(r.config().membersOnly()).isTrue());
        assertThat(calls).containsExactly("created lobby@" + RoomTest.DOMAIN);
        // Members-only now: bob (a member) enters, carol does not.
        h.join(CAROL, "lobby@" + RoomTest.DOMAIN, "carol");
        assertThat(h.take(CAROL)).singleElement().satisfies(s -> assertThat(s).contains("<registration-required"));
        h.join(BOB, "lobby@" + RoomTest.DOMAIN, "bob");
        assertThat(seen.get(0).affiliation(new JID(BOB))).isEqualTo(Affiliation.MEMBER);
        assertThat(seen.get(0).occupants()).extracting(RoomOccupant::nick).containsExactly("bob");
        // A second call finds the same room.
        h.domain.inRoomCreating("lobby", room -> seen.add(room.handle()));
        assertThat(seen.get(1).meetingId()).isEqualTo(seen.get(0).meetingId());
    }

    @Test
    void aModuleLetsAJoinerInOrRefusesItBeforeTheMembershipCheck() {
        h.domain.addModule(new RoomModule() {
            @Override public org.xmpp.packet.Packet entering(MucRoom room, JID user, Presence presence) {
                if (user.toBareJID().equals(new JID(BOB).toBareJID())) {
                    room.setAffiliation(user, Affiliation.MEMBER);
                    return null;
                }
                org.xmpp.packet.Packet refusal = org.parley.xmpp.router.Stanzas.errorReply(presence,
                        new PacketError(PacketError.Condition.registration_required, PacketError.Type.auth));
                refusal.getElement().addElement("waiting-room").setText("elsewhere");
                return refusal;
            }
        });
        h.join(ALICE, ROOM, "alice");
        h.send(ALICE, RoomTest.configSubmit("muc#roomconfig_membersonly", "1"));
        h.clear();
        // Bob is made a member on the way in, so the members-only room admits him.
        h.join(BOB, ROOM, "bob");
        assertThat(h.take(BOB)).anyMatch(s -> s.contains("code='110'") && s.contains("affiliation='member'"));
        // Carol gets the module's own refusal, extra element and all; nobody else hears of her.
        h.clear();
        h.join(CAROL, ROOM, "carol");
        assertThat(h.take(CAROL)).singleElement().satisfies(s -> assertThat(s).contains("type='error'")
                .contains("<registration-required").contains("<waiting-room>elsewhere</waiting-room>"));
        assertThat(h.takeAll()).isEmpty();
    }

    @Test
    void aModuleHidesOccupantsFromEachOther() {
        // Alice (the owner) sees everyone; the others see only her messages and themselves.
        h.domain.addModule(new RoomModule() {
            @Override public boolean hides(MucRoom room, RoomOccupant sender, RoomOccupant recipient, Element stanza) {
                boolean toOwner = recipient.affiliation() == Affiliation.OWNER;
                boolean fromOwner = sender.affiliation() == Affiliation.OWNER;
                return "presence".equals(stanza.getName()) ? !toOwner : !toOwner && !fromOwner;
            }
        });
        assertThat(h.domain.hooks().hiding()).isTrue();
        h.join(ALICE, ROOM, "alice");
        h.join(BOB, ROOM, "bob");
        h.join(CAROL, ROOM, "carol");
        assertThat(h.take(ALICE)).anyMatch(s -> s.contains("from='" + ROOM + "/bob'")).anyMatch(s -> s.contains("from='" + ROOM + "/carol'"));
        List<String> carol = h.take(CAROL);
        assertThat(carol).noneMatch(s -> s.contains("from='" + ROOM + "/bob'") || s.contains("from='" + ROOM + "/alice'"));
        assertThat(carol).anyMatch(s -> s.contains("from='" + ROOM + "/carol'") && s.contains("code='110'"));
        assertThat(h.take(BOB)).noneMatch(s -> s.contains("from='" + ROOM + "/carol'"));
        h.clear();

        h.send(CAROL, "<message to='" + ROOM + "' type='groupchat'><body>psst</body></message>");
        assertThat(h.take(ALICE)).anyMatch(s -> s.contains("psst"));
        assertThat(h.take(CAROL)).anyMatch(s -> s.contains("psst"));
        assertThat(h.take(BOB)).isEmpty();
        h.send(ALICE, "<message to='" + ROOM + "' type='groupchat'><body>hello all</body></message>");
        assertThat(h.take(BOB)).anyMatch(s -> s.contains("hello all"));
        h.clear();
        h.send(BOB, "<message to='" + ROOM + "/carol' type='chat'><body>hi carol</body></message>");
        assertThat(h.take(CAROL)).isEmpty();
    }

    @Test
    void aHandedOverRoomComesBackWithItsOccupantsHistoryAndModuleState() {
        final class Counter implements RoomModule {
            final List<String> restored = new ArrayList<>();

            @Override public void joined(MucRoom room, RoomOccupant o) { room.state(this, () -> new int[1])[0]++; }

            @Override public void handOver(MucRoom room, Element state) {
                state.addAttribute("joins", Integer.toString(room.<int[]>state(this)[0]));
            }

            @Override public void restored(MucRoom room, Element state) {
                restored.add(room.jid() + " joins=" + state.attributeValue("joins") + " occupants=" + room.occupants().size());
            }
        }
        Counter before = new Counter();
        h.domain.addModule(before);
        h.join(ALICE, ROOM, "alice");
        h.join(BOB, ROOM, "bob");
        h.send(BOB, "<message to='" + ROOM + "' type='groupchat'><body>kept</body></message>");
        Room room = h.domain.room("room");
        String form = RoomHandover.encode(room);

        Harness next = new Harness(ServiceSettings.open(RoomTest.DOMAIN));
        Counter after = new Counter();
        next.domain.addModule(after);
        next.domain.restore(RoomHandover.decode(next.domain, RoomHandover.FORMAT, form), jid -> true).join();
        assertThat(after.restored).containsExactly(ROOM + " joins=2 occupants=2");
        Room back = next.domain.room("room");
        assertThat(back.meetingId).isEqualTo(room.meetingId);
        assertThat(back.occupants()).extracting(o -> o.nick + " " + o.role.xml() + " " + o.affiliation.xml() + " " + o.occupantId)
                .containsExactly("alice moderator owner " + room.occupantAt("alice").occupantId,
                        "bob participant none " + room.occupantAt("bob").occupantId);
        assertThat(next.takeAll()).as("nobody is told anything").isEmpty();
        // The room goes on: bob's message reaches alice, and a newcomer gets the history.
        next.send(BOB, "<message to='" + ROOM + "' type='groupchat'><body>still here</body></message>");
        assertThat(next.take(ALICE)).singleElement().satisfies(m -> assertThat(m).contains("<body>still here</body>"));
        next.join(CAROL, ROOM, "carol");
        assertThat(next.take(CAROL)).anyMatch(m -> m.contains("<body>kept</body>") && m.contains("urn:xmpp:delay"));
        assertThatThrownBy(() -> RoomHandover.decode(next.domain, RoomHandover.FORMAT + 1, form)).hasMessageContaining("newer");

        // An occupant whose session did not come along (it ended as the node stopped) leaves, and the others hear it.
        Harness third = new Harness(ServiceSettings.open(RoomTest.DOMAIN));
        third.domain.restore(RoomHandover.decode(third.domain, RoomHandover.FORMAT, form),
                jid -> !jid.toString().equals(BOB)).join();
        assertThat(third.domain.room("room").occupants()).extracting(o -> o.nick).containsExactly("alice");
        assertThat(third.take(ALICE)).singleElement().satisfies(m -> assertThat(m).contains("from='" + ROOM + "/bob'")
                .contains("type='unavailable'"));
    }

    /**
     * The form a build of 2026-12 wrote (format 1), kept as it was: every later build must read it, so that a node
     * upgraded during a hand-over restart restores the rooms an older one wrote.
     */
    @Test
    void theFirstRoomFormatIsStillRead() throws Exception {
        String stored;
        try (var in = RoomModuleTest.class.getResourceAsStream("/handover/room-format-1.xml")) {
            stored = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        }
        List<String> restored = new ArrayList<>();
        h.domain.addModule(new RoomModule() {
            @Override public void restored(MucRoom room, Element state) { restored.add(room.jid() + " " + state.getName()); }
        });
        h.domain.restore(RoomHandover.decode(h.domain, 1, stored), jid -> true).join();
        Room room = h.domain.room("room");
        assertThat(room.meetingId).isEqualTo("d3380b9f-1b37-4b61-a48b-179b1250df46");
        assertThat(room.created).isEqualTo(java.time.Instant.parse("2026-01-01T10:00:00Z"));
        assertThat(room.occupants()).extracting(o -> o.nick + " " + o.role.xml() + " " + o.affiliation.xml())
                .containsExactly("alice moderator owner", "bob participant none");
        assertThat(restored).containsExactly(ROOM + " module");
        h.join(CAROL, ROOM, "carol");
        assertThat(h.take(CAROL)).anyMatch(m -> m.contains("<body>kept</body>"))
                .anyMatch(m -> m.contains("from='" + ROOM + "/alice'"));
    }

    @Test
    void withoutModulesNothingChanges() {
        h.join(ALICE, ROOM, "alice");
        assertThat(h.take(ALICE).get(0)).doesNotContain("urn:test");
        assertThat(h.domain.hooks().isEmpty()).isTrue();
        assertThat(h.domain.hooks().hiding()).isFalse();
    }
}
