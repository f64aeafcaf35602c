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
}
