package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;
import org.jivesoftware.smack.chat2.ChatManager;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.parley.xmpp.tls.CertificateStore;
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

    @Test
    void anAuthenticatedPeerSendingAMalformedAddressIsImproperAddressing() throws Exception {
        XMPPTCPConnection alice = servers.login(servers.one, FederatedServers.newUser("alice"), "a");
        List<Message> got = new CopyOnWriteArrayList<>();
        ChatManager.getInstanceFor(alice).addIncomingListener((from, m, chat) -> got.add(m));
        String aliceJid = alice.getUser().asEntityBareJidString();
        // Two's own certificate, which one trusts: the raw peer authenticates as two.localhost with SASL EXTERNAL.
        var two = CertificateStore.selfSigned(servers.dir.resolve("two/state/certs"), FederatedServers.TWO);
        String[] stanzas = {
                "<message from='a b@two.localhost' to='" + aliceJid + "' type='chat'><body>attack</body></message>",
                "<message from='@two.localhost' to='" + aliceJid + "' type='chat'><body>attack</body></message>",
                "<message from='bob@two.localhost/" + "r".repeat(1024) + "' to='" + aliceJid + "' type='chat'><body>attack</body></message>",
                "<message from='bob@two.localhost' to='" + aliceJid + "/" + "r".repeat(1024) + "' type='chat'><body>attack</body></message>"};
        for (String stanza : stanzas) {
            try (RawServer peer = new RawServer(servers.one.s2sPort())) {
                peer.authenticateExternal(FederatedServers.TWO, FederatedServers.ONE, two);
                peer.send(stanza);
                // RFC 6120 4.9.3.11: between servers, an address that violates RFC 7622 is improper-addressing.
                assertThat(peer.await("</stream:error>")).contains("<improper-addressing");
                assertThat(peer.closedByServer()).isTrue();
            }
        }
        // The real link from two still carries messages, and none of the attacks arrived.
        XMPPTCPConnection bob = servers.login(servers.two, FederatedServers.newUser("bob"), "b");
        ChatManager.getInstanceFor(bob).chatWith(alice.getUser().asEntityBareJid()).send("genuine");
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> !got.isEmpty());
        assertThat(got).extracting(Message::getBody).containsExactly("genuine");
    }

    /**
     * With dialback off the stream header binds no db prefix, so the refusal must bind it itself: a namespace-aware
     * peer (Prosody, ejabberd) otherwise sees an unbound prefix, calls the stream invalid XML and the link times out.
     */
    @Test
    void dialbackRefusalsAreNamespaceWellFormedXml() throws Exception {
        try (RawServer peer = new RawServer(servers.one.s2sPort())) {
            peer.startTls(FederatedServers.TWO, FederatedServers.ONE);
            peer.openStream(FederatedServers.TWO, FederatedServers.ONE);
            String stream = peer.await("</stream:features>");
            stream = stream.substring(stream.indexOf("<?xml"));
            peer.send("<db:result xmlns:db='jabber:server:dialback' from='two.localhost' to='one.localhost'>0123456789abcdef</db:result>");
            stream += peer.await("</db:result>");
            peer.send("<db:verify xmlns:db='jabber:server:dialback' from='two.localhost' to='one.localhost' id='abc'>0123</db:verify>");
            stream += peer.await("/>");
            List<String> seen = namespacedElements(stream + "</stream:stream>");
            assertThat(seen).contains("{jabber:server:dialback}result type=error",
                    "{urn:ietf:params:xml:ns:xmpp-stanzas}policy-violation",
                    "{jabber:server:dialback}verify type=invalid");
        }
    }

    /** Every element of a complete stream as {namespace}name (with its type), read by a namespace-aware parser. */
    private static List<String> namespacedElements(String xml) throws Exception {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        XMLStreamReader r = f.createXMLStreamReader(new StringReader(xml));
        List<String> out = new ArrayList<>();
        while (r.hasNext()) {
            if (r.next() == XMLStreamConstants.START_ELEMENT) {
                String type = r.getAttributeValue(null, "type");
                out.add("{" + r.getNamespaceURI() + "}" + r.getLocalName() + (type == null ? "" : " type=" + type));
            }
        }
        return out;
    }
}
