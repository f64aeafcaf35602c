package org.parley.jingle.rtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * XEP-0167 {@code <payload-type id='111' name='opus' clockrate='48000' channels='2'>} with its fmtp
 * {@code <parameter>}s and XEP-0293 {@code <rtcp-fb>}s, in the order sent (the order of parameters is the order of
 * the fmtp line). Used in Jingle descriptions and COLIBRI2 {@code <media>}.
 *
 * @param id       the RTP payload type, 0-127; required
 * @param name     encoding name ({@code opus}, {@code VP8}, {@code rtx}, {@code red}, ...); Jitsi always sends one
 * @param clockrate clock rate in Hz, or null
 * @param channels  channel count, or null (absent means 1)
 */
public record PayloadType(int id, String name, Integer clockrate, Integer channels, Integer ptime, Integer maxptime,
                          List<Parameter> parameters, List<RtcpFb> rtcpFeedback, List<OpaqueElement> extensions) {
    public static final String ELEMENT = "payload-type";

    public PayloadType {
        if (id < 0 || id > 127) {
            throw new IllegalArgumentException("payload type id out of range: " + id);
        }
        parameters = List.copyOf(parameters);
        rtcpFeedback = List.copyOf(rtcpFeedback);
        extensions = List.copyOf(extensions);
    }

    public PayloadType(int id, String name, Integer clockrate, Integer channels, List<Parameter> parameters,
                       List<RtcpFb> rtcpFeedback) {
        this(id, name, clockrate, channels, null, null, parameters, rtcpFeedback, List.of());
    }

    /** The value of the first parameter with that name, or null. */
    public String parameter(String parameterName) {
        for (Parameter p : parameters) {
            if (Objects.equals(p.name(), parameterName)) {
                return p.value();
            }
        }
        return null;
    }

    public static PayloadType parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.RTP);
        int id = Xml.requireInt(e, "id");
        if (id < 0 || id > 127) {
            throw Xml.error(e, "id", "payload type " + id + " is outside 0-127");
        }
        List<Parameter> parameters = new ArrayList<>();
        List<RtcpFb> fbs = new ArrayList<>();
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (c.getName().equals(Parameter.ELEMENT)
                && (c.getNamespaceURI().equals(Ns.RTP) || c.getNamespaceURI().isEmpty())) {
                parameters.add(Parameter.parse(c));
            } else if (Xml.is(c, RtcpFb.ELEMENT, Ns.RTCP_FB)) {
                fbs.add(RtcpFb.parse(c));
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        return new PayloadType(id, Xml.attr(e, "name"), Xml.intAttr(e, "clockrate"), Xml.intAttr(e, "channels"),
            Xml.intAttr(e, "ptime"), Xml.intAttr(e, "maxptime"), parameters, fbs, extensions);
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
        Xml.set(e, "id", id);
        Xml.set(e, "name", name);
        Xml.set(e, "clockrate", clockrate);
        Xml.set(e, "channels", channels);
        Xml.set(e, "ptime", ptime);
        Xml.set(e, "maxptime", maxptime);
        for (Parameter p : parameters) {
            p.appendTo(e, Ns.RTP);
        }
        for (RtcpFb fb : rtcpFeedback) {
            fb.appendTo(e);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
