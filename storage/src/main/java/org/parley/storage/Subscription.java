package org.parley.storage;

/** RFC 6121 subscription state of a roster item, as seen from the roster's owner. */
public enum Subscription {
    NONE, TO, FROM, BOTH, REMOVE;

    public String xmlValue() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static Subscription fromXml(String v) {
        return v == null ? NONE : valueOf(v.toUpperCase(java.util.Locale.ROOT));
    }

    public boolean hasTo() { return this == TO || this == BOTH; }
    public boolean hasFrom() { return this == FROM || this == BOTH; }
}
