package org.parley.http.bosh;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.http.FrameParser;
import org.parley.xmpp.router.Stanzas;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.parley.xmpp.xml.XmlStreamException;

/** One parsed {@code <body/>} wrapper of a BOSH request and the attributes the session acts on. */
public final class BoshBody {
    public static final String NS = "http://jabber.org/protocol/httpbind";
    public static final String XBOSH_NS = "urn:xmpp:xbosh";
    /** XEP-0124 section 14.1: rids stay below 2^53 so that JavaScript clients can count them exactly. */
    static final long MAX_RID = 9007199254740991L;

    private final Element body;
    private final long rid;

    private BoshBody(Element body, long rid) {
        this.body = body;
        this.rid = rid;
    }

    /**
     * Parses a request body; an XML declaration in front is allowed, as some clients send one.
     *
     * @throws XmlStreamException when it is not one well-formed {@code <body/>} in the httpbind namespace with
     *                            a usable rid (the caller answers bad-request)
     */
    public static BoshBody parse(FrameParser parser, ByteBuf content) throws XmlStreamException {
        skipDeclaration(content);
        Element e = parser.parse(content);
        if (e == null || !"body".equals(e.getName()) || !NS.equals(e.getNamespaceURI())) {
            throw new XmlStreamException(StreamErrorCondition.BAD_FORMAT, "expected <body xmlns='" + NS + "'/>");
        }
        long rid;
        try {
            rid = Long.parseLong(String.valueOf(e.attributeValue("rid")).trim());
        } catch (NumberFormatException bad) {
            throw new XmlStreamException(StreamErrorCondition.BAD_FORMAT, "missing or malformed rid");
        }
        if (rid < 0 || rid > MAX_RID) throw new XmlStreamException(StreamErrorCondition.BAD_FORMAT, "rid out of range");
        return new BoshBody(e, rid);
    }

    private static void skipDeclaration(ByteBuf b) {
        int i = b.readerIndex();
        int end = b.writerIndex();
        // A UTF-8 byte order mark, then whitespace.
        if (end - i >= 3 && (b.getByte(i) & 0xff) == 0xef && (b.getByte(i + 1) & 0xff) == 0xbb && (b.getByte(i + 2) & 0xff) == 0xbf) i += 3;
        while (i < end && isSpace(b.getByte(i))) i++;
        if (end - i >= 5 && b.getByte(i) == '<' && b.getByte(i + 1) == '?' && b.getByte(i + 2) == 'x'
                && b.getByte(i + 3) == 'm' && b.getByte(i + 4) == 'l') {
            for (int j = i + 5; j + 1 < end; j++) {
                if (b.getByte(j) == '?' && b.getByte(j + 1) == '>') {
                    b.readerIndex(j + 2);
                    return;
                }
            }
        }
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    public long rid() { return rid; }

    public String sid() { return attribute("sid"); }

    public String to() { return attribute("to"); }

    public String lang() { return FrameParser.xmlLang(body); }

    public String ver() { return attribute("ver"); }

    public String type() { return attribute("type"); }

    public boolean terminate() { return "terminate".equals(type()); }

    public boolean restart() {
        String r = body.attributeValue(QName.get("restart", XBOSH_NS));
        return "true".equals(r) || "1".equals(r);
    }

    public String xmppVersion() { return body.attributeValue(QName.get("version", XBOSH_NS)); }

    /** A number attribute, or {@code fallback} when absent or not a number. */
    public long number(String name, long fallback) {
        String v = attribute(name);
        if (v == null) return fallback;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    public boolean has(String name) { return attribute(name) != null; }

    private String attribute(String name) {
        String v = body.attributeValue(name);
        return v == null || v.isEmpty() ? null : v;
    }

    /**
     * The payloads, detached from the wrapper. XEP-0206 has clients qualify each stanza with jabber:client,
     * but some leave them in the wrapper's namespace; those are read as jabber:client, as other servers do.
     */
    public List<Element> payloads() {
        List<Element> out = new ArrayList<>(body.nodeCount());
        for (Element child : new ArrayList<>(body.elements())) {
            child.detach();
            if (NS.equals(child.getNamespaceURI())) requalify(child);
            out.add(child);
        }
        return out;
    }

    private static void requalify(Element e) {
        e.setQName(QName.get(e.getName(), e.getNamespacePrefix(), Stanzas.CLIENT_NS));
        for (Element child : e.elements()) {
            if (NS.equals(child.getNamespaceURI())) requalify(child);
        }
    }
}
