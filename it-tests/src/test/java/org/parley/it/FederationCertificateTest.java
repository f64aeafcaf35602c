package org.parley.it;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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
}
