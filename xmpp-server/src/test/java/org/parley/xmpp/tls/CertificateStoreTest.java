package org.parley.xmpp.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateStoreTest {
    @TempDir Path dir;

    @Test
    void generatesOnceAndReloadsTheSameMaterial() throws Exception {
        TlsMaterial first = CertificateStore.selfSigned(dir, "Example.org");
        Path crt = dir.resolve("example.org.crt");
        Path key = dir.resolve("example.org.key");
        assertThat(crt).exists();
        assertThat(key).exists();
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(crt)).startsWith("-----BEGIN CERTIFICATE-----");
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertThat(Files.getPosixFilePermissions(key))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }
        try (var listing = Files.list(dir)) {
            assertThat(listing).hasSize(2); // no temp files left behind
        }

        X509Certificate leaf = first.leaf();
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(TlsMaterial.dnsNames(leaf)).containsExactly("example.org", "*.example.org");
        assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()).toDays())
                .isGreaterThanOrEqualTo(3650);
        assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(first.problems("example.org")).isEmpty();
        assertThat(first.problems("conference.example.org")).isEmpty();

        TlsMaterial again = CertificateStore.selfSigned(dir, "example.org");
        assertThat(again.chain()).isEqualTo(first.chain());
        assertThat(again.key().getEncoded()).isEqualTo(first.key().getEncoded());
        assertThat(CertificateStore.load(crt, key).chain()).isEqualTo(first.chain());
    }

    @Test
    void refusesToOverwriteHalfAPair() throws Exception {
        Files.writeString(dir.resolve("example.org.key"), "precious");
        assertThatThrownBy(() -> CertificateStore.selfSigned(dir, "example.org"))
                .isInstanceOf(IOException.class).hasMessageContaining("example.org.crt");
        assertThat(Files.readString(dir.resolve("example.org.key"))).isEqualTo("precious");
    }

    @Test
    void refusesPathTraversal() {
        for (String bad : List.of("../etc", "a/b", "..", ".hidden", "")) {
            assertThatThrownBy(() -> CertificateStore.selfSigned(dir, bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    @Test
    void loadsTraditionalRsaKeyAndChain() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair rsa = g.generateKeyPair();
        X509Certificate leaf = CertificateStore.generate("rsa.example", rsa, Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(1)), List.of("rsa.example"));
        X509Certificate other = CertificateStore.generate("ca.example", CertificateStore.newKeyPair(),
                Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)), List.of());
        Path crt = dir.resolve("chain.pem");
        Path key = dir.resolve("rsa.key");
        Files.writeString(crt, pem(leaf) + pem(other));
        String keyPem = pem(rsa.getPrivate());
        assertThat(keyPem).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        Files.writeString(key, keyPem);

        TlsMaterial m = CertificateStore.load(crt, key);
        assertThat(m.chain()).containsExactly(leaf, other);
        assertThat(m.problems("rsa.example")).isEmpty();
    }

    /** SEC1 "EC PRIVATE KEY" as OpenSSL writes it: named curve, with or without the public key. */
    private static String sec1(KeyPair ec, boolean withPublicKey) throws IOException {
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(ec.getPublic().getEncoded());
        BigInteger d = ((java.security.interfaces.ECPrivateKey) ec.getPrivate()).getS();
        var params = spki.getAlgorithm().getParameters();
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = withPublicKey
                ? new org.bouncycastle.asn1.sec.ECPrivateKey(256, d, spki.getPublicKeyData(), params)
                : new org.bouncycastle.asn1.sec.ECPrivateKey(256, d, params);
        return pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    }

    @Test
    void loadsSec1EcKeysAndCombinedFile() throws Exception {
        KeyPair ec = CertificateStore.newKeyPair();
        X509Certificate leaf = CertificateStore.generate("ec.example", ec, Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(1)), List.of("ec.example"));
        String params = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
        for (boolean withPublicKey : new boolean[] {true, false}) {
            Path combined = dir.resolve("combined-" + withPublicKey + ".pem");
            Files.writeString(combined, pem(leaf) + params + sec1(ec, withPublicKey));
            TlsMaterial m = CertificateStore.load(combined, combined);
            assertThat(m.chain()).containsExactly(leaf);
            assertThat(m.problems("ec.example")).isEmpty();
        }
    }

    @Test
    void clearErrors() throws Exception {
        Path missing = dir.resolve("missing.pem");
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nnot base64!!\n-----END CERTIFICATE-----\n");
        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "hello\n");
        TlsMaterial real = CertificateStore.selfSigned(dir.resolve("real"), "example.org");
        Path crt = dir.resolve("real/example.org.crt");

        assertThatThrownBy(() -> CertificateStore.load(missing, missing)).isInstanceOf(IOException.class)
                .hasMessageContaining("missing.pem").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> CertificateStore.load(garbage, garbage)).isInstanceOf(IOException.class)
                .hasMessageContaining("garbage.pem");
        assertThatThrownBy(() -> CertificateStore.load(empty, empty)).isInstanceOf(IOException.class)
                .hasMessageContaining("No PEM certificate");
        assertThatThrownBy(() -> CertificateStore.load(crt, crt)).isInstanceOf(IOException.class)
                .hasMessageContaining("No PEM private key");

        Path enc = dir.resolve("enc.key");
        var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC).setProvider(new BouncyCastleProvider())
                .setPassword("pw".toCharArray()).build();
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new JcaPKCS8Generator(real.key(), encryptor));
        }
        Files.writeString(enc, out.toString(), StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> CertificateStore.load(crt, enc)).isInstanceOf(IOException.class)
                .hasMessageContaining("encrypted");

        Path encTraditional = dir.resolve("enc-traditional.key");
        StringWriter out2 = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out2)) {
            w.writeObject(real.key(), new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(new BouncyCastleProvider()).build("pw".toCharArray()));
        }
        Files.writeString(encTraditional, out2.toString(), StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> CertificateStore.load(crt, encTraditional)).isInstanceOf(IOException.class)
                .hasMessageContaining("encrypted");
    }

    @Test
    void problems() throws Exception {
        KeyPair pair = CertificateStore.newKeyPair();
        Instant now = Instant.now();
        X509Certificate cert = CertificateStore.generate("example.org", pair, now.minusSeconds(60),
                now.plus(Duration.ofDays(30)), List.of("example.org", "*.example.org"));
        TlsMaterial good = new TlsMaterial(pair.getPrivate(), List.of(cert));
        assertThat(good.problems("example.org")).isEmpty();
        assertThat(good.problems("EXAMPLE.ORG.")).isEmpty();
        assertThat(good.problems("muc.example.org")).isEmpty();
        assertThat(good.problems("a.b.example.org")).singleElement().asString().contains("does not cover a.b.example.org");
        assertThat(good.problems("example.com")).singleElement().asString()
                .contains("does not cover example.com").contains("example.org");
        assertThat(good.problems("xample.org")).hasSize(1);

        TlsMaterial wrongKey = new TlsMaterial(CertificateStore.newKeyPair().getPrivate(), List.of(cert));
        assertThat(wrongKey.problems("example.org")).singleElement().asString().contains("does not match");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        TlsMaterial rsaKey = new TlsMaterial(g.generateKeyPair().getPrivate(), List.of(cert));
        assertThat(rsaKey.problems("example.org")).singleElement().asString().contains("does not match");

        assertThat(good.problems("example.org", now.plus(Duration.ofDays(31)))).singleElement().asString().contains("expired");
        assertThat(good.problems("example.org", now.minus(Duration.ofDays(1)))).singleElement().asString().contains("not valid before");
        assertThat(new TlsMaterial(pair.getPrivate(), List.of()).problems("example.org")).isNotEmpty();
    }

    @Test
    void commonNameOnlyWhenThereIsNoSan() throws Exception {
        KeyPair pair = CertificateStore.newKeyPair();
        Instant now = Instant.now();
        X509Certificate cnOnly = CertificateStore.generate("legacy.example", pair, now.minusSeconds(60),
                now.plus(Duration.ofDays(1)), List.of());
        assertThat(new TlsMaterial(pair.getPrivate(), List.of(cnOnly)).problems("legacy.example")).isEmpty();
        X509Certificate withSan = CertificateStore.generate("legacy.example", pair, now.minusSeconds(60),
                now.plus(Duration.ofDays(1)), List.of("other.example"));
        assertThat(new TlsMaterial(pair.getPrivate(), List.of(withSan)).problems("legacy.example")).hasSize(1);
    }

    @Test
    void wildcardRules() {
        assertThat(TlsMaterial.covers(List.of("*.example.org"), "example.org")).isFalse();
        assertThat(TlsMaterial.covers(List.of("*.example.org"), "x.example.org")).isTrue();
        assertThat(TlsMaterial.covers(List.of("*.example.org"), ".example.org")).isFalse();
        assertThat(TlsMaterial.covers(List.of("x*.example.org"), "xy.example.org")).isFalse();
        assertThat(TlsMaterial.covers(List.of("xn--bcher-kva.example"), "b\u00fccher.example")).isTrue();
        assertThat(TlsMaterial.covers(Set.of("*").stream().toList(), "localhost")).isFalse();
    }
}
