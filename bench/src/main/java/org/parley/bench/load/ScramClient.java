package org.parley.bench.load;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of SCRAM (RFC 5802, RFC 7677) without channel binding ({@code n,,}). The salted password is
 * cached per (password, salt, iterations), as real clients keep it, so a repeated login of an account costs the
 * generator a few HMACs rather than thousands: the benchmark measures the server, not PBKDF2 in the client.
 * The password must be ASCII (SASLprep is the identity then).
 */
final class ScramClient {
    enum Hash {
        SHA_256("SCRAM-SHA-256", "HmacSHA256", "SHA-256", 32), SHA_1("SCRAM-SHA-1", "HmacSHA1", "SHA-1", 20);

        final String mechanism;
        final String hmac;
        final String digest;
        final int length;

        Hash(String mechanism, String hmac, String digest, int length) {
            this.mechanism = mechanism;
            this.hmac = hmac;
            this.digest = digest;
            this.length = length;
        }
    }

    private static final Map<String, byte[]> SALTED = new ConcurrentHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Hash hash;
    private final String user;
    private final String password;
    private final String clientNonce;
    private String clientFirstBare;
    private byte[] serverSignature;

    ScramClient(Hash hash, String user, String password) {
        this.hash = hash;
        this.user = user;
        this.password = password;
        byte[] n = new byte[18];
        RANDOM.nextBytes(n);
        this.clientNonce = Base64.getEncoder().encodeToString(n);
    }

    String mechanism() { return hash.mechanism; }

    /** The initial response, base64. */
    String first() {
        clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
        return b64("n,," + clientFirstBare);
    }

    /** The answer to the server-first challenge (base64 in, base64 out). */
    String answer(String challengeB64) {
        String serverFirst = new String(Base64.getDecoder().decode(challengeB64), StandardCharsets.UTF_8);
        String nonce = null, salt = null;
        int iterations = 0;
        for (String part : serverFirst.split(",")) {
            if (part.startsWith("r=")) nonce = part.substring(2);
            else if (part.startsWith("s=")) salt = part.substring(2);
            else if (part.startsWith("i=")) iterations = Integer.parseInt(part.substring(2));
        }
        if (nonce == null || salt == null || iterations <= 0 || !nonce.startsWith(clientNonce)) {
            throw new IllegalStateException("bad server-first-message: " + serverFirst);
        }
        String withoutProof = "c=biws,r=" + nonce;
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] salted = salted(salt, iterations);
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = digest(clientKey);
        byte[] clientSignature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
        serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
        return b64(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof));
    }

    /** Whether the additional data of {@code <success/>} (base64 {@code v=...}) proves the server knew the password. */
    boolean verify(String successB64) {
        if (serverSignature == null) return false;
        String s = new String(Base64.getDecoder().decode(successB64.trim()), StandardCharsets.UTF_8);
        return s.startsWith("v=") && MessageDigest.isEqual(Base64.getDecoder().decode(s.substring(2)), serverSignature);
    }

    private byte[] salted(String salt, int iterations) {
        return SALTED.computeIfAbsent(hash + "\0" + password + "\0" + salt + "\0" + iterations, k -> {
            byte[] s = Base64.getDecoder().decode(salt);
            byte[] block = new byte[s.length + 4];
            System.arraycopy(s, 0, block, 0, s.length);
            block[block.length - 1] = 1;
            try {
                Mac mac = Mac.getInstance(hash.hmac);
                mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), hash.hmac));
                byte[] u = mac.doFinal(block);
                byte[] result = u.clone();
                for (int i = 1; i < iterations; i++) {
                    u = mac.doFinal(u);
                    for (int j = 0; j < result.length; j++) result[j] ^= u[j];
                }
                return result;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance(hash.hmac);
            mac.init(new SecretKeySpec(key, hash.hmac));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance(hash.digest).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
