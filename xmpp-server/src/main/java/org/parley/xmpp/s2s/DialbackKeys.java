package org.parley.xmpp.s2s;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * XEP-0185 dialback keys: {@code hex(HMAC-SHA256(hex(SHA-256(secret)), receiving + ' ' + originating + ' ' + streamId))},
 * the HMAC keyed with the hexadecimal form of the hashed secret exactly as the XEP's example does.
 * Only a node that knows the secret can produce the key for a stream, so the authoritative server can check a
 * key without remembering which keys it handed out. Every node of a cluster must share the secret.
 */
final class DialbackKeys {
    private final byte[] hmacKey;

    /** An empty {@code secret} means a random one, good for this process only. */
    DialbackKeys(String secret) {
        byte[] material;
        if (secret == null || secret.isEmpty()) {
            material = new byte[32];
            new SecureRandom().nextBytes(material);
        } else {
            material = secret.getBytes(StandardCharsets.UTF_8);
        }
        try {
            byte[] hashed = MessageDigest.getInstance("SHA-256").digest(material);
            this.hmacKey = HexFormat.of().formatHex(hashed).getBytes(StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key the originating server sends for a stream the receiving server opened with {@code streamId}. */
    String key(String receiving, String originating, String streamId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
            byte[] out = mac.doFinal((receiving + ' ' + originating + ' ' + streamId).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code given} is the key for the stream, compared in constant time. */
    boolean valid(String receiving, String originating, String streamId, String given) {
        if (given == null) return false;
        byte[] expected = key(receiving, originating, streamId).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given.trim().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.UTF_8));
    }
}
