package org.parley.jingle.rtp;

import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * XEP-0293 {@code <rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' type='nack' subtype='pli'/>}; an SDP
 * {@code a=rtcp-fb} line. Types Jitsi uses: {@code ccm fir}, {@code nack}, {@code nack pli}, {@code goog-remb},
 * {@code transport-cc}.
 */
public record RtcpFb(String type, String subtype) {
    public static final String ELEMENT = "rtcp-fb";

    public RtcpFb {
        Objects.requireNonNull(type, "type");
    }

    public static RtcpFb of(String type) {
        return new RtcpFb(type, null);
    }

    public static RtcpFb parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.RTCP_FB);
        return new RtcpFb(Xml.requireAttr(e, "type"), Xml.attr(e, "subtype"));
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.RTCP_FB);
        Xml.set(e, "type", type);
        Xml.set(e, "subtype", subtype);
    }
}
