package org.parley.jingle.colibri2;

import java.util.ArrayList;
import java.util.List;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * COLIBRI2 {@code <sources>}. Present-but-empty and absent differ: an endpoint with {@code <sources/>} has no sources
 * any more, one without the element keeps its sources. Hence this wrapper (null = absent).
 */
public record Sources(List<MediaSource> mediaSources) {
    public static final String ELEMENT = "sources";

    public Sources {
        mediaSources = List.copyOf(mediaSources);
    }

    public static Sources parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI2);
        List<MediaSource> list = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (Xml.is(c, MediaSource.ELEMENT, Ns.COLIBRI2)) {
                list.add(MediaSource.parse(c));
            }
        }
        return new Sources(list);
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.COLIBRI2);
        for (MediaSource m : mediaSources) {
            m.appendTo(e);
        }
    }
}
