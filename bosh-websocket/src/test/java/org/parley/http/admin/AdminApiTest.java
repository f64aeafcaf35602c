package org.parley.http.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoopGroup;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.xmpp.metrics.ServerMetrics;

class AdminApiTest {
    private static final String TOKEN = "0123456789abcdef-token";
    private final DefaultEventLoopGroup loops = new DefaultEventLoopGroup(2);
    private final ServerMetrics metrics = new ServerMetrics();

    @AfterEach
    void stop() {
        loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
    }

    private AdminRoute.Response get(AdminApi api, String path, String auth) {
        return api.handle("GET", path, auth, "").join();
    }

    @Test
    void withoutATokenTheApiIsOffButMetricsHealthAndReadinessAnswer() {
        AdminApi api = new AdminApi(new AdminConfig(true, "127.0.0.1", 0, "", false, java.time.Duration.ofHours(1)), metrics, loops);
        assertThat(get(api, "/api/summary", "Bearer anything").status()).isEqualTo(404);
        assertThat(get(api, "/metrics", null).status()).isEqualTo(200);
        assertThat(get(api, "/metrics", null).body()).contains("parley_connections{transport=\"tcp\"} 0");
        assertThat(get(api, "/health", null).status()).isEqualTo(200);
        assertThat(get(api, "/ready", null).status()).isEqualTo(503);
        api.ready(true, null);
        assertThat(get(api, "/ready", null).status()).isEqualTo(200);
        assertThat(get(api, "/dashboard", null).body()).contains("<canvas");
    }

    @Test
    void theTokenGuardsTheApiAndOptionallyTheMetrics() {
        AdminApi api = new AdminApi(new AdminConfig(true, "127.0.0.1", 0, TOKEN, true, java.time.Duration.ofHours(1)), metrics, loops);
        assertThat(get(api, "/metrics", null).status()).isEqualTo(401);
        assertThat(get(api, "/metrics", "Bearer " + TOKEN).status()).isEqualTo(200);
        assertThat(get(api, "/api/summary", "Bearer wrong").status()).isEqualTo(401);
        assertThat(get(api, "/api/summary", "bearer " + TOKEN).status()).isEqualTo(200);
        assertThat(get(api, "/api/summary", TOKEN).status()).isEqualTo(401);
    }

    @Test
    void sectionsAddRoutesSummaryFieldsAndReadiness() {
        AdminApi api = new AdminApi(new AdminConfig(true, "127.0.0.1", 0, TOKEN, false, java.time.Duration.ofHours(1)), metrics, loops);
        String[] draining = {null};
        api.add(new AdminSection() {
            @Override public List<AdminRoute> routes() {
                return List.of(AdminRoute.get("/api/things", r -> AdminRoute.Response.ok(Map.of("n", 1))),
                        AdminRoute.post("/api/drain", r -> {
                            draining[0] = r.parameter("what");
                            return AdminRoute.Response.ok(Map.of("draining", draining[0]));
                        }));
            }
            @Override public void summarize(Map<String, Object> summary) { summary.put("things", 7); }
            @Override public Optional<String> notReady() { return Optional.ofNullable(draining[0]).map(d -> "draining " + d); }
        });
        api.ready(true, null);
        String auth = "Bearer " + TOKEN;
        assertThat(get(api, "/api/things", auth).body()).isEqualTo("{\"n\":1}");
        assertThat(get(api, "/api/summary", auth).body()).contains("\"things\":7").contains("\"ready\":true");
        assertThat(get(api, "/api/drain", auth).status()).isEqualTo(405);
        assertThat(api.handle("POST", "/api/drain?what=sfu1", auth, "").join().status()).isEqualTo(200);
        AdminRoute.Response ready = get(api, "/ready", null);
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body()).contains("draining sfu1");
    }

    @Test
    void aMalformedBodyIs400() {
        AdminApi api = new AdminApi(new AdminConfig(true, "127.0.0.1", 0, TOKEN, false, java.time.Duration.ofHours(1)), metrics, loops);
        api.add(new AdminSection() {
            @Override public List<AdminRoute> routes() {
                return List.of(AdminRoute.post("/api/echo", r -> AdminRoute.Response.ok(Json.parseObject(r.body()))));
            }
        });
        String auth = "Bearer " + TOKEN;
        assertThat(api.handle("POST", "/api/echo", auth, "{\"a\":[1,\"x\"]}").join().body()).isEqualTo("{\"a\":[1,\"x\"]}");
        AdminRoute.Response bad = api.handle("POST", "/api/echo", auth, "{\"a\":").join();
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("bad JSON");
        assertThat(api.handle("POST", "/api/echo", auth, "[1]").join().status()).isEqualTo(400);
        assertThat(api.handle("POST", "/api/echo", "Bearer wrong", "{").join().status()).isEqualTo(401);
    }

    @Test
    void jsonReadsWhatItWritesAndRefusesTheRest() {
        Map<String, Object> m = Json.parseObject(" {\"jid\" : \"a@b/c\\u00e9\\n\", \"drain\":false, \"n\":-12, \"x\":2.5e-1,"
                + " \"l\":[null,true,{}], \"e\":[]} ");
        assertThat(m).containsEntry("jid", "a@b/c\u00e9\n").containsEntry("drain", false).containsEntry("n", -12L)
                .containsEntry("x", 0.25).containsEntry("e", List.of());
        assertThat(Json.parse(Json.write(m))).isEqualTo(m);
        assertThat(Json.parseObject("")).isEmpty();
        for (String bad : List.of("{", "{\"a\"}", "{\"a\":1,}", "[1,]", "01", "-", "1.", "tru", "\"\\x\"", "\"\\u12g4\"",
                "{\"a\":1} x", "\"a\nb\"", "[".repeat(100) + "]".repeat(100), "{a:1}")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(Json.Malformed.class);
        }
    }

    @Test
    void jsonEscapesForHtml() {
        assertThat(Json.write(Map.of("a", "<b>\"&\n"))).isEqualTo("{\"a\":\"\\u003cb\\u003e\\\"\\u0026\\n\"}");
        assertThat(Json.write(List.of(1.0, 2.5, true))).isEqualTo("[1,2.5,true]");
    }
}
