package org.parley.xmpp.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.parley.xmpp.xml.Recorder.utf8;
import static org.parley.xmpp.xml.XmlFramerTest.HEADER;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.xmpp.stream.StreamErrorCondition;

class XmlFramerErrorsTest {

    static final XmlLimits LIMITS = new XmlLimits(64 * 1024, 32);

    static final String BILLION_LAUGHS = "<?xml version='1.0'?>\n"
            + "<!DOCTYPE lolz [\n"
            + " <!ENTITY lol \"lol\">\n"
            + " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
            + " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
            + " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
            + " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
            + " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
            + " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
            + " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
            + " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
            + " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
            + "]>\n"
            + "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
            + "<message><body>&lol9;</body></message>";

    /** Feeds all of {@code input} at once and returns the refusal. */
    static XmlStreamException refusal(XmlFramer.Mode mode, XmlLimits limits, byte[] input, Recorder recorder) {
        XmlFramer f = new XmlFramer(mode, limits, recorder);
        XmlStreamException e = catchThrowableOfType(XmlStreamException.class, () -> f.feed(input, 0, input.length));
        assertThat(e).as("input must be refused").isNotNull();
        return e;
    }

    static StreamErrorCondition conditionFor(String input) {
        return refusal(XmlFramer.Mode.STREAM, LIMITS, utf8(input), new Recorder()).condition();
    }

    /** Same refusal whether the input comes at once or a byte at a time. */
    static StreamErrorCondition conditionByteByByte(byte[] input) {
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, new Recorder());
        for (int i = 0; i < input.length; i++) {
            try {
                f.feed(input, i, 1);
            } catch (XmlStreamException e) {
                return e.condition();
            }
        }
        throw new AssertionError("input was accepted");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "<message><body>x</message>",
        "<message to='a' to='b'/>",
        "<message to=unquoted/>",
        "<message><body>a < b</body></message>",
        "<undeclared:message/>",
        "<message>\u0001</message>",
        "<message>&#0;</message>",
        "</stream:stream><message/>",
        "<message>&#x110000;</message>",
        "<message>&#xD800;</message>",
    })
    void malformedIsNotWellFormed(String stanza) {
        String input = HEADER + stanza + "<presence/>";
        assertThat(conditionFor(input)).isEqualTo(StreamErrorCondition.NOT_WELL_FORMED);
        assertThat(conditionByteByByte(utf8(input))).isEqualTo(StreamErrorCondition.NOT_WELL_FORMED);
    }

    @Test
    void failedFramerStaysDead() {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] bad = utf8(HEADER + "<message></body>");
        assertThatThrownBy(() -> f.feed(bad, 0, bad.length)).isInstanceOf(XmlStreamException.class);
        byte[] good = utf8("<presence/>");
        XmlStreamException again = catchThrowableOfType(XmlStreamException.class, () -> f.feed(good, 0, good.length));
        assertThat(again.condition()).isEqualTo(StreamErrorCondition.NOT_WELL_FORMED);
        assertThat(r.elements).isEmpty();
    }

    @Test
    void doctypeIsRestricted() {
        String input = "<?xml version='1.0'?><!DOCTYPE stream:stream SYSTEM 'http://example.com/x.dtd'>" + HEADER.substring(21);
        assertThat(conditionFor(input)).isEqualTo(StreamErrorCondition.RESTRICTED_XML);
        assertThat(conditionByteByByte(utf8(input))).isEqualTo(StreamErrorCondition.RESTRICTED_XML);
    }

    @Test
    void doctypeInsideTheStreamIsRestricted() {
        String input = HEADER + "<message><!DOCTYPE x></message>";
        assertThat(conditionFor(input)).isEqualTo(StreamErrorCondition.RESTRICTED_XML);
        assertThat(conditionByteByByte(utf8(input))).isEqualTo(StreamErrorCondition.RESTRICTED_XML);
    }

    @Test
    void cdataEndMarkerInTextIsNotWellFormed() {
        // Only checked within one feed: Aalto misses a "]]>" split across feeds, which is harmless since the
        // writer escapes '>' anyway.
        assertThat(conditionFor(HEADER + "<message>a]]>b</message>")).isEqualTo(StreamErrorCondition.NOT_WELL_FORMED);
    }

    @Test
    void billionLaughsIsRefusedQuicklyWithoutExpansion() {
        Recorder r = new Recorder();
        long start = System.nanoTime();
        XmlStreamException e = refusal(XmlFramer.Mode.STREAM, LIMITS, utf8(BILLION_LAUGHS), r);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(e.condition()).isEqualTo(StreamErrorCondition.RESTRICTED_XML);
        assertThat(r.events).isEmpty();
        assertThat(conditionByteByByte(utf8(BILLION_LAUGHS))).isEqualTo(StreamErrorCondition.RESTRICTED_XML);
    }

    @Test
    void undeclaredEntityInTextIsRestricted() {
        assertThat(conditionFor(HEADER + "<message><body>&lol9;</body></message>"))
                .isEqualTo(StreamErrorCondition.RESTRICTED_XML);
        assertThat(conditionByteByByte(utf8(HEADER + "<message><body>a&lol9;</body></message>")))
                .isEqualTo(StreamErrorCondition.RESTRICTED_XML);
    }

    @Test
    void undeclaredEntityInAttributeIsRefused() {
        assertThat(conditionFor(HEADER + "<message to='&lol9;'/>")).isEqualTo(StreamErrorCondition.RESTRICTED_XML);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "<?xml-stylesheet href='x'?>" + "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
        HEADER + "<?foo bar?>",
        HEADER + "<message><?foo bar?></message>",
    })
    void processingInstructionsAreRestricted(String input) {
        assertThat(conditionFor(input)).isEqualTo(StreamErrorCondition.RESTRICTED_XML);
        assertThat(conditionByteByByte(utf8(input))).isEqualTo(StreamErrorCondition.RESTRICTED_XML);
    }

    @Test
    void oneMebibyteStanzaIsAPolicyViolation() {
        String input = HEADER + "<message><body>" + "a".repeat(1 << 20) + "</body></message>";
        Recorder r = new Recorder();
        XmlStreamException e = refusal(XmlFramer.Mode.STREAM, LIMITS, utf8(input), r);
        assertThat(e.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION);
        assertThat(r.elements).isEmpty();
    }

    @Test
    void unterminatedHugeTextIsRefusedBeforeItAllArrives() {
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, new Recorder());
        byte[] start = utf8(HEADER + "<message><body>");
        byte[] chunk = utf8("a".repeat(4096));
        long fed = 0;
        XmlStreamException refused = null;
        try {
            f.feed(start, 0, start.length);
            while (fed < (1 << 20)) {
                f.feed(chunk, 0, chunk.length);
                fed += chunk.length;
            }
        } catch (XmlStreamException e) {
            refused = e;
        }
        assertThat(refused).isNotNull();
        assertThat(refused.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION);
        assertThat(fed).isLessThanOrEqualTo(LIMITS.maxStanzaBytes());
    }

    @Test
    void unterminatedHugeStanzaInOneFeedIsRefused() {
        byte[] input = utf8(HEADER + "<message><body>" + "é".repeat(1 << 19));
        XmlStreamException e = refusal(XmlFramer.Mode.STREAM, LIMITS, input, new Recorder());
        assertThat(e.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION);
    }

    @Test
    void hugeTagIsRefused() {
        byte[] input = utf8(HEADER + "<message to='" + "x".repeat(1 << 20) + "'/>");
        XmlStreamException e = refusal(XmlFramer.Mode.STREAM, LIMITS, input, new Recorder());
        assertThat(e.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION);
    }

    @Test
    void pendingBytesBeforeTheHeaderAreBounded() {
        byte[] input = utf8("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='" + "x".repeat(1 << 20));
        XmlStreamException e = refusal(XmlFramer.Mode.STREAM, LIMITS, input, new Recorder());
        assertThat(e.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION);
    }

    @Test
    void tenThousandDeepNestingFailsFast() {
        String input = HEADER + "<message>" + "<a>".repeat(10_000);
        long start = System.nanoTime();
        XmlStreamException e = refusal(XmlFramer.Mode.STREAM, LIMITS, utf8(input), new Recorder());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(e.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION);
        assertThat(e.getMessage()).contains("depth");
    }

    @Test
    void deepNestingInFragmentsMode() {
        byte[] input = utf8("<a>".repeat(10_000));
        XmlStreamException e = refusal(XmlFramer.Mode.FRAGMENTS, LIMITS, input, new Recorder());
        assertThat(e.condition()).isEqualTo(StreamErrorCondition.POLICY_VIOLATION);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://example.com/wrong'>",
        "<stream xmlns='jabber:client'>",
        "<message xmlns='jabber:client'/>",
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>",
    })
    void wrongFirstElementIsInvalidNamespace(String input) {
        Recorder r = new Recorder();
        assertThat(refusal(XmlFramer.Mode.STREAM, LIMITS, utf8(input), r).condition())
                .isEqualTo(StreamErrorCondition.INVALID_NAMESPACE);
        assertThat(r.events).isEmpty();
    }

    @Test
    void anyPrefixForTheStreamNamespaceIsAccepted() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] b = utf8("<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'><presence/></s:stream>");
        f.feed(b, 0, b.length);
        assertThat(r.headers.get(0).prefix()).isEqualTo("s");
        assertThat(r.events).hasSize(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"C328", "FF", "80", "E282", "F0908D", "C0AF", "C1BF", "E080AF", "F08082AF", "EDA080",
        "F4908080", "F8888080", "FE"})
    void invalidUtf8IsNotWellFormed(String hex) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(utf8(HEADER + "<message><body>ok"));
        for (int i = 0; i < hex.length(); i += 2) {
            out.write(Integer.parseInt(hex.substring(i, i + 2), 16));
        }
        out.writeBytes(utf8("</body></message><presence/>"));
        byte[] input = out.toByteArray();
        assertThat(refusal(XmlFramer.Mode.STREAM, LIMITS, input, new Recorder()).condition())
                .isEqualTo(StreamErrorCondition.NOT_WELL_FORMED);
        assertThat(conditionByteByByte(input)).isEqualTo(StreamErrorCondition.NOT_WELL_FORMED);
    }

    @Test
    void binaryAfterAnElementWhoseCallbackClosesIsNotAnError() throws Exception {
        // A client that starts TLS without waiting for <proceed/> puts its ClientHello in the same read.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(utf8(HEADER + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
        out.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, (byte) 0xC0, (byte) 0xFF, (byte) 0x80});
        byte[] input = out.toByteArray();
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        r.onElement = e -> f.close();
        f.feed(input, 0, input.length);
        assertThat(r.elements).hasSize(1);

        Recorder unclosed = new Recorder();
        assertThat(refusal(XmlFramer.Mode.STREAM, LIMITS, input, unclosed).condition())
                .isEqualTo(StreamErrorCondition.NOT_WELL_FORMED);
        assertThat(unclosed.elements).as("stanzas before the bad bytes still arrive").hasSize(1);
    }

    @Test
    void invalidUtf8InANameIsNotWellFormed() {
        byte[] head = utf8(HEADER + "<mess");
        byte[] input = new byte[head.length + 3];
        System.arraycopy(head, 0, input, 0, head.length);
        input[head.length] = (byte) 0xFF;
        input[head.length + 1] = '/';
        input[head.length + 2] = '>';
        assertThat(refusal(XmlFramer.Mode.STREAM, LIMITS, input, new Recorder()).condition())
                .isEqualTo(StreamErrorCondition.NOT_WELL_FORMED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ISO-8859-1", "UTF-16", "Shift_JIS"})
    void declaredNonUtf8EncodingIsUnsupported(String encoding) {
        String input = "<?xml version='1.0' encoding='" + encoding + "'?>" + HEADER.substring(21);
        assertThat(conditionFor(input)).isEqualTo(StreamErrorCondition.UNSUPPORTED_ENCODING);
    }

    @Test
    void declaredUtf8IsFine() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] b = utf8("<?xml version='1.0' encoding='utf-8'?>" + HEADER.substring(21) + "<presence/>");
        f.feed(b, 0, b.length);
        assertThat(r.elements).hasSize(1);
    }

    @Test
    void textBetweenStanzasIsBadFormat() {
        assertThat(conditionFor(HEADER + "<presence/>hello<presence/>")).isEqualTo(StreamErrorCondition.BAD_FORMAT);
        assertThat(conditionFor(HEADER + "<presence/><![CDATA[ ]]><![CDATA[x]]>")).isEqualTo(StreamErrorCondition.BAD_FORMAT);
    }

    @Test
    void strayEndTagInFragmentsModeIsNotWellFormed() {
        byte[] input = utf8("<presence xmlns='jabber:client'/></parley-fragments><presence/>");
        assertThat(refusal(XmlFramer.Mode.FRAGMENTS, LIMITS, input, new Recorder()).condition())
                .isEqualTo(StreamErrorCondition.NOT_WELL_FORMED);
        byte[] other = utf8("</open>");
        assertThat(refusal(XmlFramer.Mode.FRAGMENTS, LIMITS, other, new Recorder()).condition())
                .isEqualTo(StreamErrorCondition.NOT_WELL_FORMED);
    }

    @Test
    void limitsAreValidated() {
        assertThatThrownBy(() -> new XmlLimits(0, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new XmlLimits(5, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
