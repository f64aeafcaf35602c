package org.parley.storage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Which items of one kind the checkpoints wrote, so that each checkpoint writes only what changed and deletes the
 * rows of items that ended. Items are told apart by identity (a room destroyed and made again is a new item under
 * the same key). Used from one thread at a time (the checkpoint's).
 *
 * @param <T> the item (a session, a room)
 */
public final class CheckpointLedger<T> {
    private final String kind;
    /** Item -> the key its row has. */
    private final Map<T, String> written = new IdentityHashMap<>();

    public CheckpointLedger(String kind) {
        this.kind = kind;
    }

    /**
     * The changes of an interval: an upsert for each snapshot (a null record: the item is not one to keep any more,
     * its row goes), and a delete for each written item that is no longer {@code live}. The ledger moves on when the
     * part is {@linkplain CheckpointPart#written() written}; on failure {@code retry} runs (the caller marks the
     * snapshotted items due again) and the ledger stays as it was, so the next interval deletes what this one would.
     */
    public CheckpointPart part(Set<T> live, Map<T, HandoverRecord> snapshots, Runnable retry) {
        List<HandoverChange> changes = new ArrayList<>();
        Map<T, String> upserted = new IdentityHashMap<>();
        List<T> gone = new ArrayList<>();
        for (Map.Entry<T, HandoverRecord> e : snapshots.entrySet()) {
            HandoverRecord r = e.getValue();
            if (r != null) {
                changes.add(HandoverChange.upsert(kind, r));
                upserted.put(e.getKey(), r.key());
            } else if (written.containsKey(e.getKey())) {
                gone.add(e.getKey());
            }
        }
        for (T t : written.keySet()) if (!live.contains(t) && !snapshots.containsKey(t)) gone.add(t);
        for (T t : gone) changes.add(HandoverChange.delete(kind, written.get(t)));
        if (changes.isEmpty()) return CheckpointPart.NONE;
        return new CheckpointPart(Collections.unmodifiableList(changes), () -> {
            for (T t : gone) written.remove(t);
            written.putAll(upserted);
        }, retry);
    }

    /**
     * {@link #part} from snapshots still being taken on their items' own threads: {@code pending.get(i)} is
     * {@code due.get(i)}'s. Waits for them, at most {@code timeout} in all, on the checkpoint's thread; when one fails
     * or is late, {@code retry} runs and the failure is thrown.
     */
    public CheckpointPart part(Set<T> live, List<T> due, List<CompletableFuture<HandoverRecord>> pending, Runnable retry,
                               Duration timeout) throws Exception {
        Map<T, HandoverRecord> snapshots = new IdentityHashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (int i = 0; i < due.size(); i++) {
                long left = Math.max(0, deadline - System.nanoTime());
                snapshots.put(due.get(i), pending.get(i).get(left, TimeUnit.NANOSECONDS));
            }
        } catch (Exception e) {
            retry.run();
            throw e;
        }
        return part(live, snapshots, retry);
    }

    /** How many items have a row now. */
    public int size() { return written.size(); }

    /** Forgets every row (the final hand-over replaced them, or they were cleared). */
    public void clear() { written.clear(); }

    /** A set of items by identity, for {@link #part}'s {@code live}. */
    public static <T> Set<T> identitySet(Iterable<T> items) {
        Set<T> s = Collections.newSetFromMap(new IdentityHashMap<>());
        for (T t : items) s.add(t);
        return s;
    }
}
