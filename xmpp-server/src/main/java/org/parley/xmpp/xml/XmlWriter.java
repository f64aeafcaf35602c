package org.parley.xmpp.xml;

import java.util.Arrays;
import org.dom4j.Attribute;
import org.dom4j.CharacterData;
import org.dom4j.Comment;
import org.dom4j.Element;
import org.dom4j.Entity;
import org.dom4j.Namespace;
import org.dom4j.Node;
import org.dom4j.QName;
import org.parley.xmpp.stream.StreamErrorCondition;

/**
 * Compact serialisation of stanzas and stream framing. Attributes are always single-quoted; no XML declaration
 * and no whitespace is added. Comments and processing instructions in the tree are dropped since XMPP peers
 * must not send them.
 */
public final class XmlWriter {

    private static final String XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace";

    private XmlWriter() {
    }

    /**
     * Serialises {@code e}. Its namespace is declared unless it equals {@code enclosingDefaultNs}, the default
     * namespace in force where the output goes (the stream's, e.g. jabber:client); pass "" to always declare it.
     * A root element in no namespace (as Tinder creates them) gets no xmlns and so takes the enclosing default.
     */
    private static final java.util.Set<String> STANZAS = java.util.Set.of("message", "presence", "iq");

    public static String toXml(Element e, String enclosingDefaultNs) {
        StringBuilder out = new StringBuilder(256);
        appendXml(out, e, enclosingDefaultNs);
        return out.toString();
    }

    /** As {@link #toXml(Element, String)}, appending to {@code out}. */
    public static void appendXml(StringBuilder out, Element e, String enclosingDefaultNs) {
        String enclosing = enclosingDefaultNs == null ? "" : enclosingDefaultNs;
        QName q = e.getQName();
        boolean qualifyAsClient = false;
        if (q.getNamespaceURI().isEmpty() && q.getNamespacePrefix().isEmpty()) {
            // Tinder builds packets in no namespace (new Message() is a bare <message>), meaning "whatever the
            // stream's default is"; writing xmlns='' would move them out of jabber:client. So an unqualified root
            // is written unqualified, and its unqualified descendants with it.
            // Where no stream supplies a default (WebSocket frames, BOSH bodies, stored stanzas), a stanza must
            // still say it is jabber:client (RFC 7395 section 3.3.3, XEP-0206 section 1).
            qualifyAsClient = enclosing.isEmpty() && STANZAS.contains(q.getName());
            enclosing = "";
        }
        int start = out.length();
        writeElement(out, e, new Scope(enclosing));
        if (qualifyAsClient) out.insert(start + 1 + q.getName().length(), " xmlns='jabber:client'");
    }

    public static String escapeText(String s) {
        int i = firstTextEscape(s);
        if (i < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        appendTextFrom(out, s, i);
        return out.toString();
    }

    public static String escapeAttribute(String s) {
        int i = firstAttributeEscape(s);
        if (i < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        appendAttributeFrom(out, s, i);
        return out.toString();
    }

    /** Appends {@code s} escaped for element content. */
    public static void appendText(StringBuilder out, String s) {
        int i = firstTextEscape(s);
        if (i < 0) {
            out.append(s);
        } else {
            appendTextFrom(out, s, i);
        }
    }

    /** Appends {@code s} escaped for a single- or double-quoted attribute value. */
    public static void appendAttribute(StringBuilder out, String s) {
        int i = firstAttributeEscape(s);
        if (i < 0) {
            out.append(s);
        } else {
            appendAttributeFrom(out, s, i);
        }
    }

    /**
     * The opening of a stream this server sends: XML declaration and {@code <stream:stream>} tag; null arguments
     * leave their attribute out.
     */
    public static String streamHeader(String defaultNs, String from, String to, String id, String lang) {
        StringBuilder out = new StringBuilder(256);
        out.append("<?xml version='1.0'?><stream:stream");
        if (defaultNs != null) {
            attribute(out, "xmlns", defaultNs);
        }
        attribute(out, "xmlns:stream", XmlFramer.STREAM_NAMESPACE);
        if (from != null) {
            attribute(out, "from", from);
        }
        if (to != null) {
            attribute(out, "to", to);
        }
        if (id != null) {
            attribute(out, "id", id);
        }
        attribute(out, "version", "1.0");
        if (lang != null) {
            attribute(out, "xml:lang", lang);
        }
        return out.append('>').toString();
    }

    /** A {@code <stream:error>} element; the caller sends {@code </stream:stream>} after it. */
    public static String streamError(StreamErrorCondition condition, String text) {
        StringBuilder out = new StringBuilder(192);
        out.append("<stream:error><").append(condition.xmlName())
                .append(" xmlns='").append(StreamErrorCondition.NAMESPACE).append("'/>");
        if (text != null) {
            out.append("<text xmlns='").append(StreamErrorCondition.NAMESPACE).append("' xml:lang='en'>");
            appendText(out, text);
            out.append("</text>");
        }
        return out.append("</stream:error>").toString();
    }

    private static void attribute(StringBuilder out, String name, String value) {
        out.append(' ').append(name).append("='");
        appendAttribute(out, value);
        out.append('\'');
    }

    private static void writeElement(StringBuilder out, Element e, Scope scope) {
        int mark = scope.size;
        QName qname = e.getQName();
        String prefix = qname.getNamespacePrefix();
        String uri = qname.getNamespaceURI();
        String tag = prefix.isEmpty() ? qname.getName() : prefix + ':' + qname.getName();
        out.append('<').append(tag);
        declareIfNeeded(out, scope, prefix, uri);

        int nodes = e.nodeCount();
        boolean hasContent = false;
        for (int i = 0; i < nodes; i++) {
            Node node = e.node(i);
            if (node instanceof Namespace ns) {
                declareIfNeeded(out, scope, ns.getPrefix(), ns.getURI());
            } else if (!(node instanceof Comment) && node.getNodeType() != Node.PROCESSING_INSTRUCTION_NODE) {
                hasContent = true;
            }
        }
        for (int i = 0, n = e.attributeCount(); i < n; i++) {
            Attribute a = e.attribute(i);
            QName aq = a.getQName();
            String ap = aq.getNamespacePrefix();
            // Unprefixed attributes are in no namespace whatever the default is, so only prefixes need binding.
            if (!ap.isEmpty()) {
                declareIfNeeded(out, scope, ap, aq.getNamespaceURI());
                out.append(' ').append(ap).append(':').append(aq.getName()).append("='");
            } else {
                out.append(' ').append(aq.getName()).append("='");
            }
            appendAttribute(out, a.getValue());
            out.append('\'');
        }
        if (!hasContent) {
            out.append("/>");
        } else {
            out.append('>');
            for (int i = 0; i < nodes; i++) {
                Node node = e.node(i);
                if (node instanceof Element child) {
                    writeElement(out, child, scope);
                } else if (node instanceof CharacterData && !(node instanceof Comment)) {
                    // Text and CDATA alike: CDATA sections are only a way of escaping.
                    appendText(out, node.getText());
                } else if (node instanceof Entity) {
                    appendText(out, node.getText());
                }
            }
            out.append("</").append(tag).append('>');
        }
        scope.size = mark;
    }

    private static void declareIfNeeded(StringBuilder out, Scope scope, String prefix, String uri) {
        if (prefix.equals("xml")) {
            return;
        }
        if (!prefix.isEmpty() && uri.isEmpty()) {
            // XML 1.0 namespaces cannot unbind a prefix; such a QName can only come from careless tree building.
            return;
        }
        if (uri.equals(scope.lookup(prefix))) {
            return;
        }
        scope.push(prefix, uri);
        out.append(prefix.isEmpty() ? " xmlns='" : " xmlns:");
        if (!prefix.isEmpty()) {
            out.append(prefix).append("='");
        }
        appendAttribute(out, uri);
        out.append('\'');
    }

    private static int firstTextEscape(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == '&' || c == '<' || c == '>' || c == '\r') {
                return i;
            }
        }
        return -1;
    }

    private static void appendTextFrom(StringBuilder out, String s, int first) {
        out.append(s, 0, first);
        for (int i = first, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                // A raw CR would be normalised away by the receiving parser.
                case '\r' -> out.append("&#xD;");
                default -> out.append(c);
            }
        }
    }

    private static int firstAttributeEscape(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == '&' || c == '<' || c == '\'' || c == '"' || c == '\n' || c == '\r' || c == '\t') {
                return i;
            }
        }
        return -1;
    }

    private static void appendAttributeFrom(StringBuilder out, String s, int first) {
        out.append(s, 0, first);
        for (int i = first, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '\'' -> out.append("&apos;");
                case '"' -> out.append("&quot;");
                // Attribute-value normalisation would turn raw whitespace characters into spaces.
                case '\n' -> out.append("&#xA;");
                case '\r' -> out.append("&#xD;");
                case '\t' -> out.append("&#x9;");
                default -> out.append(c);
            }
        }
    }

    /** Namespace bindings in force while writing, innermost last. */
    private static final class Scope {
        String[] prefixes = new String[8];
        String[] uris = new String[8];
        int size;

        Scope(String defaultNs) {
            push("xml", XML_NAMESPACE);
            push("", defaultNs);
        }

        String lookup(String prefix) {
            for (int i = size - 1; i >= 0; i--) {
                if (prefixes[i].equals(prefix)) {
                    return uris[i];
                }
            }
            return null;
        }

        void push(String prefix, String uri) {
            if (size == prefixes.length) {
                prefixes = Arrays.copyOf(prefixes, size * 2);
                uris = Arrays.copyOf(uris, size * 2);
            }
            prefixes[size] = prefix;
            uris[size] = uri;
            size++;
        }
    }
}
