package org.parley.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.net.ssl.SSLSocket;

/**
 * A client that writes raw bytes: what Smack will not send (malformed XML, spoofed addresses, huge
 * stanzas) and XEP-0368 direct TLS, which Smack 4.4 lacks.
 */
public final class RawClient implements AutoCloseable {
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final StringBuilder received = new StringBuilder();
    private int consumed;
    private boolean eof;

    private RawClient(Socket socket) throws IOException {
        use(socket);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        socket.setSoTimeout(100);
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    public static RawClient plain(int port) throws IOException {
        return new RawClient(new Socket(InetAddress.getLoopbackAddress(), port));
    }

    /** A client with a tiny receive buffer, to play one that reads slowly or not at all. */
    public static RawClient slow(int port) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return new RawClient(s);
    }

    public static RawClient directTls(int port) throws Exception {
        SSLSocket s = (SSLSocket) ParleyServer.get().sslContext().getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port);
        var params = s.getSSLParameters();
        params.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName("localhost")));
        s.setSSLParameters(params);
        s.startHandshake();
        return new RawClient(s);
    }

    public RawClient send(String xml) throws IOException {
        return send(xml.getBytes(StandardCharsets.UTF_8));
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /**
     * Writes {@code bytes} in pieces of 16 KiB while the server says nothing, as an attacker that stops once it is
     * refused: the rest of a megabyte would only cost both ends TLS work. Returns how many bytes were written;
     * stops early, without an exception, when the server hangs up.
     */
    public int sendWhileSilent(byte[] bytes) throws IOException {
        int written = 0;
        try {
            while (written < bytes.length && received.length() == consumed && !eof) {
                int n = Math.min(16 * 1024, bytes.length - written);
                out.write(bytes, written, n);
                out.flush();
                written += n;
                socket.setSoTimeout(1);
                try {
                    readSome();
                } finally {
                    socket.setSoTimeout(100);
                }
            }
        } catch (IOException closed) {
            // The server refused what came before and closed; its answer is read by await().
        }
        return written;
    }

    public RawClient openStream() throws IOException {
        return send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
                + " to='localhost' version='1.0'>");
    }

    /** Waits until {@code fragment} arrives after what earlier calls matched; returns the text up to it. */
    public String await(String fragment) throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            int at = received.indexOf(fragment, consumed);
            if (at >= 0) {
                String upTo = received.substring(consumed, at + fragment.length());
                consumed = at + fragment.length();
                return upTo;
            }
            if (eof || System.nanoTime() > deadline) {
                throw new AssertionError("no '" + fragment + "' " + (eof ? "before the connection closed" : "within 10 s")
                        + "; received: " + received.substring(consumed));
            }
            readSome();
        }
    }

    /** True when the server closes the connection within 10 s. */
    public boolean closedByServer() throws IOException {
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

    /** STARTTLS on a plain connection, then a new stream over TLS. */
    public RawClient startTls() throws Exception {
        return startTls(ParleyServer.get().sslContext());
    }

    /** STARTTLS trusting what {@code tls} trusts (a test server of a test's own). */
    public RawClient startTls(javax.net.ssl.SSLContext tls) throws Exception {
        openStream();
        await("</stream:features>");
        send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        await("<proceed");
        SSLSocket s = (SSLSocket) tls.getSocketFactory()
                .createSocket(socket, "localhost", socket.getPort(), true);
        // The 100 ms read timeout is for polling stanzas; a handshake on a busy machine takes longer.
        s.setSoTimeout(10_000);
        s.startHandshake();
        use(s);
        return this;
    }

    /** SASL PLAIN on a secure stream (its header not yet sent), the restart, and binding {@code resource}. */
    public RawClient login(String user, String password, String resource) throws IOException {
        return authenticate(user, password).bind(resource);
    }

    /** SASL ANONYMOUS on a secure stream (its header not yet sent), the restart, and binding {@code resource}. */
    public RawClient loginAnonymously(String resource) throws IOException {
        return sasl("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>").bind(resource);
    }

    /** SASL PLAIN on a secure stream (its header not yet sent) and the restart, up to the features offering bind. */
    public RawClient authenticate(String user, String password) throws IOException {
        String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        return sasl("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + plain + "</auth>");
    }

    private RawClient sasl(String auth) throws IOException {
        openStream();
        await("</stream:features>");
        send(auth);
        await("<success");
        openStream();
        await("</stream:features>");
        return this;
    }

    private RawClient bind(String resource) throws IOException {
        send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + resource
                + "</resource></bind></iq>");
        await("</iq>");
        return this;
    }

    /**
     * XEP-0198 with resumption: sends {@code <enable resume='true'/>} with {@code attributes} (e.g. {@code " max='5'"},
     * or empty) and returns the resumption id of the {@code <enabled/>} answer.
     */
    public String enableResumption(String attributes) throws IOException {
        send("<enable xmlns='urn:xmpp:sm:3' resume='true'" + attributes + "/>");
        String enabled = await("/>");
        int at = enabled.indexOf("id='");
        if (!enabled.contains("<enabled") || at < 0) throw new AssertionError("no resumable <enabled/>: " + enabled);
        return enabled.substring(at + 4, enabled.indexOf('\'', at + 4));
    }

    /**
     * XEP-0198: on an authenticated stream, resumes {@code previd} having handled {@code h} stanzas; returns the
     * answer up to its first empty element: {@code <resumed .../>}, or {@code <failed>} up to its condition.
     */
    public String resume(String previd, long h) throws IOException {
        send("<resume xmlns='urn:xmpp:sm:3' previd='" + previd + "' h='" + h + "'/>");
        return await("/>");
    }

    /** Reads until nothing more comes for {@code quietMillis} (or the connection closes); returns what came, unmatched. */
    public String drain(long quietMillis) throws IOException {
        long quietSince = System.nanoTime();
        int before = received.length();
        while (!eof && System.nanoTime() - quietSince < quietMillis * 1_000_000L) {
            readSome();
            if (received.length() != before) {
                before = received.length();
                quietSince = System.nanoTime();
            }
        }
        String rest = received.substring(consumed);
        consumed = received.length();
        return rest;
    }

    /** SASL ANONYMOUS on a secure stream (its header not yet sent), the restart, and binding a server-chosen resource. */
    public RawClient loginAnonymously() throws IOException {
        sasl("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
        send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        await("</iq>");
        return this;
    }

    /** Everything received and not yet matched. */
    public String rest() {
        return received.substring(consumed);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
