package org.parley.jingle.ice;

import org.parley.jingle.xml.WireValue;
import org.parley.jingle.xml.Xml;

/** ICE candidate type (RFC 8445). {@link #UNKNOWN} for a value outside the set; the wire string is kept. */
public enum CandidateType implements WireValue {
    HOST("host"),
    SRFLX("srflx"),
    PRFLX("prflx"),
    RELAY("relay"),
    UNKNOWN(null);

    private final String wire;

    CandidateType(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }

    public static CandidateType of(String wire) {
        return Xml.openEnum(CandidateType.class, wire, UNKNOWN);
    }
}
