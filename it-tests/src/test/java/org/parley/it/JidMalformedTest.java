package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jxmpp.jid.EntityBareJid;

/**
 * Addresses that are not JIDs by RFC 7622 (issue 15): each is answered jid-malformed (RFC 6120 8.3.3.8) with the
 * stanza's own id, the sender's stream stays up, nothing reaches anyone, and a bystander never notices. Parts of
 * exactly 1023 octets are still JIDs and are routed as usual.
 */
@ExtendWith(ParleyServer.class)
class JidMalformedTest {
    private final Clients clients = new Clients();
    private BystanderPair pair;
    private XMPPTCPConnection bystander;
    private XMPPTCPConnection friend;

    @BeforeEach
    void bystanders() throws Exception {
        pair = new BystanderPair(clients);
        bystander = pair.bystander;
        friend = pair.friend;
    }

    @AfterEach
    void close() {
        clients.close();
    }

    /** A domainpart of {@code octets} octets made of valid labels, so that only its length can be wrong. */
    private static String domainOf(int octets) {
        StringBuilder d = new StringBuilder();
        while (octets - d.length() > 64) d.append("d".repeat(63)).append('.');
        return d.append("e".repeat(octets - d.length())).toString();
    }

    /** The addresses of the issue and their kin, as written inside a single-quoted attribute. */
    private Map<String, String> malformed() {
        String bare = bystander.getUser().asEntityBareJidString();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("1,024-octet localpart", "n".repeat(1024) + "@localhost");
        m.put("localpart with a space", "a b@localhost");
        m.put("localpart with a quote", "a&apos;b@localhost");
        m.put("localpart with a double quote", "a&quot;b@localhost");
        m.put("localpart with '<'", "a&lt;b@localhost");
        m.put("empty localpart", "@localhost");
        m.put("1,024-octet domainpart", "a@" + domainOf(1024));
        m.put("domainpart with an empty label", "a@local..host");
        m.put("domainpart with an underscore", "a@local_host");
        m.put("1,024-octet resourcepart", bare + "/" + "r".repeat(1024));
        m.put("resourcepart with a control character", bare + "/a&#9;b");
        m.put("empty resourcepart", bare + "/");
        return m;
    }

    private RawClient attacker() throws Exception {
        String user = Clients.newUser("mallory");
        clients.register(user);
        return RawClient.plain(ParleyServer.get().startTlsPort()).startTls().login(user, Clients.PASSWORD, "r");
    }

    /** The stanza of {@code kind} whose id is {@code id}, whole. */
    static String answer(RawClient raw, String kind, String id) throws IOException {
        String head = raw.await(" id='" + id + "'");
        String start = head.substring(head.lastIndexOf("<" + kind));
        String tagEnd = raw.await(">");
        return start + tagEnd + (tagEnd.endsWith("/>") ? "" : raw.await("</" + kind + ">"));
    }

    private static void assertJidMalformed(String answer, String what) {
        assertThat(answer).as(what).contains("type='error'").contains("<jid-malformed").contains("type='modify'");
    }

    /** The attacker's own stream still works: the server answers its ping. */
    private static void stillConnected(RawClient raw) throws IOException {
        raw.send("<iq type='get' id='alive'><ping xmlns='urn:xmpp:ping'/></iq>");
        assertThat(answer(raw, "iq", "alive")).contains("type='result'");
    }

    private void bystanderStillWorks() throws Exception {
        pair.stillWorks();
        assertThat(pair.received).noneMatch(m -> "attack".equals(m.getBody()));
    }

    @Test
    void malformedToIsJidMalformedForMessagesPresenceAndIqs() throws Exception {
        try (RawClient raw = attacker()) {
            int n = 0;
            for (var c : malformed().entrySet()) {
                String to = c.getValue();
                n++;
                raw.send("<message to='" + to + "' id='m" + n + "' type='chat'><body>attack</body></message>");
                assertJidMalformed(answer(raw, "message", "m" + n), "message to " + c.getKey());
                raw.send("<presence to='" + to + "' id='p" + n + "'/>");
                assertJidMalformed(answer(raw, "presence", "p" + n), "presence to " + c.getKey());
                raw.send("<presence to='" + to + "' id='s" + n + "' type='subscribe'/>");
                assertJidMalformed(answer(raw, "presence", "s" + n), "subscription request to " + c.getKey());
                raw.send("<iq to='" + to + "' id='i" + n + "' type='get'><ping xmlns='urn:xmpp:ping'/></iq>");
                assertJidMalformed(answer(raw, "iq", "i" + n), "iq to " + c.getKey());
            }
            stillConnected(raw);
        }
        pair.stillWorks();
    }

    @Test
    void malformedFromIsJidMalformedAndResponsesAreNotAnswered() throws Exception {
        String to = bystander.getUser().asEntityBareJidString();
        try (RawClient raw = attacker()) {
            raw.send("<message from='a b@localhost' to='" + to + "' id='f1' type='chat'><body>attack</body></message>");
            assertJidMalformed(answer(raw, "message", "f1"), "message from a localpart with a space");
            raw.send("<iq from='a@localhost/" + "r".repeat(1024) + "' id='f2' type='get'><ping xmlns='urn:xmpp:ping'/></iq>");
            assertJidMalformed(answer(raw, "iq", "f2"), "iq from a 1,024-octet resourcepart");
            // An IQ response or an error is never answered (RFC 6120 8.2.3, 8.3.1), malformed or not.
            raw.send("<iq to='a b@localhost' id='f3' type='result'/>");
            raw.send("<message to='a b@localhost' id='f4' type='error'><error type='cancel'>"
                    + "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
            raw.send("<iq type='get' id='alive'><ping xmlns='urn:xmpp:ping'/></iq>");
            assertThat(raw.await(" id='alive'")).doesNotContain("id='f3'").doesNotContain("id='f4'");
        }
        pair.stillWorks();
    }

    @Test
    void partsOf1023OctetsAreRoutedNormally() throws Exception {
        String bare = bystander.getUser().asEntityBareJidString();
        try (RawClient raw = attacker()) {
            // A resource nobody bound: a chat message falls back to the bare JID (RFC 6121 8.5.3.2.1).
            raw.send("<message to='" + bare + "/" + "r".repeat(1023) + "' id='v1' type='chat'><body>long resource</body></message>");
            await().atMost(Duration.ofSeconds(10)).until(() -> pair.received.stream().anyMatch(m -> "long resource".equals(m.getBody())));
            // No such account: service-unavailable, as for any other unknown user.
            raw.send("<iq to='" + "n".repeat(1023) + "@localhost' id='v2' type='get'><ping xmlns='urn:xmpp:ping'/></iq>");
            assertThat(answer(raw, "iq", "v2")).contains("type='error'").contains("<service-unavailable");
            // No such server: federation tries and gives up.
            raw.send("<message to='a@" + domainOf(1023) + "' id='v3' type='chat'><body>far</body></message>");
            assertThat(answer(raw, "message", "v3")).contains("type='error'").contains("<remote-server-not-found");
            stillConnected(raw);
        }
        pair.stillWorks();
    }

    @Test
    void bindingAMalformedResourceIsBadRequestAndAGoodOneStillBinds() throws Exception {
        String user = Clients.newUser("binder");
        clients.register(user);
        try (RawClient raw = RawClient.plain(ParleyServer.get().startTlsPort()).startTls().authenticate(user, Clients.PASSWORD)) {
            // RFC 6120 7.7.2.1: a resourcepart the server cannot process is bad-request.
            raw.send("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + "r".repeat(1024)
                    + "</resource></bind></iq>");
            assertThat(answer(raw, "iq", "b1")).contains("type='error'").contains("<bad-request");
            raw.send("<iq type='set' id='b2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>a&#xE000;b</resource></bind></iq>");
            assertThat(answer(raw, "iq", "b2")).contains("type='error'").contains("<bad-request");
            raw.send("<iq type='set' id='b4'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>a&#9;b</resource></bind></iq>");
            assertThat(answer(raw, "iq", "b4")).contains("type='error'").contains("<bad-request");
            raw.send("<iq type='set' id='b3'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + "r".repeat(1023)
                    + "</resource></bind></iq>");
            assertThat(answer(raw, "iq", "b3")).contains("type='result'").contains("/" + "r".repeat(1023) + "</jid>");
            raw.send("<message to='" + bystander.getUser().asEntityBareJidString() + "' type='chat'><body>bound</body></message>");
            await().atMost(Duration.ofSeconds(10)).until(() -> pair.received.stream().anyMatch(m -> "bound".equals(m.getBody())));
        }
        pair.stillWorks();
    }

    @Test
    void rosterItemWithAMalformedJidIsJidMalformed() throws Exception {
        try (RawClient raw = attacker()) {
            int n = 0;
            for (var c : malformed().entrySet()) {
                if (c.getKey().contains("resourcepart")) continue; // a roster item is a bare JID: the resource is dropped
                n++;
                raw.send("<iq type='set' id='r" + n + "'><query xmlns='jabber:iq:roster'><item jid='" + c.getValue()
                        + "'/></query></iq>");
                assertJidMalformed(answer(raw, "iq", "r" + n), "roster item " + c.getKey());
            }
            raw.send("<iq type='set' id='ok'><query xmlns='jabber:iq:roster'><item jid='" + "n".repeat(1023)
                    + "@localhost'/></query></iq>");
            assertThat(answer(raw, "iq", "ok")).contains("type='result'");
            raw.send("<iq type='get' id='list'><query xmlns='jabber:iq:roster'/></iq>");
            assertThat(answer(raw, "iq", "list")).contains("jid='" + "n".repeat(1023) + "@localhost'").doesNotContain("a b@");
        }
        pair.stillWorks();
    }

    @Test
    void joiningARoomWithAMalformedNickIsJidMalformed() throws Exception {
        XMPPTCPConnection alice = clients.newUser("alice", "a");
        EntityBareJid room = MucTest.newRoom("nicks");
        MultiUserChat a = MucTest.muc(alice, room);
        a.create(MucTest.nick("alice")).makeInstant();
        try (RawClient raw = attacker()) {
            String[] bad = {"r".repeat(1024), "a&#9;b", "a&#xE000;b", ""};
            for (int i = 0; i < bad.length; i++) {
                raw.send("<presence to='" + room + "/" + bad[i] + "' id='j" + i + "'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
                assertJidMalformed(answer(raw, "presence", "j" + i), "nick " + (bad[i].length() > 20 ? bad[i].length() + " octets" : bad[i]));
            }
            assertThat(a.getOccupantsCount()).isEqualTo(1);
            String longNick = "r".repeat(1023);
            raw.send("<presence to='" + room + "/" + longNick + "' id='ok'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
            assertThat(answer(raw, "presence", "ok")).contains("from='" + room + "/" + longNick + "'").contains("code='110'")
                    .doesNotContain("type='error'");
            await().atMost(MucTest.WAIT).until(() -> a.getOccupantsCount() == 2);
            a.sendMessage("welcome");
            raw.await("<body>welcome</body>");
        }
        pair.stillWorks();
    }

    @Test
    void componentSendingAMalformedAddressIsImproperAddressing() throws Exception {
        String bystanderJid = bystander.getUser().toString();
        for (String stanza : new String[] {
                "<message from='bot@component.localhost' to='a b@localhost' type='chat'><body>attack</body></message>",
                "<message from='bot@component.localhost' to='@localhost' type='chat'><body>attack</body></message>",
                "<message from='bot b@component.localhost' to='" + bystanderJid + "' type='chat'><body>attack</body></message>",
                "<message from='bot@component.localhost/" + "r".repeat(1024) + "' to='" + bystanderJid + "' type='chat'><body>attack</body></message>"}) {
            try (RawClient c = ComponentTest.component("component.localhost", "component-secret")) {
                c.await("<handshake/>");
                c.send(stanza);
                // RFC 6120 4.9.3.11: between servers, an address that violates RFC 7622 is improper-addressing.
                assertThat(c.await("</stream:error>")).contains("<improper-addressing");
                assertThat(c.closedByServer()).isTrue();
            }
        }
        pair.stillWorks();
    }
}
