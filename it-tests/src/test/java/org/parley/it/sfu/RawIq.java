package org.parley.it.sfu;

import java.io.IOException;
import org.dom4j.Attribute;
import org.dom4j.DocumentException;
import org.dom4j.DocumentHelper;
import org.dom4j.Element;
import org.dom4j.Node;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.provider.IQProvider;
import org.jivesoftware.smack.provider.ProviderManager;
import org.jivesoftware.smack.util.PacketParserUtils;
import org.jivesoftware.smack.xml.XmlPullParser;
import org.jivesoftware.smack.xml.XmlPullParserException;

/**
 * A Smack IQ whose child element is kept as XML (a dom4j element), so tests read and write Jingle, COLIBRI2 and the
 * focus protocol with Parley's own model instead of Smack's.
 */
public final class RawIq extends IQ {
    private final Element child;

    public RawIq(Element child) {
        super(child.getName(), child.getNamespaceURI());
        this.child = child;
    }

    public static RawIq of(String childXml) {
        try {
            return new RawIq(DocumentHelper.parseText(childXml).getRootElement());
        } catch (DocumentException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The child element (do not modify). */
    public Element child() {
        return child;
    }

    @Override
    protected IQChildElementXmlStringBuilder getIQChildElementBuilder(IQChildElementXmlStringBuilder xml) {
        for (Attribute a : child.attributes()) {
            if (a.getNamespaceURI() == null || a.getNamespaceURI().isEmpty()) xml.attribute(a.getName(), a.getValue());
        }
        if (child.content().isEmpty()) {
            xml.setEmptyElement();
            return xml;
        }
        xml.rightAngleBracket();
        for (Node n : child.content()) {
            if (n instanceof org.dom4j.Namespace) continue;
            xml.append(n.asXML());
        }
        return xml;
    }

    /** Parses the child of an IQ into a RawIq. */
    public static final class Provider extends IQProvider<RawIq> {
        @Override
        public RawIq parse(XmlPullParser parser, int initialDepth, XmlEnvironment env) throws XmlPullParserException, IOException {
            CharSequence xml = PacketParserUtils.parseElement(parser, true);
            try {
                return new RawIq(DocumentHelper.parseText(xml.toString()).getRootElement());
            } catch (DocumentException e) {
                throw new IOException("unparsable child: " + xml, e);
            }
        }
    }

    private static volatile boolean registered;

    /** Makes Smack parse Jingle, COLIBRI2, healthcheck, conference and mute IQs as RawIqs (global, once). */
    public static synchronized void register() {
        if (registered) return;
        Provider p = new Provider();
        ProviderManager.addIQProvider("jingle", "urn:xmpp:jingle:1", p);
        ProviderManager.addIQProvider("conference-modify", "jitsi:colibri2", p);
        ProviderManager.addIQProvider("conference-modified", "jitsi:colibri2", p);
        ProviderManager.addIQProvider("healthcheck", "http://jitsi.org/protocol/healthcheck", p);
        ProviderManager.addIQProvider("conference", "http://jitsi.org/protocol/focus", p);
        ProviderManager.addIQProvider("mute", "http://jitsi.org/jitmeet/audio", p);
        ProviderManager.addIQProvider("mute", "http://jitsi.org/jitmeet/video", p);
        ProviderManager.addIQProvider("mute", "http://jitsi.org/jitmeet/desktop", p);
        registered = true;
    }
}
