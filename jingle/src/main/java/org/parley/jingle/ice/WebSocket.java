package org.parley.jingle.ice;

import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * Jitsi's bridge-channel WebSocket inside an ICE-UDP transport:
 * {@code <web-socket xmlns='http://jitsi.org/protocol/colibri' url='wss://.../colibri-ws/...'/>}. {@code active} is
 * set between bridges (relays) on the side that connects.
 */
public record WebSocket(String url, boolean active) {
    public static final String ELEMENT = "web-socket";

    public WebSocket {
        Objects.requireNonNull(url, "url");
    }

    public WebSocket(String url) {
        this(url, false);
    }

    public static WebSocket parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.COLIBRI);
        return new WebSocket(Xml.requireAttr(e, "url"), Xml.boolAttr(e, "active", false));
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.COLIBRI);
        Xml.set(e, "url", url);
        Xml.setIfTrue(e, "active", active);
    }
}
