package org.parley.xmpp.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.parley.xmpp.sasl.ChannelBindings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channel binding data of a server connection whose handshake just completed: tls-exporter (TLS 1.3, see
 * {@link TlsExporter}) and tls-server-end-point, on both engines and both TLS versions.
 */
public final class TlsChannelBindings {
    private static final Logger log = LoggerFactory.getLogger(TlsChannelBindings.class);

    /** "SHA256withRSA", "SHA384WITHECDSA", "SHA3-256withRSA", "MD5withRSA": the digest before "with". */
    private static final Pattern HASH_WITH = Pattern.compile("^(SHA3-\\d+|SHA-?\\d+|MD5|MD2)WITH", Pattern.CASE_INSENSITIVE);

    private TlsChannelBindings() {}

    /** Must be called at handshake completion: the tls-exporter value can only be had then. Never throws. */
    public static ChannelBindings of(SSLEngine engine) {
        return ChannelBindings.of(TlsExporter.channelBinding(engine), serverEndPoint(engine));
    }

    /**
     * RFC 5929 section 4.1: the hash of the certificate this server presented on the connection (with SNI, the one
     * chosen for the client's name), or null when there is none or its signature algorithm names no single hash
     * (Ed25519, RSASSA-PSS: the binding is undefined for those).
     */
    static byte[] serverEndPoint(SSLEngine engine) {
        try {
            SSLSession session = engine.getSession();
            Certificate[] local = session == null ? null : session.getLocalCertificates();
            if (local == null || local.length == 0 || !(local[0] instanceof X509Certificate cert)) return null;
            String hash = endPointHash(cert.getSigAlgName());
            return hash == null ? null : MessageDigest.getInstance(hash).digest(cert.getEncoded());
        } catch (CertificateEncodingException | NoSuchAlgorithmException | RuntimeException e) {
            log.debug("No tls-server-end-point channel binding available", e);
            return null;
        }
    }

    /** The digest RFC 5929 prescribes for a certificate signed with {@code sigAlgName}: MD5 and SHA-1 become SHA-256. */
    static String endPointHash(String sigAlgName) {
        if (sigAlgName == null) return null;
        Matcher m = HASH_WITH.matcher(sigAlgName);
        if (!m.find()) return null;
        String h = m.group(1).toUpperCase(Locale.ROOT);
        if (h.equals("MD5") || h.equals("MD2") || h.equals("SHA1") || h.equals("SHA-1")) return "SHA-256";
        if (h.startsWith("SHA3-")) return h;
        return "SHA-" + h.substring(h.startsWith("SHA-") ? 4 : 3);
    }
}
