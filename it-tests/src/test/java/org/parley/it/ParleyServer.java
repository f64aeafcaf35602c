package org.parley.it;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.parley.app.Parley;

/**
 * One Parley server on a real PostgreSQL for the whole test run, on free loopback ports, configured the way
 * an operator would: a HOCON file over the defaults. Closed (server, then database) when JUnit finishes.
 */
public final class ParleyServer implements BeforeAllCallback, ExtensionContext.Store.CloseableResource {
    private static ParleyServer instance;
    /** The only account the internal (brewery) MUC service admits, besides its admin. */
    public static final String BRIDGE_USER = "it-bridge";
    /** The internal MUC service's admin, as the focus would be. */
    public static final String FOCUS_USER = "it-focus";
    /** The admin API's bearer token. */
    public static final String ADMIN_TOKEN = "it-admin-token-0123456789";
    /** coturn's static-auth-secret of the configured TURN servers. */
    public static final String TURN_SECRET = "it-turn-secret";
    /** The account the test SFUs log in with to join the focus's brewery. */
    public static final String SFU_USER = "it-sfu";
    /** The focus's own JID (its domain is a focus service, not a virtual host). */
    public static final String FOCUS_JID = "focus@auth.localhost";
    /** Participants of one conference per test SFU before the focus cascades. */
    public static final int FOCUS_CAP = 4;

    private EmbeddedPostgres postgres;
    private Parley parley;
    private Path dataDir;
    private X509TrustManager trust;

    /** Registered with {@code @ExtendWith}; the first test class starts the shared server. */
    public ParleyServer() {}

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        synchronized (ParleyServer.class) {
            if (instance == null) {
                ParleyServer s = new ParleyServer();
                s.start();
                context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(ParleyServer.class.getName(), s);
                instance = s;
            }
        }
    }

    public static ParleyServer get() {
        if (instance == null) throw new IllegalStateException("annotate the test with @ExtendWith(ParleyServer.class)");
        return instance;
    }

    private void start() throws Exception {
        // BouncyCastle JSSE logs through java.util.logging, as in bin/parley route it to the test log.
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        postgres = EmbeddedPostgres.start();
        dataDir = Files.createTempDirectory("parley-it");
        Path conf = dataDir.resolve("parley.conf");
        Files.writeString(conf, """
                parley {
                  data-dir = "%s"
                  listeners {
                    c2s { bind = "127.0.0.1", port = 0 }
                    c2s-direct-tls { bind = "127.0.0.1", port = 0 }
                    component { bind = "127.0.0.1", port = 0 }
                    s2s { bind = "127.0.0.1", port = 0 }
                  }
                  components = [
                    { domain = "component.localhost", secret = "component-secret", max-connections = 2 }
                    { domain = "solo.localhost", secret = "solo-secret-1", max-connections = 1 }
                    { domain = "sfu.localhost", secret = "sfu-secret", max-connections = 1 }
                  ]
                  http {
                    listeners {
                      # Stands for a port behind a TLS-terminating proxy, so SASL works over plain ws:// and http://.
                      plain { bind = "127.0.0.1", port = 0, secure = true }
                      tls { bind = "127.0.0.1", port = 0 }
                    }
                  }
                  admin { bind = "127.0.0.1", port = 0, token = "it-admin-token-0123456789" }
                  focus.rest { bind = "127.0.0.1", port = 0 }
                  turn {
                    secret = "it-turn-secret"
                    ttl = 1h
                    services = [
                      { type = "stun", host = "stun.example.org", port = 3478 }
                      { type = "turn", host = "turn1.example.org", port = 3478, transport = "udp" }
                      { type = "turn", host = "turn2.example.org", port = 3478, transport = "udp" }
                      { type = "turn", host = "turn3.example.org", port = 3478, transport = "tcp" }
                      { type = "turns", host = "turn4.example.org", port = 443 }
                    ]
                  }
                  limits {
                    registrations-per-address = 10000
                    max-connections-per-address = 10000
                    new-connections-per-second = 10000
                    new-connection-burst = 10000
                  }
                  storage { url = "%s", user = "postgres", password = "postgres", pool-size = 4 }
                  muc {
                    # Every test creates its rooms from 127.0.0.1; MucRoomCreationTest tests the limit on a server of its own.
                    room-creation { per-session-per-minute = 0, per-address-per-minute = 0 }
                    services = [
                      # Meetings as Jitsi runs them: open, unlocked, non-anonymous; the focus owns every room.
                      { domain = "conference.{host}", admins = ["%5$s"] }
                      # XEP-0045's own defaults: new rooms locked until configured, semi-anonymous.
                      { domain = "rooms.{host}", lock-new-rooms = true, room-defaults { whois = "moderators" } }
                      # The brewery: only the bridge account (and the service admin) may enter.
                      # (and the focus's brewery, jvbbrewery, which the focus creates and the test SFUs join).
                      { domain = "internal.{host}", allowed-jids = ["%3$s@{host}", "%6$s@{host}", "%5$s"], room-creators = [],
                        admins = ["%4$s@{host}", "%5$s"], room-defaults { public = false } }
                    ]
                  }
                  focus {
                    bridges {
                      components = ["sfu.localhost"]
                      max-participants-per-bridge = %7$d
                      health-interval = 2s
                      health-timeout = 1s
                    }
                    colibri.timeout = 2s
                    jingle.timeout = 5s
                    # MuteTest plays Jitsi's avmoderation component on the component domain.
                    moderation.av-moderation-component = "component.localhost"
                    # JibriTest's SIP Jibris (the recording ones use the default brewery, jibribrewery@internal.{host}).
                    jibri.sip-brewery = "jibrisipbrewery@internal.{host}"
                    jibri.pending-timeout = 3s
                    jibri.request-timeout = 2s
                  }
                }
                """.formatted(dataDir.resolve("state"), postgres.getJdbcUrl("postgres", "postgres"), BRIDGE_USER, FOCUS_USER,
                        FOCUS_JID, SFU_USER, FOCUS_CAP));
        parley = TestServers.start(conf);
        trust = trustManagerFor(certificate());
    }

    public int startTlsPort() { return parley.startTlsPort(); }

    public int directTlsPort() { return parley.directTlsPort(); }

    public int componentPort() { return parley.xmpp().componentPort(); }
    /** Plain HTTP (ws:// and BOSH), configured as if behind a TLS proxy: streams over it count as secure. */
    public int httpPort() { return parley.httpPort(); }

    /** HTTPS (wss:// and BOSH over TLS) with the generated certificate. */
    public int httpsPort() { return parley.httpsPort(); }

    public Parley parley() { return parley; }

    /** Jicofo's REST port: /conference-request/v1, /about/health, /about/version. */
    public int jicofoRestPort() { return parley.jicofoRestPort(); }

    /** The admin listener (metrics, health, API, dashboard). */
    public int adminPort() { return parley.adminPort(); }

    /** The embedded PostgreSQL, for tests that run further servers (child processes) on it. */
    public EmbeddedPostgres postgres() { return postgres; }

    /** The PEM file of the server's generated self-signed certificate for localhost. */
    public Path certificate() { return dataDir.resolve("state/certs/localhost.crt"); }

    /** Trusts exactly the server's generated self-signed certificate, as a pinned client would. */
    public X509TrustManager trustManager() { return trust; }

    public SSLContext sslContext() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
        return ctx;
    }

    static X509TrustManager trustManagerFor(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("parley-" + i++, (X509Certificate) c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }

    @Override
    public void close() throws Exception {
        try {
            if (parley != null) parley.close();
        } finally {
            if (postgres != null) postgres.close();
        }
    }
}
