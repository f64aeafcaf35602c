package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two servers that trust each other's certificate and require valid ones: links use SASL EXTERNAL. */
class FederationCertificateTest extends FederationContract {
    private static FederatedServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = new FederatedServers(FederatedServers.Mode.CERTIFICATES, Map.of(), "allow-dialback = false");
        servers.two.xmpp().context().services().addComponent("echo." + FederatedServers.TWO, new EchoRoom());
    }

    @AfterAll
    static void stop() throws Exception {
        if (servers != null) servers.close();
    }

    @Override FederatedServers servers() { return servers; }

    @Override String expectedMethod() { return "SASL EXTERNAL"; }

    @Test
    void aPeerWithoutAValidCertificateIsOfferedNothingAndItsDialbackRefused() throws Exception {
        try (RawServer peer = new RawServer(servers.one.s2sPort())) {
            peer.startTls(FederatedServers.TWO, FederatedServers.ONE);
            peer.openStream(FederatedServers.TWO, FederatedServers.ONE);
            String features = peer.await("</stream:features>");
            assertThat(features).doesNotContain("EXTERNAL").doesNotContain("dialback");
            // Dialback is off here, so neither the feature nor the db prefix is announced.
            peer.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>");
            assertThat(peer.await("</failure>")).contains("<not-authorized");
            peer.send("<db:result xmlns:db='jabber:server:dialback' from='two.localhost' to='one.localhost'>0123456789abcdef</db:result>");
            assertThat(peer.await("</db:result>")).contains("type='error'").contains("policy-violation");
            peer.send("<message from='x@two.localhost' to='y@one.localhost'><body>hi</body></message>");
            assertThat(peer.await("</stream:error>")).contains("<invalid-from");
        }
    }
}
