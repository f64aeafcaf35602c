package org.parley.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.parley.xmpp.xml.XmlLimits;
import org.parley.xmpp.xml.XmlStreamException;

class FrameParserTest {
    private final FrameParser parser = new FrameParser(new XmlLimits(4096, 16));

    private Element parse(String s) throws XmlStreamException {
        return parser.parse(Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8)));
    }

    private void refused(String s, StreamErrorCondition condition) {
        assertThatThrownBy(() -> parse(s)).isInstanceOfSatisfying(XmlStreamException.class,
                e -> assertThat(e.condition()).isEqualTo(condition));
    }

    @Test
    void oneElementPerUnit() throws Exception {
        Element e = parse("<message xmlns='jabber:client' to='a@b'><body>hi</body></message>");
        assertThat(e.getName()).isEqualTo("message");
        assertThat(e.getNamespaceURI()).isEqualTo("jabber:client");
        assertThat(e.elementText("body")).isEqualTo("hi");
        // The parser carries on with the next unit.
        assertThat(parse(" <presence xmlns='jabber:client'/>\n").getName()).isEqualTo("presence");
    }

    @Test
    void aReleasedParserIsRebuiltForTheNextUnit() throws Exception {
        assertThat(parse("<message xmlns='jabber:client'><body>one</body></message>").elementText("body")).isEqualTo("one");
        parser.release();
        // Nothing of the previous unit leaks into the next, and the fragments root is replayed to the new parser.
        Element e = parse("<message xmlns='jabber:client'><body>two</body></message>");
        assertThat(e.getNamespaceURI()).isEqualTo("jabber:client");
        assertThat(e.elementText("body")).isEqualTo("two");
        parser.release();
        parser.release(); // already dropped: nothing to do
        refused("<a xmlns='x'/><b xmlns='x'/>", StreamErrorCondition.NOT_WELL_FORMED);
        parser.release();
        assertThat(parse("<ok xmlns='x'/>").getName()).isEqualTo("ok");
    }

    @Test
    void whitespaceOnlyIsNothing() throws Exception {
        assertThat(parse("  \n")).isNull();
        assertThat(parse("")).isNull();
    }

    @Test
    void anythingButOneCompleteElementIsNotWellFormed() throws Exception {
        refused("<a xmlns='x'/><b xmlns='x'/>", StreamErrorCondition.NOT_WELL_FORMED);
        refused("<a xmlns='x'>", StreamErrorCondition.NOT_WELL_FORMED);
        refused("<a xmlns='x'/><b", StreamErrorCondition.NOT_WELL_FORMED);
        refused("<a xmlns='x'/><!--", StreamErrorCondition.NOT_WELL_FORMED);
        refused("not xml", StreamErrorCondition.NOT_WELL_FORMED);
        refused("<a xmlns='x'/>trailing", StreamErrorCondition.NOT_WELL_FORMED);
        refused("<end xmlns='urn:parley:frame-end'/>", StreamErrorCondition.NOT_WELL_FORMED);
        // After each refusal the parser is as good as new.
        assertThat(parse("<ok xmlns='x'/>").getName()).isEqualTo("ok");
    }

    @Test
    void framerRulesStillApply() throws Exception {
        refused("<!DOCTYPE a><a/>", StreamErrorCondition.RESTRICTED_XML);
        assertThatThrownBy(() -> parse("<a xmlns='x'>" + "y".repeat(5000) + "</a>")).isInstanceOfSatisfying(
                XmlStreamException.class, e -> assertThat(e.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION));
        assertThat(parse("<ok xmlns='x'/>").getName()).isEqualTo("ok");
    }

    @Test
    void xmlLang() throws Exception {
        assertThat(FrameParser.xmlLang(parse("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' xml:lang='de'/>"))).isEqualTo("de");
        assertThat(FrameParser.xmlLang(parse("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"))).isNull();
    }
}
