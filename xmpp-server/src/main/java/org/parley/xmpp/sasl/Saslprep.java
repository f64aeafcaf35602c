package org.parley.xmpp.sasl;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import org.parley.xmpp.jid.JidPrep;

/** String preparation for SASL user names and passwords. */
final class Saslprep {
    private Saslprep() {}

    /** RFC 7622 caps a localpart at 1023 octets. */
    static final int MAX_LOCALPART_BYTES = 1023;

    /**
     * Normalizes a user name into the form accounts are stored under: XMPP nodeprep (case folding, NFKC,
     * prohibited characters) -- the same profile Tinder's JID applies, so "User" and "user" are one account.
     *
     * @throws IllegalArgumentException when the name cannot be a JID localpart
     */
    static String username(String raw) {
        if (raw == null || raw.isEmpty()) throw new IllegalArgumentException("empty user name");
        String prepped;
        try {
            prepped = JidPrep.nodeprep(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("user name is not a valid localpart", e);
        }
        // Defence in depth: libidn's tables are old, so re-check what must never end up in a JID or a storage key.
        for (int i = 0; i < prepped.length(); ) {
            int cp = prepped.codePointAt(i);
            if ("\"&'/:<>@".indexOf(cp) >= 0 || Character.isWhitespace(cp) || Character.isSpaceChar(cp)
                    || Character.isISOControl(cp) || Character.getType(cp) == Character.SURROGATE
                    || Character.getType(cp) == Character.UNASSIGNED) {
                throw new IllegalArgumentException("user name contains a prohibited character");
            }
            i += Character.charCount(cp);
        }
        if (prepped.getBytes(StandardCharsets.UTF_8).length > MAX_LOCALPART_BYTES) {
            throw new IllegalArgumentException("user name too long");
        }
        return prepped;
    }

    /**
     * RFC 4013 SASLprep for passwords (stored strings): map non-ASCII spaces to SPACE, drop "mapped to nothing"
     * characters, NFKC, refuse prohibited code points. The bidi rule is not enforced: it only ever rejects, and
     * SCRAM clients that skip it would otherwise be locked out of passwords they were allowed to set.
     *
     * @throws IllegalArgumentException for an empty password or one with prohibited characters
     */
    static String password(String raw) {
        if (raw == null) throw new IllegalArgumentException("null password");
        StringBuilder mapped = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            i += Character.charCount(cp);
            if (mapsToNothing(cp)) continue;
            mapped.appendCodePoint(isNonAsciiSpace(cp) ? ' ' : cp);
        }
        String normalized = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
        if (normalized.isEmpty()) throw new IllegalArgumentException("empty password");
        for (int i = 0; i < normalized.length(); ) {
            int cp = normalized.codePointAt(i);
            if (isProhibited(cp)) throw new IllegalArgumentException("password contains a prohibited character");
            i += Character.charCount(cp);
        }
        return normalized;
    }

    /** RFC 3454 table B.1. */
    private static boolean mapsToNothing(int cp) {
        return cp == 0x00AD || cp == 0x034F || cp == 0x1806 || (cp >= 0x180B && cp <= 0x180D)
                || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF;
    }

    /** RFC 3454 table C.1.2. */
    private static boolean isNonAsciiSpace(int cp) {
        return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** RFC 4013 section 2.3: tables C.1.2 (already mapped), C.2.1 - C.9. */
    private static boolean isProhibited(int cp) {
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) return true; // C.2.1, C.2.2 (C0/C1)
        if (cp == 0x06DD || cp == 0x070F || cp == 0x180E || cp == 0x200C || cp == 0x200D || cp == 0x2028
                || cp == 0x2029 || (cp >= 0x2060 && cp <= 0x2063) || (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF
                || (cp >= 0xFFF9 && cp <= 0xFFFC) || (cp >= 0x1D173 && cp <= 0x1D17A)) return true; // C.2.2
        if ((cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xF0000 && cp <= 0xFFFFD) || (cp >= 0x100000 && cp <= 0x10FFFD))
            return true; // C.3 private use
        if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) return true; // C.4 non-characters
        if (cp >= 0xD800 && cp <= 0xDFFF) return true; // C.5 unpaired surrogates
        if (cp >= 0xFFF9 && cp <= 0xFFFD) return true; // C.6
        if (cp >= 0x2FF0 && cp <= 0x2FFB) return true; // C.7
        if (cp == 0x0340 || cp == 0x0341 || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E))
            return true; // C.8
        return cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F); // C.9
    }
}
