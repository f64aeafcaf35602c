package org.parley.xmpp.tls;

import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty server TLS contexts for client connections: BoringSSL (netty-tcnative) or BouncyCastle JSSE, see
 * {@link TlsProvider}. Not SunJSSE: it exposes no tls-exporter channel binding; both of these are made to.
 */
public final class ServerTlsContexts {
    private ServerTlsContexts() {}

    /**
     * BC JSSE doing its crypto through the BC JCA provider (passed in, not registered globally). With the JDK's
     * providers underneath it cannot make RSA-PSS signatures, so RSA certificates fail every TLS 1.3 handshake
     * ("no selectable cipher suite"). The record layer's AES-GCM alone comes from the JDK, see {@link LeanTlsCrypto}.
     */
    static final Provider JSSE_PROVIDER = new BouncyCastleJsseProvider(false, LeanTlsCrypto.provider(new BouncyCastleProvider()));

    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private static final Logger log = LoggerFactory.getLogger(ServerTlsContexts.class);
    private static final AtomicBoolean FELL_BACK = new AtomicBoolean();

    /**
     * A server context whose engines record the tls-exporter value at handshake completion (see
     * {@link TlsExporter}); engines come out of it with the handshake already begun.
     */
    public static SslContext forServer(TlsMaterial m, TlsProvider provider) throws SSLException {
        if (provider.resolve() != TlsProvider.OPENSSL) return bouncyCastle(m);
        if (provider == TlsProvider.OPENSSL) return openSsl(m);
        try {
            return openSsl(m);
        } catch (IllegalStateException cannotExport) {
            // auto: a Netty whose internals moved (no tls-exporter) must not stop the server; BouncyCastle can.
            if (FELL_BACK.compareAndSet(false, true)) {
                log.warn("BoringSSL loads but its tls-exporter hook does not ({}); using BouncyCastle JSSE", cannotExport.getMessage());
            }
            return bouncyCastle(m);
        }
    }

    /** Whether a context is BoringSSL's (for the start-up log). */
    public static boolean isOpenSsl(SslContext ctx) {
        return ctx instanceof ReferenceCountedOpenSslContext;
    }

    /**
     * BoringSSL with reference-counted engines: the SslHandler frees each engine's native state when it goes,
     * where the other variant leaves it to a finalizer per connection. The context itself must be released by
     * whoever built it ({@link io.netty.util.ReferenceCountUtil#release}).
     */
    private static SslContext openSsl(TlsMaterial m) throws SSLException {
        SslContext ctx = SslContextBuilder.forServer(m.key(), m.chain().toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.OPENSSL_REFCNT)
                .protocols(PROTOCOLS)
                .build();
        OpenSslExporter.install((ReferenceCountedOpenSslContext) ctx);
        return ctx;
    }

    private static SslContext bouncyCastle(TlsMaterial m) throws SSLException {
        return new ExporterCapturing(SslContextBuilder.forServer(m.keyManagers(JSSE_PROVIDER))
                .sslProvider(SslProvider.JDK)
                .sslContextProvider(JSSE_PROVIDER)
                .protocols(PROTOCOLS)
                .build());
    }

    /** Hooks every engine, whether Netty hands it out directly or inside an SslHandler. */
    private static final class ExporterCapturing extends DelegatingSslContext {
        ExporterCapturing(SslContext delegate) {
            super(delegate);
        }

        @Override
        protected void initEngine(SSLEngine engine) {
            TlsExporter.captureAtHandshake(engine);
        }
    }

    /**
     * For Netty's SniHandler. Keys may be "*.example.org" wildcards; a missing SNI name (null) or an unknown
     * one gets {@code fallback}, which must not be null.
     */
    public static Mapping<String, SslContext> sniMapping(Map<String, SslContext> byDomain, SslContext fallback) {
        Objects.requireNonNull(fallback, "fallback");
        DomainWildcardMappingBuilder<SslContext> b = new DomainWildcardMappingBuilder<>(Math.max(1, byDomain.size()), fallback);
        byDomain.forEach(b::add);
        return b.build();
    }
}
