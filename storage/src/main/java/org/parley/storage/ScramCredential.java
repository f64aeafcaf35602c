package org.parley.storage;

import java.util.Arrays;
import java.util.Objects;

/**
 * A SCRAM salted credential (RFC 5802 section 3): what the server keeps instead of a password.
 * {@code mechanism} is the SASL family name without "-PLUS", e.g. "SCRAM-SHA-1" or "SCRAM-SHA-256".
 */
public record ScramCredential(String mechanism, byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
    public ScramCredential {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(storedKey, "storedKey");
        Objects.requireNonNull(serverKey, "serverKey");
        if (iterations < 1) throw new IllegalArgumentException("iterations must be positive");
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    @Override public byte[] salt() { return salt.clone(); }
    @Override public byte[] storedKey() { return storedKey.clone(); }
    @Override public byte[] serverKey() { return serverKey.clone(); }

    @Override public boolean equals(Object o) {
        return o instanceof ScramCredential c && mechanism.equals(c.mechanism) && iterations == c.iterations
                && Arrays.equals(salt, c.salt) && Arrays.equals(storedKey, c.storedKey) && Arrays.equals(serverKey, c.serverKey);
    }

    @Override public int hashCode() { return Objects.hash(mechanism, iterations, Arrays.hashCode(storedKey)); }

    @Override public String toString() { return "ScramCredential[" + mechanism + ", i=" + iterations + "]"; }
}
