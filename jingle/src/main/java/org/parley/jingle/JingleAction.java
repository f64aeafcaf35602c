package org.parley.jingle;

import org.parley.jingle.xml.WireValue;
import org.parley.jingle.xml.Xml;

/**
 * Jingle actions: XEP-0166's, and Jitsi's {@code source-add}/{@code source-remove} (lib-jitsi-meet and Jicofo send
 * those for sources joining and leaving; the older {@code addsource}/{@code removesource} spellings are still parsed
 * by Jicofo). {@link #UNKNOWN} stands for any other value; {@link Jingle} keeps the wire string.
 */
public enum JingleAction implements WireValue {
    CONTENT_ACCEPT("content-accept"),
    CONTENT_ADD("content-add"),
    CONTENT_MODIFY("content-modify"),
    CONTENT_REJECT("content-reject"),
    CONTENT_REMOVE("content-remove"),
    DESCRIPTION_INFO("description-info"),
    SECURITY_INFO("security-info"),
    SESSION_ACCEPT("session-accept"),
    SESSION_INFO("session-info"),
    SESSION_INITIATE("session-initiate"),
    SESSION_TERMINATE("session-terminate"),
    TRANSPORT_ACCEPT("transport-accept"),
    TRANSPORT_INFO("transport-info"),
    TRANSPORT_REJECT("transport-reject"),
    TRANSPORT_REPLACE("transport-replace"),
    SOURCE_ADD("source-add"),
    SOURCE_REMOVE("source-remove"),
    /** Legacy spelling of {@link #SOURCE_ADD}. */
    ADDSOURCE("addsource"),
    /** Legacy spelling of {@link #SOURCE_REMOVE}. */
    REMOVESOURCE("removesource"),
    UNKNOWN(null);

    private final String wire;

    JingleAction(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }

    public static JingleAction of(String wire) {
        return Xml.openEnum(JingleAction.class, wire, UNKNOWN);
    }
}
