package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SCRAM channel binding as clients with their own ideas send it, over STARTTLS and direct TLS: XEP-0440 names the
 * types a connection offers (tls-exporter and tls-server-end-point on TLS 1.3, tls-server-end-point on TLS 1.2),
 * each of them logs in with correct data, and a type the connection lacks (tls-unique, an unknown one, tls-exporter
 * on TLS 1.2) or a "y" flag while -PLUS is offered is refused at once, costs no password attempt and no growing
 * per-address delay, and leaves the stream usable for the client's next mechanism.
 */
@ExtendWith(ParleyServer.class)
class ChannelBindingTest {
    private static final String PLUS = "SCRAM-SHA-256-PLUS";
    private static final String SCRAM = "SCRAM-SHA-256";
    /** The per-address throttle's first delay is 1 s; a refusal must come well before. */
    private static final long IMMEDIATE_MS = 900;
    private static String user;

    @BeforeAll
    static void account() throws Exception {
        user = Clients.newUser("cb");
        new Clients().register(user);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"starttls", "direct"})
    void tls13AdvertisesBothTypesAndEachLogsIn(String mode) throws Exception {
        try (TlsPump c = TlsPump.open(mode, "TLSv1.3")) {
            String features = features(c);
            assertThat(features).contains("<mechanism>SCRAM-SHA-256-PLUS</mechanism>")
                    .contains("<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/>"
                            + "<channel-binding type='tls-server-end-point'/></sasl-channel-binding>");
            assertThat(RawScram.login(c, user, PLUS, "p=tls-exporter,,", c.binding)).startsWith(user + "@localhost/");
        }
        try (TlsPump c = TlsPump.open(mode, "TLSv1.3")) {
            features(c);
            assertThat(RawScram.login(c, user, PLUS, "p=tls-server-end-point,,", c.serverEndPoint)).startsWith(user + "@localhost/");
        }
        try (TlsPump c = TlsPump.open(mode, "TLSv1.3")) {
            features(c);
            assertThat(RawScram.login(c, user, SCRAM, "n,,", null)).startsWith(user + "@localhost/");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"starttls", "direct"})
    void refusedTypesFailAtOnceAndTheSameStreamLogsInAfterwards(String mode) throws Exception {
        // Three streams with three refusals each: counted as failed passwords, the first stream would already be
        // closed after its third, and the answers from this address would come after 1, 2, 4 ... s.
        for (int round = 0; round < 3; round++) {
            try (TlsPump c = TlsPump.open(mode, "TLSv1.3")) {
                features(c);
                refused(c, PLUS, "p=tls-unique,,", "malformed-request");
                refused(c, PLUS, "p=x-unknown-binding,,", "malformed-request");
                refused(c, SCRAM, "y,,", "not-authorized");
                String jid = switch (round) {
                    case 0 -> RawScram.login(c, user, SCRAM, "n,,", null);
                    case 1 -> RawScram.login(c, user, PLUS, "p=tls-exporter,,", c.binding);
                    default -> RawScram.login(c, user, PLUS, "p=tls-server-end-point,,", c.serverEndPoint);
                };
                assertThat(jid).as("round %d over %s", round, mode).startsWith(user + "@localhost/");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"starttls", "direct"})
    void tls12OffersPlusWithTheServerEndPointOnly(String mode) throws Exception {
        try (TlsPump c = TlsPump.open(mode, "TLSv1.2")) {
            assertThat(c.protocol()).isEqualTo("TLSv1.2");
            String features = features(c);
            assertThat(features).contains("<mechanism>SCRAM-SHA-256-PLUS</mechanism>")
                    .contains("<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-server-end-point'/>"
                            + "</sasl-channel-binding>");
            // tls-exporter needs the extended master secret on TLS 1.2; tls-unique is not offered at all.
            refused(c, PLUS, "p=tls-exporter,,", "malformed-request");
            refused(c, PLUS, "p=tls-unique,,", "malformed-request");
            assertThat(RawScram.login(c, user, PLUS, "p=tls-server-end-point,,", c.serverEndPoint)).startsWith(user + "@localhost/");
        }
    }

    @Test
    void aClientCyclingThroughRefusedTypesIsCutOffAfterSix() throws Exception {
        try (TlsPump c = TlsPump.open("starttls", "TLSv1.3")) {
            features(c);
            for (int i = 0; i < 5; i++) refused(c, PLUS, "p=x-unknown-" + i + ",,", "malformed-request");
            c.send(RawScram.auth(PLUS, "p=x-unknown-5,,n=" + user + ",r=" + RawScram.newNonce()));
            c.await("</failure>");
            assertThat(c.await("</stream:stream>")).contains("<policy-violation");
        }
    }

    private static String features(TlsPump c) throws Exception {
        c.send(TlsPump.STREAM_OPEN);
        return c.await("</stream:features>");
    }

    /** Sends a client-first message the server must refuse with {@code condition}, and times the answer. */
    private static void refused(TlsPump c, String mechanism, String gs2, String condition) throws Exception {
        long start = System.nanoTime();
        c.send(RawScram.auth(mechanism, gs2 + "n=" + user + ",r=" + RawScram.newNonce()));
        String failure = c.await("</failure>");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(failure).as("answer to %s %s", mechanism, gs2).contains("<" + condition + "/>").doesNotContain("<challenge");
        assertThat(millis).as("%s %s answered after %d ms", mechanism, gs2, millis).isLessThan(IMMEDIATE_MS);
    }
}
