package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.TrustManager;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.parley.xmpp.tls.TlsExporter;

/**
 * A blocking XMPP connection whose TLS is a BouncyCastle client engine driven by hand over the socket, so its
 * exporter can be recorded at handshake completion (BouncyCastle's sockets give no such moment). STARTTLS or
 * direct TLS, TLS 1.3 or 1.2.
 */
final class TlsPump implements AutoCloseable {
    static final String STREAM_OPEN = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
            + "to='localhost' version='1.0'>";

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    private final ByteBuffer netIn = ByteBuffer.allocate(1 << 17);
    private final ByteBuffer appIn = ByteBuffer.allocate(1 << 17);
    private final StringBuilder received = new StringBuilder();
    /** The client's own tls-exporter value (RFC 9266); null on TLS 1.2. */
    final byte[] binding;
    /** RFC 5929 tls-server-end-point as the client sees it: SHA-256 of the certificate it received. */
    final byte[] serverEndPoint;

    private TlsPump(Socket socket, SSLEngine engine) throws Exception {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.engine = engine;
        handshake();
        this.binding = TlsExporter.channelBinding(engine);
        if (protocol().equals("TLSv1.3")) assertThat(binding).as("client-side tls-exporter").hasSize(32);
        var cert = (java.security.cert.X509Certificate) engine.getSession().getPeerCertificates()[0];
        // The generated certificate is signed with SHA-256, which RFC 5929 then uses for the binding as well.
        assertThat(cert.getSigAlgName()).containsIgnoringCase("SHA256");
        this.serverEndPoint = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
    }

    /** STARTTLS on TLS 1.3. */
    static TlsPump startTls(int port) throws Exception {
        return startTls(port, "TLSv1.3");
    }

    static TlsPump startTls(int port, String protocol) throws Exception {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(200);
        s.getOutputStream().write(STREAM_OPEN.getBytes(StandardCharsets.UTF_8));
        StringBuilder plain = new StringBuilder();
        readUntil(s, plain, "</stream:features>");
        s.getOutputStream().write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>".getBytes(StandardCharsets.UTF_8));
        readUntil(s, plain, "<proceed");
        readUntil(s, plain, null);
        return new TlsPump(s, clientEngine(port, protocol));
    }

    /** XEP-0368 direct TLS: the handshake first, then the stream. */
    static TlsPump directTls(int port, String protocol) throws Exception {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(200);
        return new TlsPump(s, clientEngine(port, protocol));
    }

    static TlsPump open(String mode, String protocol) throws Exception {
        ParleyServer server = ParleyServer.get();
        return mode.equals("direct") ? directTls(server.directTlsPort(), protocol) : startTls(server.startTlsPort(), protocol);
    }

    private static SSLEngine clientEngine(int port, String protocol) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", new BouncyCastleJsseProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()));
        ctx.init(null, new TrustManager[] {ParleyServer.get().trustManager()}, null);
        SSLEngine e = ctx.createSSLEngine("localhost", port);
        e.setUseClientMode(true);
        var params = e.getSSLParameters();
        params.setProtocols(new String[] {protocol});
        e.setSSLParameters(params);
        assertThat(TlsExporter.captureAtHandshake(e)).isTrue();
        return e;
    }

    String protocol() {
        return engine.getSession().getProtocol();
    }

    private static void readUntil(Socket s, StringBuilder into, String fragment) throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        byte[] buf = new byte[4096];
        // null: the end of the <proceed .../> tag, read byte by byte as well
        while (fragment == null ? into.indexOf(">", into.indexOf("<proceed")) < 0 : into.indexOf(fragment) < 0) {
            if (System.nanoTime() > deadline) throw new IOException("no " + fragment + " in " + into);
            try {
                // One byte at a time: after <proceed/> the next bytes are TLS and belong to the engine.
                int n = s.getInputStream().read(buf, 0, 1);
                if (n < 0) throw new IOException("closed; got " + into);
                into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            } catch (SocketTimeoutException ignored) {
                // keep waiting
            }
        }
    }

    private void handshake() throws Exception {
        ByteBuffer netOut = ByteBuffer.allocate(1 << 17);
        if (engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) engine.beginHandshake();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING
                && engine.getHandshakeStatus() != HandshakeStatus.FINISHED) {
            if (System.nanoTime() > deadline) throw new IOException("TLS handshake timed out");
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    netOut.clear();
                    engine.wrap(ByteBuffer.allocate(0), netOut);
                    netOut.flip();
                    out.write(netOut.array(), 0, netOut.limit());
                    out.flush();
                }
                case NEED_TASK -> {
                    Runnable t;
                    while ((t = engine.getDelegatedTask()) != null) t.run();
                }
                default -> unwrapSome();
            }
        }
    }

    /** Feeds what the socket has to the engine; false when nothing came. */
    private boolean unwrapSome() throws IOException {
        int n;
        try {
            n = in.read(netIn.array(), netIn.position(), netIn.remaining());
        } catch (SocketTimeoutException e) {
            n = 0;
        }
        if (n < 0) throw new IOException("closed by the server");
        netIn.position(netIn.position() + n);
        netIn.flip();
        try {
            while (netIn.hasRemaining()) {
                SSLEngineResult r = engine.unwrap(netIn, appIn);
                Runnable t;
                while ((t = engine.getDelegatedTask()) != null) t.run();
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW || r.bytesConsumed() == 0) break;
            }
        } finally {
            netIn.compact();
        }
        appIn.flip();
        received.append(StandardCharsets.UTF_8.decode(appIn));
        appIn.clear();
        return n > 0;
    }

    void send(String xml) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(xml.getBytes(StandardCharsets.UTF_8));
        ByteBuffer netOut = ByteBuffer.allocate(1 << 17);
        while (src.hasRemaining()) {
            netOut.clear();
            engine.wrap(src, netOut);
            netOut.flip();
            out.write(netOut.array(), 0, netOut.limit());
        }
        out.flush();
    }

    /** Waits for {@code fragment}; returns everything up to and including it, and drops that much. */
    String await(String fragment) throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (received.indexOf(fragment) < 0) {
            if (System.nanoTime() > deadline) throw new IOException("no " + fragment + " in " + received);
            unwrapSome();
        }
        int end = received.indexOf(fragment) + fragment.length();
        String got = received.substring(0, end);
        received.delete(0, end);
        return got;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
