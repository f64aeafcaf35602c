package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.jivesoftware.smack.filter.MessageTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.impl.JidCreate;
import org.parley.it.sfu.ComponentSfu;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.testkit.FreePorts;

/**
 * Focus persistence (issue 8) black-box, the failures beyond a restart: two Parley nodes on one PostgreSQL where the
 * owner of a conference is killed and the standby takes it over; and a PostgreSQL of the test's own stopped for 30 s
 * under a node with live conferences. Child processes ({@link ChildParley}), a component SFU ({@link ComponentSfu})
 * and Smack participants, all on loopback.
 */
@ExtendWith(ParleyServer.class)
class FocusFailoverTest {
    /**
     * Short leases so that "taken over within 10 s" holds by design: a dead owner's lease runs out after at most 4 s,
     * the standby looks every second, then re-joins the room and probes the SFU. Renewing every second leaves a live
     * owner three chances per lease on a busy machine.
     */
    private static final String FAST_TAKEOVER = """
            parley.focus.persistence { lease = 4s, renew-interval = 1s, takeover-interval = 1s }
            """;

    private final Closer closing = new Closer();

    @AfterEach
    void close() {
        closing.closeAll();
    }

    private <T extends AutoCloseable> T closing(T c) {
        synchronized (closing) {
            closing.add(c);
        }
        return c;
    }

    /** Connects a component stream for {@code logic} to {@code child} and waits for the focus's first health check. */
    private ComponentSfu sfu(ChildParley child, SfuLogic logic) throws Exception {
        ComponentSfu sfu = closing(ComponentSfu.connect(child.componentPort(), "sfu1.localhost", ChildParley.SFU_SECRET, 0.1, logic, false));
        await().atMost(Duration.ofSeconds(15)).until(() -> sfu.received.stream().anyMatch(x -> x.contains("healthcheck")));
        return sfu;
    }

    private TestParticipant participant(Clients clients, String room, String nick) throws Exception {
        return closing(TestParticipant.connect(clients, room, nick, false)).join();
    }

    private static String room() {
        return "ha-" + UUID.randomUUID().toString().substring(0, 8) + "@conference.localhost";
    }

    private static String leaseOwner(String jdbcUrl, String room) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
             PreparedStatement ps = c.prepareStatement("SELECT owner FROM focus_leases WHERE room = ?")) {
            ps.setString(1, room);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static long leaseExpiry(String jdbcUrl, String room) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
             PreparedStatement ps = c.prepareStatement("SELECT expires FROM focus_leases WHERE room = ?")) {
            ps.setString(1, room);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /** Endpoint ids of the stored participants of {@code room} that have a Jingle session. */
    private static Set<String> storedParticipants(String jdbcUrl, String room) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
             PreparedStatement ps = c.prepareStatement("SELECT endpoint_id FROM focus_participants WHERE room = ? AND sid IS NOT NULL")) {
            ps.setString(1, room);
            Set<String> out = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }

    /** Whether every endpoint of the SFU conference of {@code room} has sent its sources (all sessions accepted). */
    private static boolean allAccepted(SfuLogic logic, String room, int n) {
        SfuLogic.Conf c = logic.byRoom(room);
        return c != null && c.endpoints.size() == n && c.endpoints.values().stream().allMatch(e -> e.sources != null);
    }

    @Test
    void theStandbyTakesOverWithin10SecondsWhenTheOwnerIsKilled() throws Exception {
        ChildParley a = closing(ChildParley.create("node-a").extraConfig(FAST_TAKEOVER));
        a.start();
        // Started after the first node has migrated the schema: both would run Flyway on the same database otherwise.
        ChildParley b = closing(ChildParley.onDatabase(a.jdbcUrl(), "node-b").extraConfig(FAST_TAKEOVER));
        b.start();
        // One SFU with a component stream to each node, as jitsi-videobridge keeps one XMPP connection per node.
        SfuLogic logic = new SfuLogic("ha");
        sfu(a, logic);
        sfu(b, logic);

        String room = room();
        List<String> nicks = List.of("haa111", "hab222", "hac333");
        Clients onA = closing(a.clients());
        List<TestParticipant> ps = new ArrayList<>();
        for (String n : nicks) ps.add(participant(onA, room, n));
        await().atMost(Duration.ofSeconds(20)).until(() -> ps.stream().allMatch(p -> p.sid() != null) && allAccepted(logic, room, 3));
        FocusTest.everyoneSeesEveryone(ps);
        String meetingId = logic.byRoom(room).meetingId;
        await().atMost(Duration.ofSeconds(10)).until(() -> storedParticipants(a.jdbcUrl(), room).equals(Set.copyOf(nicks)));
        Map<String, String> oldSids = new HashMap<>();
        for (TestParticipant p : ps) oldSids.put(p.nick, p.sid());

        // While the owner lives, the standby leaves its conference alone for longer than a lease: a conference request
        // for the room at the standby is answered "not ready" (lib-jitsi-meet asks again later), the lease stays with
        // the owner, and the SFU hears nothing about the conference.
        Clients onB = closing(b.clients());
        TestParticipant asker = closing(TestParticipant.connect(onB, room, "haasker", false));
        int requestsBefore = logic.requests.size();
        long watchUntil = System.currentTimeMillis() + 6_000;
        while (System.currentTimeMillis() < watchUntil) {
            assertThat(leaseOwner(a.jdbcUrl(), room)).isEqualTo("node-a");
            assertThat(asker.requestConference().ready()).as("the standby's answer while the owner lives").isFalse();
            Thread.sleep(200);
        }
        assertThat(logic.requests).hasSize(requestsBefore);
        assertThat(b.log()).noneMatch(l -> l.contains("took over"));

        int mark = logic.requests.size();
        long killed = System.nanoTime();
        a.kill();
        long[] leaseAt = {0};
        long[] probedAt = {0};
        long[] readyAt = {0};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (leaseAt[0] == 0 && "node-b".equals(leaseOwner(a.jdbcUrl(), room))) leaseAt[0] = System.nanoTime();
            if (probedAt[0] == 0 && logic.requests.subList(mark, logic.requests.size()).stream().anyMatch(cm -> isProbe(cm, meetingId))) {
                probedAt[0] = System.nanoTime();
            }
            // Answered "ready" only once the standby's focus is back in the room and the SFU has confirmed the conference.
            if (readyAt[0] == 0 && Boolean.TRUE.equals(asker.requestConference().ready())) readyAt[0] = System.nanoTime();
            return leaseAt[0] != 0 && probedAt[0] != 0 && readyAt[0] != 0;
        });
        long live = Math.max(leaseAt[0], Math.max(probedAt[0], readyAt[0]));
        long takeoverMillis = (live - killed) / 1_000_000;

        // lib-jitsi-meet after a lost connection, sent to the surviving node: a new connection, the conference request,
        // the same nick in the room.
        long rejoinStart = System.nanoTime();
        List<TestParticipant> back = new ArrayList<>();
        for (String n : nicks) back.add(participant(onB, room, n));
        long rejoined = System.nanoTime();
        await().atMost(Duration.ofSeconds(15)).until(() -> back.stream().allMatch(p -> p.sid() != null
                && !p.sid().equals(oldSids.get(p.nick))) && logic.endpoints(room).equals(Set.copyOf(nicks)));
        long inSessions = System.nanoTime();
        System.out.printf("two nodes: owner killed; standby holds the lease %d ms, probed the SFU conference %d ms, answers "
                        + "the room ready %d ms after the kill; 3 participants back in sessions %d ms after their rejoin "
                        + "(%d ms after the kill, rejoins took %d ms)%n",
                (leaseAt[0] - killed) / 1_000_000, (probedAt[0] - killed) / 1_000_000, (readyAt[0] - killed) / 1_000_000,
                (inSessions - rejoined) / 1_000_000, (inSessions - killed) / 1_000_000, (rejoined - rejoinStart) / 1_000_000);
        assertThat(takeoverMillis).as("kill to the standby running the conference, ms").isLessThan(10_000);

        // The same COLIBRI2 conference: never created again, no conference_already_exists, no stray endpoints.
        assertThat(logic.conferences()).hasSize(1);
        assertThat(logic.byRoom(room).meetingId).isEqualTo(meetingId);
        assertThat(logic.everCreated).containsExactly(meetingId);
        assertThat(logic.errors).noneMatch(e -> e.contains("conference_already_exists"));
        assertThat(logic.requests.subList(mark, logic.requests.size())).noneMatch(cm -> cm.create());
        for (TestParticipant p : back) {
            assertThat(p.seesFocusAs(ParleyServer.FOCUS_JID)).as(p.nick + " sees the focus in the standby's room").isTrue();
            assertThat(p.lastOffer().bridgeSession()).isNotNull();
            assertThat(p.lastOffer().content("audio").transport().ufrag()).startsWith("ha-");
        }
        FocusTest.everyoneSeesEveryone(back);
        await().atMost(Duration.ofSeconds(10)).until(() -> allAccepted(logic, room, 3));

        // A fourth participant joins as usual.
        TestParticipant d = participant(onB, room, "had444");
        List<TestParticipant> all = new ArrayList<>(back);
        all.add(d);
        await().atMost(Duration.ofSeconds(10)).until(() -> d.sid() != null && allAccepted(logic, room, 4));
        FocusTest.everyoneSeesEveryone(all);
        assertThat(logic.conferences()).hasSize(1);
        assertThat(logic.everCreated).containsExactly(meetingId);
        assertThat(logic.endpoints(room)).containsExactlyInAnyOrder("haa111", "hab222", "hac333", "had444");
        await().atMost(Duration.ofSeconds(10)).until(() -> storedParticipants(a.jdbcUrl(), room)
                .equals(Set.of("haa111", "hab222", "hac333", "had444")));
        assertThat(leaseOwner(a.jdbcUrl(), room)).isEqualTo("node-b");
        assertThat(b.alive()).isTrue();
    }

    /** The restore probe: a conference-modify for the meeting that creates nothing and names no endpoint or relay. */
    private static boolean isProbe(ConferenceModify cm, String meetingId) {
        return meetingId.equals(cm.meetingId()) && !cm.create() && !cm.expire() && cm.endpoints().isEmpty() && cm.relays().isEmpty();
    }

    @Test
    void conferencesGoOnThroughA30SecondDatabaseOutageAndTheStateIsWrittenWhenItReturns() throws Exception {
        // A PostgreSQL of this test's own (every other test shares ParleyServer's): stopped and started again on the
        // same data directory and port, as an operator restarting the database would.
        Path pgDir = Files.createTempDirectory("parley-pg-outage");
        int pgPort = FreePorts.take(1)[0];
        EmbeddedPostgres[] pg = {startPostgres(pgDir, pgPort)};
        closing.add(() -> {
            pg[0].close();
            try (Stream<Path> walk = Files.walk(pgDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        });
        String jdbcUrl = pg[0].getJdbcUrl("postgres", "postgres");
        int adminPort = FreePorts.take(1)[0];
        ChildParley child = closing(ChildParley.onDatabase(jdbcUrl, "outage-node")
                .extraConfig("parley.admin { enabled = true, bind = \"127.0.0.1\", port = " + adminPort + " }\n"));
        child.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        SfuLogic logic = new SfuLogic("outage");
        sfu(child, logic);

        String room = room();
        Clients clients = closing(child.clients());
        TestParticipant p1 = participant(clients, room, "oua111");
        TestParticipant p2 = participant(clients, room, "oub222");
        TestParticipant p3 = participant(clients, room, "ouc333");
        await().atMost(Duration.ofSeconds(20)).until(() -> allAccepted(logic, room, 3));
        FocusTest.everyoneSeesEveryone(List.of(p1, p2, p3));
        await().atMost(Duration.ofSeconds(10)).until(() -> storedParticipants(jdbcUrl, room).equals(Set.of("oua111", "oub222", "ouc333")));
        List<String> heard = new CopyOnWriteArrayList<>();
        p2.connection.addAsyncStanzaListener(s -> {
            Message m = (Message) s;
            if (m.getBody() != null) heard.add(m.getBody());
        }, MessageTypeFilter.GROUPCHAT);

        long stopped = System.nanoTime();
        pg[0].close();
        long outageEnd = stopped + 30_000_000_000L;

        // During the outage: one leaves, one joins and gets a session, chat goes on, and a conference that did not
        // exist before starts.
        p3.leave();
        await().atMost(Duration.ofSeconds(10)).until(() -> logic.endpoints(room).equals(Set.of("oua111", "oub222")));
        TestParticipant p4 = participant(clients, room, "oud444");
        await().atMost(Duration.ofSeconds(15)).until(() -> p4.sid() != null && allAccepted(logic, room, 3));
        FocusTest.everyoneSeesEveryone(List.of(p1, p2, p4));
        p1.connection.sendStanza(p1.connection.getStanzaFactory().buildMessageStanza().to(JidCreate.entityBareFrom(room))
                .ofType(Message.Type.groupchat).setBody("still here").build());
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains("still here"));
        String room2 = room();
        TestParticipant q1 = participant(clients, room2, "oue555");
        TestParticipant q2 = participant(clients, room2, "ouf666");
        await().atMost(Duration.ofSeconds(20)).until(() -> q1.sid() != null && q2.sid() != null && allAccepted(logic, room2, 2));
        long changesDone = System.nanoTime();
        assertThat(changesDone).as("the changes were made while the database was away").isLessThan(outageEnd);
        int healthChecks = 0;
        while (System.nanoTime() < outageEnd) {
            assertThat(child.alive()).as("the server process is running").isTrue();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).as("/health during the outage: " + health.body()).isEqualTo(200);
            healthChecks++;
            Thread.sleep(Math.max(0, Math.min(2_000, (outageEnd - System.nanoTime()) / 1_000_000)));
        }
        assertThat(child.alive()).isTrue();
        assertThat(storedParticipantsOrNull(jdbcUrl, room)).as("the database is really away").isNull();

        pg[0] = startPostgres(pgDir, pgPort);
        long back = System.nanoTime();
        long backEpoch = System.currentTimeMillis();
        long[] room1At = {0};
        long[] room2At = {0};
        long[] leaseAt = {0};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (room1At[0] == 0 && storedParticipants(jdbcUrl, room).equals(Set.of("oua111", "oub222", "oud444"))) room1At[0] = System.nanoTime();
            if (room2At[0] == 0 && storedParticipants(jdbcUrl, room2).equals(Set.of("oue555", "ouf666"))) room2At[0] = System.nanoTime();
            if (leaseAt[0] == 0 && leaseExpiry(jdbcUrl, room) > backEpoch && leaseExpiry(jdbcUrl, room2) > backEpoch) leaseAt[0] = System.nanoTime();
            return room1At[0] != 0 && room2At[0] != 0 && leaseAt[0] != 0;
        });
        assertThat(leaseOwner(jdbcUrl, room)).isEqualTo("outage-node");
        assertThat(leaseOwner(jdbcUrl, room2)).isEqualTo("outage-node");
        // The SFU's stored endpoints and the conferences' are the same ones the live SFU holds.
        assertThat(storedParticipants(jdbcUrl, room)).isEqualTo(logic.endpoints(room));
        // Back to normal: a change after the return is written at once.
        long joinAt = System.nanoTime();
        TestParticipant q3 = participant(clients, room2, "oug777");
        await().atMost(Duration.ofSeconds(15)).until(() -> q3.sid() != null
                && storedParticipants(jdbcUrl, room2).equals(Set.of("oue555", "ouf666", "oug777")));
        long joinWritten = System.nanoTime();
        System.out.printf("database outage of %d ms (%d /health checks, all 200): changes during it written %d ms (room 1: "
                        + "leave + join) and %d ms (room 2: new conference), leases renewed %d ms after the database returned; "
                        + "a join after the return in sessions and written in %d ms%n",
                (back - stopped) / 1_000_000, healthChecks, (room1At[0] - back) / 1_000_000, (room2At[0] - back) / 1_000_000,
                (leaseAt[0] - back) / 1_000_000, (joinWritten - joinAt) / 1_000_000);
        for (String line : child.log()) if (line.contains("focus state") || line.contains("lease unknown")) System.out.println("  " + line);
        assertThat(child.alive()).isTrue();
    }

    @Test
    void aDatabaseOutageLongerThanTheLeaseDoesNotHandALiveOwnersConferenceToTheStandby() throws Exception {
        Path pgDir = Files.createTempDirectory("parley-pg-split");
        int pgPort = FreePorts.take(1)[0];
        EmbeddedPostgres[] pg = {startPostgres(pgDir, pgPort)};
        closing.add(() -> {
            pg[0].close();
            try (Stream<Path> walk = Files.walk(pgDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        });
        String jdbcUrl = pg[0].getJdbcUrl("postgres", "postgres");
        ChildParley a = closing(ChildParley.onDatabase(jdbcUrl, "split-a").extraConfig(FAST_TAKEOVER));
        a.start();
        ChildParley b = closing(ChildParley.onDatabase(jdbcUrl, "split-b").extraConfig(FAST_TAKEOVER));
        b.start();
        SfuLogic logic = new SfuLogic("split");
        sfu(a, logic);
        sfu(b, logic);
        String room = room();
        Clients onA = closing(a.clients());
        TestParticipant p1 = participant(onA, room, "spa111");
        TestParticipant p2 = participant(onA, room, "spb222");
        await().atMost(Duration.ofSeconds(20)).until(() -> p1.sid() != null && p2.sid() != null && allAccepted(logic, room, 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> storedParticipants(jdbcUrl, room).equals(Set.of("spa111", "spb222")));

        // Twice the lease: every lease in the database has run out by the time it returns, though its owner lives.
        pg[0].close();
        Thread.sleep(8_000);
        pg[0] = startPostgres(pgDir, pgPort);
        long back = System.currentTimeMillis();
        // The owner renews; the standby, which could not reach the database either, waits a lease before it trusts
        // what it reads there. Watched for two leases.
        await().atMost(Duration.ofSeconds(20)).until(() -> leaseExpiry(jdbcUrl, room) > back);
        long watchUntil = System.currentTimeMillis() + 8_000;
        while (System.currentTimeMillis() < watchUntil) {
            assertThat(leaseOwner(jdbcUrl, room)).isEqualTo("split-a");
            Thread.sleep(200);
        }
        assertThat(b.log()).noneMatch(l -> l.contains("took over"));
        assertThat(a.log()).noneMatch(l -> l.contains("owned by another node") || l.contains("taken over by another node"));
        // The conference goes on at its owner, and is written there.
        TestParticipant p3 = participant(onA, room, "spc333");
        await().atMost(Duration.ofSeconds(15)).until(() -> p3.sid() != null && allAccepted(logic, room, 3));
        FocusTest.everyoneSeesEveryone(List.of(p1, p2, p3));
        await().atMost(Duration.ofSeconds(10)).until(() -> storedParticipants(jdbcUrl, room).equals(Set.of("spa111", "spb222", "spc333")));
        assertThat(logic.conferences()).hasSize(1);
    }

    /** The stored participants, or null when the database cannot be reached. */
    private static Set<String> storedParticipantsOrNull(String jdbcUrl, String room) {
        try {
            return storedParticipants(jdbcUrl, room);
        } catch (Exception e) {
            return null;
        }
    }

    private static EmbeddedPostgres startPostgres(Path dir, int port) throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port).start();
    }
}
