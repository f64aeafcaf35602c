package org.parley.jingle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * XEP-0338 {@code <group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'><content name='audio'/>...}.
 * lib-jitsi-meet always bundles {@code audio video data}.
 */
public record Group(String semantics, List<String> contentNames) {
    public static final String ELEMENT = "group";
    public static final String BUNDLE = "BUNDLE";

    public Group {
        Objects.requireNonNull(semantics, "semantics");
        contentNames = List.copyOf(contentNames);
    }

    public static Group bundle(List<String> contentNames) {
        return new Group(BUNDLE, contentNames);
    }

    public static Group parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.GROUPING);
        // XEP-0338 says 'semantics'; its first version said 'type', and lib-jitsi-meet still reads either.
        String semantics = Xml.attr(e, "semantics");
        if (semantics == null) {
            semantics = Xml.attr(e, "type");
        }
        if (semantics == null) {
            throw Xml.error(e, "semantics", "missing required attribute");
        }
        List<String> names = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            if (c.getName().equals("content")) {
                names.add(Xml.requireAttr(c, "name"));
            }
        }
        return new Group(semantics, names);
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.GROUPING);
        Xml.set(e, "semantics", semantics);
        for (String name : contentNames) {
            Xml.set(Xml.add(e, "content", Ns.GROUPING), "name", name);
        }
    }
}
