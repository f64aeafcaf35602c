package org.parley.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A hand-driven server-to-server stream: what a hostile or broken peer would send. */
final class RawServer implements AutoCloseable {
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final StringBuilder received = new StringBuilder();
    private int consumed;
    private boolean eof;

    RawServer(int port) throws IOException {
        use(new Socket(InetAddress.getLoopbackAddress(), port));
    }

    private void use(Socket s) throws IOException {
        socket = s;
        socket.setSoTimeout(100);
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    RawServer send(String xml) throws IOException {
        out.write(xml.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    RawServer openStream(String from, String to) throws IOException {
        return send("<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
                + " xmlns:db='jabber:server:dialback' from='" + from + "' to='" + to + "' version='1.0'>");
    }

    /** STARTTLS, accepting any server certificate and presenting none; then the stream is opened again. */
    RawServer startTls(String from, String to) throws Exception {
        return startTls(from, to, null);
    }

    /**
     * STARTTLS presenting {@code identity}, SASL EXTERNAL as {@code from} (the server must offer it), and the restarted
     * stream's features: a peer authenticated the way a federated server with a trusted certificate is.
     */
    RawServer authenticateExternal(String from, String to, org.parley.xmpp.tls.TlsMaterial identity) throws Exception {
        startTls(from, to, identity);
        openStream(from, to);
        String features = await("</stream:features>");
        if (!features.contains("EXTERNAL")) throw new AssertionError("SASL EXTERNAL not offered: " + features);
        send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>");
        await("<success");
        openStream(from, to);
        await("</stream:features>");
        return this;
    }

    /** STARTTLS presenting {@code identity} (null for none), accepting any server certificate. */
    RawServer startTls(String from, String to, org.parley.xmpp.tls.TlsMaterial identity) throws Exception {
        openStream(from, to);
        await("</stream:features>");
        send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        await("<proceed");
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(identity == null ? null : keyManagers(identity), new TrustManager[] {new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(socket, to, socket.getPort(), true);
        // The handshake is not polled like reads are; a client certificate to check makes it slower.
        s.setSoTimeout(10_000);
        s.startHandshake();
        use(s);
        return this;
    }

    private static javax.net.ssl.KeyManager[] keyManagers(org.parley.xmpp.tls.TlsMaterial identity) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] password = "raw".toCharArray();
        ks.setKeyEntry("identity", identity.key(), password, identity.chain().toArray(new X509Certificate[0]));
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        return kmf.getKeyManagers();
    }

    /** Waits for {@code fragment} after what earlier calls matched; returns the text up to it. */
    String await(String fragment) throws IOException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            int at = received.indexOf(fragment, consumed);
            if (at >= 0) {
                String upTo = received.substring(consumed, at + fragment.length());
                consumed = at + fragment.length();
                return upTo;
            }
            if (eof || System.nanoTime() > deadline) {
                throw new AssertionError("no '" + fragment + "' " + (eof ? "before the connection closed" : "within 20 s")
                        + "; received: " + received.substring(consumed));
            }
            readSome();
        }
    }

    /** The value of {@code attribute} in the text, e.g. the stream id from a header. */
    static String attribute(String text, String attribute) {
        int at = text.indexOf(" " + attribute + "='");
        if (at < 0) throw new AssertionError("no " + attribute + " in " + text);
        int start = at + attribute.length() + 3;
        return text.substring(start, text.indexOf('\'', start));
    }

    boolean closedByServer() throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!eof && System.nanoTime() < deadline) {
            try {
                readSome();
            } catch (IOException reset) {
                eof = true;
            }
        }
        return eof;
    }

    private void readSome() throws IOException {
        byte[] buf = new byte[8192];
        try {
            int n = in.read(buf);
            if (n < 0) eof = true;
            else received.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        } catch (SocketTimeoutException e) {
            // nothing yet
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
