package org.parley.http.bosh;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.parley.http.CorsPolicy;

/**
 * One BOSH HTTP request waiting for its response. The response is written from the BOSH session's event
 * loop onto the request's channel, which may belong to another loop; Netty hands the write over.
 */
public final class BoshExchange {
    private final Channel channel;
    private final boolean keepAlive;
    private final boolean secure;
    private final InetSocketAddress client;
    private final String origin;
    private final CorsPolicy cors;
    private final Runnable onWritten;
    private final AtomicBoolean answered = new AtomicBoolean();
    private String token;
    private GenericFutureListener<Future<Void>> closeListener;
    /** The wait timer while the session holds this request; touched on the session's loop only. */
    ScheduledFuture<?> waitTimer;
    long rid;

    /**
     * @param onWritten runs on the channel's loop once the response is out and the connection stays open,
     *                  so the connection's next request can be read
     */
    public BoshExchange(Channel channel, boolean keepAlive, boolean secure, InetSocketAddress client, String origin,
                        CorsPolicy cors, Runnable onWritten) {
        this.channel = channel;
        this.keepAlive = keepAlive;
        this.secure = secure;
        this.client = client;
        this.origin = origin;
        this.cors = cors;
        this.onWritten = onWritten;
    }

    /** The request URL's {@code token} parameter (Jitsi token auth), taken by a session this request creates. */
    public BoshExchange token(String t) {
        token = t;
        return this;
    }

    public String token() { return token; }

    /** Whether the request came over TLS (or a plain listener configured as behind a TLS proxy). */
    public boolean secure() { return secure; }

    public InetSocketAddress client() { return client; }

    public boolean answered() { return answered.get(); }

    /** Tells {@code onClosed} (once, on any thread) if the client drops the connection before the answer. */
    void onClosed(Runnable onClosed) {
        closeListener = f -> {
            if (!answered.get()) onClosed.run();
        };
        channel.closeFuture().addListener(closeListener);
    }

    /** Writes a 200 response with {@code xml}; later calls do nothing. */
    public void respond(String xml) {
        respond(HttpResponseStatus.OK, xml, false);
    }

    /** Writes the response and closes the connection afterwards, whatever keep-alive said. */
    public void respondAndClose(HttpResponseStatus status, String xml) {
        respond(status, xml, true);
    }

    private void respond(HttpResponseStatus status, String xml, boolean close) {
        if (!answered.compareAndSet(false, true)) return;
        if (closeListener != null) channel.closeFuture().removeListener(closeListener);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                ByteBufUtil.writeUtf8(channel.alloc(), xml));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/xml; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        boolean keep = keepAlive && !close;
        if (!keep) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        cors.decorate(origin, r.headers());
        channel.writeAndFlush(r).addListener((ChannelFutureListener) f -> {
            if (!keep || !f.isSuccess()) {
                f.channel().close();
            } else {
                onWritten.run();
            }
        });
    }

    /** Drops the connection without an answer (a request that must not be served on it). */
    public void abort() {
        if (!answered.compareAndSet(false, true)) return;
        if (closeListener != null) channel.closeFuture().removeListener(closeListener);
        channel.close();
    }
}
