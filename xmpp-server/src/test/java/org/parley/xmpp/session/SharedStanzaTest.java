package org.parley.xmpp.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.xml.XmlWriter;

class SharedStanzaTest {
    private static Element parse(String xml) throws Exception {
        Element e = DocumentHelper.parseText(xml).getRootElement();
        e.detach();
        return e;
    }

    @Test
    void rendersLikeTheAddressedElementOnStreamsAndStandalone() throws Exception {
        Element presence = parse("<presence xmlns='jabber:client' from='room@conference.localhost/Ann &amp; Bob'>"
                + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x>"
                + "<stats-id>Ann-Zp</stats-id><audiomuted>true</audiomuted></presence>");
        SharedStanza shared = new SharedStanza(presence);
        String to = "o'neil@localhost/phone";
        for (String ns : new String[] {"jabber:client", ""}) {
            Element expected = parse(wrap(XmlWriter.toXml(shared.addressed(to), ns))).element("presence");
            Element actual = parse(wrap(shared.render(to, ns))).element("presence");
            assertThat(actual.attributeValue("to")).isEqualTo(to);
            expected.addAttribute("to", null);
            actual.addAttribute("to", null);
            assertThat(actual.asXML()).isEqualTo(expected.asXML());
            assertThat(shared.render(to, ns)).startsWith("<presence to='o&apos;neil@localhost/phone'");
        }
    }

    @Test
    void encodedBytesAreTheRenderedTextForAnyDefaultNamespace() throws Exception {
        SharedStanza shared = new SharedStanza(parse("<presence xmlns='jabber:client' from='r@c/Zoë'><nick>Zoë &amp; co</nick></presence>"));
        for (String ns : new String[] {"jabber:client", ""}) {
            io.netty.buffer.ByteBuf wire = shared.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, "o'neil@localhost/ü", ns);
            try {
                assertThat(wire.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(shared.render("o'neil@localhost/ü", ns));
            } finally {
                wire.release();
            }
        }
        assertThat(shared.render("a@b/c", "")).startsWith("<presence to='a@b/c' xmlns='jabber:client'");
    }

    @Test
    void emptyElementsAndAnExistingToAreHandled() throws Exception {
        SharedStanza shared = new SharedStanza(parse("<presence xmlns='jabber:client' to='old@localhost'/>"));
        assertThat(shared.render("new@localhost", "jabber:client")).isEqualTo("<presence to='new@localhost'/>");
        assertThat(shared.element().attribute("to")).isNull();
    }

    /** The one-buffer form the TCP and WebSocket transports write is byte for byte the rendered text. */
    @Test
    void encodesTheRenderedBytesInOneBuffer() throws Exception {
        SharedStanza shared = new SharedStanza(parse("<message xmlns='jabber:client' type='groupchat' from='r@conference.localhost/Zoë'>"
                + "<body>grüße &amp; &lt;tags&gt;</body></message>"));
        // The address longer than a third of the rest too (a JID of the stock layout's anonymous users, with a long
        // resource): the buffer is exactly the stanza's size, and nothing may reserve more than the address needs.
        String longTo = java.util.UUID.randomUUID() + "@meet.localhost/" + "r".repeat(180);
        for (String to : new String[] {"o'neil@localhost/phone", "ann@localhost/Zoë \"2\"", "bob@localhost/r", longTo}) {
            for (String ns : new String[] {"jabber:client", ""}) {
                io.netty.buffer.ByteBuf b = shared.encode(io.netty.buffer.ByteBufAllocator.DEFAULT, to, ns);
                try {
                    assertThat(b.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(shared.render(to, ns));
                    assertThat(b.writableBytes()).isZero();
                } finally {
                    b.release();
                }
            }
        }
    }

    private static String wrap(String stanza) {
        return "<w xmlns='jabber:client'>" + stanza + "</w>";
    }
}
