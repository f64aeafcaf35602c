package org.parley.xmpp.xml;

/**
 * Bounds the parser enforces on untrusted input.
 *
 * @param maxStanzaBytes the most bytes one top-level child of the stream (a stanza) may take, from its
 *                       {@code <} to the end of its closing tag; also bounds bytes pending outside a stanza
 *                       (before the stream header, or between stanzas)
 * @param maxDepth       the deepest element nesting inside a stanza, the stanza element itself being depth 1
 */
public record XmlLimits(int maxStanzaBytes, int maxDepth) {
    public XmlLimits {
        if (maxStanzaBytes <= 0) {
            throw new IllegalArgumentException("maxStanzaBytes must be positive: " + maxStanzaBytes);
        }
        if (maxDepth <= 0) {
            throw new IllegalArgumentException("maxDepth must be positive: " + maxDepth);
        }
    }
}
