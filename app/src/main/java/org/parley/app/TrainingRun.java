package org.parley.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.parley.xmpp.config.ConfigLoader;

/**
 * {@code parley training-run}: starts a throw-away server (its own temporary data dir, embedded H2, every listener on
 * a free loopback port), opens a client stream and a BOSH request against it, and takes a guest through what a
 * restart asks of it: over WebSocket, as lib-jitsi-meet, ANONYMOUS login, resumable stream management and a room;
 * then the server hands over and stops, a second one restores the session and the room, and the guest resumes. Run under
 * {@code -XX:ArchiveClassesAtExit} ({@code parley archive-classes}), the JVM then writes every class this loaded into
 * an AppCDS archive, which halves the next start-up's class loading: the time a restart keeps every client waiting.
 * It touches nothing of the operator's (ports, data, configuration).
 */
final class TrainingRun {
    private TrainingRun() {}

    static int run(PrintStream out) throws Exception {
        // Its self-signed certificate and empty database are nobody's concern: only errors are worth printing.
        var logging = (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        for (ch.qos.logback.classic.Logger l : logging.getLoggerList()) {
            if (!org.slf4j.Logger.ROOT_LOGGER_NAME.equals(l.getName())) l.setLevel(null);
        }
        logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.ERROR);
        Path dir = Files.createTempDirectory("parley-training");
        try {
            Path config = dir.resolve("parley.conf");
            Files.writeString(config, """
                    parley {
                      data-dir = "%s"
                      listeners {
                        c2s { bind = "127.0.0.1", port = 0 }
                        c2s-direct-tls { bind = "127.0.0.1", port = 0 }
                        component { bind = "127.0.0.1", port = 0 }
                        s2s { bind = "127.0.0.1", port = 0 }
                      }
                      http.listeners {
                        # secure: behind a TLS proxy, as Jitsi's nginx, where guests log in with ANONYMOUS.
                        plain { bind = "127.0.0.1", port = 0, secure = true }
                        tls { bind = "127.0.0.1", port = 0 }
                      }
                      admin.enabled = false
                      focus.rest { bind = "127.0.0.1", port = 0 }
                      handover.enabled = true
                    }
                    """.formatted(dir.resolve("data").toString().replace("\\", "\\\\")));
            String resumeId;
            long handled;
            try (Parley parley = Parley.start(ConfigLoader.load(config))) {
                exchange(parley.startTlsPort(), "<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
                        + " xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>", "</stream:features>");
                String body = "<body xmlns='http://jabber.org/protocol/httpbind' rid='1' to='localhost' wait='1' hold='1'"
                        + " xml:lang='en' ver='1.6' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh'/>";
                exchange(parley.httpPort(), "POST /http-bind HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body, "</body>");
                try (WebSocketGuest guest = new WebSocketGuest(parley.httpPort(), "")) {
                    guest.login();
                    guest.exchange("<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>", "id='b'");
                    String enabled = guest.exchange("<enable xmlns='urn:xmpp:sm:3' resume='true'/>", "<enabled");
                    int at = enabled.indexOf(" id='");
                    if (at < 0) throw new IOException("no resumption id: " + enabled);
                    resumeId = enabled.substring(at + 5, enabled.indexOf('\'', at + 5));
                    guest.counting = true;
                    guest.exchange("<presence xmlns='jabber:client' to='training@conference.localhost/guest'>"
                            + "<x xmlns='http://jabber.org/protocol/muc'/></presence>", "code='110'");
                    guest.exchange("<message xmlns='jabber:client' type='groupchat' to='training@conference.localhost'>"
                            + "<body>hello</body></message>", "<body>hello</body>");
                    handled = guest.handled;
                    parley.close(); // with the guest's stream still open: it is handed over
                }
            }
            try (Parley parley = Parley.start(ConfigLoader.load(config));
                 WebSocketGuest guest = new WebSocketGuest(parley.httpPort(), "?previd=" + resumeId)) {
                guest.login();
                String answer = guest.exchange("<resume xmlns='urn:xmpp:sm:3' previd='" + resumeId + "' h='" + handled + "'/>",
                        "xmlns='urn:xmpp:sm:3'");
                if (!answer.startsWith("<resumed")) throw new IOException("the handed-over stream was not resumed: " + answer);
            }
            out.println("training run done");
            return 0;
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /**
     * A WebSocket client of a few lines (RFC 6455 frames, unfragmented, masked with a zero key), so that the archive
     * holds the server's classes for it and no client library's.
     */
    private static final class WebSocketGuest implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        /** Stanzas received since stream management was enabled, while counting (XEP-0198's h). */
        long handled;
        boolean counting;

        WebSocketGuest(int port, String query) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
            out.write(("GET /xmpp-websocket" + query + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Protocol: xmpp\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder head = new StringBuilder();
            int c;
            while (head.indexOf("\r\n\r\n") < 0 && (c = in.read()) >= 0) head.append((char) c);
            if (!head.toString().startsWith("HTTP/1.1 101")) throw new IOException("no WebSocket upgrade: " + head);
        }

        void login() throws IOException {
            String open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>";
            exchange(open, "</stream:features>");
            exchange("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>", "<success");
            exchange(open, "</stream:features>");
        }

        /** Sends one element and reads messages until one contains {@code end}; returns that one. */
        String exchange(String xml, String end) throws IOException {
            byte[] payload = xml.getBytes(StandardCharsets.UTF_8);
            out.write(0x81);
            if (payload.length < 126) {
                out.write(0x80 | payload.length);
            } else {
                out.write(0x80 | 126);
                out.write(payload.length >> 8);
                out.write(payload.length & 0xff);
            }
            out.write(new byte[4]);
            out.write(payload);
            out.flush();
            while (true) {
                String message = read();
                if (message == null) throw new IOException("closed before " + end);
                if (counting && (message.startsWith("<message") || message.startsWith("<presence") || message.startsWith("<iq"))) {
                    handled++;
                }
                if (message.contains(end)) return message;
            }
        }

        private String read() throws IOException {
            int first = in.read();
            int second = in.read();
            if (first < 0 || second < 0) return null;
            long length = second & 0x7f;
            if (length == 126) length = (in.read() << 8) | in.read();
            else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) length = (length << 8) | in.read();
            }
            byte[] data = in.readNBytes((int) length);
            if ((first & 0x0f) == 8) return null;
            return new String(data, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Sends {@code request} and reads until {@code end} (or 10 s, or the connection closes). */
    private static void exchange(int port, String request, String end) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream o = s.getOutputStream();
            o.write(request.getBytes(StandardCharsets.UTF_8));
            o.flush();
            InputStream in = s.getInputStream();
            StringBuilder got = new StringBuilder();
            byte[] buf = new byte[4096];
            int n;
            while (got.indexOf(end) < 0 && (n = in.read(buf)) > 0) got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
    }
}
