package org.parley.xmpp.sasl;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.parley.storage.ScramCredential;

/** Derives SCRAM credentials (RFC 5802 section 3) from passwords; the only place a password is turned into keys. */
public final class ScramCredentials {
    private ScramCredentials() {}

    public static final String SCRAM_SHA_1 = "SCRAM-SHA-1";
    public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";

    /** RFC 7677 asks for at least 4096; stored per credential, so it can be raised later without a migration. */
    public static final int ITERATIONS = 4096;
    public static final int SALT_LENGTH = 16;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Credentials for every supported family, each with its own fresh salt. */
    public static List<ScramCredential> deriveAll(String password) {
        return List.of(derive(SCRAM_SHA_256, password, newSalt(), ITERATIONS),
                derive(SCRAM_SHA_1, password, newSalt(), ITERATIONS));
    }

    /**
     * @param family "SCRAM-SHA-1" or "SCRAM-SHA-256"
     * @throws IllegalArgumentException for an unknown family or a password SASLprep refuses
     */
    public static ScramCredential derive(String family, String password, byte[] salt, int iterations) {
        Algorithm alg = Algorithm.of(family);
        if (alg == null) throw new IllegalArgumentException("unknown SCRAM family " + family);
        if (iterations < 1) throw new IllegalArgumentException("iterations must be positive");
        byte[] salted = alg.hi(Saslprep.password(password).getBytes(StandardCharsets.UTF_8), salt, iterations);
        try {
            byte[] clientKey = alg.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
            byte[] storedKey = alg.hash(clientKey);
            byte[] serverKey = alg.hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
            return new ScramCredential(alg.family, salt, iterations, storedKey, serverKey);
        } finally {
            Arrays.fill(salted, (byte) 0);
        }
    }

    static byte[] newSalt() {
        byte[] salt = new byte[SALT_LENGTH];
        RANDOM.nextBytes(salt);
        return salt;
    }

    /** The hash pair behind a SCRAM family. */
    enum Algorithm {
        SHA_1(SCRAM_SHA_1, "HmacSHA1", "SHA-1", 20),
        SHA_256(SCRAM_SHA_256, "HmacSHA256", "SHA-256", 32);

        final String family;
        final String macName;
        final String digestName;
        final int length;

        Algorithm(String family, String macName, String digestName, int length) {
            this.family = family;
            this.macName = macName;
            this.digestName = digestName;
            this.length = length;
        }

        static Algorithm of(String family) {
            for (Algorithm a : values()) if (a.family.equals(family)) return a;
            return null;
        }

        byte[] hmac(byte[] key, byte[] data) {
            try {
                Mac mac = Mac.getInstance(macName);
                mac.init(new SecretKeySpec(key, macName));
                return mac.doFinal(data);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(macName + " unavailable", e);
            }
        }

        byte[] hash(byte[] data) {
            try {
                return MessageDigest.getInstance(digestName).digest(data);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(digestName + " unavailable", e);
            }
        }

        /**
         * RFC 5802 Hi(), i.e. PBKDF2 with one output block. Done with Mac rather than SecretKeyFactory because the
         * JDK's PBKDF2 takes a char[] and encodes it itself, which breaks non-ASCII passwords on some providers.
         */
        byte[] hi(byte[] password, byte[] salt, int iterations) {
            try {
                Mac mac = Mac.getInstance(macName);
                mac.init(new SecretKeySpec(password, macName));
                mac.update(salt);
                byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
                byte[] result = u.clone();
                for (int i = 1; i < iterations; i++) {
                    u = mac.doFinal(u);
                    for (int j = 0; j < result.length; j++) result[j] ^= u[j];
                }
                return result;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(macName + " unavailable", e);
            }
        }
    }
}
