package org.parley.muc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.parley.storage.CheckpointLedger;
import org.parley.storage.CheckpointPart;
import org.parley.storage.HandoverRecord;

/**
 * The rooms' share of a checkpoint (issue 18, a crash): every room a stanza or a module's step reached since its last
 * checkpoint, in its hand-over form ({@link RoomHandover}) written on its own thread, and the rows of rooms that are
 * gone. A room nothing happened in costs one volatile read per interval.
 */
final class RoomCheckpoint {
    private final CheckpointLedger<Room> ledger = new CheckpointLedger<>(RoomHandover.KIND);

    /** On the checkpoint's thread (never a room's): waits, at most {@code timeout}, for the snapshots. */
    CheckpointPart collect(Iterable<MucDomain> domains, Duration timeout) throws Exception {
        List<Room> live = new ArrayList<>();
        List<Room> due = new ArrayList<>();
        List<CompletableFuture<HandoverRecord>> pending = new ArrayList<>();
        for (MucDomain d : domains) {
            live.addAll(d.rooms());
            pending.addAll(d.checkpoint(due));
        }
        return ledger.part(CheckpointLedger.identitySet(live), due, pending,
                () -> due.forEach(r -> r.checkpointDue = true), timeout);
    }

    /** The final hand-over replaced every row. */
    void handedOver() { ledger.clear(); }

    int written() { return ledger.size(); }
}
