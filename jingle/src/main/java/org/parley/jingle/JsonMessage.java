package org.parley.jingle;

import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * Jitsi's {@code <json-message xmlns='http://jitsi.org/jitmeet'>{...}</json-message>}. In Jingle it carries the
 * compact JSON encoding of sources that Jicofo uses instead of {@code <source>} elements when the client advertises
 * {@code http://jitsi.org/json-encoded-sources}. The JSON text is kept as sent (not interpreted here).
 */
public record JsonMessage(String json) {
    public static final String ELEMENT = "json-message";

    public JsonMessage {
        Objects.requireNonNull(json, "json");
    }

    public static JsonMessage parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.JITMEET);
        return new JsonMessage(e.getText());
    }

    public void appendTo(Element parent) {
        Xml.setText(Xml.add(parent, ELEMENT, Ns.JITMEET), json);
    }
}
