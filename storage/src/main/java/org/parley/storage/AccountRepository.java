package org.parley.storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Accounts of local users. Host and username arrive already stringprepped (lower case). */
public interface AccountRepository {
    /** Creates the account; completes with false when it already exists. */
    CompletableFuture<Boolean> create(String host, String username, List<ScramCredential> credentials);

    CompletableFuture<Boolean> exists(String host, String username);

    /** The credential for one SCRAM family ("SCRAM-SHA-1", "SCRAM-SHA-256"); empty if no such account or family. */
    CompletableFuture<Optional<ScramCredential>> credential(String host, String username, String mechanism);

    /** Replaces all credentials (password change); false when the account does not exist. */
    CompletableFuture<Boolean> updateCredentials(String host, String username, List<ScramCredential> credentials);

    /** Deletes the account with its roster and offline messages; false when it did not exist. */
    CompletableFuture<Boolean> delete(String host, String username);

    CompletableFuture<List<String>> usernames(String host);
}
