package org.parley.xmpp.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.Mapping;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import org.bouncycastle.jsse.BCSSLEngine;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsHandshakeTest {
    @TempDir static Path dir;
    static TlsMaterial material;
    static SslContext server;

    @BeforeAll
    static void setUp() throws Exception {
        material = CertificateStore.selfSigned(dir, "example.org");
        server = ServerTlsContexts.forServer(material, TlsProvider.JDK);
    }

    private static SslContext client(String... protocols) throws Exception {
        return SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .sslContextProvider(new BouncyCastleJsseProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()))
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .protocols(protocols)
                .build();
    }

    /** Runs the handshake in memory and then one application record each way, so both sides are fully done. */
    static void handshake(SSLEngine client, SSLEngine server) throws Exception {
        ByteBuffer c2s = ByteBuffer.allocate(1 << 17);
        ByteBuffer s2c = ByteBuffer.allocate(1 << 17);
        ByteBuffer cApp = ByteBuffer.allocate(1 << 17);
        ByteBuffer sApp = ByteBuffer.allocate(1 << 17);
        // Engines from ServerTlsContexts (and hooked clients) have already begun; BC refuses a second begin.
        if (client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) client.beginHandshake();
        if (server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) server.beginHandshake();
        for (int i = 0; i < 200; i++) {
            boolean progress = pump(client, c2s, s2c, cApp) | pump(server, s2c, c2s, sApp);
            if (!progress && idle(client) && idle(server)) break;
        }
        assertThat(client.getHandshakeStatus()).isEqualTo(HandshakeStatus.NOT_HANDSHAKING);
        assertThat(server.getHandshakeStatus()).isEqualTo(HandshakeStatus.NOT_HANDSHAKING);

        client.wrap(ByteBuffer.wrap("<stream>".getBytes(StandardCharsets.US_ASCII)), c2s);
        server.wrap(ByteBuffer.wrap("<stream/>".getBytes(StandardCharsets.US_ASCII)), s2c);
        for (int i = 0; i < 10; i++) {
            pump(client, c2s, s2c, cApp);
            pump(server, s2c, c2s, sApp);
        }
        assertThat(new String(sApp.array(), 0, sApp.position(), StandardCharsets.US_ASCII)).isEqualTo("<stream>");
        assertThat(new String(cApp.array(), 0, cApp.position(), StandardCharsets.US_ASCII)).isEqualTo("<stream/>");
    }

    private static boolean idle(SSLEngine e) {
        return e.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
    }

    private static boolean pump(SSLEngine engine, ByteBuffer out, ByteBuffer in, ByteBuffer app) throws Exception {
        boolean progress = false;
        SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), out);
        progress |= r.bytesProduced() > 0;
        runTasks(engine);
        in.flip();
        try {
            while (in.hasRemaining()) {
                r = engine.unwrap(in, app);
                runTasks(engine);
                if (r.bytesConsumed() == 0) break;
                progress = true;
            }
        } finally {
            in.compact();
        }
        return progress;
    }

    private static void runTasks(SSLEngine e) {
        Runnable task;
        while ((task = e.getDelegatedTask()) != null) task.run();
    }

    private static SSLEngine hookedClient(SslContext cctx) {
        SSLEngine c = cctx.newEngine(ByteBufAllocator.DEFAULT, "example.org", 5222);
        assertThat(TlsExporter.captureAtHandshake(c)).isTrue();
        return c;
    }

    @Test
    void tls13ExporterAgreesOnBothSides() throws Exception {
        SslContext cctx = client("TLSv1.3");
        SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine c = hookedClient(cctx);
        assertThat(s).isInstanceOf(BCSSLEngine.class);
        assertThat(TlsExporter.channelBinding(s)).as("before the handshake").isNull();

        handshake(c, s);

        assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
        byte[] serverSide = TlsExporter.channelBinding(s);
        byte[] clientSide = TlsExporter.channelBinding(c);
        assertThat(serverSide).hasSize(32).isEqualTo(clientSide);
        assertThat(serverSide).isNotEqualTo(new byte[32]);

        // A different connection must bind to a different value, or binding would prove nothing.
        SSLEngine s2 = server.newHandler(ByteBufAllocator.DEFAULT).engine(); // the SslHandler path is hooked too
        SSLEngine c2 = hookedClient(cctx);
        handshake(c2, s2);
        assertThat(TlsExporter.channelBinding(s2)).hasSize(32).isNotEqualTo(serverSide)
                .isEqualTo(TlsExporter.channelBinding(c2));
    }

    @Test
    void bouncyCastleStillWipesTheExporterSecret() throws Exception {
        // Documents why the hook exists (bc-java #1535). If this starts failing after a bctls upgrade, the direct
        // getChannelBinding call works after the handshake and captureAtHandshake could be retired.
        SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine c = client("TLSv1.3").newEngine(ByteBufAllocator.DEFAULT, "example.org", 5222);
        handshake(c, s);
        assertThat(TlsExporter.channelBinding(s)).hasSize(32);
        assertThat(TlsExporter.channelBinding(c)).as("unhooked BC engine").isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ((BCSSLEngine) c).getConnection().getChannelBinding("tls-exporter"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rsaCertificatesWorkToo() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        java.security.KeyPair rsa = g.generateKeyPair();
        java.time.Instant now = java.time.Instant.now();
        TlsMaterial m = new TlsMaterial(rsa.getPrivate(), java.util.List.of(CertificateStore.generate("example.org", rsa,
                now.minusSeconds(60), now.plusSeconds(3600), java.util.List.of("example.org"))));
        SslContext rsaServer = ServerTlsContexts.forServer(m, TlsProvider.JDK);

        // A SunJSSE client: it offers RSA-PSS, which TLS 1.3 requires for RSA certificates.
        SslContext sunClient = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).protocols("TLSv1.3").build();
        SSLEngine s1 = rsaServer.newEngine(ByteBufAllocator.DEFAULT);
        handshake(sunClient.newEngine(ByteBufAllocator.DEFAULT, "example.org", 5222), s1);
        assertThat(s1.getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(TlsExporter.channelBinding(s1)).hasSize(32);

        SSLEngine s = rsaServer.newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine c = hookedClient(client("TLSv1.3"));
        handshake(c, s);
        assertThat(TlsExporter.channelBinding(s)).hasSize(32).isEqualTo(TlsExporter.channelBinding(c));
    }

    @Test
    void tls12HasNoExporter() throws Exception {
        SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine c = hookedClient(client("TLSv1.2"));
        handshake(c, s);
        assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
        assertThat(TlsExporter.channelBinding(s)).isNull();
        assertThat(TlsExporter.channelBinding(c)).isNull();
    }

    @Test
    void nonBouncyCastleEnginesHaveNoExporter() throws Exception {
        SslContext sunServer = SslContextBuilder.forServer(material.key(), material.chain().get(0))
                .sslProvider(SslProvider.JDK).protocols("TLSv1.3").build();
        SslContext sunClient = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).protocols("TLSv1.3").build();
        SSLEngine s = sunServer.newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine c = sunClient.newEngine(ByteBufAllocator.DEFAULT, "example.org", 5222);
        assertThat(s).isNotInstanceOf(BCSSLEngine.class);
        handshake(c, s);
        assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(TlsExporter.channelBinding(s)).isNull();
        assertThat(TlsExporter.channelBinding(c)).isNull();
        assertThat(TlsExporter.channelBinding(SSLContext.getDefault().createSSLEngine())).isNull();
        assertThat(TlsExporter.channelBinding(null)).isNull();
    }

    @Test
    void nettySslHandlerCopesWithThePreBegunServerEngine() throws Exception {
        SslHandler serverHandler = server.newHandler(ByteBufAllocator.DEFAULT);
        SslHandler clientHandler = client("TLSv1.3", "TLSv1.2").newHandler(ByteBufAllocator.DEFAULT, "example.org", 5222);
        EmbeddedChannel sc = new EmbeddedChannel(serverHandler);
        EmbeddedChannel cc = new EmbeddedChannel(clientHandler);
        try {
            for (int i = 0; i < 50 && !(serverHandler.handshakeFuture().isDone() && clientHandler.handshakeFuture().isDone()); i++) {
                ByteBuf b;
                while ((b = cc.readOutbound()) != null) sc.writeInbound(b);
                while ((b = sc.readOutbound()) != null) cc.writeInbound(b);
            }
            assertThat(serverHandler.handshakeFuture().isSuccess()).as("server handshake").isTrue();
            assertThat(clientHandler.handshakeFuture().isSuccess()).as("client handshake").isTrue();
            assertThat(serverHandler.engine().getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(TlsExporter.channelBinding(serverHandler.engine())).hasSize(32);
        } finally {
            sc.finishAndReleaseAll();
            cc.finishAndReleaseAll();
        }
    }

    /** Bytes held by BC's application-data and output queues of a server engine. */
    private static int retainedQueueBytes(SSLEngine engine) throws Exception {
        java.lang.reflect.Field protocolField = Class.forName("org.bouncycastle.jsse.provider.ProvSSLEngine").getDeclaredField("protocol");
        protocolField.setAccessible(true);
        Object protocol = protocolField.get(TlsExporter.unwrap(engine));
        Class<?> tlsProtocol = Class.forName("org.bouncycastle.tls.TlsProtocol");
        java.lang.reflect.Field app = tlsProtocol.getDeclaredField("applicationDataQueue");
        app.setAccessible(true);
        java.lang.reflect.Field out = tlsProtocol.getDeclaredField("outputBuffer");
        out.setAccessible(true);
        java.lang.reflect.Field databuf = org.bouncycastle.tls.ByteQueue.class.getDeclaredField("databuf");
        databuf.setAccessible(true);
        return ((byte[]) databuf.get(app.get(protocol))).length
                + ((byte[]) databuf.get(((org.bouncycastle.tls.ByteQueueOutputStream) out.get(protocol)).getBuffer())).length;
    }

    /** Handshake and one 3000-byte message each way; returns the server engine's retained queue bytes. */
    private static int exchange(boolean trim) throws Exception {
        SslHandler serverHandler = server.newHandler(ByteBufAllocator.DEFAULT);
        SslHandler clientHandler = client("TLSv1.3").newHandler(ByteBufAllocator.DEFAULT, "example.org", 5222);
        EmbeddedChannel sc = trim ? new EmbeddedChannel(serverHandler, TlsBufferTrimmer.INSTANCE) : new EmbeddedChannel(serverHandler);
        EmbeddedChannel cc = new EmbeddedChannel(clientHandler);
        try {
            byte[] payload = "x".repeat(3000).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 50 && !(serverHandler.handshakeFuture().isDone() && clientHandler.handshakeFuture().isDone()); i++) {
                ByteBuf b;
                while ((b = cc.readOutbound()) != null) sc.writeInbound(b);
                while ((b = sc.readOutbound()) != null) cc.writeInbound(b);
            }
            assertThat(serverHandler.handshakeFuture().isSuccess()).isTrue();
            cc.writeOutbound(io.netty.buffer.Unpooled.wrappedBuffer(payload));
            sc.writeOutbound(io.netty.buffer.Unpooled.wrappedBuffer(payload));
            ByteBuf b;
            while ((b = cc.readOutbound()) != null) sc.writeInbound(b);
            while ((b = sc.readOutbound()) != null) cc.writeInbound(b);
            int received = 0;
            while ((b = sc.readInbound()) != null) {
                received += b.readableBytes();
                b.release();
            }
            assertThat(received).isEqualTo(payload.length);
            return retainedQueueBytes(serverHandler.engine());
        } finally {
            sc.finishAndReleaseAll();
            cc.finishAndReleaseAll();
        }
    }

    @Test
    void drainedRecordBuffersAreGivenBack() throws Exception {
        assertThat(TlsBufferTrimmer.available()).isTrue();
        // Without the trimmer bctls keeps its grown queues (if this starts failing after an upgrade, BC releases
        // them itself and TlsBufferTrimmer can go).
        assertThat(exchange(false)).isGreaterThan(0);
        assertThat(exchange(true)).isZero();
    }

    /**
     * On BoringSSL there is nothing to trim: the trimmer leaves the pipeline once the handshake is done, also when
     * the answer is flushed at the end of a read (FlushConsolidationHandler), inside the trimmer's own read-complete.
     */
    @Test
    void trimmerLeavesBoringSslPipelines() throws Exception {
        assertThat(io.netty.handler.ssl.OpenSsl.isAvailable()).isTrue();
        SslHandler serverHandler = ServerTlsContexts.forServer(material, TlsProvider.OPENSSL).newHandler(ByteBufAllocator.DEFAULT);
        SslHandler clientHandler = client("TLSv1.3").newHandler(ByteBufAllocator.DEFAULT, "example.org", 5222);
        io.netty.channel.ChannelHandler echo = new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                ctx.write(msg);
            }

            @Override
            public void channelReadComplete(io.netty.channel.ChannelHandlerContext ctx) {
                ctx.flush(); // as FlushConsolidationHandler does at the end of a read
            }
        };
        EmbeddedChannel sc = new EmbeddedChannel(serverHandler, TlsBufferTrimmer.INSTANCE, echo);
        EmbeddedChannel cc = new EmbeddedChannel(clientHandler);
        try {
            for (int i = 0; i < 50 && !(serverHandler.handshakeFuture().isDone() && clientHandler.handshakeFuture().isDone()); i++) {
                ByteBuf b;
                while ((b = cc.readOutbound()) != null) sc.writeInbound(b);
                while ((b = sc.readOutbound()) != null) cc.writeInbound(b);
            }
            assertThat(serverHandler.handshakeFuture().isSuccess()).isTrue();
            for (int round = 0; round < 2; round++) {
                cc.writeOutbound(io.netty.buffer.Unpooled.copiedBuffer("<message/>", StandardCharsets.US_ASCII));
                ByteBuf b;
                while ((b = cc.readOutbound()) != null) sc.writeInbound(b);
                while ((b = sc.readOutbound()) != null) cc.writeInbound(b);
                ByteBuf echoed = cc.readInbound();
                assertThat(echoed.toString(StandardCharsets.US_ASCII)).isEqualTo("<message/>");
                echoed.release();
            }
            assertThat(sc.isActive()).isTrue();
            assertThat(sc.pipeline().get(TlsBufferTrimmer.class)).isNull();
            sc.checkException();
        } finally {
            sc.finishAndReleaseAll();
            cc.finishAndReleaseAll();
        }
    }

    @Test
    void sniMappingFallsBack() throws Exception {
        SslContext a = ServerTlsContexts.forServer(CertificateStore.selfSigned(dir, "a.example"), TlsProvider.JDK);
        SslContext b = ServerTlsContexts.forServer(CertificateStore.selfSigned(dir, "b.example"), TlsProvider.JDK);
        Mapping<String, SslContext> m = ServerTlsContexts.sniMapping(
                Map.of("a.example", a, "*.b.example", b, "b.example", b), server);
        assertThat(m.map("a.example")).isSameAs(a);
        assertThat(m.map("A.Example")).isSameAs(a);
        assertThat(m.map("b.example")).isSameAs(b);
        assertThat(m.map("muc.b.example")).isSameAs(b);
        assertThat(m.map("x.a.example")).isSameAs(server);
        assertThat(m.map("unknown.example")).isSameAs(server);
        assertThat(m.map(null)).isSameAs(server);
    }
}
