package org.parley.storage;

/**
 * The persistence entry point. Every call returns a future completed on the storage pool, never on
 * the caller's thread, so network threads never wait on a database.
 */
public interface Storage extends AutoCloseable {
    AccountRepository accounts();
    RosterRepository rosters();
    OfflineRepository offline();
    /** Persistent MUC rooms and their affiliations. */
    RoomRepository rooms();
    /** The conference focus's state: SFUs, conferences, participants and the leases of several nodes. */
    FocusStateRepository focusState();
    /** What a node hands to its next process across a restart. */
    HandoverRepository handover();

    /**
     * Reports the storage's state (connection pool: active, idle, pending, timeouts, usage) to {@code registry}.
     * Called once, by the server that owns the registry; stores without anything to report ignore it.
     */
    default void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {}

    @Override void close();
}
