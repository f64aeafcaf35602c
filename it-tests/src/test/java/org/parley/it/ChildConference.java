package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.jivesoftware.smack.packet.Presence;
import org.parley.it.sfu.ComponentSfu;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;
import org.parley.jingle.colibri2.ConferenceModify;

/**
 * Smack participants in a conference on a {@link ChildParley} with a component SFU, for the restart tests (hand-over,
 * crash): what each had before the restart, their resumption after it, and the checks that the restart changed
 * nothing anyone sees: the same Jingle session, no Jingle and no leave or rejoin after it, the same SFU conference,
 * nothing but the restore probe on COLIBRI2.
 */
final class ChildConference {
    final ChildParley child;
    final SfuLogic logic;
    final Clients clients;
    final String room;
    final List<String> nicks;
    final List<TestParticipant> participants = new ArrayList<>();
    private final List<AutoCloseable> closing;
    private final Map<String, String> sids = new HashMap<>();
    private final Map<String, Integer> jingles = new HashMap<>();
    private final Map<String, Integer> presences = new HashMap<>();
    private String meetingId;
    private int requests;

    private ChildConference(ChildParley child, SfuLogic logic, Clients clients, String room, List<String> nicks,
                            List<AutoCloseable> closing) {
        this.child = child;
        this.logic = logic;
        this.clients = clients;
        this.room = room;
        this.nicks = nicks;
        this.closing = closing;
    }

    /**
     * Connects the SFU (sfu1.localhost) to the running {@code child}, registers {@code nicks} and has them join a
     * new room, and waits until each has its Jingle session with its sources on the SFU, everyone sees everyone, and
     * the focus has stored the sessions active. What it opens goes to {@code closing}.
     */
    static ChildConference start(ChildParley child, String prefix, List<String> nicks, List<AutoCloseable> closing)
            throws Exception {
        SfuLogic logic = new SfuLogic(prefix);
        closing.add(ComponentSfu.connectRetrying(child.componentPort(), "sfu1.localhost", ChildParley.SFU_SECRET, 0.1, logic, false));
        Clients clients = child.clients();
        closing.add(clients);
        String room = prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
        ChildConference c = new ChildConference(child, logic, clients, room, nicks, closing);
        for (String n : nicks) {
            clients.register(n);
            TestParticipant p = TestParticipant.connectAs(clients, n, room, n);
            closing.add(p);
            c.participants.add(p.join());
        }
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> c.participants.stream().allMatch(p -> p.sid() != null)
                && logic.byRoom(room) != null
                && logic.byRoom(room).endpoints.values().stream().filter(e -> e.sources != null).count() == nicks.size());
        FocusTest.everyoneSeesEveryone(c.participants);
        // The focus writes its state shortly after a change; a restart keeps what it wrote.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (var conn = child.jdbc(); var st = conn.prepareStatement(
                    "SELECT count(*) FROM focus_participants WHERE room = ? AND session_state = 'ACTIVE'")) {
                st.setString(1, room);
                try (var rs = st.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) == nicks.size();
                }
            }
        });
        return c;
    }

    /** What the restart must not change: call right before it. */
    void remember() {
        meetingId = logic.byRoom(room).meetingId;
        for (TestParticipant p : participants) {
            sids.put(p.nick, p.sid());
            jingles.put(p.nick, p.received.size());
            presences.put(p.nick, p.roomPresences().size());
        }
        requests = logic.requests.size();
    }

    /** Once the next process runs: the SFU connects again and every participant resumes its stream there. */
    void resume() throws Exception {
        closing.add(ComponentSfu.connectRetrying(child.componentPort(), "sfu1.localhost", ChildParley.SFU_SECRET, 0.1, logic, false));
        for (TestParticipant p : participants) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !p.connection.isConnected());
            p.connection.connect();
            p.connection.login();
            assertThat(p.connection.streamWasResumed()).as("%s resumed its stream", p.nick).isTrue();
        }
    }

    /** Nothing changed since {@link #remember} for anyone; {@code restart} ("the restart", "the crash") names it. */
    void assertUnchanged(String restart) {
        for (TestParticipant p : participants) {
            assertThat(p.sid()).isEqualTo(sids.get(p.nick));
            assertThat(p.received.subList(jingles.get(p.nick), p.received.size())).as("Jingle to %s after %s", p.nick, restart)
                    .isEmpty();
            assertThat(p.roomPresences().subList(presences.get(p.nick), p.roomPresences().size()))
                    .as("presence seen by %s after %s", p.nick, restart)
                    .noneMatch(x -> x.getType() == Presence.Type.unavailable)
                    .noneMatch(x -> nicks.stream().anyMatch(n -> x.getFrom().toString().endsWith("/" + n)
                            && x.toXML().toString().contains("code=\"110\"")));
        }
        // Only the restore probe (asking whether the conference is still there) may reach the SFU.
        List<ConferenceModify> after = logic.requests.subList(requests, logic.requests.size());
        assertThat(after).as("COLIBRI2 after %s", restart)
                .allMatch(cm -> !cm.create() && !cm.expire() && cm.endpoints().isEmpty() && cm.relays().isEmpty());
        assertThat(logic.byRoom(room).meetingId).isEqualTo(meetingId);
        assertThat(logic.endpoints(room)).isEqualTo(Set.copyOf(nicks));
    }
}
