package org.parley.storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Rosters of local users; {@code contact} is a bare JID string. */
public interface RosterRepository {
    /** All items of the owner, including pending-in-only items ({@code inRoster == false}). */
    CompletableFuture<List<RosterItem>> items(String host, String username);

    CompletableFuture<Optional<RosterItem>> item(String host, String username, String contact);

    /** Inserts or replaces the item for {@code item.contact()}. */
    CompletableFuture<Void> put(String host, String username, RosterItem item);

    CompletableFuture<Boolean> remove(String host, String username, String contact);
}
