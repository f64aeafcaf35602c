package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509TrustManager;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.parley.app.Parley;
import org.parley.it.sfu.TestSfu;
import org.parley.xmpp.sasl.ScramCredentials;

/**
 * A Parley in Jitsi Meet's stock layout ({@code parley/jitsi-meet.conf} for {@link #DOMAIN}) in a temporary
 * directory, every listener on port 0, for the tests of the Jitsi features: one place for the configuration those
 * tests share. {@code extra} is HOCON merged after it (a test's own settings override the layout's).
 *
 * <p>Accounts on {@code auth.D}: {@code jvb} (what jvb.conf logs in with), {@code jibri} (Jibri's control login) and
 * {@code boss}; on {@code recorder.D}: {@code recorder} (Jibri's call login); all with {@link #PASSWORD}. boss is an
 * admin of the MUC services, so it may open rooms in the focus's place.
 */
public final class StockLayout implements AutoCloseable {
    public static final String DOMAIN = "meet.localhost";
    public static final String AUTH = "auth." + DOMAIN;
    public static final String MUC = "conference." + DOMAIN;
    public static final String BREAKOUT = "breakout." + DOMAIN;
    public static final String LOBBY = "lobby." + DOMAIN;
    public static final String BREWERY = "JvbBrewery@internal.auth." + DOMAIN;
    /** jicofo.conf's jibri.brewery-jid in the layout. */
    public static final String JIBRI_BREWERY = "JibriBrewery@internal.auth." + DOMAIN;
    /** Jibri's call-login domain (recorder.D), a hidden domain of the focus. */
    public static final String RECORDER = "recorder." + DOMAIN;
    public static final String FOCUS_JID = "focus@auth." + DOMAIN;
    public static final String PASSWORD = "stock-layout-password";

    public final Path dir;
    public final Parley parley;
    public final X509TrustManager trust;

    private StockLayout(Path dir, Parley parley, X509TrustManager trust) {
        this.dir = dir;
        this.parley = parley;
        this.trust = trust;
    }

    /** Starts the server; {@code extra} is HOCON (may be empty). */
    public static StockLayout start(String extra) throws Exception {
        Path dir = Files.createTempDirectory("parley-stock-layout");
        Path conf = dir.resolve("parley.conf");
        Files.writeString(conf, """
                parley.jitsi-meet.domain = "%s"
                include classpath("parley/jitsi-meet.conf")
                parley {
                  data-dir = "%s"
                  listeners {
                    c2s { bind = "127.0.0.1", port = 0 }
                    c2s-direct-tls { enabled = false }
                    component { enabled = false }
                    s2s { enabled = false }
                  }
                  s2s.enabled = false
                  http.listeners { plain.port = 0, tls.enabled = false }
                  admin.enabled = false
                  muc.service-defaults.admins = ["focus@%s", "boss@%s"]
                  focus { rest.port = 0, persistence.enabled = false }
                  limits { max-connections-per-address = 10000, new-connections-per-second = 10000, new-connection-burst = 10000 }
                }
                """.formatted(DOMAIN, dir.resolve("state"), AUTH, AUTH) + extra + "\n");
        Parley parley = TestServers.start(conf);
        try {
            for (String user : new String[] {"boss", "jvb", "jibri"}) {
                assertThat(parley.storage().accounts().create(AUTH, user, ScramCredentials.deriveAll(PASSWORD))
                        .get(10, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(parley.storage().accounts().create(RECORDER, "recorder", ScramCredentials.deriveAll(PASSWORD))
                    .get(10, TimeUnit.SECONDS)).isTrue();
            X509TrustManager trust = JwtTest.trusting(dir.resolve("state/certs/" + DOMAIN + ".crt"),
                    dir.resolve("state/certs/" + AUTH + ".crt"), dir.resolve("state/certs/" + RECORDER + ".crt"));
            return new StockLayout(dir, parley, trust);
        } catch (Exception | AssertionError e) {
            parley.close();
            throw e;
        }
    }

    /** Clients of the anonymous host D (config.js hosts.domain); the caller closes them. */
    public Clients web() {
        return new Clients(parley::startTlsPort, trust, DOMAIN);
    }

    /** Clients of auth.D; the caller closes them. */
    public Clients auth() {
        return new Clients(parley::startTlsPort, trust, AUTH);
    }

    /** Clients of recorder.D (Jibri's call login); the caller closes them. */
    public Clients recorder() {
        return new Clients(parley::startTlsPort, trust, RECORDER);
    }

    /** jitsi-videobridge as its stock jvb.conf logs in (jvb@auth.D) and joins the brewery as {@code nick}. */
    public TestSfu jvb(Clients auth, String nick) throws Exception {
        XMPPTCPConnection c = auth.connect(auth.config().setUsernameAndPassword("jvb", PASSWORD).setResource(nick).build());
        c.login();
        return TestSfu.join(c, BREWERY, nick, 0.1, null);
    }

    /**
     * A {@link Bystander} logged in as a new account of auth.D (the layout has no in-band registration), measuring
     * from now on; the caller closes it.
     */
    public Bystander bystander(Clients auth) throws Exception {
        String user = Clients.newUser("bystander");
        assertThat(parley.storage().accounts().create(AUTH, user, ScramCredentials.deriveAll(PASSWORD)).get(10, TimeUnit.SECONDS)).isTrue();
        XMPPTCPConnection c = auth.connect(auth.config().setUsernameAndPassword(user, PASSWORD).setResource("b")
                .setSocketFactory(new Bystander.NoDelaySockets()).build());
        c.login();
        return Bystander.start(c);
    }

    /** An anonymous web app user, as config.js's hosts.domain logs in, speaking raw stanzas. */
    public JitsiWire guest(Clients web) throws Exception {
        XMPPTCPConnection c = web.connect(web.anonymousConfig().build());
        c.login();
        return new JitsiWire(c);
    }

    /** boss@auth.D, a MUC admin, opens {@code room} as nick "focus" (in place of the focus: rooms need an admin). */
    public JitsiWire opener(Clients auth, String room) throws Exception {
        XMPPTCPConnection c = auth.connect(auth.config().setUsernameAndPassword("boss", PASSWORD).setResource("focus").build());
        c.login();
        JitsiWire w = new JitsiWire(c);
        w.send("<presence to='" + room + "/focus'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        w.await("the room created", s -> s.contains("code='201'") || s.contains("code='110'"));
        return w;
    }

    @Override
    public void close() {
        parley.close();
    }
}
