package org.parley.jingle;

import org.parley.jingle.xml.WireValue;

/** Which party created a content (XEP-0166 {@code creator}). A closed set. */
public enum Creator implements WireValue {
    INITIATOR("initiator"),
    RESPONDER("responder");

    private final String wire;

    Creator(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }
}
