package org.parley.jingle.ice;

import org.parley.jingle.xml.WireValue;

/** DTLS role of a fingerprint (XEP-0320, RFC 4145 {@code a=setup}). A closed set. */
public enum Setup implements WireValue {
    ACTPASS("actpass"),
    ACTIVE("active"),
    PASSIVE("passive"),
    HOLDCONN("holdconn");

    private final String wire;

    Setup(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }
}
