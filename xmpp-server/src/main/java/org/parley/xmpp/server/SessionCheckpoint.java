package org.parley.xmpp.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.parley.storage.CheckpointLedger;
import org.parley.storage.CheckpointPart;
import org.parley.storage.HandoverRecord;
import org.parley.xmpp.session.ClientSession;
import org.parley.xmpp.session.SessionSnapshot;

/**
 * The client sessions' share of a checkpoint (issue 18, a crash): the resumable sessions that changed since the last
 * one, each snapshotted on its own executor, and the rows of those that ended. A session nobody wrote to or heard
 * from costs one volatile read per interval.
 */
final class SessionCheckpoint {
    private final ServerContext context;
    private final CheckpointLedger<ClientSession> ledger = new CheckpointLedger<>(SessionHandover.KIND);

    SessionCheckpoint(ServerContext context) {
        this.context = context;
    }

    /** On the checkpoint's thread (never an event loop): waits, at most {@code timeout}, for the snapshots. */
    CheckpointPart collect(Duration timeout) throws Exception {
        List<ClientSession> live = context.sessions().all();
        List<ClientSession> due = new ArrayList<>();
        List<CompletableFuture<HandoverRecord>> pending = new ArrayList<>();
        for (ClientSession s : live) {
            if (!s.checkpointDue()) continue;
            CompletableFuture<HandoverRecord> f = new CompletableFuture<>();
            try {
                s.executor().execute(() -> {
                    try {
                        SessionSnapshot snap = s.checkpoint();
                        f.complete(snap == null ? null : new HandoverRecord(snap.resumeId(), SessionSnapshot.FORMAT, snap.encode()));
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException stopping) {
                continue;
            }
            due.add(s);
            pending.add(f);
        }
        return ledger.part(CheckpointLedger.identitySet(live), due, pending,
                () -> due.forEach(ClientSession::checkpointAgain), timeout);
    }

    /** The final hand-over replaced every row. */
    void handedOver() { ledger.clear(); }

    int written() { return ledger.size(); }
}
