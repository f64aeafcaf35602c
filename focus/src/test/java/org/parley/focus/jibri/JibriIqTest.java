package org.parley.focus.jibri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.junit.jupiter.api.Test;
import org.xmpp.packet.JID;
import org.xmpp.packet.Presence;

class JibriIqTest {
    private static Element xml(String s) throws Exception {
        return DocumentHelper.parseText(s).getRootElement();
    }

    @Test
    void readsAndWritesJicofosAttributes() throws Exception {
        JibriIq iq = JibriIq.parse(xml("<jibri xmlns='http://jitsi.org/protocol/jibri' action='start' recording_mode='stream'"
                + " streamid='key' you_tube_broadcast_id='b1' app_data='{}' sipaddress='' session_id='s1'/>"));
        assertThat(iq.action()).isEqualTo("start");
        assertThat(iq.recordingMode()).isEqualTo("stream");
        assertThat(iq.streamId()).isEqualTo("key");
        assertThat(iq.youTubeBroadcastId()).isEqualTo("b1");
        assertThat(iq.sipAddress()).as("blank is absent, as in jitsi-xmpp-extensions").isNull();
        Element out = iq.toElement();
        assertThat(out.getNamespaceURI()).isEqualTo(JibriIq.NS);
        assertThat(out.attributeValue("streamid")).isEqualTo("key");
        assertThat(out.attributeValue("session_id")).isEqualTo("s1");
        assertThat(out.attribute("status")).isNull();
        assertThat(JibriIq.parse(xml("<jibri xmlns='http://jitsi.org/protocol/jibri' status='off' failure_reason='error'"
                + " should_retry='true'/>")).retry()).isTrue();
        assertThat(JibriIq.parse(xml("<jibri xmlns='http://jitsi.org/protocol/jibri' status='off' failure_reason='error'/>"))
                .retry()).as("absent: no retry (Jicofo)").isFalse();
    }

    @Test
    void refusesOverlongValues() {
        String big = "x".repeat(JibriIq.MAX_VALUE + 1);
        assertThatThrownBy(() -> JibriIq.parse(xml("<jibri xmlns='http://jitsi.org/protocol/jibri' app_data='" + big + "'/>")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Presence presence(String status) throws Exception {
        Presence p = new Presence();
        if (status != null) p.getElement().add(xml(status));
        return p;
    }

    @Test
    void statusFromBreweryPresence() throws Exception {
        JID jid = new JID("jibribrewery@internal.example.org/j1");
        Jibri idle = Jibri.fromPresence(jid, false, presence("<jibri-status xmlns='http://jitsi.org/protocol/jibri'>"
                + "<busy-status xmlns='http://jitsi.org/protocol/jibri' status='idle'/>"
                + "<health-status xmlns='http://jitsi.org/protocol/health' status='healthy'/></jibri-status>"), false, 1);
        assertThat(idle.available()).isTrue();
        assertThat(idle.engaged(true).available()).isFalse();
        Jibri busy = Jibri.fromPresence(jid, false, presence("<jibri-status xmlns='http://jitsi.org/protocol/jibri'>"
                + "<busy-status xmlns='http://jitsi.org/protocol/jibri' status='busy'/>"
                + "<health-status xmlns='http://jitsi.org/protocol/health' status='healthy'/></jibri-status>"), false, 1);
        assertThat(busy.busy()).isTrue();
        assertThat(busy.available()).isFalse();
        Jibri sick = Jibri.fromPresence(jid, false, presence("<jibri-status xmlns='http://jitsi.org/protocol/jibri'>"
                + "<busy-status xmlns='http://jitsi.org/protocol/jibri' status='idle'/>"
                + "<health-status xmlns='http://jitsi.org/protocol/health' status='unhealthy'/></jibri-status>"), false, 1);
        assertThat(sick.available()).isFalse();
        Jibri starting = Jibri.fromPresence(jid, false, presence(null), false, 1);
        assertThat(starting.status()).isFalse();
        assertThat(starting.available()).isFalse();
    }
}
