package org.parley.jingle.xml;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.dom4j.Document;
import org.dom4j.DocumentException;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.dom4j.QName;
import org.dom4j.io.SAXReader;

/**
 * Reading and writing the model's elements with dom4j. Every failure becomes a {@link JingleParseException} naming the
 * element path and attribute, so no malformed stanza surfaces later as a NullPointerException or
 * NumberFormatException.
 */
public final class Xml {
    private Xml() {
    }

    // ---------------------------------------------------------------- reading

    /** Slash-separated local names from the outermost ancestor to {@code e}. */
    public static String path(Element e) {
        StringBuilder sb = new StringBuilder(e.getName());
        for (Element p = e.getParent(); p != null; p = p.getParent()) {
            sb.insert(0, p.getName() + "/");
        }
        return sb.toString();
    }

    public static JingleParseException error(Element e, String attribute, String problem) {
        return new JingleParseException(path(e), attribute, problem);
    }

    public static boolean is(Element e, String name, String namespace) {
        return e.getName().equals(name) && e.getNamespaceURI().equals(namespace);
    }

    /** Fails unless {@code e} is {@code <name xmlns='namespace'>}. */
    public static void expect(Element e, String name, String namespace) {
        if (e == null) {
            throw new JingleParseException(name, null, "element is missing");
        }
        if (!is(e, name, namespace)) {
            throw error(e, null, "expected <" + name + " xmlns='" + namespace + "'>, got <" + e.getName()
                + " xmlns='" + e.getNamespaceURI() + "'>");
        }
    }

    /** The child elements, in document order (text and comments skipped). */
    public static List<Element> children(Element e) {
        return e.elements();
    }

    /** The first child with that local name and namespace, or null. */
    public static Element child(Element e, String name, String namespace) {
        for (Element c : e.elements()) {
            if (is(c, name, namespace)) {
                return c;
            }
        }
        return null;
    }

    /** An attribute without a namespace, or null when absent. */
    public static String attr(Element e, String name) {
        return e.attributeValue(name);
    }

    public static String requireAttr(Element e, String name) {
        String v = e.attributeValue(name);
        if (v == null) {
            throw error(e, name, "missing required attribute");
        }
        return v;
    }

    /** A required attribute that must also not be empty or only whitespace (ids, names). */
    public static String requireNonBlank(Element e, String name) {
        String v = requireAttr(e, name);
        if (v.isBlank()) {
            throw error(e, name, "must not be blank");
        }
        return v;
    }

    public static Integer intAttr(Element e, String name) {
        String v = e.attributeValue(name);
        return v == null ? null : parseInt(e, name, v);
    }

    public static int requireInt(Element e, String name) {
        return parseInt(e, name, requireAttr(e, name));
    }

    public static Long longAttr(Element e, String name) {
        String v = e.attributeValue(name);
        return v == null ? null : parseLong(e, name, v);
    }

    public static long requireLong(Element e, String name) {
        return parseLong(e, name, requireAttr(e, name));
    }

    /** An RTP SSRC: an unsigned 32-bit value written in decimal. */
    public static Long ssrcAttr(Element e, String name) {
        Long v = longAttr(e, name);
        if (v != null && (v < 0 || v > 0xFFFF_FFFFL)) {
            throw error(e, name, "'" + v + "' is not a 32-bit unsigned SSRC");
        }
        return v;
    }

    public static long requireSsrc(Element e, String name) {
        requireAttr(e, name);
        return ssrcAttr(e, name);
    }

    /** XML boolean: true/false (any case) or 1/0; {@code dflt} when absent. */
    public static boolean boolAttr(Element e, String name, boolean dflt) {
        Boolean b = optBoolAttr(e, name);
        return b == null ? dflt : b;
    }

    public static Boolean optBoolAttr(Element e, String name) {
        String v = e.attributeValue(name);
        if (v == null) {
            return null;
        }
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true":
            case "1":
                return Boolean.TRUE;
            case "false":
            case "0":
                return Boolean.FALSE;
            default:
                throw error(e, name, "'" + v + "' is not a boolean");
        }
    }

    /** A value of a closed set; an unknown value is an error naming the allowed ones. */
    public static <E extends Enum<E> & WireValue> E closedEnum(Element e, String name, Class<E> type, boolean required) {
        String v = required ? requireAttr(e, name) : e.attributeValue(name);
        if (v == null) {
            return null;
        }
        for (E c : type.getEnumConstants()) {
            if (v.equals(c.wire())) {
                return c;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (E c : type.getEnumConstants()) {
            allowed.add(c.wire());
        }
        throw error(e, name, "'" + v + "' is not one of " + allowed);
    }

    /** The enum constant for a wire value, or {@code unknown} when the value is not one of the known ones. */
    public static <E extends Enum<E> & WireValue> E openEnum(Class<E> type, String wire, E unknown) {
        for (E c : type.getEnumConstants()) {
            if (c.wire() != null && c.wire().equals(wire)) {
                return c;
            }
        }
        return unknown;
    }

    /**
     * The element's text with surrounding whitespace removed (inner whitespace kept: dom4j's getTextTrim() would
     * also collapse it).
     */
    public static String text(Element e) {
        return e.getText().strip();
    }

    private static int parseInt(Element e, String name, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException ex) {
            throw error(e, name, "'" + v + "' is not an integer");
        }
    }

    private static long parseLong(Element e, String name, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException ex) {
            throw error(e, name, "'" + v + "' is not an integer");
        }
    }

    // ---------------------------------------------------------------- writing

    /** A new detached element in a namespace. */
    public static Element create(String name, String namespace) {
        return DocumentHelper.createElement(QName.get(name, namespace));
    }

    /** Appends a new child element in a namespace. */
    public static Element add(Element parent, String name, String namespace) {
        return parent.addElement(QName.get(name, namespace));
    }

    /** Sets an attribute when the value is not null. */
    public static void set(Element e, String name, Object value) {
        if (value != null) {
            e.addAttribute(name, value.toString());
        }
    }

    /** Writes {@code name='true'} only when the flag is set (Jitsi's convention for default-false flags). */
    public static void setIfTrue(Element e, String name, boolean value) {
        if (value) {
            e.addAttribute(name, "true");
        }
    }

    /** Writes {@code name='false'} only when the flag is cleared (for default-true flags). */
    public static void setIfFalse(Element e, String name, boolean value) {
        if (!value) {
            e.addAttribute(name, "false");
        }
    }

    /**
     * Sets an element's text; an empty string adds no text node, so the element serializes as {@code <x/>} both
     * before and after a round trip.
     */
    public static void setText(Element e, String text) {
        if (text != null && !text.isEmpty()) {
            e.setText(text);
        }
    }

    // ---------------------------------------------------------------- text form

    /** The element as XML text, with the namespace declarations it needs. */
    public static String toXml(Element e) {
        return e.asXML();
    }

    /** Parses XML text (one element, e.g. a stanza) into a detached dom4j element. */
    public static Element parse(String xml) {
        try {
            // createDefault(): no DTD loading, no external entities.
            Document doc = SAXReader.createDefault().read(new StringReader(xml));
            Element root = doc.getRootElement();
            root.detach();
            return root;
        } catch (DocumentException ex) {
            throw new JingleParseException("(document)", null, "not well-formed XML: " + ex.getMessage());
        }
    }
}
