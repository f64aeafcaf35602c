package org.parley.jingle;

import org.parley.jingle.xml.WireValue;
import org.parley.jingle.xml.Xml;

/** XEP-0166 reason conditions; {@link #UNKNOWN} for any other element name ({@link Reason} keeps it). */
public enum ReasonCondition implements WireValue {
    ALTERNATIVE_SESSION("alternative-session"),
    BUSY("busy"),
    CANCEL("cancel"),
    CONNECTIVITY_ERROR("connectivity-error"),
    DECLINE("decline"),
    EXPIRED("expired"),
    FAILED_APPLICATION("failed-application"),
    FAILED_TRANSPORT("failed-transport"),
    GENERAL_ERROR("general-error"),
    GONE("gone"),
    INCOMPATIBLE_PARAMETERS("incompatible-parameters"),
    MEDIA_ERROR("media-error"),
    SECURITY_ERROR("security-error"),
    SUCCESS("success"),
    TIMEOUT("timeout"),
    UNSUPPORTED_APPLICATIONS("unsupported-applications"),
    UNSUPPORTED_TRANSPORTS("unsupported-transports"),
    UNKNOWN(null);

    private final String wire;

    ReasonCondition(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }

    public static ReasonCondition of(String wire) {
        return Xml.openEnum(ReasonCondition.class, wire, UNKNOWN);
    }
}
