package org.parley.xmpp.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.dom4j.Element;
import org.junit.jupiter.api.Test;

class StoredXmlTest {
    @Test
    void readsOneElementWithItsNamespacesTextAndChildren() {
        Element e = StoredXml.parse("<session xmlns='urn:parley:handover' v='2'><queue><message xmlns='jabber:client' to='a@b/c'>"
                + "<body>caf\u00e9 &amp; &lt;tea&gt;</body><x xmlns='urn:x' xmlns:p='urn:p' p:k='1'/></message></queue></session>");
        assertThat(e.getName()).isEqualTo("session");
        assertThat(e.getNamespaceURI()).isEqualTo("urn:parley:handover");
        assertThat(e.attributeValue("v")).isEqualTo("2");
        Element m = e.element("queue").elements().get(0);
        assertThat(m.getNamespaceURI()).isEqualTo("jabber:client");
        assertThat(m.elementText("body")).isEqualTo("caf\u00e9 & <tea>");
        Element x = m.elements().get(1);
        assertThat(x.getNamespaceURI()).isEqualTo("urn:x");
        assertThat(x.attributeValue(org.dom4j.QName.get("k", "p", "urn:p"))).isEqualTo("1");
    }

    @Test
    void refusesWhatIsNotOneWholeElement() {
        assertThatThrownBy(() -> StoredXml.parse("<a/><b/>")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoredXml.parse("<a><b/>")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoredXml.parse("<a/><b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoredXml.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoredXml.parse("<a></b>")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesDoctypesAndUndeclaredEntities() {
        assertThatThrownBy(() -> StoredXml.parse("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoredXml.parse("<a>&e;</a>")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void boundsTheNesting() {
        String deep = "<a>".repeat(300) + "</a>".repeat(300);
        assertThatThrownBy(() -> StoredXml.parse(deep)).isInstanceOf(IllegalArgumentException.class);
        String fine = "<a>".repeat(200) + "</a>".repeat(200);
        assertThat(StoredXml.parse(fine).getName()).isEqualTo("a");
    }
}
