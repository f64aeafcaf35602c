package org.parley.focus.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.focus.source.EndpointSources;
import org.parley.storage.FocusStateRepository;
import org.parley.storage.StorageException;
import org.parley.storage.StoredBridge;
import org.parley.storage.StoredConference;
import org.parley.storage.StoredParticipant;

class FocusStateWriterTest {
    /** A repository whose writes complete when the test says so, and fail while it is "down". */
    static final class FakeRepo implements FocusStateRepository {
        record Save(StoredConference conference, List<StoredParticipant> upserts, List<String> removed) {}
        final List<Save> saves = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Boolean>> pending = new CopyOnWriteArrayList<>();
        final AtomicBoolean down = new AtomicBoolean();
        volatile boolean hold;

        @Override public CompletableFuture<Boolean> saveConference(String node, long until, long now, StoredConference c,
                                                                  List<StoredParticipant> upserts, List<String> removed) {
            if (down.get()) return CompletableFuture.failedFuture(new StorageException("down"));
            saves.add(new Save(c, upserts, removed));
            CompletableFuture<Boolean> f = new CompletableFuture<>();
            if (hold) pending.add(f);
            else f.complete(true);
            return f;
        }
        @Override public CompletableFuture<Void> saveBridge(StoredBridge b) { return CompletableFuture.completedFuture(null); }
        @Override public CompletableFuture<Boolean> deleteBridge(String jid) { return CompletableFuture.completedFuture(true); }
        @Override public CompletableFuture<Boolean> setBridgeAdminDrain(String jid, boolean drain) { return CompletableFuture.completedFuture(true); }
        @Override public CompletableFuture<List<StoredBridge>> bridges() { return CompletableFuture.completedFuture(List.of()); }
        @Override public CompletableFuture<Boolean> deleteConference(String node, String room) { return CompletableFuture.completedFuture(true); }
        @Override public CompletableFuture<List<StoredConference>> claimConferences(String n, long u, long now) { return CompletableFuture.completedFuture(List.of()); }
        @Override public CompletableFuture<List<StoredConference>> claimExpiredConferences(String n, long u, long now) { return CompletableFuture.completedFuture(List.of()); }
        /** Renewals complete this much later (a database that makes callers wait for a connection). */
        volatile long renewDelayMillis;
        /** Renewals never complete (a database that hangs). */
        volatile boolean renewHangs;

        @Override public CompletableFuture<Integer> renewLeases(String node, long until) {
            if (down.get()) return CompletableFuture.failedFuture(new StorageException("down"));
            if (renewHangs) return new CompletableFuture<>();
            if (renewDelayMillis > 0) {
                return CompletableFuture.supplyAsync(() -> 0,
                        CompletableFuture.delayedExecutor(renewDelayMillis, java.util.concurrent.TimeUnit.MILLISECONDS));
            }
            return CompletableFuture.completedFuture(0);
        }
        @Override public CompletableFuture<Integer> releaseLeases(String node) { return CompletableFuture.completedFuture(0); }
        @Override public CompletableFuture<Lease> lease(String room) { return CompletableFuture.completedFuture(null); }
    }

    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final FakeRepo repo = new FakeRepo();
    final FocusStateWriter writer = new FocusStateWriter(repo, "n1", 15_000, 5_000, 50, 1000, timer);

    @AfterEach
    void stop() {
        writer.close();
        timer.shutdownNow();
    }

    static ParticipantRecord p(String nick, String state) {
        return new ParticipantRecord(nick, "r@c/" + nick, null, null, null, "jvb", "sid-" + nick, null, state, EndpointSources.EMPTY, List.of());
    }

    static ConferenceRecord conf(ParticipantRecord... ps) {
        return new ConferenceRecord("r@c", "m1", "RUNNING", List.of(), List.of(ps));
    }

    @Test
    void onlyTheLatestRecordIsWrittenAndOnlyChangedParticipants() throws Exception {
        repo.hold = true;
        writer.conferenceChanged(conf(p("a", "OFFERED")));
        // While the first write is in flight, three more changes: only the last is written next.
        writer.conferenceChanged(conf(p("a", "OFFERED"), p("b", "ALLOCATING")));
        writer.conferenceChanged(conf(p("a", "ACTIVE"), p("b", "OFFERED")));
        writer.conferenceChanged(conf(p("a", "ACTIVE"), p("c", "OFFERED")));
        assertThat(repo.saves).hasSize(1);
        repo.hold = false;
        repo.pending.get(0).complete(true);
        assertThat(writer.awaitIdle(2000)).isTrue();
        assertThat(repo.saves).hasSize(2);
        var second = repo.saves.get(1);
        assertThat(second.upserts()).extracting(StoredParticipant::endpointId).containsExactlyInAnyOrder("a", "c");
        // An unchanged participant is not written again; a removed one is deleted.
        writer.conferenceChanged(conf(p("a", "ACTIVE")));
        assertThat(writer.awaitIdle(2000)).isTrue();
        assertThat(repo.saves.get(2).upserts()).isEmpty();
        assertThat(repo.saves.get(2).removed()).containsExactly("c");
    }

    /** Polls {@code condition} every 10 ms for up to {@code millis}; returns how long it took, or -1. */
    private static long within(long millis, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long start = System.currentTimeMillis();
        while (System.currentTimeMillis() - start < millis) {
            if (condition.getAsBoolean()) return System.currentTimeMillis() - start;
            Thread.sleep(10);
        }
        return condition.getAsBoolean() ? System.currentTimeMillis() - start : -1;
    }

    @Test
    void aNodeTakesOverOnlyAfterALeaseOfPromptRenewalsOfItsOwn() throws Exception {
        long lease = 600;
        long renew = 100;
        FakeRepo r = new FakeRepo();
        FocusStateWriter w = new FocusStateWriter(r, "n2", lease, renew, 50, 1000, timer);
        try {
            long started = System.currentTimeMillis();
            assertThat(w.mayTakeOver(started)).as("before any renewal").isFalse();
            assertThat(within(5000, () -> w.mayTakeOver(System.currentTimeMillis()))).isNotNegative();
            assertThat(System.currentTimeMillis() - started).isGreaterThanOrEqualTo(lease + renew);

            // The database goes away: no takeover while it is, nor for a lease after it returns (other nodes' leases
            // ran out meanwhile through no fault of theirs).
            r.down.set(true);
            assertThat(within(2000, () -> !w.mayTakeOver(System.currentTimeMillis()))).isNotNegative();
            Thread.sleep(2 * lease);
            assertThat(w.mayTakeOver(System.currentTimeMillis())).isFalse();
            r.down.set(false);
            long back = System.currentTimeMillis();
            assertThat(within(5000, () -> w.mayTakeOver(System.currentTimeMillis()))).isNotNegative();
            assertThat(System.currentTimeMillis() - back).isGreaterThanOrEqualTo(lease);

            // A database that hangs: renewals stop coming back, and the node stops taking over within 1.5 renewals,
            // and starts again only a lease after they come back promptly.
            r.renewHangs = true;
            assertThat(within(2000, () -> !w.mayTakeOver(System.currentTimeMillis()))).isNotNegative();
            Thread.sleep(4 * renew);
            r.renewHangs = false;
            long unhung = System.currentTimeMillis();
            assertThat(within(5000, () -> w.mayTakeOver(System.currentTimeMillis()))).isNotNegative();
            assertThat(System.currentTimeMillis() - unhung).isGreaterThanOrEqualTo(lease);

            // Renewals that succeed, but only after waiting longer than a renew interval, count as an outage too.
            r.renewDelayMillis = 3 * renew;
            assertThat(within(2000, () -> !w.mayTakeOver(System.currentTimeMillis()))).isNotNegative();
            Thread.sleep(2 * lease);
            assertThat(w.mayTakeOver(System.currentTimeMillis())).isFalse();
        } finally {
            w.close();
        }
    }

    @Test
    void whileTheDatabaseIsDownChangesWaitAndAreWrittenWhenItReturns() throws Exception {
        repo.down.set(true);
        writer.conferenceChanged(conf(p("a", "OFFERED")));
        writer.conferenceChanged(conf(p("a", "ACTIVE")));
        // The failed write is noticed on the writer's own thread; on a loaded machine that takes a moment.
        long end = System.currentTimeMillis() + 5000;
        while (!writer.databaseDown() && System.currentTimeMillis() < end) Thread.sleep(10);
        assertThat(writer.databaseDown()).isTrue();
        assertThat(writer.dirty()).isEqualTo(1);
        repo.down.set(false);
        assertThat(writer.awaitIdle(3000)).isTrue();
        assertThat(repo.saves).hasSize(1);
        assertThat(repo.saves.get(0).upserts()).extracting(StoredParticipant::sessionState).containsExactly("ACTIVE");
        assertThat(writer.databaseDown()).isFalse();
    }
}
