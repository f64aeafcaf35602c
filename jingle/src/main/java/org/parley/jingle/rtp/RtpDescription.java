package org.parley.jingle.rtp;

import java.util.ArrayList;
import java.util.List;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * XEP-0167 {@code <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>}: payload types, XEP-0294 header
 * extensions and {@code <extmap-allow-mixed/>}, {@code <rtcp-mux/>}, description-level XEP-0293 feedback (SDP's
 * {@code a=rtcp-fb:*}), and the XEP-0339 sources and groups of everyone else in the conference.
 *
 * <p>Jicofo's data content carries an empty {@code <description media='application'/>}; Jicofo's audio description
 * has {@code maxptime='60'}. Unknown children (e.g. {@code <rtcp-fb-trr-int/>}, {@code <rid-group/>}) are kept in
 * {@code extensions}.
 *
 * @param media    {@code audio}, {@code video} or {@code application}; null when absent
 * @param maxptime the description's {@code maxptime} attribute as sent, or null
 */
public record RtpDescription(String media, String maxptime, List<PayloadType> payloadTypes,
                             List<RtpHdrExt> headerExtensions, boolean extmapAllowMixed, boolean rtcpMux,
                             List<RtcpFb> rtcpFeedback, List<Source> sources, List<SourceGroup> sourceGroups,
                             List<OpaqueElement> extensions) {
    public static final String ELEMENT = "description";

    public RtpDescription {
        payloadTypes = List.copyOf(payloadTypes);
        headerExtensions = List.copyOf(headerExtensions);
        rtcpFeedback = List.copyOf(rtcpFeedback);
        sources = List.copyOf(sources);
        sourceGroups = List.copyOf(sourceGroups);
        extensions = List.copyOf(extensions);
    }

    /** A description with only sources and groups, as in {@code source-add} and {@code source-remove}. */
    public static RtpDescription ofSources(String media, List<Source> sources, List<SourceGroup> groups) {
        return new RtpDescription(media, null, List.of(), List.of(), false, false, List.of(), sources, groups,
            List.of());
    }

    public RtpDescription withSources(List<Source> newSources, List<SourceGroup> newGroups) {
        return new RtpDescription(media, maxptime, payloadTypes, headerExtensions, extmapAllowMixed, rtcpMux,
            rtcpFeedback, newSources, newGroups, extensions);
    }

    public static boolean isRtpDescription(Element e) {
        return Xml.is(e, ELEMENT, Ns.RTP);
    }

    public static RtpDescription parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.RTP);
        List<PayloadType> pts = new ArrayList<>();
        List<RtpHdrExt> hdrExts = new ArrayList<>();
        boolean allowMixed = false;
        boolean rtcpMux = false;
        List<RtcpFb> fbs = new ArrayList<>();
        List<Source> sources = new ArrayList<>();
        List<SourceGroup> groups = new ArrayList<>();
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (Xml.is(c, PayloadType.ELEMENT, Ns.RTP)) {
                pts.add(PayloadType.parse(c));
            } else if (Xml.is(c, RtpHdrExt.ELEMENT, Ns.RTP_HDREXT)) {
                hdrExts.add(RtpHdrExt.parse(c));
            } else if (Xml.is(c, "extmap-allow-mixed", Ns.RTP_HDREXT) && !allowMixed) {
                allowMixed = true;
            } else if (c.getName().equals("rtcp-mux") && !rtcpMux
                && (c.getNamespaceURI().equals(Ns.RTP) || c.getNamespaceURI().isEmpty())) {
                rtcpMux = true;
            } else if (Xml.is(c, RtcpFb.ELEMENT, Ns.RTCP_FB)) {
                fbs.add(RtcpFb.parse(c));
            } else if (Xml.is(c, Source.ELEMENT, Ns.SSMA)) {
                sources.add(Source.parse(c));
            } else if (Xml.is(c, SourceGroup.ELEMENT, Ns.SSMA)) {
                groups.add(SourceGroup.parse(c));
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        return new RtpDescription(Xml.attr(e, "media"), Xml.attr(e, "maxptime"), pts, hdrExts, allowMixed, rtcpMux,
            fbs, sources, groups, extensions);
    }

    public Element toElement() {
        Element e = Xml.create(ELEMENT, Ns.RTP);
        fill(e);
        return e;
    }

    public void appendTo(Element parent) {
        fill(Xml.add(parent, ELEMENT, Ns.RTP));
    }

    private void fill(Element e) {
        Xml.set(e, "media", media);
        Xml.set(e, "maxptime", maxptime);
        for (PayloadType pt : payloadTypes) {
            pt.appendTo(e);
        }
        for (RtcpFb fb : rtcpFeedback) {
            fb.appendTo(e);
        }
        for (RtpHdrExt h : headerExtensions) {
            h.appendTo(e);
        }
        if (extmapAllowMixed) {
            Xml.add(e, "extmap-allow-mixed", Ns.RTP_HDREXT);
        }
        for (Source s : sources) {
            s.appendTo(e);
        }
        for (SourceGroup g : sourceGroups) {
            g.appendTo(e);
        }
        if (rtcpMux) {
            Xml.add(e, "rtcp-mux", Ns.RTP);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
