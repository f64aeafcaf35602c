package org.parley.storage;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * State a node hands to its next process across a restart: written once while it stops, taken once while the next
 * one starts; between the two, checkpoints keep it close to current in case the node dies without stopping. Keyed by
 * the node id, so nodes sharing a database keep their own.
 */
public interface HandoverRepository {
    /** Replaces every record of {@code node} and {@code kind} with {@code records}, atomically. */
    CompletableFuture<Void> replace(String node, String kind, List<HandoverRecord> records);

    /**
     * Writes what changed since the last checkpoint of {@code node}, every kind together, in one transaction: each
     * upsert replaces its item's row, each delete removes it; rows of items not named stay as they are.
     */
    CompletableFuture<Void> checkpoint(String node, List<HandoverChange> changes);

    /** Reads and deletes every record of {@code node} and {@code kind}, atomically: each is handed over once. */
    CompletableFuture<List<HandoverRecord>> take(String node, String kind);
}
