package org.parley.xmpp.sasl;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.parley.storage.ScramCredential;

/**
 * Stand-in credentials for accounts that do not exist, so that server-first looks the same for real and unknown
 * users (RFC 5802 section 9: "the server SHOULD make the authentication exchange appear to continue").
 * Deterministic per user name within a process, so probing twice does not reveal a random salt.
 */
final class DecoyCredentials {
    private DecoyCredentials() {}

    private static final byte[] KEY = new byte[32];

    static {
        new SecureRandom().nextBytes(KEY);
    }

    static ScramCredential forUser(String family, String username) {
        ScramCredentials.Algorithm alg = ScramCredentials.Algorithm.of(family);
        ScramCredentials.Algorithm sha256 = ScramCredentials.Algorithm.SHA_256;
        byte[] seed = sha256.hmac(KEY, (family + '\0' + username).getBytes(StandardCharsets.UTF_8));
        byte[] salt = Arrays.copyOf(seed, ScramCredentials.SALT_LENGTH);
        byte[] storedKey = Arrays.copyOf(sha256.hmac(seed, new byte[] {1}), alg.length);
        byte[] serverKey = Arrays.copyOf(sha256.hmac(seed, new byte[] {2}), alg.length);
        return new ScramCredential(family, salt, ScramCredentials.ITERATIONS, storedKey, serverKey);
    }
}
