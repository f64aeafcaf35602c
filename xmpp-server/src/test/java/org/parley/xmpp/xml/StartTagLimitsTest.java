package org.parley.xmpp.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.xmpp.xml.Recorder.utf8;
import static org.parley.xmpp.xml.XmlFramerErrorsTest.refusal;
import static org.parley.xmpp.xml.XmlFramerTest.HEADER;

import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.xmpp.stream.StreamErrorCondition;

/** The attribute, namespace and name bounds of {@link XmlLimits}, checked on the bytes before Aalto parses them. */
class StartTagLimitsTest {
    static final XmlLimits LIMITS = XmlLimits.defaults(256 * 1024);

    static String attributes(int count, IntFunction<String> attribute) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) sb.append(attribute.apply(i));
        return sb.toString();
    }

    static String plain(int i) {
        return " a" + i + "='v'";
    }

    static String prefix(int i) {
        return " xmlns:p" + i + "='urn:p" + i + "'";
    }

    /** Parses {@code stanzas} after a header, at once and a byte at a time; returns the stanzas parsed. */
    static Recorder accepted(String stanzas) throws XmlStreamException {
        byte[] input = utf8(HEADER + stanzas);
        Recorder whole = new Recorder();
        new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, whole).feed(input, 0, input.length);
        Recorder bytewise = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, bytewise);
        for (int i = 0; i < input.length; i++) f.feed(input, i, 1);
        assertThat(bytewise.elements).hasSameSizeAs(whole.elements);
        return whole;
    }

    /** The refusal of {@code stanzas} after a header, the same at once and a byte at a time. */
    static XmlStreamException refused(String stanzas) {
        byte[] input = utf8(HEADER + stanzas);
        XmlStreamException whole = refusal(XmlFramer.Mode.STREAM, LIMITS, input, new Recorder());
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, new Recorder());
        XmlStreamException bytewise = null;
        for (int i = 0; i < input.length && bytewise == null; i++) {
            try {
                f.feed(input, i, 1);
            } catch (XmlStreamException e) {
                bytewise = e;
            }
        }
        assertThat(bytewise).as("refused byte by byte too").isNotNull();
        assertThat(bytewise.getMessage()).isEqualTo(whole.getMessage());
        assertThat(whole.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION);
        return whole;
    }

    @Test
    void namespaceDeclarationBombIsRefusedBeforeTheParserSeesIt() {
        byte[] input = utf8(HEADER + "<message to='x@localhost'" + attributes(9_000, StartTagLimitsTest::prefix) + "><body/></message>");
        long start = System.nanoTime();
        XmlStreamException e = refusal(XmlFramer.Mode.STREAM, LIMITS, input, new Recorder());
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION);
        assertThat(e.getMessage()).contains("more than 16 namespace declarations on one element");
        // Unguarded, Aalto spends seconds on this input (quadratic in the declarations).
        assertThat(tookMs).isLessThan(200);
    }

    @Test
    void attributesPerElement() throws Exception {
        assertThat(accepted("<message" + attributes(64, StartTagLimitsTest::plain) + "/>").elements).hasSize(1);
        assertThat(refused("<message" + attributes(65, StartTagLimitsTest::plain) + "/>").getMessage())
                .isEqualTo("more than 64 attributes on one element");
        // Namespace declarations are attributes too.
        assertThat(refused("<message" + attributes(60, StartTagLimitsTest::plain) + attributes(5, StartTagLimitsTest::prefix) + "/>")
                .getMessage()).isEqualTo("more than 64 attributes on one element");
        assertThat(refused("<message><x" + attributes(100_000, StartTagLimitsTest::plain) + "/></message>").getMessage())
                .isEqualTo("more than 64 attributes on one element");
    }

    @Test
    void namespacesPerElement() throws Exception {
        assertThat(accepted("<message xmlns='jabber:client'" + attributes(15, StartTagLimitsTest::prefix) + "/>").elements).hasSize(1);
        assertThat(refused("<message xmlns='jabber:client'" + attributes(16, StartTagLimitsTest::prefix) + "/>").getMessage())
                .isEqualTo("more than 16 namespace declarations on one element");
        // Names that merely start like a declaration are plain attributes.
        assertThat(accepted("<message" + attributes(30, i -> " xmlnsx" + i + "='' xml" + i + "=''") + "/>").elements).hasSize(1);
    }

    @Test
    void attributesPerStanzaStartOverWithEachStanza() throws Exception {
        String fullStanza = "<iq type='set'>" + ("<e" + attributes(62, StartTagLimitsTest::plain) + "/>").repeat(80) + "</iq>";
        assertThat(accepted(fullStanza + fullStanza).elements).hasSize(2);
        String over = "<iq type='set'>" + ("<e" + attributes(63, StartTagLimitsTest::plain) + "/>").repeat(80) + "</iq>";
        assertThat(refused(over).getMessage()).isEqualTo("more than 5000 attributes in one stanza");
    }

    @Test
    void prefixDeclarationsPerStanza() throws Exception {
        StringBuilder ok = new StringBuilder("<message>");
        for (int e = 0; e < 4; e++) ok.append("<e").append(attributes(16, i -> prefix(ok.length() + i))).append("/>");
        assertThat(accepted(ok + "</message>").elements).hasSize(1);
        assertThat(refused(ok + "<e xmlns:z='urn:z'/></message>").getMessage()).isEqualTo("more than 64 prefix declarations in one stanza");
        // Default-namespace declarations, one on every Jingle element, do not count.
        assertThat(accepted("<iq>" + "<e xmlns='urn:e'/>".repeat(1000) + "</iq>").elements).hasSize(1);
    }

    @Test
    void aStreamThatKeepsDeclaringNewPrefixesGetsFreshParsers() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] header = utf8(HEADER);
        f.feed(header, 0, header.length);
        int before = f.parsersCreated();
        for (int s = 0; s < 40; s++) {
            int base = s * 16;
            byte[] stanza = utf8("<message><x" + attributes(16, i -> prefix(base + i)) + " p" + base + ":a='1'/></message>");
            f.feed(stanza, 0, stanza.length);
        }
        assertThat(r.elements).hasSize(40);
        assertThat(f.parsersCreated() - before).isGreaterThanOrEqualTo(2);
        // The stream's own namespace context survives the replacement.
        assertThat(r.elements.get(39).getNamespaceURI()).isEqualTo("jabber:client");
    }

    @ParameterizedTest
    @ValueSource(strings = {"element", "attribute", "end"})
    void longNames(String where) throws Exception {
        String ok = "n".repeat(256);
        String tooLong = "n".repeat(257);
        String accepted = switch (where) {
            case "element" -> "<message><" + ok + "/></message>";
            case "attribute" -> "<message " + ok + "='v'/>";
            default -> "<message><" + ok + "></" + ok + "></message>";
        };
        assertThat(accepted(accepted).elements).hasSize(1);
        String input = switch (where) {
            case "element" -> "<message><" + tooLong + "/></message>";
            case "attribute" -> "<message " + tooLong + "='v'/>";
            default -> "<message><" + ok + "></" + tooLong + "></message>";
        };
        assertThat(refused(input).getMessage()).contains("name longer than 256 bytes");
    }

    @Test
    void markupInsideValuesCommentsAndCdataIsNotCounted() throws Exception {
        String lookalike = "<x" + attributes(100, StartTagLimitsTest::prefix) + ">";
        String escaped = lookalike.replace("'", "&quot;").replace("<", "&lt;");
        assertThat(accepted("<message a=\"" + lookalike.replace("<", "&lt;") + "\" b='>/>' c=\"'\"><body><![CDATA["
                + lookalike + "]]></body><!-- " + lookalike + " --><x d='" + escaped + "'/></message>").elements).hasSize(1);
    }

    @Test
    void aHugeAttributeValueIsReportedAsInsideTheStanza() {
        XmlStreamException e = refusal(XmlFramer.Mode.STREAM, LIMITS,
                utf8(HEADER + "<message to='" + "x".repeat(300_000) + "'/>"), new Recorder());
        assertThat(e.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION);
        assertThat(e.getMessage()).isEqualTo("stanza exceeds 262144 bytes");
        XmlStreamException outside = refusal(XmlFramer.Mode.STREAM, LIMITS,
                utf8("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='" + "x".repeat(300_000)), new Recorder());
        assertThat(outside.getMessage()).contains("outside a stanza");
    }

    @Test
    void bytesAfterAStreamRestartAreGuardedAfresh() throws Exception {
        // What follows <starttls/> in the same read is TLS, not XML: a '<' and a long run without spaces there
        // would look like a huge element name, yet the callback closes first, so it is never an error.
        byte[] input = utf8(HEADER + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><" + "\u0001".repeat(400));
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        r.onElement = e -> f.close();
        f.feed(input, 0, input.length);
        assertThat(r.elements).hasSize(1);

        // After a reset the new stream's header starts the count over.
        Recorder restarted = new Recorder();
        XmlFramer g = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, restarted);
        restarted.onElement = e -> g.reset();
        byte[] again = utf8(HEADER + "<message" + attributes(60, StartTagLimitsTest::plain) + "/>" + HEADER
                + "<message" + attributes(60, StartTagLimitsTest::plain) + "/>");
        g.feed(again, 0, again.length);
        assertThat(restarted.elements).hasSize(2);
    }

    @Test
    void fragmentsModeIsGuardedToo() {
        byte[] input = utf8("<message xmlns='jabber:client'" + attributes(9_000, StartTagLimitsTest::prefix) + "/>");
        XmlStreamException e = refusal(XmlFramer.Mode.FRAGMENTS, LIMITS, input, new Recorder());
        assertThat(e.getMessage()).isEqualTo("more than 16 namespace declarations on one element");
    }
}
