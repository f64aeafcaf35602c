package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509TrustManager;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.app.Parley;
import org.parley.importer.ProsodyData;
import org.parley.it.sfu.SfuLogic;
import org.parley.it.sfu.TestParticipant;
import org.parley.it.sfu.TestSfu;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.xmpp.tls.CertificateStore;
import org.xmpp.packet.JID;
import org.parley.testkit.FreePorts;

/**
 * {@code parley import-jitsi} on Jitsi's stock Prosody configuration (the Debian template filled in for
 * meet.example.test, through the main file's {@code Include "conf.d/*.cfg.lua"}), a stock jicofo.conf and a Prosody
 * data directory holding the focus and jvb accounts in Prosody's own format. The command runs as {@code bin/parley}
 * runs it; Parley then starts on its output (only the ports moved to free ones, as any test must), the videobridge logs
 * in as jvb@auth.meet.example.test with the password Prosody had (SCRAM-SHA-1 keys copied as they were), joins
 * JvbBrewery@internal.auth.meet.example.test, and a conference requested from focus.meet.example.test runs on it.
 */
class ImportJitsiTest {
    private static final String DOMAIN = "meet.example.test";
    private static final String AUTH = "auth." + DOMAIN;
    private static final String JVB_PASSWORD = "jvb-password-from-prosody";
    private static final Path FIXTURES = Path.of("..", "importer", "src", "test", "resources").toAbsolutePath().normalize();
    @TempDir
    Path dir;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    /** Prosody's files as an operator has them, with the listeners on free ports and the certificates in {@code dir}. */
    private Path prosodyConfig(int[] ports) throws Exception {
        return prosodyConfig(ports, host -> host);
    }

    /** The same, with the domain's conf.d file changed by {@code edit} (as jitsi-meet-tokens edits it). */
    private Path prosodyConfig(int[] ports, java.util.function.UnaryOperator<String> edit) throws Exception {
        Path etc = Files.createDirectories(dir.resolve("prosody/conf.d"));
        Path certs = Files.createDirectories(dir.resolve("prosody/certs"));
        CertificateStore.selfSigned(certs, DOMAIN);
        CertificateStore.selfSigned(certs, AUTH);
        String listeners = """
                c2s_ports = { %d }
                s2s_ports = { %d }
                component_ports = { %d }
                http_ports = { %d }
                https_ports = { }
                """.formatted(ports[0], ports[1], ports[2], ports[3]);
        Files.writeString(etc.getParent().resolve("prosody.cfg.lua"),
                listeners + Files.readString(FIXTURES.resolve("prosody/prosody.cfg.lua")));
        Files.writeString(etc.resolve(DOMAIN + ".cfg.lua"), edit.apply(Files.readString(
                FIXTURES.resolve("prosody/conf.d/meet.example.test.cfg.lua")).replace("/etc/prosody/certs/", certs + "/")));
        return etc.getParent().resolve("prosody.cfg.lua");
    }

    private Process importJitsi(Path prosody, Path data, Path jicofo, Path out, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.parley.app.Main", "import-jitsi",
                "--prosody", prosody.toString(), "--prosody-data", data.toString(), "--jicofo", jicofo.toString(),
                "--out", out.toString(), "--data-dir", dir.resolve("parley-data").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void theStockSetupImportedRunsAConferenceOnTheStockJvb() throws Exception {
        int[] ports = FreePorts.take(5);
        Path prosody = prosodyConfig(ports);
        Path data = Files.createDirectories(dir.resolve("prosody-data"));
        ProsodyData.writeAccount(data, AUTH, "focus", "focus-password-0123", "6f2c3b7a-focus-salt", 10000);
        ProsodyData.writeAccount(data, AUTH, "jvb", JVB_PASSWORD, "0d1e5f3a-jvb-salt", 10000);
        Path jicofo = dir.resolve("jicofo.conf");
        Files.writeString(jicofo, Files.readString(FIXTURES.resolve("jicofo/jicofo.conf"))
                + "\njicofo.rest.port = " + ports[4] + "\n");
        Path out = dir.resolve("parley.conf");
        Path log = dir.resolve("import.log");

        Process p = importJitsi(prosody, data, jicofo, out, log);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String report = Files.readString(log, StandardCharsets.UTF_8);
        // The other plugins (domain mapper, ...) are not served yet: written, but exit 3 with their lines.
        assertThat(p.exitValue()).as(report).isEqualTo(3);
        assertThat(report).contains("module muc_domain_mapper on conference." + DOMAIN)
                .contains("wrote " + out).contains("accounts: 2 created");
        // Conference duration, speaker stats, polls and end conference are carried over (parley.muc.jitsi), not listed.
        assertThat(report).doesNotContain("speakerstats").doesNotContain("conference_duration").doesNotContain("module polls")
                .doesNotContain("end_conference").doesNotContain("av_moderation").doesNotContain("muc_lobby_rooms")
                .doesNotContain("muc_breakout_rooms");
        assertThat(Files.readString(out)).contains("speaker-stats").contains("conference-duration").contains("polls")
                .contains("end-conference").contains("av-moderation").contains("lobby-domain").contains("breakout-rooms");

        // Parley on the output; only the admin port, which Prosody had no counterpart of, is moved off 5380.
        Path test = dir.resolve("test.conf");
        Files.writeString(test, "include file(\"" + out + "\")\nparley.admin.enabled = false\n");
        Parley parley = TestServers.start(test);
        closing.add(parley);
        assertThat(parley.startTlsPort()).isEqualTo(ports[0]);
        assertThat(parley.jicofoRestPort()).isEqualTo(ports[4]);
        X509TrustManager trust = JwtTest.trusting(dir.resolve("prosody/certs/" + DOMAIN + ".crt"),
                dir.resolve("prosody/certs/" + AUTH + ".crt"));

        // jvb.conf as the Debian package writes it: DOMAIN auth.D, USERNAME jvb, PASSWORD, MUC_JIDS JvbBrewery@internal.auth.D.
        Clients auth = new Clients(() -> ports[0], trust, AUTH);
        closing.add(auth);
        XMPPTCPConnection c = auth.connect(auth.scramSha1Config().setUsernameAndPassword("jvb", JVB_PASSWORD).setResource("jvb-1").build());
        c.login();
        TestSfu jvb = TestSfu.join(c, "JvbBrewery@internal." + AUTH, "jvb-1", 0.1, null);
        closing.add(jvb);
        await().atMost(Duration.ofSeconds(15)).until(() -> parley.focus().focus().bridges().get(new JID(jvb.jid())) != null);
        JicofoHttp rest = new JicofoHttp(ports[4]);
        await().atMost(Duration.ofSeconds(15)).until(() -> rest.get("/about/health").statusCode() == 200);

        // Browser-like guests on D: the conference through focus.D over XMPP, and over HTTP as config.js asks.
        Clients web = new Clients(() -> ports[0], trust, DOMAIN);
        closing.add(web);
        String room = "imported@conference." + DOMAIN;
        TestParticipant a = TestParticipant.connect(web, room, "aaaa0001", true);
        closing.add(a);
        ConferenceIq reply = a.requestConference(room);
        assertThat(reply.focusJid()).isEqualTo("focus@" + AUTH);
        Map<String, Object> http = JicofoHttp.json(rest.conferenceRequest(room, null));
        assertThat(http).containsEntry("room", room).containsEntry("focusJid", "focus@" + AUTH);
        a.join();
        TestParticipant b = TestParticipant.connect(web, room, "bbbb0002", false).join();
        closing.add(b);
        await().atMost(Duration.ofSeconds(20)).until(() -> a.sid() != null && b.sid() != null);
        FocusTest.everyoneSeesEveryone(List.of(a, b));
        SfuLogic.Conf conf = jvb.logic.byRoom(room);
        assertThat(conf.endpoints.keySet()).containsExactlyInAnyOrder("aaaa0001", "bbbb0002");
    }

    /**
     * The token variant, as the jitsi-meet-tokens package leaves the file: authentication = "token" with app_id and
     * app_secret on the domain, token_verification on the meetings' MUC. Tokens signed with the secret log in; a guest
     * without one does not.
     */
    @Test
    void theTokenVariantAcceptsTheApplicationsTokens() throws Exception {
        String secret = "imported-app-secret-of-at-least-32-bytes";
        int[] ports = FreePorts.take(5);
        Path prosody = prosodyConfig(ports, text -> text
                .replace("authentication = \"jitsi-anonymous\" -- do not delete me", "authentication = \"token\"")
                .replace("--app_id=\"example_app_id\"", "app_id=\"example_app_id\"")
                .replace("--app_secret=\"example_app_secret\"", "app_secret=\"" + secret + "\"")
                .replace("--\"token_verification\";", "\"token_verification\";"));
        Path data = Files.createDirectories(dir.resolve("prosody-data"));
        Path jicofo = dir.resolve("jicofo.conf");
        Files.writeString(jicofo, Files.readString(FIXTURES.resolve("jicofo/jicofo.conf")) + "\njicofo.rest.port = " + ports[4] + "\n");
        Path out = dir.resolve("parley.conf");
        Process p = importJitsi(prosody, data, jicofo, out, dir.resolve("import.log"));
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("import.log"))).isEqualTo(3);
        assertThat(Files.readString(out)).contains("issuers = [\"example_app_id\"]").contains("token-verification = true");

        Path test = dir.resolve("test.conf");
        Files.writeString(test, "include file(\"" + out + "\")\nparley.admin.enabled = false\n");
        Parley parley = TestServers.start(test);
        closing.add(parley);
        X509TrustManager trust = JwtTest.trusting(dir.resolve("prosody/certs/" + DOMAIN + ".crt"));
        Clients web = new Clients(() -> ports[0], trust, DOMAIN);
        closing.add(web);
        com.nimbusds.jwt.JWTClaimsSet claims = new com.nimbusds.jwt.JWTClaimsSet.Builder().issuer("example_app_id")
                .audience("jitsi").subject(DOMAIN).claim("room", "*")
                .expirationTime(java.util.Date.from(java.time.Instant.now().plusSeconds(600))).build();
        com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
                new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256), claims);
        jwt.sign(new com.nimbusds.jose.crypto.MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        XMPPTCPConnection withToken = web.connect(web.plainConfig().setUsernameAndPassword("guest", jwt.serialize()).build());
        withToken.login();
        assertThat(withToken.isAuthenticated()).isTrue();
        XMPPTCPConnection wrong = web.connect(web.plainConfig().setUsernameAndPassword("guest", "not.a.token").build());
        org.assertj.core.api.Assertions.assertThatThrownBy(wrong::login).hasMessageContaining("not-authorized");
    }
}
