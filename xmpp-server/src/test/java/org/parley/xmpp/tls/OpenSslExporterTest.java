package org.parley.xmpp.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BoringSSL server engines against BouncyCastle clients, whose exporter is BC's own implementation: the two must
 * agree byte for byte, or SCRAM-*-PLUS would fail for every client.
 */
class OpenSslExporterTest {
    @TempDir static Path dir;
    static SslContext server;
    private final List<SSLEngine> engines = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        // The platforms CI runs on all have netty-tcnative's natives; failing here is the point if they stop loading.
        assertThat(OpenSsl.isAvailable()).as("BoringSSL loads: %s", OpenSsl.unavailabilityCause()).isTrue();
        server = ServerTlsContexts.forServer(CertificateStore.selfSigned(dir, "example.org"), TlsProvider.OPENSSL);
    }

    @AfterAll
    static void tearDown() {
        ReferenceCountUtil.release(server);
    }

    @AfterEach
    void releaseEngines() {
        engines.forEach(ReferenceCountUtil::release);
    }

    private SSLEngine serverEngine() {
        SSLEngine e = server.newEngine(ByteBufAllocator.DEFAULT);
        engines.add(e);
        return e;
    }

    private static SSLEngine hookedClient(String protocol, String... suites) throws Exception {
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .sslContextProvider(new BouncyCastleJsseProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()))
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .protocols(protocol);
        if (suites.length > 0) b.ciphers(List.of(suites));
        SSLEngine c = b.build().newEngine(ByteBufAllocator.DEFAULT, "example.org", 5222);
        assertThat(TlsExporter.captureAtHandshake(c)).isTrue();
        return c;
    }

    @Test
    void agreesWithBouncyCastleForEverySha256AndSha384Suite() throws Exception {
        for (String suite : List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")) {
            SSLEngine s = serverEngine();
            SSLEngine c = hookedClient("TLSv1.3", suite);
            assertThat(s).isInstanceOf(ReferenceCountedOpenSslEngine.class);
            TlsHandshakeTest.handshake(c, s);
            assertThat(s.getSession().getCipherSuite()).isEqualTo(suite);
            byte[] serverSide = TlsExporter.channelBinding(s);
            assertThat(serverSide).as(suite).hasSize(32).isEqualTo(TlsExporter.channelBinding(c));
            assertThat(TlsExporter.channelBinding(s)).as("taken once, at handshake completion").isNull();
        }
    }

    @Test
    void everyConnectionBindsToItsOwnValue() throws Exception {
        SSLEngine s1 = serverEngine();
        SSLEngine c1 = hookedClient("TLSv1.3");
        SSLEngine s2 = serverEngine();
        SSLEngine c2 = hookedClient("TLSv1.3");
        TlsHandshakeTest.handshake(c1, s1);
        TlsHandshakeTest.handshake(c2, s2);
        byte[] b2 = TlsExporter.channelBinding(s2);
        byte[] b1 = TlsExporter.channelBinding(s1);
        assertThat(b1).isEqualTo(TlsExporter.channelBinding(c1));
        assertThat(b2).isEqualTo(TlsExporter.channelBinding(c2)).isNotEqualTo(b1);
    }

    @Test
    void tls12HasNoExporterAndLeavesNothingBehind() throws Exception {
        int before = OpenSslExporter.pending();
        SSLEngine s = serverEngine();
        SSLEngine c = hookedClient("TLSv1.2");
        TlsHandshakeTest.handshake(c, s);
        assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
        assertThat(TlsExporter.channelBinding(s)).isNull();
        assertThat(OpenSslExporter.pending()).isEqualTo(before);
    }

    @Test
    void aDiscardedHandshakeLeavesNothingBehind() throws Exception {
        int before = OpenSslExporter.pending();
        SSLEngine s = serverEngine();
        TlsHandshakeTest.handshake(hookedClient("TLSv1.3"), s);
        assertThat(OpenSslExporter.pending()).isEqualTo(before + 1);
        TlsExporter.discard(s);
        assertThat(OpenSslExporter.pending()).isEqualTo(before);
    }

    @Test
    void suiteHashes() {
        assertThat(OpenSslExporter.hashOf("TLS_AES_128_GCM_SHA256")).isEqualTo("SHA-256");
        assertThat(OpenSslExporter.hashOf("TLS_AES_256_GCM_SHA384")).isEqualTo("SHA-384");
        assertThat(OpenSslExporter.hashOf("TLS_SM4_GCM_SM3")).isNull();
        assertThat(OpenSslExporter.hashOf(null)).isNull();
    }
}
