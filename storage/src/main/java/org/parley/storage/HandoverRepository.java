package org.parley.storage;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * State a node hands to its next process across a restart: written once while it stops, taken once while the next
 * one starts. Keyed by the node id, so nodes sharing a database keep their own.
 */
public interface HandoverRepository {
    /** Replaces every record of {@code node} and {@code kind} with {@code records}, atomically. */
    CompletableFuture<Void> replace(String node, String kind, List<HandoverRecord> records);

    /** Reads and deletes every record of {@code node} and {@code kind}, atomically: each is handed over once. */
    CompletableFuture<List<HandoverRecord>> take(String node, String kind);
}
