package org.parley.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CorsPolicyTest {
    @Test
    void anyOrigin() {
        CorsPolicy p = new CorsPolicy(List.of("*"), Duration.ofHours(1));
        HttpHeaders h = new DefaultHttpHeaders();
        p.preflight("https://a.example", h);
        assertThat(h.get("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(h.get("Access-Control-Allow-Methods")).contains("POST");
        assertThat(h.get("Access-Control-Max-Age")).isEqualTo("3600");
    }

    @Test
    void listedOriginsOnly() {
        CorsPolicy p = new CorsPolicy(List.of("https://meet.example/"), Duration.ofHours(1));
        assertThat(p.allows("https://MEET.example")).isTrue();
        assertThat(p.allows("https://evil.example")).isFalse();
        assertThat(p.allows(null)).isTrue();
        HttpHeaders h = new DefaultHttpHeaders();
        p.decorate("https://meet.example", h);
        assertThat(h.get("Access-Control-Allow-Origin")).isEqualTo("https://meet.example");
        assertThat(h.get("Vary")).isEqualTo("origin");
        HttpHeaders none = new DefaultHttpHeaders();
        p.preflight("https://evil.example", none);
        assertThat(none.isEmpty()).isTrue();
    }
}
