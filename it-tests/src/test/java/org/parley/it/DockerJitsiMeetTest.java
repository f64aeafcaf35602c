package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509TrustManager;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.app.Parley;
import org.parley.app.docker.Container;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.TestSfu;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.sasl.ScramCredentials;
import org.parley.testkit.FreePorts;

/**
 * {@code parley container} with docker-jitsi-meet's environment variables: the server it starts serves the domains
 * they name (their defaults when unset), a jitsi-videobridge configured as docker-jitsi-meet's jvb container
 * (JVB_AUTH_USER/JVB_AUTH_PASSWORD on XMPP_AUTH_DOMAIN, brewery jvbbrewery@XMPP_INTERNAL_MUC_DOMAIN) joins and is
 * used, and ENABLE_AUTH/ENABLE_GUESTS/AUTH_TYPE decide who logs in and who starts a conference. The listeners are
 * moved off their defaults with the variables docker-jitsi-meet has for them (XMPP_PORT, PROSODY_HTTP_PORT) and
 * Parley's own (PARLEY_REST_PORT, PARLEY_ADMIN_PORT, PARLEY_BIND).
 */
class DockerJitsiMeetTest {
    static final String JVB_PASSWORD = "jvb-password-from-.env";
    private static final String SECRET = "docker-jwt-app-secret-at-least-32-bytes";
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() {
        for (AutoCloseable c : closing) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    /** docker-jitsi-meet's .env as a test sets it: every listener on a free loopback port. */
    static Map<String, String> env(Path dir, int[] ports) {
        Map<String, String> env = new HashMap<>();
        env.put("JVB_AUTH_PASSWORD", JVB_PASSWORD);
        env.put("JICOFO_AUTH_PASSWORD", "jicofo-password-from-.env");
        env.put("PARLEY_DATA_DIR", dir.resolve("data").toString());
        env.put("PARLEY_CUSTOM_CONFIG", dir.resolve("custom-parley.conf").toString());
        env.put("PARLEY_BIND", "127.0.0.1");
        env.put("XMPP_PORT", String.valueOf(ports[0]));
        env.put("PROSODY_HTTP_PORT", String.valueOf(ports[1]));
        env.put("PARLEY_REST_PORT", String.valueOf(ports[2]));
        env.put("PARLEY_ADMIN_PORT", "0");
        return env;
    }

    /** The custom file docker-jitsi-meet users keep beside it (here: faster bridge health checks). */
    static void customConfig(Path dir) throws Exception {
        Files.writeString(dir.resolve("custom-parley.conf"), "parley.focus.bridges { health-interval = 2s, health-timeout = 1s }\n");
    }

    private Parley startInProcess(Map<String, String> env, ByteArrayOutputStream log) throws Exception {
        ServerConfig config = Container.prepare(env, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(config).as(log.toString(StandardCharsets.UTF_8)).isNotNull();
        TestServers.requireNoDefaultPorts(config.source());
        Parley parley = Parley.start(config);
        closing.add(parley::close);
        return parley;
    }

    static X509TrustManager trust(Map<String, String> env, String... domains) throws Exception {
        Path certs = Path.of(env.get("PARLEY_DATA_DIR"), "certs");
        Path[] pems = new Path[domains.length];
        for (int i = 0; i < domains.length; i++) pems[i] = certs.resolve(domains[i] + ".crt");
        return JwtTest.trusting(pems);
    }

    /** jitsi-videobridge as docker-jitsi-meet's jvb container configures it (XMPP_SERVER:XMPP_PORT, JVB_AUTH_*). */
    private TestSfu jvb(Clients auth, String brewery, String nick) throws Exception {
        XMPPTCPConnection c = auth.connect(auth.config().setUsernameAndPassword("jvb", JVB_PASSWORD).setResource(nick).build());
        c.login();
        TestSfu sfu = TestSfu.join(c, brewery, nick, 0.1, null);
        closing.add(0, sfu);
        return sfu;
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * The command itself, in a child JVM, with only the passwords set: docker-jitsi-meet's default domains
     * (meet.jitsi, auth.meet.jitsi, muc.meet.jitsi, internal-muc.meet.jitsi), the bridge's account created, the
     * health check turning healthy when the bridge joins, and a conference requested over HTTP and over
     * focus.meet.jitsi running end to end on the bridge.
     */
    @Test
    void theCommandWithDefaultsServesDockerJitsiMeetsDomainsEndToEnd() throws Exception {
        Path dir = Files.createTempDirectory("parley-docker");
        customConfig(dir);
        int[] ports = FreePorts.take(3);
        Map<String, String> env = env(dir, ports);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), "org.parley.app.Main", "container")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile());
        pb.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME"));
        pb.environment().putAll(env);
        Process process = pb.start();
        closing.add(() -> {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            if (!process.isAlive()) throw new IllegalStateException(Files.readString(dir.resolve("out.log")));
            return listening(ports[0]) && listening(ports[1]) && listening(ports[2]);
        });
        String out = Files.readString(dir.resolve("out.log"));
        assertThat(out).contains("account jvb@auth.meet.jitsi created")
                .contains("not carried over: JICOFO_AUTH_PASSWORD");
        String written = Files.readString(dir.resolve("data/parley.conf"));
        TestServers.requireNoDefaultPorts(org.parley.xmpp.config.ConfigLoader.load(dir.resolve("data/parley.conf")).source());
        assertThat(written).contains("\"jvbbrewery@internal-muc.meet.jitsi\"");

        X509TrustManager trust = trust(env, "meet.jitsi", "auth.meet.jitsi");
        Clients web = new Clients(() -> ports[0], trust, "meet.jitsi");
        Clients auth = new Clients(() -> ports[0], trust, "auth.meet.jitsi");
        closing.add(web);
        closing.add(auth);
        JicofoHttp rest = new JicofoHttp(ports[2]);
        assertThat(rest.get("/about/health").statusCode()).isEqualTo(500);

        TestSfu bridge = jvb(auth, "jvbbrewery@internal-muc.meet.jitsi", "jvb-docker");
        await().atMost(Duration.ofSeconds(15)).until(() -> rest.get("/about/health").statusCode() == 200);

        String room = "docker-" + System.nanoTime() + "@muc.meet.jitsi";
        HttpResponse<String> r = rest.conferenceRequest(room, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JicofoHttp.json(r)).containsEntry("room", room).containsEntry("ready", true)
                .containsEntry("focusJid", "focus@auth.meet.jitsi");
        TestParticipant a = TestParticipant.connect(web, room, "aaaa0001", true);
        closing.add(0, a);
        ConferenceIq iq = a.requestConference(room);
        assertThat(iq.ready()).isTrue();
        assertThat(iq.focusJid()).isEqualTo("focus@auth.meet.jitsi");
        a.enter();
        TestParticipant b = TestParticipant.connect(web, room, "bbbb0002", false).enter();
        closing.add(0, b);
        await().atMost(Duration.ofSeconds(15)).until(() -> a.sid() != null && b.sid() != null);
        FocusTest.everyoneSeesEveryone(List.of(a, b));
        SfuLogic.Conf conf = bridge.logic.byRoom(room);
        assertThat(conf.endpoints.keySet()).containsExactlyInAnyOrder("aaaa0001", "bbbb0002");
        // The web app finds its meeting features in the domain's disco#info, as docker-jitsi-meet's Prosody lists them.
        var info = org.jivesoftware.smackx.disco.ServiceDiscoveryManager.getInstanceFor(a.connection)
                .discoverInfo(org.jxmpp.jid.impl.JidCreate.domainBareFrom("meet.jitsi"));
        assertThat(info.getIdentities()).extracting(i -> i.getType())
                .contains("conference_duration", "speakerstats", "polls", "end_conference", "av_moderation", "lobbyrooms",
                        "breakout_rooms");
        assertThat(out).doesNotContain("ENABLE_LOBBY");
        assertThat(info.getIdentities()).anyMatch(i -> i.getType().equals("breakout_rooms") && "breakout.meet.jitsi".equals(i.getName()));
    }

    /**
     * ENABLE_AUTH=1, ENABLE_GUESTS=1, AUTH_TYPE=internal on domains of the operator's choosing: accounts on
     * XMPP_DOMAIN (no anonymous login there), anonymous guests on XMPP_GUEST_DOMAIN who may join but not start a
     * conference, an account that starts one, the brewery on XMPP_INTERNAL_MUC_DOMAIN, a password change in the
     * environment applied at the next start.
     */
    /**
     * The variables Parley's container reads that docker-jitsi-meet's docker-compose.yml gives to the jicofo service
     * only: the override adds them to the prosody service, or a value in .env never reaches Parley.
     */
    @Test
    void theComposeOverridePassesWhatDockerJitsiMeetGivesOnlyToJicofo() throws Exception {
        assertThat(ComposeOverride.prosodyEnvironment()).contains("ENABLE_AUTO_OWNER", "ENABLE_JVB_XMPP_SERVER",
                "JICOFO_AUTH_TYPE", "JICOFO_ENABLE_AUTH", "JIBRI_BREWERY_MUC", "JIGASI_BREWERY_MUC", "JIGASI_SIP_URI",
                "JVB_BREWERY_MUC");
    }

    @Test
    void authAndGuestsServeTheNamedDomains() throws Exception {
        Path dir = Files.createTempDirectory("parley-docker");
        customConfig(dir);
        Map<String, String> env = env(dir, FreePorts.take(3));
        env.put("XMPP_DOMAIN", "meet.test");
        env.put("XMPP_AUTH_DOMAIN", "auth.meet.test");
        env.put("XMPP_MUC_DOMAIN", "rooms.meet.test");
        env.put("XMPP_INTERNAL_MUC_DOMAIN", "internal.auth.meet.test");
        env.put("XMPP_GUEST_DOMAIN", "guest.meet.test");
        env.put("ENABLE_AUTH", "1");
        env.put("ENABLE_GUESTS", "true");
        env.put("AUTH_TYPE", "internal");
        env.put("JVB_BREWERY_MUC", "JvbBrewery");
        env.put("JIBRI_XMPP_PASSWORD", "jibri-password");
        env.put("JVB_AUTH_PASSWORD", "an-old-password");
        env.put("TURN_CREDENTIALS", "coturn-static-auth-secret");
        env.put("TURN_HOST", "turn1.test,turn2.test");
        env.put("TURN_TRANSPORT", "udp,tcp");
        env.put("TURN_PORT", "3478");
        env.put("TURNS_HOST", "turns.test");
        env.put("STUN_HOST", "stun.test");
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        assertThat(Container.prepare(env, new PrintStream(first, true, StandardCharsets.UTF_8))).isNotNull();
        assertThat(first.toString(StandardCharsets.UTF_8)).contains("account jvb@auth.meet.test created", "account jibri@auth.meet.test created");
        env.put("JVB_AUTH_PASSWORD", JVB_PASSWORD);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Parley parley = startInProcess(env, log);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("account jvb@auth.meet.test updated");
        assertThat(parley.startTlsPort()).isEqualTo(Integer.parseInt(env.get("XMPP_PORT")));
        assertThat(parley.httpPort()).isEqualTo(Integer.parseInt(env.get("PROSODY_HTTP_PORT")));
        assertThat(parley.jicofoRestPort()).isEqualTo(Integer.parseInt(env.get("PARLEY_REST_PORT")));

        X509TrustManager trust = trust(env, "meet.test", "auth.meet.test", "guest.meet.test");
        Clients main = new Clients(parley::startTlsPort, trust, "meet.test");
        Clients guest = new Clients(parley::startTlsPort, trust, "guest.meet.test");
        Clients auth = new Clients(parley::startTlsPort, trust, "auth.meet.test");
        closing.add(main);
        closing.add(guest);
        closing.add(auth);

        // XMPP_DOMAIN has accounts only.
        XMPPTCPConnection anonymousOnMain = main.connect(main.anonymousConfig().build());
        // No ANONYMOUS offered there: Smack finds no mechanism it may use without credentials.
        assertThatThrownBy(anonymousOnMain::login).isInstanceOf(org.jivesoftware.smack.SmackException.SmackSaslException.class);
        assertThat(parley.storage().accounts().create("meet.test", "alice", ScramCredentials.deriveAll(Clients.PASSWORD))
                .get(10, TimeUnit.SECONDS)).isTrue();

        TestSfu bridge = jvb(auth, "JvbBrewery@internal.auth.meet.test", "jvb-auth");
        await().atMost(Duration.ofSeconds(15)).until(() -> new JicofoHttp(parley.jicofoRestPort()).get("/about/health").statusCode() == 200);

        // A guest may not start the conference (Jicofo's XMPP authentication), nor may the anonymous HTTP request.
        String room = "secure-" + System.nanoTime() + "@rooms.meet.test";
        TestParticipant g = TestParticipant.connect(guest, room, "gggg0001", true, "focus.meet.test");
        closing.add(0, g);
        assertThatThrownBy(() -> g.requestConference(room)).hasMessageContaining("not-authorized");
        assertThat(new JicofoHttp(parley.jicofoRestPort()).conferenceRequest(room, null).statusCode()).isEqualTo(403);

        // alice@meet.test starts it; the guest then joins and both get media on the bridge.
        XMPPTCPConnection alice = main.connect(main.config().setUsernameAndPassword("alice", Clients.PASSWORD).build());
        alice.login();
        // TURN_*, TURNS_*, STUN_*: XEP-0215 as Prosody's external_services, TURN with coturn's time-limited credentials.
        var services = org.parley.it.sfu.RawIq.of("<services xmlns='urn:xmpp:extdisco:2'/>");
        services.setType(org.jivesoftware.smack.packet.IQ.Type.get);
        services.setTo(org.jxmpp.jid.impl.JidCreate.domainBareFrom("meet.test"));
        String listed = ((org.jivesoftware.smack.packet.UnparsedIQ) alice.sendIqRequestAndWaitForResponse(services)).getContent().toString();
        List<String> entries = java.util.regex.Pattern.compile("<service [^>]*>").matcher(listed).results().map(m -> m.group()).toList();
        assertThat(entries).hasSize(6);
        for (String host : List.of("turn1.test", "turn2.test")) {
            for (String transport : List.of("udp", "tcp")) {
                assertThat(entries).anySatisfy(e -> assertThat(e).contains("host='" + host + "'", "type='turn'",
                        "port='3478'", "transport='" + transport + "'", "password='", "restricted='1'"));
            }
        }
        assertThat(entries).anySatisfy(e -> assertThat(e).contains("host='turns.test'", "type='turns'", "port='443'", "transport='tcp'", "password='"));
        assertThat(entries).anySatisfy(e -> assertThat(e).contains("host='stun.test'", "type='stun'", "port='443'").doesNotContain("password"));

        var request = org.parley.it.sfu.RawIq.of("<conference xmlns='http://jitsi.org/protocol/focus' room='" + room + "'/>");
        request.setType(org.jivesoftware.smack.packet.IQ.Type.set);
        request.setTo(org.jxmpp.jid.impl.JidCreate.domainBareFrom("focus.meet.test"));
        ConferenceIq started = ConferenceIq.parse(((org.parley.it.sfu.RawIq) alice.sendIqRequestAndWaitForResponse(request)).child());
        assertThat(started.ready()).isTrue();
        assertThat(g.requestConference(room).ready()).isTrue();
        g.enter();
        TestParticipant h = TestParticipant.connect(guest, room, "hhhh0002", false, "focus.meet.test").enter();
        closing.add(0, h);
        await().atMost(Duration.ofSeconds(15)).until(() -> g.sid() != null && h.sid() != null);
        assertThat(bridge.logic.byRoom(room).endpoints.keySet()).containsExactlyInAnyOrder("gggg0001", "hhhh0002");
    }

    /** ENABLE_AUTH=1, AUTH_TYPE=jwt: XMPP_DOMAIN takes tokens signed with JWT_APP_SECRET from JWT_APP_ID, and only them. */
    @Test
    void jwtAcceptsTheAppsTokensOnly() throws Exception {
        Path dir = Files.createTempDirectory("parley-docker");
        customConfig(dir);
        Map<String, String> env = env(dir, FreePorts.take(3));
        env.put("XMPP_DOMAIN", "jwt.test");
        env.put("XMPP_AUTH_DOMAIN", "auth.jwt.test");
        env.put("XMPP_MUC_DOMAIN", "muc.jwt.test");
        env.put("ENABLE_AUTH", "1");
        env.put("AUTH_TYPE", "jwt");
        env.put("JWT_APP_ID", "my_app");
        env.put("JWT_APP_SECRET", SECRET);
        env.put("JWT_ACCEPTED_AUDIENCES", "jitsi");
        Parley parley = startInProcess(env, new ByteArrayOutputStream());
        X509TrustManager trust = trust(env, "jwt.test");
        Clients web = new Clients(parley::startTlsPort, trust, "jwt.test");
        closing.add(web);

        XMPPTCPConnection withToken = web.connect(plain(web, token("my_app", SECRET)));
        withToken.login();
        assertThat(withToken.getUser().asDomainBareJid().toString()).isEqualTo("jwt.test");
        XMPPTCPConnection otherApp = web.connect(plain(web, token("other_app", SECRET)));
        assertThatThrownBy(otherApp::login).hasMessageContaining("not-authorized");
        XMPPTCPConnection forged = web.connect(plain(web, token("my_app", "a-different-secret-of-at-least-32-bytes")));
        assertThatThrownBy(forged::login).hasMessageContaining("not-authorized");
        XMPPTCPConnection anonymous = web.connect(web.anonymousConfig().build());
        assertThatThrownBy(anonymous::login).hasMessageContaining("not-authorized");

        // Jicofo's JWT authentication: the conference request needs the token too.
        JicofoHttp rest = new JicofoHttp(parley.jicofoRestPort());
        String room = "jwt-" + System.nanoTime() + "@muc.jwt.test";
        assertThat(rest.conferenceRequest(room, null).statusCode()).isEqualTo(403);
        assertThat(rest.conferenceRequest(room, token("my_app", SECRET)).statusCode()).isEqualTo(200);
    }

    /** What Parley lacks stops the start with one line each, and writes nothing. */
    @Test
    void unsupportedAuthenticationAndMissingBridgePasswordAreErrors() throws Exception {
        Path dir = Files.createTempDirectory("parley-docker");
        Map<String, String> env = env(dir, new int[] {0, 0, 0});
        env.remove("JVB_AUTH_PASSWORD");
        env.put("ENABLE_AUTH", "1");
        env.put("AUTH_TYPE", "ldap");
        env.put("ENABLE_VISITORS", "1");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertThat(Container.prepare(env, new PrintStream(log, true, StandardCharsets.UTF_8))).isNull();
        assertThat(log.toString(StandardCharsets.UTF_8).lines().toList())
                .contains("error: AUTH_TYPE=ldap: not supported by Parley (internal and jwt are)",
                        "error: JVB_AUTH_PASSWORD must be set (the bridge's account)",
                        "not carried over: ENABLE_VISITORS: visitors are not supported");
        assertThat(dir.resolve("data/parley.conf")).doesNotExist();
    }

    /** lib-jitsi-meet's way over TCP: SASL PLAIN, any user name, the token as the password. */
    private static org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration plain(Clients clients, String token) {
        return clients.config().setUsernameAndPassword("user", token).addEnabledSaslMechanism("PLAIN").build();
    }

    private static String token(String issuer, String secret) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).audience("jitsi").subject("jwt.test")
                .claim("room", "*").expirationTime(Date.from(Instant.now().plusSeconds(600))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }
}
