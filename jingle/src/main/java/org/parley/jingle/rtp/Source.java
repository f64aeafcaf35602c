package org.parley.jingle.rtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * An RTP source (XEP-0339) with Jitsi's additions:
 * {@code <source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='1234' name='abcd1234-v0' videoType='camera'>
 * <parameter name='msid' value='...'/><ssrc-info xmlns='http://jitsi.org/jitmeet' owner='room@conf/abcd1234'/>
 * </source>}.
 *
 * @param ssrc      the SSRC (unsigned 32-bit), or null for a RID-only source
 * @param rid       RID of a simulcast layer (browsers that use RIDs), or null
 * @param name      Jitsi source name, {@code <endpoint>-a0} / {@code <endpoint>-v0} ({@code jvb-a0} for the bridge)
 * @param videoType {@code camera} or {@code desktop}; lib-jitsi-meet's attribute, kept as sent
 * @param owner     the {@code owner} of Jitsi's {@code <ssrc-info>}: the occupant JID, or {@code jvb}; null if absent
 * @param parameters source attributes, e.g. {@code msid}
 */
public record Source(Long ssrc, String rid, String name, String videoType, String owner, List<Parameter> parameters,
                     List<OpaqueElement> extensions) {
    public static final String ELEMENT = "source";
    /** The owner Jicofo writes on the bridge's own (feedback) sources. */
    public static final String OWNER_JVB = "jvb";

    public Source {
        if (ssrc == null && rid == null) {
            throw new IllegalArgumentException("a source needs an ssrc or a rid");
        }
        if (ssrc != null && (ssrc < 0 || ssrc > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException("ssrc out of range: " + ssrc);
        }
        parameters = List.copyOf(parameters);
        extensions = List.copyOf(extensions);
    }

    public Source(long ssrc, String name, String videoType, String owner) {
        this(ssrc, null, name, videoType, owner, List.of(), List.of());
    }

    public Source withOwner(String newOwner) {
        return new Source(ssrc, rid, name, videoType, newOwner, parameters, extensions);
    }

    /** The value of the first parameter with that name (e.g. {@code msid}), or null. */
    public String parameter(String parameterName) {
        for (Parameter p : parameters) {
            if (Objects.equals(p.name(), parameterName)) {
                return p.value();
            }
        }
        return null;
    }

    public static Source parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.SSMA);
        Long ssrc = Xml.ssrcAttr(e, "ssrc");
        String rid = Xml.attr(e, "rid");
        if (ssrc == null && rid == null) {
            throw Xml.error(e, "ssrc", "missing required attribute (a source needs ssrc or rid)");
        }
        String owner = null;
        List<Parameter> parameters = new ArrayList<>();
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (c.getName().equals(Parameter.ELEMENT)) {
                parameters.add(Parameter.parse(c));
            } else if (Xml.is(c, "ssrc-info", Ns.JITMEET) && owner == null) {
                owner = Xml.requireAttr(c, "owner");
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        return new Source(ssrc, rid, Xml.attr(e, "name"), Xml.attr(e, "videoType"), owner, parameters, extensions);
    }

    /**
     * Appends the source. Parameters are written in the XEP-0339 namespace (lib-jitsi-meet's form; readers match
     * {@code <parameter>} by local name).
     */
    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.SSMA);
        Xml.set(e, "ssrc", ssrc);
        Xml.set(e, "rid", rid);
        Xml.set(e, "name", name);
        Xml.set(e, "videoType", videoType);
        for (Parameter p : parameters) {
            p.appendTo(e, Ns.SSMA);
        }
        if (owner != null) {
            Xml.set(Xml.add(e, "ssrc-info", Ns.JITMEET), "owner", owner);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
