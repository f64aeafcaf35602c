package org.parley.xmpp.tls;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.bouncycastle.jsse.BCSSLConnection;
import org.bouncycastle.jsse.BCSSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 9266 tls-exporter channel binding for SCRAM-*-PLUS, from BouncyCastle JSSE engines (here) or BoringSSL ones
 * ({@link OpenSslExporter}). For BoringSSL the value can be asked for once, at handshake completion.
 *
 * <p>BouncyCastle JSSE 1.79 offers {@code BCSSLConnection.getChannelBinding("tls-exporter")}, but it only works
 * while the handshake is completing: right afterwards BC wipes the exporter secret and the call throws
 * "Export of key material only available from notifyHandshakeComplete()" (bc-java issue #1535). So engines are
 * prepared with {@link #captureAtHandshake} to record the value at exactly that moment; the direct call is kept as a
 * fallback for BC versions that fix the issue.
 */
public final class TlsExporter {
    private static final Logger log = LoggerFactory.getLogger(TlsExporter.class);

    static final String TYPE = "tls-exporter";
    static final int LENGTH = 32;
    static final String TLS13 = "TLSv1.3";

    /** Values recorded at handshake completion, keyed weakly by the provider's engine. */
    private static final Map<SSLEngine, byte[]> CAPTURED = Collections.synchronizedMap(new WeakHashMap<>());
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private TlsExporter() {}

    /**
     * The 32-byte exporter value (label "EXPORTER-Channel-Binding", empty context), or null when the engine is not
     * BouncyCastle JSSE, the handshake has not completed, or the protocol is not TLS 1.3. RFC 9266 allows
     * tls-exporter on TLS 1.2 only with extended master secret; refusing 1.2 altogether keeps that question away.
     * Never throws.
     */
    public static byte[] channelBinding(SSLEngine engine) {
        try {
            if (engine instanceof ReferenceCountedOpenSslEngine openSsl) return OpenSslExporter.channelBinding(openSsl);
            SSLEngine e = unwrap(engine);
            if (!(e instanceof BCSSLEngine bc)) return null;
            BCSSLConnection connection = bc.getConnection();
            if (connection == null) return null;
            SSLSession session = connection.getSession();
            if (session == null || !TLS13.equals(session.getProtocol())) return null;
            byte[] captured = CAPTURED.get(e);
            if (captured != null) return captured.clone();
            return valid(connection.getChannelBinding(TYPE));
        } catch (RuntimeException | LinkageError ex) {
            log.debug("No tls-exporter channel binding available", ex);
            return null;
        }
    }

    /** Forgets what was held for a connection whose handshake failed (BoringSSL may have logged its secret). */
    public static void discard(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine openSsl) OpenSslExporter.discard(openSsl);
    }

    /**
     * Arranges for the exporter value of a BouncyCastle JSSE engine to be recorded when its handshake completes.
     * Must run before the handshake does; it begins the handshake itself (the hook needs the provider's handshake
     * state, which only exists from then on), so client/server mode must already be set. Depends on bctls
     * internals; on any mismatch it logs once and leaves the engine untouched, and channel binding is then simply
     * unavailable.
     *
     * Works for client engines as well (tests use it for their SCRAM-*-PLUS side).
     *
     * @return whether the hook is in place
     */
    public static boolean captureAtHandshake(SSLEngine engine) {
        SSLEngine e = unwrap(engine);
        if (!(e instanceof BCSSLEngine)) return false;
        try {
            Field peerField = findField(e.getClass(), "protocolPeer");
            Object peer = peerField.get(e);
            if (peer == null) {
                e.beginHandshake();
                peer = peerField.get(e);
            }
            Field managerField = findField(peer.getClass(), "manager");
            Object manager = managerField.get(peer);
            if (manager == null || Proxy.isProxyClass(manager.getClass())) return manager != null;
            Class<?> managerType = managerField.getType();
            Object hooked = Proxy.newProxyInstance(managerType.getClassLoader(), new Class<?>[] {managerType},
                    new CapturingManager(manager, e));
            managerField.set(peer, hooked);
            return true;
        } catch (Exception | LinkageError ex) {
            if (WARNED.compareAndSet(false, true)) {
                log.warn("Cannot hook BouncyCastle JSSE to record the tls-exporter channel binding; "
                        + "SCRAM-*-PLUS will not be available: {}", ex.toString());
            }
            log.debug("tls-exporter hook failed", ex);
            return false;
        }
    }

    private static byte[] valid(byte[] value) {
        return value != null && value.length == LENGTH ? value : null;
    }

    private static Field findField(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f;
            } catch (NoSuchFieldException ignored) {
                // keep walking up
            }
        }
        throw new NoSuchFieldException(type.getName() + "." + name);
    }

    /**
     * Stands in for the engine as BC's ProvTlsManager; intercepts notifyHandshakeComplete, the one call made while
     * the exporter secret still exists, and passes everything through.
     */
    private static final class CapturingManager implements InvocationHandler {
        private final Object target;
        private final SSLEngine engine;

        CapturingManager(Object target, SSLEngine engine) {
            this.target = target;
            this.engine = engine;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("notifyHandshakeComplete") && args != null && args.length == 1
                    && args[0] instanceof BCSSLConnection connection) {
                capture(connection);
            }
            try {
                method.setAccessible(true);
                return method.invoke(target, args);
            } catch (InvocationTargetException ex) {
                throw ex.getCause();
            }
        }

        private void capture(BCSSLConnection connection) {
            try {
                SSLSession session = connection.getSession();
                if (session != null && TLS13.equals(session.getProtocol())) {
                    byte[] value = valid(connection.getChannelBinding(TYPE));
                    if (value != null) CAPTURED.put(engine, value);
                }
            } catch (RuntimeException ex) {
                log.debug("Could not record tls-exporter at handshake completion", ex);
            }
        }
    }

    /** Netty's wrapper engines' {@code getWrappedEngine}, looked up once per class (null: not a wrapper). */
    private static final ClassValue<Method> WRAPPED = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
            if (!type.getName().startsWith("io.netty.handler.ssl.")) return null;
            try {
                Method m = type.getMethod("getWrappedEngine");
                m.setAccessible(true);
                return m;
            } catch (ReflectiveOperationException | RuntimeException ex) {
                return null;
            }
        }
    };

    /**
     * Netty wraps the provider's engine when ALPN is configured (JdkSslEngine, a package-private class). Called on
     * every read and flush by {@link TlsBufferTrimmer}, so the reflective lookup is cached per class: a failed
     * {@code getMethod} per call (an exception each) was a visible share of the CPU of a BoringSSL login.
     */
    static SSLEngine unwrap(SSLEngine engine) {
        SSLEngine e = engine;
        for (int depth = 0; e != null && !(e instanceof BCSSLEngine) && depth < 4; depth++) {
            Method m = WRAPPED.get(e.getClass());
            if (m == null) return e;
            try {
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
