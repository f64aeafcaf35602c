package org.parley.xmpp.tls;

import java.net.IDN;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.DSAKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** A private key and its certificate chain, leaf first. */
public record TlsMaterial(PrivateKey key, List<X509Certificate> chain) {
    private static final int SAN_DNS_NAME = 2;

    public TlsMaterial {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
    }

    /** The end-entity certificate. */
    /**
     * A key manager of {@code jsse} (BC JSSE: the SunX509 one Netty would build leaves it no usable credential for EC
     * keys) holding this key and chain. The key store is JKS, in memory only: PKCS12 would encrypt the key with
     * 10,000 PBKDF2 rounds and decrypt it again, a fifth of a second of a start-up every client may be waiting on.
     */
    public javax.net.ssl.KeyManagerFactory keyManagers(java.security.Provider jsse) throws javax.net.ssl.SSLException {
        try {
            char[] password = "in-memory".toCharArray();
            java.security.KeyStore ks = java.security.KeyStore.getInstance("JKS");
            ks.load(null, null);
            ks.setKeyEntry("key", key, password, chain.toArray(X509Certificate[]::new));
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX", jsse);
            kmf.init(ks, password);
            return kmf;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new javax.net.ssl.SSLException("Cannot set up the key manager: " + e.getMessage(), e);
        }
    }

    public X509Certificate leaf() {
        if (chain.isEmpty()) throw new IllegalStateException("empty certificate chain");
        return chain.get(0);
    }

    /**
     * Human-readable reasons this material is unfit to serve {@code domain}; empty when it looks fine.
     * Meant for start-up warnings, so it reports rather than throws.
     */
    public List<String> problems(String domain) {
        return problems(domain, Instant.now());
    }

    List<String> problems(String domain, Instant now) {
        List<String> out = new ArrayList<>();
        if (chain.isEmpty()) {
            out.add("certificate chain is empty");
            return out;
        }
        Date when = Date.from(now);
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            String which = i == 0 ? "certificate" : "chain certificate " + i + " (" + c.getSubjectX500Principal().getName() + ")";
            try {
                c.checkValidity(when);
            } catch (CertificateExpiredException e) {
                out.add(which + " expired on " + c.getNotAfter().toInstant());
            } catch (CertificateNotYetValidException e) {
                out.add(which + " is not valid before " + c.getNotBefore().toInstant());
            }
        }
        X509Certificate leaf = chain.get(0);
        List<String> names = dnsNames(leaf);
        if (!covers(names, domain)) {
            out.add("certificate does not cover " + domain + " (it is for " + (names.isEmpty() ? "no DNS name" : String.join(", ", names)) + ")");
        }
        if (!keyMatches(key, leaf.getPublicKey())) {
            out.add("private key does not match the certificate's public key");
        }
        return out;
    }

    /** SAN dNSNames, or the subject CN when there are none (RFC 6125 section 6.4.4). */
    public static List<String> dnsNames(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(SAN_DNS_NAME).equals(san.get(0)) && san.get(1) instanceof String s) {
                        names.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // An unparsable SAN extension covers nothing; the CN fallback below is not allowed either.
            return names;
        }
        if (!names.isEmpty()) return names;
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) names.add(String.valueOf(rdn.getValue()));
            }
        } catch (InvalidNameException e) {
            // No usable CN.
        }
        return names;
    }

    /** Whether one of {@code names} matches {@code domain}; "*." only as the whole left-most label (RFC 6125 6.4.3). */
    public static boolean covers(List<String> names, String domain) {
        String host = normalize(domain);
        if (host == null) return false;
        for (String name : names) {
            String n = normalize(name);
            if (n == null) continue;
            if (n.equals(host)) return true;
            // Wildcard only as the whole left-most label, matching exactly one label (RFC 6125 section 6.4.3).
            if (n.startsWith("*.") && n.length() > 2) {
                int dot = host.indexOf('.');
                if (dot > 0 && host.substring(dot + 1).equals(n.substring(2))) return true;
            }
        }
        return false;
    }

    private static String normalize(String name) {
        if (name == null || name.isEmpty()) return null;
        String s = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        try {
            if (s.startsWith("*.")) return "*." + IDN.toASCII(s.substring(2), IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            return IDN.toASCII(s, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Proves possession rather than comparing encodings: a private key object does not reliably expose its
     * public half, so sign a random message and verify it with the certificate's key.
     */
    static boolean keyMatches(PrivateKey key, PublicKey pub) {
        if (key instanceof RSAKey rk && pub instanceof RSAPublicKey rp) {
            // Covers RSASSA-PSS keys too, which a PKCS#1 v1.5 test signature would not.
            return rk.getModulus().equals(rp.getModulus())
                    && (!(key instanceof RSAPrivateCrtKey crt) || crt.getPublicExponent().equals(rp.getPublicExponent()));
        }
        String alg = signatureAlgorithm(key);
        if (alg == null || !sameFamily(key, pub)) return false;
        try {
            byte[] message = new byte[32];
            new SecureRandom().nextBytes(message);
            Signature signer = Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(message);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(alg);
            verifier.initVerify(pub);
            verifier.update(message);
            return verifier.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static boolean sameFamily(PrivateKey key, PublicKey pub) {
        return (key instanceof RSAKey && pub instanceof RSAKey) || (key instanceof ECKey && pub instanceof ECKey)
                || (key instanceof EdECKey && pub instanceof EdECKey) || (key instanceof DSAKey && pub instanceof DSAKey)
                || (!(key instanceof RSAKey || key instanceof ECKey || key instanceof EdECKey || key instanceof DSAKey)
                    && key.getAlgorithm().equalsIgnoreCase(pub.getAlgorithm()));
    }

    private static String signatureAlgorithm(PrivateKey key) {
        if (key instanceof RSAKey) return "SHA256withRSA";
        if (key instanceof ECKey) return "SHA256withECDSA";
        if (key instanceof DSAKey) return "SHA256withDSA";
        return switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "ED25519", "ED448", "EDDSA" -> key.getAlgorithm();
            default -> null;
        };
    }
}
