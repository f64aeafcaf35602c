package org.parley.xmpp.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;

/** What a federation peer or a component may put in 'to' and 'from' (RFC 6120 4.9.3.11). */
class InboundStanzaTest {
    private static InboundStanza read(String xml) throws Exception {
        Element e = DocumentHelper.parseText(xml).getRootElement();
        return InboundStanza.read(e, "jabber:server");
    }

    private static String message(String from, String to) {
        return "<message xmlns='jabber:server' from='" + from + "' to='" + to + "'><body>hi</body></message>";
    }

    @Test
    void wellFormedAddressesAreParsed() throws Exception {
        InboundStanza in = read(message("juliet@example.com/balcony", "romeo@example.net"));
        assertThat(in.failed()).isFalse();
        assertThat(in.from().toString()).isEqualTo("juliet@example.com/balcony");
        assertThat(in.to().toBareJID()).isEqualTo("romeo@example.net");
        assertThat(in.packet().getElement().getNamespaceURI()).isEqualTo("jabber:client");
    }

    @Test
    void malformedAddressesAreImproperAddressing() throws Exception {
        String[][] cases = {
                {"a b@example.com", "romeo@example.net"},
                {"@example.com", "romeo@example.net"},
                {"juliet@example.com/", "romeo@example.net"},
                {"juliet@example.com", "n".repeat(1024) + "@example.net"},
                {"juliet@example.com", "romeo@example.net/" + "r".repeat(1024)},
                {"juliet@example.com", "romeo@exa_mple.net"}};
        for (String[] c : cases) {
            InboundStanza in = read(message(c[0], c[1]));
            assertThat(in.error()).as("from %s to %s", c[0], c[1]).isEqualTo(StreamErrorCondition.IMPROPER_ADDRESSING);
            assertThat(in.reason()).startsWith("Malformed '");
        }
    }

    @Test
    void unknownElementsAreUnsupportedWhateverTheirAddresses() throws Exception {
        InboundStanza in = read("<thing xmlns='jabber:server' from='@x' to='y/'/>");
        assertThat(in.error()).isEqualTo(StreamErrorCondition.UNSUPPORTED_STANZA_TYPE);
    }
}
