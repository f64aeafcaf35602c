package org.parley.xmpp.tls;

import java.lang.reflect.Method;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.bouncycastle.jsse.BCSSLConnection;
import org.bouncycastle.jsse.BCSSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** RFC 9266 tls-exporter channel binding for SCRAM-*-PLUS. */
public final class TlsExporter {
    private static final Logger log = LoggerFactory.getLogger(TlsExporter.class);

    static final String TYPE = "tls-exporter";
    static final int LENGTH = 32;

    private TlsExporter() {}

    /**
     * The 32-byte exporter value (label "EXPORTER-Channel-Binding", empty context), or null when the engine is not
     * BouncyCastle JSSE, the handshake has not completed, or the protocol is not TLS 1.3. RFC 9266 only allows
     * tls-exporter on TLS 1.2 with extended master secret; refusing 1.2 altogether keeps that question away.
     */
    public static byte[] channelBinding(SSLEngine engine) {
        try {
            SSLEngine e = unwrap(engine);
            if (!(e instanceof BCSSLEngine bc)) return null;
            BCSSLConnection connection = bc.getConnection();
            if (connection == null) return null;
            SSLSession session = connection.getSession();
            if (session == null || !"TLSv1.3".equals(session.getProtocol())) return null;
            byte[] value = connection.getChannelBinding(TYPE);
            return value != null && value.length == LENGTH ? value : null;
        } catch (RuntimeException | LinkageError ex) {
            log.debug("No tls-exporter channel binding available", ex);
            return null;
        }
    }

    /** Netty wraps the provider's engine when ALPN is configured (JdkSslEngine, a package-private class). */
    private static SSLEngine unwrap(SSLEngine engine) {
        SSLEngine e = engine;
        for (int depth = 0; e != null && !(e instanceof BCSSLEngine) && depth < 4; depth++) {
            if (!e.getClass().getName().startsWith("io.netty.handler.ssl.")) return e;
            try {
                Method m = e.getClass().getMethod("getWrappedEngine");
                m.setAccessible(true);
                Object inner = m.invoke(e);
                if (!(inner instanceof SSLEngine next) || next == e) return e;
                e = next;
            } catch (ReflectiveOperationException | RuntimeException ex) {
                return e;
            }
        }
        return e;
    }
}
