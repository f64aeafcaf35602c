package org.parley.http.admin;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One part of the admin API, contributed by a module: the core's sessions, the MUC's rooms, later the focus's
 * conferences and SFUs (with drain and shutdown as POST routes). A section adds routes under {@code /api/},
 * fields to {@code /api/summary} (what the dashboard polls), and may hold readiness or liveness back.
 */
public interface AdminSection {
    /** The routes this section answers; paths are exact, e.g. {@code /api/rooms}. */
    default List<AdminRoute> routes() { return List.of(); }

    /**
     * Adds this section's fields to the summary, e.g. {@code "rooms": 3}. Called for every poll on the admin
     * listener's thread: read counters, never block.
     */
    default void summarize(Map<String, Object> summary) {}

    /** Called before each {@code /metrics} scrape, e.g. to refresh meters of things that come and go (SFUs). */
    default void beforeScrape() {}

    /** Why the node should not get new work now (e.g. "graceful shutdown"), or empty when it may. */
    default Optional<String> notReady() { return Optional.empty(); }

    /** Completes with true when this section's threads answer; the admin API waits a bounded time for it. */
    default CompletableFuture<Boolean> live() { return CompletableFuture.completedFuture(true); }
}
