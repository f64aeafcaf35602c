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

    @Override void close();
}
