package org.parley.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * XMPP over WebSocket (RFC 7395) with the JDK's WebSocket client, one text message per element. Smack 4.4
 * has no WebSocket transport (smack-websocket-java11 exists only from 4.5.0 betas, which cannot be mixed
 * with Smack 4.4's core), so the tests speak the framing themselves.
 */
public final class WebSocketClient implements AutoCloseable {
    public static final String FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";

    private final WebSocket ws;
    private final Listener listener;
    private final List<String> received = new ArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private int consumed;

    private WebSocketClient(WebSocket ws, Listener listener) {
        this.ws = ws;
        this.listener = listener;
    }

    /** ws:// to the plain HTTP listener. */
    public static WebSocketClient plain() throws Exception {
        return connect(URI.create("ws://127.0.0.1:" + ParleyServer.get().httpPort() + "/xmpp-websocket"), "xmpp");
    }

    /** wss:// to the HTTPS listener, trusting the server's self-signed certificate. */
    public static WebSocketClient tls() throws Exception {
        return connect(URI.create("wss://localhost:" + ParleyServer.get().httpsPort() + "/xmpp-websocket"), "xmpp");
    }

    public static WebSocketClient connect(URI uri, String subprotocol) throws Exception {
        HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (uri.getScheme().equals("wss")) hb.sslContext(ParleyServer.get().sslContext());
        HttpClient http = hb.build();
        WebSocketClient[] self = new WebSocketClient[1];
        Listener listener = new Listener(self);
        WebSocket.Builder b = http.newWebSocketBuilder();
        if (subprotocol != null) b.subprotocols(subprotocol);
        WebSocket ws = b.buildAsync(uri, listener).get(10, TimeUnit.SECONDS);
        WebSocketClient c = new WebSocketClient(ws, listener);
        synchronized (listener) {
            self[0] = c;
            listener.notifyAll();
        }
        return c;
    }

    public String subprotocol() { return ws.getSubprotocol(); }

    public WebSocketClient send(String xml) throws Exception {
        ws.sendText(xml, true).get(10, TimeUnit.SECONDS);
        return this;
    }

    public WebSocketClient sendBinary(byte[] bytes) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
        return this;
    }

    public WebSocketClient open() throws Exception {
        return send("<open xmlns='" + FRAMING + "' to='localhost' version='1.0'/>");
    }

    /** Waits for the next message containing {@code fragment} after those matched before; returns it. */
    public synchronized String await(String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            for (int i = consumed; i < received.size(); i++) {
                if (received.get(i).contains(fragment)) {
                    consumed = i + 1;
                    return received.get(i);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || (closed.isDone() && consumed >= received.size())) {
                throw new AssertionError("no message with '" + fragment + "'" + (closed.isDone() ? " before the close" : " within 10 s")
                        + "; received: " + received.subList(consumed, received.size()));
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    /** Every message received so far, in order. */
    public synchronized List<String> messages() {
        return new ArrayList<>(received);
    }

    /** The WebSocket close code the server sent, waiting up to 10 s for it. */
    public int awaitClose() throws Exception {
        return awaitClose(10);
    }

    /**
     * The WebSocket close code, waiting up to {@code seconds}; on a timeout, an error saying what had come (a client
     * flooded with messages reads the connection's end only after them).
     */
    public int awaitClose(long seconds) throws Exception {
        try {
            return closed.get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            List<String> got = messages();
            throw new AssertionError("no close within " + seconds + " s; " + got.size() + " messages came, the last: "
                    + (got.isEmpty() ? "none" : got.get(got.size() - 1)), e);
        }
    }

    /** ANONYMOUS or PLAIN, the restart, and binding a resource; returns the bound JID. */
    public String login(String user, String password, String resource) throws Exception {
        open();
        await("<open");
        await("</stream:features>");
        if (user == null) {
            send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
        } else {
            String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
            send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + plain + "</auth>");
        }
        await("<success");
        open();
        await("<open");
        await("<bind");
        send("<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                + (resource == null ? "" : "<resource>" + resource + "</resource>") + "</bind></iq>");
        String result = await("id='bind1'");
        int start = result.indexOf("<jid>") + 5;
        return result.substring(start, result.indexOf("</jid>"));
    }

    private synchronized void text(String message) {
        received.add(message);
        notifyAll();
    }

    private synchronized void closedWith(int code) {
        closed.complete(code);
        notifyAll();
    }

    /**
     * Stops taking messages: the JDK client reads its socket only on demand, so the kernel's buffers fill and the
     * server's writes back up, as with a client that no longer reads (a frozen tab).
     */
    public void stopReading() {
        listener.paused = true;
    }

    /** Takes messages again, from the first one held back. */
    public void resumeReading() {
        listener.paused = false;
        ws.request(1);
    }

    /** Drops the connection without a closing handshake, as a network failure would. */
    public void cut() {
        ws.abort();
    }

    /** SASL PLAIN and the restart, stopping before resource binding (for resumption). */
    public void authenticate(String user, String password) throws Exception {
        open();
        await("<open");
        await("</stream:features>");
        String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + plain + "</auth>");
        await("<success");
        open();
        await("<open");
        await("</stream:features>");
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) ws.sendClose(WebSocket.NORMAL_CLOSURE, "");
        ws.abort();
    }

    private static final class Listener implements WebSocket.Listener {
        private final WebSocketClient[] self;
        private final StringBuilder partial = new StringBuilder();
        volatile boolean paused;

        Listener(WebSocketClient[] self) {
            this.self = self;
        }

        private synchronized WebSocketClient client() {
            while (self[0] == null) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return self[0];
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                client().text(partial.toString());
                partial.setLength(0);
            }
            if (!paused) ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            client().closedWith(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            client().closedWith(-1);
        }
    }
}
