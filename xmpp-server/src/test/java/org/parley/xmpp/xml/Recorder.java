package org.parley.xmpp.xml;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.dom4j.Attribute;
import org.dom4j.Element;
import org.dom4j.Namespace;
import org.dom4j.Node;

/** Listener that records what the framer reports, as comparable strings and as the objects themselves. */
final class Recorder implements XmlStreamListener {
    final List<String> events = new ArrayList<>();
    final List<Element> elements = new ArrayList<>();
    final List<StreamHeader> headers = new ArrayList<>();
    Consumer<Element> onElement = e -> { };

    @Override
    public void streamOpened(StreamHeader header) {
        headers.add(header);
        events.add("open " + header);
    }

    @Override
    public void element(Element element) {
        elements.add(element);
        events.add("element " + dump(element));
        onElement.accept(element);
    }

    @Override
    public void streamClosed() {
        events.add("close");
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Structure of an element, independent of XmlWriter: expanded names, attributes, extra namespace
     * declarations and text nodes (adjacent ones joined, as the parser is free to split them).
     */
    static String dump(Element e) {
        StringBuilder out = new StringBuilder();
        dump(e, out);
        return out.toString();
    }

    private static void dump(Element e, StringBuilder out) {
        out.append("{").append(e.getNamespaceURI()).append("}").append(e.getName());
        if (!e.getNamespacePrefix().isEmpty()) {
            out.append("[prefix=").append(e.getNamespacePrefix()).append(']');
        }
        out.append('(');
        for (int i = 0; i < e.attributeCount(); i++) {
            Attribute a = e.attribute(i);
            out.append(" {").append(a.getNamespaceURI()).append('}').append(a.getName())
                    .append("=\"").append(a.getValue()).append('"');
        }
        out.append(" )[");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < e.nodeCount(); i++) {
            Node n = e.node(i);
            if (n instanceof Element child) {
                flush(text, out);
                dump(child, out);
            } else if (n instanceof Namespace ns) {
                out.append("ns:").append(ns.getPrefix()).append('=').append(ns.getURI()).append(' ');
            } else if (n.getNodeType() == Node.TEXT_NODE || n.getNodeType() == Node.CDATA_SECTION_NODE) {
                text.append(n.getText());
            }
        }
        flush(text, out);
        out.append(']');
    }

    private static void flush(StringBuilder text, StringBuilder out) {
        if (text.length() > 0) {
            out.append('"').append(text).append('"');
            text.setLength(0);
        }
    }
}
