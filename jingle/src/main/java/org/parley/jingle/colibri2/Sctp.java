package org.parley.jingle.colibri2;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * COLIBRI2 {@code <sctp port='5000' role='server'/>} in a transport: the focus asks for an SCTP data channel with an
 * empty {@code <sctp/>}; the bridge answers with its port and role.
 */
public record Sctp(Integer port, SctpRole role) {
    public static final String ELEMENT = "sctp";

    /** An empty {@code <sctp/>}: "use SCTP". */
    public static Sctp requested() {
        return new Sctp(null, null);
    }

    public static Sctp parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI2);
        return new Sctp(Xml.intAttr(e, "port"), Xml.closedEnum(e, "role", SctpRole.class, false));
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.COLIBRI2);
        Xml.set(e, "port", port);
        if (role != null) {
            Xml.set(e, "role", role.wire());
        }
    }
}
