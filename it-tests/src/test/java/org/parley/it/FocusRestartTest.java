package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.it.sfu.ComponentSfu;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;

/**
 * Focus persistence (issue 8) black-box: a Parley server as a child process on PostgreSQL, killed as by
 * {@code kill -9} and started again on the same database; component SFUs that outlive it and reconnect their streams.
 */
@ExtendWith(ParleyServer.class)
class FocusRestartTest {
    private final Closer closing = new Closer();

    @AfterEach
    void close() {
        closing.closeAll();
    }

    private ChildParley child(String node) throws Exception {
        ChildParley c = ChildParley.create(node);
        closing.add(c);
        c.start();
        return c;
    }

    private Clients clients(ChildParley child) {
        Clients c = child.clients();
        closing.add(c);
        return c;
    }

    /** Connects (retrying while the new process gets ready) an SFU stream carrying {@code logic}, waits for its first health check. */
    private ComponentSfu sfu(ChildParley child, String domain, double stress, SfuLogic logic, boolean silent) throws Exception {
        ComponentSfu sfu = ComponentSfu.connectRetrying(child.componentPort(), domain, ChildParley.SFU_SECRET, stress, logic, silent);
        closing.add(sfu);
        return sfu;
    }

    private TestParticipant participant(Clients clients, String room, String nick) throws Exception {
        TestParticipant p = TestParticipant.connect(clients, room, nick, false);
        closing.add(p);
        return p.join();
    }

    private static String room() {
        return "rs-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
    }

    private static long count(ChildParley child, String sql, String arg) throws Exception {
        try (Connection c = child.jdbc(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void killDuringAThreeParticipantConferenceResumesOnTheSameSfuConference() throws Exception {
        ChildParley child = child("restart-node");
        SfuLogic logic = new SfuLogic("restart");
        sfu(child, "sfu1.localhost", 0.1, logic, false);
        String room = room();
        List<String> nicks = List.of("rsa111", "rsb222", "rsc333");
        Clients before = clients(child);
        List<TestParticipant> ps = new ArrayList<>();
        for (String n : nicks) ps.add(participant(before, room, n));
        await().atMost(Duration.ofSeconds(15)).until(() -> ps.stream().allMatch(p -> p.sid() != null)
                && logic.byRoom(room) != null && logic.byRoom(room).endpoints.values().stream().filter(e -> e.sources != null).count() == 3);
        FocusTest.everyoneSeesEveryone(ps);
        String meetingId = logic.byRoom(room).meetingId;
        // What a crash could hit: the state after the three sessions, written.
        await().atMost(Duration.ofSeconds(10)).until(() -> count(child,
                "SELECT count(*) FROM focus_participants WHERE room = ? AND sid IS NOT NULL", room) == 3);
        Map<String, String> oldSids = new HashMap<>();
        for (TestParticipant p : ps) oldSids.put(p.nick, p.sid());
        int requestsBefore = logic.requests.size();

        long killed = System.nanoTime();
        child.kill();
        child.start();
        long started = System.nanoTime();
        sfu(child, "sfu1.localhost", 0.1, logic, false);
        // lib-jitsi-meet after a lost connection: a new connection, the conference request, the same nick in the room.
        Clients after = clients(child);
        List<TestParticipant> back = new ArrayList<>();
        for (String n : nicks) back.add(participant(after, room, n));
        long returned = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> back.stream().allMatch(p -> p.sid() != null
                && !p.sid().equals(oldSids.get(p.nick))) && logic.endpoints(room).equals(Set.copyOf(nicks)));
        long resumed = System.nanoTime();
        System.out.printf("restart: process up %d ms after kill -9; 3 participants back in sessions %d ms after their rejoin "
                + "(%d ms after kill)%n", (started - killed) / 1_000_000, (resumed - returned) / 1_000_000, (resumed - killed) / 1_000_000);

        // The same COLIBRI2 conference: never created again, no conference_already_exists, no stray endpoints.
        assertThat(logic.conferences()).hasSize(1);
        assertThat(logic.byRoom(room).meetingId).isEqualTo(meetingId);
        assertThat(logic.everCreated).containsExactly(meetingId);
        assertThat(logic.errors).noneMatch(e -> e.contains("conference_already_exists"));
        assertThat(logic.requests.subList(requestsBefore, logic.requests.size())).noneMatch(cm -> cm.create());
        for (TestParticipant p : back) {
            assertThat(p.lastOffer().bridgeSession()).isNotNull();
            assertThat(p.lastOffer().content("audio").transport().ufrag()).startsWith("restart");
        }
        FocusTest.everyoneSeesEveryone(back);
        await().atMost(Duration.ofSeconds(10)).until(() -> logic.byRoom(room).endpoints.values().stream()
                .allMatch(e -> e.sources != null && e.sources.toString().contains(e.id + "-a0")));

        // A fourth participant joins as usual.
        TestParticipant d = participant(after, room, "rsd444");
        List<TestParticipant> all = new ArrayList<>(back);
        all.add(d);
        await().atMost(Duration.ofSeconds(10)).until(() -> d.sid() != null && logic.endpoints(room).size() == 4);
        FocusTest.everyoneSeesEveryone(all);
        assertThat(logic.conferences()).hasSize(1);
        assertThat(logic.byRoom(room).meetingId).isEqualTo(meetingId);
    }

    @Test
    void afterARestartNewConferencesGoToTheLeastLoadedSfuByPersistedStats() throws Exception {
        ChildParley child = child("balance-node");
        SfuLogic one = new SfuLogic("one");
        SfuLogic two = new SfuLogic("two");
        ComponentSfu sfu1 = sfu(child, "sfu1.localhost", 0.1, one, false);
        sfu(child, "sfu2.localhost", 0.5, two, false);
        Clients before = clients(child);
        String r0 = room();
        participant(before, r0, "lba");
        participant(before, r0, "lbb");
        await().atMost(Duration.ofSeconds(10)).until(() -> one.endpoints(r0).size() == 2);
        // sfu1 becomes the loaded one; that report is what the database keeps.
        sfu1.stress(0.9);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(child,
                "SELECT count(*) FROM focus_bridges WHERE jid = ? AND stats LIKE '%0.9%'", "sfu1.localhost") == 1);

        child.kill();
        child.start();
        // Both SFUs are back on their streams but report no stats: only the persisted ones can guide the choice.
        sfu(child, "sfu1.localhost", 0.9, one, true);
        sfu(child, "sfu2.localhost", 0.5, two, true);
        Clients after = clients(child);
        String r1 = room();
        participant(after, r1, "lbc");
        participant(after, r1, "lbd");
        await().atMost(Duration.ofSeconds(10)).until(() -> two.endpoints(r1).size() == 2);
        assertThat(one.byRoom(r1)).isNull();
    }

    /**
     * Measure (issue 8): database transactions and participant rows the focus writes per participant join, on the
     * shared server's PostgreSQL, from {@code FocusStateWriter}'s counters: a conference of two, then five more
     * participants one after the other, each counted from its join until its session is accepted and everything is
     * written. Prints the figures; fails only if a join costs more than a handful of transactions.
     */
    @Test
    void databaseWritesPerParticipantJoin() throws Exception {
        var writer = ParleyServer.get().parley().focus().stateWriter();
        assertThat(writer).isNotNull();
        SfuLogic logic = new SfuLogic("component");
        ComponentSfu sfu = ComponentSfu.connect(ParleyServer.get().componentPort(), "sfu.localhost", "sfu-secret", 0.05, logic, false);
        closing.add(sfu);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var b = ParleyServer.get().parley().focus().focus().bridges().get(new org.xmpp.packet.JID("sfu.localhost"));
            return b != null && b.failure() == null;
        });
        Clients clients = new Clients();
        closing.add(clients);
        String room = room();
        participant(clients, room, "wja");
        participant(clients, room, "wjb");
        await().atMost(Duration.ofSeconds(10)).until(() -> logic.byRoom(room) != null
                && logic.byRoom(room).endpoints.values().stream().filter(e -> e.sources != null).count() == 2);
        settle(writer);
        int joins = 5;
        long t0 = writer.transactions();
        long r0 = writer.participantRows();
        for (int i = 0; i < joins; i++) {
            String nick = "wj" + i + "x";
            TestParticipant p = participant(clients, room, nick);
            await().atMost(Duration.ofSeconds(10)).until(() -> p.sid() != null && logic.byRoom(room).endpoints.get(nick) != null
                    && logic.byRoom(room).endpoints.get(nick).sources != null);
            settle(writer);
        }
        double tx = (writer.transactions() - t0) / (double) joins;
        double rows = (writer.participantRows() - r0) / (double) joins;
        System.out.printf("focus persistence: %.1f transactions and %.1f participant rows written per participant join "
                + "(%d joins into a conference of 2..%d)%n", tx, rows, joins, 2 + joins);
        assertThat(tx).isLessThanOrEqualTo(4.0);
    }

    /** Waits until the writer has nothing pending and its counters stay put for half a second. */
    private static void settle(org.parley.focus.state.FocusStateWriter writer) {
        long[] last = {-1};
        long[] since = {System.nanoTime()};
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            long t = writer.transactions();
            if (t != last[0] || writer.dirty() > 0) {
                last[0] = t;
                since[0] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - since[0] > 500_000_000L;
        });
    }

    /**
     * Measure (issue 8): {@code -Dparley.restart.conferences=100} for the figure; 5 in the normal run. N live conferences of two participants on
     * one component SFU, kill -9, restart; every participant reconnects and rejoins at once (16 at a time). Prints the
     * time from the kill (and from the new process accepting connections) until every participant has a new session on
     * the SFU conference it had.
     */
    @Test
    void restartToFullServiceWithManyConferences() throws Exception {
        int n = Integer.getInteger("parley.restart.conferences", 5);
        ChildParley child = child("many-node");
        SfuLogic logic = new SfuLogic("many");
        sfu(child, "sfu1.localhost", 0.1, logic, false);
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < n; i++) rooms.add(room());
        var pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            Clients before = clients(child);
            List<TestParticipant> ps = joinAll(pool, before, rooms);
            await().atMost(Duration.ofSeconds(120)).until(() -> ps.stream().allMatch(p -> p.sid() != null)
                    && rooms.stream().allMatch(r -> logic.endpoints(r).size() == 2));
            await().atMost(Duration.ofSeconds(60)).until(() -> count(child,
                    "SELECT count(*) FROM focus_participants WHERE sid IS NOT NULL AND room <> ?", "") == 2L * n);
            Map<String, String> meeting = new HashMap<>();
            for (String r : rooms) meeting.put(r, logic.byRoom(r).meetingId);
            long killed = System.nanoTime();
            child.kill();
            child.start();
            long up = System.nanoTime();
            sfu(child, "sfu1.localhost", 0.1, logic, false);
            Clients after = clients(child);
            List<TestParticipant> back = joinAll(pool, after, rooms);
            long rejoined = System.nanoTime();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> back.stream().allMatch(p -> p.sid() != null));
            long done = System.nanoTime();
            System.out.printf("restart with %d live conferences (%d participants): process accepting %d ms after kill -9; "
                    + "all rejoined (connect+login+conference request+join) %d ms after kill; all in sessions %d ms after kill, "
                    + "%d ms after the process accepted connections, %d ms after the last rejoin%n", n, 2 * n,
                    (up - killed) / 1_000_000, (rejoined - killed) / 1_000_000, (done - killed) / 1_000_000,
                    (done - up) / 1_000_000, (done - rejoined) / 1_000_000);
            for (String line : child.logTail().split("\n")) if (line.contains("focus state:")) System.out.println("  " + line);
            for (String r : rooms) assertThat(logic.byRoom(r).meetingId).isEqualTo(meeting.get(r));
            assertThat(logic.errors).noneMatch(e -> e.contains("conference_already_exists"));
        } finally {
            pool.shutdownNow();
        }
    }

    private List<TestParticipant> joinAll(java.util.concurrent.ExecutorService pool, Clients clients, List<String> rooms) throws Exception {
        List<java.util.concurrent.Future<TestParticipant>> fs = new ArrayList<>();
        for (int i = 0; i < rooms.size(); i++) {
            for (int k = 0; k < 2; k++) {
                String r = rooms.get(i);
                String nick = "m" + i + "n" + k;
                fs.add(pool.submit(() -> {
                    TestParticipant p = TestParticipant.connect(clients, r, nick, false);
                    synchronized (closing) {
                        closing.add(p);
                    }
                    return p.join();
                }));
            }
        }
        List<TestParticipant> out = new ArrayList<>();
        for (var f : fs) out.add(f.get(120, java.util.concurrent.TimeUnit.SECONDS));
        return out;
    }
}
