package org.parley.storage;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Messages kept for a user who was offline (RFC 6121 section 8.5.2.2.1), as serialized stanzas. */
public interface OfflineRepository {
    /** Stores a message; completes with false when the user's quota ({@code maxPerUser}) is full. */
    CompletableFuture<Boolean> store(String host, String username, String stanzaXml, int maxPerUser);

    /** Returns the stored messages oldest first and deletes them, atomically. */
    CompletableFuture<List<String>> drain(String host, String username);

    CompletableFuture<Integer> count(String host, String username);
}
