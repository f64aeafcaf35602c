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
import java.util.concurrent.TimeUnit;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.server.XmppServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port ({@code parley.admin}, 127.0.0.1:5380 by default): plain HTTP/1.1 on a thread of its own, so
 * {@code /health} can still say "down" when the server's event loops are stuck, and {@code /ready} answers until
 * the very end of a shutdown.
 *
 * <pre>
 * AdminListener admin = AdminListener.start(xmpp);             // null when parley.admin.enabled is false
 * admin.api().add(new RoomsSection(muc));                     // modules add their sections
 * admin.api().ready(true, null);                              // once everything is up
 * </pre>
 */
public final class AdminListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminListener.class);
    private static final int MAX_BODY = 64 * 1024;

    private final AdminConfig config;
    private final AdminApi api;
    private final EventLoopGroup group;
    private final Channel serverChannel;

    private AdminListener(AdminConfig config, AdminApi api, EventLoopGroup group, Channel serverChannel) {
        this.config = config;
        this.api = api;
        this.group = group;
        this.serverChannel = serverChannel;
    }

    /** Reads {@code parley.admin}; binds when enabled (returns null otherwise), with the core's sessions section. */
    public static AdminListener start(XmppServer xmpp) throws ConfigException, InterruptedException {
        AdminConfig config = AdminConfig.from(xmpp.context().config());
        if (!config.enabled()) return null;
        AdminApi api = new AdminApi(config, xmpp.context().metrics(), xmpp.loops().workers());
        api.add(new SessionsSection(xmpp.context()));
        EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("parley-admin", true));
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY),
                                    new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS), new Handler(api));
                        }
                    })
                    .bind(new InetSocketAddress(config.bind(), config.port())).sync().channel();
            log.info("admin listener on {}: /metrics, /health, /ready, /dashboard{}", ch.localAddress(),
                    config.apiEnabled() ? ", /api/ (bearer token)" : "; the API is off (no parley.admin.token)");
            return new AdminListener(config, api, group, ch);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public AdminApi api() { return api; }

    public AdminConfig config() { return config; }

    public int port() { return ((InetSocketAddress) serverChannel.localAddress()).getPort(); }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One connection: requests in order, each answered when its future completes. */
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final AdminApi api;

        Handler(AdminApi api) {
            this.api = api;
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
            api.handle(req.method().name(), req.uri(), req.headers().get(HttpHeaderNames.AUTHORIZATION), body)
                    .whenComplete((r, error) -> {
                        AdminRoute.Response answer = r;
                        if (error != null) {
                            log.warn("admin {} {} failed", req.method(), req.uri(), error);
                            answer = AdminRoute.Response.json(500, java.util.Map.of("error", "internal error"));
                        }
                        AdminRoute.Response a = answer;
                        ctx.channel().eventLoop().execute(() -> respond(ctx, a, keepAlive));
                    });
        }

        private static void respond(ChannelHandlerContext ctx, AdminRoute.Response a, boolean keepAlive) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()),
                    ByteBufUtil.writeUtf8(ctx.alloc(), a.body()));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType());
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            if (a.status() == 401) r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"parley-admin\"");
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
            log.debug("admin connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
