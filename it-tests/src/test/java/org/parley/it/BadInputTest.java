package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import org.jivesoftware.smack.sasl.SASLErrorException;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile or broken input: each case gets the protocol's error and closes only the offending stream, while
 * a bystander's session keeps working.
 */
@ExtendWith(ParleyServer.class)
class BadInputTest {
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

    private static String streamError(RawClient raw) throws Exception {
        String upTo = raw.await("</stream:error>");
        assertThat(raw.closedByServer()).as("server closes the stream after the error").isTrue();
        return upTo;
    }

    @Test
    void malformedXmlIsNotWellFormed() throws Exception {
        try (RawClient raw = RawClient.plain(ParleyServer.get().startTlsPort())) {
            raw.openStream().await("</stream:features>");
            raw.send("<message><body>unclosed</message>");
            assertThat(streamError(raw)).contains("<not-well-formed");
        }
        pair.stillWorks();
    }

    @Test
    void entityExpansionIsRestrictedXml() throws Exception {
        String lol = """
                <?xml version="1.0"?>
                <!DOCTYPE lolz [
                 <!ENTITY lol "lol">
                 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
                 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
                 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
                 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
                ]>
                <stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>
                <message><body>&lol9;</body></message>
                """;
        try (RawClient raw = RawClient.plain(ParleyServer.get().startTlsPort())) {
            raw.send(lol);
            assertThat(streamError(raw)).contains("<restricted-xml");
        }
        // An entity reference inside a stream that declared nothing is refused the same way.
        try (RawClient raw = RawClient.plain(ParleyServer.get().startTlsPort())) {
            raw.openStream().await("</stream:features>");
            raw.send("<message><body>&lol9;</body></message>");
            assertThat(streamError(raw)).containsAnyOf("<restricted-xml", "<not-well-formed");
        }
        pair.stillWorks();
    }

    @Test
    void oneMebibyteStanzaIsAPolicyViolation() throws Exception {
        try (RawClient raw = RawClient.plain(ParleyServer.get().startTlsPort())) {
            raw.openStream().await("</stream:features>");
            raw.send("<message to='someone@localhost'><body>");
            byte[] chunk = "x".repeat(64 * 1024).getBytes();
            try {
                for (int i = 0; i < 16; i++) raw.send(chunk);
                raw.send("</body></message>");
            } catch (java.io.IOException closedWhileSending) {
                // The server may close before the whole mebibyte is written; the error was sent first.
            }
            assertThat(streamError(raw)).contains("<policy-violation");
        }
        pair.stillWorks();
    }

    @Test
    void deepNestingIsAPolicyViolation() throws Exception {
        try (RawClient raw = RawClient.plain(ParleyServer.get().startTlsPort())) {
            raw.openStream().await("</stream:features>");
            StringBuilder deep = new StringBuilder("<message>");
            for (int i = 0; i < 10_000; i++) deep.append("<a>");
            try {
                raw.send(deep.toString());
            } catch (java.io.IOException closedWhileSending) {
                // as above
            }
            assertThat(streamError(raw)).contains("<policy-violation");
        }
        pair.stillWorks();
    }

    @Test
    void spoofedFromIsInvalidFrom() throws Exception {
        String user = Clients.newUser("spoofer");
        clients.register(user);
        try (RawClient raw = RawClient.plain(ParleyServer.get().startTlsPort())) {
            raw.startTls().login(user, Clients.PASSWORD, "r");
            raw.send("<message from='" + bystander.getUser() + "' to='" + friend.getUser() + "'><body>it is me</body></message>");
            assertThat(streamError(raw)).contains("<invalid-from");
        }
        pair.stillWorks();
    }

    @Test
    void repeatedWrongPasswordsFailSlowerAndSlower() throws Exception {
        String user = Clients.newUser("victim");
        clients.register(user);
        long[] took = new long[3];
        for (int i = 0; i < 3; i++) {
            XMPPTCPConnection c = clients.connect(clients.config().setUsernameAndPassword(user, "guess" + i).build());
            long start = System.nanoTime();
            assertThatThrownBy(c::login).isInstanceOfSatisfying(SASLErrorException.class,
                    e -> assertThat(e.getSASLFailure().getSASLErrorString()).isEqualTo("not-authorized"));
            took[i] = (System.nanoTime() - start) / 1_000_000;
            c.disconnect();
        }
        // The first answer may come at once; later ones from the same address are held back.
        assertThat(took[2]).isGreaterThanOrEqualTo(900);
        // The right password still works afterwards (after the delay), and so do others.
        XMPPTCPConnection ok = clients.login(user, "r");
        assertThat(ok.isAuthenticated()).isTrue();
        pair.stillWorks();
    }

    @Test
    void stanzasBeforeAuthenticationAreNotAuthorized() throws Exception {
        try (RawClient raw = RawClient.plain(ParleyServer.get().startTlsPort())) {
            raw.openStream().await("</stream:features>");
            raw.send("<message to='" + bystander.getUser() + "'><body>sneaky</body></message>");
            assertThat(streamError(raw)).containsAnyOf("<not-authorized", "<policy-violation");
        }
        pair.stillWorks();
        assertThat(pair.received).noneMatch(m -> "sneaky".equals(m.getBody()));
    }

    @Test
    void unknownHostIsHostUnknown() throws Exception {
        try (RawClient raw = RawClient.plain(ParleyServer.get().startTlsPort())) {
            raw.send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
                    + " to='not-served.example' version='1.0'>");
            assertThat(streamError(raw)).contains("<host-unknown");
        }
        pair.stillWorks();
    }
}
