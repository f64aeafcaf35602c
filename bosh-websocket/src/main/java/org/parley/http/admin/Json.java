package org.parley.http.admin;

import java.util.Collection;
import java.util.Map;

/**
 * The admin API's JSON: a writer for maps (objects, in their iteration order), collections, strings, numbers,
 * booleans and null, and a strict reader for the small request bodies of its POST routes. Small on purpose.
 */
public final class Json {
    private static final int MAX_DEPTH = 16;

    private Json() {}

    /** Not JSON, or not the JSON a route wants; the admin API answers 400 with the message. */
    public static final class Malformed extends IllegalArgumentException {
        public Malformed(String message) {
            super(message);
        }
    }

    /**
     * Reads one JSON value (RFC 8259): objects become {@code LinkedHashMap}s, arrays {@code List}s, numbers
     * {@code Long} when integral and {@code Double} otherwise; anything else, or trailing text, is {@link Malformed}.
     */
    public static Object parse(String text) {
        Reader r = new Reader(text);
        r.space();
        Object v = r.value(0);
        r.space();
        if (r.at < text.length()) throw r.error("unexpected text after the value");
        return v;
    }

    /** A JSON object body; an empty or blank body is an empty object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        if (text == null || text.isBlank()) return Map.of();
        Object v = parse(text);
        if (!(v instanceof Map<?, ?>)) throw new Malformed("expected a JSON object");
        return (Map<String, Object>) v;
    }

    private static final class Reader {
        private final String s;
        private int at;

        Reader(String s) {
            this.s = s;
        }

        Malformed error(String what) {
            return new Malformed("bad JSON at offset " + at + ": " + what);
        }

        void space() {
            while (at < s.length() && " \t\r\n".indexOf(s.charAt(at)) >= 0) at++;
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) throw error("nested too deeply");
            if (at >= s.length()) throw error("value expected");
            char c = s.charAt(at);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) yield number();
                    throw error("unexpected '" + c + "'");
                }
            };
        }

        private Object literal(String word, Object v) {
            if (!s.startsWith(word, at)) throw error("unexpected text");
            at += word.length();
            return v;
        }

        private Map<String, Object> object(int depth) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            at++;
            space();
            if (at < s.length() && s.charAt(at) == '}') {
                at++;
                return m;
            }
            while (true) {
                space();
                if (at >= s.length() || s.charAt(at) != '"') throw error("member name expected");
                String key = string();
                space();
                if (at >= s.length() || s.charAt(at) != ':') throw error("':' expected");
                at++;
                space();
                m.put(key, value(depth + 1));
                space();
                if (at >= s.length()) throw error("'}' expected");
                char c = s.charAt(at++);
                if (c == '}') return m;
                if (c != ',') throw error("',' or '}' expected");
            }
        }

        private java.util.List<Object> array(int depth) {
            java.util.List<Object> l = new java.util.ArrayList<>();
            at++;
            space();
            if (at < s.length() && s.charAt(at) == ']') {
                at++;
                return l;
            }
            while (true) {
                space();
                l.add(value(depth + 1));
                space();
                if (at >= s.length()) throw error("']' expected");
                char c = s.charAt(at++);
                if (c == ']') return l;
                if (c != ',') throw error("',' or ']' expected");
            }
        }

        private String string() {
            StringBuilder sb = new StringBuilder();
            at++;
            while (true) {
                if (at >= s.length()) throw error("unterminated string");
                char c = s.charAt(at++);
                if (c == '"') return sb.toString();
                if (c < 0x20) throw error("control character in a string");
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (at >= s.length()) throw error("unterminated escape");
                char e = s.charAt(at++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (at + 4 > s.length()) throw error("short \\u escape");
                        int code = 0;
                        for (int i = 0; i < 4; i++) {
                            int d = Character.digit(s.charAt(at++), 16);
                            if (d < 0) throw error("bad \\u escape");
                            code = code * 16 + d;
                        }
                        sb.append((char) code);
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private Number number() {
            int start = at;
            if (s.charAt(at) == '-') at++;
            int digits = at;
            while (at < s.length() && Character.isDigit(s.charAt(at))) at++;
            if (at == digits || (s.charAt(digits) == '0' && at - digits > 1)) throw error("bad number");
            boolean integral = true;
            if (at < s.length() && s.charAt(at) == '.') {
                integral = false;
                at++;
                int frac = at;
                while (at < s.length() && Character.isDigit(s.charAt(at))) at++;
                if (at == frac) throw error("bad number");
            }
            if (at < s.length() && (s.charAt(at) == 'e' || s.charAt(at) == 'E')) {
                integral = false;
                at++;
                if (at < s.length() && (s.charAt(at) == '+' || s.charAt(at) == '-')) at++;
                int exp = at;
                while (at < s.length() && Character.isDigit(s.charAt(at))) at++;
                if (at == exp) throw error("bad number");
            }
            String n = s.substring(start, at);
            if (integral) {
                try {
                    return Long.parseLong(n);
                } catch (NumberFormatException tooBig) {
                    return Double.parseDouble(n);
                }
            }
            return Double.parseDouble(n);
        }
    }

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Double d) {
            sb.append(d.isNaN() || d.isInfinite() ? "null" : d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : d.toString());
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                string(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) sb.append(',');
                first = false;
                write(sb, o);
            }
            sb.append(']');
        } else {
            string(sb, v.toString());
        }
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    // '<' and '&' escaped too, so JSON is safe to inline into the dashboard's HTML.
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
