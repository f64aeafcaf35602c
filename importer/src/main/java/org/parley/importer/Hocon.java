package org.parley.importer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small tree of settings written out as HOCON, in the order it was built, with a comment per key where the importer
 * has something to say (where a setting came from). Strings are always quoted: nothing an operator's file holds can
 * turn into syntax. Also used by the container entry (docker-jitsi-meet's environment).
 */
public final class Hocon {
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, String> comments = new LinkedHashMap<>();

    /** The object at {@code key}, made if absent. */
    public Hocon object(String key) {
        Object o = values.get(key);
        if (o instanceof Hocon h) return h;
        Hocon h = new Hocon();
        values.put(key, h);
        return h;
    }

    public Hocon put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    public Hocon put(String key, Object value, String comment) {
        values.put(key, value);
        if (comment != null) comments.put(key, comment);
        return this;
    }

    public Object get(String key) { return values.get(key); }

    public boolean isEmpty() { return values.isEmpty(); }

    @SuppressWarnings("unchecked")
    public List<Object> list(String key) {
        Object o = values.get(key);
        if (o instanceof List<?> l) return (List<Object>) l;
        List<Object> l = new ArrayList<>();
        values.put(key, l);
        return l;
    }

    public String render() {
        StringBuilder b = new StringBuilder();
        writeMembers(b, 0);
        return b.toString();
    }

    private void writeMembers(StringBuilder b, int indent) {
        for (Map.Entry<String, Object> e : values.entrySet()) {
            String comment = comments.get(e.getKey());
            if (comment != null) {
                for (String line : comment.split("\n")) b.append("  ".repeat(indent)).append("# ").append(line).append('\n');
            }
            b.append("  ".repeat(indent)).append(key(e.getKey())).append(e.getValue() instanceof Hocon ? " " : " = ");
            value(b, e.getValue(), indent);
            b.append('\n');
        }
    }

    private static void value(StringBuilder b, Object v, int indent) {
        if (v instanceof Hocon h) {
            b.append("{\n");
            h.writeMembers(b, indent + 1);
            b.append("  ".repeat(indent)).append('}');
        } else if (v instanceof java.util.Map<?, ?> map) {
            Hocon h = new Hocon();
            map.forEach((k, x) -> h.put(String.valueOf(k), x));
            value(b, h, indent);
        } else if (v instanceof List<?> list) {
            boolean objects = list.stream().anyMatch(x -> x instanceof Hocon || x instanceof java.util.Map);
            if (!objects) {
                b.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) b.append(", ");
                    value(b, list.get(i), indent);
                }
                b.append(']');
            } else {
                b.append("[\n");
                for (Object x : list) {
                    b.append("  ".repeat(indent + 1));
                    value(b, x, indent + 1);
                    b.append('\n');
                }
                b.append("  ".repeat(indent)).append(']');
            }
        } else if (v instanceof String s) {
            b.append(quote(s));
        } else {
            b.append(v);
        }
    }

    private static String key(String k) {
        return k.matches("[A-Za-z][A-Za-z0-9-]*") ? k : quote(k);
    }

    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
