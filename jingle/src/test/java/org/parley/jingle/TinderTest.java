package org.parley.jingle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.parley.jingle.colibri2.ConferenceModify;
import org.parley.jingle.xml.Xml;
import org.xmpp.packet.IQ;

/** The model reads from and writes into Tinder packets, which is how the focus uses it. */
class TinderTest {

    @Test
    void jingleFromAndIntoATinderIq() {
        IQ received = new IQ(Fixtures.load("jingle/session-accept.xml"));
        assertThat(Jingle.isJingle(received.getChildElement())).isTrue();
        Jingle accept = Jingle.parse(received.getChildElement());

        IQ sent = new IQ(IQ.Type.set);
        sent.setChildElement(accept.toElement());
        IQ reread = new IQ(Xml.parse(sent.toXML()));
        assertThat(Jingle.parse(reread.getChildElement())).isEqualTo(accept);
    }

    @Test
    void colibri2IntoATinderIq() {
        ConferenceModify request = ConferenceModify.parse(Fixtures.payload("colibri2/allocate-request.xml"));
        IQ iq = new IQ(IQ.Type.set);
        iq.setChildElement(request.toElement());
        assertThat(ConferenceModify.isConferenceModify(iq.getChildElement())).isTrue();
        assertThat(ConferenceModify.parse(new IQ(Xml.parse(iq.toXML())).getChildElement())).isEqualTo(request);
    }
}
