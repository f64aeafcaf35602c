package org.parley.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.parley.http.admin.Json;

/** Requests to one server's admin port, as curl or Prometheus would make them; JSON answers read with the API's own reader. */
final class AdminHttp {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final int port;
    private final String token;

    AdminHttp(int port, String token) {
        this.port = port;
        this.token = token;
    }

    HttpResponse<String> get(String path) throws Exception {
        return get(path, token);
    }

    HttpResponse<String> get(String path, String bearer) throws Exception {
        return send(request(path, bearer).GET());
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return post(path, token, body);
    }

    HttpResponse<String> post(String path, String bearer, String body) throws Exception {
        return send(request(path, bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** The JSON object of a 200 answer to {@code GET path}. */
    @SuppressWarnings("unchecked")
    Map<String, Object> json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        if (r.statusCode() != 200) throw new AssertionError("GET " + path + ": " + r.statusCode() + " " + r.body());
        return (Map<String, Object>) Json.parse(r.body());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String json) {
        return (Map<String, Object>) Json.parse(json);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        return (List<Map<String, Object>>) m.get(key);
    }

    /** The value of one Prometheus sample of {@code /metrics}. */
    double sample(String name, String labels) throws Exception {
        return AdminApiTest.sample(get("/metrics", null).body(), name, labels);
    }

    private HttpRequest.Builder request(String path, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
