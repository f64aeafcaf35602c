package org.parley.storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Persistent MUC rooms (XEP-0045 {@code muc#roomconfig_persistentroom}) and their affiliations. A room is keyed by
 * its service domain ({@code conference.example.org}) and its name (the JID localpart); its configuration is an
 * opaque text the MUC service writes and reads back.
 */
public interface RoomRepository {
    /** Every stored room of a MUC service, with its affiliations. */
    CompletableFuture<List<StoredRoom>> rooms(String domain);

    CompletableFuture<Optional<StoredRoom>> room(String domain, String name);

    /** Inserts or replaces the room and its whole affiliation list, atomically. */
    CompletableFuture<Void> save(StoredRoom room);

    /** Removes the room and its affiliations; false when there was no such room. */
    CompletableFuture<Boolean> delete(String domain, String name);
}
