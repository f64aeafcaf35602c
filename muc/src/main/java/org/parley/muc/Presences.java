package org.parley.muc;

import org.dom4j.Element;

/** The presence stanzas a room sends about its occupants (XEP-0045 sections 7 to 10). */
final class Presences {
    private Presences() {}

    /**
     * What a presence says about an occupant beyond its own content. {@code role} and {@code affiliation} are
     * those after the change; {@code codes} go to every recipient.
     */
    record Change(boolean unavailable, Element payload, Affiliation affiliation, Role role, String newNick,
                  String actorNick, String reason, Element destroy, int... codes) {

        static Change of(Occupant o) {
            return new Change(false, o.payload, o.affiliation, o.role, null, null, null, null);
        }

        static Change leave(Occupant o, Element payload, int... codes) {
            return new Change(true, payload, o.affiliation, Role.NONE, null, null, null, null, codes);
        }
    }

    /** The occupant's current available presence, as every other occupant sees it. */
    static Element available(Occupant o, boolean withJid) {
        return build(o, Change.of(o), withJid, null, null);
    }

    /**
     * The presence about {@code o}; {@code selfCodes} non-null makes it the copy for {@code o} itself (status
     * 110 and whatever else only it gets), {@code id} is then the id of the presence it sent (XEP-0045 stable ids).
     */
    static Element build(Occupant o, Change c, boolean withJid, int[] selfCodes, String id) {
        Element p = Ns.element("presence", Ns.CLIENT);
        p.addAttribute("from", o.occupantJid.toString());
        if (id != null) p.addAttribute("id", id);
        if (c.unavailable()) p.addAttribute("type", "unavailable");
        if (c.payload() != null) {
            for (Element child : c.payload().elements()) p.add(child.createCopy());
        }
        Element x = Ns.add(p, "x", Ns.USER);
        Element item = x.addElement("item");
        item.addAttribute("affiliation", c.affiliation().xml());
        item.addAttribute("role", c.role().xml());
        if (withJid) item.addAttribute("jid", o.realJid.toString());
        if (c.newNick() != null) item.addAttribute("nick", c.newNick());
        if (c.actorNick() != null) item.addElement("actor").addAttribute("nick", c.actorNick());
        if (c.reason() != null) item.addElement("reason").setText(c.reason());
        if (c.destroy() != null) x.add(c.destroy().createCopy());
        if (selfCodes != null) for (int code : selfCodes) status(x, code);
        for (int code : c.codes()) status(x, code);
        Ns.add(p, "occupant-id", Ns.OCCUPANT_ID).addAttribute("id", o.occupantId);
        return p;
    }

    static void status(Element x, int code) {
        x.addElement("status").addAttribute("code", Integer.toString(code));
    }

    /**
     * The client's presence content a room keeps and passes on untouched: everything except the MUC elements
     * the room itself adds or consumes, and an occupant-id the client may have tried to forge (XEP-0421).
     */
    static Element payload(Element presence) {
        Element keep = Ns.element("presence", Ns.CLIENT);
        for (Element child : presence.elements()) {
            String ns = child.getNamespaceURI();
            if (ns.equals(Ns.MUC) || ns.equals(Ns.USER) || ns.equals(Ns.OCCUPANT_ID)) continue;
            if (child.getName().equals("error") && ns.equals(Ns.CLIENT)) continue;
            keep.add(child.createCopy());
        }
        return keep;
    }
}
