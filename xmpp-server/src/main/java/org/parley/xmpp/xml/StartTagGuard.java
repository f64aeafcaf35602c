package org.parley.xmpp.xml;

import org.parley.xmpp.stream.StreamErrorCondition;

/**
 * Counts the attributes, namespace declarations and name lengths of each start tag on the raw bytes, ahead of the
 * parser, and stops the input where a tag goes beyond the {@link XmlLimits}. Aalto checks a new namespace
 * declaration against every earlier one on the same element and resolves prefixes by linear scans, so one start
 * tag with thousands of them costs seconds; counting them after the parser reported the element would come too
 * late, and so would counting them in the bytes of a whole read.
 *
 * <p>This is not a parser: it follows only tags, quoted attribute values, comments, CDATA sections and processing
 * instructions, and leaves well-formedness to the parser. On malformed input its counts may be off, but the
 * parser refuses such input at the latest where the guard stopped it.
 */
final class StartTagGuard {
    private static final int TEXT = 0;
    /** After {@code <}. */
    private static final int OPEN = 1;
    private static final int ELEMENT_NAME = 2;
    /** In a start tag, between attributes. */
    private static final int IN_TAG = 3;
    private static final int ATTRIBUTE_NAME = 4;
    /** After an attribute name, up to the opening quote of its value. */
    private static final int BEFORE_VALUE = 5;
    private static final int VALUE = 6;
    /** After {@code /} in a start tag. */
    private static final int SLASH = 7;
    private static final int END_TAG = 8;
    /** After {@code <!}: a comment, a CDATA section or a DOCTYPE (which the framer refuses). */
    private static final int BANG = 9;
    private static final int COMMENT = 10;
    private static final int CDATA = 11;
    /** A DOCTYPE or other {@code <!} declaration, up to the next {@code >}. */
    private static final int DECLARATION = 12;
    /** A processing instruction or the XML declaration. */
    private static final int PI = 13;

    private static final byte[] XMLNS = {'x', 'm', 'l', 'n', 's'};

    private final int maxAttributesPerElement;
    private final int maxNamespacesPerElement;
    private final int maxAttributesPerStanza;
    private final int maxPrefixesPerStanza;
    private final int maxNameBytes;

    private int state;
    /** Open elements, the stream (or fragments root) being depth 1. */
    private int depth;
    private int elementAttributes;
    private int elementNamespaces;
    private int stanzaAttributes;
    private int stanzaPrefixes;
    /** Prefix declarations since {@link #reset()}: the parser's list of known prefixes grows with them. */
    private int prefixes;
    private int nameBytes;
    /** Bytes of "xmlns" matched at the start of the current attribute name; -1 once it cannot be a declaration. */
    private int xmlnsMatch;
    private byte quote;
    /** Progress through a comment's "--" opening or a "-->" / "]]>" / "?>" terminator. */
    private int match;

    StartTagGuard(XmlLimits limits) {
        maxAttributesPerElement = limits.maxAttributesPerElement();
        maxNamespacesPerElement = limits.maxNamespacesPerElement();
        maxAttributesPerStanza = limits.maxAttributesPerStanza();
        maxPrefixesPerStanza = limits.maxPrefixesPerStanza();
        maxNameBytes = limits.maxNameBytes();
    }

    /** For a new parser: the input starts over at the beginning of a document. */
    void reset() {
        state = TEXT;
        depth = 0;
        elementAttributes = 0;
        elementNamespaces = 0;
        stanzaAttributes = 0;
        stanzaPrefixes = 0;
        prefixes = 0;
        nameBytes = 0;
        match = 0;
        violation = null;
    }

    /** Prefix declarations (xmlns:prefix) since the last {@link #reset()}. */
    int prefixesDeclared() {
        return prefixes;
    }

    /** Whether the input so far ends inside a stanza, its start tag included. */
    boolean inStanza() {
        return depth >= 2 || (depth == 1 && state >= ELEMENT_NAME && state <= SLASH);
    }

    /**
     * Follows {@code b[off, off+len)}; returns how many of its bytes are within the limits, {@code len} unless
     * {@link #violation()} tells which limit the next byte exceeds. The guard must not be fed again after that.
     */
    int scan(byte[] b, int off, int len) {
        int end = off + len;
        int s = state;
        int i = off;
        try {
            for (; i < end; i++) {
                byte c = b[i];
                switch (s) {
                    case TEXT -> {
                        while (c != '<') {
                            if (++i == end) {
                                return len;
                            }
                            c = b[i];
                        }
                        s = OPEN;
                    }
                    case OPEN -> {
                        if (c == '/') {
                            s = END_TAG;
                            nameBytes = 0;
                        } else if (c == '!') {
                            s = BANG;
                            match = 0;
                        } else if (c == '?') {
                            s = PI;
                            match = 0;
                        } else {
                            s = ELEMENT_NAME;
                            elementAttributes = 0;
                            elementNamespaces = 0;
                            if (depth <= 1) {
                                stanzaAttributes = 0;
                                stanzaPrefixes = 0;
                            }
                            nameBytes = 1;
                        }
                    }
                    case ELEMENT_NAME -> {
                        // The name's bytes in one run: a switch per byte costs the normal path a fifth of its speed.
                        int start = i;
                        while ((c > ' ' || c < 0) && c != '>' && c != '/') {
                            if (++i == end) {
                                break;
                            }
                            c = b[i];
                        }
                        nameBytes += i - start;
                        if (nameBytes > maxNameBytes) {
                            return stop(i - (nameBytes - maxNameBytes), off, s, "element name longer than " + maxNameBytes + " bytes");
                        }
                        if (i == end) {
                            return len;
                        }
                        if (isSpace(c)) {
                            s = IN_TAG;
                        } else if (c == '>') {
                            s = TEXT;
                            depth++;
                        } else if (c == '/') {
                            s = SLASH;
                        }
                    }
                    case IN_TAG -> {
                        // Whole attributes in one pass while they lie within this slice (the common case); a
                        // possible namespace declaration, or the slice's end, leaves for the per-byte states.
                        while (true) {
                            if (c == '>') {
                                s = TEXT;
                                depth++;
                                break;
                            }
                            if (c == '/') {
                                s = SLASH;
                                break;
                            }
                            if (!isSpace(c)) {
                                if (++elementAttributes > maxAttributesPerElement) {
                                    return stop(i, off, s, "more than " + maxAttributesPerElement + " attributes on one element");
                                }
                                if (++stanzaAttributes > maxAttributesPerStanza) {
                                    return stop(i, off, s, "more than " + maxAttributesPerStanza + " attributes in one stanza");
                                }
                                if (c == 'x') {
                                    s = ATTRIBUTE_NAME;
                                    nameBytes = 1;
                                    xmlnsMatch = 1;
                                    break;
                                }
                                xmlnsMatch = -1;
                                int start = i;
                                while ((c > ' ' || c < 0) && c != '=') {
                                    if (++i == end) {
                                        break;
                                    }
                                    c = b[i];
                                }
                                nameBytes = i - start;
                                if (nameBytes > maxNameBytes) {
                                    return stop(start + maxNameBytes, off, s, "attribute name longer than " + maxNameBytes + " bytes");
                                }
                                if (i == end) {
                                    s = ATTRIBUTE_NAME;
                                    return len;
                                }
                                while (c != '\'' && c != '"') {
                                    if (++i == end) {
                                        s = BEFORE_VALUE;
                                        return len;
                                    }
                                    c = b[i];
                                }
                                byte q = c;
                                do {
                                    if (++i == end) {
                                        s = VALUE;
                                        quote = q;
                                        return len;
                                    }
                                    c = b[i];
                                } while (c != q);
                            }
                            if (++i == end) {
                                return len;
                            }
                            c = b[i];
                        }
                    }
                    case ATTRIBUTE_NAME -> {
                        if (xmlnsMatch < 0) {
                            // Not a declaration: the rest of the name in one run.
                            int start = i;
                            while ((c > ' ' || c < 0) && c != '=') {
                                if (++i == end) {
                                    break;
                                }
                                c = b[i];
                            }
                            nameBytes += i - start;
                            if (nameBytes > maxNameBytes) {
                                return stop(i - (nameBytes - maxNameBytes), off, s, "attribute name longer than " + maxNameBytes + " bytes");
                            }
                            if (i == end) {
                                return len;
                            }
                            s = BEFORE_VALUE;
                        } else if (c == '=' || isSpace(c)) {
                            s = BEFORE_VALUE;
                            if (xmlnsMatch == XMLNS.length && !declaration()) {
                                return stop(i, off, s, namespacesMessage());
                            }
                        } else if (++nameBytes > maxNameBytes) {
                            return stop(i, off, s, "attribute name longer than " + maxNameBytes + " bytes");
                        } else if (xmlnsMatch >= 0) {
                            if (xmlnsMatch < XMLNS.length && c == XMLNS[xmlnsMatch]) {
                                xmlnsMatch++;
                            } else if (xmlnsMatch == XMLNS.length && c == ':') {
                                xmlnsMatch = -1;
                                if (!declaration()) {
                                    return stop(i, off, s, namespacesMessage());
                                }
                                prefixes++;
                                if (++stanzaPrefixes > maxPrefixesPerStanza) {
                                    return stop(i, off, s, "more than " + maxPrefixesPerStanza + " prefix declarations in one stanza");
                                }
                            } else {
                                xmlnsMatch = -1;
                            }
                        }
                    }
                    case BEFORE_VALUE -> {
                        if (c == '\'' || c == '"') {
                            quote = c;
                            s = VALUE;
                        }
                    }
                    case VALUE -> {
                        byte q = quote;
                        while (c != q) {
                            if (++i == end) {
                                return len;
                            }
                            c = b[i];
                        }
                        s = IN_TAG;
                    }
                    case SLASH -> {
                        if (c == '>') {
                            s = TEXT;
                        } else {
                            s = IN_TAG;
                            i--;
                        }
                    }
                    case END_TAG -> {
                        int start = i;
                        while (c != '>') {
                            if (++i == end) {
                                break;
                            }
                            c = b[i];
                        }
                        nameBytes += i - start;
                        if (nameBytes > maxNameBytes) {
                            return stop(i - (nameBytes - maxNameBytes), off, s, "end tag name longer than " + maxNameBytes + " bytes");
                        }
                        if (i == end) {
                            return len;
                        }
                        s = TEXT;
                        depth--;
                    }
                    case BANG -> {
                        if (c == '-') {
                            if (++match == 2) {
                                s = COMMENT;
                                match = 0;
                            }
                        } else if (c == '[' && match == 0) {
                            s = CDATA;
                        } else {
                            s = c == '>' ? TEXT : DECLARATION;
                        }
                    }
                    case COMMENT, CDATA -> {
                        match = terminator(c, s == COMMENT ? '-' : ']', match);
                        if (match == 3) {
                            s = TEXT;
                        }
                    }
                    case PI -> {
                        if (c == '>' && match == 1) {
                            s = TEXT;
                        }
                        match = c == '?' ? 1 : 0;
                    }
                    case DECLARATION -> {
                        if (c == '>') {
                            s = TEXT;
                        }
                    }
                    default -> throw new IllegalStateException("state " + s);
                }
            }
            return len;
        } finally {
            state = s;
        }
    }

    /** Progress through "--&gt;" (or "]]&gt;"): two {@code twice} characters, then '&gt;'. */
    private static int terminator(byte c, char twice, int match) {
        if (c == twice) {
            return match < 2 ? match + 1 : 2;
        }
        return c == '>' && match == 2 ? 3 : 0;
    }

    private boolean declaration() {
        return ++elementNamespaces <= maxNamespacesPerElement;
    }

    private String namespacesMessage() {
        return "more than " + maxNamespacesPerElement + " namespace declarations on one element";
    }

    private String violation;

    /** Why the last {@link #scan} stopped early, or null. */
    XmlStreamException violation() {
        return violation == null ? null : new XmlStreamException(StreamErrorCondition.POLICY_VIOLATION, violation);
    }

    private int stop(int at, int off, int s, String why) {
        state = s;
        violation = why;
        return at - off;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }
}
