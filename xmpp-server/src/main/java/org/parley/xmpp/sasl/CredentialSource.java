package org.parley.xmpp.sasl;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.parley.storage.ScramCredential;

/** Looks up the stored SCRAM credential of a local account. */
@FunctionalInterface
public interface CredentialSource {
    /**
     * @param username normalized local part
     * @param family "SCRAM-SHA-1" or "SCRAM-SHA-256"
     * @return the credential, or empty when the account (or a credential of that family) does not exist
     */
    CompletableFuture<Optional<ScramCredential>> credential(String username, String family);
}
