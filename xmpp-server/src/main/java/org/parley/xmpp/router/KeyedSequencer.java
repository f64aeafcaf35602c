package org.parley.xmpp.router;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs asynchronous operations one at a time per key. A roster change is a read, a decision and a write,
 * each on the storage pool; two changes to one user's roster interleaving would lose one. Chaining each
 * operation onto the previous one's completion keeps them in order without holding a thread or a lock.
 */
public final class KeyedSequencer {
    private final ConcurrentHashMap<String, CompletableFuture<?>> tails = new ConcurrentHashMap<>();

    public <T> CompletableFuture<T> run(String key, Supplier<CompletableFuture<T>> operation) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<?> previous = tails.put(key, result);
        CompletableFuture<?> start = previous == null ? CompletableFuture.completedFuture(null) : previous;
        start.handle((v, e) -> null).thenCompose(ignored -> {
            try {
                return operation.get();
            } catch (RuntimeException e) {
                return CompletableFuture.<T>failedFuture(e);
            }
        }).whenComplete((v, e) -> {
            tails.remove(key, result);
            if (e != null) result.completeExceptionally(e); else result.complete(v);
        });
        return result;
    }

    /** Keys with an operation pending; bounded by the number of users acting at once. */
    public int pending() { return tails.size(); }
}
