package org.parley.jingle.xml;

/** An enum constant with the exact string it has on the wire. */
public interface WireValue {
    /** The attribute or element value as it appears in XML; null only for an "unknown" constant. */
    String wire();
}
