package org.parley.xmpp.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.xmpp.xml.Recorder.utf8;

import java.util.List;
import org.dom4j.DocumentFactory;
import org.dom4j.Element;
import org.dom4j.Namespace;
import org.dom4j.QName;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.xmpp.packet.Message;

class XmlWriterTest {

    static final XmlLimits LIMITS = new XmlLimits(64 * 1024, 32);

    static List<Element> parseStream(String body) throws XmlStreamException {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] b = utf8(XmlFramerTest.HEADER + body);
        f.feed(b, 0, b.length);
        return r.elements;
    }

    static List<Element> parseFragments(String body) throws XmlStreamException {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.FRAGMENTS, LIMITS, r);
        byte[] b = utf8(body);
        f.feed(b, 0, b.length);
        return r.elements;
    }

    @Test
    void roundTripThroughAClientStream() throws Exception {
        List<Element> original = parseStream(XmlFramerTest.STREAM.substring(XmlFramerTest.HEADER.length()));
        assertThat(original).hasSize(5);
        StringBuilder written = new StringBuilder();
        for (Element e : original) {
            written.append(XmlWriter.toXml(e, "jabber:client"));
        }
        List<Element> reparsed = parseStream(written.toString());
        assertThat(reparsed).extracting(Recorder::dump).isEqualTo(original.stream().map(Recorder::dump).toList());
    }

    @Test
    void roundTripAsStandaloneFragments() throws Exception {
        List<Element> original = parseStream(XmlFramerTest.STREAM.substring(XmlFramerTest.HEADER.length()));
        StringBuilder written = new StringBuilder();
        for (Element e : original) {
            String xml = XmlWriter.toXml(e, "");
            written.append(xml);
        }
        assertThat(written.toString()).startsWith("<iq xmlns='jabber:client' type='get' id='roster_1'>");
        List<Element> reparsed = parseFragments(written.toString());
        assertThat(reparsed).extracting(Recorder::dump).isEqualTo(original.stream().map(Recorder::dump).toList());
    }

    @Test
    void compactOutputOmitsTheEnclosingDefaultNamespace() throws Exception {
        Element message = parseStream("<message to='a@b' type='chat'><body>hi</body>"
                + "<active xmlns='http://jabber.org/protocol/chatstates'/></message>").get(0);
        assertThat(XmlWriter.toXml(message, "jabber:client")).isEqualTo(
                "<message to='a@b' type='chat'><body>hi</body>"
                        + "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
        assertThat(XmlWriter.toXml(message, "")).isEqualTo(
                "<message xmlns='jabber:client' to='a@b' type='chat'><body>hi</body>"
                        + "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
        assertThat(XmlWriter.toXml(message, "jabber:server")).startsWith("<message xmlns='jabber:client' ");
    }

    @Test
    void noNamespaceUnderADefaultIsUndeclared() {
        Element e = DocumentFactory.getInstance().createElement(QName.get("x", Namespace.NO_NAMESPACE));
        e.addElement(QName.get("y", "urn:y")).addElement(QName.get("z", Namespace.NO_NAMESPACE));
        // The unqualified root is left unqualified (Tinder style); below a default namespace it must be undeclared.
        assertThat(XmlWriter.toXml(e, "jabber:client")).isEqualTo("<x><y xmlns='urn:y'><z xmlns=''/></y></x>");
        assertThat(XmlWriter.toXml(e, "")).isEqualTo("<x><y xmlns='urn:y'><z xmlns=''/></y></x>");
        Element inClient = DocumentFactory.getInstance().createElement(QName.get("message", "jabber:client"));
        inClient.addElement(QName.get("plain", Namespace.NO_NAMESPACE));
        assertThat(XmlWriter.toXml(inClient, "jabber:client")).isEqualTo("<message><plain xmlns=''/></message>");
    }

    @Test
    void tinderStanzasStandingAloneAreQualifiedAsClient() {
        org.xmpp.packet.IQ result = new org.xmpp.packet.IQ(org.xmpp.packet.IQ.Type.result, "b1");
        result.setChildElement("bind", "urn:ietf:params:xml:ns:xmpp-bind").addElement("jid").setText("a@b/c");
        // On a WebSocket frame or in a BOSH body there is no stream default to inherit.
        assertThat(XmlWriter.toXml(result.getElement(), "")).isEqualTo(
                "<iq xmlns='jabber:client' type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                        + "<jid>a@b/c</jid></bind></iq>");
        // On a TCP stream it inherits jabber:client and needs nothing.
        assertThat(XmlWriter.toXml(result.getElement(), "jabber:client")).startsWith("<iq type='result'");
    }

    @Test
    void prefixesAreDeclaredOnce() throws Exception {
        Element e = parseStream("<db:result xmlns:db='jabber:server:dialback' from='a' to='b'>"
                + "<db:inner db:attr='1'/></db:result>").get(0);
        assertThat(XmlWriter.toXml(e, "jabber:server")).isEqualTo(
                "<db:result xmlns:db='jabber:server:dialback' from='a' to='b'><db:inner db:attr='1'/></db:result>");
    }

    @Test
    void xmlLangNeedsNoDeclaration() throws Exception {
        Element e = parseStream("<message xml:lang='de'><body xml:lang='en'>x</body></message>").get(0);
        assertThat(XmlWriter.toXml(e, "jabber:client"))
                .isEqualTo("<message xml:lang='de'><body xml:lang='en'>x</body></message>");
    }

    @Test
    void tinderBuiltPacketsSerialise() throws Exception {
        Message m = new Message();
        m.setTo("room@conference.example.org");
        m.setType(Message.Type.groupchat);
        m.setBody("1 < 2 & 'quotes' \"too\"");
        m.addChildElement("x", "jabber:x:oob").addElement("url").setText("https://example.org/?a=1&b=2");
        String xml = XmlWriter.toXml(m.getElement(), "jabber:client");
        assertThat(xml).isEqualTo("<message to='room@conference.example.org' type='groupchat'>"
                + "<body>1 &lt; 2 &amp; 'quotes' \"too\"</body>"
                + "<x xmlns='jabber:x:oob'><url>https://example.org/?a=1&amp;b=2</url></x></message>");
        Element reparsed = parseStream(xml).get(0);
        assertThat(reparsed.getNamespaceURI()).isEqualTo("jabber:client");
        assertThat(reparsed.elementText("body")).isEqualTo("1 < 2 & 'quotes' \"too\"");
        assertThat(reparsed.element("x").elementText("url")).isEqualTo("https://example.org/?a=1&b=2");
    }

    @Test
    void escaping() {
        assertThat(XmlWriter.escapeText("plain")).isSameAs("plain");
        assertThat(XmlWriter.escapeText("a & b < c > d ' \"")).isEqualTo("a &amp; b &lt; c &gt; d ' \"");
        assertThat(XmlWriter.escapeText("]]>")).isEqualTo("]]&gt;");
        assertThat(XmlWriter.escapeText("line\r\n")).isEqualTo("line&#xD;\n");
        assertThat(XmlWriter.escapeText("héllo ✓ 😀")).isEqualTo("héllo ✓ 😀");
        assertThat(XmlWriter.escapeAttribute("plain")).isSameAs("plain");
        assertThat(XmlWriter.escapeAttribute("a&b<c>d'e\"f")).isEqualTo("a&amp;b&lt;c>d&apos;e&quot;f");
        assertThat(XmlWriter.escapeAttribute("1\n2\r3\t4")).isEqualTo("1&#xA;2&#xD;3&#x9;4");
    }

    @Test
    void attributeWhitespaceSurvivesARoundTrip() throws Exception {
        Element e = DocumentFactory.getInstance().createElement(QName.get("presence", "jabber:client"));
        e.addAttribute("id", "a\nb\tc\r'\"&<>");
        e.addText("text\r\nwith & < > ]]>");
        Element reparsed = parseStream(XmlWriter.toXml(e, "jabber:client")).get(0);
        assertThat(reparsed.attributeValue("id")).isEqualTo("a\nb\tc\r'\"&<>");
        assertThat(reparsed.getText()).isEqualTo("text\r\nwith & < > ]]>");
    }

    @Test
    void commentsAreDroppedAndCdataBecomesText() {
        Element e = DocumentFactory.getInstance().createElement(QName.get("message", "jabber:client"));
        e.addComment("secret");
        e.addCDATA("<b>&</b>");
        assertThat(XmlWriter.toXml(e, "jabber:client")).isEqualTo("<message>&lt;b&gt;&amp;&lt;/b&gt;</message>");
        Element empty = DocumentFactory.getInstance().createElement(QName.get("message", "jabber:client"));
        empty.addComment("only a comment");
        assertThat(XmlWriter.toXml(empty, "jabber:client")).isEqualTo("<message/>");
    }

    @Test
    void streamHeader() {
        assertThat(XmlWriter.streamHeader("jabber:client", "example.org", "alice@example.org", "abc123", "en"))
                .isEqualTo("<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
                        + " xmlns:stream='http://etherx.jabber.org/streams' from='example.org'"
                        + " to='alice@example.org' id='abc123' version='1.0' xml:lang='en'>");
        assertThat(XmlWriter.streamHeader("jabber:server", "example.org", null, "x'y", null))
                .isEqualTo("<?xml version='1.0'?><stream:stream xmlns='jabber:server'"
                        + " xmlns:stream='http://etherx.jabber.org/streams' from='example.org'"
                        + " id='x&apos;y' version='1.0'>");
    }

    @Test
    void writtenStreamHeaderParses() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] b = utf8(XmlWriter.streamHeader("jabber:client", "example.org", "alice@example.org", "abc", "en")
                + "<stream:features/>");
        f.feed(b, 0, b.length);
        StreamHeader h = r.headers.get(0);
        assertThat(h.defaultNamespace()).isEqualTo("jabber:client");
        assertThat(h.attributes()).containsEntry("from", "example.org").containsEntry("to", "alice@example.org")
                .containsEntry("id", "abc").containsEntry("version", "1.0").containsEntry("xml:lang", "en");
        assertThat(r.elements.get(0).getQName()).isEqualTo(QName.get("features",
                Namespace.get("stream", XmlFramer.STREAM_NAMESPACE)));
        assertThat(XmlWriter.toXml(r.elements.get(0), "jabber:client"))
                .isEqualTo("<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>");
    }

    @Test
    void streamError() throws Exception {
        assertThat(XmlWriter.streamError(StreamErrorCondition.POLICY_VIOLATION, null))
                .isEqualTo("<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
        String withText = XmlWriter.streamError(StreamErrorCondition.NOT_WELL_FORMED, "bad <input> & more");
        assertThat(withText).isEqualTo("<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>bad &lt;input&gt; &amp; more</text>"
                + "</stream:error>");
        Element parsed = parseStream(withText).get(0);
        assertThat(parsed.element(QName.get("text", StreamErrorCondition.NAMESPACE)).getText())
                .isEqualTo("bad <input> & more");
    }
}
