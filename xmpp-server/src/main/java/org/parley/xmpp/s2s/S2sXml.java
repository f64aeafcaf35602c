package org.parley.xmpp.s2s;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.parley.xmpp.xml.XmlFramer;
import org.parley.xmpp.xml.XmlWriter;

/** Names and fixed XML of server-to-server streams. */
final class S2sXml {
    static final String SERVER_NS = "jabber:server";
    static final String DIALBACK_NS = "jabber:server:dialback";
    static final String DIALBACK_FEATURE_NS = "urn:xmpp:features:dialback";
    static final String TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls";
    static final String SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl";
    static final String STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas";
    private static final SecureRandom RANDOM = new SecureRandom();

    private S2sXml() {}

    /**
     * Our stream header, jabber:server by default; the db prefix is bound when dialback is allowed, which is also how
     * servers before XEP-0220's stream feature announce it. Null attributes are left out.
     */
    static String header(String from, String to, String id, boolean dialback) {
        StringBuilder out = new StringBuilder(320).append("<?xml version='1.0'?><stream:stream xmlns='").append(SERVER_NS)
                .append("' xmlns:stream='").append(XmlFramer.STREAM_NAMESPACE).append('\'');
        if (dialback) out.append(" xmlns:db='").append(DIALBACK_NS).append('\'');
        attribute(out, "from", from);
        attribute(out, "to", to);
        attribute(out, "id", id);
        return out.append(" version='1.0'>").toString();
    }

    /** A {@code <db:result/>} or {@code <db:verify/>} answer. */
    static String dialbackAnswer(String name, String type, String from, String to, String id) {
        StringBuilder out = dialbackElement(160, name);
        attribute(out, "type", type);
        attribute(out, "from", from);
        attribute(out, "to", to);
        attribute(out, "id", id);
        return out.append("/>").toString();
    }

    /** A {@code <db:result type='error'/>} carrying a stanza error condition (XEP-0220 section 2.5). */
    static String dialbackError(String from, String to, String errorType, String condition) {
        StringBuilder out = dialbackElement(200, "result").append(" type='error'");
        attribute(out, "from", from);
        attribute(out, "to", to);
        return out.append("><error type='").append(errorType).append("'><").append(condition).append(" xmlns='")
                .append(STANZAS_NS).append("'/></error></db:result>").toString();
    }

    /** A dialback request: {@code <db:result>} or {@code <db:verify>} with the key as text. */
    static String dialbackRequest(String name, String from, String to, String id, String key) {
        StringBuilder out = dialbackElement(200, name);
        attribute(out, "from", from);
        attribute(out, "to", to);
        attribute(out, "id", id);
        out.append('>');
        XmlWriter.appendText(out, key);
        return out.append("</db:").append(name).append('>').toString();
    }

    /**
     * The start of a {@code <db:name} element that binds its own prefix: the stream header binds it only when dialback
     * is allowed, yet a peer may try dialback anyway and must get its refusal as namespace-well-formed XML.
     */
    private static StringBuilder dialbackElement(int capacity, String name) {
        return new StringBuilder(capacity).append("<db:").append(name).append(" xmlns:db='").append(DIALBACK_NS).append('\'');
    }

    static String newStreamId() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    private static void attribute(StringBuilder out, String name, String value) {
        if (value == null) return;
        out.append(' ').append(name).append("='");
        XmlWriter.appendAttribute(out, value);
        out.append('\'');
    }
}
