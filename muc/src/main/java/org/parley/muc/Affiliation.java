package org.parley.muc;

import java.util.Locale;

/** A user's long-lived standing in a room (XEP-0045 section 5.2), lowest first. */
public enum Affiliation {
    OUTCAST, NONE, MEMBER, ADMIN, OWNER;

    private final String xml = name().toLowerCase(Locale.ROOT);

    public String xml() { return xml; }

    public boolean atLeast(Affiliation other) { return compareTo(other) >= 0; }

    /** The affiliation named {@code s}, or null when it is not one. */
    public static Affiliation parse(String s) {
        if (s == null) return null;
        for (Affiliation a : values()) if (a.xml.equals(s)) return a;
        return null;
    }
}
