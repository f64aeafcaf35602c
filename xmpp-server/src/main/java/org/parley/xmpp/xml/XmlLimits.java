package org.parley.xmpp.xml;

/**
 * Bounds the parser enforces on untrusted input.
 *
 * <p>The attribute and namespace bounds are checked on the raw bytes as they arrive, before the parser sees a
 * whole start tag: the parser's own cost grows with the square of the namespace declarations on one element, so a
 * check after it reported the element would come too late.
 *
 * @param maxStanzaBytes          the most bytes one top-level child of the stream (a stanza) may take, from its
 *                                {@code <} to the end of its closing tag; also bounds bytes pending outside a
 *                                stanza (before the stream header, or between stanzas)
 * @param maxDepth                the deepest element nesting inside a stanza, the stanza element itself being
 *                                depth 1
 * @param maxAttributesPerElement the most attributes one start tag may carry, namespace declarations included
 * @param maxNamespacesPerElement the most namespace declarations ({@code xmlns} and {@code xmlns:prefix}) one start
 *                                tag may carry
 * @param maxAttributesPerStanza  the most attributes (namespace declarations included) in all the start tags of one
 *                                stanza together; also bounds the stream header
 * @param maxPrefixesPerStanza    the most prefix declarations ({@code xmlns:prefix}) in one stanza: the parser keeps
 *                                every prefix it has seen in a list it scans for each prefixed name. Default
 *                                namespace declarations ({@code xmlns}, on every Jingle element) do not count
 * @param maxNameBytes            the longest element or attribute name, prefix included, in bytes
 */
public record XmlLimits(int maxStanzaBytes, int maxDepth, int maxAttributesPerElement, int maxNamespacesPerElement,
                        int maxAttributesPerStanza, int maxPrefixesPerStanza, int maxNameBytes) {
    /** Far above what any XMPP or Jitsi client puts on one element (a Jingle candidate has about 12). */
    public static final int DEFAULT_ATTRIBUTES_PER_ELEMENT = 64;
    /** A stream header declares three; stanzas rarely more than one per element. */
    public static final int DEFAULT_NAMESPACES_PER_ELEMENT = 16;
    /** A Jingle session-accept with many sources stays well under a thousand. */
    public static final int DEFAULT_ATTRIBUTES_PER_STANZA = 5000;
    /** Clients declare prefixes on the stream header, hardly ever in a stanza. */
    public static final int DEFAULT_PREFIXES_PER_STANZA = 64;
    public static final int DEFAULT_DEPTH = 64;
    /** XMPP's longest names are a few dozen bytes; the parser's cost per name grows faster than its length. */
    public static final int DEFAULT_NAME_BYTES = 256;

    public XmlLimits {
        positive("maxStanzaBytes", maxStanzaBytes);
        positive("maxDepth", maxDepth);
        positive("maxAttributesPerElement", maxAttributesPerElement);
        positive("maxNamespacesPerElement", maxNamespacesPerElement);
        positive("maxAttributesPerStanza", maxAttributesPerStanza);
        positive("maxPrefixesPerStanza", maxPrefixesPerStanza);
        positive("maxNameBytes", maxNameBytes);
    }

    /** The given size and depth with the default attribute and namespace bounds. */
    public XmlLimits(int maxStanzaBytes, int maxDepth) {
        this(maxStanzaBytes, maxDepth, DEFAULT_ATTRIBUTES_PER_ELEMENT, DEFAULT_NAMESPACES_PER_ELEMENT,
                DEFAULT_ATTRIBUTES_PER_STANZA, DEFAULT_PREFIXES_PER_STANZA, DEFAULT_NAME_BYTES);
    }

    /** The given size with every other bound at its default. */
    public static XmlLimits defaults(int maxStanzaBytes) {
        return new XmlLimits(maxStanzaBytes, DEFAULT_DEPTH);
    }

    /**
     * For XML this server wrote itself (stored stanzas): it was checked when it arrived, perhaps under other limits
     * than today's, so only the nesting is bounded.
     */
    public static XmlLimits ownOutput(int maxDepth) {
        int any = Integer.MAX_VALUE;
        return new XmlLimits(any, maxDepth, any, any, any, any, any);
    }

    /** The same bounds for a larger unit, e.g. a BOSH body carrying several stanzas. */
    public XmlLimits withStanzaBytes(int bytes, int depth) {
        return new XmlLimits(bytes, depth, maxAttributesPerElement, maxNamespacesPerElement, maxAttributesPerStanza,
                maxPrefixesPerStanza, maxNameBytes);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
