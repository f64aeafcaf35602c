package org.parley.jingle;

import org.parley.jingle.xml.WireValue;

/**
 * Who sends media in a content (XEP-0166 {@code senders}), also used on XEP-0294 header extensions. Besides the four
 * XEP values, lib-jitsi-meet writes {@code senders='rejected'} on a content whose m-line it rejected (port 0), so that
 * value is part of the set.
 */
public enum Senders implements WireValue {
    BOTH("both"),
    INITIATOR("initiator"),
    RESPONDER("responder"),
    NONE("none"),
    /** lib-jitsi-meet's value for a rejected m-line; not in XEP-0166. */
    REJECTED("rejected");

    private final String wire;

    Senders(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }
}
