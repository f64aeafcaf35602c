package org.parley.jingle.xml;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Attribute;
import org.dom4j.Element;
import org.dom4j.Node;

/**
 * An XML element the model does not interpret, kept so that a round trip is lossless where the protocol allows
 * extensions (e.g. {@code <startmuted/>} in a Jingle IQ, {@code <rtcp-fb-trr-int/>} in a description,
 * {@code <connects/>} in a conference-modify).
 *
 * <p>Immutable: it holds its own detached deep copy and hands out copies. Two opaque elements are equal when they are
 * the same XML: same namespace and local name, same attributes in any order, same child elements in order, same
 * text (whitespace-only text between child elements is formatting and is ignored).
 */
public final class OpaqueElement {
    private final Element element;
    private final String canonical;

    private OpaqueElement(Element element) {
        this.element = element;
        this.canonical = canonical(element);
    }

    /** Wraps a deep copy of {@code e}; later changes to {@code e} do not show. */
    public static OpaqueElement of(Element e) {
        Element copy = e.createCopy();
        normalize(copy);
        return new OpaqueElement(copy);
    }

    /** Parses one element from XML text. */
    public static OpaqueElement parse(String xml) {
        return new OpaqueElement(Xml.parse(xml));
    }

    /**
     * Keeps serialization canonical: empty text nodes (from {@code setText("")}) and namespace declaration nodes
     * (a parser records {@code xmlns} as content) would make an empty element serialize as {@code <x></x>}. The
     * writer declares the namespaces element and attribute names need; declarations used only inside attribute
     * values are not kept.
     */
    private static void normalize(Element e) {
        List<Node> content = e.content();
        content.removeIf(n -> n.getNodeType() == Node.NAMESPACE_NODE
            || (n.getNodeType() == Node.TEXT_NODE && n.getText().isEmpty()));
        for (Element c : e.elements()) {
            normalize(c);
        }
    }

    public String name() {
        return element.getName();
    }

    public String namespace() {
        return element.getNamespaceURI();
    }

    /** A fresh detached copy of the element. */
    public Element toElement() {
        return element.createCopy();
    }

    /** Appends a copy of the element to {@code parent}. */
    public void appendTo(Element parent) {
        parent.add(element.createCopy());
    }

    public boolean is(String name, String namespace) {
        return Xml.is(element, name, namespace);
    }

    /** The element's trimmed text. */
    public String text() {
        return element.getText().strip();
    }

    /** An attribute of the element, or null. */
    public String attribute(String name) {
        return element.attributeValue(name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OpaqueElement other && canonical.equals(other.canonical);
    }

    @Override
    public int hashCode() {
        return canonical.hashCode();
    }

    @Override
    public String toString() {
        return element.asXML();
    }

    private static String canonical(Element e) {
        StringBuilder sb = new StringBuilder();
        canonical(e, sb);
        return sb.toString();
    }

    private static void canonical(Element e, StringBuilder sb) {
        sb.append('<').append('{').append(e.getNamespaceURI()).append('}').append(e.getName());
        List<String> attrs = new ArrayList<>();
        for (Attribute a : e.attributes()) {
            attrs.add('{' + a.getNamespaceURI() + '}' + a.getName() + '=' + quote(a.getValue()));
        }
        attrs.sort(null);
        for (String a : attrs) {
            sb.append(' ').append(a);
        }
        sb.append('>');
        boolean hasChildren = !e.elements().isEmpty();
        StringBuilder text = new StringBuilder();
        for (Node n : e.content()) {
            if (n instanceof Element child) {
                flushText(text, hasChildren, sb);
                canonical(child, sb);
            } else if (n.getNodeType() == Node.TEXT_NODE || n.getNodeType() == Node.CDATA_SECTION_NODE
                || n.getNodeType() == Node.ENTITY_REFERENCE_NODE) {
                text.append(n.getText());
            }
        }
        flushText(text, hasChildren, sb);
        sb.append("</>");
    }

    /** Adjacent text nodes count as one; whitespace-only text between child elements is formatting. */
    private static void flushText(StringBuilder text, boolean hasChildren, StringBuilder sb) {
        if (text.length() > 0 && !(hasChildren && text.toString().isBlank())) {
            sb.append(quote(text.toString()));
        }
        text.setLength(0);
    }

    private static String quote(String s) {
        return '"' + Objects.toString(s, "").replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
