package org.parley.xmpp.im;

import java.util.LinkedHashSet;
import java.util.Set;
import org.dom4j.Element;
import org.parley.storage.RosterItem;

/** The {@code <item/>} form of a roster entry. */
final class RosterXml {
    private RosterXml() {}

    static void appendItem(Element query, RosterItem item) {
        Element e = query.addElement("item").addAttribute("jid", item.contact())
                .addAttribute("subscription", item.subscription().xmlValue());
        if (item.name() != null && !item.name().isEmpty()) e.addAttribute("name", item.name());
        if (item.askOut()) e.addAttribute("ask", "subscribe");
        for (String g : item.groups()) e.addElement("group").setText(g);
    }

    static Set<String> groups(Element item) {
        Set<String> groups = new LinkedHashSet<>();
        for (Element g : item.elements("group")) groups.add(g.getTextTrim());
        return groups;
    }
}
