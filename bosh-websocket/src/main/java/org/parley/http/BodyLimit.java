package org.parley.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.TimeUnit;
import org.parley.http.bosh.BoshSession;

/**
 * Collects request bodies up to the limit. A larger BOSH body is answered 413 with a policy-violation
 * termination in it, so that both HTTP-level and BOSH-level clients see why. The connection closes shortly
 * after: at once would reset it under a client still sending, and the reset can destroy the answer before
 * the client reads it; meanwhile the aggregator discards the rest of the body.
 */
final class BodyLimit extends HttpObjectAggregator {
    private static final long CLOSE_DELAY_MILLIS = 2000;
    private final CorsPolicy cors;

    BodyLimit(int maxBodyBytes, CorsPolicy cors) {
        super(maxBodyBytes, true);
        this.cors = cors;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        String xml = BoshSession.terminateBody("policy-violation", "");
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                ByteBufUtil.writeUtf8(ctx.alloc(), xml));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/xml; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (oversized instanceof HttpRequest req) cors.decorate(req.headers().get(HttpHeaderNames.ORIGIN), r.headers());
        ctx.writeAndFlush(r).addListener((ChannelFutureListener) f ->
                f.channel().eventLoop().schedule(() -> { f.channel().close(); }, CLOSE_DELAY_MILLIS, TimeUnit.MILLISECONDS));
    }
}
