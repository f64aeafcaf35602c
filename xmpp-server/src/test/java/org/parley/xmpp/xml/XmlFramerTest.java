package org.parley.xmpp.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.xmpp.xml.Recorder.utf8;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.dom4j.Element;
import org.dom4j.Namespace;
import org.dom4j.QName;
import org.junit.jupiter.api.Test;
import org.xmpp.packet.JID;
import org.xmpp.packet.Presence;

class XmlFramerTest {

    static final XmlLimits LIMITS = new XmlLimits(64 * 1024, 32);

    static final String HEADER = "<?xml version='1.0'?>"
            + "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
            + " to='meet.example.org' version='1.0' xml:lang='en'>";

    static final String JITSI_PRESENCE = "<presence to='room@conference.meet.example.org/abcd1234' id='p1'>"
            + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://jitsi.org/jitsi-meet'"
            + " ver='cvjWXufsg4xT62Ec2mlATkFZ9lk='/>"
            + "<stats-id>Dora-Zsx</stats-id>"
            + "<region xmlns='http://jitsi.org/jitsi-meet' id='us-east-1'/>"
            + "<jitsi_participant_codecType>vp9</jitsi_participant_codecType>"
            + "<audiomuted xmlns='http://jitsi.org/jitmeet/audio'>true</audiomuted>"
            + "<videomuted xmlns='http://jitsi.org/jitmeet/video'>false</videomuted>"
            + "<nick xmlns='http://jabber.org/protocol/nick'>Zoë 🎉</nick>"
            + "</presence>";

    static final String STREAM = HEADER
            + "\n  <iq type='get' id='roster_1'><query xmlns='jabber:iq:roster'/></iq>\n  "
            + "<message to='room@conference.meet.example.org' type='groupchat' id='m1' xml:lang='fr'>"
            + "<body>héllo ✓ 😀 &amp; &lt;tag&gt; &#x263A;&#65;</body><!-- a comment -->"
            + "<x xmlns='jabber:x:data'><![CDATA[<raw> & stuff]]></x></message>\n"
            + " \t\r\n"
            + JITSI_PRESENCE
            + "<db:result xmlns:db='jabber:server:dialback' from='a.example' to='b.example'>key</db:result>"
            + "<message type=\"chat\" to='x@y' xmlns:ext='urn:ext' ext:flag='a&apos;b&quot;c&lt;&#10;'>"
            + "<body>line1\nline2</body><ext:data>é</ext:data><plain xmlns=''>no ns</plain></message>"
            + "</stream:stream>";

    static List<String> parseWhole(String input) throws XmlStreamException {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] b = utf8(input);
        f.feed(b, 0, b.length);
        return r.events;
    }

    @Test
    void parsesRealisticStream() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] b = utf8(STREAM);
        f.feed(b, 0, b.length);

        assertThat(r.headers).hasSize(1);
        StreamHeader h = r.headers.get(0);
        assertThat(h.name()).isEqualTo("stream");
        assertThat(h.prefix()).isEqualTo("stream");
        assertThat(h.namespace()).isEqualTo("http://etherx.jabber.org/streams");
        assertThat(h.defaultNamespace()).isEqualTo("jabber:client");
        assertThat(h.attributes()).containsExactly(
                java.util.Map.entry("to", "meet.example.org"),
                java.util.Map.entry("version", "1.0"),
                java.util.Map.entry("xml:lang", "en"));

        assertThat(r.elements).hasSize(5);
        assertThat(r.events.get(r.events.size() - 1)).isEqualTo("close");

        Element iq = r.elements.get(0);
        assertThat(iq.getNamespaceURI()).isEqualTo("jabber:client");
        assertThat(iq.getName()).isEqualTo("iq");
        assertThat(iq.attributeValue("id")).isEqualTo("roster_1");
        assertThat(iq.element("query").getNamespaceURI()).isEqualTo("jabber:iq:roster");
        assertThat(iq.getParent()).isNull();

        Element message = r.elements.get(1);
        assertThat(message.getNamespaceURI()).isEqualTo("jabber:client");
        assertThat(message.attributeValue(QName.get("lang", Namespace.XML_NAMESPACE))).isEqualTo("fr");
        Element body = message.element(QName.get("body", "jabber:client"));
        assertThat(body).isNotNull();
        assertThat(body.getText()).isEqualTo("héllo ✓ 😀 & <tag> ☺A");
        assertThat(message.element(QName.get("x", "jabber:x:data")).getText()).isEqualTo("<raw> & stuff");

        Element presence = r.elements.get(2);
        assertThat(presence.elementText(QName.get("nick", "http://jabber.org/protocol/nick"))).isEqualTo("Zoë 🎉");
        assertThat(presence.elementText(QName.get("stats-id", "jabber:client"))).isEqualTo("Dora-Zsx");
        assertThat(presence.elementText(QName.get("jitsi_participant_codecType", "jabber:client"))).isEqualTo("vp9");
        assertThat(presence.elementText(QName.get("audiomuted", "http://jitsi.org/jitmeet/audio"))).isEqualTo("true");
        assertThat(presence.elementText(QName.get("videomuted", "http://jitsi.org/jitmeet/video"))).isEqualTo("false");
        assertThat(presence.element(QName.get("c", "http://jabber.org/protocol/caps")).attributeValue("ver"))
                .isEqualTo("cvjWXufsg4xT62Ec2mlATkFZ9lk=");
        // The elements are what the rest of the server hands to Tinder.
        Presence packet = new Presence(presence);
        assertThat(packet.getTo()).isEqualTo(new JID("room@conference.meet.example.org/abcd1234"));
        assertThat(packet.getID()).isEqualTo("p1");

        Element result = r.elements.get(3);
        assertThat(result.getNamespaceURI()).isEqualTo("jabber:server:dialback");
        assertThat(result.getNamespacePrefix()).isEqualTo("db");
        assertThat(result.getText()).isEqualTo("key");

        Element chat = r.elements.get(4);
        assertThat(chat.attributeValue(QName.get("flag", Namespace.get("ext", "urn:ext")))).isEqualTo("a'b\"c<\n");
        assertThat(chat.attributeValue("type")).isEqualTo("chat");
        assertThat(chat.elementText(QName.get("body", "jabber:client"))).isEqualTo("line1\nline2");
        assertThat(chat.element(QName.get("data", "urn:ext")).getText()).isEqualTo("é");
        assertThat(chat.element(QName.get("plain", Namespace.NO_NAMESPACE)).getText()).isEqualTo("no ns");
        assertThat(chat.getNamespaceForPrefix("ext")).isEqualTo(Namespace.get("ext", "urn:ext"));
    }

    @Test
    void everySplitPointGivesTheSameResult() throws Exception {
        byte[] b = utf8(STREAM);
        List<String> expected = parseWhole(STREAM);
        assertThat(expected).hasSize(7);
        for (int i = 0; i <= b.length; i++) {
            Recorder r = new Recorder();
            XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
            f.feed(b, 0, i);
            f.feed(b, i, b.length - i);
            assertThat(r.events).as("split at %d", i).isEqualTo(expected);
        }
    }

    @Test
    void oneByteAtATime() throws Exception {
        byte[] b = utf8(STREAM);
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        for (int i = 0; i < b.length; i++) {
            // Fresh arrays each time: the framer must not keep pointing into a buffer it was given.
            byte[] one = {b[i]};
            f.feed(one, 0, 1);
            one[0] = 'X';
        }
        assertThat(r.events).isEqualTo(parseWhole(STREAM));
    }

    @Test
    void directAndHeapByteBuffersAtEverySplit() throws Exception {
        byte[] b = utf8(STREAM);
        List<String> expected = parseWhole(STREAM);
        for (int i = 0; i <= b.length; i += 7) {
            for (boolean direct : new boolean[] {true, false}) {
                Recorder r = new Recorder();
                XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
                ByteBuffer first = direct ? ByteBuffer.allocateDirect(i) : ByteBuffer.allocate(i + 3).position(3);
                first.put(b, 0, i).flip();
                if (!direct) {
                    first.position(3);
                }
                ByteBuffer second = direct ? ByteBuffer.allocateDirect(b.length - i) : ByteBuffer.allocate(b.length - i);
                second.put(b, i, b.length - i).flip();
                f.feed(first);
                f.feed(second);
                assertThat(first.hasRemaining()).isFalse();
                assertThat(second.hasRemaining()).isFalse();
                assertThat(r.events).as("split at %d direct=%s", i, direct).isEqualTo(expected);
            }
        }
    }

    @Test
    void directFeedsNestedInACallbackDoNotShareTheCopyBuffer() throws Exception {
        // A listener that feeds another connection's framer from a direct buffer while the outer framer is still
        // parsing out of the thread's copy buffer.
        Recorder inner = new Recorder();
        XmlFramer innerFramer = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, inner);
        byte[] innerHeader = utf8(HEADER);
        innerFramer.feed(innerHeader, 0, innerHeader.length);
        Recorder outer = new Recorder();
        outer.onElement = e -> {
            byte[] other = utf8("<message id='inner'><body>" + "z".repeat(9000) + "</body></message>");
            try {
                innerFramer.feed(ByteBuffer.allocateDirect(other.length).put(other).flip());
            } catch (XmlStreamException ex) {
                throw new IllegalStateException(ex);
            }
        };
        XmlFramer outerFramer = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, outer);
        byte[] b = utf8(STREAM);
        outerFramer.feed(ByteBuffer.allocateDirect(b.length).put(b).flip());
        assertThat(outer.events).isEqualTo(parseWhole(STREAM));
        assertThat(inner.elements).hasSize(5).allSatisfy(m -> assertThat(m.elementText("body")).hasSize(9000));
    }

    @Test
    void framersShareTheirNamesAndRepeatedNamesDoNotRotateTheParser() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        XmlFramer fa = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, a);
        XmlFramer fb = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, b);
        StringBuilder sb = new StringBuilder(HEADER);
        for (int i = 0; i < 3000; i++) {
            sb.append(JITSI_PRESENCE);
        }
        byte[] bytes = utf8(sb.toString());
        fa.feed(bytes, 0, bytes.length);
        fb.feed(bytes, 0, bytes.length);
        assertThat(a.elements).hasSize(3000);
        assertThat(fa.parsersCreated()).isEqualTo(1);
        Element pa = a.elements.get(2999);
        Element pb = b.elements.get(0);
        assertThat(pb.getQName()).isSameAs(pa.getQName());
        assertThat(pb.element("c").getQName()).isSameAs(pa.element("c").getQName());
        assertThat(pb.element("c").attribute("ver").getQName()).isSameAs(pa.element("c").attribute("ver").getQName());
        assertThat(Recorder.dump(pb)).isEqualTo(Recorder.dump(pa));
    }

    @Test
    void releasingTheParserAtAnySplitPointChangesNothing() throws Exception {
        List<String> expected = parseWhole(STREAM);
        byte[] b = utf8(STREAM);
        int released = 0;
        for (int i = 0; i <= b.length; i++) {
            Recorder r = new Recorder();
            XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
            f.feed(b, 0, i);
            if (f.release()) {
                released++;
                assertThat(f.released()).isTrue();
                assertThat(f.release()).as("twice").isFalse();
            }
            f.feed(b, i, b.length - i);
            assertThat(r.events).as("split at %d", i).isEqualTo(expected);
        }
        // After each of the five stanzas, and within the whitespace between them.
        assertThat(released).isGreaterThanOrEqualTo(5);
    }

    @Test
    void releaseOnlyBetweenStanzasAndTheLimitsStillHold() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, new XmlLimits(200, 32), r);
        assertThat(f.release()).as("before anything").isFalse();
        byte[] header = utf8(HEADER);
        f.feed(header, 0, header.length);
        assertThat(f.release()).as("after the header").isTrue();
        byte[] half = utf8("<message to='a@b'><body>hel");
        f.feed(half, 0, half.length);
        assertThat(f.release()).as("mid-stanza").isFalse();
        byte[] rest = utf8("lo</body></message>\n \t");
        f.feed(rest, 0, rest.length);
        assertThat(f.release()).as("trailing whitespace").isTrue();
        byte[] big = utf8("<message><body>" + "x".repeat(300) + "</body></message>");
        assertThatThrownBy(() -> f.feed(big, 0, big.length)).isInstanceOf(XmlStreamException.class);
        assertThat(r.elements).hasSize(1);
        assertThat(r.elements.get(0).getNamespaceURI()).isEqualTo("jabber:client");
        assertThat(r.headers).hasSize(1);
    }

    @Test
    void releaseInFragmentsMode() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.FRAGMENTS, LIMITS, r);
        byte[] one = utf8("<message xmlns='jabber:client' id='1'/>");
        f.feed(one, 0, one.length);
        assertThat(f.release()).isTrue();
        byte[] two = utf8("<presence xmlns='jabber:client' id='2'/>");
        f.feed(two, 0, two.length);
        assertThat(r.elements).extracting(e -> e.attributeValue("id")).containsExactly("1", "2");
        assertThat(r.elements.get(1).getNamespaceURI()).isEqualTo("jabber:client");
    }

    @Test
    void theNameTableWarmUpIsWellFormed() {
        new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, new Recorder());
        assertThat(XmlFramer.warmed).isTrue();
    }

    @Test
    void offsetIntoALargerArrayIsRespected() throws Exception {
        byte[] b = utf8(STREAM);
        byte[] padded = new byte[b.length + 200];
        Arrays.fill(padded, (byte) '!');
        System.arraycopy(b, 0, padded, 100, b.length);
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        f.feed(padded, 100, 300);
        f.feed(padded, 400, b.length - 300);
        assertThat(r.events).isEqualTo(parseWhole(STREAM));
    }

    @Test
    void severalStanzasPerFeedAndWhitespaceKeepalives() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] head = utf8(HEADER);
        f.feed(head, 0, head.length);
        byte[] three = utf8("<presence/> <message><body>1</body></message>\n<iq type='result' id='2'/>");
        f.feed(three, 0, three.length);
        assertThat(r.elements).extracting(Element::getName).containsExactly("presence", "message", "iq");
        byte[] space = utf8(" ");
        for (int i = 0; i < 3 * LIMITS.maxStanzaBytes(); i++) {
            f.feed(space, 0, 1);
        }
        byte[] more = utf8("<presence type='unavailable'/></stream:stream>");
        f.feed(more, 0, more.length);
        assertThat(r.elements).hasSize(4);
        assertThat(r.events.get(r.events.size() - 1)).isEqualTo("close");
    }

    @Test
    void manyStanzasInOneLargeFeed() throws Exception {
        StringBuilder sb = new StringBuilder(HEADER);
        for (int i = 0; i < 2000; i++) {
            sb.append(JITSI_PRESENCE.replace("id='p1'", "id='p" + i + "'"));
        }
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] b = utf8(sb.toString());
        f.feed(b, 0, b.length);
        assertThat(r.elements).hasSize(2000);
        assertThat(r.elements.get(1999).attributeValue("id")).isEqualTo("p1999");
        assertThat(Recorder.dump(r.elements.get(1234)))
                .isEqualTo(Recorder.dump(r.elements.get(0)).replace("\"p0\"", "\"p1234\""));
    }

    @Test
    void resetInsideCallbackSendsRemainingBytesToFreshParser() throws Exception {
        String input = HEADER
                + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                // After a restart the peer sends a new declaration and header, which the old parser would refuse.
                + "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream="
                + "'http://etherx.jabber.org/streams' version='1.0'><iq type='get' id='after'/>";
        byte[] b = utf8(input);
        for (int split = 0; split <= b.length; split++) {
            Recorder r = new Recorder();
            XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
            r.onElement = e -> {
                if (e.getName().equals("starttls")) {
                    f.reset();
                }
            };
            f.feed(b, 0, split);
            f.feed(b, split, b.length - split);
            assertThat(r.headers).as("split %d", split).hasSize(2);
            assertThat(r.headers.get(1).defaultNamespace()).isEqualTo("jabber:server");
            assertThat(r.elements).extracting(Element::getName).containsExactly("starttls", "iq");
            assertThat(r.elements.get(1).getNamespaceURI()).isEqualTo("jabber:server");
        }
    }

    @Test
    void withoutResetASecondDeclarationIsRefused() {
        String input = HEADER + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><?xml version='1.0'?>";
        byte[] b = utf8(input);
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, new Recorder());
        assertThatThrownBy(() -> f.feed(b, 0, b.length)).isInstanceOf(XmlStreamException.class);
    }

    @Test
    void resetBetweenFeeds() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        byte[] first = utf8(HEADER + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGEAYg==</auth>");
        f.feed(first, 0, first.length);
        f.reset();
        byte[] second = utf8(HEADER + "<iq type='set' id='bind'/>");
        f.feed(second, 0, second.length);
        assertThat(r.headers).hasSize(2);
        assertThat(r.elements).extracting(Element::getName).containsExactly("auth", "iq");
        assertThat(r.elements.get(0).getText()).isEqualTo("AGEAYg==");
    }

    @Test
    void closeInsideCallbackDropsTheRest() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        r.onElement = e -> f.close();
        byte[] b = utf8(HEADER + "<presence/><presence/>garbage <<<");
        f.feed(b, 0, b.length);
        f.feed(b, 0, b.length);
        assertThat(r.elements).hasSize(1);
    }

    @Test
    void listenerExceptionsPropagateUnchanged() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        r.onElement = e -> {
            throw new IllegalArgumentException("boom");
        };
        byte[] b = utf8(HEADER + "<presence/>");
        assertThatThrownBy(() -> f.feed(b, 0, b.length))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("boom");
    }

    @Test
    void fragmentsMode() throws Exception {
        String input = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.com' version='1.0'/>"
                + "<message xmlns='jabber:client' to='a@b'><body>hi ✓</body></message>\n"
                + "<r xmlns='urn:xmpp:sm:3'/><bare>text</bare>"
                + "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>";
        byte[] b = utf8(input);
        List<String> expected = null;
        for (int split = 0; split <= b.length; split++) {
            Recorder r = new Recorder();
            XmlFramer f = new XmlFramer(XmlFramer.Mode.FRAGMENTS, LIMITS, r);
            f.feed(b, 0, split);
            f.feed(b, split, b.length - split);
            if (expected == null) {
                expected = r.events;
                assertThat(r.headers).isEmpty();
                assertThat(r.elements).extracting(Element::getName)
                        .containsExactly("open", "message", "r", "bare", "close");
                assertThat(r.elements.get(0).getNamespaceURI()).isEqualTo("urn:ietf:params:xml:ns:xmpp-framing");
                assertThat(r.elements.get(0).attributeValue("to")).isEqualTo("example.com");
                assertThat(r.elements.get(1).getNamespaceURI()).isEqualTo("jabber:client");
                assertThat(r.elements.get(1).elementText("body")).isEqualTo("hi ✓");
                assertThat(r.elements.get(3).getNamespaceURI()).isEmpty();
            }
            assertThat(r.events).as("split %d", split).isEqualTo(expected);
        }
    }

    @Test
    void fragmentsModeResetStartsClean() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.FRAGMENTS, LIMITS, r);
        byte[] half = utf8("<message xmlns='jabber:client'><body>cut");
        f.feed(half, 0, half.length);
        f.reset();
        byte[] whole = utf8("<message xmlns='jabber:client'><body>whole</body></message>");
        f.feed(whole, 0, whole.length);
        assertThat(r.elements).hasSize(1);
        assertThat(r.elements.get(0).elementText("body")).isEqualTo("whole");
    }

    @Test
    void stanzaExactlyAtTheLimitPassesAndOneByteMoreFails() throws Exception {
        String head = HEADER + "\n";
        String stanza = "<message><body>" + "a".repeat(100) + "</body></message>";
        int size = utf8(stanza).length;
        XmlLimits exact = new XmlLimits(size, 5);
        for (int split = 0; split <= size; split += 13) {
            Recorder r = new Recorder();
            XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, exact, r);
            byte[] b = utf8(head + stanza + " " + stanza);
            int cut = utf8(head).length + split;
            f.feed(b, 0, cut);
            f.feed(b, cut, b.length - cut);
            assertThat(r.elements).hasSize(2);
        }
        XmlLimits tooSmall = new XmlLimits(size - 1, 5);
        byte[] b = utf8(head + stanza);
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, tooSmall, new Recorder());
        assertThatThrownBy(() -> f.feed(b, 0, b.length)).isInstanceOf(XmlStreamException.class)
                .extracting(e -> ((XmlStreamException) e).condition())
                .isEqualTo(org.parley.xmpp.stream.StreamErrorCondition.POLICY_VIOLATION);
    }

    @Test
    void depthExactlyAtTheLimitPasses() throws Exception {
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, new XmlLimits(65536, 3), r);
        byte[] ok = utf8(HEADER + "<a><b><c>deep</c></b></a>");
        f.feed(ok, 0, ok.length);
        assertThat(r.elements).hasSize(1);
        byte[] tooDeep = utf8("<a><b><c><d/></c></b></a>");
        assertThatThrownBy(() -> f.feed(tooDeep, 0, tooDeep.length)).isInstanceOf(XmlStreamException.class)
                .extracting(e -> ((XmlStreamException) e).condition())
                .isEqualTo(org.parley.xmpp.stream.StreamErrorCondition.POLICY_VIOLATION);
    }

    @Test
    void manyDistinctNamesRotateTheParserWithoutLosingNamespaceContext() throws Exception {
        String head = "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
                + " xmlns:db='jabber:server:dialback' to='b.example'>";
        StringBuilder sb = new StringBuilder(head);
        for (int i = 0; i < 3000; i++) {
            sb.append("<message id='").append(i).append("'><x").append(i).append(" a").append(i)
                    .append("='v'/></message>\n");
        }
        sb.append("<db:result from='a' to='b'>k</db:result><presence/></stream:stream>");
        byte[] b = utf8(sb.toString());
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.STREAM, LIMITS, r);
        for (int off = 0; off < b.length; off += 1000) {
            f.feed(b, off, Math.min(1000, b.length - off));
        }
        assertThat(f.parsersCreated()).as("parser replaced").isGreaterThan(2);
        assertThat(r.headers).hasSize(1);
        assertThat(r.elements).hasSize(3002);
        for (int i = 0; i < 3000; i++) {
            Element m = r.elements.get(i);
            assertThat(m.attributeValue("id")).isEqualTo(String.valueOf(i));
            assertThat(m.getNamespaceURI()).isEqualTo("jabber:server");
            assertThat(m.elements().get(0).getQName())
                    .isEqualTo(QName.get("x" + i, "jabber:server"));
        }
        Element result = r.elements.get(3000);
        assertThat(result.getQName()).isEqualTo(QName.get("result", Namespace.get("db", "jabber:server:dialback")));
        assertThat(r.elements.get(3001).getNamespaceURI()).isEqualTo("jabber:server");
        assertThat(r.events.get(r.events.size() - 1)).isEqualTo("close");
    }

    @Test
    void manyDistinctNamesInFragmentsMode() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            sb.append("<n").append(i).append(" xmlns='urn:n'/>");
        }
        byte[] b = utf8(sb.toString());
        Recorder r = new Recorder();
        XmlFramer f = new XmlFramer(XmlFramer.Mode.FRAGMENTS, LIMITS, r);
        f.feed(b, 0, b.length);
        assertThat(f.parsersCreated()).isGreaterThan(2);
        assertThat(r.elements).hasSize(3000);
        assertThat(r.elements.get(2999).getQName()).isEqualTo(QName.get("n2999", "urn:n"));
    }
}
