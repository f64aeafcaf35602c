package org.parley.jingle.rtp;

import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.Senders;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * XEP-0294 {@code <rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0' id='1'
 * uri='urn:ietf:params:rtp-hdrext:ssrc-audio-level'/>}; an SDP {@code a=extmap} line. {@code senders} carries the
 * extmap direction when lib-jitsi-meet has one.
 */
public record RtpHdrExt(int id, String uri, Senders senders) {
    public static final String ELEMENT = "rtp-hdrext";

    public RtpHdrExt {
        Objects.requireNonNull(uri, "uri");
    }

    public RtpHdrExt(int id, String uri) {
        this(id, uri, null);
    }

    public static RtpHdrExt parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.RTP_HDREXT);
        return new RtpHdrExt(Xml.requireInt(e, "id"), Xml.requireAttr(e, "uri"),
            Xml.closedEnum(e, "senders", Senders.class, false));
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.RTP_HDREXT);
        Xml.set(e, "id", id);
        Xml.set(e, "uri", uri);
        if (senders != null) {
            Xml.set(e, "senders", senders.wire());
        }
    }
}
