package org.parley.xmpp.tls;

import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.KeyLogCallback;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 9266 tls-exporter channel binding for BoringSSL engines (netty-tcnative), which expose no
 * SSL_export_keying_material. BoringSSL does hand out the TLS 1.3 exporter master secret through its key-log
 * callback ({@code EXPORTER_SECRET <client random> <secret>}), and the exporter is a fixed HKDF over it
 * (RFC 8446 section 7.5), computed here. The secret is held from the moment BoringSSL logs it until the
 * connection asks for its binding at handshake completion, then dropped.
 */
final class OpenSslExporter {
    private static final Logger log = LoggerFactory.getLogger(OpenSslExporter.class);

    private static final String LABEL = "EXPORTER-Channel-Binding";
    private static final byte[] EXPORTER_SECRET = "EXPORTER_SECRET ".getBytes(StandardCharsets.US_ASCII);
    /** Secrets of handshakes nobody asked about (abandoned mid-way) are dropped past this many, oldest first. */
    static final int MAX_PENDING = 16_384;
    private static final long MAX_AGE_NANOS = 60_000_000_000L;

    /** Pending exporter secrets by native SSL pointer; the client random guards against a reused address. */
    private static final Map<Long, Pending> PENDING = new ConcurrentHashMap<>();

    private record Pending(byte[] clientRandom, byte[] secret, long bornNanos) {}

    private static final KeyLogCallback CALLBACK = OpenSslExporter::logged;

    private OpenSslExporter() {}

    /** Makes every engine of this context record its exporter secret. */
    /**
     * tcnative's calls take its own context handle, which Netty 4.1 keeps in a protected field: its public
     * {@code context()} and {@code sslCtxPointer()} both give the raw SSL_CTX, and tcnative crashes on that.
     */
    static void install(ReferenceCountedOpenSslContext context) {
        long handle;
        try {
            Field ctx = ReferenceCountedOpenSslContext.class.getDeclaredField("ctx");
            ctx.setAccessible(true);
            handle = ctx.getLong(context);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot reach netty-tcnative's context handle; this Netty version is unsupported", e);
        }
        if (handle == 0 || !SSLContext.setKeyLogCallback(handle, CALLBACK)) {
            throw new IllegalStateException("BoringSSL refused the key-log callback; tls-exporter would be unavailable");
        }
    }

    private static void logged(long ssl, byte[] line) {
        if (!startsWith(line, EXPORTER_SECRET)) return;
        try {
            String[] parts = new String(line, StandardCharsets.US_ASCII).trim().split(" ");
            if (parts.length != 3) return;
            HexFormat hex = HexFormat.of();
            if (PENDING.size() >= MAX_PENDING) evictOld();
            PENDING.put(ssl, new Pending(hex.parseHex(parts[1]), hex.parseHex(parts[2]), System.nanoTime()));
        } catch (RuntimeException e) {
            log.debug("Unreadable key-log line from BoringSSL", e);
        }
    }

    private static void evictOld() {
        long now = System.nanoTime();
        for (Iterator<Pending> it = PENDING.values().iterator(); it.hasNext(); ) {
            if (now - it.next().bornNanos() > MAX_AGE_NANOS) it.remove();
        }
        if (PENDING.size() >= MAX_PENDING) {
            log.warn("{} TLS handshakes left their exporter secret unclaimed; dropping them all", PENDING.size());
            PENDING.clear();
        }
    }

    static int pending() {
        return PENDING.size();
    }

    static void discard(ReferenceCountedOpenSslEngine engine) {
        long ssl = engine.sslPointer();
        if (ssl != 0) PENDING.remove(ssl);
    }

    /** The 32-byte binding of a TLS 1.3 connection whose handshake completed, or null; takes the secret. */
    static byte[] channelBinding(ReferenceCountedOpenSslEngine engine) {
        long ssl = engine.sslPointer();
        if (ssl == 0) return null;
        Pending p = PENDING.remove(ssl);
        if (p == null) return null;
        SSLSession session = engine.getSession();
        if (session == null || !TlsExporter.TLS13.equals(session.getProtocol())) return null;
        if (!Arrays.equals(p.clientRandom(), SSL.getClientRandom(ssl))) return null;
        String hash = hashOf(session.getCipherSuite());
        if (hash == null) return null;
        try {
            return exporter(hash, p.secret(), LABEL, new byte[0], TlsExporter.LENGTH);
        } catch (GeneralSecurityException e) {
            log.debug("Cannot derive tls-exporter", e);
            return null;
        }
    }

    /** The hash of a TLS 1.3 suite, by its name's suffix, or null for a suite this does not know. */
    static String hashOf(String cipherSuite) {
        if (cipherSuite == null) return null;
        if (cipherSuite.endsWith("_SHA256")) return "SHA-256";
        if (cipherSuite.endsWith("_SHA384")) return "SHA-384";
        return null;
    }

    /** TLS-Exporter(label, context, length) over an exporter master secret (RFC 8446 section 7.5). */
    static byte[] exporter(String hash, byte[] exporterSecret, String label, byte[] context, int length)
            throws GeneralSecurityException {
        MessageDigest md = MessageDigest.getInstance(hash);
        byte[] emptyHash = md.digest();
        byte[] derived = expandLabel(hash, exporterSecret, label, emptyHash, emptyHash.length);
        return expandLabel(hash, derived, "exporter", MessageDigest.getInstance(hash).digest(context), length);
    }

    /** HKDF-Expand-Label (RFC 8446 section 7.1). */
    static byte[] expandLabel(String hash, byte[] secret, String label, byte[] context, int length)
            throws GeneralSecurityException {
        byte[] fullLabel = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
        byte[] info = new byte[2 + 1 + fullLabel.length + 1 + context.length];
        info[0] = (byte) (length >>> 8);
        info[1] = (byte) length;
        info[2] = (byte) fullLabel.length;
        System.arraycopy(fullLabel, 0, info, 3, fullLabel.length);
        info[3 + fullLabel.length] = (byte) context.length;
        System.arraycopy(context, 0, info, 4 + fullLabel.length, context.length);
        return expand(hash, secret, info, length);
    }

    /** HKDF-Expand (RFC 5869 section 2.3). */
    private static byte[] expand(String hash, byte[] prk, byte[] info, int length) throws GeneralSecurityException {
        String algorithm = "Hmac" + hash.replace("-", "");
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(prk, algorithm));
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int done = 0;
        for (int i = 1; done < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        return out;
    }

    private static boolean startsWith(byte[] line, byte[] prefix) {
        if (line == null || line.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (line[i] != prefix[i]) return false;
        return true;
    }
}
