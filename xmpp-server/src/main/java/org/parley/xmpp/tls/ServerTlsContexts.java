package org.parley.xmpp.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLException;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

/** Netty server TLS contexts, backed by BouncyCastle JSSE because SunJSSE exposes no tls-exporter channel binding. */
public final class ServerTlsContexts {
    private ServerTlsContexts() {}

    /** One provider instance for all contexts; it is stateless apart from its service table. */
    static final Provider JSSE_PROVIDER = new BouncyCastleJsseProvider();

    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    public static SslContext forServer(TlsMaterial m) throws SSLException {
        return SslContextBuilder.forServer(m.key(), m.chain().toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.JDK)
                .sslContextProvider(JSSE_PROVIDER)
                .protocols(PROTOCOLS)
                .build();
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
