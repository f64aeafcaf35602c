package org.parley.bench.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.parley.bench.LauncherOptions;
import org.parley.bench.load.Target;

/**
 * {@code app/target/parley.jar} with: {@code localhost} (SCRAM, in-band registration), {@code anon.localhost}
 * (ANONYMOUS only), MUC {@code conference.localhost} (rooms semi-anonymous like Prosody's and ejabberd's
 * default), STARTTLS, direct TLS, WebSocket on a plain HTTP listener marked secure and on HTTPS; the embedded H2
 * store in its directory; rate limits out of the way; log level WARN.
 */
public final class ParleyServer extends ChildDaemon {
    private final Path jar;
    private final String heap;
    private final TestCertificate cert;
    private final int[] ports = freePorts(4);

    public ParleyServer(Path dir, Path pidFile, Path jar, String heap, TestCertificate cert) throws IOException {
        super(dir, pidFile);
        this.jar = jar.toAbsolutePath();
        this.heap = heap;
        this.cert = cert;
    }

    @Override public String name() { return "Parley"; }

    @Override
    public String version() {
        return "0.1.0-SNAPSHOT (" + jar.getFileName() + ", JDK " + Runtime.version().feature() + ", -Xmx" + heap + ")";
    }

    @Override
    protected void writeConfig() throws IOException {
        String c = cert.certificate().toString(), k = cert.key().toString();
        Files.writeString(dir.resolve("parley.conf"), """
                parley {
                  data-dir = "%s"
                  hosts = [
                    { domain = "localhost", registration = true, certificate = "%s", key = "%s" }
                    { domain = "anon.localhost", anonymous = true, sasl-mechanisms = [], certificate = "%s", key = "%s" }
                  ]
                  listeners {
                    c2s { bind = "127.0.0.1", port = %d }
                    c2s-direct-tls { bind = "127.0.0.1", port = %d }
                    component { enabled = false }
                    s2s { enabled = false }
                  }
                  s2s.enabled = false
                  http {
                    listeners {
                      plain { enabled = true, bind = "127.0.0.1", port = %d, secure = true }
                      tls { enabled = true, bind = "127.0.0.1", port = %d }
                    }
                    bosh.max-sessions-per-address = 1000000
                  }
                  admin.enabled = false
                  focus.rest { bind = "127.0.0.1", port = 0 }
                  # Prosody and ejabberd run no conference focus here either.
                  focus.enabled = false
                  limits {
                    max-connections-per-address = 1000000
                    new-connections-per-second = 1000000
                    new-connection-burst = 1000000
                    bytes-per-second = 1GiB
                    byte-burst = 1GiB
                    stanzas-per-second = 1000000
                    stanza-burst = 1000000
                    registrations-per-address = 1000000
                    idle-timeout = 1h
                  }
                  muc {
                    # No room-creation rate per address: every bench client comes from 127.0.0.1.
                    room-creation { per-session-per-minute = 0, per-address-per-minute = 0 }
                    service-defaults.room-defaults.whois = "moderators"
                    # No presence coalescing in big rooms: the others have none by default.
                    service-defaults.big-room-size = 1000000
                    services = [ { domain = "conference.localhost" } ]
                  }
                }
                """.formatted(dir.resolve("state"), c, k, c, k, ports[0], ports[1], ports[2], ports[3]));
    }

    @Override
    protected List<String> command() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+UseG1GC"));
        cmd.addAll(LauncherOptions.JVM);
        String extra = System.getenv("PARLEY_JVM_OPTS");
        if (extra != null && !extra.isBlank()) cmd.addAll(List.of(extra.trim().split("\\s+")));
        cmd.addAll(List.of("-jar", jar.toString(), "run", "--config", dir.resolve("parley.conf").toString()));
        return cmd;
    }

    @Override
    protected Map<String, String> environment() {
        return Map.of("PARLEY_LOG_LEVEL", "WARN");
    }

    @Override protected int readyPort() { return ports[0]; }

    /**
     * Parley's client ports listen (into their backlog) from its first moments, before it accepts: it serves once a
     * stream opened on c2s gets its features.
     */
    @Override
    protected boolean ready() {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), ports[0]), 1000);
            s.setSoTimeout(1000);
            s.getOutputStream().write(("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                    + "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder got = new StringBuilder();
            byte[] buf = new byte[4096];
            for (int n; (n = s.getInputStream().read(buf)) > 0; ) {
                got.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
                if (got.indexOf("features") >= 0) return true;
            }
            return false;
        } catch (java.io.IOException notYet) {
            return false;
        }
    }

    @Override
    public Target target() {
        return new Target(name(), "localhost", "anon.localhost", "conference.localhost", ports[0], ports[1], ports[2], ports[3],
                "/xmpp-websocket", pid());
    }

    @Override
    public List<String> settings() {
        return List.of("JVM -Xmx" + heap + " -XX:+UseG1GC " + String.join(" ", LauncherOptions.JVM) + ", embedded H2 store, log level WARN",
                "limits: stanzas-per-second = stanza-burst = max-connections-per-address = registrations-per-address ="
                        + " new-connections-per-second = new-connection-burst = 1000000, bytes-per-second = byte-burst = 1GiB,"
                        + " MUC big-room-size = 1000000, MUC room-creation rates 0 (all off); no admin port",
                "registration on localhost; ANONYMOUS on anon.localhost; MUC conference.localhost, whois = moderators (as the others' default)",
                "WebSocket on a plain listener marked secure (as behind a TLS proxy) and on HTTPS");
    }

    @Override
    protected boolean isProblem(String line) {
        return (line.contains(" WARN ") || line.contains(" ERROR ") || line.startsWith("Exception")) && !line.contains("Flyway upgrade");
    }
}
