package org.parley.xmpp.sasl;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.storage.ScramCredential;

/** In-memory credential source keyed by (username, family). */
final class TestAccounts implements CredentialSource {
    /** Key derivation for the mechanisms under test. */
    static final KeyDerivation KDF = new KeyDerivation(1, 64);

    final Map<String, ScramCredential> byKey = new ConcurrentHashMap<>();
    final java.util.List<String> lookups = new java.util.concurrent.CopyOnWriteArrayList<>();

    TestAccounts add(String user, String password) {
        for (ScramCredential c : ScramCredentials.deriveAll(password)) put(user, c);
        return this;
    }

    TestAccounts put(String user, ScramCredential c) {
        byKey.put(user + "/" + c.mechanism(), c);
        return this;
    }

    @Override
    public CompletableFuture<Optional<ScramCredential>> credential(String username, String family) {
        lookups.add(username + "/" + family);
        return CompletableFuture.completedFuture(Optional.ofNullable(byKey.get(username + "/" + family)));
    }
}
