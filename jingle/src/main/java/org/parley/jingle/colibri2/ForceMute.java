package org.parley.jingle.colibri2;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * COLIBRI2 {@code <force-mute audio='true' video='true'/>}: the bridge drops the endpoint's audio and/or video (the
 * participant is muted by a moderator or by start-muted). Each flag is written only when true.
 */
public record ForceMute(boolean audio, boolean video) {
    public static final String ELEMENT = "force-mute";

    public static ForceMute parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI2);
        return new ForceMute(Xml.boolAttr(e, "audio", false), Xml.boolAttr(e, "video", false));
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.COLIBRI2);
        Xml.setIfTrue(e, "audio", audio);
        Xml.setIfTrue(e, "video", video);
    }
}
