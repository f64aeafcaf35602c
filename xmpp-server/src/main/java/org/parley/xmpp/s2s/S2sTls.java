package org.parley.xmpp.s2s;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.net.Socket;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.parley.xmpp.tls.TlsMaterial;

/**
 * TLS contexts for server-to-server links, on BouncyCastle JSSE like the client listeners. Both directions
 * present the local domain's certificate and accept whatever the peer presents: the handshake must not fail
 * on an untrusted certificate, or dialback could never run. {@link CertificateVerifier} judges the peer's
 * chain once the handshake is done. The listener asks for a client certificate without requiring one.
 */
final class S2sTls {
    /** Same construction as the client listeners' provider (BC JSSE over the BC JCA provider, for RSA-PSS). */
    private static final Provider JSSE = new BouncyCastleJsseProvider(new BouncyCastleProvider());
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final Map<String, TlsMaterial> materials;
    private final Map<String, SslContext> clientContexts = new LinkedHashMap<>();
    private final Map<TlsMaterial, SslContext> byMaterial = new LinkedHashMap<>();
    private final Mapping<String, SslContext> serverMapping;

    /** {@code materials}: each host's certificate and key, by domain; the first is the fallback. */
    S2sTls(Map<String, TlsMaterial> materials) throws SSLException {
        if (materials.isEmpty()) throw new IllegalArgumentException("no certificates");
        this.materials = new LinkedHashMap<>(materials);
        Map<String, SslContext> server = new LinkedHashMap<>();
        for (Map.Entry<String, TlsMaterial> e : materials.entrySet()) {
            SslContext ctx = SslContextBuilder.forServer(e.getValue().keyManagers(JSSE))
                    .sslProvider(SslProvider.JDK)
                    .sslContextProvider(JSSE)
                    .protocols(PROTOCOLS)
                    .trustManager(AcceptAll.INSTANCE)
                    .clientAuth(ClientAuth.OPTIONAL)
                    .build();
            server.put(e.getKey(), ctx);
            // The certificate's wildcard names cover service domains (conference.example.org) for SNI as well.
            for (String name : CertificateVerifier.dnsNames(e.getValue().leaf())) {
                if (name.startsWith("*.")) server.putIfAbsent(name.toLowerCase(java.util.Locale.ROOT), ctx);
            }
        }
        SslContext fallback = server.values().iterator().next();
        DomainWildcardMappingBuilder<SslContext> b = new DomainWildcardMappingBuilder<>(server.size(), fallback);
        server.forEach(b::add);
        this.serverMapping = b.build();
    }

    /** For the listener's SniHandler: the context whose certificate serves the name the peer asked for. */
    Mapping<String, SslContext> serverMapping() {
        return serverMapping;
    }

    /** A client context presenting the certificate that best covers {@code localDomain}. */
    synchronized SslContext client(String localDomain) throws SSLException {
        SslContext ctx = clientContexts.get(localDomain);
        if (ctx != null) return ctx;
        TlsMaterial m = material(localDomain);
        ctx = byMaterial.get(m);
        if (ctx == null) {
            ctx = SslContextBuilder.forClient()
                    .keyManager(m.keyManagers(JSSE))
                    .sslProvider(SslProvider.JDK)
                    .sslContextProvider(JSSE)
                    .protocols(PROTOCOLS)
                    .trustManager(AcceptAll.INSTANCE)
                    .build();
            byMaterial.put(m, ctx);
        }
        clientContexts.put(localDomain, ctx);
        return ctx;
    }

    /** The host's own certificate, else one whose names cover the domain, else the first host's. */
    TlsMaterial material(String localDomain) {
        TlsMaterial exact = materials.get(localDomain);
        if (exact != null) return exact;
        for (TlsMaterial m : materials.values()) {
            if (CertificateVerifier.covers(CertificateVerifier.dnsNames(m.leaf()), localDomain)) return m;
        }
        return materials.values().iterator().next();
    }

    /** Lets every handshake through; the chain is judged afterwards by {@link CertificateVerifier}. */
    static final class AcceptAll extends X509ExtendedTrustManager {
        static final AcceptAll INSTANCE = new AcceptAll();
        private static final X509Certificate[] NONE = new X509Certificate[0];

        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) { }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
        @Override public X509Certificate[] getAcceptedIssuers() { return NONE; }
    }

    /** The peer's chain from a finished handshake, leaf first; empty when it presented none. */
    static List<X509Certificate> peerChain(SSLEngine engine) {
        try {
            var certs = engine.getSession().getPeerCertificates();
            java.util.List<X509Certificate> out = new java.util.ArrayList<>(certs.length);
            for (var c : certs) if (c instanceof X509Certificate x) out.add(x);
            return out;
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return List.of();
        }
    }
}
