package org.parley.xmpp.jid;

import gnu.inet.encoding.Stringprep;
import gnu.inet.encoding.StringprepException;
import java.nio.charset.StandardCharsets;
import org.xmpp.packet.JID;

/**
 * Nodeprep and resourceprep (RFC 3920 appendices A and B) with a fast path for printable ASCII, which is what
 * nearly every localpart and resource is. libidn's tables are searched linearly for every character, and with
 * random per-login resources Tinder's prep caches never hit: before this, stringprep was half of the server's
 * Java CPU per login. For printable ASCII the profiles reduce to a few rules (no mapping-to-nothing, NFKC and
 * bidi are identities there), so the result is the same as libidn's; anything else still goes through libidn.
 */
public final class JidPrep {
    /** RFC 7622: each part of a JID is at most 1023 octets. */
    public static final int MAX_PART_BYTES = 1023;

    /** Characters nodeprep prohibits beyond stringprep's tables (RFC 3920 A.5). */
    private static final String NODE_PROHIBITED = "\"&'/:<>@";

    private JidPrep() {}

    /**
     * The nodeprepped form of a localpart.
     *
     * @throws IllegalArgumentException when it cannot be a localpart
     */
    public static String nodeprep(String node) {
        if (node == null || node.isEmpty()) throw new IllegalArgumentException("empty localpart");
        int n = node.length();
        boolean upper = false;
        for (int i = 0; i < n; i++) {
            char c = node.charAt(i);
            if (c <= 0x20 || c >= 0x7F) return slowNodeprep(node);
            if (NODE_PROHIBITED.indexOf(c) >= 0) throw new IllegalArgumentException("prohibited character in localpart");
            if (c >= 'A' && c <= 'Z') upper = true;
        }
        if (n > MAX_PART_BYTES) throw new IllegalArgumentException("localpart too long");
        return upper ? lowerAscii(node) : node;
    }

    /**
     * The resourceprepped form of a resource.
     *
     * @throws IllegalArgumentException when it cannot be a resource
     */
    public static String resourceprep(String resource) {
        if (resource == null || resource.isEmpty()) throw new IllegalArgumentException("empty resource");
        int n = resource.length();
        for (int i = 0; i < n; i++) {
            char c = resource.charAt(i);
            // ASCII SPACE is allowed in resources (only non-ASCII spaces are prohibited); controls are not.
            if (c < 0x20 || c >= 0x7F) return slowResourceprep(resource);
        }
        if (n > MAX_PART_BYTES) throw new IllegalArgumentException("resource too long");
        return resource;
    }

    /**
     * A full or bare JID from parts that are prepared here; the domain must already be in its canonical form
     * (a served host or a service domain). Tinder's own preparation is skipped, having been done.
     */
    public static JID jid(String node, String canonicalDomain, String resource) {
        return new JID(node == null ? null : nodeprep(node), canonicalDomain,
                resource == null ? null : resourceprep(resource), true);
    }

    private static String lowerAscii(String s) {
        char[] chars = s.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            char c = chars[i];
            if (c >= 'A' && c <= 'Z') chars[i] = (char) (c + ('a' - 'A'));
        }
        return new String(chars);
    }

    private static String slowNodeprep(String node) {
        String prepped;
        try {
            prepped = Stringprep.nodeprep(node);
        } catch (StringprepException | RuntimeException e) {
            throw new IllegalArgumentException("not a valid localpart", e);
        }
        return checked(prepped, "localpart");
    }

    private static String slowResourceprep(String resource) {
        String prepped;
        try {
            prepped = Stringprep.resourceprep(resource);
        } catch (StringprepException | RuntimeException e) {
            throw new IllegalArgumentException("not a valid resource", e);
        }
        return checked(prepped, "resource");
    }

    private static String checked(String prepped, String what) {
        if (prepped.isEmpty()) throw new IllegalArgumentException("empty " + what);
        if (prepped.getBytes(StandardCharsets.UTF_8).length > MAX_PART_BYTES) throw new IllegalArgumentException(what + " too long");
        return prepped;
    }
}
