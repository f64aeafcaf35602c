package org.parley.jingle.colibri2;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.rtp.PayloadType;
import org.parley.jingle.rtp.RtpHdrExt;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * COLIBRI2 {@code <media type='audio'>}: the payload types and RTP header extensions an endpoint or relay uses
 * (XEP-0167/0294 elements in their own namespaces), and {@code <extmap-allow-mixed/>}.
 *
 * @param type the media type as written; see {@link #mediaType()}
 */
public record Media(String type, List<PayloadType> payloadTypes, List<RtpHdrExt> headerExtensions,
                    boolean extmapAllowMixed, List<OpaqueElement> extensions) {
    public static final String ELEMENT = "media";

    public Media {
        Objects.requireNonNull(type, "type");
        payloadTypes = List.copyOf(payloadTypes);
        headerExtensions = List.copyOf(headerExtensions);
        extensions = List.copyOf(extensions);
    }

    public Media(MediaType type, List<PayloadType> payloadTypes, List<RtpHdrExt> headerExtensions,
                 boolean extmapAllowMixed) {
        this(MediaType.wireOf(type), payloadTypes, headerExtensions, extmapAllowMixed, List.of());
    }

    public MediaType mediaType() {
        return MediaType.of(type);
    }

    public static Media parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI2);
        List<PayloadType> pts = new ArrayList<>();
        List<RtpHdrExt> hdrs = new ArrayList<>();
        boolean allowMixed = false;
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (Xml.is(c, PayloadType.ELEMENT, Ns.RTP)) {
                pts.add(PayloadType.parse(c));
            } else if (Xml.is(c, RtpHdrExt.ELEMENT, Ns.RTP_HDREXT)) {
                hdrs.add(RtpHdrExt.parse(c));
            } else if (!allowMixed && Xml.is(c, "extmap-allow-mixed", Ns.RTP_HDREXT)) {
                allowMixed = true;
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        return new Media(Xml.requireNonBlank(e, "type"), pts, hdrs, allowMixed, extensions);
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.COLIBRI2);
        Xml.set(e, "type", type);
        for (PayloadType pt : payloadTypes) {
            pt.appendTo(e);
        }
        for (RtpHdrExt h : headerExtensions) {
            h.appendTo(e);
        }
        if (extmapAllowMixed) {
            Xml.add(e, "extmap-allow-mixed", Ns.RTP_HDREXT);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
