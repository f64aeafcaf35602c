package org.parley.it.sfu;

import org.dom4j.DocumentException;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.XmlEnvironment;

/** Any XML element as a Smack extension (presence payloads, error extensions). */
public final class XmlExtension implements ExtensionElement {
    private final Element element;

    public XmlExtension(Element element) {
        this.element = element;
    }

    public static XmlExtension of(String xml) {
        try {
            return new XmlExtension(DocumentHelper.parseText(xml).getRootElement());
        } catch (DocumentException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override public String getElementName() { return element.getName(); }

    @Override public String getNamespace() { return element.getNamespaceURI(); }

    @Override public CharSequence toXML(XmlEnvironment env) { return element.asXML(); }
}
