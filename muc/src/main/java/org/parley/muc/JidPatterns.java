package org.parley.muc;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.xmpp.packet.JID;

/**
 * A list of who is meant, as configured: {@code "*"} for anyone, a bare JID ({@code focus@auth.example.org}) for
 * that account, a domain ({@code auth.example.org}) for every JID on it.
 */
final class JidPatterns {
    static final JidPatterns NOBODY = new JidPatterns(List.of());
    static final JidPatterns ANYONE = new JidPatterns(List.of("*"));

    private final boolean any;
    private final Set<String> entries;

    JidPatterns(List<String> patterns) {
        boolean a = false;
        java.util.HashSet<String> set = new java.util.HashSet<>();
        for (String p : patterns) {
            String s = p.trim().toLowerCase(Locale.ROOT);
            if (s.equals("*")) a = true;
            else if (!s.isEmpty()) set.add(s);
        }
        this.any = a;
        this.entries = Set.copyOf(set);
    }

    boolean matches(JID jid) {
        if (any) return true;
        if (jid == null || entries.isEmpty()) return false;
        return entries.contains(jid.toBareJID()) || entries.contains(jid.getDomain());
    }

    boolean anyone() { return any; }

    boolean isEmpty() { return !any && entries.isEmpty(); }

    @Override public String toString() { return any ? "[*]" : entries.toString(); }
}
