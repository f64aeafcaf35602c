package org.parley.xmpp.s2s;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class CertificateVerifierTest {
    private static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate cert(String subject, KeyPair pair, String issuer, KeyPair issuerKeys, boolean ca,
                                        Instant notAfter, String... dnsNames) throws Exception {
        var b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + issuer), BigInteger.valueOf(System.nanoTime()),
                Date.from(Instant.now().minus(Duration.ofDays(1))), Date.from(notAfter), new X500Name("CN=" + subject), pair.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        if (dnsNames.length > 0) {
            GeneralName[] names = new GeneralName[dnsNames.length];
            for (int i = 0; i < names.length; i++) names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    private static final Instant LATER = Instant.now().plus(Duration.ofDays(30));

    @Test
    void aTrustedSelfSignedCertificateAuthenticatesTheNamesItCarries() throws Exception {
        KeyPair k = keys();
        X509Certificate self = cert("b.example", k, "b.example", k, false, LATER, "b.example", "*.b.example");
        CertificateVerifier v = new CertificateVerifier(List.of(self));
        assertThat(v.authenticates(List.of(self), "b.example")).isTrue();
        assertThat(v.authenticates(List.of(self), "conference.b.example")).isTrue();
        assertThat(v.authenticates(List.of(self), "deep.conference.b.example")).isFalse();
        assertThat(v.authenticates(List.of(self), "c.example")).isFalse();
        assertThat(new CertificateVerifier(List.of()).authenticates(List.of(self), "b.example")).isFalse();
        assertThat(v.authenticates(List.of(), "b.example")).isFalse();
    }

    @Test
    void aChainToATrustedCaAuthenticatesAndAnUntrustedOneDoesNot() throws Exception {
        KeyPair caKeys = keys();
        X509Certificate ca = cert("Test CA", caKeys, "Test CA", caKeys, true, LATER);
        KeyPair leafKeys = keys();
        X509Certificate leaf = cert("b.example", leafKeys, "Test CA", caKeys, false, LATER, "b.example");
        CertificateVerifier v = new CertificateVerifier(List.of(ca));
        assertThat(v.authenticates(List.of(leaf), "b.example")).isTrue();
        assertThat(v.authenticates(List.of(leaf, ca), "b.example")).isTrue();

        KeyPair otherKeys = keys();
        X509Certificate otherCa = cert("Test CA", otherKeys, "Test CA", otherKeys, true, LATER);
        X509Certificate forged = cert("b.example", leafKeys, "Test CA", otherKeys, false, LATER, "b.example");
        assertThat(v.authenticates(List.of(forged, otherCa), "b.example")).isFalse();
    }

    @Test
    void expiredCertificatesDoNotAuthenticate() throws Exception {
        KeyPair k = keys();
        X509Certificate old = cert("b.example", k, "b.example", k, false, Instant.now().minus(Duration.ofHours(1)), "b.example");
        assertThat(new CertificateVerifier(List.of(old)).authenticates(List.of(old), "b.example")).isFalse();
    }

    @Test
    void commonNameOnlyWithoutSanNames() throws Exception {
        KeyPair k = keys();
        X509Certificate cnOnly = cert("b.example", k, "b.example", k, false, LATER);
        assertThat(CertificateVerifier.dnsNames(cnOnly)).containsExactly("b.example");
        X509Certificate withSan = cert("b.example", k, "b.example", k, false, LATER, "other.example");
        assertThat(CertificateVerifier.dnsNames(withSan)).containsExactly("other.example");
    }
}
