package org.parley.focus.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.parley.storage.FocusStateRepository;
import org.parley.storage.StoredConference;
import org.parley.storage.StoredParticipant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link FocusStateSink} that writes to the database. Callers (conference actors, the bridges' thread) only put
 * the latest record into a map keyed by room or bridge JID and return; at most one write per key is in flight, and
 * when it completes the newest record (if any arrived meanwhile) is written next, so a burst of changes costs one or
 * two writes. A conference write sends only the participants that changed since the last write that succeeded.
 *
 * <p>When the database fails, the records stay in the map (the newest per key: bounded by the number of conferences
 * and SFUs, and by {@code maxDirty} in all) and everything dirty is retried every {@code retryInterval} until it
 * returns; the focus keeps running its conferences meanwhile. Each write also renews the conference's lease, and a
 * timer renews all of this node's leases every {@code renewInterval}.
 */
public final class FocusStateWriter implements FocusStateSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FocusStateWriter.class);
    private static final Object ENDED = new Object();

    private final FocusStateRepository repo;
    private final String node;
    private final long leaseMillis;
    private final long retryMillis;
    private final int maxDirty;
    private final ScheduledExecutorService timer;

    private final Map<String, Object> dirtyConferences = new ConcurrentHashMap<>();
    private final Map<String, Object> dirtyBridges = new ConcurrentHashMap<>();
    private final Set<String> conferencesInFlight = ConcurrentHashMap.newKeySet();
    private final Set<String> bridgesInFlight = ConcurrentHashMap.newKeySet();
    /** The last record of each conference that reached the database (touched only by the one write in flight). */
    private final Map<String, ConferenceRecord> written = new ConcurrentHashMap<>();
    private final AtomicBoolean retryScheduled = new AtomicBoolean();
    private volatile boolean databaseDown;
    private volatile boolean closed;
    private volatile Consumer<String> leaseLost = room -> { };
    /** Since when every lease renewal has reached the database promptly (0: not now). */
    private volatile long reachableSince;
    /** When the last prompt lease renewal completed. */
    private volatile long lastPromptRenewal;
    private final long renewMillis;

    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong participantRows = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    public FocusStateWriter(FocusStateRepository repo, String node, long leaseMillis, long renewMillis, long retryMillis,
                            int maxDirty, ScheduledExecutorService timer) {
        this.repo = repo;
        this.node = node;
        this.leaseMillis = leaseMillis;
        this.retryMillis = retryMillis;
        this.renewMillis = renewMillis;
        this.maxDirty = maxDirty;
        this.timer = timer;
        timer.scheduleWithFixedDelay(this::renew, renewMillis, renewMillis, TimeUnit.MILLISECONDS);
    }

    public String node() { return node; }

    /** Called with the room when another node holds the conference's lease (it took the conference over). */
    public void onLeaseLost(Consumer<String> listener) { this.leaseLost = listener; }

    /** Records a conference as already in the database (restored from it), so the next write is a diff against it. */
    public void restored(ConferenceRecord record) {
        written.put(record.room(), record);
    }

    // ------------------------------------------------------------------ FocusStateSink

    @Override
    public void conferenceChanged(ConferenceRecord conference) {
        if (conference.meetingId() == null) return;
        mark(dirtyConferences, conference.room(), conference);
        flushConference(conference.room());
    }

    @Override
    public void conferenceEnded(String room) {
        mark(dirtyConferences, room, ENDED);
        flushConference(room);
    }

    @Override
    public void bridgeChanged(BridgeRecord bridge) {
        mark(dirtyBridges, bridge.jid(), bridge);
        flushBridge(bridge.jid());
    }

    /**
     * Written at once rather than coalesced: it is rare, and the stats writes (which every node makes) leave the flag
     * alone. If the database is down the drain holds on this node only, which the log says.
     */
    @Override
    public void bridgeAdminDrain(String jid, boolean drain) {
        if (closed) return;
        transactions.incrementAndGet();
        repo.setBridgeAdminDrain(jid, drain).whenComplete((found, error) -> {
            if (error != null) log.warn("focus state: the operator's drain of {} is not stored ({}); it holds on this node only", jid, error.getMessage());
        });
    }

    @Override
    public void bridgeRemoved(String jid) {
        mark(dirtyBridges, jid, ENDED);
        flushBridge(jid);
    }

    private void mark(Map<String, Object> dirty, String key, Object value) {
        if (closed) return;
        if (dirtyConferences.size() + dirtyBridges.size() >= maxDirty && !dirty.containsKey(key)) {
            // Only while the database is away for long with more conferences than the bound: the conference is written
            // again at its next change.
            if (dropped.getAndIncrement() % 1000 == 0) log.warn("focus state: {} changes waiting; dropping {}", maxDirty, key);
            return;
        }
        dirty.put(key, value);
    }

    // ------------------------------------------------------------------ writing

    private void flushConference(String room) {
        if (databaseDown || !conferencesInFlight.add(room)) return;
        Object next = dirtyConferences.remove(room);
        if (next == null) {
            conferencesInFlight.remove(room);
            // A change that arrived between remove() and here would otherwise wait for the next one.
            if (dirtyConferences.containsKey(room)) flushConference(room);
            return;
        }
        CompletableFuture<Boolean> write;
        if (next == ENDED) {
            transactions.incrementAndGet();
            write = repo.deleteConference(node, room);
        } else {
            write = writeConference((ConferenceRecord) next);
        }
        write.whenComplete((ok, error) -> {
            if (error == null) {
                if (next == ENDED) written.remove(room);
                else if (Boolean.TRUE.equals(ok)) written.put(room, (ConferenceRecord) next);
                else {
                    log.warn("focus state: {} is owned by another node now", room);
                    written.remove(room);
                    leaseLost.accept(room);
                }
                databaseDown = false;
            } else {
                dirtyConferences.putIfAbsent(room, next);
                failed(error);
            }
            conferencesInFlight.remove(room);
            if (error == null && dirtyConferences.containsKey(room)) flushConference(room);
        });
    }

    private CompletableFuture<Boolean> writeConference(ConferenceRecord c) {
        ConferenceRecord before = written.get(c.room());
        Map<String, ParticipantRecord> old = new HashMap<>();
        if (before != null) for (ParticipantRecord p : before.participants()) old.put(p.endpointId(), p);
        List<StoredParticipant> upserts = new ArrayList<>();
        for (ParticipantRecord p : c.participants()) {
            ParticipantRecord had = old.remove(p.endpointId());
            if (!p.equals(had)) upserts.add(StateCodec.toStored(p));
        }
        List<String> removed = new ArrayList<>(old.keySet());
        StoredConference stored = StateCodec.toStored(c);
        long now = System.currentTimeMillis();
        transactions.incrementAndGet();
        participantRows.addAndGet(upserts.size() + removed.size());
        return repo.saveConference(node, now + leaseMillis, now, stored, upserts, removed);
    }

    private void flushBridge(String jid) {
        if (databaseDown || !bridgesInFlight.add(jid)) return;
        Object next = dirtyBridges.remove(jid);
        if (next == null) {
            bridgesInFlight.remove(jid);
            if (dirtyBridges.containsKey(jid)) flushBridge(jid);
            return;
        }
        transactions.incrementAndGet();
        CompletableFuture<?> write = next == ENDED ? repo.deleteBridge(jid) : repo.saveBridge(StateCodec.toStored((BridgeRecord) next));
        write.whenComplete((ok, error) -> {
            if (error != null) {
                dirtyBridges.putIfAbsent(jid, next);
                failed(error);
            } else {
                databaseDown = false;
            }
            bridgesInFlight.remove(jid);
            if (error == null && dirtyBridges.containsKey(jid)) flushBridge(jid);
        });
    }

    private void failed(Throwable error) {
        failures.incrementAndGet();
        synchronized (this) {
            reachableSince = 0;
        }
        if (!databaseDown) log.warn("focus state: database write failed ({}); retrying every {} ms", error.getMessage(), retryMillis);
        databaseDown = true;
        scheduleRetry();
    }

    private void scheduleRetry() {
        if (closed || !retryScheduled.compareAndSet(false, true)) return;
        try {
            timer.schedule(() -> {
                retryScheduled.set(false);
                retry();
            }, retryMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            retryScheduled.set(false);
        }
    }

    /** Probes with one write; when it succeeds, the rest follows. */
    private void retry() {
        if (closed) return;
        databaseDown = false;
        String room = dirtyConferences.keySet().stream().findFirst().orElse(null);
        String jid = room == null ? dirtyBridges.keySet().stream().findFirst().orElse(null) : null;
        if (room != null) flushConference(room);
        else if (jid != null) flushBridge(jid);
        // Once the probe's write is back without error, write everything else.
        timer.schedule(this::flushAllIfUp, Math.min(retryMillis, 500), TimeUnit.MILLISECONDS);
    }

    private void flushAllIfUp() {
        if (closed || databaseDown) return;
        for (String room : List.copyOf(dirtyConferences.keySet())) flushConference(room);
        for (String jid : List.copyOf(dirtyBridges.keySet())) flushBridge(jid);
        if (!dirtyConferences.isEmpty() || !dirtyBridges.isEmpty()) {
            timer.schedule(this::flushAllIfUp, Math.min(retryMillis, 500), TimeUnit.MILLISECONDS);
        }
    }

    private void renew() {
        if (closed) return;
        long sent = System.currentTimeMillis();
        repo.renewLeases(node, sent + leaseMillis).whenComplete((n, error) -> {
            renewed(sent, System.currentTimeMillis(), error == null);
            if (error != null) {
                failed(error);
            } else if (databaseDown) {
                databaseDown = false;
                flushAllIfUp();
            }
        });
    }

    /**
     * Keeps track of whether this node has reached the database steadily: a renewal that failed, or that waited
     * longer than a renew interval (for a connection to a database that was away), breaks the run, and so does a
     * gap of two renew intervals without a prompt one (a database that hung: those renewals come back late or never).
     */
    private synchronized void renewed(long sent, long done, boolean ok) {
        if (!ok || done - sent > renewMillis) {
            reachableSince = 0;
            return;
        }
        if (reachableSince == 0 || done - lastPromptRenewal > 2 * renewMillis) reachableSince = done;
        lastPromptRenewal = Math.max(lastPromptRenewal, done);
    }

    /**
     * Whether this node may take over others' expired leases now. A lease also runs out while its owner lives when
     * neither could reach the database (an outage longer than the lease): the owner renews once it is back, so a node
     * trusts an expired lease only after it has itself renewed its own leases promptly for a whole lease length and
     * did so within the last one and a half renew intervals. Claims carry the time they were sent at, so a claim sent
     * by that rule before an outage was noticed cannot reach a lease its owner renewed before the outage, given
     * {@code lease >= 3 * renew-interval} (checked in {@link PersistenceSettings}).
     */
    public boolean mayTakeOver(long now) {
        long since = reachableSince;
        return since != 0 && now - since >= leaseMillis && now - lastPromptRenewal <= renewMillis * 3 / 2;
    }

    // ------------------------------------------------------------------ status

    /** Conferences and SFUs whose latest state is not in the database yet. */
    public int dirty() { return dirtyConferences.size() + dirtyBridges.size(); }

    public boolean databaseDown() { return databaseDown; }

    /** Write transactions sent (conference and SFU upserts and deletes). */
    public long transactions() { return transactions.get(); }

    /** Participant rows inserted, updated or deleted. */
    public long participantRows() { return participantRows.get(); }

    public long failures() { return failures.get(); }

    /** Waits (bounded) until nothing is dirty or in flight: for tests and a clean stop. */
    public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end) {
            if (dirty() == 0 && conferencesInFlight.isEmpty() && bridgesInFlight.isEmpty()) return true;
            Thread.sleep(10);
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
    }
}
