package org.parley.xmpp.tls;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import org.bouncycastle.tls.ByteQueue;
import org.bouncycastle.tls.ByteQueueOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the record buffers BouncyCastle JSSE keeps per connection once they are drained, the way
 * OpenSSL's SSL_MODE_RELEASE_BUFFERS does: bctls 1.79 grows a connection's application-data queue and its output
 * queue to the largest record it has handled (typically 0.5 + 1 KiB) and keeps them for the life of the connection,
 * though an idle connection has nothing in them.
 *
 * <p>Sits right behind the {@link SslHandler} (toward the application): after each flush has gone through the
 * SslHandler, and after each batch of reads, it shrinks the two queues if they are empty. A busy connection pays one
 * small allocation per record, which BC makes many of anyway. On BoringSSL it removes itself after the handshake. Depends on bctls internals (like {@link TlsExporter});
 * on a mismatch it logs once and does nothing.
 */
@Sharable
public final class TlsBufferTrimmer extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(TlsBufferTrimmer.class);

    public static final TlsBufferTrimmer INSTANCE = new TlsBufferTrimmer();

    /** ProvSSLEngine.protocol, TlsProtocol.applicationDataQueue, TlsProtocol.outputBuffer; null if absent. */
    private static final Field PROTOCOL;
    private static final Field APPLICATION_DATA;
    private static final Field OUTPUT;
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    static {
        Field protocol = null;
        Field applicationData = null;
        Field output = null;
        try {
            protocol = declared(Class.forName("org.bouncycastle.jsse.provider.ProvSSLEngine"), "protocol");
            Class<?> tlsProtocol = Class.forName("org.bouncycastle.tls.TlsProtocol");
            applicationData = declared(tlsProtocol, "applicationDataQueue");
            output = declared(tlsProtocol, "outputBuffer");
            if (applicationData.getType() != ByteQueue.class || output.getType() != ByteQueueOutputStream.class) {
                throw new NoSuchFieldException("unexpected field types");
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.info("Cannot reach BouncyCastle JSSE's record buffers; idle TLS connections keep theirs: {}", e.toString());
            protocol = null;
        }
        PROTOCOL = protocol;
        APPLICATION_DATA = applicationData;
        OUTPUT = output;
    }

    private TlsBufferTrimmer() {}

    /** Whether this bctls version lets buffers be trimmed at all. */
    public static boolean available() {
        return PROTOCOL != null;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
        trim(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.fireChannelReadComplete();
        trim(ctx);
    }

    /**
     * Once the handshake is done, a connection on another engine (BoringSSL) or with the hook broken has nothing to
     * trim: the handler leaves its pipeline, so that its flushes and reads no longer look the SslHandler up.
     */
    private static void trim(ChannelHandlerContext ctx) {
        // A flush further down may have removed it already during this read.
        if (ctx.isRemoved()) return;
        if (PROTOCOL == null) {
            ctx.pipeline().remove(ctx.name());
            return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null || !ssl.handshakeFuture().isSuccess()) return;
        if (!trim(ssl.engine())) ctx.pipeline().remove(ctx.name());
    }

    /** Shrinks the engine's drained queues; false when it is no BouncyCastle engine or the hook failed. */
    static boolean trim(SSLEngine engine) {
        if (PROTOCOL == null) return false;
        SSLEngine e = TlsExporter.unwrap(engine);
        if (e == null || !PROTOCOL.getDeclaringClass().isInstance(e)) return false;
        try {
            // The engine's own methods synchronise on it.
            synchronized (e) {
                Object protocol = PROTOCOL.get(e);
                if (protocol == null) return false;
                shrinkIfEmpty((ByteQueue) APPLICATION_DATA.get(protocol));
                ByteQueueOutputStream out = (ByteQueueOutputStream) OUTPUT.get(protocol);
                if (out != null) shrinkIfEmpty(out.getBuffer());
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException ex) {
            if (WARNED.compareAndSet(false, true)) {
                log.warn("Cannot trim BouncyCastle JSSE's record buffers: {}", ex.toString());
            }
            return false;
        }
    }

    private static void shrinkIfEmpty(ByteQueue q) {
        if (q != null && q.available() == 0) q.shrink();
    }

    private static Field declared(Class<?> type, String name) throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
