package org.parley.http;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dom4j.Element;
import org.parley.xmpp.stream.StreamErrorCondition;
import org.parley.xmpp.xml.XmlFramer;
import org.parley.xmpp.xml.XmlLimits;
import org.parley.xmpp.xml.XmlStreamException;
import org.parley.xmpp.xml.XmlStreamListener;

/**
 * Parses a unit of input that must hold exactly one XML element: a WebSocket message (RFC 7395 section
 * 3.3.3) or a BOSH request body. The framer reads a stream of elements and cannot tell where input ends,
 * so a private end marker is fed after each unit: a unit that leaves an element, comment or tag open
 * swallows the marker or breaks on it, and one with two elements shows both before the marker.
 */
public final class FrameParser implements XmlStreamListener {
    private static final String END_NS = "urn:parley:frame-end";
    private static final byte[] END = ("<end xmlns='" + END_NS + "'/>").getBytes(StandardCharsets.US_ASCII);

    private static final String XML_NS = "http://www.w3.org/XML/1998/namespace";

    private final XmlLimits limits;
    private final List<Element> got = new ArrayList<>(2);
    private XmlFramer framer;

    public FrameParser(XmlLimits limits) {
        this.limits = limits;
        this.framer = new XmlFramer(XmlFramer.Mode.FRAGMENTS, limits, this);
    }

    /**
     * The one element of {@code unit}, or null when it holds only whitespace.
     *
     * @throws XmlStreamException not-well-formed for anything but one complete element, or the framer's own
     *                            condition (restricted-xml, policy-violation, ...)
     */
    public Element parse(ByteBuf unit) throws XmlStreamException {
        got.clear();
        try {
            framer.feed(unit.nioBuffer());
            framer.feed(END, 0, END.length);
        } catch (XmlStreamException e) {
            // A failed framer stays failed; the next unit (next BOSH request on this connection) starts clean.
            framer = new XmlFramer(XmlFramer.Mode.FRAGMENTS, limits, this);
            throw e;
        }
        int n = got.size();
        if (n >= 1 && isEnd(got.get(n - 1))) {
            if (n == 1) return null;
            if (n == 2 && !isEnd(got.get(0))) return got.get(0);
        } else {
            framer = new XmlFramer(XmlFramer.Mode.FRAGMENTS, limits, this);
            throw new XmlStreamException(StreamErrorCondition.NOT_WELL_FORMED, "incomplete XML element");
        }
        throw new XmlStreamException(StreamErrorCondition.NOT_WELL_FORMED, "more than one XML element in one message");
    }

    /**
     * Drops the parser between units (see {@link XmlFramer#release()}), for a connection gone quiet: the next unit
     * gets a new one.
     */
    public void release() {
        framer.release();
    }

    /** The element's {@code xml:lang}, or null. */
    public static String xmlLang(Element e) {
        for (int i = 0, n = e.attributeCount(); i < n; i++) {
            org.dom4j.Attribute a = e.attribute(i);
            if ("lang".equals(a.getName()) && (XML_NS.equals(a.getNamespaceURI()) || "xml".equals(a.getNamespacePrefix()))) {
                return a.getValue();
            }
        }
        return null;
    }

    private static boolean isEnd(Element e) {
        return END_NS.equals(e.getNamespaceURI());
    }

    @Override
    public void streamOpened(org.parley.xmpp.xml.StreamHeader header) {
        // FRAGMENTS mode has no stream header.
    }

    @Override
    public void element(Element element) {
        got.add(element);
    }

    @Override
    public void streamClosed() {
        // FRAGMENTS mode has no stream close.
    }
}
