package org.parley.xmpp.xml;

import org.dom4j.Element;

/** Receives what {@link XmlFramer} recognises, in input order, on the thread that calls {@code feed}. */
public interface XmlStreamListener {
    /** The {@code <stream:stream>} open tag was read (STREAM mode only). */
    void streamOpened(StreamHeader header);

    /** A complete top-level element (a stanza, or a stream-level element such as {@code <starttls/>}). */
    void element(Element element);

    /** The {@code </stream:stream>} close tag was read (STREAM mode only). */
    void streamClosed();
}
