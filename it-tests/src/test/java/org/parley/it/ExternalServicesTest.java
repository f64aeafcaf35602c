package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** XEP-0215: STUN/TURN servers with coturn shared-secret credentials, TURN entries in a new order each time. */
@ExtendWith(ParleyServer.class)
class ExternalServicesTest {
    private static final Pattern SERVICE = Pattern.compile("<service ([^>]*?)/>");
    private static final Pattern ATTRIBUTE = Pattern.compile("([a-z]+)=[\"']([^\"']*)[\"']");
    private final Clients clients = new Clients();

    @AfterEach
    void close() {
        clients.close();
    }

    private static List<Map<String, String>> services(String iq) {
        List<Map<String, String>> out = new ArrayList<>();
        Matcher m = SERVICE.matcher(iq);
        while (m.find()) {
            Map<String, String> attrs = new LinkedHashMap<>();
            Matcher a = ATTRIBUTE.matcher(m.group(1));
            while (a.find()) attrs.put(a.group(1), a.group(2));
            out.add(attrs);
        }
        return out;
    }

    private static String hmac(String username) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(ParleyServer.TURN_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * lib-jitsi-meet asks every session for STUN/TURN services; a server without any answers an empty list, as Prosody
     * does, not an error.
     */
    @Test
    void withoutTurnServersTheListIsEmpty(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path conf = dir.resolve("parley.conf");
        java.nio.file.Files.writeString(conf, """
                parley {
                  data-dir = "%s"
                  hosts = [ { domain = "localhost", anonymous = true, require-tls = false } ]
                  listeners {
                    c2s { bind = "127.0.0.1", port = 0 }
                    c2s-direct-tls { enabled = false }
                    component { enabled = false }
                    s2s { enabled = false }
                  }
                  http.listeners { plain.enabled = false, tls.enabled = false }
                  admin.enabled = false
                  focus.rest.enabled = false
                }
                """.formatted(dir.resolve("state")));
        try (org.parley.app.Parley server = TestServers.start(conf);
             RawClient c = RawClient.plain(server.startTlsPort())) {
            c.openStream().await("</stream:features>");
            c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>").await("<success");
            c.openStream().await("</stream:features>");
            c.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>").await("</iq>");
            c.send("<iq type='get' id='ext' to='localhost'><services xmlns='urn:xmpp:extdisco:2'/></iq>");
            String reply = c.await("</iq>");
            assertThat(reply).contains("type='result'").contains("urn:xmpp:extdisco:2").doesNotContain("error");
            assertThat(services(reply)).isEmpty();
        }
    }

    @Test
    void servicesCarryValidCredentialsInVaryingOrder() throws Exception {
        String user = Clients.newUser("turn");
        clients.register(user);
        try (RawClient c = RawClient.directTls(ParleyServer.get().directTlsPort()).login(user, Clients.PASSWORD, "r")) {
            Set<List<String>> orders = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                c.send("<iq type='get' id='ext" + i + "' to='localhost'><services xmlns='urn:xmpp:extdisco:2'/></iq>");
                String reply = c.await("</iq>");
                assertThat(reply).contains("id='ext" + i + "'").contains("type='result'").contains("urn:xmpp:extdisco:2");
                List<Map<String, String>> services = services(reply);
                assertThat(services).hasSize(5);
                assertThat(services.get(0)).containsEntry("type", "stun").containsEntry("host", "stun.example.org")
                        .doesNotContainKey("username");
                List<String> order = new ArrayList<>();
                for (Map<String, String> s : services.subList(1, 5)) {
                    order.add(s.get("host"));
                    assertThat(s.get("type")).startsWith("turn");
                    assertThat(s).containsEntry("restricted", "1");
                    String username = s.get("username");
                    // username = "<expiry>:<bare JID>", password = base64(HMAC-SHA1(secret, username)), as coturn checks.
                    assertThat(username).isEqualTo(Instant.parse(s.get("expires")).getEpochSecond() + ":" + user + "@localhost");
                    assertThat(s.get("password")).isEqualTo(hmac(username));
                    long ttl = Instant.parse(s.get("expires")).getEpochSecond() - Instant.now().getEpochSecond();
                    assertThat(ttl).isBetween(3500L, 3601L);
                }
                assertThat(order).containsExactlyInAnyOrder("turn1.example.org", "turn2.example.org", "turn3.example.org",
                        "turn4.example.org");
                orders.add(order);
            }
            assertThat(orders).as("TURN orders over 30 requests").hasSizeGreaterThan(3);

            // Filtered by type, and the credentials request for one server.
            c.send("<iq type='get' id='t1' to='localhost'><services xmlns='urn:xmpp:extdisco:2' type='stun'/></iq>");
            assertThat(services(c.await("</iq>"))).hasSize(1);
            c.send("<iq type='get' id='cr1' to='localhost'><credentials xmlns='urn:xmpp:extdisco:2'>"
                    + "<service host='turn2.example.org' type='turn'/></credentials></iq>");
            String creds = c.await("</iq>");
            assertThat(creds).contains("<credentials");
            List<Map<String, String>> one = services(creds);
            assertThat(one).hasSize(1);
            assertThat(one.get(0)).containsEntry("host", "turn2.example.org");
            assertThat(one.get(0).get("password")).isEqualTo(hmac(one.get(0).get("username")));
            c.send("<iq type='get' id='cr2' to='localhost'><credentials xmlns='urn:xmpp:extdisco:2'>"
                    + "<service host='nowhere.example.org' type='turn'/></credentials></iq>");
            assertThat(c.await("</iq>")).contains("type='error'").contains("item-not-found");
        }
    }
}
