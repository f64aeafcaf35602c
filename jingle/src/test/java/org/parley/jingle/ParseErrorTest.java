package org.parley.jingle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import org.dom4j.Attribute;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;
import org.parley.jingle.colibri2.ConferenceModified;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.focus.ConferenceIq;
import org.parley.jingle.xml.JingleParseException;
import org.parley.jingle.xml.Xml;

/** Malformed input fails with a {@link JingleParseException} naming element and attribute, never anything else. */
class ParseErrorTest {

    private static JingleParseException jingleError(String xml) {
        Throwable t = catchThrowable(() -> Jingle.parse(Xml.parse(xml)));
        assertThat(t).isInstanceOf(JingleParseException.class);
        return (JingleParseException) t;
    }

    private static final String J = "<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1'>";

    @Test
    void missingRequiredAttributesAreNamed() {
        JingleParseException e = jingleError("<jingle xmlns='urn:xmpp:jingle:1' action='session-accept'/>");
        assertThat(e.element()).isEqualTo("jingle");
        assertThat(e.attribute()).isEqualTo("sid");
        assertThat(e).hasMessage("jingle @sid: missing required attribute");

        e = jingleError(J + "<content creator='initiator'/></jingle>");
        assertThat(e.element()).isEqualTo("jingle/content");
        assertThat(e.attribute()).isEqualTo("name");

        e = jingleError(J + "<content name='audio'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>"
            + "<payload-type name='opus'/></description></content></jingle>");
        assertThat(e.element()).isEqualTo("jingle/content/description/payload-type");
        assertThat(e.attribute()).isEqualTo("id");

        e = jingleError(J + "<content name='audio'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>"
            + "<candidate component='1' foundation='1' ip='10.0.0.1' port='10000' priority='1' protocol='udp'/>"
            + "</transport></content></jingle>");
        assertThat(e.element()).isEqualTo("jingle/content/transport/candidate");
        assertThat(e.attribute()).isEqualTo("type");

        e = jingleError(J + "<content name='video'><description xmlns='urn:xmpp:jingle:apps:rtp:1'>"
            + "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' name='a-v0'><ssrc-info xmlns='http://jitsi.org/jitmeet'/>"
            + "</source></description></content></jingle>");
        assertThat(e.element()).isEqualTo("jingle/content/description/source");
        assertThat(e.attribute()).isEqualTo("ssrc");

        e = jingleError(J + "<content name='video'><description xmlns='urn:xmpp:jingle:apps:rtp:1'>"
            + "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='1'><ssrc-info xmlns='http://jitsi.org/jitmeet'/>"
            + "</source></description></content></jingle>");
        assertThat(e.element()).isEqualTo("jingle/content/description/source/ssrc-info");
        assertThat(e.attribute()).isEqualTo("owner");

        e = jingleError(J + "<reason><text>no condition</text></reason></jingle>");
        assertThat(e.element()).isEqualTo("jingle/reason");
        assertThat(e.attribute()).isNull();
    }

    @Test
    void malformedValuesAreNamed() {
        JingleParseException e = jingleError(J + "<content name='audio'><description "
            + "xmlns='urn:xmpp:jingle:apps:rtp:1'><payload-type id='opus'/></description></content></jingle>");
        assertThat(e.attribute()).isEqualTo("id");
        assertThat(e.getMessage()).contains("'opus' is not an integer");

        e = jingleError(J + "<content name='audio'><description xmlns='urn:xmpp:jingle:apps:rtp:1'>"
            + "<payload-type id='200'/></description></content></jingle>");
        assertThat(e.getMessage()).contains("outside 0-127");

        e = jingleError(J + "<content name='audio'><description xmlns='urn:xmpp:jingle:apps:rtp:1'>"
            + "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='4294967296'/></description></content></jingle>");
        assertThat(e.attribute()).isEqualTo("ssrc");
        assertThat(e.getMessage()).contains("32-bit");

        e = jingleError(J + "<content name='audio' senders='sometimes'/></jingle>");
        assertThat(e.attribute()).isEqualTo("senders");
        assertThat(e.getMessage()).contains("'sometimes' is not one of [both, initiator, responder, none, rejected]");

        e = jingleError(J + "<content name='audio'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>"
            + "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='actpass'/></transport>"
            + "</content></jingle>");
        assertThat(e.element()).isEqualTo("jingle/content/transport/fingerprint");
        assertThat(e.getMessage()).contains("no value");

        e = jingleError(J + "<bridge-session xmlns='http://jitsi.org/protocol/focus' restart='yes'/></jingle>");
        assertThat(e.attribute()).isEqualTo("restart");

        e = jingleError("<jingle xmlns='urn:xmpp:jingle:1' action='  ' sid='x'/>");
        assertThat(e.attribute()).isEqualTo("action");
        assertThat(e.getMessage()).contains("blank");
    }

    @Test
    void wrongElementIsNamed() {
        assertThatThrownBy(() -> Jingle.parse(Xml.parse("<jingle xmlns='urn:xmpp:jingle:0' action='a' sid='b'/>")))
            .isInstanceOf(JingleParseException.class)
            .hasMessageContaining("expected <jingle xmlns='urn:xmpp:jingle:1'>");
        assertThatThrownBy(() -> ConferenceModify.parse(Xml.parse("<conference-modify "
            + "xmlns='http://jitsi.org/protocol/colibri2' meeting-id='abc'/>")))
            .isInstanceOf(JingleParseException.class).hasMessageContaining("jitsi:colibri2");
        assertThatThrownBy(() -> Jingle.parse(null)).isInstanceOf(JingleParseException.class);
        assertThatThrownBy(() -> Xml.parse("<jingle")).isInstanceOf(JingleParseException.class);
    }

    @Test
    void colibri2RequiredAttributes() {
        Throwable t = catchThrowable(() -> ConferenceModify.parse(Xml.parse(
            "<conference-modify xmlns='jitsi:colibri2'/>")));
        assertThat(t).isInstanceOf(JingleParseException.class).hasMessage("conference-modify @meeting-id: "
            + "missing required attribute");
        t = catchThrowable(() -> ConferenceModify.parse(Xml.parse(
            "<conference-modify xmlns='jitsi:colibri2' meeting-id='  '/>")));
        assertThat(t).isInstanceOf(JingleParseException.class).hasMessageContaining("blank");
        t = catchThrowable(() -> ConferenceModify.parse(Xml.parse(
            "<conference-modify xmlns='jitsi:colibri2' meeting-id='m'><endpoint create='true'/></conference-modify>")));
        assertThat(((JingleParseException) t).element()).isEqualTo("conference-modify/endpoint");
        assertThat(((JingleParseException) t).attribute()).isEqualTo("id");
        t = catchThrowable(() -> ConferenceModify.parse(Xml.parse(
            "<conference-modify xmlns='jitsi:colibri2' meeting-id='m'><endpoint id='e'><media/></endpoint>"
                + "</conference-modify>")));
        assertThat(((JingleParseException) t).element()).isEqualTo("conference-modify/endpoint/media");
        assertThat(((JingleParseException) t).attribute()).isEqualTo("type");
        t = catchThrowable(() -> ConferenceModify.parse(Xml.parse(
            "<conference-modify xmlns='jitsi:colibri2' meeting-id='m'><endpoint id='e'><initial-last-n value='x'/>"
                + "</endpoint></conference-modify>")));
        assertThat(((JingleParseException) t).element()).isEqualTo("conference-modify/endpoint/initial-last-n");
        t = catchThrowable(() -> ConferenceModified.parse(Xml.parse(
            "<conference-modified xmlns='jitsi:colibri2'><endpoint id='e'><transport><sctp role='peer'/></transport>"
                + "</endpoint></conference-modified>")));
        assertThat(((JingleParseException) t).attribute()).isEqualTo("role");
        t = catchThrowable(() -> ConferenceIq.parse(Xml.parse(
            "<conference xmlns='http://jitsi.org/protocol/focus' machine-uid='m'/>")));
        assertThat(((JingleParseException) t).attribute()).isEqualTo("room");
    }

    /**
     * Damages every fixture at random (drops attributes, replaces values with junk, renames elements) many times:
     * parsing must either succeed or throw {@link JingleParseException}, never a NullPointerException,
     * NumberFormatException or IllegalArgumentException from deeper down.
     */
    @Test
    void damagedFixturesFailOnlyWithNamedErrors() {
        List<Case> cases = List.of(
            new Case("jingle/session-initiate-3p.xml", e -> Jingle.parse(e)),
            new Case("jingle/session-accept.xml", e -> Jingle.parse(e)),
            new Case("jingle/source-add.xml", e -> Jingle.parse(e)),
            new Case("jingle/transport-info.xml", e -> Jingle.parse(e)),
            new Case("jingle/session-terminate-restart.xml", e -> Jingle.parse(e)),
            new Case("colibri2/allocate-request.xml", e -> ConferenceModify.parse(e)),
            new Case("colibri2/relay-create-request.xml", e -> ConferenceModify.parse(e)),
            new Case("colibri2/allocate-response.xml", e -> ConferenceModified.parse(e)),
            new Case("focus/conference-request.xml", e -> ConferenceIq.parse(e)));
        String[] junk = {"", " ", "-1", "99999999999999999999", "x", "true", "0", "4294967296", "1.5", "&<>"};
        Random random = new Random(6_2026L);
        int failures = 0;
        for (int round = 0; round < 400; round++) {
            for (Case c : cases) {
                Element payload = Fixtures.payload(c.fixture);
                List<Element> all = new ArrayList<>();
                collect(payload, all);
                int damage = 1 + random.nextInt(3);
                for (int d = 0; d < damage; d++) {
                    Element victim = all.get(random.nextInt(all.size()));
                    List<Attribute> attrs = victim.attributes();
                    int what = random.nextInt(3);
                    if (what == 0 && !attrs.isEmpty()) {
                        victim.remove(attrs.get(random.nextInt(attrs.size())));
                    } else if (what == 1 && !attrs.isEmpty()) {
                        attrs.get(random.nextInt(attrs.size())).setValue(junk[random.nextInt(junk.length)]);
                    } else if (victim != payload) {
                        victim.setName(random.nextBoolean() ? "source" : "transport");
                    }
                }
                try {
                    c.parse.accept(payload);
                } catch (JingleParseException expected) {
                    failures++;
                    assertThat(expected.element()).isNotBlank();
                } catch (RuntimeException unexpected) {
                    throw new AssertionError("round " + round + " of " + c.fixture + ": " + unexpected
                        + "\n" + Xml.toXml(payload), unexpected);
                }
            }
        }
        assertThat(failures).as("the damage must actually break some stanzas").isGreaterThan(100);
    }

    private record Case(String fixture, Consumer<Element> parse) {
    }

    private static void collect(Element e, List<Element> out) {
        out.add(e);
        for (Element c : e.elements()) {
            collect(c, out);
        }
    }
}
