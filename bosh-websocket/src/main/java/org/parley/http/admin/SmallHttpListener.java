package org.parley.http.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small plain HTTP/1.1 listener on a thread of its own, away from the server's event loops: the admin port, and
 * Jicofo's REST port. Bodies are bounded; each request is answered when its handler's future completes (handlers
 * never block), in order, with keep-alive.
 */
public final class SmallHttpListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmallHttpListener.class);

    /** Answers one request; completes from any thread. */
    @FunctionalInterface
    public interface Handler {
        CompletableFuture<AdminRoute.Response> handle(String method, String uri, String authorization, String body);
    }

    private final EventLoopGroup group;
    private final Channel serverChannel;

    private SmallHttpListener(EventLoopGroup group, Channel serverChannel) {
        this.group = group;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds {@code bind:port} with one thread named {@code name}. {@code realm}: the bearer realm named on 401 answers.
     */
    public static SmallHttpListener bind(String name, String bind, int port, int maxBody, String realm, Handler handler)
            throws InterruptedException {
        EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory(name, true));
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(maxBody),
                                    new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS), new Exchange(name, realm, handler));
                        }
                    })
                    .bind(new InetSocketAddress(bind, port)).sync().channel();
            return new SmallHttpListener(group, ch);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public int port() { return ((InetSocketAddress) serverChannel.localAddress()).getPort(); }

    public String address() { return String.valueOf(serverChannel.localAddress()); }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One connection: requests in order, each answered when its future completes. */
    private static final class Exchange extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String name;
        private final String realm;
        private final Handler handler;

        Exchange(String name, String realm, Handler handler) {
            this.name = name;
            this.realm = realm;
            this.handler = handler;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (req.decoderResult().isFailure()) {
                respond(ctx, new AdminRoute.Response(400, "text/plain; charset=utf-8", "Malformed request"), false);
                return;
            }
            String body = req.content().toString(StandardCharsets.UTF_8);
            ctx.channel().config().setAutoRead(false);
            CompletableFuture<AdminRoute.Response> answer;
            try {
                answer = handler.handle(req.method().name(), req.uri(), req.headers().get(HttpHeaderNames.AUTHORIZATION), body);
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            answer.whenComplete((r, error) -> {
                AdminRoute.Response a = r;
                if (error != null) {
                    log.warn("{}: {} {} failed", name, req.method(), req.uri(), error);
                    a = AdminRoute.Response.json(500, java.util.Map.of("error", "internal error"));
                }
                AdminRoute.Response done = a;
                ctx.channel().eventLoop().execute(() -> respond(ctx, done, keepAlive));
            });
        }

        private void respond(ChannelHandlerContext ctx, AdminRoute.Response a, boolean keepAlive) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()),
                    ByteBufUtil.writeUtf8(ctx.alloc(), a.body()));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType());
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            if (a.status() == 401 && realm != null) r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"" + realm + "\"");
            if (!keepAlive) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener((ChannelFutureListener) f -> {
                if (!keepAlive || !f.isSuccess()) f.channel().close();
                else f.channel().config().setAutoRead(true);
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) ctx.close();
            else ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{}: connection {} failed: {}", name, ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
