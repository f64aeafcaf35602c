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
 * a free loopback port), opens a client stream and a BOSH request against it, and stops it. Run under
 * {@code -XX:ArchiveClassesAtExit} ({@code parley archive-classes}), the JVM then writes every class this loaded into
 * an AppCDS archive, which halves the next start-up's class loading: the time a restart keeps every client waiting.
 * It touches nothing of the operator's (ports, data, configuration).
 */
final class TrainingRun {
    private TrainingRun() {}

    static int run(PrintStream out) throws Exception {
        // Its self-signed certificate and empty database are nobody's concern: only errors are worth printing.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
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
                        plain { bind = "127.0.0.1", port = 0 }
                        tls { bind = "127.0.0.1", port = 0 }
                      }
                      admin.enabled = false
                      focus.rest { bind = "127.0.0.1", port = 0 }
                    }
                    """.formatted(dir.resolve("data").toString().replace("\\", "\\\\")));
            try (Parley parley = Parley.start(ConfigLoader.load(config))) {
                exchange(parley.startTlsPort(), "<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
                        + " xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>", "</stream:features>");
                String body = "<body xmlns='http://jabber.org/protocol/httpbind' rid='1' to='localhost' wait='1' hold='1'"
                        + " xml:lang='en' ver='1.6' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh'/>";
                exchange(parley.httpPort(), "POST /http-bind HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body, "</body>");
            }
            out.println("training run done");
            return 0;
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
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
