package org.parley.xmpp.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Verifies Jitsi JWTs (Nimbus JOSE+JWT): signature (HS256 with the host's secret, or RS256 with the public key its
 * {@code kid} names), {@code exp} (required), {@code nbf}, {@code iss} and {@code aud} against the host's lists (where
 * {@code *} accepts any), then reads {@code room} and {@code context.user}. Thread-safe; no I/O.
 */
public final class TokenVerifier {
    private final TokenSettings settings;
    private final Clock clock;
    private final MACVerifier mac;

    public TokenVerifier(TokenSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        try {
            this.mac = settings.secret().length == 0 ? null : new MACVerifier(settings.secret());
        } catch (JOSEException e) {
            throw new IllegalArgumentException("HS256 secret: " + e.getMessage(), e);
        }
    }

    public TokenSettings settings() { return settings; }

    /** The identity the token vouches for; throws {@link InvalidToken} saying why not. */
    public TokenIdentity verify(String token) throws InvalidToken {
        if (token == null || token.isBlank()) throw new InvalidToken("no token");
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token.trim());
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new InvalidToken("malformed token");
        }
        JWSHeader header = jwt.getHeader();
        JWSVerifier verifier;
        if (JWSAlgorithm.HS256.equals(header.getAlgorithm()) && mac != null) {
            verifier = mac;
        } else if (JWSAlgorithm.RS256.equals(header.getAlgorithm()) && !settings.publicKeys().isEmpty()) {
            RSAPublicKey key = header.getKeyID() == null ? null : settings.publicKeys().get(header.getKeyID());
            if (key == null) throw new InvalidToken("unknown key id " + header.getKeyID());
            verifier = new RSASSAVerifier(key);
        } else {
            throw new InvalidToken("unsupported algorithm " + header.getAlgorithm());
        }
        try {
            if (!jwt.verify(verifier)) throw new InvalidToken("bad signature");
        } catch (JOSEException e) {
            throw new InvalidToken("bad signature: " + e.getMessage());
        }
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) throw new InvalidToken("no exp claim");
        if (now.isAfter(exp.toInstant().plus(settings.clockSkew()))) throw new InvalidToken("expired");
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(settings.clockSkew()).isBefore(nbf.toInstant())) throw new InvalidToken("not yet valid");
        if (!accepts(settings.issuers(), claims.getIssuer() == null ? List.of() : List.of(claims.getIssuer()))) {
            throw new InvalidToken("issuer not accepted");
        }
        if (!accepts(settings.audiences(), claims.getAudience())) throw new InvalidToken("audience not accepted");
        try {
            String room = claims.getStringClaim("room");
            Map<String, Object> context = claims.getJSONObjectClaim("context");
            Map<?, ?> user = context != null && context.get("user") instanceof Map<?, ?> u ? u : Map.of();
            boolean moderator = truthy(user.get("moderator")) || truthy(claims.getClaim("moderator"));
            String group = context == null ? null : string(context.get("group"));
            return new TokenIdentity(claims.getIssuer(), claims.getSubject(), room, string(user.get("id")),
                    string(user.get("name")), string(user.get("email")), string(user.get("avatar")), group, moderator,
                    exp.toInstant());
        } catch (ParseException e) {
            throw new InvalidToken("malformed claims: " + e.getMessage());
        }
    }

    private static boolean accepts(List<String> accepted, List<String> given) {
        if (accepted.contains("*")) return true;
        for (String g : given) if (accepted.contains(g)) return true;
        return false;
    }

    private static boolean truthy(Object o) {
        return Boolean.TRUE.equals(o) || "true".equals(o);
    }

    private static String string(Object o) {
        return o instanceof String s && !s.isEmpty() ? s : null;
    }

    /** A token that does not let its holder in, with the reason (logged, and the SASL failure's text). */
    public static final class InvalidToken extends Exception {
        public InvalidToken(String why) {
            super(why);
        }
    }
}
