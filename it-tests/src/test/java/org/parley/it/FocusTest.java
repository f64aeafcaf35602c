package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.TestSfu;
import org.parley.jingle.Jingle;
import org.parley.jingle.JingleAction;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.focus.ConferenceIq;
import org.xmpp.packet.JID;

/** The focus end to end: test SFUs in the brewery, Smack participants in the room, COLIBRI2 and Jingle on the wire. */
@ExtendWith(ParleyServer.class)
class FocusTest {
    private final Clients clients = new Clients();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        clients.close();
        // Let the focus see the test SFUs leave before the next test chooses bridges.
        await().atMost(Duration.ofSeconds(10)).until(() -> ParleyServer.get().parley().focus().focus().bridges().all().stream()
                .noneMatch(b -> b.failure() == null));
    }

    static String room() {
        return "r-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
    }

    TestSfu sfu(String name, double stress, String region) throws Exception {
        TestSfu s = TestSfu.start(clients, name, stress, region);
        closing.add(s);
        await().atMost(Duration.ofSeconds(10)).until(() -> ParleyServer.get().parley().focus().focus().bridges()
                .get(new JID(s.jid())) != null);
        return s;
    }

    TestParticipant participant(String room, String nick, boolean json) throws Exception {
        TestParticipant p = TestParticipant.connect(clients, room, nick, json);
        closing.add(0, p);
        return p;
    }

    /** Every participant knows every other participant's SSRCs (and the bridge's). */
    static void everyoneSeesEveryone(List<TestParticipant> ps) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            for (TestParticipant p : ps) {
                Map<String, Set<Long>> remote = p.remoteSources();
                assertThat(remote).as(p.nick + " knows").containsKey("jvb");
                for (TestParticipant q : ps) {
                    if (q == p) continue;
                    assertThat(remote.get(q.nick)).as(p.nick + " knows " + q.nick)
                            .containsExactlyInAnyOrder(q.audioSsrc, q.videoSsrc, q.rtxSsrc);
                }
            }
        });
    }

    @Test
    void twoParticipantsOnOneSfu() throws Exception {
        TestSfu sfu = sfu("jvb", 0.1, null);
        String room = room();
        TestParticipant a = participant(room, "aaaa1111", false);
        ConferenceIq reply = a.requestConference();
        assertThat(reply.ready()).isTrue();
        assertThat(reply.focusJid()).isEqualTo(ParleyServer.FOCUS_JID);
        a.join();
        TestParticipant b = participant(room, "bbbb2222", true).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.sid() != null && b.sid() != null);
        assertThat(a.seesFocusAs(ParleyServer.FOCUS_JID)).isTrue();
        Jingle offer = a.lastOffer();
        assertThat(offer.bridgeSession()).isNotNull();
        assertThat(offer.contents()).extracting(c -> c.name()).containsExactly("audio", "video", "data");
        assertThat(b.lastOffer().jsonMessage()).isNotNull();
        everyoneSeesEveryone(List.of(a, b));

        SfuLogic.Conf conf = sfu.logic.byRoom(room);
        assertThat(conf.endpoints.keySet()).containsExactlyInAnyOrder("aaaa1111", "bbbb2222");
        assertThat(conf.endpoints.get("aaaa1111").remoteTransport.ufrag()).isEqualTo("uaaaa1111");
        assertThat(conf.endpoints.get("aaaa1111").sources.mediaSources()).extracting(m -> m.id())
                .containsExactly("aaaa1111-a0", "aaaa1111-v0");

        // A new source reaches the other client and the bridge; its removal too.
        long extra = a.videoSsrc + 1_000_000;
        assertThat(a.sendJingle("source-add", a.sid(), a.contents(List.of(), List.of(extra), false), "").getType().name())
                .isEqualTo("result");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.remoteSources().get("aaaa1111").contains(extra));
        await().atMost(Duration.ofSeconds(10)).until(() -> sfu.logic.byRoom(room).endpoints.get("aaaa1111").sources.toString().contains(Long.toString(extra)));
        assertThat(a.sendJingle("source-remove", a.sid(), a.contents(List.of(), List.of(extra), false), "").getType().name())
                .isEqualTo("result");
        await().atMost(Duration.ofSeconds(10)).until(() -> !b.remoteSources().get("aaaa1111").contains(extra));

        // Leaving cleans up on the SFU: the endpoint, then the whole conference.
        b.leave();
        await().atMost(Duration.ofSeconds(10)).until(() -> !sfu.logic.endpoints(room).contains("bbbb2222"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.remoteSources().containsKey("bbbb2222"));
        a.leave();
        await().atMost(Duration.ofSeconds(10)).until(() -> sfu.logic.byRoom(room) == null);
        assertThat(sfu.logic.requests).anyMatch(ConferenceModify::expire);
    }

    @Test
    void tenParticipantsOnOneSfu() throws Exception {
        TestSfu sfu = sfu("jvb", 0.1, null);
        String room = room();
        List<TestParticipant> ps = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            TestParticipant p = participant(room, "p" + i + "x" + Integer.toHexString(i * 7919 + 4096), i % 2 == 0).join();
            ps.add(p);
            if (i >= 1) {
                // Wait until everyone so far is in a session, so the next offer must carry all their sources.
                await().atMost(Duration.ofSeconds(10)).until(() -> ps.stream().allMatch(q -> q.sid() != null)
                        && sfu.logic.byRoom(room) != null && sfu.logic.byRoom(room).endpoints.values().stream()
                        .filter(e -> e.sources != null).count() == ps.size());
            }
        }
        TestParticipant last = ps.get(9);
        Set<String> offered = new HashSet<>(last.remoteSources().keySet());
        offered.remove("jvb");
        assertThat(offered).hasSize(9);
        everyoneSeesEveryone(ps);
        assertThat(sfu.logic.endpoints(room)).hasSize(10);

        TestParticipant first = ps.get(0);
        long extra = first.videoSsrc + 3_000_000;
        first.sendJingle("source-add", first.sid(), first.contents(List.of(extra), List.of(), false), "");
        await().atMost(Duration.ofSeconds(10)).until(() -> ps.subList(1, 10).stream()
                .allMatch(q -> q.remoteSources().getOrDefault(first.nick, Set.of()).contains(extra)));
        first.sendJingle("source-remove", first.sid(), first.contents(List.of(extra), List.of(), false), "");
        await().atMost(Duration.ofSeconds(10)).until(() -> ps.subList(1, 10).stream()
                .noneMatch(q -> q.remoteSources().getOrDefault(first.nick, Set.of()).contains(extra)));

        TestParticipant gone = ps.get(5);
        gone.leave();
        await().atMost(Duration.ofSeconds(10)).until(() -> !sfu.logic.endpoints(room).contains(gone.nick)
                && ps.stream().filter(q -> q != gone).noneMatch(q -> q.remoteSources().containsKey(gone.nick)));
    }

    @Test
    void selectionFollowsStressRegionsAndDrain() throws Exception {
        TestSfu eu = sfu("eu", 0.5, "eu-west");
        TestSfu us = sfu("us", 0.1, "us-east");
        TestSfu eu2 = sfu("eu2", 0.2, "eu-west");

        String r1 = room();
        participant(r1, "euaaa", false).region("eu-west").join();
        participant(r1, "eubbb", false).region("eu-west").join();
        await().atMost(Duration.ofSeconds(10)).until(() -> eu2.logic.endpoints(r1).size() == 2);
        assertThat(eu.logic.endpoints(r1)).isEmpty();

        String r2 = room();
        participant(r2, "anyaaa", false).join();
        participant(r2, "anybbb", false).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> us.logic.endpoints(r2).size() == 2);

        us.drain(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> ParleyServer.get().parley().focus().focus().bridges()
                .get(new JID(us.jid())).closedToNewConferences());
        String r3 = room();
        participant(r3, "drnaaa", false).join();
        participant(r3, "drnbbb", false).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> eu2.logic.endpoints(r3).size() == 2);
        assertThat(us.logic.byRoom(r3)).isNull();
        // The conference already on the drained SFU stays there, new participants included.
        participant(r2, "anyccc", false).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> us.logic.endpoints(r2).size() == 3);
    }

    @Test
    void cascadeWithCapFourAndTenParticipants() throws Exception {
        List<TestSfu> sfus = List.of(sfu("c1", 0.1, null), sfu("c2", 0.1, null), sfu("c3", 0.1, null));
        String room = room();
        List<TestParticipant> ps = new ArrayList<>();
        for (int i = 0; i < 10; i++) ps.add(participant(room, "cas" + i, i % 3 == 0).join());
        await().atMost(Duration.ofSeconds(20)).until(() -> sfus.stream().mapToInt(s -> s.logic.endpoints(room).size()).sum() == 10
                && ps.stream().allMatch(p -> p.sid() != null));
        List<TestSfu> used = sfus.stream().filter(s -> !s.logic.endpoints(room).isEmpty()).toList();
        assertThat(used).hasSize(3);
        for (TestSfu s : used) assertThat(s.logic.endpoints(room).size()).isLessThanOrEqualTo(ParleyServer.FOCUS_CAP);
        // Every SFU has a relay to each other one, holding exactly the other's endpoints.
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            for (TestSfu s : used) {
                Map<String, Set<String>> relays = s.logic.relays(room);
                assertThat(relays.keySet()).as(s.nick + " relays").hasSize(used.size() - 1);
                for (TestSfu other : used) {
                    if (other == s) continue;
                    assertThat(relays.get(other.logic.relayId)).as(s.nick + " -> " + other.nick)
                            .isEqualTo(other.logic.endpoints(room));
                    assertThat(s.logic.byRoom(room).relays.get(other.logic.relayId).remoteTransport).isNotNull();
                }
            }
        });
        everyoneSeesEveryone(ps);
        // Leaving updates the relay endpoint sets.
        ps.get(0).leave();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (TestSfu s : used) {
                for (TestSfu other : used) {
                    if (other != s) assertThat(s.logic.relays(room).get(other.logic.relayId)).doesNotContain("cas0");
                }
            }
        });
    }

    @Test
    void participantsOfAKilledSfuAreMovedWithinTenSeconds() throws Exception {
        TestSfu doomed = sfu("doomed", 0.1, null);
        String room = room();
        List<TestParticipant> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) ps.add(participant(room, "mv" + i, i == 0).join());
        await().atMost(Duration.ofSeconds(10)).until(() -> doomed.logic.endpoints(room).size() == 3
                && ps.stream().allMatch(p -> p.sid() != null));
        everyoneSeesEveryone(ps);
        TestSfu spare = sfu("spare", 0.6, null);
        Map<String, String> oldSids = new java.util.HashMap<>();
        for (TestParticipant p : ps) oldSids.put(p.nick, p.sid());

        long killed = System.nanoTime();
        doomed.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> spare.logic.endpoints(room).size() == 3
                && ps.stream().allMatch(p -> p.sid() != null && !p.sid().equals(oldSids.get(p.nick))
                && p.lastOffer().content("audio").transport().ufrag().startsWith(spare.nick)));
        long ms = (System.nanoTime() - killed) / 1_000_000;
        System.out.println("moved 3 participants off a killed SFU in " + ms + " ms");
        for (TestParticipant p : ps) {
            assertThat(p.received(JingleAction.SESSION_TERMINATE)).anyMatch(j -> j.reason() != null && "moving".equals(j.reason().text()));
        }
        everyoneSeesEveryone(ps);
    }

    @Test
    void aHungSfuIsTreatedAsFailed() throws Exception {
        TestSfu hung = sfu("hung", 0.1, null);
        String room = room();
        TestParticipant a = participant(room, "hunga", false).join();
        TestParticipant b = participant(room, "hungb", false).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.sid() != null && b.sid() != null && hung.logic.endpoints(room).size() == 2);
        TestSfu spare = sfu("alive", 0.6, null);
        hung.hung = true;
        await().atMost(Duration.ofSeconds(10)).until(() -> spare.logic.endpoints(room).size() == 2);
        assertThat(ParleyServer.get().parley().focus().focus().bridges().get(new JID(hung.jid())).failure()).contains("timed out");
    }

    @Test
    void badInputGetsErrorsAndLeavesTheConferenceUnharmed() throws Exception {
        sfu("jvb", 0.1, null);
        String room = room();
        TestParticipant a = participant(room, "bada", false).join();
        TestParticipant b = participant(room, "badb", false).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.sid() != null && b.sid() != null);
        everyoneSeesEveryone(List.of(a, b));

        // A conference request for a room name that is not a valid JID.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.requestConference("bad@@room@conference.localhost"))
                .hasMessageContaining("bad-request");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.requestConference("room@elsewhere.example"))
                .hasMessageContaining("not-acceptable");
        // A session-accept for a session that does not exist.
        var unknown = a.sendJingle("session-accept", "no-such-sid", a.contents(List.of(a.audioSsrc), List.of(), true), "");
        assertThat(unknown.getType().name()).isEqualTo("error");
        assertThat(unknown.toXML().toString()).contains("item-not-found").contains("unknown-session");
        // Sources claimed for the other participant's SSRC.
        var steal = b.sendJingle("source-add", b.sid(), b.contents(List.of(a.audioSsrc), List.of(), false), "");
        assertThat(steal.getType().name()).isEqualTo("error");
        assertThat(steal.toXML().toString()).contains("bad-request");
        // Garbage Jingle.
        var garbage = b.sendJingle("source-add", b.sid(), "<content name='audio'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>"
                + "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='not-a-number'/></description></content>", "");
        assertThat(garbage.getType().name()).isEqualTo("error");

        // Unharmed: sources still flow, nobody lost the other's.
        assertThat(a.remoteSources().get("badb")).containsExactlyInAnyOrder(b.audioSsrc, b.videoSsrc, b.rtxSsrc);
        long extra = b.audioSsrc + 5_000_000;
        assertThat(b.sendJingle("source-add", b.sid(), b.contents(List.of(extra), List.of(), false), "").getType().name()).isEqualTo("result");
        await().atMost(Duration.ofSeconds(10)).until(() -> a.remoteSources().get("badb").contains(extra));
        assertThat(a.remoteSources().get("badb")).doesNotContain(a.audioSsrc);
    }

    @Test
    void anSfuConnectedAsAComponentAnnouncesItselfByPresence() throws Exception {
        var component = org.parley.it.sfu.ComponentSfu.connect(ParleyServer.get().componentPort(), "sfu.localhost", "sfu-secret", 0.05);
        closing.add(component);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var b = ParleyServer.get().parley().focus().focus().bridges().get(new JID("sfu.localhost"));
            return b != null && b.failure() == null;
        });
        String room = room();
        TestParticipant a = participant(room, "compa", false).join();
        TestParticipant b = participant(room, "compb", true).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.sid() != null && b.sid() != null);
        assertThat(a.lastOffer().content("audio").transport().ufrag()).startsWith("component");
        assertThat(component.logic.endpoints(room)).containsExactlyInAnyOrder("compa", "compb");
        everyoneSeesEveryone(List.of(a, b));
        await().atMost(Duration.ofSeconds(10)).until(() -> component.received.stream().anyMatch(s -> s.contains("healthcheck")));
    }
}
