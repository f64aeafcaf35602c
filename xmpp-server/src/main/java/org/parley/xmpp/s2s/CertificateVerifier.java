package org.parley.xmpp.s2s;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.parley.xmpp.tls.TlsMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a peer's certificate chain authenticates a domain (RFC 6120 section 13.7.2, RFC 6125): the
 * chain must lead to a trust anchor (the JDK's default CAs plus the configured PEM files) and the leaf must name
 * the domain as a DNS-ID (SAN dNSName, a left-most wildcard label matching one label; the subject CN only when
 * there are no SAN dNSNames). TLS itself accepts any certificate so dialback remains possible; this check runs
 * after the handshake.
 */
final class CertificateVerifier {
    private static final Logger log = LoggerFactory.getLogger(CertificateVerifier.class);

    private final Set<TrustAnchor> anchors;
    private final Set<X509Certificate> anchorCertificates;

    CertificateVerifier(Collection<X509Certificate> anchorCertificates) {
        this.anchorCertificates = Set.copyOf(anchorCertificates);
        Set<TrustAnchor> a = new HashSet<>();
        for (X509Certificate c : anchorCertificates) a.add(new TrustAnchor(c, null));
        this.anchors = Set.copyOf(a);
    }

    /** The JDK's default trust anchors and the certificates in {@code pemFiles}. */
    static CertificateVerifier load(List<Path> pemFiles, boolean systemAnchors) throws IOException, GeneralSecurityException {
        List<X509Certificate> all = new ArrayList<>();
        if (systemAnchors) {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            for (var tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) all.addAll(List.of(x.getAcceptedIssuers()));
            }
        }
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (Path p : pemFiles) {
            try (InputStream in = Files.newInputStream(p)) {
                int before = all.size();
                for (var c : cf.generateCertificates(in)) all.add((X509Certificate) c);
                if (all.size() == before) throw new IOException("no certificate in " + p);
            }
        }
        return new CertificateVerifier(all);
    }

    /** Whether {@code chain} (leaf first) is trusted and its leaf names {@code domain}. Never throws. */
    boolean authenticates(List<X509Certificate> chain, String domain) {
        return !chain.isEmpty() && covers(dnsNames(chain.get(0)), domain) && trusted(chain);
    }

    boolean trusted(List<X509Certificate> chain) {
        if (chain.isEmpty() || anchors.isEmpty()) return false;
        try {
            X509Certificate leaf = chain.get(0);
            leaf.checkValidity();
            if (anchorCertificates.contains(leaf)) return true;
            // The path stops before the first certificate that is itself an anchor; PKIX wants the anchor outside it.
            List<X509Certificate> path = new ArrayList<>();
            for (X509Certificate c : chain) {
                if (anchorCertificates.contains(c)) break;
                path.add(c);
            }
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            log.debug("peer certificate {} not trusted: {}", chain.get(0).getSubjectX500Principal(), e.toString());
            return false;
        }
    }

    /** SAN dNSNames, or the subject CN when there are none (RFC 6125 section 6.4.4). */
    static List<String> dnsNames(X509Certificate cert) {
        return TlsMaterial.dnsNames(cert);
    }

    /** Whether one of {@code names} matches {@code domain}; "*." only as the whole left-most label. */
    static boolean covers(List<String> names, String domain) {
        return TlsMaterial.covers(names, domain);
    }
}
