package org.parley.xmpp.session;

import java.nio.charset.StandardCharsets;
import org.dom4j.Element;
import org.parley.xmpp.xml.XmlWriter;

/**
 * One stanza for many recipients (a MUC presence or message to every occupant): serialized once, without
 * its {@code to}, and written to each recipient as head + {@code to='...'} + tail. Immutable once built, so
 * every event loop may share it. The element must not change after it was handed over.
 */
public final class SharedStanza {
    private final Element element;
    private volatile Parts forStream;
    private volatile Parts standalone;

    /** The serialized halves around the {@code to} attribute, in UTF-8. */
    public record Parts(byte[] head, byte[] tail) {}

    public SharedStanza(Element element) {
        if (element.attribute("to") != null) {
            element = element.createCopy();
            element.addAttribute("to", null);
        }
        this.element = element;
    }

    /** The element without {@code to}; do not modify it. */
    public Element element() {
        return element;
    }

    /** The element addressed to one recipient, for the few paths that need a tree (re-sending, re-routing). */
    public Element addressed(String to) {
        Element copy = element.createCopy();
        copy.addAttribute("to", to);
        return copy;
    }

    /** The halves for a stream whose default namespace is {@code defaultNs}; computed once per kind. */
    public Parts parts(String defaultNs) {
        boolean stream = !defaultNs.isEmpty();
        Parts p = stream ? forStream : standalone;
        if (p == null) {
            String xml = XmlWriter.toXml(element, defaultNs);
            // The root's name ends at the first space, '/' or '>'; "to" goes right after it.
            int cut = 1;
            while (cut < xml.length() && " />".indexOf(xml.charAt(cut)) < 0) cut++;
            p = new Parts(xml.substring(0, cut).getBytes(StandardCharsets.UTF_8),
                    xml.substring(cut).getBytes(StandardCharsets.UTF_8));
            if (stream) forStream = p; else standalone = p;
        }
        return p;
    }

    /**
     * The whole stanza for one recipient as bytes: the shared halves wrapped around this recipient's own address,
     * nothing else copied.
     */
    public io.netty.buffer.ByteBuf wire(String to, String defaultNs) {
        Parts p = parts(defaultNs);
        StringBuilder address = new StringBuilder(to.length() + 6).append(" to='");
        XmlWriter.appendAttribute(address, to);
        address.append('\'');
        return io.netty.buffer.Unpooled.wrappedBuffer(p.head, address.toString().getBytes(StandardCharsets.UTF_8), p.tail);
    }

    /** The whole stanza for one recipient as text. */
    public String render(String to, String defaultNs) {
        Parts p = parts(defaultNs);
        StringBuilder sb = new StringBuilder(p.head.length + p.tail.length + to.length() + 8);
        sb.append(new String(p.head, StandardCharsets.UTF_8)).append(" to='");
        XmlWriter.appendAttribute(sb, to);
        return sb.append('\'').append(new String(p.tail, StandardCharsets.UTF_8)).toString();
    }
}
