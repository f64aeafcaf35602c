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
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.TrustManager;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.xmpp.tls.TlsExporter;

/**
 * SCRAM-SHA-256-PLUS end to end: STARTTLS on the server's real listener (BoringSSL by default), the client's
 * tls-exporter value from BouncyCastle's own TLS implementation, and a login that only succeeds when the server
 * derived the same binding. A client that claims a different binding is refused.
 */
@ExtendWith(ParleyServer.class)
class ScramPlusTest {
    private static final Clients CLIENTS = new Clients();
    private static String user;

    @BeforeAll
    static void account() throws Exception {
        user = Clients.newUser("plus");
        CLIENTS.register(user);
    }

    @Test
    void logsInWithTheChannelBindingOfItsOwnConnection() throws Exception {
        try (TlsPump c = TlsPump.startTls(ParleyServer.get().startTlsPort())) {
            c.send("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>");
            String features = c.await("</stream:features>");
            assertThat(features).contains("<mechanism>SCRAM-SHA-256-PLUS</mechanism>");
            String jid = scramPlus(c, c.binding);
            assertThat(jid).startsWith(user + "@localhost/");
        }
    }

    @Test
    void aBindingFromAnotherConnectionIsRefused() throws Exception {
        byte[] other;
        try (TlsPump first = TlsPump.startTls(ParleyServer.get().startTlsPort())) {
            other = first.binding;
        }
        try (TlsPump c = TlsPump.startTls(ParleyServer.get().startTlsPort())) {
            assertThat(c.binding).isNotEqualTo(other);
            c.send("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>");
            c.await("</stream:features>");
            String nonce = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(18));
            String gs2 = "p=tls-exporter,,";
            String first = "n=" + user + ",r=" + nonce;
            c.send(auth(gs2 + first));
            String challenge = decode(text(c.await("</challenge>"), "</challenge>"));
            c.send(response(clientFinal(gs2, first, challenge, other)));
            assertThat(c.await("</failure>")).contains("not-authorized");
        }
        // The server carries on for everybody else.
        try (TlsPump c = TlsPump.startTls(ParleyServer.get().startTlsPort())) {
            c.send("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>");
            c.await("</stream:features>");
            assertThat(scramPlus(c, c.binding)).startsWith(user + "@localhost/");
        }
    }

    /** The whole SASL exchange, the stream restart and a bind; returns the bound JID. */
    private static String scramPlus(TlsPump c, byte[] binding) throws Exception {
        String nonce = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(18));
        String gs2 = "p=tls-exporter,,";
        String first = "n=" + user + ",r=" + nonce;
        c.send(auth(gs2 + first));
        String challenge = decode(text(c.await("</challenge>"), "</challenge>"));
        assertThat(challenge).startsWith("r=" + nonce);
        String[] fin = clientFinalWithSignature(gs2, first, challenge, binding);
        c.send(response(fin[0]));
        String success = c.await("</success>");
        assertThat(decode(text(success, "</success>"))).isEqualTo("v=" + fin[1]);
        c.send("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>");
        c.await("</stream:features>");
        c.send("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        return text(c.await("</iq>"), "</jid>");
    }

    private static String auth(String message) {
        return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256-PLUS'>"
                + Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.UTF_8)) + "</auth>";
    }

    private static String response(String message) {
        return "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                + Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.UTF_8)) + "</response>";
    }

    private static String clientFinal(String gs2, String first, String challenge, byte[] binding) throws Exception {
        return clientFinalWithSignature(gs2, first, challenge, binding)[0];
    }

    /** RFC 5802 section 3 with SHA-256 (RFC 7677) and cbind-input = gs2 header + binding (RFC 9266). */
    private static String[] clientFinalWithSignature(String gs2, String first, String challenge, byte[] binding) throws Exception {
        String serverNonce = null, salt = null;
        int iterations = 0;
        for (String part : challenge.split(",")) {
            if (part.startsWith("r=")) serverNonce = part.substring(2);
            else if (part.startsWith("s=")) salt = part.substring(2);
            else if (part.startsWith("i=")) iterations = Integer.parseInt(part.substring(2));
        }
        byte[] header = gs2.getBytes(StandardCharsets.UTF_8);
        byte[] cbind = new byte[header.length + binding.length];
        System.arraycopy(header, 0, cbind, 0, header.length);
        System.arraycopy(binding, 0, cbind, header.length, binding.length);
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(cbind) + ",r=" + serverNonce;
        String authMessage = first + "," + challenge + "," + withoutProof;
        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(Clients.PASSWORD.toCharArray(), Base64.getDecoder().decode(salt), iterations, 256))
                .getEncoded();
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
        byte[] signature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ signature[i]);
        byte[] serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
        return new String[] {withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof),
                Base64.getEncoder().encodeToString(serverSignature)};
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64.trim()), StandardCharsets.UTF_8);
    }

    /** The text of the element that {@code closeTag} ends. */
    private static String text(String s, String closeTag) {
        int end = s.indexOf(closeTag);
        return s.substring(s.lastIndexOf('>', end - 1) + 1, end);
    }

    /**
     * A blocking XMPP connection whose TLS is a BouncyCastle client engine driven by hand over the socket, so its
     * exporter can be recorded at handshake completion (BouncyCastle's sockets give no such moment).
     */
    static final class TlsPump implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final SSLEngine engine;
        private final ByteBuffer netIn = ByteBuffer.allocate(1 << 17);
        private final ByteBuffer appIn = ByteBuffer.allocate(1 << 17);
        private final StringBuilder received = new StringBuilder();
        final byte[] binding;

        private TlsPump(Socket socket, SSLEngine engine) throws Exception {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.engine = engine;
            handshake();
            this.binding = TlsExporter.channelBinding(engine);
            assertThat(binding).as("client-side tls-exporter").hasSize(32);
        }

        static TlsPump startTls(int port) throws Exception {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(200);
            String hello = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";
            s.getOutputStream().write(hello.getBytes(StandardCharsets.UTF_8));
            StringBuilder plain = new StringBuilder();
            readUntil(s, plain, "</stream:features>");
            s.getOutputStream().write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>".getBytes(StandardCharsets.UTF_8));
            readUntil(s, plain, "<proceed");
            readUntil(s, plain, null);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3", new BouncyCastleJsseProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()));
            ctx.init(null, new TrustManager[] {ParleyServer.get().trustManager()}, null);
            SSLEngine e = ctx.createSSLEngine("localhost", port);
            e.setUseClientMode(true);
            var params = e.getSSLParameters();
            params.setProtocols(new String[] {"TLSv1.3"});
            e.setSSLParameters(params);
            assertThat(TlsExporter.captureAtHandshake(e)).isTrue();
            return new TlsPump(s, e);
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
}
