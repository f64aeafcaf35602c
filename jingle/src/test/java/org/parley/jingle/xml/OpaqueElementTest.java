package org.parley.jingle.xml;

import static org.assertj.core.api.Assertions.assertThat;

import org.dom4j.Element;
import org.junit.jupiter.api.Test;

class OpaqueElementTest {

    @Test
    void equalityIsStructural() {
        OpaqueElement a = OpaqueElement.parse("<startmuted xmlns='http://jitsi.org/jitmeet/start-muted' audio='true' "
            + "video='false'/>");
        OpaqueElement b = OpaqueElement.parse("<m:startmuted xmlns:m='http://jitsi.org/jitmeet/start-muted' "
            + "video='false' audio='true'></m:startmuted>");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(OpaqueElement.parse(
            "<startmuted xmlns='urn:other' audio='true' video='false'/>"));
        assertThat(a).isNotEqualTo(OpaqueElement.parse(
            "<startmuted xmlns='http://jitsi.org/jitmeet/start-muted' audio='false' video='false'/>"));
    }

    @Test
    void formattingWhitespaceBetweenChildrenIsIgnoredButTextIsNot() {
        OpaqueElement pretty = OpaqueElement.parse("<a xmlns='urn:x'>\n  <b>one</b>\n  <c/>\n</a>");
        OpaqueElement compact = OpaqueElement.parse("<a xmlns='urn:x'><b>one</b><c/></a>");
        assertThat(pretty).isEqualTo(compact);
        assertThat(OpaqueElement.parse("<a xmlns='urn:x'><b> one</b></a>")).isNotEqualTo(compact);
        assertThat(OpaqueElement.parse("<a xmlns='urn:x'><c/><b>one</b></a>")).isNotEqualTo(compact);
    }

    @Test
    void isImmutable() {
        Element source = Xml.parse("<ice-state xmlns='http://jitsi.org/protocol/focus'>failed</ice-state>");
        OpaqueElement o = OpaqueElement.of(source);
        source.setText("connected");
        o.toElement().setText("checking");
        assertThat(o.text()).isEqualTo("failed");
        assertThat(o.is("ice-state", Ns.FOCUS)).isTrue();
    }
}
