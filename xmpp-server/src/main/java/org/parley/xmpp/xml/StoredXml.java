package org.parley.xmpp.xml;

import java.nio.charset.StandardCharsets;
import org.dom4j.Element;

/**
 * Reads XML the server wrote itself and stored (hand-over state, offline messages), as untrusted text all the same:
 * no DTDs, no entities, bounded nesting.
 *
 * <p>With the parser the wire uses ({@link XmlFramer}, Aalto), not a SAX parser: a restart decodes a snapshot of
 * every session while every client waits, and the JDK's parser, used for nothing else, would be loaded and compiled
 * for those seconds alone, while this one is warm for the clients who resume right after.
 */
public final class StoredXml {
    /** Nesting of a session's snapshot: the session, its queue, a stanza, and the stanza's own (bounded) depth. */
    private static final int MAX_DEPTH = 256;

    private StoredXml() {}

    /** The root element of {@code text}; IllegalArgumentException when it is not one well-formed element. */
    public static Element parse(String text) {
        Element[] parsed = new Element[1];
        int[] count = new int[1];
        XmlFramer framer = new XmlFramer(XmlFramer.Mode.FRAGMENTS, XmlLimits.ownOutput(MAX_DEPTH), new XmlStreamListener() {
            @Override public void streamOpened(StreamHeader header) { }

            @Override
            public void element(Element element) {
                if (count[0]++ == 0) parsed[0] = element;
            }

            @Override public void streamClosed() { }
        });
        try {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            framer.feed(bytes, 0, bytes.length);
            // release() is true only when the input ended between elements: nothing cut short after the one.
            if (parsed[0] == null || count[0] != 1 || !framer.release()) {
                throw new IllegalArgumentException("unreadable stored XML: not one whole element");
            }
            return parsed[0];
        } catch (XmlStreamException e) {
            throw new IllegalArgumentException("unreadable stored XML: " + e.getMessage(), e);
        } finally {
            framer.close();
        }
    }
}
