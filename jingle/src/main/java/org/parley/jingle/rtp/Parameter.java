package org.parley.jingle.rtp;

import org.dom4j.Element;
import org.parley.jingle.xml.Xml;

/**
 * A {@code <parameter name value/>}: an fmtp parameter of a payload type (XEP-0167) or a source attribute such as
 * {@code msid} (XEP-0339). Both strings are kept exactly as sent: their meaning is codec-specific.
 *
 * <p>The name may be absent: Jicofo offers RED as {@code <parameter value='111/111'/>} (the RFC 2198 fmtp line has no
 * name). The value may be absent too (an SDP {@code a=ssrc:1 foo} attribute without value). One of them must be there.
 */
public record Parameter(String name, String value) {
    public static final String ELEMENT = "parameter";

    public Parameter {
        if (name == null && value == null) {
            throw new IllegalArgumentException("a parameter needs a name or a value");
        }
    }

    /** Parses a {@code <parameter>} of any namespace (Jitsi writes the source's one in the RTP namespace). */
    public static Parameter parse(Element e) {
        String name = Xml.attr(e, "name");
        String value = Xml.attr(e, "value");
        if (name == null && value == null) {
            throw Xml.error(e, "name", "parameter has neither name nor value");
        }
        return new Parameter(name, value);
    }

    public void appendTo(Element parent, String namespace) {
        Element e = Xml.add(parent, ELEMENT, namespace);
        Xml.set(e, "name", name);
        Xml.set(e, "value", value);
    }
}
