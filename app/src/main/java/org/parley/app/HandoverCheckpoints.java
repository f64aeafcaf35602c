package org.parley.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.parley.muc.MucService;
import org.parley.storage.CheckpointPart;
import org.parley.storage.HandoverChange;
import org.parley.storage.HandoverRepository;
import org.parley.xmpp.config.HandoverSettings;
import org.parley.xmpp.server.XmppServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic checkpoints while hand-over is on (issue 18, a crash): every {@code parley.handover.checkpoint-interval}
 * the sessions and rooms that changed are snapshotted on their own threads and written, with the deletion of those
 * that ended, in one transaction into the rows a hand-over writes. A process started after {@code kill -9} restores
 * them as it restores a hand-over. On one thread of its own, never an event loop; the next interval starts when the
 * last one's write is done. A clean stop closes this first, then writes the full hand-over, which replaces the rows.
 */
final class HandoverCheckpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HandoverCheckpoints.class);
    private final XmppServer xmpp;
    private final MucService muc;
    private final HandoverRepository repository;
    private final String node;
    private final Duration timeout;
    private final ScheduledExecutorService timer;
    /** A failing database is said once, not once per interval. */
    private boolean failing;

    private HandoverCheckpoints(XmppServer xmpp, MucService muc, HandoverRepository repository, HandoverSettings settings) {
        this.xmpp = xmpp;
        this.muc = muc;
        this.repository = repository;
        this.node = settings.nodeId();
        this.timeout = settings.timeout();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "handover-checkpoint");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the checkpoints of {@code settings}, or returns null when they are off. */
    static HandoverCheckpoints start(XmppServer xmpp, MucService muc, HandoverRepository repository, HandoverSettings settings) {
        if (!settings.checkpoints()) return null;
        HandoverCheckpoints c = new HandoverCheckpoints(xmpp, muc, repository, settings);
        long every = settings.checkpointInterval().toMillis();
        c.timer.scheduleWithFixedDelay(c::runSafely, every, every, TimeUnit.MILLISECONDS);
        log.info("hand-over: a checkpoint every {} ms for node {}", every, c.node);
        return c;
    }

    private void runSafely() {
        // A periodic task that throws is never run again.
        try {
            checkpoint();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (!failing) log.warn("hand-over: a checkpoint failed; the next one tries again", e);
            else log.debug("hand-over: a checkpoint failed again: {}", e.toString());
            failing = true;
        }
    }

    /** One interval's checkpoint: collect, write, and tell the collectors how it went. */
    void checkpoint() throws Exception {
        long started = System.nanoTime();
        CheckpointPart sessions = xmpp.checkpoint(timeout);
        CheckpointPart rooms;
        try {
            rooms = muc.checkpoint(timeout);
        } catch (Exception e) {
            sessions.failed().run();
            throw e;
        }
        List<HandoverChange> changes = new ArrayList<>(sessions.changes().size() + rooms.changes().size());
        changes.addAll(sessions.changes());
        changes.addAll(rooms.changes());
        if (changes.isEmpty()) return;
        long collected = System.nanoTime();
        try {
            repository.checkpoint(node, changes).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            sessions.failed().run();
            rooms.failed().run();
            throw e;
        }
        sessions.written().run();
        rooms.written().run();
        if (failing) log.info("hand-over: checkpoints are written again");
        failing = false;
        long deleted = changes.stream().filter(HandoverChange::deleted).count();
        log.debug("hand-over checkpoint: {} rows ({} sessions, {} rooms, {} deleted) in {} ms ({} ms snapshotting); {} sessions and {} rooms kept",
                changes.size(), sessions.changes().size(), rooms.changes().size(), deleted,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), TimeUnit.NANOSECONDS.toMillis(collected - started),
                xmpp.checkpointedSessions(), muc.checkpointedRooms());
    }

    /** Stops the checkpoints and waits for the one running, so that nothing is written after the final hand-over. */
    @Override
    public void close() {
        // No interrupt: a checkpoint cut short could still commit after the hand-over's rows and overwrite them.
        timer.shutdown();
        try {
            if (!timer.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("hand-over: the last checkpoint did not finish in {}", timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
