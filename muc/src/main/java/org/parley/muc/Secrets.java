package org.parley.muc;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Per-room secrets: stable occupant ids (XEP-0421) and tamper-proof ids of proxied IQs. */
final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private Secrets() {}

    static byte[] newSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return b;
    }

    /** HMAC-SHA-256 of the parts (NUL-separated), base64url, cut to {@code bytes}. */
    static String mac(byte[] key, int bytes, String... parts) {
        Mac mac = MAC.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (java.security.InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) mac.update((byte) 0);
            mac.update(parts[i].getBytes(StandardCharsets.UTF_8));
        }
        byte[] full = mac.doFinal();
        return B64.encodeToString(java.util.Arrays.copyOf(full, bytes));
    }

    static String encode(byte[] b) { return B64.encodeToString(b); }

    static byte[] decode(String s) {
        try {
            return Base64.getUrlDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
