package org.parley.focus.conference;

import static org.assertj.core.api.Assertions.assertThat;

import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;

class CapabilitiesTest {
    static Element parse(String xml) throws Exception {
        return DocumentHelper.parseText(xml).getRootElement();
    }

    @Test
    void verificationStringOfXep0115Examples() throws Exception {
        // XEP-0115 section 5.2 (simple) and 5.3 (complex, with a data form).
        assertThat(Capabilities.ver(parse("<query xmlns='http://jabber.org/protocol/disco#info'>"
                + "<identity category='client' name='Exodus 0.9.1' type='pc'/>"
                + "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>"
                + "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/></query>")))
                .isEqualTo("QgayPKawpkPSDYmwT/WM94uAlu0=");
        assertThat(Capabilities.ver(parse("<query xmlns='http://jabber.org/protocol/disco#info'>"
                + "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
                + "<identity xml:lang='el' category='client' name='&#936; 0.11' type='pc'/>"
                + "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>"
                + "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/>"
                + "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>"
                + "<field var='ip_version'><value>ipv4</value><value>ipv6</value></field>"
                + "<field var='os'><value>Mac</value></field><field var='os_version'><value>10.5.1</value></field>"
                + "<field var='software'><value>Psi</value></field><field var='software_version'><value>0.11</value></field></x></query>")))
                .isEqualTo("q07IKJEyjvHSyhy//CH0CxmKi8w=");
    }

    @Test
    void onlyVerifiedAnswersAreShared() throws Exception {
        Capabilities caps = new Capabilities();
        Element answer = parse("<query xmlns='http://jabber.org/protocol/disco#info'><feature var='http://jitsi.org/json-encoded-sources'/></query>");
        assertThat(caps.learn("node#forged", answer)).contains("http://jitsi.org/json-encoded-sources");
        assertThat(caps.cached("node#forged")).isNull();
        String ver = Capabilities.ver(answer);
        caps.learn("node#" + ver, answer);
        assertThat(caps.cached("node#" + ver)).containsExactly("http://jitsi.org/json-encoded-sources");
    }
}
