package org.parley.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What each checkpoint writes: the changed items, the ends of written ones, and nothing for what stayed the same. */
class CheckpointLedgerTest {
    private static final class Item {
        final String key;
        Item(String key) { this.key = key; }
    }

    private static Map<Item, HandoverRecord> snaps(Item... items) {
        Map<Item, HandoverRecord> m = new HashMap<>();
        for (Item i : items) m.put(i, new HandoverRecord(i.key, 1, "body of " + i.key));
        return m;
    }

    @Test
    void writesChangesDeletesEndsAndNothingWhenIdle() {
        CheckpointLedger<Item> ledger = new CheckpointLedger<>("session");
        Item a = new Item("a");
        Item b = new Item("b");
        CheckpointPart first = ledger.part(CheckpointLedger.identitySet(List.of(a, b)), snaps(a, b), () -> { });
        assertThat(first.changes()).extracting(HandoverChange::key).containsExactlyInAnyOrder("a", "b");
        assertThat(first.changes()).noneMatch(HandoverChange::deleted);
        first.written().run();
        assertThat(ledger.size()).isEqualTo(2);

        // Idle: nothing due, nothing ended: nothing to write at all.
        assertThat(ledger.part(CheckpointLedger.identitySet(List.of(a, b)), Map.of(), () -> { })).isSameAs(CheckpointPart.NONE);

        // b ended; a room recreated under a's key is a new item, a is gone: delete a's and b's rows, upsert the new one.
        Item a2 = new Item("a");
        CheckpointPart next = ledger.part(CheckpointLedger.identitySet(List.of(a2)), snaps(a2), () -> { });
        assertThat(next.changes()).filteredOn(HandoverChange::deleted).extracting(HandoverChange::key).containsExactlyInAnyOrder("a", "b");
        assertThat(next.changes()).filteredOn(c -> !c.deleted()).extracting(HandoverChange::key).containsExactly("a");
        next.written().run();
        assertThat(ledger.size()).isEqualTo(1);
    }

    @Test
    void aFailedWriteIsRetriedAndTheLedgerStaysAsItWas() {
        CheckpointLedger<Item> ledger = new CheckpointLedger<>("room");
        Item a = new Item("a");
        ledger.part(CheckpointLedger.identitySet(List.of(a)), snaps(a), () -> { }).written().run();
        AtomicInteger retried = new AtomicInteger();
        Item c = new Item("c");
        CheckpointPart failed = ledger.part(CheckpointLedger.identitySet(List.of(c)), snaps(c), retried::incrementAndGet);
        failed.failed().run();
        assertThat(retried).hasValue(1);
        // The next interval still deletes a (it ended) and writes c (marked due again by the retry).
        CheckpointPart again = ledger.part(CheckpointLedger.identitySet(List.of(c)), snaps(c), () -> { });
        assertThat(again.changes()).extracting(HandoverChange::key, HandoverChange::deleted)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("a", true), org.assertj.core.groups.Tuple.tuple("c", false));
    }

    @Test
    void aSnapshotOfAnItemThatIsNoLongerKeptDeletesItsRow() {
        CheckpointLedger<Item> ledger = new CheckpointLedger<>("session");
        Item a = new Item("a");
        ledger.part(CheckpointLedger.identitySet(List.of(a)), snaps(a), () -> { }).written().run();
        Map<Item, HandoverRecord> ended = new HashMap<>();
        ended.put(a, null);
        CheckpointPart p = ledger.part(CheckpointLedger.identitySet(List.of(a)), ended, () -> { });
        assertThat(p.changes()).extracting(HandoverChange::key, HandoverChange::deleted)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", true));
    }
}
