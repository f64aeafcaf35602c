package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.sasl.SASLErrorException;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.parley.app.Parley;
import org.parley.muc.RoomInfo;

/**
 * Jitsi token authentication on a server of its own: a token host ({@code meet.localhost}: HS256 secret and an RS256
 * key) with a token-verifying MUC, and an anonymous guest host. Tokens come as the PLAIN password (Smack over TCP)
 * or in the WebSocket URL with ANONYMOUS.
 */
class JwtTest {
    private static final String SECRET = "jwt-test-secret-that-is-at-least-32-bytes";
    private static final String HOST = "meet.localhost";
    private static final String GUESTS = "guest.meet.localhost";
    private static final String MUC = "conference.meet.localhost";
    private static Path dir;
    private static Parley parley;
    private static X509TrustManager trust;
    private static KeyPair rsa;
    /** Each login from its own loopback address, so the failure backoff of one test never slows another. */
    private static final AtomicInteger SOURCE = new AtomicInteger(10);
    private final List<XMPPTCPConnection> open = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("parley-jwt");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        rsa = g.generateKeyPair();
        Path pem = dir.resolve("it-key.pem");
        Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(rsa.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        Path conf = dir.resolve("parley.conf");
        Files.writeString(conf, """
                parley {
                  data-dir = "%s"
                  hosts = [
                    { domain = "%s", token { issuers = ["parley-it"], audiences = ["jitsi"], secret = "%s",
                                             public-keys { "it-key" = "%s" } } }
                    { domain = "%s", anonymous = true, sasl-mechanisms = [] }
                  ]
                  listeners {
                    c2s { bind = "127.0.0.1", port = 0 }
                    c2s-direct-tls { enabled = false }
                    component { enabled = false }
                    s2s { enabled = false }
                  }
                  http.listeners { plain { bind = "127.0.0.1", port = 0, secure = true }, tls.enabled = false }
                  admin.enabled = false
                  focus.rest { bind = "127.0.0.1", port = 0 }
                  muc.services = [ { domain = "conference.{host}", token-verification = true, token-guests = true } ]
                }
                """.formatted(dir.resolve("state"), HOST, SECRET, pem, GUESTS));
        parley = TestServers.start(conf);
        trust = trusting(dir.resolve("state/certs/" + HOST + ".crt"), dir.resolve("state/certs/" + GUESTS + ".crt"));
    }

    @AfterAll
    static void stop() {
        if (parley != null) parley.close();
    }

    @AfterEach
    void close() {
        for (XMPPTCPConnection c : open) if (c.isConnected()) c.disconnect();
    }

    static X509TrustManager trusting(Path... pems) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (Path pem : pems) {
            try (InputStream in = Files.newInputStream(pem)) {
                for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    ks.setCertificateEntry("c" + i++, (X509Certificate) c);
                }
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }

    private static JWTClaimsSet.Builder claims(String room) {
        return new JWTClaimsSet.Builder().issuer("parley-it").audience("jitsi").subject(HOST).claim("room", room)
                .expirationTime(Date.from(Instant.now().plusSeconds(600)));
    }

    private static String hs256(JWTClaimsSet claims, String secret) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private static String rs256(JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("it-key").build(), claims);
        jwt.sign(new RSASSASigner(rsa.getPrivate()));
        return jwt.serialize();
    }

    /** Smack on STARTTLS from a loopback address of its own: PLAIN with the token as password, or anonymous on {@code domain}. */
    private XMPPTCPConnection login(String domain, String user, String token) throws Exception {
        InetAddress from = InetAddress.getByName("127.0.0." + SOURCE.getAndIncrement());
        SocketFactory bound = new SocketFactory() {
            @Override public Socket createSocket() throws IOException {
                Socket s = new Socket();
                s.bind(new InetSocketAddress(from, 0));
                return s;
            }
            @Override public Socket createSocket(String h, int p) { throw new UnsupportedOperationException(); }
            @Override public Socket createSocket(String h, int p, InetAddress a, int lp) { throw new UnsupportedOperationException(); }
            @Override public Socket createSocket(InetAddress h, int p) { throw new UnsupportedOperationException(); }
            @Override public Socket createSocket(InetAddress h, int p, InetAddress a, int lp) { throw new UnsupportedOperationException(); }
        };
        XMPPTCPConnectionConfiguration.Builder b = XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(domain)
                .setHostAddress(InetAddress.getLoopbackAddress())
                .setPort(parley.startTlsPort())
                .setSocketFactory(bound)
                .setSecurityMode(SecurityMode.required)
                .setCustomX509TrustManager(trust)
                .setConnectTimeout(10_000);
        if (token == null) b.performSaslAnonymousAuthentication();
        else b.setUsernameAndPassword(user, token).addEnabledSaslMechanism("PLAIN");
        XMPPTCPConnection c = new XMPPTCPConnection(b.build());
        c.setReplyTimeout(10_000);
        open.add(c);
        c.connect().login();
        return c;
    }

    private static MultiUserChat room(XMPPTCPConnection c, String name) throws Exception {
        return MultiUserChatManager.getInstanceFor(c).getMultiUserChat(JidCreate.entityBareFrom(name + "@" + MUC));
    }

    private static RoomInfo info(String room) throws Exception {
        return parley.muc().roomInfo(room, MUC).get().orElseThrow();
    }

    @Test
    void aValidTokenJoinsItsRoomWithItsIdentityAndTheModeratorClaimMakesAnOwner() throws Exception {
        String token = hs256(claims("standup").claim("context", Map.of("user", Map.of("id", "u-1", "name", "Alice Token",
                "email", "alice@example.org", "moderator", true))).build(), SECRET);
        XMPPTCPConnection alice = login(HOST, "alice", token);
        assertThat(alice.getUser().asBareJid().toString()).isEqualTo("alice@" + HOST);
        room(alice, "standup").join(Resourcepart.from("alice"));
        // A second token user without the moderator claim, RS256 this time, joins the same room.
        XMPPTCPConnection bob = login(HOST, "bob", rs256(claims("standup").claim("context", Map.of("user", Map.of("name", "Bob"))).build()));
        room(bob, "standup").join(Resourcepart.from("bob"));

        RoomInfo info = info("standup");
        RoomInfo.Participant a = info.participants().stream().filter(p -> p.nick().equals("alice")).findFirst().orElseThrow();
        assertThat(a.displayName()).isEqualTo("Alice Token");
        assertThat(a.email()).isEqualTo("alice@example.org");
        assertThat(a.affiliation()).isEqualTo("owner");
        assertThat(a.role()).isEqualTo("moderator");
        RoomInfo.Participant b = info.participants().stream().filter(p -> p.nick().equals("bob")).findFirst().orElseThrow();
        assertThat(b.displayName()).isEqualTo("Bob");
        assertThat(b.affiliation()).isNotEqualTo("owner");

        // An anonymous guest may enter the room a token user started, but start none of its own.
        XMPPTCPConnection guest = login(GUESTS, null, null);
        room(guest, "standup").join(Resourcepart.from("guest"));
        assertThat(info("standup").participants()).hasSize(3);
        assertThatThrownBy(() -> room(guest, "guest-room").join(Resourcepart.from("guest")))
                .isInstanceOf(XMPPException.XMPPErrorException.class).hasMessageContaining("not-authorized");
    }

    @Test
    void aTokenForAnotherRoomIsRefused() throws Exception {
        XMPPTCPConnection carol = login(HOST, "carol", hs256(claims("allowed-room").build(), SECRET));
        assertThatThrownBy(() -> room(carol, "other-room").join(Resourcepart.from("carol")))
                .isInstanceOf(XMPPException.XMPPErrorException.class).hasMessageContaining("not-authorized");
        assertThat(parley.muc().roomInfo("other-room", MUC).get()).isEmpty();
        room(carol, "allowed-room").join(Resourcepart.from("carol"));
        assertThat(info("allowed-room").participants()).hasSize(1);
    }

    @Test
    void expiredWrongSignatureWrongIssuerAndMissingTokensAreRefused() throws Exception {
        String expired = hs256(claims("r").expirationTime(Date.from(Instant.now().minusSeconds(3600))).build(), SECRET);
        String forged = hs256(claims("r").build(), "another-secret-that-is-also-32-bytes-long");
        String issuer = hs256(claims("r").issuer("somebody-else").build(), SECRET);
        String notYet = hs256(claims("r").notBeforeTime(Date.from(Instant.now().plusSeconds(3600))).build(), SECRET);
        for (String bad : List.of(expired, forged, issuer, notYet, "not.a.token")) {
            assertThatThrownBy(() -> login(HOST, "mallory", bad)).as("token %s", bad).isInstanceOf(SASLErrorException.class)
                    .hasMessageContaining("not-authorized");
        }
        // The host has no guest login without a token (allow-empty is off).
        assertThatThrownBy(() -> login(HOST, null, null)).isInstanceOf(SASLErrorException.class);
    }

    @Test
    void theTokenInTheWebSocketUrlLogsInWithAnonymous() throws Exception {
        String token = hs256(claims("*").claim("context", Map.of("user", Map.of("name", "Web User"))).build(), SECRET);
        URI uri = URI.create("ws://127.0.0.1:" + parley.httpPort() + "/xmpp-websocket?room=any&token="
                + URLEncoder.encode(token, StandardCharsets.UTF_8));
        try (WebSocketClient ws = WebSocketClient.connect(uri, "xmpp")) {
            ws.send("<open xmlns='" + WebSocketClient.FRAMING + "' to='" + HOST + "' version='1.0'/>");
            assertThat(ws.await("</stream:features>")).contains("ANONYMOUS");
            ws.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
            ws.await("<success");
        }
        // Without the token, ANONYMOUS on the token host fails.
        URI bare = URI.create("ws://127.0.0.1:" + parley.httpPort() + "/xmpp-websocket");
        try (WebSocketClient ws = WebSocketClient.connect(bare, "xmpp")) {
            ws.send("<open xmlns='" + WebSocketClient.FRAMING + "' to='" + HOST + "' version='1.0'/>");
            ws.await("</stream:features>");
            ws.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
            assertThat(ws.await("<failure")).contains("not-authorized");
        }
    }

    @Test
    void theTokenInTheBoshUrlLogsInWithAnonymous() throws Exception {
        String token = hs256(claims("*").claim("context", Map.of("user", Map.of("name", "Bosh User"))).build(), SECRET);
        String base = "http://127.0.0.1:" + parley.httpPort() + "/http-bind";
        String auth = "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>";
        BoshRaw bosh = new BoshRaw(URI.create(base + "?room=any&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
        assertThat(bosh.create(5, HOST)).contains("<mechanism>ANONYMOUS</mechanism>");
        assertThat(bosh.next(auth).get(10, TimeUnit.SECONDS).body()).contains("<success");
        // The session is the token user's on the token host.
        String restarted = bosh.postAsync(bosh.body(bosh.rid() + 1, "").replace("/>",
                " xmlns:xmpp='urn:xmpp:xbosh' xmpp:restart='true' to='" + HOST + "'/>")).get(10, TimeUnit.SECONDS).body();
        bosh.next("");
        assertThat(restarted).contains("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>");
        String bound = bosh.next("<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
                .get(10, TimeUnit.SECONDS).body();
        assertThat(bound).containsPattern("<jid>[^<@]+@" + java.util.regex.Pattern.quote(HOST) + "/[^<]+</jid>");
        bosh.post(bosh.body(bosh.rid() + 1, "").replace("/>", " type='terminate'/>"));

        // Without the token, or with a forged one, ANONYMOUS on the token host fails.
        String forged = hs256(claims("*").build(), "another-secret-that-is-also-32-bytes-long");
        for (String uri : List.of(base, base + "?room=any&token=" + forged, base + "?token=not.a.token")) {
            BoshRaw other = new BoshRaw(URI.create(uri));
            other.create(5, HOST);
            assertThat(other.next(auth).get(10, TimeUnit.SECONDS).body()).as(uri).contains("<failure").contains("not-authorized");
        }
    }
}
