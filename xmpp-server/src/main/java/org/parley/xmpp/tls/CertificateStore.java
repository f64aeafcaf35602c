package org.parley.xmpp.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads PEM certificates and keys, and makes self-signed ones for domains that have none. */
public final class CertificateStore {
    private static final Logger log = LoggerFactory.getLogger(CertificateStore.class);

    static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(3650);

    private CertificateStore() {}

    /**
     * The certificate for {@code domain} in {@code dir} ({@code <domain>.crt} and {@code <domain>.key}),
     * generated and saved on first use so it stays stable across restarts (clients can pin it).
     *
     * @throws IOException when only one of the two files exists, or they cannot be read or written
     */
    public static TlsMaterial selfSigned(Path dir, String domain) throws IOException, GeneralSecurityException {
        String name = fileName(domain);
        Path crt = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        boolean haveCrt = Files.exists(crt);
        boolean haveKey = Files.exists(key);
        if (haveCrt && haveKey) return load(crt, key);
        if (haveCrt || haveKey) {
            // Never overwrite half of a pair: the remaining file may be someone's real key or certificate.
            throw new IOException("Found " + (haveCrt ? crt : key) + " but not " + (haveCrt ? key : crt)
                    + "; supply both files or remove the one that is there");
        }
        KeyPair pair = newKeyPair();
        Instant now = Instant.now();
        X509Certificate cert = generate(name, pair, now.minus(Duration.ofDays(1)), now.plus(SELF_SIGNED_VALIDITY),
                List.of(name, "*." + name));
        Files.createDirectories(dir);
        writeAtomically(key, pem(new JcaPKCS8Generator(pair.getPrivate(), null)), true);
        writeAtomically(crt, pem(cert), false);
        log.warn("Generated a self-signed certificate for {} in {}; clients and servers will not trust it "
                + "unless it is replaced by a CA-issued certificate", domain, crt);
        return new TlsMaterial(pair.getPrivate(), List.of(cert));
    }

    /**
     * Reads a PEM certificate chain (leaf first) and a PEM private key, PKCS#8 or traditional (PKCS#1 / SEC1),
     * unencrypted. The two may be the same file.
     */
    public static TlsMaterial load(Path cert, Path key) throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = readCertificates(cert);
        if (chain.isEmpty()) throw new IOException("No PEM certificate found in " + cert);
        return new TlsMaterial(readPrivateKey(key), chain);
    }

    static List<X509Certificate> readCertificates(Path file) throws IOException, GeneralSecurityException {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> chain = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) chain.add(converter.getCertificate(holder));
            }
        } catch (NoSuchFileException e) {
            throw new IOException("Certificate file " + file + " does not exist", e);
        } catch (IOException | RuntimeException e) {
            throw new IOException("Cannot read PEM certificates from " + file + ": " + e.getMessage(), e);
        }
        return chain;
    }

    static PrivateKey readPrivateKey(Path file) throws IOException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        boolean encrypted = false;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof PrivateKeyInfo pkcs8) return converter.getPrivateKey(pkcs8);
                // Only the private half: SEC1 keys may omit the public key, and getKeyPair() then fails.
                if (o instanceof PEMKeyPair traditional) return converter.getPrivateKey(traditional.getPrivateKeyInfo());
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) encrypted = true;
                // Anything else (EC PARAMETERS, certificates in a combined file) is not the key; keep looking.
            }
        } catch (NoSuchFileException e) {
            throw new IOException("Private key file " + file + " does not exist", e);
        } catch (PEMException e) {
            throw new IOException("Cannot use the private key in " + file + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new IOException("Cannot read PEM private key from " + file + ": " + e.getMessage(), e);
        }
        if (encrypted) {
            throw new IOException("Private key in " + file + " is encrypted; provide it unencrypted "
                    + "(e.g. openssl pkey -in key.pem -out plain.pem) and protect the file instead");
        }
        throw new IOException("No PEM private key found in " + file);
    }

    static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A self-signed server certificate with the given SAN dNSNames (none: CN only). */
    static X509Certificate generate(String commonName, KeyPair pair, Instant notBefore, Instant notAfter,
                                    List<String> dnsNames) throws GeneralSecurityException {
        try {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
            byte[] serialBytes = new byte[16];
            new SecureRandom().nextBytes(serialBytes);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, new BigInteger(1, serialBytes),
                    Date.from(notBefore), Date.from(notAfter), subject, pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            if (!dnsNames.isEmpty()) {
                GeneralName[] names = dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n))
                        .toArray(GeneralName[]::new);
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            // clientAuth too: XMPP servers present the same certificate when dialling out (s2s).
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            String sigAlg = pair.getPrivate().getAlgorithm().startsWith("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(sigAlg).build(pair.getPrivate())));
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException("Cannot create certificate for " + commonName, e);
        }
    }

    /** The ASCII form of the domain, refusing anything that could escape the directory. */
    static String fileName(String domain) {
        String ascii;
        try {
            ascii = IDN.toASCII(domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain,
                    IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Not a valid domain: " + domain, e);
        }
        if (ascii.isEmpty() || ascii.startsWith(".") || ascii.contains("..") || !ascii.matches("[a-z0-9._-]+")) {
            throw new IllegalArgumentException("Not a valid domain: " + domain);
        }
        return ascii;
    }

    static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            if (o instanceof JcaPKCS8Generator g) w.writeObject(g);
            else w.writeObject(o);
        }
        return out.toString();
    }

    private static void writeAtomically(Path target, String content, boolean secret) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp;
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        if (posix && secret) {
            // Created 0600 from the start: chmod after writing would leave a window where the key is readable.
            FileAttribute<?> owner = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
            tmp = Files.createTempFile(dir, ".tmp-", ".pem", owner);
        } else {
            tmp = Files.createTempFile(dir, ".tmp-", ".pem");
            if (posix) Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        }
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII)) {
                w.write(content);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
