package org.parley.jingle.colibri2;

import org.parley.jingle.xml.WireValue;
import org.parley.jingle.xml.Xml;

/**
 * The {@code reason} of a COLIBRI2 {@code <error xmlns='jitsi:colibri2'>}, with the stanza error condition
 * jitsi-videobridge pairs it with. {@link #UNKNOWN} keeps any other value.
 */
public enum Colibri2ErrorReason implements WireValue {
    CONFERENCE_NOT_FOUND("conference_not_found", "item-not-found"),
    CONFERENCE_ALREADY_EXISTS("conference_already_exists", "conflict"),
    GRACEFUL_SHUTDOWN("graceful_shutdown", "service-unavailable"),
    UNKNOWN_ENDPOINT("unknown_endpoint", "item-not-found"),
    FEATURE_NOT_IMPLEMENTED("feature_not_implemented", "feature-not-implemented"),
    UNSPECIFIED("unspecified", "undefined-condition"),
    UNKNOWN(null, "undefined-condition");

    private final String wire;
    private final String condition;

    Colibri2ErrorReason(String wire, String condition) {
        this.wire = wire;
        this.condition = condition;
    }

    @Override
    public String wire() {
        return wire;
    }

    /** The RFC 6120 defined condition jitsi-videobridge sends with this reason. */
    public String stanzaCondition() {
        return condition;
    }

    public static Colibri2ErrorReason of(String wire) {
        return Xml.openEnum(Colibri2ErrorReason.class, wire, UNKNOWN);
    }
}
