package org.parley.app;

import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.config.VirtualHost;
import org.parley.xmpp.tls.CertificateStore;
import org.parley.xmpp.tls.ServerTlsContexts;
import org.parley.xmpp.tls.TlsMaterial;
import org.parley.xmpp.tls.TlsProvider;

/**
 * The certificate of every host: the operator's PEM files, or a self-signed one generated into
 * {@code <data-dir>/certs} for hosts that name none (the demo default).
 */
final class HostCertificates implements AutoCloseable {
    private final Map<String, SslContext> byDomain = new LinkedHashMap<>();
    private final Map<String, TlsMaterial> materials = new LinkedHashMap<>();
    private final List<ConfigProblem> problems = new ArrayList<>();

    private HostCertificates() {}

    static HostCertificates load(ServerConfig config) {
        HostCertificates certs = new HostCertificates();
        TlsProvider provider;
        try {
            provider = TlsProvider.parse(config.source().getString("tls.provider"));
            provider.resolve(); // openssl where BoringSSL cannot load: a problem with this key
        } catch (RuntimeException e) {
            certs.problems.add(new ConfigProblem("parley.tls.provider", e.getMessage()));
            return certs;
        }
        Path generated = config.dataDir().resolve("certs");
        for (int i = 0; i < config.hosts().size(); i++) {
            VirtualHost h = config.hosts().get(i);
            String key = "parley.hosts[" + i + "].certificate";
            try {
                TlsMaterial m = h.certificate() == null
                        ? CertificateStore.selfSigned(generated, h.domain())
                        : CertificateStore.load(h.certificate(), h.privateKey());
                for (String p : m.problems(h.domain())) certs.problems.add(new ConfigProblem(key, p));
                certs.byDomain.put(h.domain(), ServerTlsContexts.forServer(m, provider));
                certs.materials.put(h.domain(), m);
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                certs.problems.add(new ConfigProblem(key, "cannot load: " + e.getMessage()));
            }
        }
        return certs;
    }

    List<ConfigProblem> problems() { return problems; }

    /** Whether client connections get BoringSSL (else BouncyCastle JSSE). */
    boolean openSsl() {
        return !byDomain.isEmpty() && ServerTlsContexts.isOpenSsl(byDomain.values().iterator().next());
    }

    /** Gives back the contexts' native state (BoringSSL); the listeners using them must be closed. */
    @Override
    public void close() {
        byDomain.values().forEach(ReferenceCountUtil::release);
        byDomain.clear();
    }

    /** Each host's certificate and key, by domain, in configuration order: federation presents them. */
    Map<String, TlsMaterial> materials() { return materials; }

    /** SNI selects the host's context; clients without SNI get the first host's. */
    Mapping<String, SslContext> sniMapping() {
        if (byDomain.isEmpty()) throw new IllegalStateException("no host has a usable certificate");
        return ServerTlsContexts.sniMapping(byDomain, byDomain.values().iterator().next());
    }
}
