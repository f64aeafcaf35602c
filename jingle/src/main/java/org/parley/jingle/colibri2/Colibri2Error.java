package org.parley.jingle.colibri2;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.Xml;

/**
 * The COLIBRI2 extensions of a bridge's stanza error:
 * {@code <error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
 * <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Endpoint not found for ID: abcd1234</text>
 * <error xmlns='jitsi:colibri2' reason='unknown_endpoint'/><endpoint xmlns='jitsi:colibri2' id='abcd1234'/></error>}.
 * {@code unknown_endpoint} with an endpoint id means "re-invite that participant"; other reasons fail the session.
 *
 * @param reason     the reason as written; null when the attribute is absent (Jitsi reads that as unspecified)
 * @param endpointId the id of the accompanying {@code <endpoint>}, or null
 */
public record Colibri2Error(String reason, String endpointId) {
    public static final String ELEMENT = "error";

    public Colibri2Error(Colibri2ErrorReason reason, String endpointId) {
        this(reason.wire(), endpointId);
    }

    public Colibri2ErrorReason errorReason() {
        return reason == null ? Colibri2ErrorReason.UNSPECIFIED : Colibri2ErrorReason.of(reason);
    }

    /**
     * Reads the COLIBRI2 extensions of a stanza {@code <error>} element. Returns null when there is no
     * {@code <error xmlns='jitsi:colibri2'>} in it: the error came from something other than a bridge (e.g. the
     * server or a MUC).
     */
    public static Colibri2Error fromStanzaError(Element stanzaError) {
        if (stanzaError == null) {
            return null;
        }
        Element ext = Xml.child(stanzaError, ELEMENT, Ns.COLIBRI2);
        if (ext == null) {
            return null;
        }
        Element endpoint = Xml.child(stanzaError, Endpoint.ELEMENT, Ns.COLIBRI2);
        String endpointId = endpoint == null ? null : Xml.requireNonBlank(endpoint, "id");
        return new Colibri2Error(Xml.attr(ext, "reason"), endpointId);
    }

    /** Appends the COLIBRI2 children to an existing stanza {@code <error>}. */
    public void appendTo(Element stanzaError) {
        Element e = Xml.add(stanzaError, ELEMENT, Ns.COLIBRI2);
        Xml.set(e, "reason", reason);
        if (endpointId != null) {
            Xml.set(Xml.add(stanzaError, Endpoint.ELEMENT, Ns.COLIBRI2), "id", endpointId);
        }
    }

    /**
     * A complete stanza {@code <error type='cancel'>} (in the {@code jabber:client} namespace) with the defined
     * condition jitsi-videobridge uses for the reason, an optional text, and the COLIBRI2 children.
     */
    public Element toStanzaError(String text) {
        Element error = Xml.create("error", "jabber:client");
        error.addAttribute("type", "cancel");
        Xml.add(error, errorReason().stanzaCondition(), Ns.STANZAS);
        if (text != null) {
            Xml.setText(Xml.add(error, "text", Ns.STANZAS), text);
        }
        appendTo(error);
        return error;
    }
}
