package org.parley.xmpp.token;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.parley.xmpp.config.ConfigProblem;

/**
 * A virtual host's {@code token} section (Jitsi's {@code authentication = "token"}): the accepted issuers
 * ({@code app_id}) and audiences, the HS256 shared secret ({@code app_secret}) and/or RS256 public keys by
 * {@code kid} (what Prosody fetches from {@code asap_key_server}, here given as PEM files or inline PEM), and
 * whether clients without a token may log in anonymously ({@code allow_empty_token}).
 */
public record TokenSettings(List<String> issuers, List<String> audiences, byte[] secret, Map<String, RSAPublicKey> publicKeys,
                            boolean allowEmpty, Duration clockSkew) {

    /** Reads {@code prefix} ({@code parley.hosts[i].token}) from {@code c}; problems are added to {@code problems}. */
    public static TokenSettings read(String prefix, Config c, Path base, List<ConfigProblem> problems) {
        int before = problems.size();
        List<String> issuers = get(problems, prefix + ".issuers", () -> c.getStringList("issuers"), List.of());
        List<String> audiences = get(problems, prefix + ".audiences", () -> c.getStringList("audiences"), List.of());
        if (issuers.isEmpty()) problems.add(new ConfigProblem(prefix + ".issuers", "list the accepted issuers (app ids), or [\"*\"]"));
        if (audiences.isEmpty()) problems.add(new ConfigProblem(prefix + ".audiences", "list the accepted audiences, or [\"*\"]"));
        String secret = c.hasPath("secret") ? get(problems, prefix + ".secret", () -> c.getString("secret"), "") : "";
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        if (key.length > 0 && key.length < 32) {
            problems.add(new ConfigProblem(prefix + ".secret", "HS256 needs a secret of at least 32 bytes (256 bits)"));
        }
        Map<String, RSAPublicKey> keys = new LinkedHashMap<>();
        if (c.hasPath("public-keys")) {
            Config pk = get(problems, prefix + ".public-keys", () -> c.getConfig("public-keys"), null);
            if (pk != null) {
                for (String kid : pk.root().keySet()) {
                    String k = prefix + ".public-keys." + kid;
                    String value = get(problems, k, () -> pk.getString("\"" + kid + "\""), "");
                    try {
                        keys.put(kid, rsa(value.contains("-----BEGIN") ? value
                                : Files.readString(base.resolve(value), StandardCharsets.US_ASCII)));
                    } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
                        problems.add(new ConfigProblem(k, "not an RSA public key (PEM, or a PEM file): " + e.getMessage()));
                    }
                }
            }
        }
        if (key.length == 0 && keys.isEmpty()) {
            problems.add(new ConfigProblem(prefix, "needs a secret (HS256) or public-keys (RS256)"));
        }
        boolean allowEmpty = c.hasPath("allow-empty") && get(problems, prefix + ".allow-empty", () -> c.getBoolean("allow-empty"), false);
        Duration skew = c.hasPath("clock-skew") ? get(problems, prefix + ".clock-skew", () -> c.getDuration("clock-skew"), Duration.ofMinutes(1))
                : Duration.ofMinutes(1);
        if (problems.size() > before) return null;
        return new TokenSettings(List.copyOf(issuers), List.copyOf(audiences), key, Map.copyOf(keys), allowEmpty, skew);
    }

    static RSAPublicKey rsa(String pem) throws java.security.GeneralSecurityException {
        String b64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        if (b64.isEmpty()) throw new java.security.InvalidKeyException("empty");
        return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(b64)));
    }

    private static <T> T get(List<ConfigProblem> problems, String key, Supplier<T> read, T fallback) {
        try {
            return read.get();
        } catch (com.typesafe.config.ConfigException e) {
            problems.add(new ConfigProblem(key, e.getMessage()));
            return fallback;
        }
    }
}
