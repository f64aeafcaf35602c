package org.parley.focus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class JwtTest {
    static String token(String secret, String claims) throws Exception {
        Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
        String h = e.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String p = e.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return h + "." + p + "." + e.encodeToString(mac.doFinal((h + "." + p).getBytes(StandardCharsets.US_ASCII)));
    }

    private final FocusConfig.Token settings = new FocusConfig.Token("s3cret", "my-app", "jitsi");

    @Test
    void aGoodTokenForTheRoomOrAnyRoom() throws Exception {
        String t = token("s3cret", "{\"iss\":\"my-app\",\"aud\":\"jitsi\",\"room\":\"daily\",\"exp\":2000,\"context\":{\"user\":{\"name\":\"A \\\"B\\\"\"}}}");
        assertThat(Jwt.check(t, settings, "daily", 1000)).isNull();
        assertThat(Jwt.check(t, settings, "other", 1000)).contains("room");
        String any = token("s3cret", "{\"iss\":\"my-app\",\"aud\":[\"jitsi\"],\"room\":\"*\"}");
        assertThat(Jwt.check(any, settings, "other", 1000)).isNull();
    }

    @Test
    void badTokensAreRefused() throws Exception {
        assertThat(Jwt.check(token("wrong", "{\"iss\":\"my-app\",\"aud\":\"jitsi\",\"room\":\"*\"}"), settings, "r", 0)).contains("signature");
        assertThat(Jwt.check(token("s3cret", "{\"iss\":\"my-app\",\"aud\":\"jitsi\",\"room\":\"*\",\"exp\":100}"), settings, "r", 1000)).contains("expired");
        assertThat(Jwt.check(token("s3cret", "{\"iss\":\"x\",\"aud\":\"jitsi\",\"room\":\"*\"}"), settings, "r", 0)).contains("issuer");
        assertThat(Jwt.check("a.b", settings, "r", 0)).contains("malformed");
        assertThat(Jwt.check("!!!.@@@.###", settings, "r", 0)).contains("malformed");
        assertThat(Jwt.check(null, settings, "r", 0)).contains("no token");
    }

    /** Claims are read before the signature is checked: nesting must be bounded, not a stack overflow. */
    @Test
    void deeplyNestedOrHugeClaimsAreMalformedNotACrash() throws Exception {
        String deep = "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        assertThat(Jwt.check(token("wrong", deep), settings, "r", 0)).contains("malformed");
        String nested = "{\"room\":\"*\",\"x\":" + "[".repeat(20) + "1" + "]".repeat(20) + "}";
        assertThat(Jwt.check(token("s3cret", nested), settings, "r", 0)).isNotEqualTo("malformed token");
        assertThat(Jwt.check("a".repeat(Jwt.MAX_TOKEN_CHARS + 1), settings, "r", 0)).contains("too long");
    }
}
