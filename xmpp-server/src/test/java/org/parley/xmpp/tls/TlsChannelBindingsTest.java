package org.parley.xmpp.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.xmpp.sasl.ChannelBindings;

/**
 * tls-server-end-point from both server engines on both TLS versions must be what a client computes from the
 * certificate it received (RFC 5929 section 4.1), and tls-exporter must be there exactly on TLS 1.3.
 */
class TlsChannelBindingsTest {
    @TempDir static Path dir;

    @Test
    void endPointHashFollowsTheCertificateSignature() {
        assertThat(TlsChannelBindings.endPointHash("SHA256withECDSA")).isEqualTo("SHA-256");
        assertThat(TlsChannelBindings.endPointHash("SHA384WITHECDSA")).isEqualTo("SHA-384");
        assertThat(TlsChannelBindings.endPointHash("SHA512withRSA")).isEqualTo("SHA-512");
        assertThat(TlsChannelBindings.endPointHash("SHA3-256withRSA")).isEqualTo("SHA3-256");
        // RFC 5929: MD5 and SHA-1 are replaced by SHA-256.
        assertThat(TlsChannelBindings.endPointHash("SHA1withRSA")).isEqualTo("SHA-256");
        assertThat(TlsChannelBindings.endPointHash("MD5withRSA")).isEqualTo("SHA-256");
        // No single hash in the signature: the binding is undefined, so not offered.
        assertThat(TlsChannelBindings.endPointHash("Ed25519")).isNull();
        assertThat(TlsChannelBindings.endPointHash("RSASSA-PSS")).isNull();
        assertThat(TlsChannelBindings.endPointHash(null)).isNull();
    }

    @Test
    void bothEnginesBothVersions() throws Exception {
        TlsMaterial material = CertificateStore.selfSigned(dir, "example.org");
        for (TlsProvider provider : List.of(TlsProvider.OPENSSL, TlsProvider.JDK)) {
            SslContext server = ServerTlsContexts.forServer(material, provider);
            try {
                for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
                    SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
                    SSLEngine c = client(protocol);
                    try {
                        TlsHandshakeTest.handshake(c, s);
                        String what = provider + " " + protocol;
                        assertThat(s.getSession().getProtocol()).as(what).isEqualTo(protocol);

                        ChannelBindings bindings = TlsChannelBindings.of(s);
                        X509Certificate seen = (X509Certificate) c.getSession().getPeerCertificates()[0];
                        assertThat(seen.getSigAlgName()).containsIgnoringCase("SHA256");
                        byte[] expected = MessageDigest.getInstance("SHA-256").digest(seen.getEncoded());
                        assertThat(bindings.data(ChannelBindings.TLS_SERVER_END_POINT)).as(what).isEqualTo(expected);
                        if (protocol.equals("TLSv1.3")) {
                            assertThat(bindings.types()).as(what)
                                    .containsExactly(ChannelBindings.TLS_EXPORTER, ChannelBindings.TLS_SERVER_END_POINT);
                            assertThat(bindings.data(ChannelBindings.TLS_EXPORTER)).isEqualTo(TlsExporter.channelBinding(c));
                        } else {
                            assertThat(bindings.types()).as(what).containsExactly(ChannelBindings.TLS_SERVER_END_POINT);
                        }
                        assertThat(bindings.data("tls-unique")).as(what).isNull();
                    } finally {
                        ReferenceCountUtil.release(s);
                    }
                }
            } finally {
                ReferenceCountUtil.release(server);
            }
        }
    }

    private static SSLEngine client(String protocol) throws Exception {
        SSLEngine c = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .sslContextProvider(new BouncyCastleJsseProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()))
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .protocols(protocol)
                .build().newEngine(ByteBufAllocator.DEFAULT, "example.org", 5222);
        assertThat(TlsExporter.captureAtHandshake(c)).isTrue();
        return c;
    }
}
