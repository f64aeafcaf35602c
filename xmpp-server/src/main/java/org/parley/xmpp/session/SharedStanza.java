package org.parley.xmpp.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.dom4j.Element;
import org.parley.xmpp.xml.XmlWriter;

/**
 * One stanza for many recipients (a MUC presence or message to every occupant): serialized once, without
 * its {@code to}, and written to each recipient as head + {@code to='...'} + tail. Immutable once built, so
 * every event loop may share it. The element must not change after it was handed over.
 */
public final class SharedStanza {
    private static final byte[] TO = " to='".getBytes(StandardCharsets.US_ASCII);
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
     * The whole stanza for one recipient, in one buffer from {@code alloc} (direct and pooled on the event loops):
     * the bytes TLS encrypts or the socket writes without another copy, and no objects beyond the buffer.
     */
    public ByteBuf encode(ByteBufAllocator alloc, String to, String defaultNs) {
        byte[] address = addressBytes(to);
        int length = encodedLength(address, defaultNs);
        ByteBuf out = alloc.buffer(length, length);
        encodeInto(out, address, defaultNs);
        return out;
    }

    /** A recipient's address as it goes into the {@code to} attribute: escaped, in UTF-8. */
    public static byte[] addressBytes(String to) {
        return XmlWriter.escapeAttribute(to).getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes {@link #encodeInto} writes for an address from {@link #addressBytes}. */
    public int encodedLength(byte[] address, String defaultNs) {
        Parts p = parts(defaultNs);
        return p.head.length + TO.length + address.length + 1 + p.tail.length;
    }

    /** The whole stanza for one recipient, appended to {@code out}, which has room for it. */
    public void encodeInto(ByteBuf out, byte[] address, String defaultNs) {
        Parts p = parts(defaultNs);
        out.writeBytes(p.head).writeBytes(TO).writeBytes(address).writeByte('\'').writeBytes(p.tail);
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
