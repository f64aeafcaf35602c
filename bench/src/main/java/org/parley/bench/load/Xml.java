package org.parley.bench.load;

/**
 * What the load generator reads from a received element, by string search: its name, an attribute of the root
 * tag (either quote style), its text. Enough for the handful of answers a client needs during negotiation and
 * for recognising the stanzas the scenarios count.
 */
final class Xml {
    private Xml() {}

    /**
     * The send time a fan-out scenario stamped into a groupchat message's body ({@code <body>t<nanoTime>...}), or -1
     * when {@code el} is no such message.
     */
    static long bodyStamp(String el) {
        if (!el.startsWith("<message")) return -1;
        int at = el.indexOf("<body>t");
        if (at < 0) return -1;
        long sent = 0;
        for (int i = at + 7; i < el.length(); i++) {
            char ch = el.charAt(i);
            if (ch < '0' || ch > '9') break;
            sent = sent * 10 + (ch - '0');
        }
        return sent;
    }

    /** The root element's qualified name. */
    static String name(String el) {
        int end = 1;
        while (end < el.length() && " />\t\r\n".indexOf(el.charAt(end)) < 0) end++;
        return el.substring(1, end);
    }

    static boolean named(String el, String name) {
        return el.startsWith(name, 1) && el.length() > name.length() + 1 && " />\t\r\n".indexOf(el.charAt(name.length() + 1)) >= 0;
    }

    /** The end of the root start tag (index of its '>'), quotes respected. */
    static int rootTagEnd(String el) {
        char quote = 0;
        for (int i = 1; i < el.length(); i++) {
            char c = el.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '>') {
                return i;
            }
        }
        return el.length();
    }

    /** An attribute of the root element, unescaped only for the common entities; null when absent. */
    static String attr(String el, String name) {
        return attr(el, name, 0, rootTagEnd(el));
    }

    /** An attribute of the first {@code <tag ...>} found from {@code from}; null when absent. */
    static String attrOf(String el, String tag, String name) {
        int at = el.indexOf("<" + tag, 1);
        while (at >= 0) {
            int after = at + tag.length() + 1;
            if (after < el.length() && " />\t\r\n".indexOf(el.charAt(after)) >= 0) break;
            at = el.indexOf("<" + tag, after);
        }
        if (at < 0) return null;
        int end = el.indexOf('>', at);
        return attr(el, name, at, end < 0 ? el.length() : end);
    }

    private static String attr(String el, String name, int from, int end) {
        int i = from;
        while (true) {
            i = el.indexOf(name, i + 1);
            if (i < 0 || i >= end) return null;
            int eq = i + name.length();
            char before = el.charAt(i - 1);
            if ((before == ' ' || before == '\t' || before == '\n' || before == '\r') && eq < end && el.charAt(eq) == '=') {
                char q = el.charAt(eq + 1);
                int close = el.indexOf(q, eq + 2);
                if (close < 0) return null;
                return unescape(el.substring(eq + 2, close));
            }
        }
    }

    /** The character data of a simple element such as {@code <challenge>...</challenge>}. */
    static String text(String el) {
        int open = rootTagEnd(el);
        if (open >= el.length() - 1 || el.charAt(open - 1) == '/') return "";
        int close = el.lastIndexOf("</");
        return close <= open ? "" : unescape(el.substring(open + 1, close).trim());
    }

    /** The text of the first {@code <tag>...</tag>} (no attributes expected on it), or null. */
    static String childText(String el, String tag) {
        int at = el.indexOf("<" + tag + ">");
        if (at < 0) return null;
        int from = at + tag.length() + 2;
        int to = el.indexOf("</" + tag + ">", from);
        return to < 0 ? null : unescape(el.substring(from, to));
    }

    static String unescape(String s) {
        if (s.indexOf('&') < 0) return s;
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;").replace("\"", "&quot;");
    }
}
