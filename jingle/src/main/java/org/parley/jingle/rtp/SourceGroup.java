package org.parley.jingle.rtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * XEP-0339 {@code <ssrc-group xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' semantics='SIM'><source ssrc='1'/>...}.
 * Semantics Jitsi uses: {@code SIM} (simulcast layers, low to high), {@code FID} (a stream and its RTX),
 * {@code FEC-FR}. Kept as a string: the set is open.
 */
public record SourceGroup(String semantics, List<Long> ssrcs) {
    public static final String ELEMENT = "ssrc-group";
    public static final String SIM = "SIM";
    public static final String FID = "FID";

    public SourceGroup {
        Objects.requireNonNull(semantics, "semantics");
        ssrcs = List.copyOf(ssrcs);
    }

    public static SourceGroup parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.SSMA);
        List<Long> ssrcs = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (c.getName().equals("source")) {
                ssrcs.add(Xml.requireSsrc(c, "ssrc"));
            }
        }
        return new SourceGroup(Xml.requireAttr(e, "semantics"), ssrcs);
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.SSMA);
        Xml.set(e, "semantics", semantics);
        for (Long ssrc : ssrcs) {
            Xml.set(Xml.add(e, "source", Ns.SSMA), "ssrc", ssrc);
        }
    }
}
