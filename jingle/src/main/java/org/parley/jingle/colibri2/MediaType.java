package org.parley.jingle.colibri2;

import org.parley.jingle.xml.WireValue;
import org.parley.jingle.xml.Xml;

/** COLIBRI2 media type ({@code <media type>}, {@code <media-source type>}); {@link #UNKNOWN} keeps other values. */
public enum MediaType implements WireValue {
    AUDIO("audio"),
    VIDEO("video"),
    UNKNOWN(null);

    private final String wire;

    MediaType(String wire) {
        this.wire = wire;
    }

    @Override
    public String wire() {
        return wire;
    }

    public static MediaType of(String wire) {
        return Xml.openEnum(MediaType.class, wire, UNKNOWN);
    }

    static String wireOf(MediaType type) {
        if (type == null || type == UNKNOWN) {
            throw new IllegalArgumentException("no wire value for " + type + "; use the String constructor");
        }
        return type.wire();
    }
}
