package org.parley.jingle.ice;

import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * The data channel's SCTP association inside the {@code data} content's transport (XEP-0343):
 * {@code <sctpmap xmlns='urn:xmpp:jingle:transports:dtls-sctp:1' number='5000' protocol='webrtc-datachannel'
 * streams='1024'/>}. Jicofo sends it with the bridge's SCTP port; lib-jitsi-meet answers with {@code streams='0'}.
 */
public record SctpMap(int number, String protocol, Integer streams) {
    public static final String ELEMENT = "sctpmap";
    public static final String WEBRTC_DATACHANNEL = "webrtc-datachannel";

    public SctpMap {
        Objects.requireNonNull(protocol, "protocol");
    }

    public static SctpMap parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.DTLS_SCTP);
        return new SctpMap(Xml.requireInt(e, "number"), Xml.requireAttr(e, "protocol"), Xml.intAttr(e, "streams"));
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.DTLS_SCTP);
        Xml.set(e, "number", number);
        Xml.set(e, "protocol", protocol);
        Xml.set(e, "streams", streams);
    }
}
