package org.parley.jingle.colibri2;

import org.parley.jingle.xml.WireValue;

/** The SCTP role of a COLIBRI2 {@code <sctp role>}. A closed set. */
public enum SctpRole implements WireValue {
    CLIENT("client"),
    SERVER("server");

    private final String wire;

    SctpRole(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }
}
