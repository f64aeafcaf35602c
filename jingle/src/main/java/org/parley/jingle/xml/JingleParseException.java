package org.parley.jingle.xml;

/**
 * A stanza that does not fit the model: a required attribute is missing, a value is malformed, or the element is not
 * the one expected. The message names the element (as a path from the outermost parsed element) and, where there is
 * one, the attribute, so a caller can answer {@code bad-request} with a useful text.
 *
 * <p>Unchecked: parsing happens deep inside nested factories, and a caller that handles stanzas catches this one type
 * at the edge.
 */
public final class JingleParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String element;
    private final String attribute;

    public JingleParseException(String element, String attribute, String problem) {
        super(element + (attribute == null ? "" : " @" + attribute) + ": " + problem);
        this.element = element;
        this.attribute = attribute;
    }

    /** The element, as a slash-separated path of local names (e.g. {@code jingle/content/transport/candidate}). */
    public String element() {
        return element;
    }

    /** The attribute at fault, or null when the problem is the element itself. */
    public String attribute() {
        return attribute;
    }
}
