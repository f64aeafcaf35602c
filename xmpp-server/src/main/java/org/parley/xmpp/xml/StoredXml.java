package org.parley.xmpp.xml;

import java.io.StringReader;
import org.dom4j.DocumentException;
import org.dom4j.Element;
import org.dom4j.io.SAXReader;

/** Reads XML the server wrote itself and stored (hand-over state), as untrusted text all the same: no DTDs, no entities. */
public final class StoredXml {
    /**
     * One reader per thread: making a reader looks the SAX parser up again, which costs milliseconds, and a restart
     * reads thousands of these while every client waits.
     */
    private static final ThreadLocal<SAXReader> READER = ThreadLocal.withInitial(() -> {
        try {
            SAXReader reader = new SAXReader();
            reader.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            reader.setFeature("http://xml.org/sax/features/external-general-entities", false);
            return reader;
        } catch (org.xml.sax.SAXException e) {
            throw new IllegalStateException("the XML parser cannot be made safe: " + e.getMessage(), e);
        }
    });

    private StoredXml() {}

    /** The root element of {@code text}; IllegalArgumentException when it is not well-formed. */
    public static Element parse(String text) {
        try {
            return READER.get().read(new StringReader(text)).getRootElement();
        } catch (DocumentException e) {
            throw new IllegalArgumentException("unreadable stored XML: " + e.getMessage(), e);
        }
    }
}
