package org.parley.focus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JSON Web Tokens Jitsi deployments put in the conference request ({@code token}): HS256 only, checked for
 * signature, {@code exp}/{@code nbf} (60 s leeway), and, when configured, {@code iss} and {@code aud}. The {@code room}
 * claim must be the room's name or {@code *}. Only the top-level claims are read.
 */
final class Jwt {
    /** Far above any real Jitsi token (a few hundred bytes to a few KiB with context and features). */
    static final int MAX_TOKEN_CHARS = 16 * 1024;
    /** The reader recurses per level: an attacker's deeply nested claims must not overflow the stack. */
    static final int MAX_DEPTH = 32;

    private Jwt() {}

    /** Null when the token is good for {@code room}, else why not. */
    static String check(String token, FocusConfig.Token settings, String room, long nowSeconds) {
        if (token == null || token.isBlank()) return "no token";
        if (token.length() > MAX_TOKEN_CHARS) return "token too long";
        String[] parts = token.split("\\.");
        if (parts.length != 3) return "malformed token";
        Map<String, Object> header;
        Map<String, Object> claims;
        byte[] signature;
        try {
            Base64.Decoder d = Base64.getUrlDecoder();
            header = new JsonReader(new String(d.decode(parts[0]), StandardCharsets.UTF_8)).object();
            claims = new JsonReader(new String(d.decode(parts[1]), StandardCharsets.UTF_8)).object();
            signature = d.decode(parts[2]);
        } catch (IllegalArgumentException e) {
            return "malformed token";
        }
        if (!"HS256".equals(header.get("alg"))) return "unsupported algorithm " + header.get("alg");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(settings.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!MessageDigest.isEqual(expected, signature)) return "bad signature";
        } catch (java.security.GeneralSecurityException e) {
            return "cannot verify: " + e.getMessage();
        }
        if (claims.get("exp") instanceof Number exp && nowSeconds > exp.longValue() + 60) return "expired";
        if (claims.get("nbf") instanceof Number nbf && nowSeconds + 60 < nbf.longValue()) return "not yet valid";
        if (!settings.issuer().isEmpty() && !settings.issuer().equals(claims.get("iss"))) return "wrong issuer";
        if (!settings.audience().isEmpty()) {
            Object aud = claims.get("aud");
            boolean ok = settings.audience().equals(aud) || "*".equals(aud)
                    || aud instanceof java.util.List<?> l && l.contains(settings.audience());
            if (!ok) return "wrong audience";
        }
        Object r = claims.get("room");
        if (!"*".equals(r) && !(r instanceof String s && s.equalsIgnoreCase(room))) return "not valid for this room";
        return null;
    }

    /** A small JSON reader: objects, arrays, strings, numbers, booleans, null. */
    static final class JsonReader {
        private final String s;
        private int i;
        private int depth;

        JsonReader(String s) {
            this.s = s;
        }

        Map<String, Object> object() {
            Object v = value();
            skip();
            if (!(v instanceof Map) || i != s.length()) throw new IllegalArgumentException("not a JSON object");
            @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) v;
            return m;
        }

        private Object value() {
            if (++depth > MAX_DEPTH) throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH);
            try {
                return valueAtDepth();
            } finally {
                depth--;
            }
        }

        private Object valueAtDepth() {
            skip();
            if (i >= s.length()) throw new IllegalArgumentException("unexpected end");
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new HashMap<>();
                    skip();
                    if (peek('}')) return m;
                    while (true) {
                        skip();
                        String k = string();
                        skip();
                        expect(':');
                        m.put(k, value());
                        skip();
                        if (peek('}')) return m;
                        expect(',');
                    }
                }
                case '[' -> {
                    i++;
                    java.util.List<Object> l = new java.util.ArrayList<>();
                    skip();
                    if (peek(']')) return l;
                    while (true) {
                        l.add(value());
                        skip();
                        if (peek(']')) return l;
                        expect(',');
                    }
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    int start = i;
                    while (i < s.length() && "{}[],: \t\r\n\"".indexOf(s.charAt(i)) < 0) i++;
                    String word = s.substring(start, i);
                    switch (word) {
                        case "true": return Boolean.TRUE;
                        case "false": return Boolean.FALSE;
                        case "null": return null;
                        default:
                            try {
                                return word.contains(".") || word.contains("e") || word.contains("E")
                                        ? (Object) Double.valueOf(word) : (Object) Long.valueOf(word);
                            } catch (NumberFormatException e) {
                                throw new IllegalArgumentException("bad JSON value " + word);
                            }
                    }
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c == '\\') {
                    if (i >= s.length()) break;
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            if (i + 4 > s.length()) throw new IllegalArgumentException("bad escape");
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
            throw new IllegalArgumentException("unterminated string");
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) throw new IllegalArgumentException("expected " + c);
            i++;
        }
    }
}
