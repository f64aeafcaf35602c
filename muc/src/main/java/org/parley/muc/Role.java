package org.parley.muc;

import java.util.Locale;

/** An occupant's role for the length of one visit (XEP-0045 section 5.1), lowest first. */
public enum Role {
    NONE, VISITOR, PARTICIPANT, MODERATOR;

    private final String xml = name().toLowerCase(Locale.ROOT);

    public String xml() { return xml; }

    public boolean atLeast(Role other) { return compareTo(other) >= 0; }

    public static Role parse(String s) {
        if (s == null) return null;
        for (Role r : values()) if (r.xml.equals(s)) return r;
        return null;
    }
}
