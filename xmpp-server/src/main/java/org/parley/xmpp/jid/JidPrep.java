package org.parley.xmpp.jid;

import gnu.inet.encoding.Stringprep;
import gnu.inet.encoding.StringprepException;
import io.netty.util.NetUtil;
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
    /** RFC 1035 2.3.4, kept by IDNA2008: a DNS label is at most 63 octets. */
    private static final int MAX_LABEL = 63;
    /** Printable ASCII a localpart may hold; a table, since every client stanza's addresses are scanned. */
    private static final boolean[] NODE_ASCII = new boolean[0x80];
    /** Letters, digits and hyphen: what an ASCII DNS label is made of. */
    private static final boolean[] LDH = new boolean[0x80];

    static {
        for (char c = 0x21; c < 0x7F; c++) {
            NODE_ASCII[c] = NODE_PROHIBITED.indexOf(c) < 0;
            LDH[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-';
        }
    }

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
     * A JID this server wrote itself, in its canonical form already (hand-over state in its own database), taken
     * apart without preparing it again: a restart reads thousands while every client waits, and libidn's domain
     * preparation alone made reading 500 sessions take seconds.
     */
    public static JID canonical(String jid) {
        int at = jid.indexOf('@');
        int slash = jid.indexOf('/', at + 1);
        String node = at > 0 ? jid.substring(0, at) : null;
        String domain = jid.substring(at + 1, slash < 0 ? jid.length() : slash);
        String resource = slash < 0 ? null : jid.substring(slash + 1);
        return new JID(node, domain, resource, true);
    }

    /**
     * A full or bare JID from parts that are prepared here; the domain must already be in its canonical form
     * (a served host or a service domain). Tinder's own preparation is skipped, having been done.
     */
    public static JID jid(String node, String canonicalDomain, String resource) {
        return new JID(node == null ? null : nodeprep(node), canonicalDomain,
                resource == null ? null : resourceprep(resource), true);
    }

    /**
     * Parses and prepares an address as Tinder's {@code new JID(String)} does, with the fast path for an ASCII localpart
     * and resource; the domain goes through Tinder's cached preparation (there are few distinct domains, while
     * anonymous localparts and resources are new at every login and miss Tinder's caches). The focus reads the real
     * JID of every occupant presence it gets: through Tinder that was a fifth of the server's CPU in the meeting mix.
     *
     * @throws IllegalArgumentException when it is not an address
     */
    public static JID parse(String jid) {
        int slash = jid.indexOf('/');
        int domainEnd = slash < 0 ? jid.length() : slash;
        int at = jid.indexOf('@');
        if (at > domainEnd) at = -1;
        String domain = jid.substring(at + 1, domainEnd);
        if (domain.isEmpty()) throw new IllegalArgumentException("empty domain");
        return jid(at < 0 ? null : jid.substring(0, at), new JID(null, domain, null).getDomain(),
                slash < 0 ? null : jid.substring(slash + 1));
    }

    /**
     * Why {@code jid} is not an XMPP address by RFC 7622, or null when it is one. Tinder parses stanza addresses
     * without preparing them, so this is the check a server must make on every address a peer sends. Printable
     * ASCII (nearly every address) is checked by scanning, without allocating; anything else goes through libidn.
     */
    public static String whyMalformed(String jid) {
        int n = jid.length();
        if (n == 0) return "empty address";
        // RFC 7622 3.1: the resourcepart starts at the first slash, the localpart ends at the first '@' before it.
        int slash = jid.indexOf('/');
        int domainEnd = slash < 0 ? n : slash;
        int at = jid.indexOf('@');
        if (at > domainEnd) at = -1;
        if (at == 0) return "empty localpart";
        if (slash == n - 1) return "empty resourcepart";
        String problem = at < 0 ? null : localpartProblem(jid, 0, at);
        if (problem == null) problem = domainpartProblem(jid, at + 1, domainEnd);
        if (problem == null && slash >= 0) problem = resourcepartProblem(jid, slash + 1, n);
        return problem;
    }

    private static String localpartProblem(String jid, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = jid.charAt(i);
            if (c <= 0x20 || c >= 0x7F) return slowProblem(() -> nodeprep(jid.substring(from, to)), "localpart");
            if (!NODE_ASCII[c]) return "prohibited character in localpart";
        }
        return to - from > MAX_PART_BYTES ? "localpart too long" : null;
    }

    private static String resourcepartProblem(String jid, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = jid.charAt(i);
            if (c < 0x20 || c >= 0x7F) return slowProblem(() -> resourceprep(jid.substring(from, to)), "resourcepart");
        }
        return to - from > MAX_PART_BYTES ? "resourcepart too long" : null;
    }

    /** RFC 7622 3.2: a DNS name (LDH labels, or IDNA for non-ASCII), or an IP literal; one final dot is ignored. */
    private static String domainpartProblem(String jid, int from, int to) {
        if (to > from && jid.charAt(to - 1) == '.') to--;
        if (to == from) return "empty domainpart";
        if (to - from > MAX_PART_BYTES) return "domainpart too long";
        if (jid.charAt(from) == '[') return ipv6Literal(jid.substring(from, to)) ? null : "not an IPv6 literal";
        int labelStart = from;
        for (int i = from; i <= to; i++) {
            char c = i < to ? jid.charAt(i) : '.';
            if (c == '.') {
                int length = i - labelStart;
                if (length == 0) return "empty label in domainpart";
                if (length > MAX_LABEL) return "label longer than 63 octets in domainpart";
                if (jid.charAt(labelStart) == '-' || jid.charAt(i - 1) == '-') return "label starts or ends with a hyphen";
                labelStart = i + 1;
            } else if (c >= 0x80) {
                String domain = jid.substring(from, to);
                if (domain.getBytes(StandardCharsets.UTF_8).length > MAX_PART_BYTES) return "domainpart too long";
                return slowProblem(() -> JID.domainprep(domain), "domainpart");
            } else if (!LDH[c]) {
                return "prohibited character in domainpart";
            }
        }
        return null;
    }

    private static boolean ipv6Literal(String bracketed) {
        int n = bracketed.length();
        // A zone index ("%eth0") names an interface of the sender's machine, which means nothing to anyone else.
        return n > 2 && bracketed.charAt(n - 1) == ']' && bracketed.indexOf('%') < 0
                && NetUtil.isValidIpV6Address(bracketed.substring(1, n - 1));
    }

    private static String slowProblem(Runnable prep, String part) {
        try {
            prep.run();
            return null;
        } catch (RuntimeException e) {
            return "not a valid " + part;
        }
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
