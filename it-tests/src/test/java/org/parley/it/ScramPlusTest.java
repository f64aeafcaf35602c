package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SCRAM-SHA-256-PLUS end to end: STARTTLS on the server's real listener (BoringSSL by default), the client's
 * tls-exporter value from BouncyCastle's own TLS implementation, and a login that only succeeds when the server
 * derived the same binding. A client that claims a different binding is refused.
 */
@ExtendWith(ParleyServer.class)
class ScramPlusTest {
    private static final Clients CLIENTS = new Clients();
    private static final String PLUS = "SCRAM-SHA-256-PLUS";
    private static final String GS2 = "p=tls-exporter,,";
    private static String user;

    @BeforeAll
    static void account() throws Exception {
        user = Clients.newUser("plus");
        CLIENTS.register(user);
    }

    @Test
    void logsInWithTheChannelBindingOfItsOwnConnection() throws Exception {
        try (TlsPump c = TlsPump.startTls(ParleyServer.get().startTlsPort())) {
            c.send(TlsPump.STREAM_OPEN);
            String features = c.await("</stream:features>");
            assertThat(features).contains("<mechanism>SCRAM-SHA-256-PLUS</mechanism>");
            String jid = RawScram.login(c, user, PLUS, GS2, c.binding);
            assertThat(jid).startsWith(user + "@localhost/");
        }
    }

    @Test
    void aBindingFromAnotherConnectionIsRefused() throws Exception {
        byte[] other;
        try (TlsPump first = TlsPump.startTls(ParleyServer.get().startTlsPort())) {
            other = first.binding;
        }
        try (TlsPump c = TlsPump.startTls(ParleyServer.get().startTlsPort())) {
            assertThat(c.binding).isNotEqualTo(other);
            c.send(TlsPump.STREAM_OPEN);
            c.await("</stream:features>");
            String first = "n=" + user + ",r=" + RawScram.newNonce();
            c.send(RawScram.auth(PLUS, GS2 + first));
            String challenge = RawScram.decode(RawScram.text(c.await("</challenge>"), "</challenge>"));
            c.send(RawScram.response(RawScram.clientFinal(GS2, first, challenge, other)[0]));
            assertThat(c.await("</failure>")).contains("not-authorized");
        }
        // The server carries on for everybody else.
        try (TlsPump c = TlsPump.startTls(ParleyServer.get().startTlsPort())) {
            c.send(TlsPump.STREAM_OPEN);
            c.await("</stream:features>");
            assertThat(RawScram.login(c, user, PLUS, GS2, c.binding)).startsWith(user + "@localhost/");
        }
    }
}
