package org.parley.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.iqregister.AccountManager;
import org.jxmpp.jid.parts.Localpart;
import org.parley.app.Parley;
import org.parley.xmpp.tls.CertificateStore;
import org.parley.testkit.FreePorts;

/**
 * Two Parley servers in this JVM, {@code one.localhost} and {@code two.localhost}, each on its own embedded H2
 * database and free loopback ports, with static s2s routes to each other. In certificate mode each trusts the
 * other's generated self-signed certificate and requires valid certificates, so links authenticate with SASL
 * EXTERNAL (and server one reaches {@code echo.two.localhost} over direct TLS); in dialback mode they trust
 * nothing of each other and fall back to dialback.
 */
final class FederatedServers implements AutoCloseable {
    static final String ONE = "one.localhost";
    static final String TWO = "two.localhost";
    static final String PASSWORD = "correct horse battery staple";

    enum Mode { CERTIFICATES, DIALBACK }

    final Path dir;
    final Parley one;
    final Parley two;
    private final X509TrustManager trustOne;
    private final X509TrustManager trustTwo;
    private final List<XMPPTCPConnection> open = new ArrayList<>();

    /**
     * @param extraRoutesOfOne more static routes for server one ("domain" = "host:port" lines)
     * @param settings         more {@code parley.s2s} settings for both servers
     */
    FederatedServers(Mode mode, Map<String, String> extraRoutesOfOne, String settings) throws Exception {
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        dir = Files.createTempDirectory("parley-s2s");
        int[] ports = FreePorts.take(2);
        int portOne = ports[0];
        int portTwo = ports[1];
        Path certsOne = dir.resolve("one/state/certs");
        Path certsTwo = dir.resolve("two/state/certs");
        // Made before either starts, so each can be told to trust the other's.
        CertificateStore.selfSigned(certsOne, ONE);
        CertificateStore.selfSigned(certsTwo, TWO);
        boolean certs = mode == Mode.CERTIFICATES;
        // In certificate mode the service domain is reached with direct TLS (XEP-0368) on the same port.
        StringBuilder routesOne = new StringBuilder()
                .append('"').append(TWO).append("\" = \"127.0.0.1:").append(portTwo).append("\"\n")
                .append("\"echo.").append(TWO).append("\" = \"").append(certs ? "tls://" : "").append("127.0.0.1:")
                .append(portTwo).append("\"\n")
                .append("\"conference.").append(TWO).append("\" = \"127.0.0.1:").append(portTwo).append("\"\n");
        extraRoutesOfOne.forEach((d, r) -> routesOne.append('"').append(d).append("\" = \"").append(r).append("\"\n"));
        String routesTwo = "\"" + ONE + "\" = \"127.0.0.1:" + portOne + "\"\n"
                + "\"conference." + ONE + "\" = \"127.0.0.1:" + portOne + "\"\n";
        one = start(dir.resolve("one"), ONE, portOne, routesOne.toString(), certs ? certsTwo.resolve(TWO + ".crt") : null, certs, settings);
        Parley started = null;
        try {
            started = start(dir.resolve("two"), TWO, portTwo, routesTwo, certs ? certsOne.resolve(ONE + ".crt") : null, certs, settings);
        } finally {
            if (started == null) one.close();
        }
        two = started;
        trustOne = trustManagerFor(certsOne.resolve(ONE + ".crt"));
        trustTwo = trustManagerFor(certsTwo.resolve(TWO + ".crt"));
    }

    private static Parley start(Path home, String domain, int s2sPort, String routes, Path trusted, boolean requireValid,
                                String settings) throws Exception {
        Files.createDirectories(home);
        Path conf = home.resolve("parley.conf");
        Files.writeString(conf, """
                parley {
                  data-dir = "%s"
                  hosts = [ { domain = "%s", registration = true } ]
                  listeners {
                    c2s { bind = "127.0.0.1", port = 0 }
                    c2s-direct-tls { bind = "127.0.0.1", port = 0 }
                    component { enabled = false }
                    s2s { bind = "127.0.0.1", port = %d }
                  }
                  # No WebSocket/BOSH listeners: these servers are only reached over TCP.
                  http.listeners { plain.enabled = false, tls.enabled = false }
                  admin.enabled = false
                  focus.rest { bind = "127.0.0.1", port = 0 }
                  s2s {
                    routes { %s }
                    trusted-certificates = [ %s ]
                    require-valid-certificates = %s
                    connect-timeout = 5s
                    %s
                  }
                  limits { registrations-per-address = 10000, max-connections-per-address = 10000 }
                }
                """.formatted(home.resolve("state"), domain, s2sPort, routes,
                trusted == null ? "" : "\"" + trusted + "\"", requireValid, settings));
        return TestServers.start(conf);
    }

    /** A fresh user name. */
    static String newUser(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Registers {@code user} on {@code server} and logs in as {@code resource}. */
    XMPPTCPConnection login(Parley server, String user, String resource) throws Exception {
        XMPPTCPConnectionConfiguration.Builder b = config(server);
        XMPPTCPConnection reg = connect(b.build());
        AccountManager.getInstance(reg).createAccount(Localpart.from(user), PASSWORD);
        reg.disconnect();
        XMPPTCPConnection c = connect(config(server).setUsernameAndPassword(user, PASSWORD).setResource(resource).build());
        c.login();
        return c;
    }

    /** Logs in as an existing user. */
    XMPPTCPConnection loginExisting(Parley server, String user, String resource) throws Exception {
        XMPPTCPConnection c = connect(config(server).setUsernameAndPassword(user, PASSWORD).setResource(resource).build());
        c.login();
        return c;
    }

    private XMPPTCPConnectionConfiguration.Builder config(Parley server) throws Exception {
        boolean isOne = server == one;
        return XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(isOne ? ONE : TWO)
                .setHostAddress(InetAddress.getLoopbackAddress())
                .setPort(server.startTlsPort())
                .setSecurityMode(SecurityMode.required)
                .setCustomX509TrustManager(isOne ? trustOne : trustTwo)
                .setSendPresence(true)
                .setConnectTimeout(10_000);
    }

    private XMPPTCPConnection connect(XMPPTCPConnectionConfiguration config) throws Exception {
        XMPPTCPConnection c = new XMPPTCPConnection(config);
        c.setReplyTimeout(15_000);
        synchronized (open) {
            open.add(c);
        }
        c.connect();
        return c;
    }

    private static X509TrustManager trustManagerFor(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("c" + i++, (X509Certificate) c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }

    @Override
    public void close() throws IOException {
        synchronized (open) {
            for (XMPPTCPConnection c : open) if (c.isConnected()) c.disconnect();
        }
        try {
            one.close();
        } finally {
            two.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
